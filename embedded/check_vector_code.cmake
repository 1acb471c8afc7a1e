# Fails unless IMAGE (built for Cortex-M55) holds Helium floating-point multiply-accumulates on q
# registers: the compiler vectorized the kernels.
cmake_minimum_required(VERSION 3.20)
execute_process(COMMAND ${OBJDUMP} -d -m armv8.1-m.main ${IMAGE} OUTPUT_VARIABLE code COMMAND_ERROR_IS_FATAL ANY)
string(REGEX MATCHALL "\tvfma\\.f32\tq[0-9]+" vector_fma "${code}")
string(REGEX MATCHALL "\tv(fma|mul|add)\\.f32\tq[0-9]+" vector_float "${code}")
list(LENGTH vector_fma fmas)
list(LENGTH vector_float all)
message("Helium: ${fmas} vfma.f32 and ${all} vector float instructions on q registers")
# The fast kernels' tiles multiply-accumulate with Helium's vfma (48 in LeNet today); fewer than 30
# means they lost their vector FMAs (GCC 12 does not contract a multiply and an add on MVE by itself).
if(fmas LESS 30)
  message(FATAL_ERROR "only ${fmas} Helium vfma.f32 on q registers: the kernels lost their vector FMAs")
endif()
