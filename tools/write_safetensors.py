#!/usr/bin/env python3
"""Writes a .safetensors file from a PyTorch state_dict without the safetensors package.

    python3 tools/write_safetensors.py torchvision.models:resnet18 resnet18.safetensors
    from write_safetensors import save; save(model.state_dict(), "model.safetensors")

`module:factory` is called with no arguments (random weights). encode() needs no torch.
"""
import importlib
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from write_atomically import write_atomically  # noqa: E402

DTYPES = {"float32": "F32", "float16": "F16", "bfloat16": "BF16", "float64": "F64", "int64": "I64",
          "int32": "I32", "int16": "I16", "int8": "I8", "uint8": "U8", "bool": "BOOL"}


def encode(tensors, metadata=None):
    """tensors: {name: (dtype, shape, little-endian bytes)} -> the file's bytes, data in the given order."""
    header, offset = {}, 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, (dtype, shape, data) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # safetensors pads the header to 8 bytes
    return struct.pack("<Q", len(text)) + text + b"".join(t[2] for t in tensors.values())


def save(state_dict, path, metadata=None):
    import torch
    tensors = {}
    for name, t in state_dict.items():
        t = t.detach().cpu().contiguous()
        raw = t.reshape(-1).view(torch.uint8) if t.dtype != torch.bool else t.to(torch.uint8)  # native order: little-endian hosts
        dtype = str(t.dtype).removeprefix("torch.")
        if dtype not in DTYPES:
            raise ValueError(f"tensor {name!r}: dtype {dtype} has no safetensors name")
        tensors[name] = (DTYPES[dtype], tuple(t.shape), raw.numpy().tobytes())
    write_atomically(path, encode(tensors, metadata or {"format": "pt"}))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1].count(":") != 1:
        sys.exit("usage: write_safetensors.py module:factory out.safetensors  (e.g. torchvision.models:resnet18)")
    module, factory = sys.argv[1].split(":")
    model = getattr(importlib.import_module(module), factory)()
    save(model.eval().state_dict(), sys.argv[2])
