# Compiles SOURCE, which must fail, and prints the first lines of the compiler's message: the main demo
# shows what an invalid network looks like. Fails if the source compiles.
cmake_minimum_required(VERSION 3.20)
execute_process(COMMAND ${COMPILER} -std=c++20 -fsyntax-only -I${INCLUDE_DIR} ${SOURCE}
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(status EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it declares an invalid network")
endif()
if(NOT "${out}${err}" MATCHES "ctnn: invalid network")
  message(FATAL_ERROR "${SOURCE} failed to compile, but not with ctnn's diagnostic:\n${out}${err}")
endif()
string(REPLACE ";" "<semicolon>" text "${out}${err}")
string(REPLACE "\n" ";" lines "${text}")
list(SUBLIST lines 0 14 lines)
string(REPLACE ";" "\n" head "${lines}")
string(REPLACE "<semicolon>" ";" head "${head}")
message("\nAn invalid network (examples/broken/groups_mismatch.cpp) does not compile; the compiler says:\n\n${head}\n...")
