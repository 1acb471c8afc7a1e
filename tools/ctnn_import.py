#!/usr/bin/python3
"""Imports a trained model into one C++ header for ctnn: the network type and its weights.

  /usr/bin/python3 tools/ctnn_import.py model.onnx --header model.hpp --weights model.safetensors
  /usr/bin/python3 tools/ctnn_import.py torchvision.models:resnet18 --input-shape 3,224,224 \\
      --header resnet18.hpp --weights resnet18.safetensors
  /usr/bin/python3 tools/ctnn_import.py lenet.onnx --header lenet.hpp --flash --target cortex-m4
  /usr/bin/python3 tools/ctnn_import.py lenet.onnx --header lenet.hpp --int8 calibration.npy

MODEL is an ONNX file, or `module:callable` returning a torch.nn.Module, which the tool exports to ONNX
itself (eval mode, batch norm kept, state_dict names kept). The header holds the network type (input,
layers, padding, branches as residual/concat blocks) and the state_dict name of every parameter tensor,
in ctnn's order, so that ctnn::parameters_of, set_parameter and load_safetensors use those names.
Weights: --weights FILE writes a safetensors file for ctnn::load_safetensors at run time; --flash puts
the prepared weights (the fast kernels' packed order, batch norm folded) into the header as a constant,
for read-only memory, packed by ctnn itself for --target (a host build with that target's vector
configuration; needs g++-12). --int8 FILE.npy quantizes the network post-training for an int8 forward, on
the calibration samples in FILE (float32, [N, C, H, W] as the model takes them, N >= 1): ctnn itself
observes every tensor's range and quantizes (ctnn/calibrate.hpp: PyTorch's min/max observers, weights
per output channel, batch norms folded; with --int8-percentile P each tensor's range holds P% of its
values, from a histogram), and the header holds the result as a constant, `quantized_weights`, for
read-only memory. A model quantized by torch.ao.quantization and exported to ONNX (QuantizeLinear /
DequantizeLinear around float operators) is imported with its own quantization: `quantized_weights` from
its int8 weights, scales, int32 biases and every tensor's scale and zero point. ONNX defaults that
differ from PyTorch's (pool strides, count_include_pad) are translated. An operator, attribute or shape ctnn cannot express stops the import with the node, its
operator and the reason; nothing is written then, and existing files are left as they were.
"""
import argparse
import importlib
import io
import math
import os
import subprocess
import sys
import tempfile
import warnings
from fractions import Fraction

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from write_atomically import write_atomically  # noqa: E402
from write_safetensors import encode  # noqa: E402

VERSION = "1"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Vector bytes, registers and fusion bound of each target (ctnn/core/config.hpp chooses the same).
TARGETS = {
    "cortex-m4": (4, 16, 256), "cortex-m7": (4, 16, 256), "cortex-m55": (16, 8, 0), "aarch64": (16, 32, 256),
    "sse2": (16, 16, 256), "avx2": (32, 16, 256), "avx512": (64, 32, 256),
}


class ImportError_(Exception):
    """A model ctnn cannot take: the message names the node, its operator and the reason."""


# A network's element type, from its input's: float32, or an integer type whose values, constants and
# outputs all have it (ONNX's Add, Mul and Clip on int8 / uint8 tensors). C++ computes int8, uint8 and
# int16 in int and stores the result back, wrapping as numpy, ONNX and PyTorch's integer tensors do; int32
# and uint16 products would overflow int (undefined in C++), so they are refused. Integer networks take
# only what PyTorch computes on integer tensors with the same results.
ELEMENT_TYPES = {1: "float", 3: "std::int8_t", 2: "std::uint8_t", 5: "std::int16_t"}  # TensorProto's codes
INTEGER_OPS = {"Add", "Mul", "Clip", "Relu", "Pad", "Reshape", "Flatten", "Transpose", "Slice", "Concat", "Squeeze",
               "Unsqueeze"}


def fail(node, reason):
    where = f"node '{node.name or node.output[0]}' ({node.op_type})" if node is not None else "model"
    raise ImportError_(f"{where}: {reason}")


# ---- the ONNX graph -----------------------------------------------------------------------------------

def infer_shapes(model):
    """ONNX's shape inference, with what it leaves open filled in: a MaxUnpool's output has the shape its
    constant output_shape input gives (onnx 1.12 does not read it), and inference runs again from there."""
    import onnx
    from onnx import numpy_helper
    try:
        model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
        known = {v.name for v in list(model.graph.value_info) + list(model.graph.output)
                 if v.type.tensor_type.HasField("shape")}
        constants = {t.name: t for t in model.graph.initializer}
        added = False
        for n in model.graph.node:
            if n.op_type == "MaxUnpool" and len(n.input) > 2 and n.input[2] in constants and n.output[0] not in known:
                size = [int(v) for v in numpy_helper.to_array(constants[n.input[2]])]
                kept = [v for v in model.graph.value_info if v.name != n.output[0]]
                del model.graph.value_info[:]
                model.graph.value_info.extend(kept)
                model.graph.value_info.append(onnx.helper.make_tensor_value_info(n.output[0], onnx.TensorProto.FLOAT, size))
                added = True
        return onnx.shape_inference.infer_shapes(model, strict_mode=True) if added else model
    except Exception as e:  # noqa: BLE001 - onnx raises several kinds
        raise ImportError_(f"model: ONNX shape inference failed: {e}") from None


def _attr(n, name, default=None):
    import onnx
    for a in n.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def _slice(n, x, starts, ends, axes=None, steps=None):
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    index = [slice(None)] * x.ndim
    for a, b, e, st in zip(axes, starts, ends, steps):
        index[int(a)] = slice(int(b), int(e), int(st))
    return x[tuple(index)]


# Shape arithmetic an exporter leaves on constants (F.pad's pads, a reshape's target), computed here.
FOLD = {
    "ConstantOfShape": lambda n, shape: np.full([int(v) for v in shape], 0 if _attr(n, "value") is None else
                                                __import__("onnx").numpy_helper.to_array(_attr(n, "value"))[0]),
    "Concat": lambda n, *xs: np.concatenate(xs, axis=_attr(n, "axis")),
    "Reshape": lambda n, x, shape: x.reshape([int(v) if v != 0 else x.shape[i] for i, v in enumerate(shape)]),
    "Slice": _slice,
    "Transpose": lambda n, x: np.transpose(x, _attr(n, "perm")),
    "Cast": lambda n, x: x.astype(__import__("onnx").mapping.TENSOR_TYPE_TO_NP_TYPE[_attr(n, "to")]),
    "Gather": lambda n, x, i: np.take(x, i, axis=_attr(n, "axis", 0)),
    "Unsqueeze": lambda n, x, axes=None: np.expand_dims(x, tuple(int(a) for a in (axes if axes is not None else _attr(n, "axes")))),
    "Squeeze": lambda n, x, axes=None: np.squeeze(x, tuple(int(a) for a in axes) if axes is not None else None),
    "Add": lambda n, a, b: a + b, "Sub": lambda n, a, b: a - b, "Mul": lambda n, a, b: a * b,
    "Div": lambda n, a, b: a // b if a.dtype.kind == "i" else a / b, "Neg": lambda n, a: -a,
    "Floor": lambda n, a: np.floor(a), "Ceil": lambda n, a: np.ceil(a),
    "Max": lambda n, *xs: np.maximum.reduce(xs), "Min": lambda n, *xs: np.minimum.reduce(xs),
    # x.expand(batch, -1, -1) of a parameter (ViT's class token), with the batch from Shape
    "Equal": lambda n, a, b: np.equal(a, b), "Where": lambda n, c, a, b: np.where(c, a, b),
    "Expand": lambda n, x, shape: np.array(np.broadcast_to(x, np.broadcast_shapes(x.shape, tuple(int(v) for v in shape)))),
}


def dequantize(n, x, scale, zero=None):
    """ONNX's DequantizeLinear: (x - zero) * scale, per tensor or along `axis`, in float32."""
    axis = _attr(n, "axis", 1)
    shape = [1] * x.ndim
    if np.ndim(scale) == 1 and x.ndim > 0:
        shape[axis] = -1
    z = np.zeros((), np.int64) if zero is None else np.asarray(zero, np.int64).reshape(shape if np.ndim(zero) == 1 else ())
    return ((x.astype(np.int64) - z).astype(np.float32) * np.asarray(scale, np.float32).reshape(shape if np.ndim(scale) == 1 else ()))


def fold_constants(model, dequantized=None):
    """The model with every node whose inputs are all constant (or the Shape of a static tensor)
    replaced by its value, as an initializer. A DequantizeLinear of constants (a quantized model's weights
    and biases) folds too; `dequantized` then keeps its integers and scales by the folded tensor's name."""
    import onnx
    from onnx import numpy_helper
    model = infer_shapes(model)
    g = model.graph
    constants = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    shapes = {}
    for v in list(g.value_info) + list(g.input):
        dims = v.type.tensor_type.shape.dim
        if all(d.HasField("dim_value") for d in dims):
            shapes[v.name] = [d.dim_value for d in dims]
    kept = []
    for n in g.node:
        if n.op_type == "Constant":
            value = _attr(n, "value")
            constants[n.output[0]] = numpy_helper.to_array(value) if value is not None else \
                np.asarray(onnx.helper.get_attribute_value(n.attribute[0]))  # value_float(s), value_int(s)
            continue
        if n.op_type == "Shape" and n.input[0] in shapes:
            constants[n.output[0]] = np.array(shapes[n.input[0]], dtype=np.int64)
            continue
        inputs = [i for i in n.input]
        if n.op_type == "DequantizeLinear" and all(i in constants for i in inputs if i):
            x, scale = constants[inputs[0]], constants[inputs[1]]
            zero = constants[inputs[2]] if len(inputs) > 2 and inputs[2] else None
            constants[n.output[0]] = dequantize(n, x, scale, zero)
            if dequantized is not None:
                dequantized[n.output[0]] = (x, np.asarray(scale, np.float32), zero)
            continue
        if n.op_type in FOLD and all(i in constants for i in inputs if i):
            try:
                constants[n.output[0]] = np.asarray(FOLD[n.op_type](n, *[constants[i] if i else None for i in inputs]))
                continue
            except Exception as e:  # noqa: BLE001 - a fold numpy cannot do: keep the node
                print(f"ctnn_import: note: {n.op_type} node '{n.name}' kept ({e})", file=sys.stderr)
        kept.append(n)
    used = {i for n in kept for i in n.input} | {o.name for o in g.output}
    graph = onnx.helper.make_graph(kept, g.name, list(g.input), list(g.output),
                                   [numpy_helper.from_array(np.asarray(v), k) for k, v in constants.items() if k in used])
    folded = onnx.helper.make_model(graph, opset_imports=model.opset_import)
    return infer_shapes(folded)


class Graph:
    def __init__(self, model):
        from onnx import numpy_helper
        self.dequantized = {}  # a quantized model's weights and biases: folded name -> (integers, scales, zero)
        model = fold_constants(model, self.dequantized)
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 1)
        g = model.graph
        self.constants = {t.name: numpy_helper.to_array(t) for t in g.initializer}
        self.shapes = {}
        for v in list(g.value_info) + list(g.input) + list(g.output):
            t = v.type.tensor_type
            if t.HasField("shape"):
                self.shapes[v.name] = [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]
        inputs = [i for i in g.input if i.name not in self.constants]
        if len(inputs) != 1:
            fail(None, f"{len(inputs)} inputs; ctnn networks take one")
        if len(g.output) != 1:
            fail(None, f"{len(g.output)} outputs; ctnn networks give one")
        self.input, self.output = inputs[0].name, g.output[0].name
        elem_type = inputs[0].type.tensor_type.elem_type
        self.element = ELEMENT_TYPES.get(elem_type)
        if self.element is None:
            import onnx
            fail(None, f"input '{self.input}' is a tensor of {onnx.TensorProto.DataType.Name(elem_type)}: ctnn "
                       "networks run float32, or int8, uint8 or int16 (whose sums and products wrap as ONNX's do)")
        dims = self.shapes.get(self.input)
        if not dims or any(d is None or d <= 0 for d in dims):
            fail(None, f"input '{self.input}' has a dynamic shape {dims}; export with a fixed input shape")
        if dims[0] != 1:
            fail(None, f"input '{self.input}' has batch {dims[0]}; export one sample (batch 1)")
        self.alias = {}  # tensor -> the tensor it is a copy of
        self.quant = {}  # a quantized model's (torch.ao's QDQ export): tensor -> (scale, int8 zero point)
        quantizers = {}  # a QuantizeLinear's output, or its Cast's -> that QuantizeLinear
        self.nodes = []
        for n in g.node:
            if n.op_type == "QuantizeLinear":
                quantizers[n.output[0]] = n
                continue
            if n.op_type == "Cast" and n.input[0] in quantizers:  # torch's quint8 -> uint8
                quantizers[n.output[0]] = quantizers[n.input[0]]
                continue
            if n.op_type == "DequantizeLinear":  # (of a constant: folded already) quantize, dequantize: one tensor
                q = quantizers.get(n.input[0])
                if q is None:
                    fail(n, "dequantizes a tensor no QuantizeLinear quantized")
                scale, zero = self.quantization(q)
                if self.quantization(n) != (scale, zero):
                    fail(n, "dequantizes with other parameters than its QuantizeLinear's")
                x = self.resolve(q.input[0])
                self.alias[n.output[0]] = x
                self.quant[x] = (scale, zero)
                continue
            if n.op_type in ("Identity", "Dropout"):
                if n.op_type == "Dropout" and len(n.output) > 1 and n.output[1]:
                    fail(n, "the dropout mask is used")
                training = self.constants.get(n.input[2]) if n.op_type == "Dropout" and len(n.input) > 2 else None
                ratio = self.constants.get(n.input[1]) if n.op_type == "Dropout" and len(n.input) > 1 else None
                if n.op_type == "Dropout" and len(n.input) > 2 and n.input[2] and (training is None or bool(training)) \
                        and (ratio is None or float(ratio) != 0):  # with ratio 0 it is the identity in training too
                    fail(n, "dropout in training mode (random): export the model in eval mode")
                src = self.resolve(n.input[0])
                if src in self.constants:
                    # torch.onnx shares equal initializers and names each use by an Identity: the state_dict name
                    self.constants[n.output[0]] = self.constants[src]
                else:
                    self.alias[n.output[0]] = src
                continue
            if n.op_type == "Split":
                self.nodes.extend(self.channel_slices(n, g))
                continue
            self.nodes.append(n)
        if self.element != "float":
            for n in self.nodes:
                mode = next((a.s.decode() for a in n.attribute if a.name == "mode"), "constant")
                if n.op_type not in INTEGER_OPS or (n.op_type == "Pad" and mode != "constant"):
                    fail(n, f"{n.op_type}{'' if n.op_type != 'Pad' else ' (' + mode + ')'} on {self.element[5:-2]} "
                            "tensors: integer networks take Add, Mul, Clip, Relu, constant padding and the moves "
                            "of elements (PyTorch's integer tensors have no pooling or other padding)")
        if self.output in quantizers:
            fail(quantizers[self.output], "the model's output is quantized (uint8): end the model with a "
                                          "DeQuantStub, so that its output is the float tensor ctnn's network gives")
        self.index()
        self.name_dequantized()
        for n in self.nodes:
            for o in n.output[:1]:
                s = self.shapes.get(o)
                if s is None or any(d is None for d in s):
                    fail(n, f"output '{o}' has a dynamic or unknown shape {s}")

    def quantization(self, n):
        """A QuantizeLinear's or DequantizeLinear's (scale, zero point) in ctnn's int8 terms (uint8's
        zero point minus 128), per tensor."""
        scale = self.constants.get(n.input[1]) if len(n.input) > 1 else None
        zero = self.constants.get(n.input[2]) if len(n.input) > 2 and n.input[2] else np.zeros((), np.uint8)
        if scale is None or zero is None:
            fail(n, "a scale or zero point computed at run time")
        if np.size(scale) != 1 or np.size(zero) != 1:
            fail(n, "an activation quantized per channel; ctnn's activations are quantized per tensor")
        if zero.dtype not in (np.uint8, np.int8):
            fail(n, f"{zero.dtype} activations; ctnn's int8 network takes int8 or uint8 (as int8, zero point - 128)")
        if not float(scale) > 0:
            fail(n, f"scale {float(scale)}")
        return float(np.float32(scale)), int(zero) - (128 if zero.dtype == np.uint8 else 0)

    def name_dequantized(self):
        """A quantized model's weights and biases as the module's state_dict names (torch names a node
        '/stem/stem.0/Conv'; its folded weight would be '/stem/stem.0/DequantizeLinear_1_output_0')."""
        for n in self.nodes:
            parts = (n.name or "").strip("/").split("/")
            if n.op_type not in ("Conv", "ConvTranspose", "Gemm", "MatMul") or len(parts) < 2:
                continue
            for index, suffix in ((1, "weight"), (2, "bias")):
                old = n.input[index] if index < len(n.input) else ""
                new = f"{parts[-2]}.{suffix}"
                if old in self.dequantized and new not in self.constants:
                    self.constants[new] = self.constants.pop(old)
                    self.dequantized[new] = self.dequantized.pop(old)
                    n.input[index] = new

    def channel_slices(self, n, g):
        """A Split along the channels as one slice per output, each reading the input (ShuffleNet's
        x.chunk(2, 1)): the branches of a concat block. Other splits stay for the operator check."""
        from onnx import helper
        rank = len(self.shapes.get(n.input[0]) or [])
        axis = _attr(n, "axis", 0)
        if rank == 0 or (axis + rank if axis < 0 else axis) != 1:
            return [n]
        first, slices = 0, []
        for o in n.output:
            count = (self.shapes.get(o) or [None, None])[1]
            if count is None:
                fail(n, f"output '{o}' has an unknown shape")
            slices.append(helper.make_node("ctnn_SliceChannels", [n.input[0]], [o], name=f"{n.name}:{o}",
                                           first=first, count=count))
            first += count
        return slices

    def index(self):
        self.producer = {}
        for n in self.nodes:
            for o in n.output:
                self.producer[o] = n
        self.consumers = {}
        for n in self.nodes:
            for i in self.data_inputs(n):
                self.consumers.setdefault(i, []).append(n)

    def resolve(self, name):
        while name in self.alias:
            name = self.alias[name]
        return name

    def data_inputs(self, n):
        return [self.resolve(i) for i in n.input if i and self.resolve(i) not in self.constants]

    def const(self, n, index, what):
        if index >= len(n.input) or not n.input[index]:
            return None
        name = n.input[index]
        if name not in self.constants:
            fail(n, f"{what} ('{name}') is computed at run time; ctnn needs it constant")
        return self.constants[name]

    def attr(self, n, name, default=None):
        return _attr(n, name, default)

    def text(self, n, name, default):
        """A string attribute (ONNX stores bytes)."""
        v = _attr(n, name, default)
        return v.decode() if isinstance(v, bytes) else v

    def sample_shape(self, tensor):
        return self.shapes[self.resolve(tensor)][1:]


# ---- layers -------------------------------------------------------------------------------------------

def vals(v):
    return ", ".join(str(int(x)) for x in v)


def ratio(value, node, what):
    """The float32 constant as a fraction of 64-bit integers that reads back as the same float32: the
    simplest one near it (1/5 for 0.2), else the exact binary fraction it is."""
    target = np.float32(value)
    if not np.isfinite(target):
        fail(node, f"{what} {value} is not finite")
    f = Fraction(float(target)).limit_denominator(1000000)
    if np.float32(float(f)) != target:
        f = Fraction(float(target))
    if abs(f.numerator) >= 2 ** 62 or f.denominator >= 2 ** 62:
        fail(node, f"{what} {value} does not fit a fraction of 64-bit integers")
    return f


def frac(f):
    return f"{f.numerator}, {f.denominator}"


class Layer:
    def __init__(self, cpp, tensors=()):
        self.cpp = cpp
        self.tensors = list(tensors)  # (state_dict name, array), in ctnn's order for the layer
        self.output = None  # the ONNX tensor after it, on the last layer of a node (chain)


class Block:
    def __init__(self, kind, branches):
        self.kind, self.branches = kind, branches  # kind: "residual" or "concat"; branches: lists of items
        self.output = None


def same_pads(node, in_spatial, k, s, d, mode):
    begin, end = [], []
    for n, kk, ss, dd in zip(in_spatial, k, s, d):
        out = -(-n // ss)
        total = max(0, (out - 1) * ss + (kk - 1) * dd + 1 - n)
        small, large = total // 2, total - total // 2
        begin.append(small if mode == "SAME_UPPER" else large)
        end.append(large if mode == "SAME_UPPER" else small)
    return begin, end


def window(g, n, rank, k):
    """stride, dilation, begin and end padding of a convolution or pooling node, auto_pad resolved."""
    s = g.attr(n, "strides", [1] * rank)  # ONNX: 1 when absent, for pooling too (PyTorch: the kernel)
    d = g.attr(n, "dilations", [1] * rank)
    pads = g.attr(n, "pads", [0] * (2 * rank))
    auto = g.text(n, "auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        begin, end = same_pads(n, g.sample_shape(n.input[0])[1:], k, s, d, auto)
    elif auto == "VALID":
        begin, end = [0] * rank, [0] * rank
    else:
        begin, end = list(pads[:rank]), list(pads[rank:])
    return s, d, begin, end


def pad_options(begin, end):
    if not any(begin) and not any(end):
        return []
    if begin == end:
        return [f"ctnn::pad<{vals(begin)}>"]
    return [f"ctnn::pad_begin<{vals(begin)}>", f"ctnn::pad_end<{vals(end)}>"]


def options(*groups):
    return "".join(", " + o for group in groups for o in group)


def convolution(g, n, family, out_channels, k, s, d, begin, end, output_padding=()):
    """conv / conv_transpose: the options PyTorch's defaults leave out, and the weight (and bias) tensors."""
    w, b = g.const(n, 1, "the weight"), g.const(n, 2, "the bias")
    group = g.attr(n, "group", 1)
    opts = [f"ctnn::kernel<{vals(k)}>"]
    if any(v != 1 for v in s):
        opts.append(f"ctnn::stride<{vals(s)}>")
    opts += pad_options(begin, end)
    if any(output_padding):
        opts.append(f"ctnn::output_padding<{vals(output_padding)}>")
    if any(v != 1 for v in d):
        opts.append(f"ctnn::dilation<{vals(d)}>")
    if group != 1:
        opts.append(f"ctnn::groups<{group}>")
    if b is None:
        opts.append("ctnn::no_bias")
    tensors = [(n.input[1], w)] + ([(n.input[2], b)] if b is not None else [])
    return Layer(f"ctnn::{family}{len(k)}d<{out_channels}{options(opts)}>", tensors)


def conv_layer(g, n):
    w = g.const(n, 1, "the weight")
    rank = w.ndim - 2
    if rank not in (1, 2, 3):
        fail(n, f"a {rank}-d convolution; ctnn has 1d, 2d and 3d")
    k = list(w.shape[2:])
    s, d, begin, end = window(g, n, rank, k)
    return convolution(g, n, "conv", w.shape[0], k, s, d, begin, end)


def conv_transpose_layer(g, n):
    """ConvTranspose; an output_shape attribute or SAME_UPPER / SAME_LOWER auto_pad resolved to explicit
    padding as ONNX defines it: total = s (i - 1) + a + d (k - 1) + 1 - o, split with the odd element at the
    end for SAME_UPPER and at the start otherwise; a negative total becomes output padding at the end."""
    w = g.const(n, 1, "the weight")
    rank = w.ndim - 2
    k, s = list(w.shape[2:]), list(g.attr(n, "strides", [1] * rank))
    d, a = list(g.attr(n, "dilations", [1] * rank)), list(g.attr(n, "output_padding", [0] * rank))
    auto = g.text(n, "auto_pad", "NOTSET")
    pads = list(g.attr(n, "pads", [0] * (2 * rank)))
    target = g.attr(n, "output_shape")
    if target is not None or auto in ("SAME_UPPER", "SAME_LOWER"):
        ins = g.sample_shape(n.input[0])[1:]
        target = list(target)[-rank:] if target is not None else [i * st for i, st in zip(ins, s)]
        pads = [0] * (2 * rank)
        for j in range(rank):
            total = s[j] * (ins[j] - 1) + a[j] + d[j] * (k[j] - 1) + 1 - target[j]
            if total < 0:  # a longer output than the kernel's reach: the extra positions at the end
                a[j] -= total
                total = 0
            small, large = total // 2, total - total // 2
            pads[j], pads[rank + j] = (small, large) if auto == "SAME_UPPER" else (large, small)
    elif auto not in ("NOTSET", "VALID"):
        fail(n, f"auto_pad {auto}")
    return convolution(g, n, "conv_transpose", w.shape[1] * g.attr(n, "group", 1), k, s, d, pads[:rank], pads[rank:], a)


def pool_layer(g, n, kind, with_indices=False):
    k = list(g.attr(n, "kernel_shape"))
    rank = len(k)
    s, d, begin, end = window(g, n, rank, k)
    if len(n.output) > 1 and n.output[1] and not with_indices:
        fail(n, "max pooling indices used other than by one MaxUnpool")
    if g.attr(n, "storage_order", 0) != 0:
        fail(n, "storage_order 1 (column major indices)")
    opts = [f"ctnn::kernel<{vals(k)}>", f"ctnn::stride<{vals(s)}>"]  # always written: the defaults differ
    padding_layer = None
    if any(b > kk // 2 or e > kk // 2 for b, e, kk in zip(begin, end, k)):
        # PyTorch's pools pad at most half the kernel; ONNX's may pad more. The padding then becomes a layer
        # of its own: zeros where they count in the average, the edge values for the maximum (a window
        # that reaches into the padding also holds the edge element it repeats, when not dilated).
        include_pad = kind == "avg" and g.attr(n, "count_include_pad", 0)
        if not (include_pad or (kind == "max" and all(v == 1 for v in d))) or g.attr(n, "ceil_mode", 0):
            fail(n, f"pooling padding {begin + end} beyond half the kernel {k}, which PyTorch's pools refuse")
        padding_layer = Layer(f"ctnn::{'zero_pad' if include_pad else 'replication_pad'}{rank}d<"
                              f"ctnn::pad_begin<{vals(begin)}>, ctnn::pad_end<{vals(end)}>>")
        begin, end = [0] * rank, [0] * rank
    opts += pad_options(begin, end)
    if any(v != 1 for v in d):
        if kind == "avg":
            fail(n, "dilated average pooling")
        opts.append(f"ctnn::dilation<{vals(d)}>")
    if g.attr(n, "ceil_mode", 0):
        opts.append("ctnn::ceil_mode")
    if kind == "avg" and not g.attr(n, "count_include_pad", 0) and (any(begin) or any(end)):
        opts.append("ctnn::exclude_pad")  # ONNX's default; PyTorch's is to count the padding
    pool = Layer(f"ctnn::{kind}_pool{rank}d<{', '.join(opts)}>")
    return pool if padding_layer is None else [padding_layer, pool]


def batch_norm_layer(g, n):
    if g.attr(n, "training_mode", 0):
        fail(n, "training_mode 1: export the model in eval mode")
    if len([o for o in n.output if o]) > 1:
        fail(n, "running statistics are outputs (training mode)")
    rank = len(g.sample_shape(n.input[0])) - 1
    eps = ratio(g.attr(n, "epsilon", 1e-5), n, "epsilon")
    opts = "" if eps == Fraction(1, 100000) else f"0, ctnn::eps_ratio<{eps.numerator}, {eps.denominator}>"
    names = ("the scale", "the bias", "the running mean", "the running variance")
    tensors = [(n.input[i], g.const(n, i, names[i - 1])) for i in range(1, 5)]
    return Layer(f"ctnn::batch_norm{max(rank, 1)}d<{opts}>", tensors)


def matmul_layer(g, n, bias_node=None):
    """x W (+ b): PyTorch's Linear on an input of rank > 2, or a hand-written matrix product."""
    w = g.const(n, 1, "the right-hand matrix")
    if w.ndim > 2:  # torch.matmul with a parameter: matmul_tensor, leading dims broadcast over the sample's
        rank = len(g.shapes[g.resolve(n.input[0])])
        if w.ndim > rank or (w.ndim == rank and w.shape[0] != 1):
            fail(n, f"a right-hand tensor of shape {list(w.shape)} that varies over the batch")
        w = w[0] if w.ndim == rank else w
        layer = Layer(f"ctnn::matmul_tensor<{', '.join(str(d) for d in w.shape)}>", [(n.input[1], np.ascontiguousarray(w))])
        if bias_node is None:
            return layer
        return [layer, constant_layer(g, bias_node)]  # the Add after it: add_tensor
    if w.ndim != 2:
        fail(n, f"a right-hand matrix of rank {w.ndim}")
    tensors = [(n.input[1], np.ascontiguousarray(w.T))]
    opts = []
    if bias_node is not None:
        b_index = 1 if g.resolve(bias_node.input[0]) == g.resolve(n.output[0]) else 0
        b = g.const(bias_node, b_index, "the bias")
        if b.size != w.shape[1] or b.shape[-1] != w.shape[1]:  # not one per output ([M, N]): added after
            no_bias = matmul_layer(g, n)
            return [no_bias, constant_layer(g, bias_node)]
        tensors.append((bias_node.input[b_index], b.reshape(w.shape[1])))
    else:
        opts.append("ctnn::no_bias")
    if len(g.sample_shape(n.input[0])) > 1:
        opts.append("ctnn::per_position")
    return Layer(f"ctnn::linear<{w.shape[1]}{options(opts)}>", tensors)


def gemm_layer(g, n):
    """alpha A B' + beta C as PyTorch's Linear: alpha and beta folded into the weight and the bias, a bias
    of one value or one per output ([N], [1, N], [1], []) spread over the outputs."""
    if g.attr(n, "transA", 0):
        fail(n, "transA: the batch would be A's second dim")
    alpha, beta = np.float32(g.attr(n, "alpha", 1.0)), np.float32(g.attr(n, "beta", 1.0))
    w = g.const(n, 1, "the weight")
    b = g.const(n, 2, "the bias")
    if not g.attr(n, "transB", 0):
        w = np.ascontiguousarray(w.T)
    if alpha != 1:
        w = (w * alpha).astype(np.float32)
    if b is not None:
        if b.size not in (1, w.shape[0]) or (b.ndim == 2 and b.shape[0] != 1) or b.ndim > 2:
            fail(n, f"bias of shape {list(b.shape)}; ctnn's linear has one per output")
        b = np.broadcast_to(b.reshape(-1), (w.shape[0],)).astype(np.float32) * beta
    tensors = [(n.input[1], w)] + ([(n.input[2], b)] if b is not None else [])
    return Layer(f"ctnn::linear<{w.shape[0]}{'' if b is not None else ', ctnn::no_bias'}>", tensors)


def clip_layer(g, n):
    lo = g.const(n, 1, "the minimum")
    hi = g.const(n, 2, "the maximum")
    lo = g.attr(n, "min", None) if lo is None else float(lo)
    hi = g.attr(n, "max", None) if hi is None else float(hi)
    if lo == 0.0 and hi == 6.0:
        return Layer("ctnn::relu6")
    if lo == 0.0 and hi is None:
        return Layer("ctnn::relu")
    if lo is None and hi is None:
        return None  # no bound: the identity
    if hi is None:
        return Layer(f"ctnn::clamp_min<{frac(ratio(lo, n, 'the minimum'))}>")
    if lo is None:
        return Layer(f"ctnn::clamp_max<{frac(ratio(hi, n, 'the maximum'))}>")
    a, b = ratio(lo, n, "the minimum"), ratio(hi, n, "the maximum")
    den = a.denominator * b.denominator // math.gcd(a.denominator, b.denominator)
    if den >= 2 ** 62 or max(abs(a * den), abs(b * den)) >= 2 ** 62:
        fail(n, f"Clip to [{lo}, {hi}]: the bounds do not fit fractions with one 64-bit denominator")
    return Layer(f"ctnn::clamp<{int(a * den)}, {int(b * den)}, {den}>")


def pad_layer(g, n):
    mode = g.text(n, "mode", "constant")
    pads = g.const(n, 1, "the pads")
    pads = list(g.attr(n, "pads", [])) if pads is None else [int(v) for v in pads]
    value = g.const(n, 2, "the fill value")
    value = 0.0 if value is None else float(value)
    r = len(pads) // 2
    begin, end = pads[:r], pads[r:]
    if begin[:2] != [0, 0] or end[:2] != [0, 0]:
        fail(n, "padding of the batch or channel dims")
    if any(v < 0 for v in pads):
        fail(n, "negative padding (a crop): declare ctnn::crop")
    begin, end, rank = begin[2:], end[2:], r - 2
    if not any(begin) and not any(end):
        return None  # exporters write a Pad of nothing before some pools: no layer
    name = {"constant": "zero_pad" if value == 0.0 else "constant_pad", "reflect": "reflection_pad",
            "edge": "replication_pad"}.get(mode)
    if name is None:
        fail(n, f"pad mode '{mode}'")
    opts = [f"ctnn::pad_begin<{vals(begin)}>", f"ctnn::pad_end<{vals(end)}>"]
    if name == "constant_pad":
        f = ratio(value, n, "the fill value")
        opts.append(f"ctnn::fill_value<{f.numerator}, {f.denominator}>")
    return Layer(f"ctnn::{name}{rank}d<{', '.join(opts)}>")


def resize_scales(g, n):
    """The scales the model gives (input 2 of Resize from opset 11, input 1 before and for Upsample, or
    opset 7's attribute), of the spatial dims; None when it gives sizes."""
    index = 2 if n.op_type == "Resize" and g.opset >= 11 else 1
    given = g.const(n, index, "the scales") if len(n.input) > index and n.input[index] else g.attr(n, "scales")
    if given is None or len(given) == 0:
        return None
    return [float(v) for v in list(given)[2:]]


def resize_layer(g, n):
    """Resize and Upsample as PyTorch's interpolate: nearest (asymmetric, floor), nearest-exact (half pixel,
    round half up), linear and cubic (A = -0.75, no exclude_outside) with half-pixel or align_corners
    coordinates. The model's scales become rational scales (the transform uses them, as PyTorch's with
    scale_factor), its sizes output_size (the transform uses in / out)."""
    mode = g.text(n, "mode", "nearest")
    # Upsample (opsets 7-9) has no coordinate mode: its nearest is PyTorch's, its linear asymmetric.
    ctm = g.text(n, "coordinate_transformation_mode", "asymmetric" if n.op_type == "Upsample" else "half_pixel")
    nearest = g.text(n, "nearest_mode", "floor" if n.op_type == "Upsample" else "round_prefer_floor")
    ins, outs = g.sample_shape(n.input[0]), g.sample_shape(n.output[0])
    rank = len(ins) - 1
    if ins[0] != outs[0]:
        fail(n, "resizing the channels")
    scales = resize_scales(g, n)
    if scales is None:
        opts = [f"ctnn::output_size<{vals(outs[1:])}>"]
    else:
        fractions = [ratio(v, n, "a scale") for v in scales]
        if any(f <= 0 for f in fractions):
            fail(n, f"scales {scales}")
        opts = [f"ctnn::scale_factor<{vals(f.numerator for f in fractions)}>"]
        if any(f.denominator != 1 for f in fractions):
            opts.append(f"ctnn::scale_den<{vals(f.denominator for f in fractions)}>")
    if mode == "nearest":
        if ctm == "asymmetric" and nearest == "floor":
            return Layer(f"ctnn::upsample_nearest{rank}d<{', '.join(opts)}>")
        if ctm in ("half_pixel", "pytorch_half_pixel") and nearest == "round_prefer_ceil":
            return Layer(f"ctnn::upsample_nearest_exact{rank}d<{', '.join(opts)}>")
        fail(n, f"nearest resize with {ctm} / {nearest}: PyTorch's are 'nearest' (asymmetric, floor) and "
                "'nearest-exact' (half_pixel, round_prefer_ceil)")
    if mode == "cubic":
        if rank != 2 or g.attr(n, "cubic_coeff_a", -0.75) != -0.75 or g.attr(n, "exclude_outside", 0):
            fail(n, "cubic resize other than PyTorch's bicubic (2d, A = -0.75, exclude_outside 0)")
        name = "bicubic2d"
    elif mode == "linear" and rank in (1, 2, 3):
        name = {1: "linear1d", 2: "bilinear2d", 3: "trilinear3d"}[rank]
    else:
        fail(n, f"resize mode '{mode}'")
    if ctm == "align_corners":
        if scales is not None and any(abs(i * sc - o) > 1e-6 for i, o, sc in zip(ins[1:], outs[1:], scales)):
            # ONNX then divides by the unrounded in x scale - 1; PyTorch by out - 1.
            fail(n, "align_corners with scales that give a fractional output length (ONNX's reference divides by "
                    "in x scale - 1, PyTorch by out - 1)")
        return Layer(f"ctnn::upsample_{name}<ctnn::output_size<{vals(outs[1:])}>, ctnn::align_corners>")
    if ctm == "half_pixel" or (ctm == "pytorch_half_pixel" and all(o > 1 for o in outs[1:])):
        return Layer(f"ctnn::upsample_{name}<{', '.join(opts)}>")
    fail(n, f"{mode} resize with {ctm} coordinates: PyTorch's are half_pixel and align_corners")


def slice_layer(g, n):
    """A slice of the spatial dims with step 1: a crop; of the channels: slice_channels."""
    ins, outs = g.sample_shape(n.input[0]), g.sample_shape(n.output[0])
    starts = g.const(n, 1, "the starts")  # the ends follow from the output's shape
    axes, steps = g.const(n, 3, "the axes"), g.const(n, 4, "the steps")
    if starts is None:  # opset 9 and older: attributes
        starts, axes = g.attr(n, "starts"), g.attr(n, "axes")
    rank = len(ins) + 1
    axes = list(range(len(starts))) if axes is None else [int(a) + rank if a < 0 else int(a) for a in axes]
    if steps is not None and any(int(v) < 1 for v in steps):
        fail(n, f"a slice with steps {[int(v) for v in steps]}: PyTorch's slicing, as ctnn's, takes positive steps")
    if steps is not None and any(int(v) != 1 for v in steps):
        fail(n, "a slice with a step other than 1")
    begin, end = [0] * (rank - 2), [0] * (rank - 2)
    channels = None
    for a, b in zip(axes, starts):
        if a < 1:
            fail(n, "a slice of the batch")
        extent = ins[a - 1]
        b = max(0, min(extent, int(b) + extent if b < 0 else int(b)))
        if a == 1:  # channels: x[:, first:first + count]
            channels = Layer(f"ctnn::slice_channels<{b}, {outs[0]}>")
        else:
            begin[a - 2] = b
    if rank == 2 or all(a == 1 for a in axes):
        return channels
    for a in range(2, rank):
        end[a - 2] = ins[a - 1] - begin[a - 2] - outs[a - 1]
    crop = Layer(f"ctnn::crop{rank - 2}d<ctnn::crop_begin<{vals(begin)}>, ctnn::crop_end<{vals(end)}>>")
    return crop if channels is None else [channels, crop]


def slice_channels_layer(g, n):
    return Layer(f"ctnn::slice_channels<{g.attr(n, 'first')}, {g.attr(n, 'count')}>")


def transpose_layer(g, n):
    perm = list(g.attr(n, "perm", []))
    if not perm or perm[0] != 0:
        fail(n, f"a transpose {perm} that moves the batch dim")
    return Layer(f"ctnn::permute<{vals(p - 1 for p in perm[1:])}>")


REDUCTIONS = {"ReduceMean": "mean", "ReduceSum": "sum", "ReduceMax": "max", "ReduceMin": "min"}


def reduce_layer(g, n):
    """ReduceMean/Sum/Max/Min over dims of the sample: reduce_<kind>[_keepdim]<dims>; the mean or max over
    every spatial dim is global pooling (which reads NHWC a pixel at a time), flattened without keepdims."""
    rank = len(g.shapes[g.resolve(n.input[0])])
    axes = g.attr(n, "axes")
    if axes is None:
        axes = g.const(n, 1, "the axes")
    keep = g.attr(n, "keepdims", 1)
    if axes is None or len(axes) == 0:
        if g.attr(n, "noop_with_empty_axes", 0):
            return Layer("ctnn::identity_layer")
        axes = range(rank)
    axes = sorted(int(a) + rank if a < 0 else int(a) for a in axes)
    if 0 in axes:
        fail(n, f"a reduction over dims {axes}, which takes in the batch")
    if len(axes) == rank - 1 and not keep:
        fail(n, f"a reduction over every dim of the sample without keepdims: a scalar per sample")
    kind = REDUCTIONS[n.op_type]
    if kind in ("mean", "max") and axes == list(range(2, rank)) and rank > 2:
        pool = Layer(f"ctnn::global_{'avg' if kind == 'mean' else 'max'}_pool")
        return pool if keep else [pool, Layer("ctnn::flatten")]
    return Layer(f"ctnn::reduce_{kind}{'_keepdim' if keep else ''}<{', '.join(str(a - 1) for a in axes)}>")


def layer_norm_layer(g, n):
    """LayerNormalization (opset 17) over the dims from `axis` on: layer_norm, or layer_norm_over<k>."""
    rank = len(g.shapes[g.resolve(n.input[0])])
    axis = g.attr(n, "axis", -1)
    dims = rank - (axis + rank if axis < 0 else axis)
    if dims < 1 or dims >= rank:
        fail(n, f"a layer norm over dims from {axis}, which takes in the batch")
    opts = norm_eps_options(g, n)
    tensors = [(n.input[1], g.const(n, 1, "the scale"))]
    bias = g.const(n, 2, "the bias")
    if bias is None:
        fail(n, "a scale without a bias (ctnn's affine layer norms have both)")
    tensors.append((n.input[2], bias))
    extent = g.sample_shape(n.input[0])[-1]
    if dims == 1:
        return Layer(f"ctnn::layer_norm<{extent}{''.join(', ' + o for o in opts)}>", tensors)
    return Layer(f"ctnn::layer_norm_over<{dims}{''.join(', ' + o for o in opts)}>", tensors)


def norm_eps_options(g, n):
    eps = ratio(g.attr(n, "epsilon", 1e-5), n, "epsilon")
    return [] if eps == Fraction(1, 100000) else [f"ctnn::eps_ratio<{frac(eps)}>"]


def instance_norm_layer(g, n):
    rank = len(g.sample_shape(n.input[0])) - 1
    if rank not in (1, 2, 3):
        fail(n, f"an instance norm of a {rank}-d input")
    opts = norm_eps_options(g, n) + ["ctnn::affine"]
    tensors = [(n.input[1], g.const(n, 1, "the scale")), (n.input[2], g.const(n, 2, "the bias"))]
    return Layer(f"ctnn::instance_norm{rank}d<{', '.join(opts)}>", tensors)


def constant_layer(g, n):
    """Add or Mul of the input and a constant broadcast over it: a product with one factor per channel
    ([C, 1, 1]) is ConvNeXt's layer_scale, any other add_tensor / multiply_tensor of the constant's dims
    (without the batch's, which must be 1)."""
    name = next(i for i in n.input if i in g.constants)
    value = g.constants[name]
    sample = g.sample_shape(n.output[0])
    if value.ndim > len(sample) + 1 or (value.ndim == len(sample) + 1 and value.shape[0] != 1):
        fail(n, f"a constant of shape {list(value.shape)} that varies over the batch")
    value = value.reshape(value.shape[1:]) if value.ndim == len(sample) + 1 else value
    if value.ndim == 0:
        value = value.reshape(1)
    aligned = [1] * (len(sample) - value.ndim) + list(value.shape)
    if n.op_type == "Mul" and aligned[0] == sample[0] and all(d == 1 for d in aligned[1:]) and len(sample) > 1:
        return Layer("ctnn::layer_scale", [(name, value.reshape(aligned))])
    layer = "add_tensor" if n.op_type == "Add" else "multiply_tensor"
    return Layer(f"ctnn::{layer}<{vals(value.shape)}>", [(name, np.ascontiguousarray(value, dtype=np.float32))])


def depth_to_space_layer(g, n):
    """CRD mode is PyTorch's PixelShuffle; DCR, ONNX's default, is depth_to_space."""
    name = "pixel_shuffle" if g.text(n, "mode", "DCR") == "CRD" else "depth_to_space"
    return Layer(f"ctnn::{name}<{g.attr(n, 'blocksize')}>")


def channel_norm_of(g, first):
    """torchvision's LayerNorm2d as exporters write it: Transpose to channels last, LayerNormalization over
    the last dim, Transpose back. Returns (the layer, the last Transpose) or None."""
    rank = len(g.shapes.get(g.resolve(first.input[0])) or [])
    if first.op_type != "Transpose" or rank < 3 or list(g.attr(first, "perm", [])) != [0] + list(range(2, rank)) + [1]:
        return None
    norm = g.consumers.get(g.resolve(first.output[0]), [])
    if len(norm) != 1 or norm[0].op_type != "LayerNormalization" or g.attr(norm[0], "axis", -1) not in (-1, rank - 1):
        return None
    back = g.consumers.get(g.resolve(norm[0].output[0]), [])
    if len(back) != 1 or back[0].op_type != "Transpose" or \
            list(g.attr(back[0], "perm", [])) != [0, rank - 1] + list(range(1, rank - 1)):
        return None
    layer = layer_norm_layer(g, norm[0])
    return Layer("ctnn::channel_layer_norm<" + ", ".join(norm_eps_options(g, norm[0])) + ">", layer.tensors), back[0]


def unpool_of(g, first):
    """SegNet's MaxPool whose indices one MaxUnpool reads, restoring the pooling's input size: the max_unpool
    block of the pooling and what lies between. Returns (the block, the MaxUnpool) or None."""
    if first.op_type != "MaxPool" or len(first.output) < 2 or not first.output[1]:
        return None
    readers = g.consumers.get(g.resolve(first.output[1]), [])
    if len(readers) != 1 or readers[0].op_type != "MaxUnpool" or g.resolve(readers[0].input[1]) != g.resolve(first.output[1]):
        fail(first, "max pooling indices used other than by one MaxUnpool")
    unpool = readers[0]
    if g.shapes[g.resolve(unpool.output[0])] != g.shapes[g.resolve(first.input[0])]:
        fail(unpool, "an unpooling to a size other than the pooling's input")
    pool = pool_layer(g, first, "max", with_indices=True)
    if isinstance(pool, list):
        fail(first, "a max pooling with indices padded beyond half its kernel")
    inner = chain(g, g.resolve(first.output[0]), g.resolve(unpool.input[0]))
    return Block("max_unpool", [[pool] + inner]), unpool


def shuffle_of(g, first):
    """ShuffleNet's channel shuffle as exporters write it: Reshape to [1, G, C/G, ...], Transpose of dims 1
    and 2, Reshape back. Returns (groups, the last Reshape) or None."""
    if first.op_type != "Reshape":
        return None
    ins, mid = g.sample_shape(first.input[0]), g.sample_shape(first.output[0])
    if len(mid) != len(ins) + 1 or mid[0] * mid[1] != ins[0] or mid[2:] != ins[1:]:
        return None
    after = g.consumers.get(g.resolve(first.output[0]), [])
    if len(after) != 1 or after[0].op_type != "Transpose":
        return None
    perm = list(g.attr(after[0], "perm", []))
    if perm != [0, 2, 1] + list(range(3, len(mid) + 1)):
        return None
    back = g.consumers.get(g.resolve(after[0].output[0]), [])
    if len(back) != 1 or back[0].op_type != "Reshape" or g.sample_shape(back[0].output[0]) != ins:
        return None
    return mid[0], back[0]


def softmax_layer(g, n):
    rank = len(g.shapes[g.resolve(n.input[0])])
    axis = g.attr(n, "axis", -1)
    axis = axis + rank if axis < 0 else axis
    if axis == 0:
        fail(n, "softmax over the batch")
    return Layer("ctnn::softmax" if axis == 1 else f"ctnn::softmax_dim<{axis - 1}>")


def reshape_layer(g, n):
    out = g.sample_shape(n.output[0])
    rank = len(g.shapes[g.resolve(n.input[0])])
    axis = g.attr(n, "axis", 1)
    if n.op_type == "Flatten" and (axis + rank if axis < 0 else axis) != 1:
        fail(n, "flatten from an axis other than 1")
    if len(out) == 1:
        return Layer("ctnn::flatten")
    return Layer(f"ctnn::reshape<{vals(out)}>")


def leaky_relu_layer(g, n):
    return Layer(f"ctnn::leaky_relu<{frac(ratio(g.attr(n, 'alpha', 0.01), n, 'alpha'))}>")


def elu_layer(g, n):
    alpha = ratio(g.attr(n, "alpha", 1.0), n, "alpha")
    return Layer("ctnn::elu<>" if alpha == 1 else f"ctnn::elu<{frac(alpha)}>")


def selu_layer(g, n):
    """ONNX's defaults are PyTorch's constants rounded to float32: PyTorch's SELU; others a scaled ELU."""
    alpha, gamma = np.float32(g.attr(n, "alpha", 1.67326319217681884765625)), np.float32(g.attr(n, "gamma", 1.05070102214813232421875))
    if alpha == np.float32(1.6732632423543772848170429916717) and gamma == np.float32(1.0507009873554804934193349852946):
        return Layer("ctnn::selu")
    return Layer(f"ctnn::elu<{frac(ratio(alpha, n, 'alpha'))}, {frac(ratio(gamma, n, 'gamma'))}>")


def celu_layer(g, n):
    alpha = ratio(g.attr(n, "alpha", 1.0), n, "alpha")
    return Layer("ctnn::celu<>" if alpha == 1 else f"ctnn::celu<{frac(alpha)}>")


def hardsigmoid_layer(g, n):
    alpha, beta = ratio(g.attr(n, "alpha", 0.2), n, "alpha"), ratio(g.attr(n, "beta", 0.5), n, "beta")
    if alpha == Fraction(1, 6) and beta == Fraction(1, 2):
        return Layer("ctnn::hardsigmoid")
    return Layer(f"ctnn::hardsigmoid_affine<{frac(alpha)}, {frac(beta)}>")


def log_softmax_layer(g, n):
    layer = softmax_layer(g, n)
    return Layer(layer.cpp.replace("ctnn::softmax", "ctnn::log_softmax"))


def prelu_layer(g, n):
    """PRelu with a constant slope: one value, or one per channel (broadcast as [C, 1, 1] or [1, C, 1, 1])."""
    slope = g.const(n, 1, "the slope")
    sample = g.sample_shape(n.input[0])
    if slope.size == 1:
        return Layer("ctnn::prelu<>", [(n.input[1], slope.reshape(1))])
    aligned = [1] * (len(sample) + 1 - slope.ndim) + list(slope.shape)  # broadcast from the right
    if len(aligned) != len(sample) + 1 or aligned[1] != sample[0] or any(d != 1 for i, d in enumerate(aligned) if i != 1):
        fail(n, f"a slope of shape {list(slope.shape)}: PyTorch's PReLU, as ctnn's, has one slope or one per channel")
    return Layer(f"ctnn::prelu<{sample[0]}>", [(n.input[1], slope.reshape(sample[0]))])


SIMPLE = {"Relu": "ctnn::relu", "Sigmoid": "ctnn::sigmoid", "Tanh": "ctnn::tanh_activation",
          "HardSwish": "ctnn::hardswish", "Softplus": "ctnn::softplus<>", "Mish": "ctnn::mish",
          "GlobalAveragePool": "ctnn::global_avg_pool",
          "GlobalMaxPool": "ctnn::global_max_pool"}
LAYERS = {
    "Conv": conv_layer, "ConvTranspose": conv_transpose_layer, "BatchNormalization": batch_norm_layer,
    "MaxPool": lambda g, n: pool_layer(g, n, "max"), "AveragePool": lambda g, n: pool_layer(g, n, "avg"),
    "Gemm": gemm_layer, "Clip": clip_layer, "Pad": pad_layer, "Resize": resize_layer, "Upsample": resize_layer,
    "Softmax": softmax_layer, "Slice": slice_layer, "Flatten": reshape_layer, "Reshape": reshape_layer, "LeakyRelu": leaky_relu_layer,
    "Elu": elu_layer, "Selu": selu_layer, "Celu": celu_layer, "HardSigmoid": hardsigmoid_layer,
    "LogSoftmax": log_softmax_layer, "PRelu": prelu_layer, "ctnn_SliceChannels": slice_channels_layer,
    "Transpose": transpose_layer, "DepthToSpace": depth_to_space_layer,
    "SpaceToDepth": lambda g, n: Layer(f"ctnn::space_to_depth<{g.attr(n, 'blocksize')}>"),
    "ReduceMean": reduce_layer, "ReduceSum": reduce_layer, "ReduceMax": reduce_layer,
    "ReduceMin": reduce_layer,
    "LayerNormalization": layer_norm_layer, "InstanceNormalization": instance_norm_layer, "Mul": constant_layer, "Add": constant_layer,
}


def concat_dim(g, n):
    """The sample dim a Concat joins along (0: the channels)."""
    rank = len(g.shapes[g.resolve(n.output[0])])
    axis = g.attr(n, "axis")
    axis = axis + rank if axis < 0 else axis
    if axis == 0:
        fail(n, "a concatenation over the batch")
    return axis - 1


def swap_with_channels(dim, rank):
    perm = list(range(rank))
    perm[0], perm[dim] = dim, 0
    return perm


def concat_items(g, n, branches, swapped=()):
    """ctnn's concat joins along the channels: along another dim d, the block sits between two permutes
    that swap d and the channels (each its own inverse), the last layer of every branch but those whose
    index is in `swapped` (constants written swapped already)."""
    dim = concat_dim(g, n)
    if dim == 0:
        return [Block("concat", branches)]
    perm = swap_with_channels(dim, len(g.sample_shape(n.output[0])))
    swap = f"ctnn::permute<{vals(perm)}>"
    return [Block("concat", [b if i in swapped else b + [Layer(swap)] for i, b in enumerate(branches)]), Layer(swap)]


def concat_constant_layer(g, n):
    """A Concat of the input and constants: each constant a constant_tensor branch (its batch dim, 1,
    dropped), the input the identity branch."""
    branches, constants = [], []
    dim = concat_dim(g, n)
    rank = len(g.sample_shape(n.output[0]))
    for name in n.input:
        if g.resolve(name) not in g.constants:
            branches.append([])
            continue
        constants.append(len(branches))
        value = g.constants[g.resolve(name)]
        if value.ndim != rank + 1 or value.shape[0] != 1:
            fail(n, f"a constant of shape {list(value.shape)} that varies over the batch")
        value = np.ascontiguousarray(value[0], dtype=np.float32)
        if dim != 0:  # concat_items swaps the other branches after them: the constant is written swapped
            value = np.ascontiguousarray(np.transpose(value, swap_with_channels(dim, rank)))
        branches.append([Layer(f"ctnn::constant_tensor<{vals(value.shape)}>", [(name, value)])])
    return concat_items(g, n, branches, constants)


def layer_of(g, n):
    if n.op_type in ("Add", "Concat", "Mul") and len(g.data_inputs(n)) > 1:
        fail(n, "a merge whose inputs do not branch from one tensor (ctnn's residual, multiply and concat blocks)")
    if n.op_type == "Concat":  # of the input and constants
        return concat_constant_layer(g, n)
    if n.op_type in SIMPLE:
        return Layer(SIMPLE[n.op_type])
    if n.op_type in LAYERS:
        return LAYERS[n.op_type](g, n)
    if n.op_type == "MaxUnpool":
        fail(n, "indices from elsewhere than a MaxPool of the network (ctnn's max_unpool pairs the two)")
    fail(n, "operator not supported by ctnn")


# ---- the branches: series-parallel decomposition into chains, residual, multiply and concat blocks --------------

def ancestors(g, tensor):
    """Tensors and nodes on the way to `tensor` (the tensor itself included)."""
    seen, stack = set(), [tensor]
    while stack:
        t = stack.pop()
        if t in seen:
            continue
        seen.add(t)
        p = g.producer.get(t)
        if p is not None:
            seen.add(id(p))
            stack.extend(g.data_inputs(p))
    return seen


def reaches(g, start, stop, without):
    seen, stack = set(), [start]
    while stack:
        t = stack.pop()
        if t == stop:
            return True
        if t in seen:
            continue
        seen.add(t)
        for c in g.consumers.get(t, []):
            if c is not without:
                stack.extend(c.output[:1])
    return False


def scalar_const(g, n):
    """The value of n's one constant scalar input, or None."""
    values = [g.constants[i] for i in n.input if i in g.constants]
    return float(values[0]) if len(values) == 1 and values[0].size == 1 else None


def gate_of(g, u, nexts):
    """Activations exporters write as x times a function of x: Mul(u, Sigmoid(u)) is SiLU,
    Mul(u, HardSigmoid(u)) hardswish, Mul(u, Tanh(Softplus(u))) mish, and Mul(Mul(u, Add(Erf(Div(u, sqrt 2)),
    1)), 0.5) GELU. Returns (the layer, the node whose output is the activation's) or None."""
    if len(nexts) != 2:
        return None
    for gate, mul in (nexts, reversed(nexts)):
        if mul.op_type != "Mul":
            continue
        path = [gate]  # single-consumer nodes from the gate to the Mul
        while len(path) < 4:
            after = g.consumers.get(g.resolve(path[-1].output[0]), [])
            if after == [mul]:
                break
            if len(after) != 1:
                path = None
                break
            path.append(after[0])
        if path is None or sorted(g.data_inputs(mul)) != sorted([u, g.resolve(path[-1].output[0])]):
            continue
        ops = tuple(n.op_type for n in path)
        if ops == ("Sigmoid",):
            return "ctnn::silu", mul
        if ops == ("Softplus", "Tanh"):
            return "ctnn::mish", mul
        if ops == ("HardSigmoid",) and abs(g.attr(gate, "alpha", 0.2) - 1 / 6) < 1e-6 and g.attr(gate, "beta", 0.5) == 0.5:
            return "ctnn::hardswish", mul
        if ops == ("Div", "Erf", "Add") and abs((scalar_const(g, path[0]) or 0) - math.sqrt(2)) < 1e-6 and \
                scalar_const(g, path[2]) == 1.0:
            half = g.consumers.get(g.resolve(mul.output[0]), [])
            if len(half) == 1 and half[0].op_type == "Mul" and scalar_const(g, half[0]) == 0.5:
                return "ctnn::gelu", half[0]
    return None


def written_out_layer_norm(g, u, nexts):
    """A layer norm as exporters before opset 17 write it: Sub(u, ReduceMean(u)) divided by
    Sqrt(Add(ReduceMean(Pow(Sub, 2)), eps)), over trailing axes, then Mul by the weight and Add of the bias
    (both or neither). Returns (the layer, the node whose output is the layer norm's) or None."""
    def only(t, op):
        after = g.consumers.get(g.resolve(t), [])
        return after[0] if len(after) == 1 and after[0].op_type == op else None

    mean = next((n for n in nexts if n.op_type == "ReduceMean"), None)
    sub = next((n for n in nexts if n.op_type == "Sub"), None)
    if len(nexts) != 2 or mean is None or sub is None or g.attr(mean, "keepdims", 1) != 1 or \
            [g.resolve(i) for i in sub.input] != [u, g.resolve(mean.output[0])]:
        return None
    rank = len(g.shapes[u])
    axes = sorted(a % rank for a in g.attr(mean, "axes", []))
    dims = len(axes)
    if dims < 1 or dims >= rank or axes != list(range(rank - dims, rank)):
        return None
    centred = g.resolve(sub.output[0])
    after = g.consumers.get(centred, [])
    power = next((n for n in after if n.op_type == "Pow"), None)
    div = next((n for n in after if n.op_type == "Div"), None)
    if len(after) != 2 or power is None or div is None or scalar_const(g, power) != 2.0:
        return None
    variance = only(power.output[0], "ReduceMean")
    if variance is None or sorted(a % rank for a in g.attr(variance, "axes", [])) != axes:
        return None
    add = only(variance.output[0], "Add")
    root = only(add.output[0], "Sqrt") if add is not None else None
    if root is None or only(root.output[0], "Div") is not div or g.resolve(div.input[0]) != centred:
        return None
    eps = ratio(scalar_const(g, add), add, "epsilon")
    opts = [] if eps == Fraction(1, 100000) else [f"ctnn::eps_ratio<{frac(eps)}>"]
    last, tensors = div, []
    scale = only(div.output[0], "Mul")
    shift = only(scale.output[0], "Add") if scale is not None else None
    if shift is not None and len(g.data_inputs(scale)) == 1 and len(g.data_inputs(shift)) == 1:
        for n in (scale, shift):
            name = next(i for i in n.input if g.resolve(i) in g.constants)
            tensors.append((name, g.constants[g.resolve(name)]))
        last = shift
    else:
        opts.append("ctnn::no_affine")
    extent = g.sample_shape(u)[-1]
    if dims == 1:
        return Layer(f"ctnn::layer_norm<{extent}{''.join(', ' + o for o in opts)}>", tensors), last
    return Layer(f"ctnn::layer_norm_over<{dims}{''.join(', ' + o for o in opts)}>", tensors), last


def chain(g, u, stop):
    """The items that compute `stop` from `u`; each step's last item knows the tensor it ends at (.output:
    a quantized model's quantization is looked up there)."""
    items = []
    region = ancestors(g, stop)
    order = {id(n): i for i, n in enumerate(g.nodes)}
    while u != stop:
        new, u = chain_step(g, u, stop, region, order)
        if new:
            new[-1].output = u
        items.extend(new)
    return items


def chain_step(g, u, stop, region, order):
    """The items of the next node(s) after `u` (or of the block that forks there), and the tensor after them."""
    nexts = [c for c in g.consumers.get(u, []) if id(c) in region]
    if not nexts:
        fail(g.producer.get(stop), f"'{stop}' does not follow from '{u}'")
    first = nexts[0]
    gated = gate_of(g, u, nexts)
    if gated is not None:  # x * sigmoid(x), x * hardsigmoid(x): one layer
        return [Layer(gated[0])], g.resolve(gated[1].output[0])
    norm = written_out_layer_norm(g, u, nexts)
    if norm is not None:  # ReduceMean, Sub, Pow, ..., Div, Mul, Add: one layer
        return [norm[0]], g.resolve(norm[1].output[0])
    if len(nexts) == 1 and len(g.data_inputs(first)) == 1:
        unpool = unpool_of(g, first)
        if unpool is not None:  # MaxPool ... MaxUnpool: one block
            return [unpool[0]], g.resolve(unpool[1].output[0])
        shuffle = shuffle_of(g, first)
        if shuffle is not None:  # Reshape, Transpose, Reshape: one layer
            return [Layer(f"ctnn::channel_shuffle<{shuffle[0]}>")], g.resolve(shuffle[1].output[0])
        channel_norm = channel_norm_of(g, first)
        if channel_norm is not None:  # Transpose, LayerNormalization, Transpose: one layer
            return [channel_norm[0]], g.resolve(channel_norm[1].output[0])
        if first.op_type == "MatMul":  # and the Add of a constant after it: the bias
            after = g.consumers.get(g.resolve(first.output[0]), [])
            bias = after[0] if len(after) == 1 and after[0].op_type == "Add" and len(g.data_inputs(after[0])) == 1 \
                and g.resolve(first.output[0]) != stop else None
            layer = matmul_layer(g, first, bias)
            return (layer if isinstance(layer, list) else [layer]), g.resolve((bias or first).output[0])
        layer = layer_of(g, first)  # None (nothing to do), a layer or a list of layers
        return ([] if layer is None else layer if isinstance(layer, list) else [layer]), g.resolve(first.output[0])
    # A fork: the first merge every path from u to stop goes through.
    merges = sorted({id(c): c for t in region if isinstance(t, str) for c in g.consumers.get(t, [])
                     if id(c) in region and len(g.data_inputs(c)) > 1}.values(), key=lambda c: order[id(c)])
    merge = next((m for m in merges if order[id(m)] >= order[id(first)] and not reaches(g, u, stop, m)), None)
    if merge is None:
        fail(first, f"the branches from '{u}' do not join in one Add, Mul or Concat")
    branches = [chain(g, u, t) for t in g.data_inputs(merge)]
    if merge.op_type == "Add":
        if len(branches) != 2:
            fail(merge, f"{len(branches)} inputs")
        if not branches[0]:  # ctnn: residual<Main, Shortcut>, the empty chain as the identity shortcut
            branches.reverse()
        block = Block("residual", branches)
    elif merge.op_type == "Mul":  # squeeze-and-excitation: the gate broadcast over the main branch
        if len(branches) != 2:
            fail(merge, f"{len(branches)} inputs")
        out = g.shapes[g.resolve(merge.output[0])]
        shapes = [g.shapes[g.resolve(t)] for t in g.data_inputs(merge)]
        if shapes[0] != out:
            branches.reverse()
            shapes.reverse()
        if shapes[0] != out or len(shapes[1]) != len(out):
            fail(merge, f"a product of shapes {shapes[0]} and {shapes[1]}: ctnn's multiply broadcasts the "
                        "second factor over the first, of the same rank")
        block = Block("multiply", branches)
    elif merge.op_type == "Concat":
        return concat_items(g, merge, branches), g.resolve(merge.output[0])
    else:
        fail(merge, "a merge of branches other than Add, Mul or Concat")
    return [block], g.resolve(merge.output[0])


def merge_concat_prefixes(g):
    """DenseNet concatenates [x0, x1, ..., xk] afresh in each layer; Concat(a1..ak) with a Concat of
    a1..ak-1 already computed becomes Concat(that, ak), which nests into concat blocks. A Concat of one
    tensor is that tensor."""
    by_inputs = {}
    for n in g.nodes:
        if n.op_type == "Concat":
            by_inputs.setdefault(tuple(g.data_inputs(n)), n)
    for n in sorted((n for n in g.nodes if n.op_type == "Concat"), key=lambda n: len(n.input)):
        inputs = g.data_inputs(n)
        if len(inputs) == 1 and len([i for i in n.input if i]) == 1:  # not with constants: concat_constant_layer
            g.alias[n.output[0]] = inputs[0]
            continue
        prefix = by_inputs.get(tuple(inputs[:-1]))
        if len(inputs) > 2 and prefix is not None and prefix is not n:
            del n.input[:]
            n.input.extend([prefix.output[0], inputs[-1]])
    g.nodes = [n for n in g.nodes if not (n.op_type == "Concat" and n.output[0] in g.alias)]
    g.index()


# ---- the header ------------------------------------------------------------------------------------

def cpp_string(text):
    """A C++ string literal of the name's UTF-8 bytes: quote and backslash escaped, other bytes outside
    printable ASCII as three-digit octal escapes (which, unlike hex ones, end by themselves)."""
    out = []
    for b in text.encode():
        c = chr(b)
        out.append("\\" + c if c in '"\\' else c if 32 <= b < 127 and c != "?" else f"\\{b:03o}")
    return '"' + "".join(out) + '"'


def cpp_of(items, indent):
    parts = []
    for item in items:
        if isinstance(item, Layer):
            parts.append(item.cpp)
        else:
            inner = indent + "    "
            branches = [("ctnn::chain<" + cpp_of(b, inner + "    ") + ">") if len(b) != 1 or isinstance(b[0], Block)
                        else b[0].cpp for b in item.branches]
            if item.kind == "residual" and item.branches[1] == []:
                branches = branches[:1]
            if item.kind == "max_unpool":  # the pooling and the layers after it, as the block's arguments
                parts.append(f"ctnn::max_unpool<\n{inner}" + cpp_of(item.branches[0], inner) + ">")
                continue
            parts.append(f"ctnn::{item.kind}<\n{inner}" + f",\n{inner}".join(branches) + ">")
    return f",\n{indent}".join(parts)


def tensors_of(items):
    for item in items:
        if isinstance(item, Layer):
            yield from item.tensors
        else:
            for b in item.branches:
                yield from tensors_of(b)


def export_torch(spec, input_shape):
    module_name, _, attr = spec.partition(":")
    model = getattr(importlib.import_module(module_name), attr)()
    return export_module(model, input_shape)


def explicit_same_padding(model):
    """torch 1.13 cannot export padding="same"; with odd windows it is the symmetric padding."""
    import copy
    from torch import nn
    model = copy.deepcopy(model)
    for name, m in model.named_modules():
        if isinstance(m, nn.modules.conv._ConvNd) and m.padding == "same":
            total = [d * (k - 1) for k, d in zip(m.kernel_size, m.dilation)]
            if any(t % 2 for t in total):
                raise ImportError_(f"module '{name}': padding='same' with an even window is asymmetric, which "
                                   "torch cannot export; pad explicitly before the convolution")
            m.padding = tuple(t // 2 for t in total)
            m._reversed_padding_repeated_twice = [p for p in reversed(m.padding) for _ in range(2)]
    return model


def export_module(model, input_shape):
    import onnx
    import torch
    model = explicit_same_padding(model).eval()
    f = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's advice on constant folding and tracing: about training
        # PRESERVE in eval mode keeps batch norm and the state_dict names (EVAL folds it into the conv).
        torch.onnx.export(model, torch.zeros(1, *input_shape), f, opset_version=17, do_constant_folding=True,
                          training=torch.onnx.TrainingMode.PRESERVE)
    return onnx.load_from_string(f.getvalue())


def import_model(model, name, source, layout="nhwc"):
    """The header text (without weights) and the parameter tensors [(name, array)] in ctnn's order."""
    g = Graph(model)
    merge_concat_prefixes(g)
    items = chain(g, g.input, g.resolve(g.output))
    tensors = list(tensors_of(items))
    names = [t[0] for t in tensors]
    repeated = sorted({x for x in names if names.count(x) > 1})
    if repeated:
        fail(None, f"tensor '{repeated[0]}' is used by two layers (shared weights)")
    in_shape = g.sample_shape(g.input)
    out_shape = g.sample_shape(g.resolve(g.output))
    with_layout = "::with<ctnn::nhwc>" if layout == "nhwc" else ""
    names_text = ",\n    ".join(cpp_string(x) for x in names)
    text = f"""// {name}: generated by tools/ctnn_import.py (version {VERSION}) from {source}, input {list(in_shape)}.
// Regenerate rather than edit. The parameters keep the model's state_dict names (ctnn::parameters_of).
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include <ctnn/ctnn.hpp>

namespace {name} {{
inline constexpr const char* source = "{source}";
inline constexpr const char* importer_version = "{VERSION}";

using network = ctnn::sequential<ctnn::input<{vals(in_shape)}>{with_layout},
    {cpp_of(items, "    ") if items else "ctnn::identity_layer"}>;
// The element type of its input, weights and output: network::weights_of<element>,
// ctnn::static_arena<network::weights_of<element>>, forward on spans of element.
using element = {g.element};

// The model's output shape, from ONNX: ctnn's shape rules must agree.
static_assert(network::output_shape == ctnn::shape{{{vals(out_shape)}}});

inline constexpr std::array<const char*, {len(names)}> parameter_names = {{
    {names_text}}};
}}  // namespace {name}

template <>
inline constexpr std::span<const char* const> ctnn::state_dict_names<{name}::network> = {name}::parameter_names;
"""
    if g.quant:  # quantized by torch.ao: the int8 network too
        text += torch_ao_text(name, *torch_ao_quantization(g, items))
    return text, tensors


# ---- a model quantized by torch.ao (QuantizeLinear / DequantizeLinear): its int8 network as it is ------

# ctnn's layers whose int8 output has its own quantization: activations by a table, and softmax
# (ctnn/plan/quantized.hpp); clamps (relu, relu6, hardtanh) keep their input's.
INT8_TABLES = {"ctnn::sigmoid", "ctnn::tanh_activation", "ctnn::hardswish", "ctnn::hardsigmoid", "ctnn::silu",
               "ctnn::gelu", "ctnn::elu", "ctnn::selu", "ctnn::celu", "ctnn::leaky_relu", "ctnn::softplus",
               "ctnn::mish", "ctnn::softmax", "ctnn::log_softmax"}
# ctnn's layers an int8 network computes in float (ctnn/plan/quantized.hpp): their output has its own
# quantization, and their parameters stay float (ctnn::quantized_from_layers' float_parameters).
INT8_IN_FLOAT = {"ctnn::layer_norm", "ctnn::layer_norm_over", "ctnn::channel_layer_norm", "ctnn::group_norm",
                 "ctnn::instance_norm1d", "ctnn::instance_norm2d", "ctnn::instance_norm3d", "ctnn::batch_norm1d",
                 "ctnn::batch_norm2d", "ctnn::batch_norm3d", "ctnn::prelu", "ctnn::layer_scale",
                 "ctnn::add_tensor", "ctnn::multiply_tensor"}
CLAMPS = ("Relu", "Clip")


def quantization_after(g, tensor, item):
    """The quantization of `tensor`, or of the first quantized tensor a chain of clamps after it reaches
    (torch.ao quantizes a convolution's output after its fused ReLU; ctnn's int8 kernels fuse the clamp)."""
    t = tensor
    while t not in g.quant:
        nexts = g.consumers.get(t, [])
        if len(nexts) != 1 or nexts[0].op_type not in CLAMPS:
            fail(g.producer.get(tensor), f"no QuantizeLinear after '{tensor}' ({item}): a quantized model "
                                         "quantizes every layer's output")
        t = g.resolve(nexts[0].output[0])
    return g.quant[t]


def layer_data(g, it, base, data):
    """A convolution's, transposed convolution's or linear layer's int8 weights as the model holds them, one
    scale per output channel, and its int32 biases, into data; its output quantization."""
    (w_name, w), *rest = it.tensors
    if w_name not in g.dequantized:
        fail(g.producer.get(it.output), f"the weight '{w_name}' is not quantized (no DequantizeLinear)")
    raw = np.asarray(g.dequantized[w_name][1], np.float32).reshape(-1)
    if base.startswith("ctnn::conv_transpose"):
        # [C_in, C_out/g, k...]: the scales along axis 1 (C_out/g of them, the same in every group) or one
        # for the tensor, made one per output channel.
        out_channels = g.sample_shape(it.output)[0]
        groups = out_channels // w.shape[1]
        if raw.size not in (1, w.shape[1], out_channels):
            fail(g.producer.get(it.output), f"the weight '{w_name}' has {raw.size} scales: not one per output channel")
        scales = np.resize(raw, out_channels).astype(np.float32)
        view, per = w.reshape(groups, w.shape[0] // groups, w.shape[1], -1), scales.reshape(groups, 1, w.shape[1], 1)
    else:
        out_channels = w.shape[0]
        scales = np.broadcast_to(raw, (out_channels,))
        view, per = w.reshape(out_channels, -1), scales[:, None]
    q = np.rint(view / per)
    if np.abs(q).max(initial=0) > 128 or not np.allclose(q * per, view, rtol=1e-5, atol=0):
        fail(g.producer.get(it.output), f"the weight '{w_name}' is not int8 times a scale per output channel")
    data["weights"] += np.clip(q, -128, 127).astype(np.int64).flatten().tolist()
    data["scales"] += scales.tolist()
    if rest:
        b_name, b = rest[0]
        if b_name not in g.dequantized or g.dequantized[b_name][0].dtype != np.int32:
            fail(g.producer.get(it.output), f"the bias '{b_name}' is not quantized to int32")
        data["biases"] += g.dequantized[b_name][0].astype(np.int64).flatten().tolist()
    else:
        data["biases"] += [0] * out_channels
    data["layers"].append(quantization_after(g, it.output, base))


def torch_ao_quantization(g, items):
    """The int8 network's data in ctnn's node order (ctnn::quantized_from_layers): the int8 weights, their
    scales and int32 biases of each convolution and linear layer as the model holds them, and the output
    quantization of each such layer, each add, concat or multiply, and each activation or layer computed
    in float with its own; those layers' float parameters."""
    data = {"weights": [], "scales": [], "biases": [], "layers": [], "merges": [], "tables": [], "floats": []}

    def walk(items):
        for it in items:
            if isinstance(it, Block):
                for b in it.branches:
                    walk(b)
                if it.kind in ("residual", "concat", "multiply"):
                    data["merges"].append(quantization_after(g, it.output, f"ctnn::{it.kind}"))
                elif it.kind != "chain":
                    fail(g.producer.get(it.output), f"a {it.kind} block has no int8 kernel in ctnn")
                continue
            base = it.cpp.split("<")[0]
            if base in ("ctnn::conv1d", "ctnn::conv2d", "ctnn::conv3d", "ctnn::linear", "ctnn::conv_transpose1d",
                        "ctnn::conv_transpose2d", "ctnn::conv_transpose3d"):
                layer_data(g, it, base, data)
            elif base in INT8_IN_FLOAT:
                if it.output not in g.quant:
                    fail(g.producer.get(it.output), f"no QuantizeLinear after '{it.output}' ({base})")
                data["tables"].append(g.quant[it.output])
                data["floats"] += [float(v) for _, t in it.tensors for v in np.asarray(t, np.float32).flatten()]
            elif base in INT8_TABLES:
                if it.output not in g.quant:
                    fail(g.producer.get(it.output), f"no QuantizeLinear after '{it.output}' ({base})")
                data["tables"].append(g.quant[it.output])

    walk(items)
    if g.input not in g.quant:
        fail(None, f"the input '{g.input}' is not quantized (no QuantizeLinear after it)")
    return g.quant[g.input], data


def torch_ao_text(name, input_quantization, data, variable="quantized_weights"):
    def f32(v):
        return repr(float(np.float32(v))) + "f"

    def quant(q):
        return f"{{{f32(q[0])}, {q[1]}}}"

    def array(kind, cpp_name, values, per_row):
        if not values:
            return f"inline constexpr std::span<const {kind}> {cpp_name}{{}};"
        rows = ",\n    ".join(", ".join(values[i:i + per_row]) for i in range(0, len(values), per_row))
        return f"inline constexpr {kind} {cpp_name}[{len(values)}] = {{\n    {rows}}};"

    return f"""
// The int8 network as PyTorch quantized it (torch.ao.quantization, exported with QuantizeLinear and
// DequantizeLinear): its int8 weights, scales and int32 biases, and every tensor's scale and zero point
// (uint8's zero point - 128), in ctnn's node order; the multipliers derived by the compiler
// (ctnn::quantized_from_layers). Use it as {name}::network::forward({name}::{variable}, x8, y8, arena8)
// with ctnn::static_arena<{name}::network::quantized> arena8 and x8 quantized as {variable}.input_quantization().
namespace {name} {{
namespace {variable}_data {{
{array("std::int8_t", "weights", [str(v) for v in data["weights"]], 32)}
{array("float", "weight_scales", [f32(v) for v in data["scales"]], 8)}
{array("std::int32_t", "biases", [str(v) for v in data["biases"]], 12)}
{array("ctnn::quantization", "layer_outputs", [quant(q) for q in data["layers"]], 4)}
{array("ctnn::quantization", "merge_outputs", [quant(q) for q in data["merges"]], 4)}
{array("ctnn::quantization", "activation_outputs", [quant(q) for q in data["tables"]], 4)}
{array("float", "float_parameters", [f32(v) for v in data["floats"]], 8)}
}}  // namespace {variable}_data
inline constexpr network::quantized {variable} = ctnn::quantized_from_layers<network>(
    ctnn::quantization{quant(input_quantization)}, {variable}_data::weights, {variable}_data::weight_scales,
    {variable}_data::biases, {variable}_data::layer_outputs, {variable}_data::merge_outputs,
    {variable}_data::activation_outputs, {variable}_data::float_parameters);
}}  // namespace {name}
"""


def safetensors_bytes(tensors, source=""):
    """The weights as a safetensors file, under their state_dict names, as float32."""
    return encode({name: ("F32", a.shape, np.ascontiguousarray(a, dtype="<f4").tobytes()) for name, a in tensors},
                  {"format": "pt", "source": source, "importer": f"ctnn_import {VERSION}"})


def pack_for_target(header_text, name, tensors, target):
    """The prepared weights as ctnn packs them for `target`: a host program built with the target's
    vector configuration loads the weights and prints prepare_into's result."""
    v, r, f = TARGETS[target]
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "model.hpp"), "w") as out:
            out.write(header_text)
        with open(os.path.join(tmp, "weights.safetensors"), "wb") as out:
            out.write(safetensors_bytes(tensors))
        with open(os.path.join(tmp, "pack.cpp"), "w") as out:
            out.write(f"""#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <vector>
#include "model.hpp"
#include <ctnn/io/safetensors.hpp>
int main(int, char** argv) {{
  std::ifstream in(argv[1], std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto w = std::make_unique<{name}::network::weights>();
  auto p = std::make_unique<{name}::network::prepared>();
  const auto r = ctnn::load_safetensors(*w, std::as_bytes(std::span(bytes.data(), bytes.size())));
  if (!r) {{ char text[512]; ctnn::format_error(r, text, sizeof text); std::fprintf(stderr, "%s\\n", text); return 1; }}
  ctnn::prepare_into(*w, *p);
  for (float x : p->values) std::printf("%af,\\n", static_cast<double>(x));
}}
""")
        exe = os.path.join(tmp, "pack")
        cmd = ["g++-12", "-std=c++20", "-O1", f"-I{REPO}/include", f"-I{tmp}", f"-DCTNN_VECTOR_BYTES={v}",
               f"-DCTNN_VECTOR_REGISTERS={r}", f"-DCTNN_FUSION_MAX_CHANNELS={f}", "-DCTNN_GNU_VECTORS=0",
               os.path.join(tmp, "pack.cpp"), "-o", exe]
        built = subprocess.run(cmd, capture_output=True, text=True)
        if built.returncode != 0:
            raise ImportError_("packing the weights: the network did not compile with ctnn:\n" + built.stderr[-4000:])
        ran = subprocess.run([exe, os.path.join(tmp, "weights.safetensors")], capture_output=True, text=True)
        if ran.returncode != 0:
            raise ImportError_("packing the weights: " + ran.stderr)
        return ran.stdout, (v, r, f)


def input_shape_of(model):
    """One sample's input shape (C, H, W ...) of an ONNX model."""
    g = Graph(model)
    return g.sample_shape(g.input)


def read_calibration(path, input_shape):
    """The calibration samples of an .npy file as float32 [N, *input_shape], or the reason it is not one."""
    try:
        a = np.load(path, allow_pickle=False)
    except Exception as e:  # noqa: BLE001 - numpy raises several kinds
        raise ImportError_(f"{path}: not a readable .npy file ({type(e).__name__}: {e})") from None
    want = tuple(int(v) for v in input_shape)
    if a.ndim != len(want) + 1 or tuple(a.shape[1:]) != want or a.shape[0] < 1:
        raise ImportError_(f"{path}: calibration samples must be [N, {', '.join(map(str, want))}] with N >= 1 "
                           f"(the model's input), not {list(a.shape)}")
    if a.dtype.kind != "f":
        raise ImportError_(f"{path}: calibration samples must be floating point, not {a.dtype}")
    a = np.ascontiguousarray(a, dtype="<f4")
    if not np.isfinite(a).all():
        raise ImportError_(f"{path}: calibration samples hold NaN or infinity")
    return a


def quantize_for_header(header_text, name, tensors, samples, source, percentile=None):
    """The int8 network's constant: a host program (tools/quantize_model.cpp) loads the weights and the
    samples, calibrates with ctnn/calibrate.hpp and prints net::quantized's fields."""
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "model.hpp"), "w") as out:
            out.write(header_text)
        with open(os.path.join(tmp, "weights.safetensors"), "wb") as out:
            out.write(safetensors_bytes(tensors))
        with open(os.path.join(tmp, "samples.f32"), "wb") as out:
            out.write(samples.tobytes())
        exe = os.path.join(tmp, "quantize")
        cmd = ["g++-12", "-std=c++20", "-O1", f"-I{REPO}/include", f"-I{tmp}", f"-DCTNN_MODEL={name}",
               os.path.join(REPO, "tools", "quantize_model.cpp"), "-o", exe]
        built = subprocess.run(cmd, capture_output=True, text=True)
        if built.returncode != 0:
            raise ImportError_("quantizing the network: it did not compile with ctnn in int8:\n" + built.stderr[-4000:])
        ran = subprocess.run([exe, os.path.join(tmp, "weights.safetensors"), os.path.join(tmp, "samples.f32")] +
                             ([repr(float(percentile))] if percentile is not None else []), capture_output=True, text=True)
        if ran.returncode != 0:
            raise ImportError_("quantizing the network: " + ran.stderr)
    return f"""
// The int8 network (ctnn/plan/quantized.hpp), calibrated by ctnn on the {samples.shape[0]} samples of {source}
// ({"min/max observers" if percentile is None else f"the {percentile} percentile of a histogram"} per tensor, weights per output channel, batch norms folded; ctnn/calibrate.hpp): a
// constant in read-only memory, the multipliers derived by the compiler. Use it as
// {name}::network::forward({name}::quantized_weights, x8, y8, arena8) with
// ctnn::static_arena<{name}::network::quantized> arena8 and x8 quantized as quantized_weights.input_quantization().
namespace {name} {{
inline constexpr network::quantized quantized_weights = ctnn::finish_quantization<network>(network::quantized{{
{ran.stdout}}});
}}  // namespace {name}
"""


def flash_text(name, values, config):
    v, r, f = config
    return f"""
// The prepared weights (packed for {v}-byte vectors, {r} registers, fusion up to {f} channels): a constant
// in read-only memory. Use them as {name}::network::forward({name}::prepared_weights, x, y, arena).
#if CTNN_VECTOR_BYTES != {v} || CTNN_VECTOR_REGISTERS != {r} || CTNN_FUSION_MAX_CHANNELS != {f}
#error "these prepared weights were packed for another vector configuration: re-run tools/ctnn_import.py --flash --target for this one"
#endif
namespace {name} {{
inline constexpr network::prepared prepared_weights = {{{{{{
{values}}}}}}};
}}  // namespace {name}
"""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model", help="an .onnx file, or module:callable returning a torch.nn.Module")
    ap.add_argument("--input-shape", help="C,H,W of one sample, for a PyTorch module")
    ap.add_argument("--name", help="the header's namespace (default: the model's file or callable name)")
    ap.add_argument("--header", required=True, help="the C++ header to write")
    ap.add_argument("--weights", help="also write the weights as a safetensors file for load_safetensors")
    ap.add_argument("--flash", action="store_true", help="put the prepared weights in the header as a constant")
    ap.add_argument("--target", default="sse2", choices=sorted(TARGETS), help="the vector configuration --flash packs for")
    ap.add_argument("--layout", default="nhwc", choices=("nhwc", "nchw"), help="activations' memory layout")
    ap.add_argument("--int8", metavar="SAMPLES.npy",
                    help="quantize for an int8 forward on these calibration samples; the result goes in the header")
    ap.add_argument("--int8-percentile", type=float, metavar="P",
                    help="with --int8: each tensor's range holds P%% of its calibration values (e.g. 99.99), not all")
    args = ap.parse_args(argv)
    try:
        if ":" in args.model and not os.path.exists(args.model):
            if not args.input_shape:
                raise ImportError_("a PyTorch module needs --input-shape C,H,W")
            shape = [int(x) for x in args.input_shape.split(",")]
            model = export_torch(args.model, shape)
            default_name = args.model.partition(":")[2]
        else:
            import onnx
            try:
                model = onnx.load(args.model)
            except Exception as e:  # noqa: BLE001
                raise ImportError_(f"{args.model}: not a readable ONNX model ({type(e).__name__}: {e})") from None
            default_name = os.path.splitext(os.path.basename(args.model))[0]
        name = args.name or "".join(c if c.isalnum() else "_" for c in default_name)
        header, tensors = import_model(model, name, os.path.basename(args.model), args.layout)
        if "using element = float;" not in header and (args.flash or args.int8):
            raise ImportError_("model: an integer network (its input is not float32): "
                               + ("--flash packs float weights" if args.flash else "--int8 quantizes float networks"))
        if args.flash:
            values, config = pack_for_target(header, name, tensors, args.target)
            header += flash_text(name, values, config)
        if args.int8 and "namespace quantized_weights_data" in header:
            raise ImportError_("model: quantized already (torch.ao's QuantizeLinear / DequantizeLinear), and its "
                               "quantization is in the header; --int8 would calibrate it again")
        if args.int8:
            samples = read_calibration(args.int8, input_shape_of(model))
            if args.int8_percentile is not None and not 50.0 < args.int8_percentile <= 100.0:
                raise ImportError_(f"--int8-percentile {args.int8_percentile}: a percentage above 50 and at most 100")
            header += quantize_for_header(header, name, tensors, samples, os.path.basename(args.int8),
                                          args.int8_percentile)
    except ImportError_ as e:
        print(f"ctnn_import: {e}", file=sys.stderr)
        return 1
    weights = safetensors_bytes(tensors, os.path.basename(args.model)) if args.weights else None
    write_atomically(args.header, header.encode())
    if args.weights:
        write_atomically(args.weights, weights)
    print(f"ctnn_import: wrote {args.header}" + (f" and {args.weights}" if args.weights else "") +
          f" ({sum(t[1].size for t in tensors)} parameters in {len(tensors)} tensors)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
