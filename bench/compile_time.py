#!/usr/bin/env python3
"""Compile-time benchmark: what the compilers pay for ctnn's checks, plans and kernels.

Deep networks, two kinds: a stack of N layers alternating a same-padded conv and a relu (two layer types,
repeated); and a mix of a same-padded conv, a batch norm and a leaky relu whose slope differs at every
position (a third of the layers are types of their own, each instantiated once). Each translation unit
asserts every layer's output shape through layer_t, every convolution's weight shape, and the network's
parameters, MACs and arena bytes. The 0-layer row is the cost of the headers. `-std=c++20 -c`, default
constexpr limits.

Forward: the TU that instantiates `forward` on prepared weights at -O2, for a 500-layer conv/relu stack
and for ResNet-18 (examples/zoo), NHWC.

Zoo: each network of examples/zoo checked, with its parameters, MACs and activation arena.

Every figure is the least CPU time (user + sys) of --runs runs, interleaved over compilers and cases, and
the peak resident memory of that run. The targets of the schedule issue are checked and printed.

    python3 bench/compile_time.py [--layers 0,250,500,1000,2000] [--runs 3] [--compilers g++-12,clang++-16]
"""
import argparse
import os
import platform
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def mixed_layer(i: int) -> str:
    return ["ctnn::conv2d<8, 3, ctnn::pad_same>", "ctnn::batch_norm2d<>", f"ctnn::leaky_relu<{i}, 8192>"][i % 3]


def stack_layer(i: int) -> str:
    return ["ctnn::conv2d<8, 3, ctnn::pad_same>", "ctnn::relu"][i % 2]


def deep_source(layers: int, mixed: bool) -> str:
    layer, period = (mixed_layer, 3) if mixed else (stack_layer, 2)
    body = ", ".join(layer(i) for i in range(layers))
    convs = (layers + period - 1) // period
    norms = (layers + 1) // 3 if mixed else 0
    lines = ['#include "ctnn/ctnn.hpp"',
             f"using net = ctnn::sequential<ctnn::input<8, 16, 16>{', ' if layers else ''}{body}>;",
             "static_assert(net::output_shape == ctnn::shape{8, 16, 16});"]
    for i in range(layers):
        lines.append(f"static_assert(ctnn::layer_t<net, {i}>::output_shape == ctnn::shape{{8, 16, 16}});")
        if i % period == 0:
            lines.append(f"static_assert(ctnn::layer_t<net, {i}>::weight_shape == ctnn::shape{{8, 8, 3, 3}});")
    # By hand: a conv has 8*8*9 + 8 parameters and 16*16*8 outputs of 8*9 MACs; a batch norm 2 x 8.
    lines.append(f"static_assert(net::params == {convs * 584 + norms * 16});")
    lines.append(f"static_assert(net::macs == {convs * 147456});")
    lines.append("static_assert(net::arena_bytes <= 2 * 8 * 16 * 16 * 4);")
    lines.append("int main() {}")
    return "\n".join(lines) + "\n"


def forward_source(layers: int) -> str:
    body = ", ".join(["ctnn::conv2d<8, 3, ctnn::pad_same>", "ctnn::relu"][i % 2] for i in range(layers))
    return ('#include "ctnn/ctnn.hpp"\n'
            f"using net = ctnn::sequential<ctnn::input<8, 16, 16>::with<ctnn::nhwc>, {body}>;\n"
            + FORWARD_BODY)


FORWARD_BODY = """static net::prepared weights;
static ctnn::static_arena<net::prepared> arena;
void run(const float* x, float* y) {
  net::forward(weights, std::span<const float, net::input_size>(x, net::input_size),
               std::span<float, net::output_size>(y, net::output_size), arena);
}
"""

RESNET_SOURCE = ('#include "zoo/resnet18.hpp"\n'
                 "using net = ctnn::relayout_t<zoo::resnet18, ctnn::layout::nhwc>;\n" + FORWARD_BODY)

ZOO = ["lenet5", "alexnet", "vgg16", "inception_3a:inception", "resnet18", "mobilenet_v1", "ds_cnn", "unet"]


def zoo_source(entry: str) -> str:
    name, _, header = entry.partition(":")
    return (f'#include "zoo/{header or name}.hpp"\n'
            f"static_assert(zoo::{name}::params > 0 && zoo::{name}::macs > 0 && zoo::{name}::arena_bytes > 0);\n"
            "int main() {}\n")


def compile_once(compiler: str, path: str, flags):
    """CPU seconds (user + sys) and peak MB of one compile."""
    cmd = ["/usr/bin/time", "-f", "%U %S %M", compiler, "-std=c++20", "-c", "-o", os.devnull, *flags,
           f"-I{ROOT}/include", f"-I{ROOT}/examples", path]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"{compiler} failed on {path}:\n{run.stderr[-3000:]}")
    user, system, kilobytes = run.stderr.strip().splitlines()[-1].split()
    return float(user) + float(system), int(kilobytes) / 1024


def measure(cases, compilers, runs, workdir):
    """{(case, compiler): (seconds, MB)}, the least time of `runs` runs, interleaved."""
    paths = {}
    for name, source, _ in cases:
        paths[name] = os.path.join(workdir, f"{name}.cpp")
        with open(paths[name], "w") as f:
            f.write(source)
    best = {}
    for _ in range(runs):
        for name, _, flags in cases:
            for c in compilers:
                seconds, megabytes = compile_once(c, paths[name], flags)
                if (name, c) not in best or seconds < best[(name, c)][0]:
                    best[(name, c)] = (seconds, megabytes)
    return best


def table(title, names, best, compilers, labels=None):
    print(f"| {title} | " + " | ".join(f"{c} s | {c} MB" for c in compilers) + " |")
    print("|---|" + "---:|---:|" * len(compilers))
    for name in names:
        cells = []
        for c in compilers:
            seconds, megabytes = best[(name, c)]
            cells += [f"{seconds:.2f}", f"{megabytes:.0f}"]
        print(f"| {(labels or {}).get(name, name)} | " + " | ".join(cells) + " |")
    print()


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--layers", default="0,250,500,1000,2000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--compilers", default="g++-12,clang++-16")
    parser.add_argument("--no-zoo", action="store_true")
    args = parser.parse_args()
    counts = [int(n) for n in args.layers.split(",")]
    compilers = args.compilers.split(",")
    versions = [subprocess.run([c, "--version"], capture_output=True, text=True).stdout.splitlines()[0] for c in compilers]
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; " + "; ".join(versions))
    print(f"least CPU time (user + sys) of {args.runs} interleaved runs, and its peak memory\n")
    with tempfile.TemporaryDirectory() as workdir:
        deep = [(f"deep_{n}", deep_source(n, False), []) for n in counts]
        best = measure(deep, compilers, args.runs, workdir)
        table("conv/relu layers", [f"deep_{n}" for n in counts], best, compilers, {f"deep_{n}": str(n) for n in counts})
        mixed = [(f"mixed_{n}", deep_source(n, True), []) for n in counts]
        best.update(measure(mixed, compilers, args.runs, workdir))
        table("mixed layers", [f"mixed_{n}" for n in counts], best, compilers, {f"mixed_{n}": str(n) for n in counts})

        forward = [("forward_500", forward_source(500), ["-O2"]), ("forward_resnet18", RESNET_SOURCE, ["-O2"])]
        best.update(measure(forward, compilers, args.runs, workdir))
        table("forward at -O2", ["forward_500", "forward_resnet18"], best, compilers,
              {"forward_500": "500-layer conv/relu stack", "forward_resnet18": "ResNet-18"})

        if not args.no_zoo:
            zoo = [(e.partition(":")[0], zoo_source(e), []) for e in ZOO]
            best.update(measure(zoo, compilers, args.runs, workdir))
            table("network", [e.partition(":")[0] for e in ZOO], best, compilers)

    # The targets of the schedule issue, on the conv/relu stack it measured.
    failures = []
    for c in compilers:
        if 1000 in counts:
            s, mb = best[("deep_1000", c)]
            if s >= 1.5 or mb >= 300:
                failures.append(f"{c}: 1,000 layers {s:.2f} s / {mb:.0f} MB (target < 1.5 s, < 300 MB)")
        if 1000 in counts and 2000 in counts:
            ratio = best[("deep_2000", c)][0] / best[("deep_1000", c)][0]
            if ratio >= 2.0:
                failures.append(f"{c}: 2,000 layers take {ratio:.2f}x 1,000 (target < 2x)")
        s, mb = best[("forward_500", c)]
        if s >= 30 or mb >= 1536:
            failures.append(f"{c}: forward of 500 layers {s:.1f} s / {mb:.0f} MB (target < 30 s, < 1.5 GB)")
        if best[("forward_resnet18", c)][0] >= 10:
            failures.append(f"{c}: ResNet-18 forward {best[('forward_resnet18', c)][0]:.1f} s (target < 10 s)")
    print("targets: " + ("all met" if not failures else "missed:\n  " + "\n  ".join(failures)))


if __name__ == "__main__":
    main()
