#!/usr/bin/env bash
# Builds and runs every test: with g++-12 for AVX2 + FMA (-mavx2 -mfma: runs on any x86-64 of the last
# decade, so the AVX2 register tiles are tested on every machine), with clang++-16 and with g++-12 under
# ASan + UBSan (the baseline SSE2 tiles), and with clang++-16 for this machine's vectors (-march=native:
# the tiles the benchmark runs, AVX-512's where the CPU has it).
#   tools/test.sh                  all four
#   tools/test.sh clang++-16       one compiler, baseline
#   tools/test.sh g++-12 avx2      one compiler for AVX2 + FMA
#   tools/test.sh g++-12 sanitize  one compiler with sanitizers
#   tools/test.sh clang++-16 native
set -euo pipefail
cd "$(dirname "$0")/.."

run() {
  local cxx=$1 mode=${2:-plain}
  local dir=build/test-$cxx-$mode
  local flags=(-DCMAKE_BUILD_TYPE=Release)
  # The gradient reference tests (one executable per layer family, minutes to build) run in one configuration,
  # clang's -march=native (its FMA contraction is where a derivative's kink showed); training_test runs in all.
  [ "$mode" = sanitize ] && flags=(-DCMAKE_BUILD_TYPE=Debug -DCTNN_SANITIZE=ON -DCTNN_TRAINING_REFERENCE_TESTS=OFF)
  # The int8 kernels for each dot-product instruction of this CPU (a minute each): with the sanitizers and native.
  [ "$mode" = avx2 ] && flags=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS=-mavx2 -mfma" -DCTNN_TRAINING_REFERENCE_TESTS=OFF
                               -DCTNN_INT8_ISA_TESTS=OFF)
  [ "$mode" = plain ] && flags=(-DCMAKE_BUILD_TYPE=Release -DCTNN_TRAINING_REFERENCE_TESTS=OFF -DCTNN_INT8_ISA_TESTS=OFF)
  [ "$mode" = native ] && flags=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS=-march=native -mprefer-vector-width=512")
  echo "== $cxx ($mode)"
  cmake -S . -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" "${flags[@]}" > /dev/null
  cmake --build "$dir" -j2
  ctest --test-dir "$dir" -j2 --output-on-failure
}

if [ $# -gt 0 ]; then
  run "$@"
else
  run g++-12 avx2
  run clang++-16
  run g++-12 sanitize
  run clang++-16 native
fi
