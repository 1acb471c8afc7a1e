#!/usr/bin/env python3
"""Writes tests/data/int8/networks.inc: whole networks quantized by PyTorch's eager-mode static
quantization (torch.ao.quantization, qnnpack engine), for tests/unit/int8_network_test.cpp.

Run with Debian's python3-torch (PyTorch 1.13): `/usr/bin/python3 tools/make_int8_network_reference.py`.
Deterministic (seeded, one thread): two runs write byte-identical files.

Each network is a torch module written in the order of its ctnn twin's nodes (a ctnn type, given here),
convolution or linear [+ batch norm] [+ ReLU] fused (fuse_modules, which folds the batch norm), weights observed per output channel (qint8,
symmetric; a transposed convolution's along axis 1, set by this script: PyTorch 1.13's eager mode observes
them per tensor only), activations per tensor (quint8 min/max observers), calibrated on `CALIBRATION` random
samples, then converted. Written per network, in a namespace of its own:

  net                     the ctnn type (NCHW)
  weights                 the float parameters in ctnn's (and the state_dict's) order, batch norms unfolded
  calibration, inputs     float samples, C x H x W each: the calibration set and the test inputs
  input_quantization      the quant stub's scale and zero point
  layer_weights           every convolution's and linear layer's int8 weights, in node order, PyTorch's order
  layer_weight_scales     their per-output-channel scales
  layer_biases            their int32 biases, round(b / (s_in s_w[c])) by torch.quantize_per_channel (0: no bias)
  layer_outputs           each such layer's output scale and zero point (its fused ReLU's)
  merge_outputs           each add's, concat's and multiply's (FloatFunctional) scale and zero point, in node order
  activation_outputs      each other activation's (sigmoid, tanh, hardswish, ..., softmax) scale and zero point
  expected                the quantized model's int8 output for each input, PyTorch's order
  traced_tensors, traced  the numbers (in ctnn's schedule) of the tensors the model's kernel calls write,
                          and their int8 values for each input (the model's `trace`)

PyTorch holds activations as quint8; ctnn as int8 with the same real values: q - 128, zero point z - 128,
which this script writes.
"""
import os
import sys

import torch
import torch.ao.nn.quantized as nnq
import torch.ao.quantization as tq
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "int8", "networks.inc")
CALIBRATION = 8
INPUTS = 4


class Cnn(nn.Module):
    """conv + relu, max pool, a residual block, relu, a concat of two branches, global pool, linear."""
    ctnn = ("ctnn::sequential<ctnn::input<3, 12, 12>, ctnn::conv2d<8, 3, ctnn::pad<1>>, ctnn::relu, "
            "ctnn::max_pool2d<2>, ctnn::residual<ctnn::chain<ctnn::conv2d<8, 3, ctnn::pad<1>>, ctnn::relu, "
            "ctnn::conv2d<8, 3, ctnn::pad<1>>>>, ctnn::relu, ctnn::concat<ctnn::chain<ctnn::conv2d<4, 1>, ctnn::relu>, "
            "ctnn::avg_pool2d<3, ctnn::stride<1>, ctnn::pad<1>>>, ctnn::global_avg_pool, ctnn::flatten, ctnn::linear<10>>")
    input_shape = (3, 12, 12)
    fuse = [["conv1", "relu1"], ["block_conv1", "block_relu"], ["branch_conv", "branch_relu"]]

    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.conv1, self.relu1 = nn.Conv2d(3, 8, 3, padding=1), nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.block_conv1, self.block_relu = nn.Conv2d(8, 8, 3, padding=1), nn.ReLU()
        self.block_conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.add = nn.quantized.FloatFunctional()
        self.branch_conv, self.branch_relu = nn.Conv2d(8, 4, 1), nn.ReLU()
        self.branch_pool = nn.AvgPool2d(3, stride=1, padding=1)
        self.cat = nn.quantized.FloatFunctional()
        self.head_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(12, 10)
        self.weighted = ["conv1", "block_conv1", "block_conv2", "branch_conv", "fc"]
        self.merges = ["add", "cat"]

    def forward(self, x):
        return self.trace(x)[15]

    def trace(self, x):
        """Every tensor a ctnn kernel call writes, by its number in ctnn's schedule (k + 1 for node k)."""
        t = {}
        t[2] = self.relu1(self.conv1(self.quant(x)))  # conv + relu fused: node 0 writes relu's tensor 2
        t[3] = self.pool(t[2])
        t[5] = self.block_relu(self.block_conv1(t[3]))
        t[6] = self.block_conv2(t[5])
        t[7] = self.add.add(t[6], t[3])
        t[8] = torch.relu(t[7])
        t[10] = self.branch_relu(self.branch_conv(t[8]))
        t[11] = self.branch_pool(t[8])
        t[12] = self.cat.cat([t[10], t[11]], 1)
        t[13] = self.head_pool(t[12])
        t[14] = torch.flatten(t[13], 1)
        t[15] = self.fc(t[14])
        return t


class Kws(nn.Module):
    """A keyword-spotting stem: strided conv, depthwise and pointwise, average pool, two linear layers."""
    ctnn = ("ctnn::sequential<ctnn::input<1, 20, 10>, ctnn::conv2d<8, ctnn::kernel<5, 3>, ctnn::stride<2>, "
            "ctnn::pad<2, 1>>, ctnn::relu, ctnn::depthwise_conv2d<3, ctnn::pad<1>>, ctnn::relu, ctnn::conv2d<12, 1>, "
            "ctnn::relu, ctnn::avg_pool2d<2>, ctnn::flatten, ctnn::linear<16>, ctnn::relu, ctnn::linear<4>>")
    input_shape = (1, 20, 10)
    fuse = [["stem", "stem_relu"], ["dw", "dw_relu"], ["pw", "pw_relu"], ["fc1", "fc1_relu"]]

    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.stem, self.stem_relu = nn.Conv2d(1, 8, (5, 3), stride=2, padding=(2, 1)), nn.ReLU()
        self.dw, self.dw_relu = nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.ReLU()
        self.pw, self.pw_relu = nn.Conv2d(8, 12, 1), nn.ReLU()
        self.pool = nn.AvgPool2d(2)
        self.fc1, self.fc1_relu = nn.Linear(12 * 5 * 2, 16), nn.ReLU()
        self.fc2 = nn.Linear(16, 4)
        self.weighted = ["stem", "dw", "pw", "fc1", "fc2"]
        self.merges = []

    def forward(self, x):
        return self.trace(x)[11]

    def trace(self, x):
        t = {}
        t[2] = self.stem_relu(self.stem(self.quant(x)))
        t[4] = self.dw_relu(self.dw(t[2]))
        t[6] = self.pw_relu(self.pw(t[4]))
        t[7] = self.pool(t[6])
        t[8] = torch.flatten(t[7], 1)
        t[10] = self.fc1_relu(self.fc1(t[8]))
        t[11] = self.fc2(t[10])
        return t


class Bn(nn.Module):
    """Batch norms folded: conv (no bias) + BN + ReLU, an inverted-residual block (depthwise + BN + ReLU,
    pointwise + BN, added to its input), global pool, linear."""
    ctnn = ("ctnn::sequential<ctnn::input<4, 10, 10>, ctnn::conv2d<8, 3, ctnn::pad<1>, ctnn::no_bias>, "
            "ctnn::batch_norm2d<>, ctnn::relu, ctnn::residual<ctnn::chain<ctnn::depthwise_conv2d<3, ctnn::pad<1>, "
            "ctnn::no_bias>, ctnn::batch_norm2d<>, ctnn::relu, ctnn::conv2d<8, 1, ctnn::no_bias>, ctnn::batch_norm2d<>>>, "
            "ctnn::global_avg_pool, ctnn::flatten, ctnn::linear<6>>")
    input_shape = (4, 10, 10)
    fuse = [["conv", "bn", "relu"], ["dw", "dw_bn", "dw_relu"], ["pw", "pw_bn"]]

    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.conv, self.bn, self.relu = nn.Conv2d(4, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU()
        self.dw, self.dw_bn, self.dw_relu = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), nn.BatchNorm2d(8), nn.ReLU()
        self.pw, self.pw_bn = nn.Conv2d(8, 8, 1, bias=False), nn.BatchNorm2d(8)
        self.add = nn.quantized.FloatFunctional()
        self.head_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 6)
        self.weighted = ["conv", "dw", "pw", "fc"]
        self.merges = ["add"]
        with torch.no_grad():
            for bn in (self.bn, self.dw_bn, self.pw_bn):
                bn.weight.uniform_(0.5, 1.5)
                bn.bias.normal_(0.0, 0.2)
                bn.running_mean.normal_(0.0, 0.2)
                bn.running_var.uniform_(0.5, 2.0)

    def forward(self, x):
        return self.trace(x)[max(self.trace_numbers)]

    trace_numbers = [3, 6, 8, 9, 10, 11, 12]

    def trace(self, x):
        t = {}
        t[3] = self.relu(self.bn(self.conv(self.quant(x))))  # conv + BN + ReLU: node 0 writes tensor 3
        t[6] = self.dw_relu(self.dw_bn(self.dw(t[3])))
        t[8] = self.pw_bn(self.pw(t[6]))
        t[9] = self.add.add(t[8], t[3])
        t[10] = self.head_pool(t[9])
        t[11] = torch.flatten(t[10], 1)
        t[12] = self.fc(t[11])
        return t


class Act(nn.Module):
    """Activations by table: hardswish and leaky ReLU and ELU (observed outputs), sigmoid and tanh (PyTorch's
    fixed output quantization); and softmax."""
    ctnn = ("ctnn::sequential<ctnn::input<3, 8, 8>, ctnn::conv2d<8, 3, ctnn::pad<1>>, ctnn::hardswish, "
            "ctnn::conv2d<8, 1>, ctnn::sigmoid, ctnn::conv2d<8, 3, ctnn::pad<1>>, ctnn::tanh_activation, "
            "ctnn::conv2d<6, 1>, ctnn::leaky_relu<1, 10>, ctnn::global_avg_pool, ctnn::flatten, ctnn::linear<4>, ctnn::elu<>, "
            "ctnn::linear<5>, ctnn::softmax>")
    input_shape = (3, 8, 8)
    fuse = []

    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.conv1, self.hardswish = nn.Conv2d(3, 8, 3, padding=1), nn.Hardswish()
        self.conv2 = nn.Conv2d(8, 8, 1)
        self.conv3 = nn.Conv2d(8, 8, 3, padding=1)
        self.conv4, self.leaky = nn.Conv2d(8, 6, 1), nn.LeakyReLU(0.1)
        self.head_pool = nn.AdaptiveAvgPool2d(1)
        self.fc, self.elu = nn.Linear(6, 4), nn.ELU()
        self.fc2, self.softmax = nn.Linear(4, 5), nn.Softmax(dim=1)
        self.weighted = ["conv1", "conv2", "conv3", "conv4", "fc", "fc2"]
        self.merges = []
        self.lookup_tensors = [2, 4, 6, 8, 12, 14]  # the other activations' outputs, in node order

    def forward(self, x):
        return self.trace(x)[14]

    def trace(self, x):
        t = {}
        t[1] = self.conv1(self.quant(x))
        t[2] = self.hardswish(t[1])
        t[3] = self.conv2(t[2])
        t[4] = torch.sigmoid(t[3])
        t[5] = self.conv3(t[4])
        t[6] = torch.tanh(t[5])
        t[7] = self.conv4(t[6])
        t[8] = self.leaky(t[7])
        t[9] = self.head_pool(t[8])
        t[10] = torch.flatten(t[9], 1)
        t[11] = self.fc(t[10])
        t[12] = self.elu(t[11])
        t[13] = self.fc2(t[12])
        t[14] = self.softmax(t[13])
        return t


class Deconv(nn.Module):
    """A decoder: conv + ReLU, a transposed convolution + BN (folded) that doubles H and W, and a transposed
    convolution with output padding (weights per output channel: axis 1 of [C_in, C_out, k, k]). No ReLU
    after them: PyTorch 1.13 fuses none into a transposed convolution, so its ReLU would keep the
    convolution's quantization where ctnn's calibration observes the ReLU's output (as a fused one's)."""
    ctnn = ("ctnn::sequential<ctnn::input<4, 5, 5>, ctnn::conv2d<8, 3, ctnn::pad<1>>, ctnn::relu, "
            "ctnn::conv_transpose2d<6, 4, ctnn::stride<2>, ctnn::pad<1>, ctnn::no_bias>, ctnn::batch_norm2d<>, "
            "ctnn::conv_transpose2d<3, 3, ctnn::stride<2>, ctnn::pad<1>, ctnn::output_padding<1>>>")
    input_shape = (4, 5, 5)
    fuse = [["conv", "relu"], ["up", "up_bn"]]
    transposed = ["up", "out"]
    calibration = 32  # with 8, a test input's first ReLU output lies 45% past the observed range

    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.conv, self.relu = nn.Conv2d(4, 8, 3, padding=1), nn.ReLU()
        self.up, self.up_bn = nn.ConvTranspose2d(8, 6, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(6)
        self.out = nn.ConvTranspose2d(6, 3, 3, stride=2, padding=1, output_padding=1)
        self.weighted = ["conv", "up", "out"]
        self.merges = []
        with torch.no_grad():
            self.up_bn.weight.uniform_(0.5, 1.5)
            self.up_bn.bias.normal_(0.0, 0.2)
            self.up_bn.running_mean.normal_(0.0, 0.2)
            self.up_bn.running_var.uniform_(0.5, 2.0)

    def forward(self, x):
        return self.trace(x)[5]

    def trace(self, x):
        t = {}
        t[2] = self.relu(self.conv(self.quant(x)))
        t[4] = self.up_bn(self.up(t[2]))
        t[5] = self.out(t[4])
        return t


class Moves(nn.Module):
    """The layers that move integers and keep their quantization: pixel shuffle, reflection padding,
    channel shuffle, nearest upsampling, zero padding, a channel slice, a permute; then global pool and
    linear."""
    ctnn = ("ctnn::sequential<ctnn::input<8, 6, 6>, ctnn::conv2d<8, 3, ctnn::pad<1>>, ctnn::relu, ctnn::pixel_shuffle<2>, "
            "ctnn::reflection_pad2d<ctnn::pad<1>>, ctnn::conv2d<8, 3>, ctnn::channel_shuffle<2>, ctnn::max_pool2d<2>, "
            "ctnn::upsample_nearest2d<ctnn::scale_factor<2>>, ctnn::zero_pad2d<ctnn::pad<1>>, ctnn::slice_channels<2, 4>, "
            "ctnn::permute<0, 2, 1>, ctnn::global_avg_pool, ctnn::flatten, ctnn::linear<5>>")
    input_shape = (8, 6, 6)
    fuse = [["conv1", "relu1"]]

    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.conv1, self.relu1 = nn.Conv2d(8, 8, 3, padding=1), nn.ReLU()
        self.shuffle_pixels, self.reflect = nn.PixelShuffle(2), nn.ReflectionPad2d(1)
        self.conv2 = nn.Conv2d(2, 8, 3)
        self.shuffle_channels, self.pool = nn.ChannelShuffle(2), nn.MaxPool2d(2)
        self.up, self.pad = nn.Upsample(scale_factor=2, mode="nearest"), nn.ZeroPad2d(1)
        self.head_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(4, 5)
        self.weighted = ["conv1", "conv2", "fc"]
        self.merges = []

    def forward(self, x):
        return self.trace(x)[14]

    def trace(self, x):
        t = {}
        t[2] = self.relu1(self.conv1(self.quant(x)))
        t[3] = self.shuffle_pixels(t[2])
        t[4] = self.reflect(t[3])
        t[5] = self.conv2(t[4])
        t[6] = self.shuffle_channels(t[5])
        t[7] = self.pool(t[6])
        t[8] = self.up(t[7])
        t[9] = self.pad(t[8])
        t[10] = t[9][:, 2:6]
        t[11] = t[10].permute(0, 1, 3, 2)
        t[12] = self.head_pool(t[11])
        t[13] = torch.flatten(t[12], 1)
        t[14] = self.fc(t[13])
        return t


class Se(nn.Module):
    """Squeeze-and-excitation as MobileNetV3's: the main path (a convolution: values of both signs) times a
    gate of global pooling, 1x1 convolution + ReLU, 1x1 convolution and hardsigmoid (FloatFunctional.mul:
    the product requantized)."""
    ctnn = ("ctnn::sequential<ctnn::input<6, 5, 5>, ctnn::conv2d<16, 3, ctnn::pad<1>>, "
            "ctnn::squeeze_excitation<16, 4, ctnn::relu, ctnn::hardsigmoid>, ctnn::conv2d<8, 1>, ctnn::global_avg_pool, "
            "ctnn::flatten, ctnn::linear<3>>")
    input_shape = (6, 5, 5)
    fuse = [["fc1", "fc1_relu"]]
    calibration = 32  # with 8, two test inputs' outputs lie past the observed range

    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.conv = nn.Conv2d(6, 16, 3, padding=1)
        self.se_pool = nn.AdaptiveAvgPool2d(1)
        self.fc1, self.fc1_relu = nn.Conv2d(16, 4, 1), nn.ReLU()
        self.fc2, self.gate = nn.Conv2d(4, 16, 1), nn.Hardsigmoid()
        self.mul = nn.quantized.FloatFunctional()
        self.project = nn.Conv2d(16, 8, 1)
        self.head_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 3)
        self.weighted = ["conv", "fc1", "fc2", "project", "fc"]
        self.merges = ["mul"]
        self.lookup_tensors = [6]

    def forward(self, x):
        return self.trace(x)[11]

    def trace(self, x):
        t = {}
        t[1] = self.conv(self.quant(x))
        t[2] = self.se_pool(t[1])  # the gate branch (the main branch is the block's input: no node)
        t[4] = self.fc1_relu(self.fc1(t[2]))
        t[5] = self.fc2(t[4])
        t[6] = self.gate(t[5])
        t[7] = self.mul.mul(t[1], t[6])
        t[8] = self.project(t[7])
        t[9] = self.head_pool(t[8])
        t[10] = torch.flatten(t[9], 1)
        t[11] = self.fc(t[10])
        return t


def floats(values):
    return ", ".join(repr(float(torch.tensor(v, dtype=torch.float32).item())) + "f" for v in values)


def ints(values):
    return ", ".join(str(int(v)) for v in values)


def quant(scale, zero):
    return f"{{{repr(float(scale))}f, {int(zero) - 128}}}"


def array(kind, name, body):
    return f"inline constexpr {kind} {name}[] = {{{body}}};\n"


def build(cls, seed):
    torch.manual_seed(seed)
    model = cls().eval()
    # Weights with a spread of scales per channel, biases not negligible.
    with torch.no_grad():
        for name in model.weighted:
            m = getattr(model, name)
            axis = 1 if name in getattr(cls, "transposed", []) else 0  # the output channels
            shape = [1] * m.weight.dim()
            shape[axis] = -1
            m.weight.mul_(torch.linspace(0.5, 2.0, m.weight.shape[axis]).view(shape))
            if m.bias is not None:
                m.bias.add_(0.1 * torch.randn_like(m.bias))
    flat = torch.cat([t.detach().flatten().to(torch.float32) for k, t in model.state_dict().items()
                      if not k.endswith("num_batches_tracked")])
    calibration_count = getattr(cls, "calibration", CALIBRATION)
    calibration = torch.randn(calibration_count, *cls.input_shape)
    inputs = torch.randn(INPUTS, *cls.input_shape)

    fused = tq.fuse_modules(model, cls.fuse) if cls.fuse else model
    fused.qconfig = tq.QConfig(
        activation=tq.MinMaxObserver.with_args(dtype=torch.quint8, qscheme=torch.per_tensor_affine),
        weight=tq.PerChannelMinMaxObserver.with_args(dtype=torch.qint8, qscheme=torch.per_channel_symmetric))
    # nn.Softmax is quantizable (nnq.Softmax: the float softmax of the dequantized input, requantized) but
    # not in PyTorch 1.13's default lists.
    from torch.ao.quantization.quantization_mappings import (get_default_qconfig_propagation_list,
                                                             get_default_static_quant_module_mappings)
    # PyTorch 1.13's eager mode observes a transposed convolution's weights per tensor only: prepared so,
    # then given the per-channel weights its observer would make along axis 1 (the output channels),
    # which the converted module's qnnpack kernel takes.
    for name in getattr(cls, "transposed", []):
        getattr(fused, name).qconfig = tq.QConfig(
            activation=fused.qconfig.activation,
            weight=tq.MinMaxObserver.with_args(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric))
    prepared = tq.prepare(fused, allow_list=set(get_default_qconfig_propagation_list()) | {nn.Softmax})
    with torch.no_grad():
        for sample in calibration:
            prepared(sample.unsqueeze(0))
    converted = tq.convert(prepared, mapping={**get_default_static_quant_module_mappings(), nn.Softmax: nnq.Softmax})
    for name in getattr(cls, "transposed", []):
        observer = tq.PerChannelMinMaxObserver(dtype=torch.qint8, qscheme=torch.per_channel_symmetric, ch_axis=1)
        w = getattr(fused, name).weight.detach()
        observer(w)
        scales, zeros = observer.calculate_qparams()
        module = getattr(converted, name)
        module.set_weight_bias(torch.quantize_per_channel(w, scales.to(torch.float64), zeros, 1, torch.qint8), module.bias())

    # Each weighted layer's input scale, from a hook on the converted module.
    input_scales = {}
    hooks = [getattr(converted, n).register_forward_pre_hook(
        lambda m, args, n=n: input_scales.__setitem__(n, args[0].q_scale())) for n in model.weighted]
    expected, traced = [], []
    with torch.no_grad():
        for sample in inputs:
            tensors = converted.trace(sample.unsqueeze(0))
            last = max(tensors)
            expected.append(tensors[last].int_repr().to(torch.int32).flatten() - 128)
            traced.append(tensors)
    for h in hooks:
        h.remove()

    stub = converted.quant
    weights, scales, biases, outputs = [], [], [], []
    for n in model.weighted:
        m = getattr(converted, n)
        w = m.weight()
        assert w.qscheme() == torch.per_channel_symmetric or w.qscheme() == torch.per_channel_affine
        s = w.q_per_channel_scales()
        assert w.q_per_channel_axis() == (1 if n in getattr(cls, "transposed", []) else 0)
        weights.append(w.int_repr().flatten())
        scales.append(s.to(torch.float32))
        b = m.bias()
        if b is None:
            biases.append(torch.zeros(s.shape[0], dtype=torch.int32))
        else:
            qb = torch.quantize_per_channel(b, (input_scales[n] * s).to(torch.float64),
                                            torch.zeros_like(s, dtype=torch.long), 0, torch.qint32)
            biases.append(qb.int_repr().flatten())
        outputs.append(quant(m.scale, m.zero_point))
    merges = [quant(getattr(converted, n).scale, getattr(converted, n).zero_point) for n in model.merges]
    # Each table activation's output quantization, from the traced tensors (sigmoid's and tanh's are
    # PyTorch's fixed ones).
    lookup_tensors = getattr(model, "lookup_tensors", [])
    lookups = [quant(traced[0][t].q_scale(), traced[0][t].q_zero_point()) for t in lookup_tensors]

    text = f"namespace int8_{cls.__name__.lower()} {{\nusing net = {cls.ctnn};\n"
    text += array("float", "weights", floats(flat.tolist()))
    text += f"inline constexpr int calibration_count = {calibration_count}, input_count = {INPUTS};\n"
    text += array("float", "calibration", floats(calibration.flatten().tolist()))
    text += array("float", "inputs", floats(inputs.flatten().tolist()))
    text += f"inline constexpr ctnn::quantization input_quantization{quant(stub.scale, stub.zero_point)};\n"
    text += array("std::int8_t", "layer_weights", ints(torch.cat(weights).tolist()))
    text += array("float", "layer_weight_scales", floats(torch.cat(scales).tolist()))
    text += array("std::int32_t", "layer_biases", ints(torch.cat(biases).tolist()))
    text += array("ctnn::quantization", "layer_outputs", ", ".join(outputs))
    text += array("ctnn::quantization", "merge_outputs", ", ".join(merges) or "{}")
    text += f"inline constexpr int merge_count = {len(merges)};\n"
    text += array("ctnn::quantization", "activation_outputs", ", ".join(lookups) or "{}")
    text += f"inline constexpr int activation_count = {len(lookups)};\n"
    text += array("std::int8_t", "expected", ints(torch.cat(expected).tolist()))
    # Every traced tensor of every input, input after input, each tensor in PyTorch's order.
    numbers = sorted(traced[0])
    text += array("int", "traced_tensors", ints(numbers))
    text += array("std::int8_t", "traced", ints(torch.cat([t[n].int_repr().to(torch.int32).flatten() - 128
                                                           for t in traced for n in numbers]).tolist()))
    text += f"}}  // namespace int8_{cls.__name__.lower()}\n"
    return text


def main():
    torch.backends.quantized.engine = "qnnpack"
    torch.set_num_threads(1)
    parts = [build(Cnn, 2026), build(Kws, 2027), build(Bn, 2028), build(Act, 2029), build(Deconv, 2030), build(Moves, 2031), build(Se, 2032)]
    text = (f"// Generated by tools/make_int8_network_reference.py (PyTorch {torch.__version__}, qnnpack); do not edit.\n"
            "// See the script's docstring.\n" + "".join(parts))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(text)
    print(f"{OUT}: {len(parts)} networks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
