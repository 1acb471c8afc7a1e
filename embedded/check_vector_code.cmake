# Fails unless IMAGE (built for Cortex-M55) holds Helium floating-point multiply-accumulates on q
# registers: the compiler vectorized the kernels.
cmake_minimum_required(VERSION 3.20)
execute_process(COMMAND ${OBJDUMP} -d -m armv8.1-m.main ${IMAGE} OUTPUT_VARIABLE code COMMAND_ERROR_IS_FATAL ANY)
string(REGEX MATCHALL "\tvfma\\.f32\tq[0-9]+" vector_fma "${code}")
string(REGEX MATCHALL "\tv(fma|mul|add)\\.f32\tq[0-9]+" vector_float "${code}")
list(LENGTH vector_fma fmas)
list(LENGTH vector_float all)
message("Helium: ${fmas} vfma.f32 and ${all} vector float instructions on q registers")
# GCC 12 vectorizes the fast kernels' array tiles for Helium at -O3 (50 such instructions in LeNet
# today); fewer than 30 means the kernels lost their vectorizable shape.
if(all LESS 30)
  message(FATAL_ERROR "only ${all} Helium vector float instructions: the kernels were not vectorized")
endif()
