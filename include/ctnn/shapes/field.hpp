// ctnn/shapes/field.hpp: the receptive field of an output element, as a value, and how layers grow it.
//
// Per spatial dim, in pixels of the network's input: its size, and the jump (distance in input pixels
// between neighbouring outputs), a fraction after upsampling. whole_input: the outputs see the whole
// input (after flatten, linear, softmax over space...). A family's grow_field (ctnn/shapes/<family>.hpp)
// says how it changes the field; ctnn/analysis/summary.hpp propagates it through a network.
#pragma once

#include "ctnn/core/checked.hpp"
#include "ctnn/core/spatial.hpp"

namespace ctnn {

struct receptive_field {
  int rank = 0;
  bool whole_input = false;
  count_t size[max_spatial_rank] = {};
  count_t jump_num[max_spatial_rank] = {}, jump_den[max_spatial_rank] = {};
  friend constexpr bool operator==(const receptive_field&, const receptive_field&) = default;
};

// One pixel, jump 1: the network's input itself.
constexpr receptive_field input_field(const shape& in) {
  receptive_field f;
  f.rank = in.rank - 1;
  for (int i = 0; i < f.rank; ++i) {
    f.size[i] = 1;
    f.jump_num[i] = f.jump_den[i] = 1;
  }
  return f;
}

constexpr receptive_field whole(const receptive_field& in) {
  receptive_field f = in;
  f.whole_input = true;
  return f;
}

// Size grows by (taps - 1) jumps of the input, rounded up (a fractional jump still reaches the next
// input pixel); the jump is multiplied by num / den. Past 64 bits (many upsamplings and adaptive pools
// in a row) the field is taken as the whole input: no input that fits in memory is larger.
constexpr receptive_field grow(receptive_field f, const extents& taps, const extents& num, const extents& den) {
  for (int i = 0; i < f.rank; ++i) {
    const checked_count reach = checked_count{count_t{taps[i]} - 1} * f.jump_num[i];
    const checked_count jump_num = checked_count{f.jump_num[i]} * num[i], jump_den = checked_count{f.jump_den[i]} * den[i];
    const checked_count size = checked_count{f.size[i]} + (reach.value / f.jump_den[i] + (reach.value % f.jump_den[i] != 0));
    if (reach.overflow || jump_num.overflow || jump_den.overflow || size.overflow) return whole(f);
    f.size[i] = size.value;
    f.jump_num[i] = jump_num.value;
    f.jump_den[i] = jump_den.value;
    count_t g = f.jump_num[i], r = f.jump_den[i];  // their greatest common divisor
    while (r != 0) {
      const count_t t = g % r;
      g = r;
      r = t;
    }
    if (g > 1) {
      f.jump_num[i] /= g;
      f.jump_den[i] /= g;
    }
  }
  return f;
}

// Where branches meet: the widest of their fields.
constexpr receptive_field merge_fields(const receptive_field& a, const receptive_field& b) {
  receptive_field r = a;
  r.whole_input = a.whole_input || b.whole_input;
  for (int i = 0; i < r.rank && i < b.rank; ++i) r.size[i] = a.size[i] > b.size[i] ? a.size[i] : b.size[i];
  return r;
}

}  // namespace ctnn
