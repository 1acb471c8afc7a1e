#!/usr/bin/env python3
"""ONNX's backend node tests (Debian's libonnx-testdata) through the importer, for every operator it maps.

Run with Debian's python3-onnx and python3-torch:
    /usr/bin/python3 tests/import/onnx_node_tests.py --work build/onnx_nodes           # check
    /usr/bin/python3 tests/import/onnx_node_tests.py --work build/onnx_nodes --write   # rewrite the table

Each test is one node with its inputs and expected outputs. A small translator makes it a ctnn network:
the first input is the network's input and the others (weights, pads, bounds) become constants with the
test's values; dim 0 is the batch, so each sample runs as one network input and its output is compared
with the expected output's slice. When dim 0 cannot be the batch (the node flattens, transposes,
reduces, normalizes, slices or concatenates over it, or a constant differs along it), the whole test is
one sample: a batch dim of 1 in front, the node's axes moved by one (Gemm, which takes matrices only,
written as MatMul and Add). The importer then writes the header and the weights, a program runs
each sample with the plain loops and with prepared weights (NHWC), and every output must be within
rtol 1e-3, atol 1e-5 of ONNX's (the backend tests' own rtol). A test the importer refuses is
inexpressible, with the importer's reason; an expressible test that does not match fails the run.

The table (docs/onnx_node_tests.md) lists per operator the tests, the expressible ones and the passing
ones, then every inexpressible test and why; the README's summary (between its onnx-node-tests markers)
is written from the same counts. Without --write the run fails when either differs from what it
computes, so both stay what CI measured.
"""
import argparse
import collections
import concurrent.futures
import copy
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper, shape_inference

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tools"))
import ctnn_import  # noqa: E402
from write_atomically import write_atomically  # noqa: E402

DATA = "/usr/share/libonnx-testdata/data/node"
TABLE = os.path.join(REPO, "docs", "onnx_node_tests.md")
OPERATORS = ["Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
             "BatchNormalization", "InstanceNormalization", "LayerNormalization", "Gemm", "MatMul", "Relu",
             "LeakyRelu", "PRelu", "Sigmoid", "Tanh", "HardSwish", "HardSigmoid", "Elu", "Selu", "Celu",
             "Softplus", "Clip", "Softmax", "LogSoftmax", "Flatten", "Reshape", "Transpose", "Pad", "Slice",
             "Split", "Concat", "Add", "Mul", "Resize", "Upsample", "DepthToSpace", "SpaceToDepth", "ReduceMean", "ReduceSum",
             "ReduceMax", "ReduceMin", "MaxUnpool",
             "Identity", "Dropout"]
RTOL, ATOL = 1e-3, 1e-5

RUNNER = r"""#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

#include "model.hpp"
#include <ctnn/io/safetensors.hpp>

using net = model::network;
using E = model::element;  // float, or an integer network's type

static std::vector<char> read(const char* path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// argv: weights, samples, inputs (NCHW, one after another), outputs to write (plain, then prepared)
int main(int, char** argv) {
  const std::vector<char> file = read(argv[1]), x_file = read(argv[3]);
  const long samples = std::atol(argv[2]);
  static net::weights_of<E> w;
  if (!ctnn::load_safetensors(w, std::as_bytes(std::span(file.data(), file.size())))) return 2;
  if (x_file.size() != samples * net::input_size * sizeof(E)) return 3;
  static net::prepared_weights_of<E> p;
  ctnn::prepare_into(w, p);
  static ctnn::static_arena<net::weights_of<E>> plain_arena;
  static ctnn::static_arena<net::prepared_weights_of<E>> fast_arena;
  std::vector<E> nchw(net::input_size), x(net::input_size), y(net::output_size), out;
  for (int fast = 0; fast < 2; ++fast)
    for (long s = 0; s < samples; ++s) {
      std::memcpy(nchw.data(), x_file.data() + s * net::input_size * sizeof(E), net::input_size * sizeof(E));
      net::input_from_nchw<E>(std::span<const E, net::input_size>(nchw), std::span<E, net::input_size>(x));
      const std::span<E, net::output_size> ys(y);
      if (fast)
        net::forward(p, std::span<const E, net::input_size>(x), ys, fast_arena);
      else
        net::forward(w, std::span<const E, net::input_size>(x), ys, plain_arena);
      std::vector<E> o(net::output_size);
      net::output_to_nchw<E>(std::span<const E, net::output_size>(y), std::span<E, net::output_size>(o));
      out.insert(out.end(), o.begin(), o.end());
    }
  std::ofstream(argv[4], std::ios::binary).write(reinterpret_cast<const char*>(out.data()),
                                                 static_cast<std::streamsize>(out.size() * sizeof(E)));
  return 0;
}
"""


class Inexpressible(Exception):
    pass


def load_case(d):
    model = onnx.load(os.path.join(d, "model.onnx"))
    data = os.path.join(d, "test_data_set_0")
    inputs = [numpy_helper.to_array(onnx.load_tensor(os.path.join(data, f"input_{i}.pb")))
              for i in range(len(model.graph.input))]
    outputs = [numpy_helper.to_array(onnx.load_tensor(os.path.join(data, f"output_{i}.pb")))
               for i in range(len(model.graph.output))]
    return model, inputs, outputs


ELEMENTWISE = {"Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSwish", "HardSigmoid", "Elu", "Selu", "Celu", "Softplus",
               "Clip", "Identity", "Dropout"}


# Operators whose node tests may mix dim 0 with the others (a reduction, a transpose or a concatenation
# over it): when dim 0 cannot be the batch, the whole test is one sample of a network of batch 1.
WHOLE_SAMPLE = ELEMENTWISE | {"Flatten", "Reshape", "Transpose", "Slice", "Split", "Concat", "ReduceMean", "ReduceSum",
                              "ReduceMax", "ReduceMin", "LayerNormalization", "Softmax", "LogSoftmax", "Gemm",
                              "MatMul", "Add", "Mul", "PRelu"}


def shifted(axis):
    """An axis of the test's tensor, in the same tensor with a batch dim of 1 in front."""
    return axis + 1 if axis >= 0 else axis


def set_attr(node, name, value):
    kept = [a for a in node.attribute if a.name != name]
    del node.attribute[:]
    node.attribute.extend(kept + [onnx.helper.make_attribute(name, value)])


def as_one_sample(model, inputs, y):
    """Rewrites the node for its input with a batch dim of 1 in front: axes move by one, the reshapes
    name their whole output shape, Gemm (of matrices only) becomes MatMul and Add. Returns the constant
    inputs' values, in the node's input order."""
    g = model.graph
    node = g.node[0]
    values = list(inputs[1:])
    rank = inputs[0].ndim
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    op = node.op_type
    if op in ("Flatten", "Reshape"):  # the output's shape, with the batch
        del node.attribute[:]
        node.op_type = "Reshape"
        del node.input[1:]
        del g.input[1:]
        node.input.append("whole_shape")
        g.input.append(onnx.helper.make_tensor_value_info("whole_shape", onnx.TensorProto.INT64, [y.ndim + 1]))
        values = [np.array((1,) + y.shape, dtype=np.int64)]
    elif op == "Transpose":
        set_attr(node, "perm", [0] + [p + 1 for p in attrs.get("perm", range(rank - 1, -1, -1))])
    elif op in ("Split", "Concat", "Softmax", "LogSoftmax", "LayerNormalization"):
        set_attr(node, "axis", shifted(attrs.get("axis", 0 if op in ("Split", "Concat") else -1)))
        if op == "Concat":  # no broadcasting: the other operands take the batch dim too
            values = [v[None] for v in values]
    elif op == "Slice":  # data, starts, ends, axes (all by default), steps
        if len(values) < 3:
            node.input.append("whole_axes")
            g.input.append(onnx.helper.make_tensor_value_info("whole_axes", onnx.TensorProto.INT64, [len(values[0])]))
            values.append(np.arange(len(values[0]), dtype=np.int64))
        values[2] = np.array([shifted(a) for a in values[2]], dtype=values[2].dtype)
    elif op.startswith("Reduce"):
        if "axes" in attrs:
            set_attr(node, "axes", [shifted(a) for a in attrs["axes"]])
        elif values and values[0].size:
            values[0] = np.array([shifted(a) for a in values[0]], dtype=values[0].dtype)
        elif not attrs.get("noop_with_empty_axes", 0):  # every dim of the test, not the batch
            if values:
                values[0] = np.arange(1, rank + 1, dtype=np.int64)
            else:
                set_attr(node, "axes", list(range(1, rank + 1)))
    elif op == "Gemm":  # alpha A' B' + beta C as MatMul and Add: Gemm takes matrices, not a batch of them
        a, b = node.input[0], values[0]
        b = (b.T if attrs.get("transB", 0) else b) * np.float32(attrs.get("alpha", 1.0))
        nodes = []
        if attrs.get("transA", 0):
            nodes.append(onnx.helper.make_node("Transpose", [a], ["whole_a"], perm=[0, 2, 1]))
            a = "whole_a"
        product = "whole_product" if len(values) > 1 else node.output[0]
        nodes.append(onnx.helper.make_node("MatMul", [a, "whole_b"], [product]))
        constants = [("whole_b", b.astype(np.float32))]
        if len(values) > 1:
            nodes.append(onnx.helper.make_node("Add", [product, "whole_c"], [node.output[0]]))
            constants.append(("whole_c", (values[1] * np.float32(attrs.get("beta", 1.0))).astype(np.float32)))
        del g.node[:]
        g.node.extend(nodes)
        del g.input[1:]
        for name, value in constants:
            g.input.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, list(value.shape)))
        values = [value for _, value in constants]
    return values


EXTRA_OUTPUTS = {
    "MaxPool": " (ONNX's indices count over the whole tensor, PyTorch's return_indices within each channel)",
    "BatchNormalization": " (the running statistics of training mode, whose variance ONNX updates with the "
                          "biased batch variance where PyTorch's BatchNorm2d, as ctnn's training, takes the "
                          "unbiased one: up to 2.4% apart on these tests; Y and the running mean are PyTorch's)",
    "Dropout": " (the mask: PyTorch's dropout returns none)",
}


def translate(model, inputs, outputs, output=0, whole=False):
    """One sample of the test as a model for the importer: input 0 with batch 1, the others constants, the
    one output `output` (a Split's other outputs unused, a layer norm's statistics dropped). With `whole`,
    the sample is the whole test (a batch dim of 1 in front of it) rather than its dim 0 sliced."""
    g = model.graph
    node = g.node[0]
    if len(g.output) != 1:
        if node.op_type not in ("Split", "LayerNormalization"):
            raise Inexpressible(f"{len(g.output)} outputs; ctnn networks give one" + EXTRA_OUTPUTS.get(node.op_type, ""))
        kept = g.output[output]
        del g.output[:]
        g.output.append(kept)
        if node.op_type == "LayerNormalization":
            del node.output[1:]
    x, y = inputs[0], outputs[output]
    if x.dtype != y.dtype:
        raise Inexpressible(f"a {x.dtype} input and a {y.dtype} output; a ctnn network has one element type")
    if y.size == 0:
        raise Inexpressible("an empty output: ctnn's extents are at least 1")
    values = inputs[1:]
    if whole:
        values = as_one_sample(model, inputs, y)
        x, y = x[None], y[None]
    else:
        if x.ndim == 1 and node.op_type in ELEMENTWISE:  # one sample of [n]: the same values as [1, n]
            x, y = x[None], y[None]
            g.input[0].type.tensor_type.shape.dim.insert(0, onnx.TensorShapeProto.Dimension(dim_value=1))
        if x.ndim < 2:
            raise Inexpressible(f"an input of rank {x.ndim}: no dim after the batch")
        if y.ndim < 1 or y.shape[0] != x.shape[0]:
            raise Inexpressible(f"the output {list(y.shape)} does not keep the input's batch dim {x.shape[0]}")
    for value, info in zip(values, list(g.input)[1:]):
        if not whole and g.node[0].op_type == "Reshape" and value.ndim == 1 and x.shape[0] > 1:
            if value[0] not in (0, x.shape[0]):  # the batch folded into other dims
                raise Inexpressible(f"a reshape to {list(value)} that does not keep the batch dim {x.shape[0]}")
            value = np.concatenate([[0 if value[0] == 0 else 1], value[1:]]).astype(value.dtype)
        g.initializer.append(numpy_helper.from_array(value, info.name))
    del g.input[1:]
    dims = g.input[0].type.tensor_type.shape.dim
    if whole:
        dims.insert(0, onnx.TensorShapeProto.Dimension(dim_value=1))
    for d, extent in zip(dims, (1,) + x.shape[1:]):
        d.ClearField("dim_param")
        d.dim_value = extent
    del g.value_info[:]
    g.output[0].type.tensor_type.ClearField("shape")
    return shape_inference.infer_shapes(model), x, y


def translated_outputs(model, inputs, outputs):
    """Each output's (model, x, y): dim 0 as the batch when the importer can take it so, otherwise the
    whole test as one sample. Raises the reason of the last way tried when neither can (the whole test's
    for the operators of WHOLE_SAMPLE, the batch's for the others)."""
    splits = len(outputs) if model.graph.node[0].op_type == "Split" else 1
    for whole in (False, True):
        try:
            cases = [translate(copy.deepcopy(model), inputs, outputs, output, whole) for output in range(splits)]
            for case in cases:
                ctnn_import.import_model(case[0], "model", "probe")
            return cases
        except (Inexpressible, ctnn_import.ImportError_) as e:
            if whole or model.graph.node[0].op_type not in WHOLE_SAMPLE:
                raise
            first = e
            continue
        except Exception:
            if not whole:
                raise
            raise first
    raise AssertionError


def run_case(name, work, cxx):
    """('pass' | 'fail' | 'inexpressible', detail)."""
    try:
        model, inputs, outputs = load_case(os.path.join(DATA, name))
    except Exception as e:  # sequences and optionals: no tensors
        return "inexpressible", f"inputs or outputs that are not tensors ({type(e).__name__})"
    try:
        cases = translated_outputs(model, inputs, outputs)
        for output, case in enumerate(cases):  # a Split: each output as a network of its own
            status, detail = run_output(name + (f"_{output}" if len(cases) > 1 else ""), work, cxx, *case)
            if status != "pass":
                return status, detail
        return "pass", ""
    except (Inexpressible, ctnn_import.ImportError_) as e:
        return "inexpressible", str(e).splitlines()[0][:200]
    except Exception as e:  # the shape inference or the importer failed on a valid model
        return "fail", f"translation: {type(e).__name__}: {e}"


def run_output(name, work, cxx, model, x, y):
    header, tensors = ctnn_import.import_model(model, "model", name)
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "model.hpp"), "w") as f:
        f.write(header)
    with open(os.path.join(d, "model.safetensors"), "wb") as f:
        f.write(ctnn_import.safetensors_bytes(tensors, name))
    x.astype(x.dtype.newbyteorder("<")).tofile(os.path.join(d, "x.bin"))
    with open(os.path.join(d, "run.cpp"), "w") as f:
        f.write(RUNNER.replace("#include <cstdio>", "#include <cstdio>\n#include <cstdlib>\n#include <cstring>"))
    exe = os.path.join(d, "run")
    built = subprocess.run([cxx, "-std=c++20", "-O1", "-Wall", "-Wextra", "-Werror", f"-I{REPO}/include", f"-I{d}",
                            os.path.join(d, "run.cpp"), "-o", exe], capture_output=True, text=True)
    if built.returncode != 0:
        return "fail", "compile failed: " + built.stderr[-1500:]
    out = os.path.join(d, "y.bin")
    ran = subprocess.run([exe, os.path.join(d, "model.safetensors"), str(x.shape[0]), os.path.join(d, "x.bin"), out],
                         capture_output=True, text=True)
    if ran.returncode != 0:
        return "fail", f"the program exited with {ran.returncode}"
    got = np.fromfile(out, dtype=y.dtype.newbyteorder("<"))
    if got.size != 2 * y.size:
        return "fail", f"{got.size} outputs for 2 x {y.size}"
    for path, values in (("plain", got[:y.size]), ("prepared", got[y.size:])):
        values = values.reshape(y.shape)
        if not np.allclose(values, y, rtol=RTOL, atol=ATOL, equal_nan=True):
            worst = float(np.nanmax(np.abs(values - y)))
            return "fail", f"{path}: max |error| {worst:.3g}"
    return "pass", ""


def table(results):
    by_op = collections.OrderedDict((op, []) for op in OPERATORS)
    for name, (op, status, detail) in sorted(results.items()):
        by_op[op].append((name, status, detail))
    lines = ["# ONNX backend node tests", "",
             "Written by `tests/import/onnx_node_tests.py --write` from Debian's libonnx-testdata 1.12; CI runs",
             "the same script and fails on a failing test or a changed table. Expressible: the importer takes",
             "the test (the first input is the network's, the others constants, dim 0 the batch, or the whole",
             "test one sample when dim 0 cannot be the batch); pass: every",
             f"sample within rtol {RTOL:g}, atol {ATOL:g} of ONNX's output, with the plain loops and with prepared",
             "weights.", "",
             "| operator | tests | expressible | pass |", "|---|---:|---:|---:|"]
    totals, rows = [0, 0, 0], []
    for op, cases in by_op.items():
        counts = [len(cases), sum(s != "inexpressible" for _, s, _ in cases), sum(s == "pass" for _, s, _ in cases)]
        totals = [a + b for a, b in zip(totals, counts)]
        rows.append([op] + counts)
        lines.append(f"| {op} | {counts[0]} | {counts[1]} | {counts[2]} |")
    lines.append(f"| **all** | **{totals[0]}** | **{totals[1]}** | **{totals[2]}** |")
    lines += ["", "## Inexpressible tests", ""]
    for op, cases in by_op.items():
        for name, status, detail in cases:
            if status == "inexpressible":
                lines.append(f"- `{name}` ({op}): {detail}")
    return "\n".join(lines) + "\n", totals, rows


def readme_section(by_op_rows, totals):
    """The README's summary: the method, the totals, a compact table of three operators a row."""
    cells = [row for row in by_op_rows]
    third = (len(cells) + 2) // 3
    lines = ["| operator | tests | expr. | pass | operator | tests | expr. | pass | operator | tests | expr. | pass |",
             "|---|---:|---:|---:|---|---:|---:|---:|---|---:|---:|---:|"]
    for i in range(third):
        parts = []
        for j in range(3):
            k = i + j * third
            parts += [str(v) for v in cells[k]] if k < len(cells) else ["", "", "", ""]
        lines.append("| " + " | ".join(parts) + " |")
    return (f"""**ONNX's backend node tests** (Debian's `libonnx-testdata` 1.12) run in CI through the importer
(`tests/import/onnx_node_tests.py`): each test's first input becomes the network's input, its other
inputs constants, dim 0 the batch (or, when the node works across dim 0, the whole test one sample of
batch 1); every sample must be within rtol {RTOL:g}, atol {ATOL:g} of ONNX's output, with the plain loops and
with prepared weights. Of the {totals[0]} tests of the operators the importer maps, {totals[1]} are expressible
and {totals[2]} pass, none fails. `docs/onnx_node_tests.md` gives the reason for each of the others: mostly
semantics PyTorch does not have either (ONNX's other resize modes, max pooling's whole-tensor indices,
PReLU slopes along other dims, negative slice steps, uint8/int32 pooling and padding, random training-mode
dropout, masks as outputs, training-mode batch norm's running variance, biased in ONNX and unbiased in
PyTorch). Integer tensors that are not quantized (Clip of int8, Add and Mul of uint8) run as networks of
that element type (the importer's `using element`, `network::weights_of<std::uint8_t>`). Those PyTorch
has and ctnn does not: empty tensors, MaxUnpool with indices given from outside (ctnn's `max_unpool`
takes them from its paired pooling), the indices of max pooling as a second output, and sequences.

""" + "\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--cxx", default="g++-12")
    ap.add_argument("--write", action="store_true", help="rewrite docs/onnx_node_tests.md")
    ap.add_argument("--only", nargs="*", help="test names")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    cases = {}
    for name in sorted(os.listdir(DATA)):
        graph = onnx.load(os.path.join(DATA, name, "model.onnx"), load_external_data=False).graph
        op = graph.node[0].op_type if len(graph.node) == 1 else None
        if op in OPERATORS and (not args.only or name in args.only):
            cases[name] = op
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {pool.submit(run_case, name, args.work, args.cxx): name for name in cases}
        for future in concurrent.futures.as_completed(futures):
            name = futures[future]
            status, detail = future.result()
            results[name] = (cases[name], status, detail)
            if status == "fail":
                print(f"FAILED {name}: {detail}", flush=True)
    text, totals, rows = table(results)
    readme_path = os.path.join(REPO, "README.md")
    readme = open(readme_path).read()
    start, end = "<!-- onnx-node-tests: written by tests/import/onnx_node_tests.py --write -->\n", "<!-- /onnx-node-tests -->"
    a, b = readme.index(start) + len(start), readme.index(end)
    new_readme = readme[:a] + readme_section(rows, totals) + readme[b:]
    failed = [n for n, (_, s, _) in results.items() if s == "fail"]
    print(f"{totals[0]} tests, {totals[1]} expressible, {totals[2]} pass, {len(failed)} fail")
    if args.only:
        return 1 if failed else 0
    if args.write:
        write_atomically(TABLE, text)
        write_atomically(readme_path, new_readme)
    elif not os.path.exists(TABLE) or open(TABLE).read() != text or readme != new_readme:
        print(f"{TABLE} or the README's summary differs from this run: rerun with --write and commit them")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
