# Cross-compiling for bare-metal Cortex-M with Debian's gcc-arm-none-eabi and newlib.
#   cmake -S embedded -B build/m4 --toolchain cmake/toolchains/arm-none-eabi.cmake -DCTNN_BOARD=mps2-an386
# or a preset from embedded/CMakePresets.json. CTNN_BOARD picks the core flags:
#   mps2-an386  Cortex-M4, single-precision FPU
#   mps2-an500  Cortex-M7, double-precision FPU
#   mps3-an547  Cortex-M55, FPU and Helium (MVE); -mcpu=cortex-m55 alone would mean soft float
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)  # no startup code to link a test program with

set(CTNN_BOARD "mps2-an386" CACHE STRING "mps2-an386 (Cortex-M4), mps2-an500 (Cortex-M7), mps3-an547 (Cortex-M55)")
if(CTNN_BOARD STREQUAL "mps2-an386")
  set(cpu_flags "-mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard")
elseif(CTNN_BOARD STREQUAL "mps2-an500")
  set(cpu_flags "-mcpu=cortex-m7 -mfpu=fpv5-d16 -mfloat-abi=hard")
elseif(CTNN_BOARD STREQUAL "mps3-an547")
  set(cpu_flags "-mcpu=cortex-m55 -mfloat-abi=hard")
else()
  message(FATAL_ERROR "CTNN_BOARD=${CTNN_BOARD}: expected mps2-an386, mps2-an500 or mps3-an547")
endif()
set(CMAKE_C_FLAGS_INIT "-mthumb ${cpu_flags}")
set(CMAKE_CXX_FLAGS_INIT "-mthumb ${cpu_flags}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-mthumb ${cpu_flags} -nostartfiles")

# Never the host's headers or libraries: glibc's would shadow newlib's.
set(CMAKE_FIND_ROOT_PATH /usr/lib/arm-none-eabi)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
