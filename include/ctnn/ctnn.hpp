// ctnn/ctnn.hpp: the whole library.
//
// Data flows one way, and so do the includes:
//   core/     shape, spatial values, errors, checked counts, the build configuration
//   layers/   declarations: what a user writes       (types, options -> parameter structs)
//   shapes/   one file per layer family: its shape rule and checks, parameter tensors, costs, memory
//             and lowering (constexpr functions over values)
//   checks/   shape errors -> compile errors; layers and chains placed at their input
//   plan/     the schedule (the network flattened once), the memory plan, the weights' layout
//   kernels/  one file per layer family: its loops and fast kernels; the runner
//   network.hpp  the network type that ties them together
//   analysis/ what a network costs and how it prints
#pragma once

// The assertion every ctnn diagnostic fails, defined here, in the header users include, so that the
// include trace a compiler prints before it is one line and the facts come on the second.
#ifndef CTNN_INVALID_NETWORK_DEFINED
#define CTNN_INVALID_NETWORK_DEFINED
namespace boost::mp11 {
template <class... T>
struct mp_list;
}
namespace ctnn::facts {
template <class... Facts>
struct shape_rule_holds {
  static constexpr bool value = false;
};
template <class... Facts>
constexpr bool invalid_network(boost::mp11::mp_list<Facts...>) {
  static_assert(shape_rule_holds<Facts...>::value,
                "ctnn: invalid network; the template arguments name the layer (its position, then its kind) "
                "and the values that break its rule");
  return true;  // the assertion above is the one error; the caller's must not add a second
}
}  // namespace ctnn::facts
#endif

#include "ctnn/families.hpp"
#include "ctnn/layers/blocks.hpp"
#include "ctnn/network.hpp"
#include "ctnn/shapes/solvers.hpp"
#include "ctnn/analysis/matrix.hpp"
#include "ctnn/analysis/print.hpp"
#include "ctnn/analysis/report.hpp"
#include "ctnn/analysis/summary.hpp"
