#!/usr/bin/env python3
"""Writes tests/data/safetensors/small_net.safetensors and small_net_output.inc: a small PyTorch model
with seeded weights and non-trivial batch norm statistics, saved as PyTorch users save it, and its output
on a fixed input, for tests/unit/safetensors_test.cpp (the net declared there as `net`).

    /usr/bin/python3 tools/make_safetensors_sample.py
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from write_safetensors import save  # noqa: E402
from write_atomically import write_atomically  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "data", "safetensors")


def main():
    torch.manual_seed(11)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                                torch.nn.Flatten(), torch.nn.Linear(4 * 6 * 6, 5))
    with torch.no_grad():
        model[1].weight.uniform_(0.5, 1.5)
        model[1].bias.uniform_(-0.5, 0.5)
        model[1].running_mean.uniform_(-0.3, 0.3)
        model[1].running_var.uniform_(0.5, 2.0)
    model.eval()
    x = torch.arange(3 * 8 * 8, dtype=torch.float32).reshape(1, 3, 8, 8) / 97.0 - 0.9  # the test's input
    y = model.double()(x.double()).float().reshape(-1)
    model.float()
    save(model.state_dict(), os.path.join(OUT, "small_net.safetensors"))
    text = ("// Written by tools/make_safetensors_sample.py: PyTorch's output for small_net.safetensors.\n"
            "{" + ", ".join(f"{v:.9g}f" for v in y.tolist()) + "}\n")
    write_atomically(os.path.join(OUT, "small_net_output.inc"), text)


if __name__ == "__main__":
    main()
