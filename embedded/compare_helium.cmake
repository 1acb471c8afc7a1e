# Runs the Helium image and the same code built +nomve (HELIUM, SCALAR) on the Cortex-M55 and fails if
# the Helium one needs more than ALLOWANCE percent of the scalar one's instructions per inference.
cmake_minimum_required(VERSION 3.20)
foreach(kind HELIUM SCALAR)
  execute_process(COMMAND ${RUN} ${${kind}} OUTPUT_VARIABLE out ERROR_VARIABLE out RESULT_VARIABLE status TIMEOUT 240)
  if(NOT status EQUAL 0 OR NOT out MATCHES "instructions ([0-9]+)")
    message(FATAL_ERROR "${${kind}} failed (${status}):\n${out}")
  endif()
  set(${kind}_instructions ${CMAKE_MATCH_1})
endforeach()
math(EXPR ratio "(100 * ${HELIUM_instructions} + ${SCALAR_instructions} - 1) / ${SCALAR_instructions}")  # rounded up
message("Helium ${HELIUM_instructions} instructions, +nomve ${SCALAR_instructions}: ${ratio}% (allowed ${ALLOWANCE}%)")
if(ratio GREATER ALLOWANCE)
  message(FATAL_ERROR "the Helium build needs ${ratio}% of the +nomve build's instructions (allowed ${ALLOWANCE}%)")
endif()
