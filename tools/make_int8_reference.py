#!/usr/bin/env python3
"""Writes tests/data/int8/reference.inc: int8 convolutions, transposed convolutions and linear layers
computed by PyTorch's quantized kernels (qnnpack engine), for tests/unit/int8_reference_test.cpp.

Run with Debian's python3-torch (PyTorch 1.13): `/usr/bin/python3 tools/make_int8_reference.py`.
Deterministic (seeded, one thread): two runs write byte-identical files.

PyTorch holds activations as quint8; ctnn as int8 with the same real values: q_int8 = q_uint8 - 128 and
zero point z - 128, which this script writes. Weights are qint8, symmetric per output channel (scale
max|w| / 127). Each case is one line:

  CTNN_INT8_CASE(id, (LAYER), (IN_SHAPE...), (GEOMETRY...), activation, x_scale, x_zero, (X...),
                 (W_SCALES...), (W...), (BIAS...), y_scale, y_zero, (Y...));

LAYER is a ctnn layer type (a convolution or transposed convolution on a C x H x W sample, or a linear
layer on a vector); GEOMETRY
is PyTorch's (kernel h, w, stride h, w, padding h, w, dilation h, w, groups, output C, H, W: a linear layer is a 1x1
convolution of a 1x1 map), for the test's own naive convolution; X and Y in
PyTorch's contiguous order of the one sample, int8; W int8 in PyTorch's order ([C_in, C_out/g, ...] for a
transposed convolution, its scales per output channel); BIAS float (the kernel's
int32 bias is round(b / (x_scale w_scale[c])), as PyTorch's); activation 0 none, 1 ReLU, 2 ReLU6, applied
by PyTorch's quantized relu on the output (ReLU6's upper bound by this script: see finish()). PyTorch
requantizes in float; ctnn in fixed point (gemmlowp): the test allows 1 LSB on at most 1% of the elements.

It also writes tests/data/int8/float_layers.inc: the layers an int8 network computes in float (the
normalizations, a batch norm on its own, PReLU, the layer scale, a tensor multiplied or added), each the
float function of the dequantized input, quantized. PyTorch's quantized LayerNorm, GroupNorm,
InstanceNorm2d, BatchNorm2d and PReLU (its slopes quantized, as PyTorch's module holds them: the file gives
their dequantized values); the layer scale and the tensor products, which have no quantized module, as
torch's float ops on the dequantized input, quantized by torch.quantize_per_tensor. Each case:

  CTNN_INT8_FLOAT_CASE(id, (LAYER), (C, H, W), x_scale, x_zero, (X...), (PARAMETERS...), y_scale, y_zero, (Y...));

X and Y in NCHW order, int8 (uint8 - 128); PARAMETERS float, in state_dict order.
"""
import os
import random
import sys

import torch
import torch.ao.nn.quantized.functional as qF

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "int8", "reference.inc")
FLOAT_OUT = os.path.join(os.path.dirname(OUT), "float_layers.inc")

# (id, ctnn layer, torch layer, C, H, W, activation)
CONV_CASES = [
    ("conv3x3_pad1", "conv2d<8, 3, pad<1>>", dict(out_channels=8, kernel_size=3, padding=1), 3, 9, 9, 0),
    ("conv3x3_pad1_relu", "conv2d<8, 3, pad<1>>", dict(out_channels=8, kernel_size=3, padding=1), 3, 9, 9, 1),
    ("conv5x5_stride2_relu6", "conv2d<6, 5, stride<2>, pad<2>>",
     dict(out_channels=6, kernel_size=5, stride=2, padding=2), 4, 11, 10, 2),
    ("conv3x3_relu6_saturating", "conv2d<8, 3, pad<1>>", dict(out_channels=8, kernel_size=3, padding=1), 8, 6, 6, 2),
    ("conv1x1_no_bias", "conv2d<16, 1, no_bias>", dict(out_channels=16, kernel_size=1, bias=False), 12, 5, 6, 0),
    ("conv_kernel_1x3_dilation2", "conv2d<5, kernel<1, 3>, dilation<2>, pad<0, 2>>",
     dict(out_channels=5, kernel_size=(1, 3), dilation=2, padding=(0, 2)), 3, 6, 8, 1),
    ("conv_groups2", "conv2d<8, 3, groups<2>, pad<1>>", dict(out_channels=8, kernel_size=3, groups=2, padding=1),
     6, 7, 7, 0),
    ("depthwise3x3_relu", "depthwise_conv2d<3, pad<1>>",
     dict(out_channels=10, kernel_size=3, groups=10, padding=1), 10, 8, 8, 1),
    ("depthwise3x3_stride2_multiplier2", "depthwise_conv2d<3, stride<2>, pad<1>, channel_multiplier<2>>",
     dict(out_channels=8, kernel_size=3, stride=2, groups=4, padding=1), 4, 9, 9, 0),
    ("conv_ds_cnn_stem", "conv2d<16, kernel<10, 4>, stride<2>, pad<5, 1>>",
     dict(out_channels=16, kernel_size=(10, 4), stride=2, padding=(5, 1)), 1, 49, 10, 1),
]
# Transposed convolutions, weights [C_in, C_out/g, k...] per output channel (axis 1; a grouped one per
# tensor: PyTorch's axis 1 has C_out/g scales, and qnnpack reads C_out). (id, ctnn layer, torch arguments, C, H, W, activation)
TRANSPOSED_CASES = [
    ("conv_transpose4x4_stride2", "conv_transpose2d<6, 4, stride<2>, pad<1>>",
     dict(out_channels=6, kernel_size=4, stride=2, padding=1), 5, 5, 6, 0),
    ("conv_transpose3x3_stride2_output_padding_relu", "conv_transpose2d<8, 3, stride<2>, pad<1>, output_padding<1>>",
     dict(out_channels=8, kernel_size=3, stride=2, padding=1, output_padding=1), 4, 6, 5, 1),
    ("conv_transpose_dilation2_no_bias", "conv_transpose2d<4, kernel<3, 2>, dilation<2>, no_bias>",
     dict(out_channels=4, kernel_size=(3, 2), dilation=2, bias=False), 3, 4, 4, 0),
    ("conv_transpose_groups2_relu6", "conv_transpose2d<6, 3, stride<2, 1>, groups<2>, pad<1>>",
     dict(out_channels=6, kernel_size=3, stride=(2, 1), groups=2, padding=1), 4, 5, 5, 2),
]
# (id, ctnn layer, in_features, out_features, bias, activation)
LINEAR_CASES = [
    ("linear_64_10", "linear<10>", 64, 10, True, 0),
    ("linear_120_84_relu", "linear<84>", 120, 84, True, 1),
    ("linear_33_7_no_bias", "linear<7, no_bias>", 33, 7, False, 0),
]


def ints(t):
    return ", ".join(str(int(v)) for v in t.flatten().tolist())


def floats(t):
    return ", ".join(repr(float(v)) + "f" for v in t.flatten().tolist()) or "0.f"


def f32(v):
    """A float32 literal that round-trips."""
    return repr(float(torch.tensor(v, dtype=torch.float32).item())) + "f"


def quantize_activation(x, rng):
    """Scale and zero point from x's range, as a min/max observer would (uint8, asymmetric)."""
    lo, hi = min(float(x.min()), 0.0), max(float(x.max()), 0.0)
    scale = float(torch.tensor((hi - lo) / 255.0, dtype=torch.float32))
    zero = int(round(-lo / scale))
    zero = max(0, min(255, zero + rng.randint(-2, 2)))  # not always the observer's exact value
    return scale, zero, torch.quantize_per_tensor(x, scale, zero, torch.quint8)


def quantize_weight(w):
    scales = (w.abs().amax(dim=tuple(range(1, w.dim()))) / 127.0).to(torch.float32).to(torch.float64)
    return scales, torch.quantize_per_channel(w, scales, torch.zeros(w.shape[0], dtype=torch.long), 0, torch.qint8)


def finish(qy, activation):
    if activation == 0:
        return qy
    qy = torch.relu(qy)
    if activation == 2:
        # PyTorch 1.13's quantized hardtanh / relu6 / clamp give wrong values on qnnpack's channels-last
        # output when 6 lies beyond the uint8 range (every value above the zero point becomes the zero
        # point), so the upper bound is applied here, on the integers: min(q, z + round(6 / s)).
        high = min(255, qy.q_zero_point() + round(6.0 / qy.q_scale()))
        qy = torch._make_per_tensor_quantized_tensor(qy.int_repr().clamp(max=high), qy.q_scale(), qy.q_zero_point())
    return qy


def line(case_id, layer, in_shape, geometry, activation, xs, xz, qx, ws, qw, bias, ys, yz, qy):
    return (f'CTNN_INT8_CASE("{case_id}", ({layer}), ({", ".join(map(str, in_shape))}), '
            f'({", ".join(map(str, geometry))}), {activation}, '
            f"{f32(xs)}, {xz - 128}, ({ints(qx.int_repr().to(torch.int32) - 128)}), "
            f"({', '.join(f32(s) for s in ws.tolist())}), ({ints(qw.int_repr())}), "
            f"({floats(bias) if bias is not None else '0.f'}), {f32(ys)}, {yz - 128}, "
            f"({ints(qy.int_repr().to(torch.int32) - 128)}));")


def output_quantization(y_float, rng):
    ys, yz, _ = quantize_activation(y_float, rng)
    return ys, yz


def float_layer_cases(rng):
    """(id, ctnn layer, (C, H, W), qx, parameters, qy) for the layers computed in float."""
    P = torch.nn.Parameter
    nnq = torch.ao.nn.quantized
    cases = []

    def add(case_id, layer, shape, float_module, quantized_module, parameters, spread=1.0):
        x = torch.randn(1, *shape) * spread + 0.3
        xs, xz, qx = quantize_activation(x, rng)
        ys, yz = output_quantization(float_module(qx.dequantize()).detach(), rng)
        qy = quantized_module(qx, ys, yz)
        cases.append((case_id, layer, shape, xs, xz, qx, [float(v) for p in parameters for v in p.flatten().tolist()],
                      ys, yz, qy))

    def affine(n):
        return torch.rand(n) + 0.5, torch.randn(n) * 0.5

    w, b = affine(6)
    add("layer_norm_last_dim", "layer_norm<6>", (4, 5, 6), lambda x: torch.nn.functional.layer_norm(x, [6], w, b),
        lambda qx, s, z: nnq.LayerNorm([6], P(w), P(b), s, z)(qx), [w, b])
    w, b = affine(30)
    add("layer_norm_last_two_dims", "layer_norm_over<2>", (3, 5, 6),
        lambda x: torch.nn.functional.layer_norm(x, [5, 6], w.view(5, 6), b.view(5, 6)),
        lambda qx, s, z: nnq.LayerNorm([5, 6], P(w.view(5, 6)), P(b.view(5, 6)), s, z)(qx), [w, b], spread=3.0)
    w, b = affine(8)
    add("channel_layer_norm", "channel_layer_norm<>", (8, 4, 5),
        lambda x: torch.nn.functional.layer_norm(x.permute(0, 2, 3, 1), [8], w, b).permute(0, 3, 1, 2),
        lambda qx, s, z: nnq.LayerNorm([8], P(w), P(b), s, z)(qx.permute(0, 2, 3, 1)).permute(0, 3, 1, 2), [w, b])
    w, b = affine(8)
    add("group_norm_2_groups", "group_norm<2>", (8, 5, 6), lambda x: torch.nn.functional.group_norm(x, 2, w, b),
        lambda qx, s, z: nnq.GroupNorm(2, 8, P(w), P(b), s, z)(qx), [w, b])
    w, b = affine(12)
    add("group_norm_eps_1e-3", "group_norm<4, eps_ratio<1, 1000>>", (12, 3, 4),
        lambda x: torch.nn.functional.group_norm(x, 4, w, b, eps=1e-3),
        lambda qx, s, z: nnq.GroupNorm(4, 12, P(w), P(b), s, z, eps=1e-3)(qx), [w, b], spread=0.05)
    w, b = affine(6)
    add("instance_norm_affine", "instance_norm2d<affine>", (6, 5, 5),
        lambda x: torch.nn.functional.instance_norm(x, weight=w, bias=b),
        lambda qx, s, z: nnq.InstanceNorm2d(6, P(w), P(b), s, z)(qx), [w, b])
    ones, zeros = torch.ones(5), torch.zeros(5)
    add("instance_norm", "instance_norm2d<>", (5, 4, 6), lambda x: torch.nn.functional.instance_norm(x),
        lambda qx, s, z: nnq.InstanceNorm2d(5, P(ones), P(zeros), s, z)(qx), [])
    w, b = affine(8)
    mean, var = torch.randn(8) * 0.3, torch.rand(8) + 0.5

    def quantized_batch_norm(qx, s, z):
        bn = nnq.BatchNorm2d(8)
        bn.weight, bn.bias, bn.running_mean, bn.running_var = P(w), P(b), mean, var
        bn.scale, bn.zero_point = torch.tensor(s), torch.tensor(z)
        return bn(qx)
    add("batch_norm_on_its_own", "batch_norm2d<8>", (8, 5, 6),
        lambda x: torch.nn.functional.batch_norm(x, mean, var, w, b), quantized_batch_norm, [w, b, mean, var])
    for case_id, layer, n in (("prelu_per_channel", "prelu<6>", 6), ("prelu_one_slope", "prelu<>", 1)):
        slopes = torch.quantize_per_tensor(torch.rand(n) * 0.5, 1.0 / 256, 0, torch.quint8)

        def quantized_prelu(qx, s, z, slopes=slopes, n=n):
            module = nnq.PReLU(s, z, n)
            module.set_weight(slopes)
            return module(qx)
        add(case_id, layer, (6, 4, 5),
            lambda x, slopes=slopes: torch.nn.functional.prelu(x, slopes.dequantize()), quantized_prelu,
            [slopes.dequantize()])

    def by_float(f):
        return lambda qx, s, z: torch.quantize_per_tensor(f(qx.dequantize()), s, z, torch.quint8)
    gamma = torch.randn(7) * 0.3
    add("layer_scale", "layer_scale", (7, 4, 3), lambda x: x * gamma.view(7, 1, 1),
        by_float(lambda x: x * gamma.view(7, 1, 1)), [gamma])
    t = torch.randn(4, 1)
    add("multiply_tensor_broadcast", "multiply_tensor<4, 1>", (3, 4, 5), lambda x: x * t, by_float(lambda x: x * t), [t])
    t = torch.randn(5)
    add("add_tensor_last_dim", "add_tensor<5>", (3, 4, 5), lambda x: x + t, by_float(lambda x: x + t), [t])
    return cases


def float_line(case_id, layer, shape, xs, xz, qx, parameters, ys, yz, qy):
    return (f'CTNN_INT8_FLOAT_CASE("{case_id}", ({layer}), ({", ".join(map(str, shape))}), '
            f"{f32(xs)}, {xz - 128}, ({ints(qx.int_repr().to(torch.int32) - 128)}), "
            f"({', '.join(f32(v) for v in parameters)}), {f32(ys)}, {yz - 128}, "
            f"({ints(qy.int_repr().to(torch.int32) - 128)}));")


def main():
    torch.backends.quantized.engine = "qnnpack"
    torch.set_num_threads(1)
    torch.manual_seed(2026)
    rng = random.Random(2026)
    lines = []
    for case_id, layer, kw, c, h, w, activation in CONV_CASES:
        conv = torch.nn.Conv2d(c, **kw)
        x = torch.randn(1, c, h, w) * (12.0 if "saturating" in case_id else 1.0)  # outputs past 6
        xs, xz, qx = quantize_activation(x, rng)
        ws, qw = quantize_weight(conv.weight.detach())
        bias = conv.bias.detach() if conv.bias is not None else None
        ys, yz = output_quantization(conv(qx.dequantize()).detach(), rng)
        qy = qF.conv2d(qx, qw, bias, stride=conv.stride, padding=conv.padding, dilation=conv.dilation,
                       groups=conv.groups, scale=ys, zero_point=yz)
        qy = finish(qy, activation)
        geometry = (*conv.kernel_size, *conv.stride, *conv.padding, *conv.dilation, conv.groups, *qy.shape[1:])
        lines.append(line(case_id, layer, (c, h, w), geometry, activation, xs, xz, qx, ws, qw, bias, ys, yz, qy))
    for case_id, layer, fin, fout, has_bias, activation in LINEAR_CASES:
        linear = torch.nn.Linear(fin, fout, bias=has_bias)
        x = torch.randn(1, fin)
        xs, xz, qx = quantize_activation(x, rng)
        ws, qw = quantize_weight(linear.weight.detach())
        bias = linear.bias.detach() if has_bias else None
        ys, yz = output_quantization(linear(qx.dequantize()).detach(), rng)
        qy = qF.linear(qx, qw, bias, scale=ys, zero_point=yz)
        qy = finish(qy, activation)
        lines.append(line(case_id, layer, (fin,), (1, 1, 1, 1, 0, 0, 1, 1, 1, fout, 1, 1), activation, xs, xz, qx, ws, qw, bias, ys, yz, qy))
    for case_id, layer, kw, c, h, w, activation in TRANSPOSED_CASES:
        conv = torch.nn.ConvTranspose2d(c, **kw)
        x = torch.randn(1, c, h, w)
        xs, xz, qx = quantize_activation(x, rng)
        weight = conv.weight.detach()
        if conv.groups == 1:
            scales = (weight.abs().amax(dim=(0, 2, 3)) / 127.0).to(torch.float32).to(torch.float64)
            qw = torch.quantize_per_channel(weight, scales, torch.zeros(weight.shape[1], dtype=torch.long), 1, torch.qint8)
        else:  # qnnpack reads C_out scales where axis 1 has C_out/g: one scale for the tensor
            scale = float((weight.abs().max() / 127.0).to(torch.float32))
            scales = torch.full((weight.shape[1] * conv.groups,), scale, dtype=torch.float64)
            qw = torch.quantize_per_tensor(weight, scale, 0, torch.qint8)
        bias = conv.bias.detach() if conv.bias is not None else None
        ys, yz = output_quantization(conv(qx.dequantize()).detach(), rng)
        module = torch.ao.nn.quantized.ConvTranspose2d(c, kw["out_channels"], conv.kernel_size, stride=conv.stride,
                                                       padding=conv.padding, output_padding=conv.output_padding,
                                                       groups=conv.groups, bias=bias is not None, dilation=conv.dilation)
        module.set_weight_bias(qw, bias)
        module.scale, module.zero_point = ys, yz
        qy = finish(module(qx), activation)
        geometry = (*conv.kernel_size, *conv.stride, *conv.padding, *conv.dilation, conv.groups, *qy.shape[1:])
        lines.append(line(case_id, layer, (c, h, w), geometry, activation, xs, xz, qx, scales, qw,
                          bias, ys, yz, qy))
    text = (f"// Generated by tools/make_int8_reference.py (PyTorch {torch.__version__}, qnnpack, seed 2026); "
            "do not edit.\n// See the script's docstring.\n" + "\n".join(lines) + "\n")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write(text)
    print(f"{OUT}: {len(lines)} cases")
    float_lines = [float_line(*case) for case in float_layer_cases(random.Random(2027))]
    with open(FLOAT_OUT, "w") as f:
        f.write(f"// Generated by tools/make_int8_reference.py (PyTorch {torch.__version__}, qnnpack, seed 2026); "
                "do not edit.\n// See the script's docstring.\n" + "\n".join(float_lines) + "\n")
    print(f"{FLOAT_OUT}: {len(float_lines)} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
