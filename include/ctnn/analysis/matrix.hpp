// ctnn/analysis/matrix.hpp: the explicit matrix of a linear network (a convolution without bias, a
// transposed convolution, a pooling-free chain of them), built column by column from unit inputs.
//
// The convolution arithmetic guide writes a convolution as y = C x; its transposed convolution with the
// same weights computes C^T y, which is also the gradient of the convolution with respect to its input.
// This function makes both matrices so that tests can compare them. Small layers only: the matrix has
// output_size x input_size elements.
#pragma once

#include <array>
#include <span>

#include "ctnn/network.hpp"

CTNN_BEGIN_CONFIG

// matrix[r * Net::input_size + c] = output r for the unit input c (memory order of the network's layout).
template <class Net, class W, class A, class T>
constexpr void linear_map_matrix(const W& weights, std::span<T> matrix, static_arena<A>& arena) {
  std::array<T, Net::input_size> unit{};
  std::array<T, Net::output_size> column{};
  for (count_t c = 0; c < Net::input_size; ++c) {
    unit.fill(T(0));
    unit[static_cast<std::size_t>(c)] = T(1);
    Net::forward(weights, unit, column, arena);
    for (count_t r = 0; r < Net::output_size; ++r)
      matrix[static_cast<std::size_t>(r * Net::input_size + c)] = column[static_cast<std::size_t>(r)];
  }
}

CTNN_END_CONFIG
