// ctnn/core/type_tree.hpp: the I-th type of a long list in O(log N) small template instantiations, and
// the list shifted by one for walking it in lockstep with its followers.
//
// g++-12 has no __type_pack_element, and every way of indexing a pack directly costs O(N) per lookup
// there (mp_at_c finds its element among N base classes; any template keyed by the whole pack hashes
// all N arguments), so a layer_t per layer of a 1,000-layer network cost 11 s. The list is built once
// into a tree of nodes of at most 16 children, 16 at a time from the front (no list is ever joined:
// joining many lists is quadratic); a lookup walks log16 N nodes of 16 arguments.
//
//   using tree = ctnn::type_tree<boost::mp11::mp_list<A, B, C>>;   tree::at<1> is B
#pragma once

#include <cstddef>

#include <boost/mp11/algorithm.hpp>

namespace ctnn {

namespace detail {
template <class T>
struct tree_leaf {
  static constexpr std::size_t size = 1;
  template <std::size_t>
  using at = T;
};
// Children each holding Step elements (the last may hold fewer).
#if defined(__has_builtin)
#if __has_builtin(__type_pack_element)
#define CTNN_TYPE_PACK_ELEMENT 1
#endif
#endif
template <std::size_t Step, class... Children>
struct tree_node {
  static constexpr std::size_t size = (Children::size + ... + 0);
#ifdef CTNN_TYPE_PACK_ELEMENT
  template <std::size_t I>
  using at = typename __type_pack_element<I / Step, Children...>::template at<I % Step>;
#else
  template <std::size_t I>
  using at = typename boost::mp11::mp_at_c<boost::mp11::mp_list<Children...>, I / Step>::template at<I % Step>;
#endif
};

// One level: the list grouped 16 at a time, each group a node of Step-sized children.
template <std::size_t Step, class Done, class... Rest>
struct group;
template <std::size_t Step, class... Done>
struct group<Step, boost::mp11::mp_list<Done...>> {
  using type = boost::mp11::mp_list<Done...>;
};
template <std::size_t Step, class... Done, class... Rest>
  requires(sizeof...(Rest) > 0 && sizeof...(Rest) < 16)
struct group<Step, boost::mp11::mp_list<Done...>, Rest...> {
  using type = boost::mp11::mp_list<Done..., tree_node<Step, Rest...>>;
};
template <std::size_t Step, class... Done, class A0, class A1, class A2, class A3, class A4, class A5, class A6, class A7,
          class A8, class A9, class A10, class A11, class A12, class A13, class A14, class A15, class... Rest>
struct group<Step, boost::mp11::mp_list<Done...>, A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13, A14, A15,
             Rest...>
    : group<Step, boost::mp11::mp_list<Done..., tree_node<Step, A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13,
                                                          A14, A15>>,
            Rest...> {};

template <std::size_t Step, class Level>
struct build_tree;
template <std::size_t Step, class Root>
struct build_tree<Step, boost::mp11::mp_list<Root>> {
  using type = Root;
};
template <std::size_t Step, class... Nodes>
struct build_tree<Step, boost::mp11::mp_list<Nodes...>> {
  using type = typename build_tree<Step * 16, typename group<Step, boost::mp11::mp_list<>, Nodes...>::type>::type;
};
template <std::size_t Step>
struct build_tree<Step, boost::mp11::mp_list<>> {
  using type = tree_node<Step>;
};

template <class List>
struct leaves;
template <class... T>
struct leaves<boost::mp11::mp_list<T...>> {
  using type = boost::mp11::mp_list<tree_leaf<T>...>;
};
}  // namespace detail

template <class List>
using type_tree = typename detail::build_tree<1, typename detail::leaves<List>::type>::type;

namespace detail {
// The list shifted left by one, void entering at the end: expanded in lockstep with the list, each
// element meets the one after it without an index lookup.
template <class List>
struct shift_left;
template <>
struct shift_left<boost::mp11::mp_list<>> {
  using type = boost::mp11::mp_list<>;
};
template <class First, class... Rest>
struct shift_left<boost::mp11::mp_list<First, Rest...>> {
  using type = boost::mp11::mp_list<Rest..., void>;
};
}  // namespace detail

}  // namespace ctnn
