#!/usr/bin/python3
"""Writes examples/digits/digits_model.hpp: a small CNN trained in PyTorch on scikit-learn's 8x8 digits,
imported by tools/ctnn_import.py (the network, its state_dict names, and --int8: quantized by ctnn on 100
training images), with its float weights, the 360 test images and PyTorch's float predictions for them.
Then examples/digits/digits_torch_ao.hpp: the same trained network quantized by PyTorch itself
(torch.ao.quantization, qnnpack, on the same 100 images), exported to ONNX and imported with its own
quantization, with PyTorch's int8 predictions for the test images. examples/digits.cpp runs it on the
host in float and both int8 forms; embedded/digits_int8.cpp ctnn's int8 on the boards.

  /usr/bin/python3 tools/make_digits_example.py      (needs python3-sklearn; about a minute)
  /usr/bin/python3 tools/make_digits_example.py --torch-ao-only   (the second file, from the first's weights)
  /usr/bin/python3 tools/make_digits_example.py --training-set-only   (examples/digits/digits_train.hpp: the
      1,437 training images, for examples/train_digits.cpp, which trains the same network in ctnn)

The data is Debian's python3-sklearn copy of the UCI digits (1,797 images of 8x8 pixels, 17 grey levels):
shuffled once (numpy's RandomState(0)), the first 1,437 train and the last 360 test. Seeded and
single-threaded, so a run writes the same file.
"""
import io
import os
import re
import sys
import warnings

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ctnn_import  # noqa: E402
from write_atomically import write_atomically  # noqa: E402

OUT = os.path.join(HERE, "..", "examples", "digits", "digits_model.hpp")
OUT_TORCH_AO = os.path.join(HERE, "..", "examples", "digits", "digits_torch_ao.hpp")
OUT_TRAIN = os.path.join(HERE, "..", "examples", "digits", "digits_train.hpp")
TRAIN, CALIBRATION, EPOCHS = 1437, 100, 40


def model():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64, 10))


def floats(values):
    return ",\n    ".join(", ".join(f"{float(v).hex()}f" for v in values[i:i + 8]) for i in range(0, len(values), 8))


def ints(values, per_row=32):
    return ",\n    ".join(", ".join(str(int(v)) for v in values[i:i + per_row]) for i in range(0, len(values), per_row))


def data():
    from sklearn.datasets import load_digits
    digits = load_digits()
    order = np.random.RandomState(0).permutation(len(digits.target))  # writers mixed between train and test
    levels = digits.images.astype(np.int64)[order]  # 0..16
    labels = digits.target.astype(np.int64)[order]
    x = torch.tensor(levels, dtype=torch.float32).unsqueeze(1) / 16.0
    return levels, x[:TRAIN], torch.tensor(labels[:TRAIN]), x[TRAIN:], torch.tensor(labels[TRAIN:])


def write_torch_ao(net, x_train, x_test, y_test):
    """The trained network quantized by torch.ao.quantization (conv + ReLU fused, weights per output channel
    symmetric, activations per tensor by min/max observers on the calibration images, qnnpack), exported to
    ONNX and imported with its own quantization; PyTorch's int8 predictions for the test images."""
    import copy
    import torch.ao.quantization as tq
    torch.backends.quantized.engine = "qnnpack"
    quantized = nn.Sequential(tq.QuantStub(), *copy.deepcopy(net), tq.DeQuantStub()).eval()
    tq.fuse_modules(quantized, [["1", "2"], ["4", "5"]], inplace=True)
    quantized.qconfig = tq.QConfig(
        activation=tq.MinMaxObserver.with_args(dtype=torch.quint8, qscheme=torch.per_tensor_affine),
        weight=tq.PerChannelMinMaxObserver.with_args(dtype=torch.qint8, qscheme=torch.per_channel_symmetric))
    tq.prepare(quantized, inplace=True)
    with torch.no_grad():
        quantized(x_train[:CALIBRATION])
    tq.convert(quantized, inplace=True)
    with torch.no_grad():
        predicted = quantized(x_test).argmax(1)
    correct = int((predicted == y_test).sum())
    print(f"PyTorch int8 (torch.ao) test accuracy: {100 * correct / len(y_test):.2f}%", file=sys.stderr)
    f = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.onnx on quantized tuples' shape inference
        torch.onnx.export(quantized, torch.zeros(1, 1, 8, 8), f, opset_version=13)
    import onnx
    g = ctnn_import.Graph(onnx.load_from_string(f.getvalue()))
    items = ctnn_import.chain(g, g.input, g.resolve(g.output))
    input_quantization, values = ctnn_import.torch_ao_quantization(g, items)
    text = ctnn_import.torch_ao_text("digits", input_quantization, values, variable="torch_ao_quantized_weights")
    header = f"""// examples/digits/digits_torch_ao.hpp: digits_model.hpp's network quantized by PyTorch (torch.ao.quantization,
// qnnpack: conv + ReLU fused, weights per output channel, min/max observers on the first {CALIBRATION} training images),
// exported to ONNX and imported by tools/ctnn_import.py with its own quantization; PyTorch's int8 predictions
// for the test images. Written by tools/make_digits_example.py; regenerate rather than edit.
#pragma once

#include "digits_model.hpp"
{text}
namespace digits {{
inline constexpr unsigned char pytorch_int8_predictions[{len(y_test)}] = {{
    {ints(predicted.tolist())}}};
inline constexpr int pytorch_int8_correct = {correct};  // PyTorch's int8 test accuracy, of test_count
}}  // namespace digits
"""
    write_atomically(os.path.abspath(OUT_TORCH_AO), header.encode())
    print(f"wrote {os.path.relpath(OUT_TORCH_AO)}", file=sys.stderr)


def write_training_set(levels, y_train):
    train_levels = levels[:TRAIN].reshape(TRAIN, 64)
    text = f"""// Generated by tools/make_digits_example.py --training-set-only; do not edit.
// scikit-learn's 8x8 digits (Debian's python3-sklearn), shuffled once (numpy's RandomState(0)): the first
// {TRAIN} images, the training set of examples/digits/digits_model.hpp (whose test set is the other 360).
// Grey levels 0..16, one 8x8 image after another; the network takes level / 16.
#pragma once

namespace digits {{
inline constexpr int train_count = {TRAIN};
inline constexpr unsigned char train_levels[{train_levels.size}] = {{
    {ints(train_levels.flatten().tolist())}}};
inline constexpr unsigned char train_labels[{TRAIN}] = {{
    {ints(y_train.tolist())}}};
}}  // namespace digits
"""
    write_atomically(os.path.abspath(OUT_TRAIN), text.encode())
    print(f"wrote {os.path.relpath(OUT_TRAIN)}", file=sys.stderr)


def committed_network():
    """The trained network of the committed digits_model.hpp (its float weights, in state_dict order)."""
    text = open(os.path.abspath(OUT)).read()
    body = re.search(r"float_weights\[\d+\] = \{([^}]*)\}", text).group(1)
    values = [float.fromhex(v.strip().rstrip("f")) for v in body.split(",") if v.strip()]
    net = model()
    at = 0
    with torch.no_grad():
        for p in net.state_dict().values():
            p.copy_(torch.tensor(values[at:at + p.numel()], dtype=torch.float32).reshape(p.shape))
            at += p.numel()
    if at != len(values):
        raise SystemExit(f"{OUT}: {len(values)} float weights, the network has {at}")
    return net.eval()


def main():
    torch.manual_seed(2026)
    torch.set_num_threads(1)
    levels, x_train, y_train, x_test, y_test = data()
    if "--torch-ao-only" in sys.argv[1:]:
        return write_torch_ao(committed_network(), x_train, x_test, y_test)
    if "--training-set-only" in sys.argv[1:]:
        return write_training_set(levels, y_train)

    net = model()
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    generator = torch.Generator().manual_seed(1)
    for _ in range(EPOCHS):
        net.train()
        order = torch.randperm(TRAIN, generator=generator)
        for i in range(0, TRAIN, 32):
            batch = order[i:i + 32]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(net(x_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()
    net.eval()
    with torch.no_grad():
        predicted = net(x_test).argmax(1)
    accuracy = float((predicted == y_test).float().mean())
    print(f"PyTorch float test accuracy: {100 * accuracy:.2f}% ({int((predicted == y_test).sum())} of {len(y_test)})",
          file=sys.stderr)

    name = "digits"
    header, tensors = ctnn_import.import_model(ctnn_import.export_module(net, (1, 8, 8)), name,
                                               "tools/make_digits_example.py: a CNN trained on scikit-learn's digits")
    calibration = np.ascontiguousarray(x_train[:CALIBRATION].numpy(), dtype="<f4")
    header += ctnn_import.quantize_for_header(header, name, tensors, calibration,
                                              f"the first {CALIBRATION} training images")
    flat = np.concatenate([t.flatten() for _, t in tensors]).astype(np.float32)
    test_levels = levels[TRAIN:].reshape(len(y_test), 64)
    header += f"""
// The float weights (state_dict order), the test set (grey levels 0..16, one 8x8 image after another; the
// network takes level / 16), its labels, and PyTorch's float predictions for it.
namespace {name} {{
inline constexpr float float_weights[{flat.size}] = {{
    {floats(flat.tolist())}}};
inline constexpr int test_count = {len(y_test)};
inline constexpr unsigned char test_levels[{test_levels.size}] = {{
    {ints(test_levels.flatten().tolist())}}};
inline constexpr unsigned char test_labels[{len(y_test)}] = {{
    {ints(y_test.tolist())}}};
inline constexpr unsigned char pytorch_predictions[{len(y_test)}] = {{
    {ints(predicted.tolist())}}};
inline constexpr int pytorch_correct = {int((predicted == y_test).sum())};  // PyTorch's float test accuracy, of test_count
}}  // namespace {name}
"""
    write_atomically(os.path.abspath(OUT), header.encode())
    print(f"wrote {os.path.relpath(OUT)}", file=sys.stderr)
    write_torch_ao(net, x_train, x_test, y_test)
    write_training_set(levels, y_train)


if __name__ == "__main__":
    main()
