# Runs IMAGE on the emulated board (RUN: the QEMU command, a list), prints what it says, and fails
# unless it exits with 0 and stays within its budgets: INSTRUCTIONS per inference and STACK bytes
# (the high-water mark), both read from the line the image prints.
cmake_minimum_required(VERSION 3.20)
include(${CMAKE_CURRENT_LIST_DIR}/run_image.cmake)
run_image(${IMAGE} run)
message("${run_output}")
message("instructions ${run_instructions} (budget ${INSTRUCTIONS}), stack ${run_stack} bytes (budget ${STACK})")
if(run_instructions GREATER INSTRUCTIONS)
  message(FATAL_ERROR "${run_instructions} instructions per inference: over the budget of ${INSTRUCTIONS}")
endif()
if(run_stack GREATER STACK)
  message(FATAL_ERROR "${run_stack} bytes of stack: over the budget of ${STACK}")
endif()
