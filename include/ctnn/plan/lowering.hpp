// ctnn/plan/lowering.hpp: which fast kernel computes a layer once the weights are prepared
// (ctnn/kernels/prepared.hpp), and which of the layers after it that kernel computes in the same pass.
//
// Fusion keeps intermediate tensors out of memory:
//   - a fast kernel followed by an element-wise activation: each tile is activated as it is stored;
//   - in NHWC, depthwise [+ activation] + pointwise convolution (1x1, stride 1, no padding, groups 1)
//     [+ activation], the MobileNet and DS-CNN block: each tile of pixels goes through the depthwise
//     into a tile-sized buffer on the stack and on through the pointwise, so the depthwise output is
//     never written. The buffer holds at most 12 pixels x CTNN_FUSION_MAX_CHANNELS elements.
// The memory plan keeps a fused group's input alive until the group's last step
// (ctnn/plan/memory.hpp), so the group's output never lands on what it still reads. The plain loops
// (forward on unprepared weights) run every layer on its own, on the same plan.
#pragma once

#include <cstddef>
#include <type_traits>

#include <boost/mp11/algorithm.hpp>

#include "ctnn/checks/placed.hpp"
#include "ctnn/layers/activation.hpp"
#include "ctnn/layers/graph.hpp"
#include "ctnn/shapes/conv.hpp"
#include "ctnn/shapes/conv_transpose.hpp"
#include "ctnn/shapes/linear.hpp"

#ifndef CTNN_FUSION_MAX_CHANNELS
#define CTNN_FUSION_MAX_CHANNELS 256
#endif

namespace ctnn {

enum class fast_kernel : int {
  none,                   // the plain loops, on the weights as they are
  conv_tiled,             // convolution, groups 1, NHWC: weights [tap][C_in][C_out padded]
  depthwise,              // depthwise convolution (multiplier 1), NHWC: weights [tap][C]
  conv_transpose_phased,  // transposed convolution, groups 1, NHWC: weights [tap][C_in][C_out padded]
  linear_packed,          // fully connected on a flat input, either layout: weights [in][out padded]
};

inline constexpr index_t fusion_max_channels = CTNN_FUSION_MAX_CHANNELS;

template <class Layer, shape In, layout L>
constexpr fast_kernel fast_kernel_of() {
  if constexpr (!requires { Layer::params; }) {
    return fast_kernel::none;  // chains and blocks: their layers are lowered one by one
  } else {
    using P = std::remove_cvref_t<decltype(Layer::params)>;
    if constexpr (std::is_same_v<P, conv_params>) {
      constexpr conv_geometry g = resolve_conv(Layer::params, In);
      if (L != layout::nhwc) return fast_kernel::none;
      if (g.groups == 1) return fast_kernel::conv_tiled;
      const bool depthwise = g.groups == g.in_channels && g.groups > 1 && g.out_channels == g.in_channels;
      return depthwise ? fast_kernel::depthwise : fast_kernel::none;
    } else if constexpr (std::is_same_v<P, conv_transpose_params>) {
      const bool phased = L == layout::nhwc && resolve_conv_transpose(Layer::params, In).groups == 1;
      return phased ? fast_kernel::conv_transpose_phased : fast_kernel::none;
    } else if constexpr (std::is_same_v<P, linear_params>) {
      return In.rank == 1 ? fast_kernel::linear_packed : fast_kernel::none;
    } else {
      return fast_kernel::none;
    }
  }
}

namespace detail {
// Layer J of a placed chain, or void past its end.
template <class Placed, std::size_t J>
using layer_at = boost::mp11::mp_eval_if_c<(J >= Placed::size), void, boost::mp11::mp_at, typename Placed::layers,
                                           boost::mp11::mp_size_t<J>>;

template <class Layer>
constexpr bool is_elementwise_activation() {
  if constexpr (requires { Layer::params; }) {
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(Layer::params)>, activation_params>)
      return Layer::params.kind != activation_kind::identity;
  }
  return false;
}

template <class Layer, shape In>
constexpr bool is_pointwise_conv() {
  if constexpr (requires { Layer::params; }) {
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(Layer::params)>, conv_params>) {
      constexpr conv_geometry g = resolve_conv(Layer::params, In);
      bool unit = g.groups == 1;
      for (int i = 0; i < g.w.rank; ++i)
        unit = unit && g.w.kernel[i] == 1 && g.w.stride[i] == 1 && g.w.dilation[i] == 1 && g.w.pad_begin[i] == 0 &&
               g.w.pad_end[i] == 0;
      return unit;
    }
  }
  return false;
}
}  // namespace detail

// The activation fused after a layer: its parameters when Layer is an element-wise activation, else
// identity.
template <class Layer>
constexpr activation_params activation_of() {
  if constexpr (detail::is_elementwise_activation<Layer>()) {
    return Layer::params;
  } else {
    return activation_params{activation_kind::identity};
  }
}

// What layer I of a placed chain computes in its pass besides itself.
struct fusion {
  int layers = 0;     // how many of the layers after it
  int pointwise = 0;  // the offset of a fused pointwise convolution (after a depthwise), 0 if none
};

template <class Placed, layout L, std::size_t I>
constexpr fusion fusion_of() {
  using detail::layer_at;
  constexpr fast_kernel kernel = fast_kernel_of<layer_at<Placed, I>, Placed::trace.shapes[I], L>();
  constexpr bool activation_next = detail::is_elementwise_activation<layer_at<Placed, I + 1>>();
  if constexpr (kernel == fast_kernel::depthwise) {
    constexpr std::size_t pointwise = I + 1 + (activation_next ? 1 : 0);
    if constexpr (detail::is_pointwise_conv<layer_at<Placed, pointwise>, Placed::trace.shapes[pointwise]>() &&
                  Placed::trace.shapes[I][0] <= fusion_max_channels) {
      constexpr bool activation_last = detail::is_elementwise_activation<layer_at<Placed, pointwise + 1>>();
      constexpr int offset = static_cast<int>(pointwise - I);
      return {offset + (activation_last ? 1 : 0), offset};
    }
  }
  return {kernel != fast_kernel::none && activation_next ? 1 : 0, 0};
}

template <class Placed, layout L, std::size_t I>
constexpr int fused_after() {
  return fusion_of<Placed, L, I>().layers;
}

}  // namespace ctnn
