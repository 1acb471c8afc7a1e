// ctnn/core/checked.hpp: count_t arithmetic that reports overflow instead of wrapping.
//
// Shape rules compute extents, element counts, parameter counts and multiply-accumulates with these, so
// that a network whose numbers do not fit is rejected by its layer's rule (error_code::count_overflow)
// rather than given a silently wrong size. Usable in constant expressions on g++ and clang.
#pragma once

#include "ctnn/core/shape.hpp"

namespace ctnn {

// A count, or the fact that computing it overflowed count_t. Once overflowed, it stays so.
struct checked_count {
  count_t value = 0;
  bool overflow = false;

  constexpr checked_count() = default;
  constexpr explicit(false) checked_count(count_t v) : value(v) {}

  friend constexpr checked_count operator+(checked_count a, checked_count b) {
    checked_count r;
    r.overflow = a.overflow || b.overflow || __builtin_add_overflow(a.value, b.value, &r.value);
    return r;
  }
  friend constexpr checked_count operator*(checked_count a, checked_count b) {
    checked_count r;
    r.overflow = a.overflow || b.overflow || __builtin_mul_overflow(a.value, b.value, &r.value);
    return r;
  }
  constexpr checked_count& operator+=(checked_count b) { return *this = *this + b; }
  constexpr checked_count& operator*=(checked_count b) { return *this = *this * b; }

  // Fits one dimension (an index_t).
  constexpr bool fits_extent() const { return !overflow && value >= -max_extent && value <= max_extent; }
};

// Elements of a shape, checked.
constexpr checked_count checked_size(const shape& s) {
  checked_count n{1};
  for (int i = 0; i < s.rank; ++i) n *= s.dims[i];
  return n;
}

}  // namespace ctnn
