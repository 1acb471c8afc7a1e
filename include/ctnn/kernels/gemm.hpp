// ctnn/kernels/gemm.hpp: small matrix products with compile-time extents, for the training passes
// (ctnn/kernels/conv.hpp's convolution as matrices).
//
// c[M][N] += a[M][K] b[K][N], all row-major: a few rows of c at a time are accumulated in blocks of up
// to 64 columns while k runs, held in vector registers (GNU vectors of the target's width: g++ otherwise
// turns the unrolled block into shuffles), the inner loop over n contiguous in b and c.
#pragma once

#include <type_traits>

#include "ctnn/core/shape.hpp"
#include "ctnn/kernels/target.hpp"

namespace ctnn {

namespace detail {
template <class T, int Bytes>
struct gnu_vector {
  typedef T type __attribute__((vector_size(Bytes)));
};

// Rows rows of c, a block of Width elements each, in GNU vectors of Bytes bytes (Width a multiple of their
// lanes): Rows x Width / lanes independent accumulators, so that consecutive FMAs do not wait on each other.
template <int Bytes, index_t Rows, index_t Width, index_t N, index_t K, class T>
[[gnu::always_inline]] inline void multiply_add_vectors(const T* a_row, const T* b, T* c_row) {
  using vector = typename gnu_vector<T, Bytes>::type;
  using v = simd_of<T, vector>;  // loads and stores by value: no address of the accumulators escapes
  constexpr index_t lanes = v::lanes, vectors = Width / lanes;
  vector acc[Rows][vectors];
  for (index_t r = 0; r < Rows; ++r)
    for (index_t j = 0; j < vectors; ++j) acc[r][j] = v::load(c_row + r * N + j * lanes);
  for (index_t k = 0; k < K; ++k) {
    const T* b_row = b + count_t{k} * N;
    for (index_t r = 0; r < Rows; ++r) {
      const vector a = v::broadcast(a_row[r * K + k]);
      for (index_t j = 0; j < vectors; ++j) acc[r][j] = v::multiply_add(acc[r][j], a, v::load(b_row + j * lanes));
    }
  }
  for (index_t r = 0; r < Rows; ++r)
    for (index_t j = 0; j < vectors; ++j) v::store(c_row + r * N + j * lanes, acc[r][j]);
}

// The widest vectors (up to the target's) whose lanes divide Width; 0 where none does.
template <class T, index_t Width>
constexpr int block_vector_bytes() {
  for (int bytes = CTNN_VECTOR_BYTES; bytes >= 16; bytes /= 2)
    if (Width % (bytes / static_cast<int>(sizeof(T))) == 0) return bytes;
  return 0;
}

// Rows of c a block computes together: about 8 accumulators (an FMA's latency times its throughput), at
// most half the vector registers (Helium has 8: more would spill).
template <class T, index_t Width>
constexpr index_t block_rows() {
  constexpr int bytes = block_vector_bytes<T, Width>();
  constexpr index_t accumulators = CTNN_VECTOR_REGISTERS / 2 < 8 ? CTNN_VECTOR_REGISTERS / 2 : 8;
  if constexpr (bytes == 0) {
    return 1;
  } else {
    constexpr index_t vectors = Width / (bytes / static_cast<index_t>(sizeof(T)));
    return vectors >= accumulators ? 1 : accumulators / vectors;
  }
}

template <index_t Rows, index_t Width, index_t N, index_t K, class T>
[[gnu::always_inline]] inline constexpr void multiply_add_block(const T* a_row, const T* b, T* c_row) {
  constexpr int bytes = block_vector_bytes<T, Width>();
  if constexpr (simd<T>::available && bytes > 0) {
    if (!std::is_constant_evaluated()) {
      multiply_add_vectors<bytes, Rows, Width, N, K>(a_row, b, c_row);
      return;
    }
  }
  for (index_t r = 0; r < Rows; ++r) {
    T acc[Width];
    for (index_t j = 0; j < Width; ++j) acc[j] = c_row[r * N + j];
    for (index_t k = 0; k < K; ++k) {
      const T a = a_row[r * K + k];
      const T* b_row = b + count_t{k} * N;
      for (index_t j = 0; j < Width; ++j) acc[j] += a * b_row[j];
    }
    for (index_t j = 0; j < Width; ++j) c_row[r * N + j] = acc[j];
  }
}

// Every row of c's columns [n, n + Width): Rows at a time, then the rest one by one.
template <index_t M, index_t N, index_t K, index_t Width, class T>
constexpr void multiply_add_columns(const T* a, const T* b, T* c, index_t n) {
  constexpr index_t rows = block_rows<T, Width>() < M ? block_rows<T, Width>() : M, full = M / rows * rows;
  for (index_t m = 0; m < full; m += rows)
    multiply_add_block<rows, Width, N, K>(a + count_t{m} * K, b + n, c + count_t{m} * N + n);
  for (index_t m = full; m < M; ++m) multiply_add_block<1, Width, N, K>(a + count_t{m} * K, b + n, c + count_t{m} * N + n);
}
}  // namespace detail

template <index_t M, index_t N, index_t K, class T>
constexpr void multiply_add(const T* a, const T* b, T* c) {
  constexpr index_t block = N < 64 ? N : 64, full = N / block * block;
  for (index_t n = 0; n < full; n += block) detail::multiply_add_columns<M, N, K, block>(a, b, c, n);
  if constexpr (N % block != 0) detail::multiply_add_columns<M, N, K, N % block>(a, b, c, full);
}

// to[C][R] = from[R][C].
template <index_t R, index_t C, class T>
constexpr void transpose(const T* from, T* to) {
  for (index_t r = 0; r < R; ++r)
    for (index_t c = 0; c < C; ++c) to[count_t{c} * R + r] = from[count_t{r} * C + c];
}

}  // namespace ctnn
