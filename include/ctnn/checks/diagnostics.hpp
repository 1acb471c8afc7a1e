// ctnn/checks/diagnostics.hpp: a shape error, turned into a compile error a person can act on.
//
// Neither g++-12 nor clang-16 accepts a computed static_assert message, but both print the template
// arguments of the template whose static_assert fails, in the first lines of the error. So the facts
// are types named as words, in their own namespace:
//
//   ctnn::facts::invalid_network(mp_list<layer<3>, ctnn::conv2d<16, 5, ctnn::groups<6> >,
//                                        input_channels<32>, not_divisible_by_groups<6> >)
//
// reads "layer 3, a conv2d<16, 5, groups<6>>: input channels 32, not divisible by groups 6".
// The failing function is defined in ctnn/ctnn.hpp, the header users include, so that the include
// trace compilers print before it is one line and the facts come on the second (this file defines it
// only for a translation unit that includes a stage header without ctnn/ctnn.hpp).
#pragma once

#include <utility>

#include <boost/mp11/algorithm.hpp>
#include <boost/mp11/list.hpp>

#include "ctnn/core/error.hpp"
#include "ctnn/layers/options.hpp"

#ifndef CTNN_INVALID_NETWORK_DEFINED
#define CTNN_INVALID_NETWORK_DEFINED
namespace ctnn::facts {
template <class... Facts>
struct shape_rule_holds {
  static constexpr bool value = false;
};
// The one failing assertion of every ctnn diagnostic; its template arguments are the facts.
template <class... Facts>
constexpr bool invalid_network(boost::mp11::mp_list<Facts...>) {
  static_assert(shape_rule_holds<Facts...>::value,
                "ctnn: invalid network; the template arguments name the layer (its position, then its kind) "
                "and the values that break its rule");
  return true;  // the assertion above is the one error; the caller's must not add a second
}
}  // namespace ctnn::facts
#endif

namespace ctnn::facts {

// ---- where -------------------------------------------------------------------------------------
template <int Index>
struct layer {};  // position in the enclosing chain, from 0
template <int Index>
struct branch {};  // branch of a residual (0 main, 1 shortcut) or concat block
template <char Dim>
struct along {};  // spatial dim: 'L' (1d), 'H' 'W' (2d), 'D' 'H' 'W' (3d)
template <param P>
struct parameter {};

// ---- what --------------------------------------------------------------------------------------
template <long long V> struct expected_input_rank {};
template <long long V> struct actual_input_rank {};
template <long long V> struct must_be_positive {};
template <long long V> struct negative_padding {};
struct use_a_crop_layer_to_crop {};
template <long long V> struct values_given {};
template <long long V> struct layer_spatial_rank {};
template <long long V> struct input_channels {};
template <long long V> struct output_channels {};
template <long long V> struct not_divisible_by_groups {};
template <long long V> struct expected_input_channels {};
template <long long V> struct actual_input_channels {};
template <long long V> struct expected_in_features {};
template <long long V> struct actual_in_features {};
template <long long V> struct padded_input_extent {};
template <long long V> struct smaller_than_dilated_kernel {};
template <long long V> struct output_extent_not_positive {};
struct padding_same_needs_stride_1 {};
template <long long V> struct actual_stride {};
template <long long V> struct output_padding_of {};
template <long long V> struct must_be_less_than_max_of_stride_and_dilation {};
template <long long V> struct requested_output_size {};
template <long long V> struct smallest_reachable {};
template <long long V> struct largest_reachable {};
template <long long V> struct pool_padding {};
template <long long V> struct exceeds_half_kernel {};
template <long long V> struct reflection_padding {};
template <long long V> struct must_be_less_than_input_extent {};
template <long long V> struct total_crop {};
template <long long V> struct negative_crop {};
template <long long V> struct given_of_scale_and_output_size {};
struct give_exactly_one {};
struct align_corners_needs_linear_mode {};
template <long long V> struct input_elements {};
template <long long V> struct target_elements {};
template <long long V> struct inferred_dims {};
struct at_most_one_dim_can_be_inferred {};
template <long long V> struct dim {};
template <long long V> struct out_of_range_for_rank {};
template <long long V> struct start_dim {};
template <long long V> struct comes_after_end_dim {};
template <index_t... D> struct dims {};
template <class Dims> struct first_branch_shape {};
template <class Dims> struct branch_shape {};
struct only_channels_may_differ {};
template <class Dims> struct main_branch_shape {};
template <class Dims> struct gate_shape {};
struct gate_dims_must_equal_the_main_branch_s_or_be_1 {};
template <class Dims> struct pooled_shape {};
template <class Dims> struct inner_output_shape {};
struct inner_layers_must_keep_the_pooled_shape {};
struct max_unpool_needs_a_max_pool_first {};
template <padding_mode M> struct padding_mode_not_supported {};
struct concat_without_branches {};
struct not_a_layer {};
template <long long V> struct extent_does_not_fit_an_int {};
struct count_does_not_fit_64_bits {};
struct given_in_two_incompatible_ways {};
template <long long V> struct input_extent {};
template <long long V> struct smaller_than_kernel_in_pytorch_avg_pool3d {};
template <long long V> struct negative_value {};
struct must_not_be_zero {};
template <long long V> struct minimum {};
template <long long V> struct not_below_maximum {};
template <long long V> struct slopes {};
template <long long V> struct first_channel {};
template <long long V> struct channel_count {};
template <long long V> struct slice_ends_past_input_channels {};
template <long long V> struct extent {};
template <long long V> struct not_divisible_by {};
template <long long V> struct dims_not_a_permutation_at {};
template <long long V> struct dim_repeated {};
template <class Dims> struct matrix_dims {};
struct matrix_leading_dims_must_equal_the_input_s_or_be_1 {};
template <long long V> struct reduction_over_all_dims_of_rank {};
struct leaves_no_dim__use_the_keepdim_form {};
template <long long V> struct expected_last_dim {};
template <class Dims> struct input_dims {};
template <class Dims> struct tensor_dims {};
struct tensor_dims_must_equal_the_input_s_last_or_be_1 {};
template <long long V> struct actual_last_dim {};
template <long long V> struct must_be_1_or_the_input_channels {};
struct path_deeper_than_max_nesting {};
template <class Option> struct option_not_accepted {};
template <long long V> struct option_not_accepted_at_index {};
template <class Params> struct by_a_layer_with {};
template <class Dims> struct linear_on_input {};
struct flatten_first__or_give_per_position_or_in_features {};
template <long long V> struct layer_index {};
template <long long V> struct branch_index {};
template <long long V> struct out_of_range_for_size {};
template <long long V> struct arena_bytes {};
template <long long V> struct exceed_max_arena_bytes {};
struct int8_forward {};  // an int8 network (ctnn/kernels/run_int8.hpp) with this layer or block:
struct has_no_int8_kernel_yet {};
struct backward_pass {};  // a training step (ctnn/kernels/train.hpp) through this layer or block:
struct has_no_backward_pass_yet {};
struct batch_statistics {};  // training with the batch's statistics (ctnn::with_batch_statistics) through this layer:
template <long long V> struct values_per_channel {};
struct expected_more_than_1_value_per_channel_when_training {};  // PyTorch's words

}  // namespace ctnn::facts

// The machinery that spells facts, in its own namespace so that the fact names (layer, dims, ...) stay
// out of every other detail.
namespace ctnn::detail::diagnose {
using boost::mp11::mp_list;
using namespace ::ctnn::facts;

// A shape value as the type dims<...>. (A function, not a class with a defaulted index_sequence
// argument: g++-12 crashes on `class = std::make_index_sequence<S.rank>` for a class-type S.)
template <shape S, std::size_t... I>
auto dims_type_impl(std::index_sequence<I...>) -> dims<S.dims[I]...>;
template <shape S>
struct dims_type {
  using type = decltype(dims_type_impl<S>(std::make_index_sequence<S.rank>{}));
};

constexpr char dim_letter(int dim, int rank) {
  if (rank == 1) return 'L';
  if (rank == 2) return dim == 0 ? 'H' : 'W';
  return dim == 0 ? 'D' : dim == 1 ? 'H' : 'W';
}

// The dim an error refers to, when it refers to one.
template <layer_error E>
using where_along = std::conditional_t<(E.dim >= 0 && E.rank > 0), mp_list<along<dim_letter(E.dim, E.rank)>>,
                                       mp_list<>>;
template <layer_error E>
using what_param = std::conditional_t<E.what != param::none, mp_list<parameter<E.what>>, mp_list<>>;

// The sentence of an error. Layer is the failing layer's type, for the facts only its type knows.
template <error_code Code, layer_error E, class Layer>
struct sentence;

#define CTNN_SENTENCE(code, ...)                    \
  template <layer_error E, class Layer>             \
  struct sentence<error_code::code, E, Layer> {     \
    using type = mp_list<__VA_ARGS__>;              \
  }
CTNN_SENTENCE(input_rank, expected_input_rank<E.a>, actual_input_rank<E.b>);
CTNN_SENTENCE(not_positive, must_be_positive<E.a>);
template <layer_error E, class Layer>
struct sentence<error_code::negative_padding, E, Layer> {
  // Negative padding is PyTorch's way to crop; negative output padding has no such reading.
  using type = std::conditional_t<E.what == param::padding, mp_list<negative_padding<E.a>, use_a_crop_layer_to_crop>,
                                  mp_list<negative_value<E.a>>>;
};
CTNN_SENTENCE(option_rank, values_given<E.a>, layer_spatial_rank<E.b>);
CTNN_SENTENCE(in_channels_groups, input_channels<E.a>, not_divisible_by_groups<E.b>);
CTNN_SENTENCE(out_channels_groups, output_channels<E.a>, not_divisible_by_groups<E.b>);
CTNN_SENTENCE(in_channels, expected_input_channels<E.a>, actual_input_channels<E.b>);
CTNN_SENTENCE(in_features, expected_in_features<E.a>, actual_in_features<E.b>);
CTNN_SENTENCE(window_exceeds_input, padded_input_extent<E.a>, smaller_than_dilated_kernel<E.b>);
CTNN_SENTENCE(output_not_positive, output_extent_not_positive<E.a>);
CTNN_SENTENCE(same_needs_stride_1, padding_same_needs_stride_1, actual_stride<E.a>);
CTNN_SENTENCE(output_padding_too_large, output_padding_of<E.a>, must_be_less_than_max_of_stride_and_dilation<E.b>);
CTNN_SENTENCE(output_size_unreachable, requested_output_size<E.a>, smallest_reachable<E.b>, largest_reachable<E.c>);
CTNN_SENTENCE(pool_padding_too_large, pool_padding<E.a>, exceeds_half_kernel<E.b>);
CTNN_SENTENCE(reflection_padding_too_large, reflection_padding<E.a>, must_be_less_than_input_extent<E.b>);
CTNN_SENTENCE(crop_too_large, total_crop<E.a>, must_be_less_than_input_extent<E.b>);
CTNN_SENTENCE(negative_crop, negative_crop<E.a>);
CTNN_SENTENCE(scale_or_size, given_of_scale_and_output_size<E.a>, give_exactly_one);
CTNN_SENTENCE(align_corners_needs_linear, align_corners_needs_linear_mode);
CTNN_SENTENCE(reshape_count, input_elements<E.a>, target_elements<E.b>);
CTNN_SENTENCE(reshape_inferred_dims, inferred_dims<E.a>, at_most_one_dim_can_be_inferred);
CTNN_SENTENCE(dim_out_of_range, dim<E.a>, out_of_range_for_rank<E.b>);
CTNN_SENTENCE(dims_out_of_order, start_dim<E.a>, comes_after_end_dim<E.b>);
CTNN_SENTENCE(add_shapes, branch<E.a>, first_branch_shape<typename dims_type<E.lhs>::type>,
              branch_shape<typename dims_type<E.rhs>::type>);
CTNN_SENTENCE(concat_shapes, branch<E.a>, first_branch_shape<typename dims_type<E.lhs>::type>,
              branch_shape<typename dims_type<E.rhs>::type>, only_channels_may_differ);
CTNN_SENTENCE(multiply_shapes, main_branch_shape<typename dims_type<E.lhs>::type>,
              gate_shape<typename dims_type<E.rhs>::type>, gate_dims_must_equal_the_main_branch_s_or_be_1);
CTNN_SENTENCE(unpool_shapes, pooled_shape<typename dims_type<E.lhs>::type>, inner_output_shape<typename dims_type<E.rhs>::type>,
              inner_layers_must_keep_the_pooled_shape);
CTNN_SENTENCE(unpool_needs_max_pool, max_unpool_needs_a_max_pool_first);
CTNN_SENTENCE(padding_mode_unsupported, padding_mode_not_supported<static_cast<padding_mode>(E.a)>);
CTNN_SENTENCE(empty_network, concat_without_branches);
CTNN_SENTENCE(not_a_layer, not_a_layer);
CTNN_SENTENCE(extent_overflow, extent_does_not_fit_an_int<E.a>);
CTNN_SENTENCE(count_overflow, count_does_not_fit_64_bits);
CTNN_SENTENCE(conflicting_options, given_in_two_incompatible_ways);
CTNN_SENTENCE(must_not_be_zero, must_not_be_zero);
CTNN_SENTENCE(bounds_out_of_order, minimum<E.a>, not_below_maximum<E.b>);
CTNN_SENTENCE(channel_slice_out_of_range, first_channel<E.a>, channel_count<E.b>, slice_ends_past_input_channels<E.c>);
CTNN_SENTENCE(not_divisible, extent<E.a>, not_divisible_by<E.b>);
CTNN_SENTENCE(broadcast_shapes, input_dims<typename dims_type<E.lhs>::type>, tensor_dims<typename dims_type<E.rhs>::type>,
              tensor_dims_must_equal_the_input_s_last_or_be_1);
CTNN_SENTENCE(normalized_extent, expected_last_dim<E.a>, actual_last_dim<E.b>);
CTNN_SENTENCE(not_a_permutation, dims_not_a_permutation_at<E.a>, out_of_range_for_rank<E.b>);
CTNN_SENTENCE(repeated_dim, dim_repeated<E.a>);
CTNN_SENTENCE(matmul_shapes, input_dims<typename dims_type<E.lhs>::type>, matrix_dims<typename dims_type<E.rhs>::type>,
              matrix_leading_dims_must_equal_the_input_s_or_be_1);
CTNN_SENTENCE(reduces_every_dim, reduction_over_all_dims_of_rank<E.a>, leaves_no_dim__use_the_keepdim_form);
CTNN_SENTENCE(prelu_parameters, slopes<E.a>, must_be_1_or_the_input_channels<E.b>);
CTNN_SENTENCE(avg_pool3d_input_smaller_than_kernel, input_extent<E.a>, smaller_than_kernel_in_pytorch_avg_pool3d<E.b>);
CTNN_SENTENCE(option_not_accepted, option_not_accepted<boost::mp11::mp_at_c<typename Layer::options, E.a>>,
              by_a_layer_with<std::remove_cvref_t<decltype(Layer::params)>>);
CTNN_SENTENCE(linear_needs_flat_input, linear_on_input<typename dims_type<E.lhs>::type>,
              flatten_first__or_give_per_position_or_in_features);
#undef CTNN_SENTENCE
// Past max_nesting the layer is unknown (Layer = void): the option by its index among the layer's options.
template <layer_error E>
struct sentence<error_code::option_not_accepted, E, void> {
  using type = mp_list<option_not_accepted_at_index<E.a>>;
};

// What an error says: the parameter and dim it concerns, then its sentence.
template <layer_error E, class Layer>
using facts_of = boost::mp11::mp_append<what_param<E>, where_along<E>, typename sentence<E.code, E, Layer>::type>;

// The location of an error: layer<i>, branch<b>, layer<j>, ... and the kind (type) of the layer that
// failed, found by walking the error's path through the nested chains; then its facts.
template <class Layers, layer_error E, int Step>
struct locate {
  using here = boost::mp11::mp_at_c<Layers, E.path[Step]>;
  using type = boost::mp11::mp_append<mp_list<layer<E.path[Step]>, here>, facts_of<E, here>>;
};
// A path cut at max_nesting lost its outer steps: name what is certain, the first step's layer kind
// would be a guess.
template <class Layers, layer_error E, int Step>
  requires(E.truncated && Step == 0)
struct locate<Layers, E, Step> {
  using type = boost::mp11::mp_append<mp_list<path_deeper_than_max_nesting>, facts_of<E, void>>;
};
template <class Layers, layer_error E, int Step>
  requires(!E.truncated && Step + 2 < E.depth)
struct locate<Layers, E, Step> {
  using here = boost::mp11::mp_at_c<Layers, E.path[Step]>;
  using inner = boost::mp11::mp_at_c<typename here::branches, E.path[Step + 1]>;
  using type = boost::mp11::mp_append<mp_list<layer<E.path[Step]>, branch<E.path[Step + 1]>>,
                                      typename locate<typename inner::layers, E, Step + 2>::type>;
};
}  // namespace ctnn::detail::diagnose

namespace ctnn::detail {

// The ctnn error with these facts unless Ok; true either way, so that the caller's static_assert adds
// no second error. (Instantiated only when not Ok: naming invalid_network would instantiate it.)
template <bool Ok, class Facts>
constexpr bool require() {
  if constexpr (Ok) {
    return true;
  } else {
    return facts::invalid_network(Facts{});
  }
}

// The facts of the first error of a chain of `Layers` (an mp_list): where, which layer, what.
template <class Layers, layer_error E>
using located_facts = typename diagnose::locate<Layers, E, 0>::type;

// The facts of an invalid input declaration.
template <class Input, layer_error E>
using input_facts = boost::mp11::mp_append<boost::mp11::mp_list<Input>, diagnose::facts_of<E, void>>;

}  // namespace ctnn::detail
