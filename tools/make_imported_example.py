#!/usr/bin/python3
"""Writes embedded/imported_lenet.hpp: the examples' LeNet-5 built in PyTorch with seeded random
weights, imported by tools/ctnn_import.py with its prepared weights for the Cortex-M4 and M7 (--flash
--target cortex-m4), plus one input and PyTorch's output for it, which the board test compares against.

  /usr/bin/python3 tools/make_imported_example.py
"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ctnn_import  # noqa: E402
import make_zoo_reference as zoo  # noqa: E402
from write_atomically import write_atomically  # noqa: E402


def floats(values):
    return ",\n".join(", ".join(f"{float(v).hex()}f" for v in values[i:i + 6]) for i in range(0, len(values), 6))


def main():
    torch.manual_seed(2026)
    model, shape = zoo.lenet5()
    model = model.eval()
    x = torch.rand(1, *shape, generator=torch.Generator().manual_seed(5)) * 2 - 1
    with torch.no_grad():
        y = model(x)
    name = "imported_lenet"
    header, tensors = ctnn_import.import_model(ctnn_import.export_module(model, shape), name,
                                               "examples/zoo: lenet5 (tools/make_imported_example.py)")
    values, config = ctnn_import.pack_for_target(header, name, tensors, "cortex-m4")
    header += ctnn_import.flash_text(name, values, config)
    header += f"""
// One input (NCHW, as PyTorch takes it) and PyTorch's output for it.
namespace {name} {{
inline constexpr float input_nchw[{x.numel()}] = {{
{floats(x.flatten().tolist())}}};
inline constexpr float expected[{y.numel()}] = {{
{floats(y.flatten().tolist())}}};
}}  // namespace {name}
"""
    path = os.path.join(os.path.dirname(HERE), "embedded", "imported_lenet.hpp")
    write_atomically(path, header.encode())
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
