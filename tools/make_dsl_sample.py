#!/usr/bin/env python3
"""Writes tests/data/dsl_sample.inc: a sample of tests/data/shape_cases.txt spelt in ctnn's DSL.

Every STEP-th case of each op becomes one line of C++: a valid case asserts the output, weight and bias
shapes of the layer placed in a one-layer network; an invalid one asserts that the network is rejected
by a rule of PyTorch's error category.
Included by tests/unit/dsl_sample_test.cpp. Needs no torch: run `python3 tools/make_dsl_sample.py`
after regenerating the reference data.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from write_atomically import write_atomically  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEP = 3
SKIP_OPS = {"cat", "add", "relu", "gelu", "sigmoid"}  # merges and element-wise layers: covered elsewhere


def ints(text):
    return [int(v) for v in text.split(",")]


def join(values):
    return ", ".join(str(v) for v in values)


def padding(keys):
    if "pad_begin" in keys:
        return [f"pad_begin<{join(ints(keys['pad_begin']))}>", f"pad_end<{join(ints(keys['pad_end']))}>"]
    value = keys.get("padding", "0")
    if value in ("valid", "same", "tf_same", "full"):
        return ["pad_" + value]
    return [f"pad<{join(ints(value))}>"]


def sample_dim(d):
    return d - 1 if d >= 0 else d


def layer(op, keys, sample_rank):
    """The DSL spelling of one case's layer, or None when the DSL cannot say it."""
    if op in ("conv", "conv_transpose"):
        kernel = ints(keys["kernel"])
        r = len(kernel)
        if r not in (1, 2, 3):
            return None
        opts = [f"stride<{join(ints(keys['stride']))}>", f"dilation<{join(ints(keys['dilation']))}>",
                f"groups<{keys['groups']}>"] + padding(keys)
        if keys.get("bias") == "0":
            opts.append("no_bias")
        if "output_padding" in keys:
            opts.append(f"output_padding<{join(ints(keys['output_padding']))}>")
        if "output_size" in keys:
            opts.append(f"output_size<{join(ints(keys['output_size']))}>")
        name = "conv" if op == "conv" else "conv_transpose"
        return f"{name}{r}d<{keys['out_channels']}, kernel<{join(kernel)}>, {', '.join(opts)}>"
    if op in ("max_pool", "avg_pool"):
        kernel = ints(keys["kernel"])
        r = len(kernel)
        opts = padding(keys)
        if "stride" in keys:
            opts.append(f"stride<{join(ints(keys['stride']))}>")
        if "dilation" in keys:
            opts.append(f"dilation<{join(ints(keys['dilation']))}>")
        if keys.get("ceil_mode") == "1":
            opts.append("ceil_mode")
        if keys.get("count_include_pad") == "0":
            opts.append("exclude_pad")
        return f"{op}{r}d<kernel<{join(kernel)}>, {', '.join(opts)}>"
    if op in ("adaptive_avg_pool", "adaptive_max_pool"):
        size = ints(keys["output_size"])
        return f"{op}{len(size)}d<{join(size)}>"
    if op == "upsample":
        if "size" in keys:
            size = ints(keys["size"])
            r, opts = len(size), [f"output_size<{join(size)}>"]
        else:
            scales = [float(v) for v in keys["scale"].split(",")]
            r = len(scales)
            if all(s == scales[0] for s in scales):
                opts = [f"scale_ratio<{round(scales[0] * 4)}, 4>"]
            elif all(s == int(s) for s in scales):
                opts = [f"scale_factor<{join(int(s) for s in scales)}>"]
            else:
                return None
        if keys.get("align_corners") == "1":
            opts.append("align_corners")
        if keys["mode"] == "nearest":
            name = f"upsample_nearest{r}d"
        else:
            name = {1: "upsample_linear1d", 2: "upsample_bilinear2d", 3: "upsample_trilinear3d"}.get(r)
        return f"{name}<{', '.join(opts)}>" if name else None
    if op == "pad":
        begin = ints(keys["pad_begin"])
        kind = {"constant": "zero_pad", "reflect": "reflection_pad", "replicate": "replication_pad"}[keys["mode"]]
        return f"{kind}{len(begin)}d<pad_begin<{join(begin)}>, pad_end<{join(ints(keys['pad_end']))}>>"
    if op == "linear":
        bias = ", no_bias" if keys.get("bias") == "0" else ""
        return f"linear<{keys['out_features']}, in_features<{keys['in_features']}>{bias}>"
    if op == "flatten":
        return f"flatten_dims<{sample_dim(int(keys['start_dim']))}, {sample_dim(int(keys['end_dim']))}>"
    if op == "reshape":
        return f"reshape<{join(ints(keys['shape']))}>"
    if op == "batch_norm":
        torch_rank = sample_rank + 1
        r = 1 if torch_rank <= 3 else 2 if torch_rank == 4 else 3
        return f"batch_norm{r}d<{keys['num_features']}>"
    if op == "softmax":
        return f"softmax_dim<{sample_dim(int(keys['dim']))}>"
    return None


def main():
    source = os.path.join(ROOT, "tests", "data", "shape_cases.txt")
    lines_out, seen = [], {}
    with open(source) as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                lhs, rhs = line.split(" -> ")
                op, *pairs = lhs.split()
                keys = dict(p.split("=", 1) for p in pairs)
                result = dict(p.split("=", 1) for p in rhs.split())
            except ValueError:
                sys.exit(f"{source}:{number}: not '<op> key=value ... -> result': {line}")
            if op in SKIP_OPS:
                continue
            seen[op] = seen.get(op, 0) + 1
            if seen[op] % STEP != 1:
                continue
            full = ints(keys["in"])
            spelt = layer(op, keys, len(full) - 1)
            if spelt is None:
                continue
            batch = f"::with<batch<{full[0]}>>" if full[0] != 1 else ""
            net = f"input<{join(full[1:])}>{batch}, {spelt}"
            if "out" in result:
                out = join(ints(result["out"])[1:])
                weight = join(ints(result["weight"])) if "weight" in result else ""
                bias = join(ints(result["bias"])) if "bias" in result else ""
                lines_out.append(f"CTNN_VALID({number}, (sequential<{net}>), ({out}), ({weight}), ({bias}));")
            else:
                category = result.get("error") or result.get("rejected")
                lines_out.append(f"CTNN_INVALID({number}, {category}, ({net}));")
    target = os.path.join(ROOT, "tests", "data", "dsl_sample.inc")
    write_atomically(target, "// Generated by tools/make_dsl_sample.py from shape_cases.txt: every "
                     f"{STEP}rd case of each op, spelt in ctnn's DSL. The first argument is the line number.\n"
                     + "\n".join(lines_out) + "\n")
    print(f"wrote {len(lines_out)} cases to {os.path.relpath(target, ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
