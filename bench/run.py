#!/usr/bin/env python3
"""Builds and runs the benchmark with g++-12 and clang++-16 and writes bench/results.md.

    python3 bench/run.py              (needs libbenchmark-dev; libdnnl-dev, libxnnpack-dev and
                                       libpthreadpool-dev for the peers) -> bench/results.md
    python3 bench/run.py --isa avx2   ctnn built for AVX2 + FMA, oneDNN and libtorch capped at AVX2
                                       (DNNL_MAX_CPU_ISA, ATEN_CPU_CAPABILITY); XNNPACK picks its ISA
                                       at run time and cannot be capped -> bench/results-avx2.md

Single thread (OMP_NUM_THREADS=1 for oneDNN), batch 1, fp32, NHWC, weights prepared before timing, the
output in the caller's buffer; repetitions of ctnn and its peers interleaved in a random order, the
median of 5. Per workload: ctnn's latency with each compiler, GFLOP/s and percent of the
measured FMA peak (clang build), the peers' latencies and the speedup over the best peer, and the seconds
each compiler takes to build the workload.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
from write_atomically import write_atomically  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMPILERS = ["g++-12", "clang++-16"]
NETWORKS = [("N1_resnet18", "ResNet-18"), ("N2_mobilenet_v2", "MobileNetV2")]
MODELS = os.path.join(ROOT, "build", "bench-models")
WORKLOADS = [("W1_lenet", "w1_lenet"), ("W2_ds_cnn", "w2_ds_cnn"), ("W3_resnet_3x3", "w3_resnet"),
             ("W4_mobilenet_block", "w4_mobilenet"), ("W5_unet_upsampling", "w5_unet_up"),
             ("W6_alexnet_conv1", "w6_alexnet")]
ISA_FLAGS = {"native": ["-march=native", "-mprefer-vector-width=512"], "avx2": ["-mavx2", "-mfma"]}
ISA = "native"


def flags():
    return ["-std=c++20", "-O3", *ISA_FLAGS[ISA]]


def sh(cmd, env=None):
    result = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def build(compiler):
    build_dir = os.path.join(ROOT, "build", f"bench-{compiler}-{ISA}")
    sh(["cmake", "-S", ROOT, "-B", build_dir, "-G", "Ninja", f"-DCMAKE_CXX_COMPILER={compiler}",
        "-DCMAKE_BUILD_TYPE=Release", "-DCTNN_BUILD_TESTS=OFF", "-DCTNN_BUILD_EXAMPLES=OFF", "-DCTNN_BUILD_BENCH=ON",
        f"-DCTNN_BENCH_ISA={ISA}"])
    sh(["cmake", "--build", build_dir, "--target", "ctnn_bench"])
    return os.path.join(build_dir, "bench", "ctnn_bench")


def run(binary):
    env = dict(os.environ, OMP_NUM_THREADS="1", CTNN_BENCH_MODELS=MODELS)
    if ISA == "avx2":  # oneDNN, and libtorch's ATen kernels (its convolutions are oneDNN's)
        env["DNNL_MAX_CPU_ISA"] = "AVX2"
        env["ATEN_CPU_CAPABILITY"] = "avx2"
    # Repetitions of ctnn and its peers interleaved at random, so that the machine's drift hits all alike.
    out = sh([binary, "--benchmark_format=json", "--benchmark_repetitions=5", "--benchmark_report_aggregates_only=true",
              "--benchmark_enable_random_interleaving=true", "--benchmark_min_time=0.3"], env)
    results = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") == "median":
            results[b["run_name"].replace("/real_time", "")] = {"us": b["real_time"] if b["time_unit"] == "us" else b["real_time"] / 1e3,
                                      "flops": b.get("flops", 0.0), "same_top1": b.get("same_top1")}
    return results


def compile_seconds(compiler, net):
    """Seconds to compile one translation unit that prepares and runs the workload's network."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "w.cpp")
        with open(path, "w") as f:
            f.write('#include "workloads.hpp"\n'
                    f"using net = workloads::{net};\n"
                    "void run(const net::weights& w, net::prepared& p, const float* x, float* y,\n"
                    "         ctnn::static_arena<net::prepared>& a) {\n"
                    "  ctnn::prepare_into(w, p);\n"
                    "  net::forward(p, std::span<const float, net::input_size>(x, net::input_size),\n"
                    "               std::span<float, net::output_size>(y, net::output_size), a);\n"
                    "}\n")
        start = time.monotonic()
        sh([compiler, *flags(), f"-I{ROOT}/include", f"-I{ROOT}/bench", "-c", path, "-o", os.devnull])
        return time.monotonic() - start


# oneDNN timed twice: run() with the conversion of the caller's NHWC input into its blocked layouts and of
# its result back, and its primitives alone ("own layouts", what it computes without those reorders).
PEERS = ("onednn", "onednn_own_layouts", "xnnpack")


def peer_cells(peers):
    return " | ".join(f"{peers.get(p, float('nan')):.1f}" for p in PEERS)


def peer_times(runs, name):
    """Each peer's best time for benchmark `name` over both builds, and the best of those a ratio may use
    (with --isa avx2, oneDNN's only: XNNPACK cannot be capped)."""
    peers = {p: min(r[f"{name}/{p}"]["us"] for r in runs.values() if f"{name}/{p}" in r)
             for p in PEERS if any(f"{name}/{p}" in r for r in runs.values())}
    if "onednn" in peers and "onednn_own_layouts" not in peers:  # its layouts were NHWC: nothing converted
        peers["onednn_own_layouts"] = peers["onednn"]
    same_isa = [t for p, t in peers.items() if ISA != "avx2" or p.startswith("onednn")]
    return peers, (min(same_isa) if same_isa else None)


INT8_WORKLOADS = [name for name, _ in WORKLOADS]


def int8_table(runs, clang, gcc, instruction):
    """The int8 workloads (ctnn/calibrate.hpp's quantization of the same networks) against oneDNN's and
    XNNPACK's int8 operators, and against ctnn's own fp32."""
    peak = clang.get("peak/int8", {}).get("flops", 0.0) / 1e9
    used = ("TDPBUSD (AMX's tiles; the depthwise kernel VPDPBUSD)" if instruction.startswith("TDPBUSD") else instruction)
    lines = ["", f"int8 (`net::forward(p, x8, y8, arena8)` on `net::prepared_quantized` weights packed once; ctnn's x86 int8 kernels use {used}, measured int8 peak "
             f"{peak:.0f} GOP/s: independent chains of {instruction}): the workloads' weights quantized per output channel by "
             "`ctnn/calibrate.hpp` on 8 random inputs, tensors that can be negative symmetric, ReLU outputs unsigned "
             "(oneDNN's int8 primitives take those without zero points); every peer's output checked against ctnn's "
             "first (within 1 on at least 99% of elements, 2 at most: the peers requantize in float, ctnn as gemmlowp). "
             "W5 has no XNNPACK time: its int8 transposed convolution takes one weight scale per tensor, not per "
             "output channel." + (" With VPMADDWD W3 runs as an integer Winograd F(2x2, 3x3) (the same integers, 2.25x "
                                  "fewer products): its GOP/s and % of peak are effective, counted as the direct "
                                  "convolution's." if instruction.startswith("VPMADDWD") else ""), "",
             "| workload | ctnn int8 clang (us) | GOP/s | % of int8 peak | ctnn int8 g++ (us) | oneDNN int8 (us) | oneDNN int8 without reorders (us) | XNNPACK int8 (us) "
             "| best peer / ctnn | ctnn fp32 / int8 |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name in INT8_WORKLOADS:
        key = f"{name}/int8"
        if f"{key}/ctnn" not in clang:
            continue
        c, g = clang[f"{key}/ctnn"], gcc[f"{key}/ctnn"]
        peers, best = peer_times(runs, key)
        fastest = min(c["us"], g["us"])
        fp32 = min(clang[f"{name}/ctnn"]["us"], gcc[f"{name}/ctnn"]["us"])
        share = f"{100 * c['flops'] / 1e9 / peak:.0f}%" if peak else "n/a"
        ratio = f"{best / fastest:.2f}" if best else "n/a"
        lines.append(f"| {name} | {c['us']:.1f} | {c['flops'] / 1e9:.0f} | {share} | {g['us']:.1f} "
                     f"| {peer_cells(peers)} | {ratio} "
                     f"| {fp32 / fastest:.2f} |")
    lines.append("")
    lines.append("A missing peer time (nan) is a peer that could not run the workload or whose output differed "
                 "(`ctnn_bench --check` prints which and by how much).")
    return lines


def main():
    global ISA
    ap = argparse.ArgumentParser()
    ap.add_argument("--isa", choices=sorted(ISA_FLAGS), default="native")
    ISA = ap.parse_args().isa
    # The whole networks: torchvision's models with seeded weights, as TorchScript and as flat weights.
    sh(["/usr/bin/python3", os.path.join(ROOT, "bench", "export_torchscript.py"), MODELS])  # Debian's torch
    binaries = {c: build(c) for c in COMPILERS}
    runs = {c: run(b) for c, b in binaries.items()}
    isa = sh([binaries["clang++-16"], "--isa"]).strip()
    int8_instruction = sh([binaries["clang++-16"], "--int8-instruction"]).strip()
    clang, gcc = runs["clang++-16"], runs["g++-12"]
    peak = clang["peak/fma"]["flops"] / 1e9
    cpu = "unknown"
    for line in sh(["lscpu"]).splitlines():
        if line.startswith("Model name:"):
            cpu = line.split(":", 1)[1].strip()
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {cpu}, {os.cpu_count()} cores (one used; two in the threads table), {platform.system()} {platform.release()}; "
        f"vector ISA {isa} ({' '.join(ISA_FLAGS[ISA])}); measured fp32 FMA peak {peak:.0f} GFLOP/s (independent FMA chains "
        f"at {isa}'s vector width). "
        "Compilers g++ 12.2 and clang 16.0.6, flags `" + " ".join(flags()[1:]) + "`; peers: Debian's oneDNN 2.6.3 "
        "(primitives created once, `format_tag::any`, fused ReLU" + (", capped at AVX2 by `DNNL_MAX_CPU_ISA=AVX2`; "
        "libtorch likewise, with `ATEN_CPU_CAPABILITY=avx2`" if ISA == "avx2" else "") + ") and XNNPACK (git 2022-02-16, operators created "
        "once, no thread pool). Single thread, batch 1, fp32, NHWC, weights prepared before timing, outputs in "
        "the caller's buffer; median of 5 repetitions, interleaved at random with the peers'. Produced by "
        f"`python3 bench/run.py{' --isa avx2' if ISA == 'avx2' else ''}`." + (
            " XNNPACK chooses its kernels by the CPU at run time and cannot be capped: on a CPU with AVX-512 it "
            "runs AVX-512 kernels here, so the best-peer ratio is oneDNN's (same ISA), XNNPACK's shown beside it."
            if ISA == "avx2" else ""),
        "",
        "| workload | ctnn clang (us) | GFLOP/s | % of peak | ctnn g++ (us) | g++ / clang | oneDNN (us) "
        "| oneDNN without reorders (us) | XNNPACK (us) | best peer / ctnn | build s (g++ / clang) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, net in WORKLOADS:
        c, g = clang[f"{name}/ctnn"], gcc[f"{name}/ctnn"]
        peers, best = peer_times(runs, name)
        fastest = min(c["us"], g["us"])
        seconds = [compile_seconds(comp, net) for comp in COMPILERS]
        lines.append(
            f"| {name} | {c['us']:.1f} | {c['flops'] / 1e9:.0f} | {100 * c['flops'] / 1e9 / peak:.0f}% | {g['us']:.1f} "
            f"| {g['us'] / c['us']:.2f} | {peer_cells(peers)} "
            f"| {best / fastest if best else float('nan'):.2f} | {seconds[0]:.1f} / {seconds[1]:.1f} |")
    lines.append("")
    lines.append("oneDNN is timed twice: with the reorder of the caller's NHWC input into the blocked layout its "
                 "primitives chose and of the result back into the caller's NHWC buffer (what an application holding "
                 "NHWC data pays), and without them (its primitives alone, on data already in its layouts; the same "
                 "time where its layouts are NHWC). The best peer is the fastest of all, so oneDNN's time without "
                 "reorders where that is the fastest. "
                 "best peer / ctnn > 1 means ctnn (its faster compiler) is faster than the best peer. W3's 3x3 "
                 "convolution runs as Winograd F(2x2, 3x3) (2.25x fewer multiplies, on AVX2 and AVX-512 alike): its "
                 "GFLOP/s and % of peak are effective, counted as the direct convolution's; so are W5's, whose "
                 "transposed convolution runs each of its four stride phases (2x2 convolutions) as Winograd "
                 "F(2x2, 2x2) (1.78x fewer multiplies).")
    lines += ["", "Whole networks at 224x224 (torchvision's, seeded weights, batch norm folded by `prepare_into`; ctnn "
              "checked against PyTorch's logits first; the NCHW input converted to NHWC inside ctnn's timed call), "
              "against libtorch 1.13 (Debian's libtorch-dev, TorchScript from `bench/export_torchscript.py`, one "
              "intra-op thread, inference mode) and oneDNN's primitives chained (the exporter's graph: batch norm "
              "folded, each residual add a sum post-op into the convolution before it, ReLU / ReLU6 as eltwise "
              "post-ops, `format_tag::any`; its logits checked against PyTorch's too), timed with and without the "
              "reorder of the NCHW input into its first primitive's layout (the same where it reads NCHW itself):", "",
              "| network | ctnn clang (ms) | GFLOP/s | ctnn g++ (ms) | libtorch (ms) | oneDNN (ms) "
              "| oneDNN without reorders (ms) | best peer / ctnn |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, title in NETWORKS:
        if f"{name}/ctnn" not in clang:
            lines.append(f"| {title} | not run | | | | | | |")
            continue
        c, g = clang[f"{name}/ctnn"], gcc[f"{name}/ctnn"]
        best_of = {}
        for peer in ("libtorch", "onednn", "onednn_own_layouts"):
            best_of[peer] = min((r[f"{name}/{peer}"]["us"] for r in runs.values() if f"{name}/{peer}" in r),
                                default=float("nan"))
        if best_of["onednn_own_layouts"] != best_of["onednn_own_layouts"]:  # nan: nothing to convert
            best_of["onednn_own_layouts"] = best_of["onednn"]
        timed = [t for t in best_of.values() if t == t]
        ratio = f"{min(timed) / min(c['us'], g['us']):.2f}" if timed else "n/a"
        lines.append(f"| {title} | {c['us'] / 1e3:.2f} | {c['flops'] / 1e9:.0f} | {g['us'] / 1e3:.2f} "
                     + "".join(f"| {best_of[p] / 1e3:.2f} " for p in ("libtorch", "onednn", "onednn_own_layouts"))
                     + f"| {ratio} |")
    lines += ["", "The same networks in int8 (`ctnn/calibrate.hpp`: min/max observers on the model's input, weights per "
              "output channel, batch norm folded; `prepare_into`), timed from the quantized NHWC input to the int8 "
              "logits, against ctnn's fp32 above; whether the int8 network's top-1 class is PyTorch's:", "",
              "| network | ctnn int8 clang (ms) | GOP/s | ctnn int8 g++ (ms) | ctnn fp32 / int8 | top-1 as PyTorch's |",
              "|---|---:|---:|---:|---:|---|"]
    for name, title in NETWORKS:
        key = f"{name}/int8/ctnn"
        if key not in clang or f"{name}/ctnn" not in clang:
            lines.append(f"| {title} | not run | | | | |")
            continue
        c, g = clang[key], gcc[key]
        fp32 = min(clang[f"{name}/ctnn"]["us"], gcc[f"{name}/ctnn"]["us"])
        same = "yes" if c.get("same_top1") == 1.0 else "no"
        lines.append(f"| {title} | {c['us'] / 1e3:.2f} | {c['flops'] / 1e9:.0f} | {g['us'] / 1e3:.2f} "
                     f"| {fp32 / min(c['us'], g['us']):.2f} | {same} |")
    lines += ["", "Training: one step of `examples/train_digits.cpp`'s CNN on a batch of 32 digits (forward, cross-entropy, "
              "backward, plain SGD; ctnn's `training<net, plain_sgd>::step`), against libtorch 1.13's C++ API doing "
              "the same step (`torch::nn::Sequential`, autograd, `torch::optim::SGD`, one intra-op thread), both first "
              "trained 20 steps from the same weights with losses checked equal within 1e-4:", "",
              "| workload | ctnn clang (us) | ctnn g++ (us) | g++ / clang | libtorch (us) | libtorch / ctnn |",
              "|---|---:|---:|---:|---:|---:|"]
    if "T1_digits_train_step/ctnn" in clang:
        c, g = clang["T1_digits_train_step/ctnn"], gcc["T1_digits_train_step/ctnn"]
        torch_us = min((r["T1_digits_train_step/libtorch"]["us"] for r in runs.values()
                        if "T1_digits_train_step/libtorch" in r), default=float("nan"))
        lines.append(f"| T1_digits_train_step | {c['us']:.1f} | {g['us']:.1f} | {g['us'] / c['us']:.2f} | {torch_us:.1f} "
                     f"| {torch_us / min(c['us'], g['us']):.2f} |")
    lines += int8_table(runs, clang, gcc, int8_instruction)
    lines += ["", "One inference on this machine's 2 cores with `ctnn::forward_parallel` (clang, wall clock; the "
              "convolution and linear kernels split their output, the other nodes run on one thread):", "",
              "| workload | 1 thread (us) | 2 threads (us) | speedup |", "|---|---:|---:|---:|"]
    for name, _ in WORKLOADS + NETWORKS:
        solo = clang.get(f"{name}/ctnn_threads:1", clang.get(f"{name}/ctnn"))
        pair = clang.get(f"{name}/ctnn_threads:2")
        if solo and pair:
            lines.append(f"| {name} | {solo['us']:.1f} | {pair['us']:.1f} | {solo['us'] / pair['us']:.2f} |")
    one, two = clang["W3_resnet_3x3_batch8/threads:1"]["us"], clang["W3_resnet_3x3_batch8/threads:2"]["us"]
    lines.append("")
    lines.append(f"Batch 8 of W3 with `ctnn::forward_batch` (clang): {one:.0f} us on 1 thread, {two:.0f} us on 2 threads "
                 f"({one / two:.2f}x on this machine's 2 cores).")
    text = "\n".join(lines) + "\n"
    write_atomically(os.path.join(ROOT, "bench", "results.md" if ISA == "native" else f"results-{ISA}.md"), text)
    print(text)


if __name__ == "__main__":
    main()
