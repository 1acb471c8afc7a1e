// ctnn/core/sort.hpp: an in-place constexpr sort of indices by key, O(n log n), for the plan stage.
//
// Heapsort rather than std::sort: <algorithm> costs a tenth of a second in every translation unit. The
// comparison is written out rather than passed as a function: in a constant expression every call is
// costly, and the memory plan of a 1,000-layer network sorts a thousand buffers.
#pragma once

namespace ctnn {

// Sorts the indices [order, order + n) by key[index], ascending (or descending), ties by index
// ascending: a total order, so the result does not depend on the sort being unstable.
template <class Key>
constexpr void sort_indices(int* order, int n, const Key* key, bool descending) {
  // after(x, y): x belongs after y.
  const auto sift = [&](int root, int end) {
    while (2 * root + 1 < end) {
      int child = 2 * root + 1;
      if (child + 1 < end) {
        const int a = order[child + 1], b = order[child];
        if (key[a] != key[b] ? (descending ? key[a] < key[b] : key[a] > key[b]) : a > b) ++child;
      }
      const int a = order[child], b = order[root];
      if (!(key[a] != key[b] ? (descending ? key[a] < key[b] : key[a] > key[b]) : a > b)) return;
      order[child] = b;
      order[root] = a;
      root = child;
    }
  };
  for (int i = n / 2 - 1; i >= 0; --i) sift(i, n);
  for (int end = n - 1; end > 0; --end) {
    const int t = order[0];
    order[0] = order[end];
    order[end] = t;
    sift(0, end);
  }
}

}  // namespace ctnn
