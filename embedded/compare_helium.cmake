# Runs the Helium image and the same source built +nomve (HELIUM, SCALAR) on the Cortex-M55 and fails if
# the Helium one needs more than ALLOWANCE percent of the scalar one's instructions per inference.
cmake_minimum_required(VERSION 3.20)
include(${CMAKE_CURRENT_LIST_DIR}/run_image.cmake)
run_image(${HELIUM} helium)
run_image(${SCALAR} scalar)
math(EXPR ratio "(100 * ${helium_instructions} + ${scalar_instructions} - 1) / ${scalar_instructions}")  # rounded up
message("Helium ${helium_instructions} instructions, +nomve ${scalar_instructions}: ${ratio}% (allowed ${ALLOWANCE}%)")
if(ratio GREATER ALLOWANCE)
  message(FATAL_ERROR "the Helium build needs ${ratio}% of the +nomve build's instructions (allowed ${ALLOWANCE}%)")
endif()
