# run_image(IMAGE PREFIX): runs IMAGE on the emulated board (RUN: the QEMU command, a list) and fails
# unless it exits with 0; sets PREFIX_output, and PREFIX_instructions and PREFIX_stack from the line the
# image prints ("instructions N, stack M bytes"). Shared by run_on_board.cmake and compare_helium.cmake.
function(run_image image prefix)
  execute_process(COMMAND ${RUN} ${image} OUTPUT_VARIABLE out ERROR_VARIABLE out RESULT_VARIABLE status TIMEOUT 240)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${image} exited with ${status}:\n${out}")
  endif()
  if(NOT out MATCHES "instructions ([0-9]+)")
    message(FATAL_ERROR "no instruction count in the output of ${image}:\n${out}")
  endif()
  set(${prefix}_instructions ${CMAKE_MATCH_1} PARENT_SCOPE)
  if(NOT out MATCHES "stack ([0-9]+) bytes")
    message(FATAL_ERROR "no stack high-water mark in the output of ${image}:\n${out}")
  endif()
  set(${prefix}_stack ${CMAKE_MATCH_1} PARENT_SCOPE)
  set(${prefix}_output "${out}" PARENT_SCOPE)
endfunction()
