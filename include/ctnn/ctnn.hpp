// ctnn/ctnn.hpp: the whole library.
//
// Data flows one way, and so do the includes:
//   core/     shape, spatial values, errors         (vocabulary of every stage)
//   layers/   declarations: what a user writes       (types, options -> parameter structs)
//   shapes/   shape rules and their checks           (constexpr functions over values)
//   checks/   shape errors -> compile errors; layers and chains placed at their input
//   plan/     weights storage and the activations' memory plan
//   kernels/  fixed-size loops, one header per layer family, and the step-by-step runner
//   analysis/ what a network costs and how it prints
//   network.hpp  the network type that ties them together
#pragma once

#include "ctnn/layers/activation.hpp"
#include "ctnn/layers/batch_norm.hpp"
#include "ctnn/layers/conv.hpp"
#include "ctnn/layers/conv_transpose.hpp"
#include "ctnn/layers/graph.hpp"
#include "ctnn/layers/linear.hpp"
#include "ctnn/layers/pad.hpp"
#include "ctnn/layers/partial_conv.hpp"
#include "ctnn/layers/pool.hpp"
#include "ctnn/layers/reshape.hpp"
#include "ctnn/layers/upsample.hpp"

#include "ctnn/shapes/activation.hpp"
#include "ctnn/shapes/batch_norm.hpp"
#include "ctnn/shapes/conv.hpp"
#include "ctnn/shapes/conv_transpose.hpp"
#include "ctnn/shapes/graph.hpp"
#include "ctnn/shapes/linear.hpp"
#include "ctnn/shapes/pad.hpp"
#include "ctnn/shapes/partial_conv.hpp"
#include "ctnn/shapes/pool.hpp"
#include "ctnn/shapes/reshape.hpp"
#include "ctnn/shapes/solvers.hpp"
#include "ctnn/shapes/upsample.hpp"

#include "ctnn/network.hpp"
#include "ctnn/analysis/matrix.hpp"
#include "ctnn/analysis/print.hpp"
#include "ctnn/analysis/report.hpp"
