#!/usr/bin/env python3
"""Writes embedded/expected_int8.hpp: the embedded examples' networks quantized by PyTorch, and PyTorch's
int8 outputs.

Run with Debian's python3-torch: `/usr/bin/python3 tools/make_embedded_int8_reference.py`. Deterministic.

The float networks, weights and inputs are embedded/models.hpp's (tools/make_embedded_reference.py builds
the same in torch). Each is quantized by PyTorch's eager-mode static quantization (torch.ao.quantization,
qnnpack): convolution or linear + ReLU fused, weights per output channel (qint8, symmetric), activations
per tensor (quint8, min/max observers), calibrated on CALIBRATION inputs made by models::make_input with
seeds 100, 101, ... Written per network, ctnn's int8 terms (q - 128, zero point - 128):

  input_quantization, layer_weights, layer_weight_scales, layer_biases, layer_outputs
      the quantized model, in ctnn's node order (ctnn::quantized_from_layers)
  output    PyTorch's int8 output on the example's own input (models::make_input with the model's seed)

DS-CNN's first convolution pads TensorFlow's SAME way (more after than before); here the float input is
padded before the quant stub, so that the padding is the quantized zero, as ctnn's int8 convolution
treats its padding.
"""
import math
import os
import sys

import torch
import torch.ao.quantization as tq
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_embedded_reference as ref  # noqa: E402
from write_atomically import write_atomically  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "embedded", "expected_int8.hpp")
CALIBRATION = 8


class PadTfSame(nn.Module):
    """The padding of ref.TfSameConv2d, on the float input."""

    def __init__(self, kernel, stride):
        super().__init__()
        self.kernel, self.stride = kernel, stride

    def forward(self, x):
        pads = []
        for i, k, s in reversed(list(zip(x.shape[2:], self.kernel, self.stride))):
            need = max(0, (math.ceil(i / s) - 1) * s + (k - 1) + 1 - i)
            pads += [need // 2, need - need // 2]
        return F.pad(x, pads)


def quantizable(make, seed):
    """The float model with its example's weights, as a Sequential eager mode can quantize: a quant stub
    first (after DS-CNN's padding), the weighted layers and their fused ReLUs by index."""
    model, chw = make()
    model = model.eval()
    ref.make_weights(model, seed)
    layers = list(model.children())
    pre = []
    if isinstance(layers[0], ref.TfSameConv2d):
        stem = layers[0]
        conv = nn.Conv2d(stem.in_channels, stem.out_channels, stem.kernel_size, stride=stem.stride)
        conv.load_state_dict(stem.state_dict())
        pre = [PadTfSame(stem.kernel_size, stem.stride)]
        layers[0] = conv
    flat = []
    for m in layers:  # DS-CNN's blocks are Sequentials of their own: flattened, in order
        flat += list(m.children()) if isinstance(m, nn.Sequential) else [m]
    for i, m in enumerate(flat):
        if isinstance(m, nn.Conv2d) and m.padding == "same":
            same = nn.Conv2d(m.in_channels, m.out_channels, m.kernel_size, padding=m.kernel_size[0] // 2, groups=m.groups)
            same.load_state_dict(m.state_dict())
            flat[i] = same
    body = nn.Sequential(tq.QuantStub(), *flat)
    fuse = [[str(i), str(i + 1)] for i in range(1, len(body) - 1)
            if isinstance(body[i], (nn.Conv2d, nn.Linear)) and isinstance(body[i + 1], nn.ReLU)]
    weighted = [i for i in range(len(body)) if isinstance(body[i], (nn.Conv2d, nn.Linear))]
    return nn.Sequential(*pre, body).eval(), fuse, weighted, chw


def quantize(make, seed):
    model, fuse, weighted, chw = quantizable(make, seed)
    body = model[-1]
    tq.fuse_modules(body, fuse, inplace=True)
    body.qconfig = tq.QConfig(
        activation=tq.MinMaxObserver.with_args(dtype=torch.quint8, qscheme=torch.per_tensor_affine),
        weight=tq.PerChannelMinMaxObserver.with_args(dtype=torch.qint8, qscheme=torch.per_channel_symmetric))
    tq.prepare(body, inplace=True)
    with torch.no_grad():
        for s in range(CALIBRATION):
            model(ref.make_input(100 + s, chw).float())
    tq.convert(body, inplace=True)
    input_scales = {}
    for i in weighted:
        body[i].register_forward_pre_hook(lambda m, args, i=i: input_scales.__setitem__(i, args[0].q_scale()))
    with torch.no_grad():
        y = model(ref.make_input(seed, chw).float())
    weights, scales, biases, outputs = [], [], [], []
    for i in weighted:
        m = body[i]
        w = m.weight()
        s = w.q_per_channel_scales()
        weights += w.int_repr().flatten().tolist()
        scales += s.to(torch.float32).tolist()
        qb = torch.quantize_per_channel(m.bias(), (input_scales[i] * s).to(torch.float64),
                                        torch.zeros_like(s, dtype=torch.long), 0, torch.qint32)
        biases += qb.int_repr().flatten().tolist()
        outputs.append((m.scale, m.zero_point))
    return {"input": (body[0].scale.item(), body[0].zero_point.item()), "weights": weights, "scales": scales,
            "biases": biases, "outputs": outputs, "y": (y.int_repr().to(torch.int32).flatten() - 128).tolist()}


def f32(v):
    return repr(float(torch.tensor(v, dtype=torch.float32).item())) + "f"


def quant(scale, zero):
    return f"{{{f32(scale)}, {int(zero) - 128}}}"


def rows(values, per_row=24):
    return ",\n    ".join(", ".join(values[i:i + per_row]) for i in range(0, len(values), per_row))


def main():
    torch.backends.quantized.engine = "qnnpack"
    torch.set_num_threads(1)
    lines = [
        "// embedded/expected_int8.hpp: embedded/models.hpp's networks quantized by PyTorch %s (torch.ao," % torch.__version__,
        "// qnnpack), and PyTorch's int8 output on each example's input. Written by",
        "// tools/make_embedded_int8_reference.py (see there): /usr/bin/python3 tools/make_embedded_int8_reference.py",
        "#pragma once",
        "",
        "#include <cstdint>",
        "",
        "#include <ctnn/core/quantization.hpp>",
        "",
        "// Each network's data, as members: the examples (models.hpp) derive from these.",
        "namespace expected_int8 {",
        "",
    ]
    for name, make, seed in [("lenet", ref.lenet5, ref.LENET_SEED), ("ds_cnn", ref.ds_cnn, ref.DS_CNN_SEED)]:
        r = quantize(make, seed)
        lines += [
            f"struct {name} {{",
            f"  static constexpr ctnn::quantization input_quantization{quant(*r['input'])};",
            f"  static constexpr std::int8_t layer_weights[{len(r['weights'])}] = {{\n      " +
            rows([str(v) for v in r["weights"]]).replace("\n    ", "\n      ") + "};",
            f"  static constexpr float layer_weight_scales[{len(r['scales'])}] = {{\n      " +
            rows([f32(v) for v in r["scales"]], 6).replace("\n    ", "\n      ") + "};",
            f"  static constexpr std::int32_t layer_biases[{len(r['biases'])}] = {{\n      " +
            rows([str(v) for v in r["biases"]], 12).replace("\n    ", "\n      ") + "};",
            f"  static constexpr ctnn::quantization layer_outputs[{len(r['outputs'])}] = {{" +
            ", ".join(quant(*o) for o in r["outputs"]) + "};",
            f"  static constexpr std::int8_t output[{len(r['y'])}] = {{{', '.join(map(str, r['y']))}}};",
            f"}};",
            "",
        ]
        print(f"{name}: {len(r['weights'])} int8 weights, output {r['y']}", file=sys.stderr)
    lines.append("}  // namespace expected_int8")
    write_atomically(OUT, "\n".join(lines) + "\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
