#!/usr/bin/env python3
"""Compile-time benchmark: how long the compilers take to shape-check deep networks.

Generates networks of N layers (a same-padded conv, a batch norm and a leaky relu whose slope differs at
every position, so that a third of the layers are types of their own), each translation unit asserting on
the output shape and reading every layer's shape by index, and times
`compiler -std=c++20 -c` with /usr/bin/time (seconds, peak resident memory). The 0-layer row is the
cost of the headers alone. Prints a markdown table.

    python3 bench/compile_time.py [--layers 0,250,500,1000,2000] [--compilers g++-12,clang++-16]

A second table times the model zoo (examples/zoo): each network checked, with its parameter count, MACs
and activation arena (the memory plan) computed at compile time.
"""
import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
def layer(i: int) -> str:
    return ["ctnn::conv2d<8, 3, ctnn::pad_same>", "ctnn::batch_norm2d<>", f"ctnn::leaky_relu<{i}, 8192>"][i % 3]


def source(layers: int) -> str:
    body = ", ".join(layer(i) for i in range(layers))
    lines = ['#include "ctnn/ctnn.hpp"',
             f"using net = ctnn::sequential<ctnn::input<8, 16, 16>{', ' if layers else ''}{body}>;",
             "static_assert(net::output_shape == ctnn::shape{8, 16, 16});",
             # Every layer's shape by index, as a constant expression.
             "constexpr bool all_shapes() { for (const auto& s : net::shapes) if (s != ctnn::shape{8, 16, 16}) return false; return true; }",
             "static_assert(all_shapes());"]
    if layers:
        lines.append(f"static_assert(ctnn::layer_t<net, {(layers - 1) // 3 * 3}>::weight_shape == ctnn::shape{{8, 8, 3, 3}});")
    lines.append("int main() { return net::size == " + str(layers) + " ? 0 : 1; }")
    return "\n".join(lines) + "\n"


def time_compile(compiler: str, path: str, what: str):
    """Seconds and peak MB of `compiler -std=c++20 -c path`."""
    cmd = ["/usr/bin/time", "-f", "%e %M", compiler, "-std=c++20", "-c", "-o", os.devnull, f"-I{ROOT}/include",
           f"-I{ROOT}/examples", path]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"{compiler} failed on {what}:\n{run.stderr[-3000:]}")
    seconds, kilobytes = run.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(kilobytes) / 1024


def measure(compiler: str, layers: int, workdir: str):
    path = os.path.join(workdir, f"net_{layers}.cpp")
    with open(path, "w") as f:
        f.write(source(layers))
    return time_compile(compiler, path, f"{layers} layers")


ZOO = ["lenet5", "alexnet", "vgg16", "inception_3a:inception", "resnet18", "mobilenet_v1", "ds_cnn", "unet"]


def measure_zoo(compiler: str, entry: str, workdir: str):
    name, _, header = entry.partition(":")
    path = os.path.join(workdir, f"zoo_{name}.cpp")
    with open(path, "w") as f:
        f.write(f'#include "zoo/{header or name}.hpp"\n'
                f"static_assert(zoo::{name}::params > 0 && zoo::{name}::macs > 0 && zoo::{name}::arena_bytes > 0);\n"
                "int main() {}\n")
    return time_compile(compiler, path, name)


def table(title, rows, timer, compilers, align):
    """A markdown table: one row per entry, seconds and MB per compiler."""
    print(f"| {title} | " + " | ".join(f"{c} s | {c} MB" for c in compilers) + " |")
    print(f"|---{align}|" + "---:|---:|" * len(compilers))
    for row in rows:
        cells = []
        for c in compilers:
            seconds, megabytes = timer(c, row)
            cells += [f"{seconds:.2f}", f"{megabytes:.0f}"]
        print(f"| {str(row).partition(':')[0]} | " + " | ".join(cells) + " |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--layers", default="0,250,500,1000,2000")
    parser.add_argument("--compilers", default="g++-12,clang++-16")
    args = parser.parse_args()
    counts = [int(n) for n in args.layers.split(",")]
    compilers = args.compilers.split(",")
    with tempfile.TemporaryDirectory() as workdir:
        table("layers", counts, lambda c, n: measure(c, n, workdir), compilers, ":")
        print()
        table("network", ZOO, lambda c, entry: measure_zoo(c, entry, workdir), compilers, "")


if __name__ == "__main__":
    main()
