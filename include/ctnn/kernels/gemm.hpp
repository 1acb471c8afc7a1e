// ctnn/kernels/gemm.hpp: small matrix products with compile-time extents, for the training passes
// (ctnn/kernels/conv.hpp's convolution as matrices).
//
// c[M][N] += a[M][K] b[K][N], all row-major: each row of c is accumulated in a block of up to 64 elements
// while k runs, held in vector registers (GNU vectors of the target's width: g++ otherwise turns the
// unrolled block into shuffles), the inner loop over n contiguous in b and c.
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

// A block of Width elements in GNU vectors of Bytes bytes (Width a multiple of their lanes).
template <int Bytes, index_t Width, index_t N, index_t K, class T>
[[gnu::always_inline]] inline void multiply_add_vectors(const T* a_row, const T* b, T* c_row) {
  using vector = typename gnu_vector<T, Bytes>::type;
  using v = simd_of<T, vector>;  // loads and stores by value: no address of the accumulators escapes
  constexpr index_t lanes = v::lanes, vectors = Width / lanes;
  vector acc[vectors];
  for (index_t j = 0; j < vectors; ++j) acc[j] = v::load(c_row + j * lanes);
  for (index_t k = 0; k < K; ++k) {
    const vector a = v::broadcast(a_row[k]);
    const T* b_row = b + count_t{k} * N;
    for (index_t j = 0; j < vectors; ++j) acc[j] = v::multiply_add(acc[j], a, v::load(b_row + j * lanes));
  }
  for (index_t j = 0; j < vectors; ++j) v::store(c_row + j * lanes, acc[j]);
}

// The widest vectors (up to the target's) whose lanes divide Width; 0 where none does.
template <class T, index_t Width>
constexpr int block_vector_bytes() {
  for (int bytes = CTNN_VECTOR_BYTES; bytes >= 16; bytes /= 2)
    if (Width % (bytes / static_cast<int>(sizeof(T))) == 0) return bytes;
  return 0;
}

template <index_t Width, index_t N, index_t K, class T>
[[gnu::always_inline]] inline constexpr void multiply_add_block(const T* a_row, const T* b, T* c_row) {
  constexpr int bytes = block_vector_bytes<T, Width>();
  if constexpr (simd<T>::available && bytes > 0) {
    if (!std::is_constant_evaluated()) {
      multiply_add_vectors<bytes, Width, N, K>(a_row, b, c_row);
      return;
    }
  }
  T acc[Width];
  for (index_t j = 0; j < Width; ++j) acc[j] = c_row[j];
  for (index_t k = 0; k < K; ++k) {
    const T a = a_row[k];
    const T* b_row = b + count_t{k} * N;
    for (index_t j = 0; j < Width; ++j) acc[j] += a * b_row[j];
  }
  for (index_t j = 0; j < Width; ++j) c_row[j] = acc[j];
}
}  // namespace detail

template <index_t M, index_t N, index_t K, class T>
constexpr void multiply_add(const T* a, const T* b, T* c) {
  constexpr index_t block = N < 64 ? N : 64, full = N / block * block;
  for (index_t m = 0; m < M; ++m) {
    const T* a_row = a + count_t{m} * K;
    T* c_row = c + count_t{m} * N;
    for (index_t n = 0; n < full; n += block) detail::multiply_add_block<block, N, K>(a_row, b + n, c_row + n);
    if constexpr (N % block != 0) detail::multiply_add_block<N % block, N, K>(a_row, b + full, c_row + full);
  }
}

// to[C][R] = from[R][C].
template <index_t R, index_t C, class T>
constexpr void transpose(const T* from, T* to) {
  for (index_t r = 0; r < R; ++r)
    for (index_t c = 0; c < C; ++c) to[count_t{c} * R + r] = from[count_t{r} * C + c];
}

}  // namespace ctnn
