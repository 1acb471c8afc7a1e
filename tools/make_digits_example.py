#!/usr/bin/python3
"""Writes examples/digits/digits_model.hpp: a small CNN trained in PyTorch on scikit-learn's 8x8 digits,
imported by tools/ctnn_import.py (the network, its state_dict names, and --int8: quantized by ctnn on 100
training images), with its float weights, the 360 test images and PyTorch's float predictions for them.
examples/digits.cpp runs it on the host in float and int8; embedded/digits_int8.cpp on the boards.

  /usr/bin/python3 tools/make_digits_example.py      (needs python3-sklearn; about a minute)

The data is Debian's python3-sklearn copy of the UCI digits (1,797 images of 8x8 pixels, 17 grey levels):
shuffled once (numpy's RandomState(0)), the first 1,437 train and the last 360 test. Seeded and
single-threaded, so a run writes the same file.
"""
import os
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ctnn_import  # noqa: E402
from write_atomically import write_atomically  # noqa: E402

OUT = os.path.join(HERE, "..", "examples", "digits", "digits_model.hpp")
TRAIN, CALIBRATION, EPOCHS = 1437, 100, 40


def model():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64, 10))


def floats(values):
    return ",\n    ".join(", ".join(f"{float(v).hex()}f" for v in values[i:i + 8]) for i in range(0, len(values), 8))


def ints(values, per_row=32):
    return ",\n    ".join(", ".join(str(int(v)) for v in values[i:i + per_row]) for i in range(0, len(values), per_row))


def main():
    from sklearn.datasets import load_digits
    torch.manual_seed(2026)
    torch.set_num_threads(1)
    digits = load_digits()
    order = np.random.RandomState(0).permutation(len(digits.target))  # writers mixed between train and test
    levels = digits.images.astype(np.int64)[order]  # 0..16
    labels = digits.target.astype(np.int64)[order]
    x = torch.tensor(levels, dtype=torch.float32).unsqueeze(1) / 16.0
    y = torch.tensor(labels)
    x_train, y_train, x_test, y_test = x[:TRAIN], y[:TRAIN], x[TRAIN:], y[TRAIN:]

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


if __name__ == "__main__":
    main()
