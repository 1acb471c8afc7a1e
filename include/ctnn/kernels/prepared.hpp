// ctnn/kernels/prepared.hpp: weights repacked, at compile time or once before running, into the order
// the fast kernels read.
//
//   auto p = ctnn::prepare<net>(w);          // constexpr; net::prepared_weights_of<float>
//   net::forward(p, x, arena);               // the fast kernels; forward(w, ...) runs the plain loops
//
// The user's weights stay in PyTorch's order. Prepared, in an NHWC network:
//   convolution (groups 1), transposed convolution: [taps][C_in][C_out padded to whole register tiles],
//     so that a tile of output channels is one contiguous run of vectors per input channel and tap;
//   depthwise convolution: [taps][C_out], channels contiguous;
// and in either layout a linear layer on a flat input: [in][out padded], the outputs contiguous.
// Every other layer keeps its weights as they are.
#pragma once

#include <array>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ctnn/kernels/target.hpp"
#include "ctnn/plan/lowering.hpp"
#include "ctnn/plan/weights.hpp"
#include "ctnn/shapes/conv.hpp"
#include "ctnn/shapes/conv_transpose.hpp"
#include "ctnn/shapes/linear.hpp"

namespace ctnn {

template <class T, count_t Taps, index_t In, index_t Out>
struct packed_taps {
  static constexpr index_t padded = padded_channels(Out, sizeof(T));
  std::array<T, Taps * In * padded> weight{};  // [tap][in][out padded]
  std::array<T, padded> bias{};                // zeros past Out, and everywhere without a bias
};

template <class T, count_t Taps, index_t Channels>
struct packed_depthwise {
  std::array<T, Taps * Channels> weight{};  // [tap][channel]
  std::array<T, Channels> bias{};
};

template <class T, index_t In, index_t Out>
struct packed_linear {
  static constexpr index_t padded = padded_channels(Out, sizeof(T));
  std::array<T, count_t{In} * padded> weight{};  // [in][out padded]
  std::array<T, padded> bias{};                  // zeros past Out
};

namespace detail {
template <class Layer>
using params_of = std::remove_cvref_t<decltype(Layer::params)>;

// The weights of the fast kernel ctnn/plan/lowering.hpp chose for the layer, or its own.
template <class Layer, shape In, layout L, class T>
constexpr auto prepared_type() {
  constexpr fast_kernel kernel = fast_kernel_of<Layer, In, L>();
  if constexpr (kernel == fast_kernel::conv_tiled) {
    constexpr conv_geometry g = resolve_conv(Layer::params, In);
    return std::type_identity<packed_taps<T, kernel_volume(g.w), g.in_channels, g.out_channels>>{};
  } else if constexpr (kernel == fast_kernel::depthwise) {
    constexpr conv_geometry g = resolve_conv(Layer::params, In);
    return std::type_identity<packed_depthwise<T, kernel_volume(g.w), g.out_channels>>{};
  } else if constexpr (kernel == fast_kernel::conv_transpose_phased) {
    constexpr conv_transpose_geometry g = resolve_conv_transpose(Layer::params, In);
    return std::type_identity<packed_taps<T, kernel_volume(g.w), g.in_channels, g.out_channels>>{};
  } else if constexpr (kernel == fast_kernel::linear_packed) {
    return std::type_identity<packed_linear<T, In[0], Layer::params.out_features>>{};
  } else {
    return std::type_identity<typename weights_for<Layer, In, T>::type>{};  // kept as it is
  }
}

template <class Layer, shape In, layout L, class T>
struct prepared_for {
  using type = typename decltype(prepared_type<Layer, In, L, T>())::type;
};

template <class Layer, shape In, layout L, class T>
  requires requires { typename Layer::branches; }
struct prepared_for<Layer, In, L, T>;

template <class Placed, layout L, class T, class = std::make_index_sequence<Placed::size>>
struct prepared_chain;
template <class Placed, layout L, class T, std::size_t... I>
struct prepared_chain<Placed, L, T, std::index_sequence<I...>> {
  using type = std::tuple<
      typename prepared_for<boost::mp11::mp_at_c<typename Placed::layers, I>, Placed::trace.shapes[I], L, T>::type...>;
};

template <class Layer, shape In, layout L, class T>
  requires requires { typename Layer::branches; }
struct prepared_for<Layer, In, L, T> {
  using placed = placed_layer<Layer, In>;
  template <class B>
  using branch_type = typename prepared_chain<typename placed::template branch<B::value>, L, T>::type;
  using type = boost::mp11::mp_apply<
      std::tuple, boost::mp11::mp_transform<branch_type,
                                            boost::mp11::mp_iota_c<boost::mp11::mp_size<typename Layer::branches>::value>>>;
};

// ---- packing -------------------------------------------------------------------------------------
template <class P>
inline constexpr bool is_packed_taps = false;
template <class T, count_t Taps, index_t In, index_t Out>
inline constexpr bool is_packed_taps<packed_taps<T, Taps, In, Out>> = true;
template <class P>
inline constexpr bool is_packed_depthwise = false;
template <class T, count_t Taps, index_t C>
inline constexpr bool is_packed_depthwise<packed_depthwise<T, Taps, C>> = true;
template <class P>
inline constexpr bool is_packed_linear = false;
template <class T, index_t In, index_t Out>
inline constexpr bool is_packed_linear<packed_linear<T, In, Out>> = true;

template <class Placed, layout L, class W, class P>
constexpr void pack_chain(const W& w, P& p);

template <class Layer, shape In, layout L, class W, class P>
constexpr void pack(const W& w, P& p) {
  using placed = placed_layer<Layer, In>;
  constexpr shape ws = placed::weight_shape;  // PyTorch order
  if constexpr (requires { typename Layer::branches; }) {
    [&]<std::size_t... B>(std::index_sequence<B...>) {
      (pack_chain<typename placed::template branch<B>, L>(std::get<B>(w), std::get<B>(p)), ...);
    }(std::make_index_sequence<boost::mp11::mp_size<typename Layer::branches>::value>{});
  } else if constexpr (is_packed_taps<P>) {
    // Convolution [out][in][taps] or transposed convolution [in][out][taps] -> [tap][in][out padded].
    constexpr bool transposed = std::is_same_v<params_of<Layer>, conv_transpose_params>;
    constexpr index_t in = transposed ? ws[0] : ws[1], out = transposed ? ws[1] : ws[0];
    constexpr count_t taps = ws.size() / (count_t{in} * out);
    for (index_t o = 0; o < out; ++o)
      for (index_t i = 0; i < in; ++i)
        for (count_t t = 0; t < taps; ++t) {
          const count_t from = transposed ? (count_t{i} * out + o) * taps + t : (count_t{o} * in + i) * taps + t;
          p.weight[(t * in + i) * P::padded + o] = w.weight[from];
        }
    if constexpr (std::tuple_size_v<decltype(w.bias)> > 0)
      for (index_t o = 0; o < out; ++o) p.bias[o] = w.bias[o];
  } else if constexpr (is_packed_depthwise<P>) {
    // [channel][1][taps] -> [tap][channel]
    constexpr index_t channels = ws[0];
    constexpr count_t taps = ws.size() / channels;
    for (index_t c = 0; c < channels; ++c)
      for (count_t t = 0; t < taps; ++t) p.weight[t * channels + c] = w.weight[c * taps + t];
    if constexpr (std::tuple_size_v<decltype(w.bias)> > 0)
      for (index_t c = 0; c < channels; ++c) p.bias[c] = w.bias[c];
  } else if constexpr (is_packed_linear<P>) {
    // [out][in] -> [in][out padded]
    constexpr index_t out = ws[0], in = ws[1];
    for (index_t o = 0; o < out; ++o)
      for (index_t i = 0; i < in; ++i) p.weight[count_t{i} * P::padded + o] = w.weight[count_t{o} * in + i];
    if constexpr (std::tuple_size_v<decltype(w.bias)> > 0)
      for (index_t o = 0; o < out; ++o) p.bias[o] = w.bias[o];
  } else {
    p = w;
  }
}

template <class Placed, layout L, class W, class P>
constexpr void pack_chain(const W& w, P& p) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    using packer = void (*)(const W&, P&);
    // A table, not a fold: networks may have more layers than a fold may expand.
    const packer table[sizeof...(I) + 1] = {
        [](const W& from, P& to) {
          pack<boost::mp11::mp_at_c<typename Placed::layers, I>, Placed::trace.shapes[I], L>(std::get<I>(from),
                                                                                           std::get<I>(to));
        }...,
        nullptr};
    for (std::size_t i = 0; i != sizeof...(I); ++i) table[i](w, p);
  }(std::make_index_sequence<Placed::size>{});
}
}  // namespace detail

// The prepared weights of a placed chain (a network), element type T, for layout L.
template <class Placed, layout L, class T>
using prepared_chain_t = typename detail::prepared_chain<Placed, L, T>::type;

}  // namespace ctnn
