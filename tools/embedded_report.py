#!/usr/bin/env python3
"""Builds and tests the embedded presets and prints the size / instruction table of the README.

    python3 tools/embedded_report.py [preset ...]      (default: cortex-m4 cortex-m7 cortex-m55)

For each preset: `cmake --preset`, `cmake --build --preset`, `ctest --preset`, then one row per example
with flash and RAM (from the image check), the arena, the stack high-water mark and the instruction count
of one inference (from the run on the emulated board); for the Cortex-M55, each example's instructions
with Helium and built +nomve. Fails if a test fails.
"""
import os
import re
import subprocess
import sys

EMBEDDED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "embedded")
BOARDS = {"cortex-m4": "Cortex-M4 (mps2-an386)", "cortex-m7": "Cortex-M7 (mps2-an500)",
          "cortex-m55": "Cortex-M55 (mps3-an547)"}


def run(*cmd):
    result = subprocess.run(cmd, cwd=EMBEDDED, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result.stdout


def main():
    presets = sys.argv[1:] or list(BOARDS)
    print("| target | example | flash (B) | RAM (B) | arena (B) | stack (B) | instructions per inference |")
    print("|---|---|---:|---:|---:|---:|---:|")
    helium = []
    for preset in presets:
        run("cmake", "--preset", preset)
        run("cmake", "--build", "--preset", preset)
        out = run("ctest", "--preset", preset)
        for model in ("lenet", "ds_cnn"):
            # \b: not imported_lenet's lines
            size = re.search(rf"\b{model}\.elf: flash (\d+) B \(budget \d+\), RAM (\d+) B", out)
            runs = re.search(rf"\b{model}: ok, max error \d+e-9, instructions (\d+), stack (\d+) bytes, arena (\d+) bytes", out)
            if not size or not runs:
                sys.exit(f"{preset}: no figures for {model} in the test output")
            print(f"| {BOARDS.get(preset, preset)} | {model} | {int(size[1]):,} | {int(size[2]):,} | {int(runs[3]):,} "
                  f"| {int(runs[2]):,} | {int(runs[1]):,} |")
            pays = re.search(rf"{model}\.helium_pays[^\n]*\n(?:[^\n]*\n)*?[^\n]*Helium (\d+) instructions, \+nomve (\d+)", out)
            if pays:
                helium.append((model, int(pays[1]), int(pays[2])))
    if helium:
        print("\n| Cortex-M55 example | Helium | +nomve | Helium / +nomve |")
        print("|---|---:|---:|---:|")
        for model, with_mve, without in helium:
            print(f"| {model} | {with_mve:,} | {without:,} | {with_mve / without:.3f} |")


if __name__ == "__main__":
    main()
