#!/usr/bin/env python3
"""Writes embedded/expected.hpp: PyTorch's outputs for the networks the embedded examples run.

Run with Debian's python3-torch: `/usr/bin/python3 tools/make_embedded_reference.py`.
Needs the standard library and torch only; deterministic, so two runs write byte-identical files.

embedded/models.hpp runs examples/zoo/lenet5.hpp and examples/zoo/ds_cnn.hpp relayouted to NHWC, with
made-up weights and inputs from a linear congruential generator. This script does the same without
ctnn:
  numbers:  state = state * 1664525 + 1013904223 mod 2^32, value = scale * (float32(state >> 8) / 2^23 - 1),
            exact in float32 (and in float64) because scale is a power of two.
  weights:  one generator per network, seeded with the model's seed (lenet 1, ds_cnn 2), filling each
            tensor of the state_dict in order (ctnn::parameters_of lists the same tensors in the same order,
            weights in PyTorch's layout, OIHW and [out, in], whatever the activations' layout), scale 1/16
            for a tensor of more than 64 elements, else 1/2.
  input:    a fresh generator with the same seed, scale 1, input_size values in the network's layout: NHWC
            for one sample, i.e. (H, W, C), transposed here to torch's (C, H, W).
Shapes stay channel-first in ctnn under NHWC, and flatten numbers the elements in PyTorch's
channel-first order (ctnn/kernels/reshape.hpp moves them), so the torch models are the zoo's networks as
declared, layer for layer (the module names are ctnn's parameter names).

The output written is torch's result in float64 from the float32 weights and input, rounded to float32;
the float32 run must agree with it within 1e-6 of max(1, |y|) (a check on this script, not on ctnn).
The file is written to a temporary name and renamed, so a failure leaves the old one in place.
"""
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_numeric_reference import literal  # noqa: E402  (the shortest round-trip float32 literal)
from write_atomically import write_atomically  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "embedded", "expected.hpp")
LENET_SEED, DS_CNN_SEED = 1, 2  # embedded/models.hpp: lenet_seed, ds_cnn_seed
FLOAT32_CHECK = 1e-6


# ---------------------------------------------------------------------------------------------------
# models::numbers, models::make_weights, models::make_input

def _f32(v):
    return struct.unpack("<f", struct.pack("<f", v))[0]


class Numbers:
    """models::numbers: the same LCG, the same float32 values."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFF

    def next(self, scale):
        self.state = (self.state * 1664525 + 1013904223) & 0xFFFFFFFF
        v = scale * ((self.state >> 8) / 8388608.0 - 1.0)  # every step exact: a float32 value
        assert _f32(v) == v
        return v


def make_weights(model, seed):
    """Fills every state_dict tensor in order, as models::make_weights fills parameters_of<Net>."""
    gen = Numbers(seed)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            assert not name.endswith("num_batches_tracked")
            scale = 1.0 / (16 if t.numel() > 64 else 2)
            t.copy_(torch.tensor([gen.next(scale) for _ in range(t.numel())], dtype=torch.float64).view(t.shape))


def make_input(seed, chw):
    """models::make_input: the sample in NHWC order (H, W, C), returned as (1, C, H, W)."""
    c, h, w = chw
    gen = Numbers(seed)
    hwc = torch.tensor([gen.next(1.0) for _ in range(c * h * w)], dtype=torch.float64).view(h, w, c)
    return hwc.permute(2, 0, 1).unsqueeze(0).contiguous()


# ---------------------------------------------------------------------------------------------------
# the networks, as examples/zoo declares them

def lenet5():
    """zoo::lenet5: input<1, 32, 32>, conv2d<6, 5>, relu, max_pool2d<2>, conv2d<16, 5>, relu, max_pool2d<2>,
    flatten, linear<120>, relu, linear<84>, relu, linear<10>."""
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84),
                         nn.ReLU(), nn.Linear(84, 10)), (1, 32, 32)


class TfSameConv2d(nn.Conv2d):
    """conv2d with pad_tf_same (ctnn/shapes/window.hpp): o = ceil(i / s), padding
    (o - 1) s + d (k - 1) + 1 - i (at least 0), the odd element after. One module, so that the names of
    the parameters stay ctnn's."""

    def forward(self, x):
        pads = []
        for i, k, s, d in reversed(list(zip(x.shape[2:], self.kernel_size, self.stride, self.dilation))):
            need = max(0, (math.ceil(i / s) - 1) * s + d * (k - 1) + 1 - i)
            pads += [need // 2, need - need // 2]
        return super().forward(F.pad(x, pads))


def ds_cnn():
    """zoo::ds_cnn: input<1, 49, 10>, conv2d<64, kernel<10, 4>, stride<2>, pad_tf_same>, relu,
    4 x chain<depthwise_conv2d<3, pad_same>, relu, conv2d<64, 1>, relu>, global_avg_pool, flatten, linear<12>."""
    def block():
        return nn.Sequential(nn.Conv2d(64, 64, 3, padding="same", groups=64), nn.ReLU(), nn.Conv2d(64, 64, 1),
                             nn.ReLU())

    return nn.Sequential(TfSameConv2d(1, 64, (10, 4), stride=2), nn.ReLU(), block(), block(), block(), block(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 12)), (1, 49, 10)


# ---------------------------------------------------------------------------------------------------

def outputs(make, seed):
    model, chw = make()
    model = model.double().eval()
    make_weights(model, seed)
    x = make_input(seed, chw)
    with torch.no_grad():
        y64 = model(x).reshape(-1)
        y32 = model.float()(x.float()).reshape(-1).double()
    want = [_f32(v) for v in y64.tolist()]
    worst = max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(y32.tolist(), y64.tolist()))
    if worst > FLOAT32_CHECK:
        sys.exit(f"{make.__name__}: the float32 run is {worst:g} from the float64 one")
    print(f"{make.__name__}: {len(want)} outputs, float32 run within {worst:.3g} of float64", file=sys.stderr)
    return want


def main():
    torch.set_num_threads(1)
    lines = [
        "// embedded/expected.hpp: the outputs of the embedded examples (embedded/models.hpp's networks,",
        "// weights and inputs), computed by PyTorch %s in float64 and rounded to float32. Written by" % torch.__version__,
        "// tools/make_embedded_reference.py: /usr/bin/python3 tools/make_embedded_reference.py",
        "// The boards compare their results with these, and tests/unit/embedded_pytorch_test.cpp the host's.",
        "#pragma once",
        "",
        "namespace expected {",
    ]
    for name, make, seed in [("lenet", lenet5, LENET_SEED), ("ds_cnn", ds_cnn, DS_CNN_SEED)]:
        values = outputs(make, seed)
        lines.append(f"inline constexpr float {name}[{len(values)}] = {{{', '.join(map(literal, values))}}};")
    lines.append("}  // namespace expected")
    write_atomically(OUT, "\n".join(lines) + "\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
