// ctnn/core/sort.hpp: an in-place constexpr sort, O(n log n), for the plan stage's arrays.
//
// Heapsort rather than std::sort: <algorithm> costs a tenth of a second in every translation unit, and
// the memory plan sorts only a few arrays of ints.
#pragma once

namespace ctnn {

// Sorts [first, first + n) by `before` (a strict weak order); not stable.
template <class T, class Before>
constexpr void heap_sort(T* first, int n, Before before) {
  const auto sift = [&](int root, int end) {
    while (2 * root + 1 < end) {
      int child = 2 * root + 1;
      if (child + 1 < end && before(first[child], first[child + 1])) ++child;
      if (!before(first[root], first[child])) return;
      const T t = first[root];
      first[root] = first[child];
      first[child] = t;
      root = child;
    }
  };
  for (int i = n / 2 - 1; i >= 0; --i) sift(i, n);
  for (int end = n - 1; end > 0; --end) {
    const T t = first[0];
    first[0] = first[end];
    first[end] = t;
    sift(0, end);
  }
}

}  // namespace ctnn
