# ctnn_add_compile_fail_tests(DIRECTORY dir): one CTest test per source file in `dir` that must NOT
# compile. Each file names what its error must say (`// expect: <regex>`, within the first 2 lines of the
# compiler's output unless `// expect-within N: <regex>`) and its compiling twin, the same source with
# the one bad argument fixed (`// twin: <text> => <replacement>`). See cmake/check_compile_fail.cmake.
function(ctnn_add_compile_fail_tests)
  cmake_parse_arguments(ARG "" "DIRECTORY" "" ${ARGN})
  file(GLOB cases CONFIGURE_DEPENDS ${ARG_DIRECTORY}/*.cpp)
  get_target_property(boost_includes Boost::headers INTERFACE_INCLUDE_DIRECTORIES)
  set(work ${CMAKE_CURRENT_BINARY_DIR}/compile_fail)
  file(MAKE_DIRECTORY ${work})
  foreach(case IN LISTS cases)
    get_filename_component(name ${case} NAME_WE)
    file(STRINGS ${case} expect_lines REGEX "^// expect")
    if(NOT expect_lines)
      message(FATAL_ERROR "${case}: a compile-fail case needs at least one '// expect: <regex>' line")
    endif()
    add_test(NAME compile_fail.${name}
      COMMAND ${CMAKE_COMMAND}
        -DCOMPILER=${CMAKE_CXX_COMPILER}
        -DSOURCE=${case}
        -DWORK_DIR=${work}
        "-DINCLUDES=${PROJECT_SOURCE_DIR}/include;${boost_includes}"
        -P ${PROJECT_SOURCE_DIR}/cmake/check_compile_fail.cmake)
  endforeach()
endfunction()
