# Compiles SOURCE (syntax only) and fails unless
#   - the compiler rejects it with exactly one error (`// errors: N` or `// errors: any` to change that):
#     a ctnn check must not cascade, even into the user's own static_asserts after it;
#   - every `// expect: <regex>` matches within the first 2 lines of the diagnostic (what a user reads
#     first), or within N lines for `// expect-within N: <regex>`;
#   - its compiling twin compiles: the same source with the one bad argument fixed, given as
#     `// twin: <text> => <replacement>` (the text must occur exactly once).
cmake_minimum_required(VERSION 3.20)
file(STRINGS ${SOURCE} lines)
set(args -std=c++20 -fsyntax-only)
foreach(dir IN LISTS INCLUDES)
  if(dir AND NOT dir STREQUAL "/usr/include")  # an implicit directory as -isystem breaks #include_next
    list(APPEND args -isystem ${dir})
  endif()
endforeach()
list(APPEND args -I${CMAKE_CURRENT_LIST_DIR}/../include)

execute_process(COMMAND ${COMPILER} ${args} ${SOURCE} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(status EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must be rejected")
endif()
set(text "${out}${err}")

# Errors: one unless the case says otherwise.
set(expected_errors 1)
file(STRINGS ${SOURCE} errors_line REGEX "^// errors: ")
if(errors_line)
  string(REGEX REPLACE "^// errors: " "" expected_errors "${errors_line}")
endif()
string(REGEX MATCHALL "error:" errors "${text}")
list(LENGTH errors error_count)
if(NOT expected_errors STREQUAL "any" AND NOT error_count EQUAL expected_errors)
  message(FATAL_ERROR "${SOURCE}: ${error_count} errors, expected ${expected_errors}: a check must not cascade:\n${text}")
endif()

# The diagnostic's lines; semicolons escaped so that CMake's list functions split at line ends only.
string(REPLACE ";" "<semicolon>" escaped "${text}")
string(REPLACE "\n" ";" diagnostic_lines "${escaped}")
list(LENGTH diagnostic_lines count)
function(first_lines n out)
  set(head ${diagnostic_lines})
  if(count GREATER n)
    list(SUBLIST head 0 ${n} head)
  endif()
  string(REPLACE ";" "\n" head "${head}")
  string(REPLACE "<semicolon>" ";" head "${head}")
  set(${out} "${head}" PARENT_SCOPE)
endfunction()

foreach(line IN LISTS lines)
  if(line MATCHES "^// expect: (.*)$")
    set(within 2)
    set(regex "${CMAKE_MATCH_1}")
  elseif(line MATCHES "^// expect-within ([0-9]+): (.*)$")
    set(within ${CMAKE_MATCH_1})
    set(regex "${CMAKE_MATCH_2}")
  else()
    continue()
  endif()
  first_lines(${within} head)
  if(NOT head MATCHES "${regex}")
    message(FATAL_ERROR "${SOURCE}: the first ${within} lines of the error do not match '${regex}':\n${head}")
  endif()
endforeach()

# The twin: the one bad argument fixed, everything else (the user's own assertions included) as it was.
file(STRINGS ${SOURCE} twin_line REGEX "^// twin: ")
if(NOT twin_line)
  message(FATAL_ERROR "${SOURCE}: a compile-fail case needs its compiling twin: '// twin: <text> => <replacement>'")
endif()
string(REGEX REPLACE "^// twin: (.*) => (.*)$" "\\1" from "${twin_line}")
string(REGEX REPLACE "^// twin: (.*) => (.*)$" "\\2" to "${twin_line}")
file(READ ${SOURCE} source)
string(REGEX REPLACE "(^|\n)// [^\n]*" "" code "${source}")  # the comments hold the text too
string(FIND "${code}" "${from}" first)
string(FIND "${code}" "${from}" last REVERSE)
if(first EQUAL -1 OR NOT first EQUAL last)
  message(FATAL_ERROR "${SOURCE}: the twin's text '${from}' must occur exactly once in the code")
endif()
string(REPLACE "${from}" "${to}" twin "${code}")
get_filename_component(name ${SOURCE} NAME)
set(twin_file ${WORK_DIR}/twin_${name})
file(WRITE ${twin_file} "${twin}")
execute_process(COMMAND ${COMPILER} ${args} -I${CMAKE_CURRENT_LIST_DIR}/../tests/compile_fail ${twin_file}
                RESULT_VARIABLE twin_status OUTPUT_VARIABLE twin_out ERROR_VARIABLE twin_err)
if(NOT twin_status EQUAL 0)
  message(FATAL_ERROR "${SOURCE}: its twin ('${from}' => '${to}') must compile:\n${twin_out}${twin_err}")
endif()
first_lines(2 head)
message(STATUS "rejected as expected, and its twin compiles:\n${head}")
