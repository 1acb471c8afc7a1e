# ctnn_add_compile_fail_tests(DIRECTORY dir): one CTest test per source file in `dir` that must NOT
# compile. Each file names what its error must say with lines of the form
#   // expect: <regex>
# and the test passes only when the compiler rejects the file and every regex matches within the
# first lines of its output (what a user reads first). See cmake/check_compile_fail.cmake.
function(ctnn_add_compile_fail_tests)
  cmake_parse_arguments(ARG "" "DIRECTORY;FIRST_LINES" "" ${ARGN})
  if(NOT ARG_FIRST_LINES)
    set(ARG_FIRST_LINES 14)
  endif()
  file(GLOB cases CONFIGURE_DEPENDS ${ARG_DIRECTORY}/*.cpp)
  get_target_property(boost_includes Boost::headers INTERFACE_INCLUDE_DIRECTORIES)
  foreach(case IN LISTS cases)
    get_filename_component(name ${case} NAME_WE)
    file(STRINGS ${case} expect_lines REGEX "^// expect: ")
    if(NOT expect_lines)
      message(FATAL_ERROR "${case}: a compile-fail case needs at least one '// expect: <regex>' line")
    endif()
    add_test(NAME compile_fail.${name}
      COMMAND ${CMAKE_COMMAND}
        -DCOMPILER=${CMAKE_CXX_COMPILER}
        -DSOURCE=${case}
        "-DINCLUDES=${PROJECT_SOURCE_DIR}/include;${boost_includes}"
        -DFIRST_LINES=${ARG_FIRST_LINES}
        -P ${PROJECT_SOURCE_DIR}/cmake/check_compile_fail.cmake)
  endforeach()
endfunction()
