#!/usr/bin/env python3
"""Writes the whole-network workloads for bench/ctnn_bench: torchvision's ResNet-18 and MobileNetV2 with
seeded random weights (batch norm statistics included), in eval mode, as

    <dir>/<name>.pt            TorchScript (torch.jit.trace), for the libtorch peer
    <dir>/<name>.weights.bin   the state_dict's tensors in order, float32 (num_batches_tracked left out):
                               what ctnn's load_weights reads for examples/zoo's declaration
    <dir>/<name>.input.bin     one 3x224x224 input, NCHW, float32
    <dir>/<name>.output.bin    PyTorch's 1000 logits for it: the benchmark checks ctnn and libtorch against them

    /usr/bin/python3 bench/export_torchscript.py <dir>
"""
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
from write_atomically import write_atomically  # noqa: E402

NETWORKS = ["resnet18", "mobilenet_v2"]


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    for i, name in enumerate(NETWORKS):
        torch.manual_seed(100 + i)
        model = getattr(torchvision.models, name)().eval()
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.2, 0.2)
                    m.running_mean.uniform_(-0.2, 0.2)
                    m.running_var.uniform_(0.5, 1.5)
        x = torch.randn(1, 3, 224, 224)
        with torch.no_grad():
            y = model(x)
        flat = torch.cat([t.flatten() for k, t in model.state_dict().items() if not k.endswith("num_batches_tracked")])
        traced = torch.jit.trace(model, x)
        path = os.path.join(out, f"{name}.pt")
        traced.save(path + ".tmp")
        os.replace(path + ".tmp", path)
        for suffix, tensor in (("weights", flat), ("input", x), ("output", y)):
            write_atomically(os.path.join(out, f"{name}.{suffix}.bin"), tensor.detach().numpy().astype("<f4").tobytes())
        print(f"{name}: {flat.numel()} parameters and statistics, output[0] {y[0, 0].item():.6f}")


if __name__ == "__main__":
    main()
