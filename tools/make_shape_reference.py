#!/usr/bin/python3
"""Generate tests/data/shape_cases.txt: PyTorch reference shapes for ctnn.

Usage:  /usr/bin/python3 tools/make_shape_reference.py [output-path]

Every case line is one layer applied to one input shape in PyTorch (CPU,
float32 zeros, eval mode).  The line records the input parameters, then
either torch's output shape (plus weight/bias shapes for layers with
parameters), the category of the error torch raised, or -- for inputs torch
accepts but ctnn rejects by design -- that category plus torch's output.

    <op> key=value key=value ... -> out=<list> [weight=<list>] [bias=<list>]
    <op> key=value key=value ... -> error=<category>
    <op> key=value key=value ... -> rejected=<category> torch_out=<list>

Conventions (the C++ parser relies on them):
  * `in=`, `a=`, `b=` and `out=` are full torch shapes including batch N.
  * per-spatial-dimension parameters carry one value per spatial dim, in
    torch order (D,H,W); nothing is broadcast.
  * lists are comma separated without spaces; `scale` values may be decimals.

Generation is deterministic: hand-picked cases first, then seeded random cases
(random.Random(2026)) op by op, in generation order.  Torch is the reference
for everything except the ctnn-by-design rejections (zero_size,
negative_padding, add broadcasting, and inputs torch accepts only because it
treats them as unbatched: rank).

If torch raises an error whose message matches none of ERROR_RULES the script
stops and prints the message so the mapping can be extended; no case is
dropped silently.

Only the Python standard library and torch are needed.  Meta tensors are not
used: in torch 1.13 the meta kernels skip many shape checks (e.g. a conv whose
kernel exceeds the input yields a 0-size output instead of an error), so every
case runs on CPU with small sizes and one thread, with oneDNN (mkldnn)
disabled so that ATen's own argument checks and messages are what we see.
"""

import math
import os
import random
import re
import sys
import warnings
from collections import Counter, defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from write_atomically import write_atomically  # noqa: E402

SEED = 2026
FAULT_RATE = 0.4          # probability that a random case gets one fault
MAX_MACS = 3e7            # keep every random conv cheap (2 busy cores)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(
    os.path.join(HERE, os.pardir, "tests", "data", "shape_cases.txt"))

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
torch.manual_seed(0)


# ---------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------

def fmt_num(x):
    if isinstance(x, bool):
        return str(int(x))
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if x == int(x):
            return str(int(x))
        return repr(x)
    raise TypeError("cannot format %r" % (x,))


def fmt_val(v):
    if isinstance(v, (list, tuple, torch.Size)):
        assert len(v) > 0, "empty list"
        return ",".join(fmt_num(x) for x in v)
    if isinstance(v, str):
        return v
    return fmt_num(v)


def torch_pad_tuple(pb, pe):
    """Per-dim (D,H,W) begin/end pads -> F.pad's last-dim-first tuple."""
    t = []
    for j in reversed(range(len(pb))):
        t += [pb[j], pe[j]]
    return tuple(t)


def zeros(shape):
    return torch.zeros(tuple(shape), dtype=torch.float32)


# ---------------------------------------------------------------------------
# torch error message -> ctnn category
# ---------------------------------------------------------------------------

def _last_shape(msg):
    groups = re.findall(r"[\[{]\s*([0-9][0-9,\s]*)[\]}]", msg)
    if not groups:
        return None
    return [int(x) for x in re.split(r"[,\s]+", groups[-1].strip()) if x]


def _by_reported_shape(msg, case):
    """'Expected 3D or 4D ... tensor ..., but got: [1, 4, 0, 5]': the same
    message is used for a wrong rank and for an empty non-batch dim."""
    dims = _last_shape(msg)
    if dims and 0 in dims[1:]:
        return "zero_size"
    return "rank"


def _by_kernel(msg, case):
    """'non-empty ... weight tensor expected, but got: [4, 0, 3, 3]': the
    weight is empty either because a kernel dim is <= 0 or a channel is 0."""
    kernel = dict(case["keys"]).get("kernel", [])
    if any(k <= 0 for k in kernel):
        return "bad_parameter"
    return "zero_size"


def _by_interp_sizes(msg, case):
    """interpolate: 'Input and output sizes should be greater than 0, but got
    input (H: 1, W: 4) output (H: 0, W: 8)'."""
    kv = dict(case["keys"])
    if 0 in kv["in"][2:]:
        return "zero_size"
    vals = kv.get("size", kv.get("scale"))
    if any(v <= 0 for v in vals):
        return "bad_parameter"
    return "output_too_small"


def _by_op_dim(msg, case):
    """'Dimension out of range (expected to be in range of [-3, 2], but got 3)'"""
    if case["op"] in ("softmax", "flatten"):
        return "bad_parameter"
    return "rank"


# Ordered: the first matching rule wins.  (regex, category or resolver)
ERROR_RULES = [
    # conv / conv_transpose module construction
    (r"in_channels must be divisible by groups", "in_channels_groups"),
    (r"out_channels must be divisible by groups", "out_channels_groups"),
    (r"groups must be a positive integer", "bad_parameter"),
    (r"padding='same' is not supported for strided convolutions", "same_stride"),
    # transposed conv
    (r"output padding must be smaller than either stride or dilation", "output_padding"),
    (r"requested an output size of .*valid sizes range from", "output_size"),
    (r"negative output_padding is not supported", "negative_padding"),
    # negative padding (conv, conv_transpose, pools, F.pad cropping too far)
    (r"negative padding is not supported", "negative_padding"),
    (r"padding must be non-negative", "negative_padding"),
    (r"pad must be non-negative", "negative_padding"),
    (r"plus negative padding .* resulted in a negative output size", "negative_padding"),
    (r"start \(\d+\) \+ length \(-?\d+\) exceeds dimension size", "negative_padding"),
    # output spatial size < 1
    (r"Kernel size can't be greater than actual input size", "output_too_small"),
    (r"Output size is too small", "output_too_small"),
    (r"Invalid computed output size", "output_too_small"),
    (r"input image \(.*\) smaller than kernel size", "output_too_small"),
    # pooling padding
    (r"should be at most half of kernel size", "pool_padding"),
    (r"should be smaller than or equal to half of kernel size", "pool_padding"),
    # reflection padding
    (r"Padding size should be less than the corresponding input dimension", "reflect_padding"),
    # features / channels
    (r"mat1 and mat2 shapes cannot be multiplied", "in_features"),
    (r"running_mean should contain \d+ elements not \d+", "in_features"),
    # empty tensors
    (r"Expected input to have non-zero size for non-batch dimensions", "zero_size"),
    (r"Expected input's non-batch dimensions to have positive length", "zero_size"),
    (r"Non-empty \d+D data tensor expected", "zero_size"),
    (r"Only zero batch or zero channel inputs are supported", "zero_size"),
    (r"expected weight to be at least \d+ at dimension 0", "zero_size"),
    (r"select\(\): index 0 out of range for tensor of size \[0\]", "zero_size"),
    (r"non-empty .*weight tensor expected|tensor expected for weight", _by_kernel),
    (r"Input and output sizes should be greater than 0", _by_interp_sizes),
    # rank
    (r"Expected \d+D \(unbatched\) or \d+D \(batched\) input to", "rank"),
    (r"Expected \d+ to \d+ dimensions, but got \d+-dimensional tensor", "rank"),
    (r"^(non-empty )?\d+D or \d+D \(batch mode\) tensor expected for input$", "rank"),
    (r"Expected \d+D or \d+D (\(batch mode\) )?tensor.*but got", _by_reported_shape),
    (r"\d+D or \d+D \(batch mode\) tensor expected for input, but got", _by_reported_shape),
    (r"Only \d+D, \d+D, \d+D, \d+D padding with non-constant padding are supported", "rank"),
    (r"Padding length too large", "rank"),
    (r"Input and (output|scale_factor) must have the same number of spatial dimensions", "rank"),
    (r"Only 3D, 4D and 5D input Tensors supported", "rank"),
    (r"expected \d+D( or \d+D)? input \(got \d+D input\)", "rank"),
    (r"output_size must have \d+ or \d+ elements", "rank"),
    # bad parameters
    (r"kernel.?size (must|should) be greater than zero", "bad_parameter"),
    (r"stride should not be zero", "bad_parameter"),
    (r"stride (must|should) be greater than zero", "bad_parameter"),
    (r"non-positive stride is not supported", "bad_parameter"),
    (r"dilation (must|should) be greater than zero", "bad_parameter"),
    (r"non-positive dilation is not supported", "bad_parameter"),
    (r"Trying to create tensor with negative dimension", "bad_parameter"),
    (r"elements of output_size must be greater than or equal to 0", "bad_parameter"),
    (r"start_dim cannot come after end_dim", "bad_parameter"),
    (r"Dimension out of range", _by_op_dim),
    # reshape / cat / add
    (r"shape '\[.*\]' is invalid for input of size", "reshape_count"),
    (r"Sizes of tensors must match except in dimension", "cat_shapes"),
    (r"Tensors must have same number of dimensions", "cat_shapes"),
    (r"The size of tensor a \(\d+\) must match the size of tensor b", "add_shapes"),
]
ERROR_RULES = [(re.compile(p), c) for p, c in ERROR_RULES]
RULE_HITS = Counter()          # (pattern, category) -> count, for the summary


def classify(exc, case):
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    for pat, cat in ERROR_RULES:
        if pat.search(msg):
            res = cat(msg, case) if callable(cat) else cat
            RULE_HITS[(pat.pattern, res)] += 1
            return res
    print("UNMAPPED torch error; extend ERROR_RULES and rerun.", file=sys.stderr)
    print("  case: %s %s" % (case["op"], keys_str(case["keys"])), file=sys.stderr)
    print("  %s: %s" % (type(exc).__name__, str(exc)), file=sys.stderr)
    sys.exit(2)


# ---------------------------------------------------------------------------
# cases
# ---------------------------------------------------------------------------

def keys_str(keys):
    return " ".join("%s=%s" % (k, fmt_val(v)) for k, v in keys)


def make_case(op, keys, run, expect=None, exp_rank=None, pads=(),
              zero_params=(), comment=None):
    """expect: category our own shape rules predict (None = valid);
    used only to report where torch disagrees, never written to the file."""
    return dict(op=op, keys=keys, run=run, expect=expect, exp_rank=exp_rank,
                pads=list(pads), zero_params=list(zero_params), comment=comment)


def design_reject(case, out_shape):
    """ctnn-by-design rejections of inputs torch accepted."""
    kv = dict(case["keys"])
    shapes = [list(kv[k]) for k in ("in", "a", "b") if k in kv]
    er = case["exp_rank"]
    if er is not None:
        r = len(kv["in"])
        if (isinstance(er, int) and r != er) or (isinstance(er, tuple) and r < er[1]):
            return "rank"
    if any(p < 0 for p in case["pads"]):
        return "negative_padding"
    if case["op"] == "add" and shapes[0] != shapes[1]:
        return "add_shapes"
    if any(0 in s for s in shapes) or 0 in out_shape or 0 in case["zero_params"]:
        return "zero_size"
    return None


def evaluate(case):
    """Returns (result text, kind, category)."""
    try:
        # oneDNN (mkldnn) replaces some of ATen's argument checks with opaque
        # "could not create a descriptor" errors; use the native kernels.
        with torch.no_grad(), torch.backends.mkldnn.flags(enabled=False):
            y, w, b = case["run"]()
    except Exception as e:  # noqa: BLE001 - every torch error is classified
        cat = classify(e, case)
        return "error=" + cat, "error", cat
    out = list(y.shape)
    rej = design_reject(case, out)
    if rej:
        return "rejected=%s torch_out=%s" % (rej, fmt_val(out)), "rejected", rej
    s = "out=" + fmt_val(out)
    if w is not None:
        s += " weight=" + fmt_val(list(w))
    if b is not None:
        s += " bias=" + fmt_val(list(b))
    return s, "ok", None


# ---------------------------------------------------------------------------
# shape formulas (only used to steer generation and to flag torch quirks)
# ---------------------------------------------------------------------------

def conv_len(i, k, s, d, pb, pe):
    return (i + pb + pe - d * (k - 1) - 1) // s + 1


def tf_same_pads(i, k, s, d):
    o = -(-i // s)
    need = max(0, (o - 1) * s + d * (k - 1) + 1 - i)
    return need // 2, need - need // 2


def convT_len(i, k, s, d, p, op):
    return (i - 1) * s - 2 * p + d * (k - 1) + op + 1


def pool_len(i, k, s, p, d, ceil):
    num = i + 2 * p - d * (k - 1) - 1
    o = (num + (s - 1 if ceil else 0)) // s + 1
    if ceil and (o - 1) * s >= i + p:
        o -= 1
    return o


def divisors(n):
    return [x for x in range(1, n + 1) if n % x == 0]


def prod(xs):
    r = 1
    for x in xs:
        r *= x
    return r


# ---------------------------------------------------------------------------
# builders: explicit parameters -> case
# ---------------------------------------------------------------------------

CONV = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
CONVT = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}
MAXP = {1: nn.MaxPool1d, 2: nn.MaxPool2d, 3: nn.MaxPool3d}
AVGP = {1: nn.AvgPool1d, 2: nn.AvgPool2d, 3: nn.AvgPool3d}
AAVG = {1: nn.AdaptiveAvgPool1d, 2: nn.AdaptiveAvgPool2d, 3: nn.AdaptiveAvgPool3d}
AMAX = {1: nn.AdaptiveMaxPool1d, 2: nn.AdaptiveMaxPool2d, 3: nn.AdaptiveMaxPool3d}
LINEAR_MODE = {1: "linear", 2: "bilinear", 3: "trilinear"}


def conv_pads(in_shape, k, s, d, spelling, padding=None, pb=None, pe=None):
    """Explicit (begin, end) per dim for the spellings ctnn computes itself."""
    r = len(k)
    i = in_shape[2:]
    if spelling == "list":
        return list(padding), list(padding)
    if spelling == "valid":
        return [0] * r, [0] * r
    if spelling == "same":          # torch: total d(k-1), extra on the end side
        tot = [d[j] * (k[j] - 1) for j in range(r)]
        return [t // 2 for t in tot], [t - t // 2 for t in tot]
    if spelling == "tf_same":
        pp = [tf_same_pads(i[j], k[j], s[j], d[j]) for j in range(r)]
        return [p[0] for p in pp], [p[1] for p in pp]
    if spelling == "full":
        f = [d[j] * (k[j] - 1) for j in range(r)]
        return f, list(f)
    if spelling == "asym":
        return list(pb), list(pe)
    raise ValueError(spelling)


def build_conv(in_shape, cout, k, s, d, g, bias, spelling, padding=None,
               pb=None, pe=None, expect=None, comment=None):
    r = len(k)
    in_shape, k, s, d = list(in_shape), list(k), list(s), list(d)
    keys = [("in", in_shape), ("out_channels", cout), ("kernel", k), ("stride", s)]
    if spelling == "list":
        keys.append(("padding", list(padding)))
        pads = list(padding)
    elif spelling in ("valid", "same", "tf_same", "full"):
        keys.append(("padding", spelling))
        pads = []
    elif spelling == "asym":
        keys += [("pad_begin", list(pb)), ("pad_end", list(pe))]
        pads = list(pb) + list(pe)
    else:
        raise ValueError(spelling)
    keys += [("dilation", d), ("groups", g), ("bias", bias)]
    cin = in_shape[1]
    if spelling in ("tf_same", "full"):
        assert len(in_shape) == r + 2
        fpb, fpe = conv_pads(in_shape, k, s, d, spelling)
    elif spelling == "asym":
        fpb, fpe = list(pb), list(pe)

    def run():
        C = CONV[r]
        if spelling == "list":
            m = C(cin, cout, tuple(k), tuple(s), padding=tuple(padding),
                  dilation=tuple(d), groups=g, bias=bool(bias))
            x = zeros(in_shape)
        elif spelling in ("valid", "same"):
            m = C(cin, cout, tuple(k), tuple(s), padding=spelling,
                  dilation=tuple(d), groups=g, bias=bool(bias))
            x = zeros(in_shape)
        else:  # tf_same / full / asym: explicit zero pad, then padding 0
            m = C(cin, cout, tuple(k), tuple(s), padding=0,
                  dilation=tuple(d), groups=g, bias=bool(bias))
            x = F.pad(zeros(in_shape), torch_pad_tuple(fpb, fpe), mode="constant", value=0.0)
        y = m(x)
        return y, m.weight.shape, (m.bias.shape if bias else None)

    return make_case("conv", keys, run, expect, exp_rank=r + 2, pads=pads,
                     zero_params=[cout], comment=comment)


def build_convT(in_shape, cout, k, s, p, d, g, bias, op=None, osize=None,
                expect=None, comment=None):
    r = len(k)
    in_shape = list(in_shape)
    keys = [("in", in_shape), ("out_channels", cout), ("kernel", list(k)),
            ("stride", list(s)), ("padding", list(p))]
    if osize is not None:
        keys.append(("output_size", list(osize)))
    else:
        keys.append(("output_padding", list(op)))
    keys += [("dilation", list(d)), ("groups", g), ("bias", bias)]
    cin = in_shape[1]

    def run():
        m = CONVT[r](cin, cout, tuple(k), tuple(s), padding=tuple(p),
                     output_padding=tuple(op) if op is not None else 0,
                     groups=g, bias=bool(bias), dilation=tuple(d))
        x = zeros(in_shape)
        y = m(x, output_size=list(osize)) if osize is not None else m(x)
        return y, m.weight.shape, (m.bias.shape if bias else None)

    return make_case("conv_transpose", keys, run, expect, exp_rank=r + 2,
                     pads=list(p), zero_params=[cout], comment=comment)


def build_maxpool(in_shape, k, s, p, d, ceil, expect=None, comment=None):
    r = len(k)
    keys = [("in", list(in_shape)), ("kernel", list(k))]
    if s is not None:
        keys.append(("stride", list(s)))
    keys += [("padding", list(p)), ("dilation", list(d)), ("ceil_mode", ceil)]

    def run():
        m = MAXP[r](tuple(k), stride=tuple(s) if s is not None else None,
                    padding=tuple(p), dilation=tuple(d), ceil_mode=bool(ceil))
        return m(zeros(in_shape)), None, None

    return make_case("max_pool", keys, run, expect, exp_rank=r + 2, pads=list(p),
                     comment=comment)


def build_avgpool(in_shape, k, s, p, ceil, cip, expect=None, comment=None):
    r = len(k)
    keys = [("in", list(in_shape)), ("kernel", list(k))]
    if s is not None:
        keys.append(("stride", list(s)))
    keys += [("padding", list(p)), ("ceil_mode", ceil), ("count_include_pad", cip)]

    def run():
        m = AVGP[r](tuple(k), stride=tuple(s) if s is not None else None,
                    padding=tuple(p), ceil_mode=bool(ceil), count_include_pad=bool(cip))
        return m(zeros(in_shape)), None, None

    return make_case("avg_pool", keys, run, expect, exp_rank=r + 2, pads=list(p),
                     comment=comment)


def build_adaptive(kind, in_shape, osize, expect=None, comment=None):
    r = len(osize)
    keys = [("in", list(in_shape)), ("output_size", list(osize))]

    def run():
        M = (AAVG if kind == "avg" else AMAX)[r]
        return M(tuple(osize))(zeros(in_shape)), None, None

    return make_case("adaptive_%s_pool" % kind, keys, run, expect, exp_rank=r + 2,
                     zero_params=list(osize), comment=comment)


def build_upsample(in_shape, mode, ac, size=None, scale=None, expect=None, comment=None):
    vals = size if size is not None else scale
    r = len(vals)
    keys = [("in", list(in_shape)), ("mode", mode)]
    if mode == "linear":
        keys.append(("align_corners", ac))
    if size is not None:
        keys.append(("size", list(size)))
    else:
        keys.append(("scale", [float(x) for x in scale]))

    def run():
        tmode = "nearest" if mode == "nearest" else LINEAR_MODE[r]
        kw = dict(mode=tmode)
        if mode == "linear":
            kw["align_corners"] = bool(ac)
        if size is not None:
            kw["size"] = tuple(size)
        else:
            kw["scale_factor"] = tuple(float(x) for x in scale)
        return F.interpolate(zeros(in_shape), **kw), None, None

    return make_case("upsample", keys, run, expect, exp_rank=r + 2,
                     zero_params=list(size) if size is not None else [], comment=comment)


def build_pad(in_shape, mode, pb, pe, expect=None, comment=None):
    r = len(pb)
    keys = [("in", list(in_shape)), ("mode", mode), ("pad_begin", list(pb)),
            ("pad_end", list(pe))]

    def run():
        if mode == "constant":
            y = F.pad(zeros(in_shape), torch_pad_tuple(pb, pe), mode="constant", value=0.0)
        else:
            y = F.pad(zeros(in_shape), torch_pad_tuple(pb, pe), mode=mode)
        return y, None, None

    return make_case("pad", keys, run, expect, exp_rank=r + 2, pads=list(pb) + list(pe),
                     comment=comment)


def build_linear(in_shape, inf, outf, bias, expect=None, comment=None):
    keys = [("in", list(in_shape)), ("in_features", inf), ("out_features", outf),
            ("bias", bias)]

    def run():
        m = nn.Linear(inf, outf, bias=bool(bias))
        return m(zeros(in_shape)), m.weight.shape, (m.bias.shape if bias else None)

    return make_case("linear", keys, run, expect, exp_rank=("min", 2),
                     zero_params=[inf, outf], comment=comment)


def build_flatten(in_shape, start, end, expect=None, comment=None):
    keys = [("in", list(in_shape)), ("start_dim", start), ("end_dim", end)]

    def run():
        return nn.Flatten(start, end)(zeros(in_shape)), None, None

    return make_case("flatten", keys, run, expect, comment=comment)


def build_reshape(in_shape, shape, expect=None, comment=None):
    keys = [("in", list(in_shape)), ("shape", list(shape))]

    def run():
        return zeros(in_shape).reshape(in_shape[0], *shape), None, None

    return make_case("reshape", keys, run, expect, comment=comment)


def build_bn(in_shape, nf, expect=None, comment=None):
    keys = [("in", list(in_shape)), ("num_features", nf)]
    rank = len(in_shape)

    def run():
        B = {1: nn.BatchNorm1d, 2: nn.BatchNorm1d, 3: nn.BatchNorm1d,
             4: nn.BatchNorm2d, 5: nn.BatchNorm3d}.get(rank, nn.BatchNorm3d)
        m = B(nf).eval()
        return m(zeros(in_shape)), m.weight.shape, m.bias.shape

    return make_case("batch_norm", keys, run, expect, zero_params=[nf], comment=comment)


def build_softmax(in_shape, dim, expect=None, comment=None):
    keys = [("in", list(in_shape)), ("dim", dim)]

    def run():
        return F.softmax(zeros(in_shape), dim=dim), None, None

    return make_case("softmax", keys, run, expect, comment=comment)


def build_cat(a, b, expect=None, comment=None):
    keys = [("a", list(a)), ("b", list(b))]

    def run():
        return torch.cat([zeros(a), zeros(b)], dim=1), None, None

    return make_case("cat", keys, run, expect, comment=comment)


def build_add(a, b, expect=None, comment=None):
    keys = [("a", list(a)), ("b", list(b))]

    def run():
        return zeros(a) + zeros(b), None, None

    return make_case("add", keys, run, expect, comment=comment)


ACT = {"relu": F.relu, "gelu": F.gelu, "sigmoid": torch.sigmoid}


def build_act(op, in_shape, comment=None):
    keys = [("in", list(in_shape))]

    def run():
        return ACT[op](zeros(in_shape)), None, None

    return make_case(op, keys, run, comment=comment)


# ---------------------------------------------------------------------------
# hand-picked cases
# ---------------------------------------------------------------------------

def hand_picked():
    W = "worked example: "
    E = "edge case: "
    c = []
    # AlexNet conv1
    c.append(build_conv([1, 3, 227, 227], 96, [11, 11], [4, 4], [1, 1], 1, 1, "list",
                        padding=[0, 0], comment=W + "AlexNet conv1, 96 kernels 11x11 stride 4 pad 0 -> 55x55"))
    # 5x5 input, 3x3 kernel
    c.append(build_conv([1, 1, 5, 5], 1, [3, 3], [1, 1], [1, 1], 1, 1, "list",
                        padding=[1, 1], comment=W + "5x5 input, 3x3 kernel, pad 1, stride 1 -> 5x5"))
    c.append(build_conv([1, 1, 5, 5], 1, [3, 3], [1, 1], [1, 1], 1, 1, "list",
                        padding=[2, 2], comment=W + "5x5 input, 3x3 kernel, pad 2, stride 1 -> 7x7"))
    # 256x256
    c.append(build_conv([1, 1, 256, 256], 1, [3, 3], [1, 1], [1, 1], 1, 1, "list",
                        padding=[1, 1], comment=W + "256x256, conv k3 p1 s1 -> 256x256"))
    c.append(build_convT([1, 1, 256, 256], 1, [2, 2], [2, 2], [0, 0], [1, 1], 1, 1, op=[0, 0],
                         comment=W + "256x256, conv_transpose k2 s2 p0 -> 512x512"))
    c.append(build_convT([1, 1, 256, 256], 1, [4, 4], [2, 2], [1, 1], [1, 1], 1, 1, op=[0, 0],
                         comment=W + "256x256, conv_transpose k4 s2 p1 -> 512x512"))
    # 8,64,128,128
    big = [8, 64, 128, 128]
    c.append(build_conv(big, 32, [3, 3], [1, 1], [1, 1], 1, 1, "list", padding=[0, 0],
                        comment=W + "Conv2d(64,32,3) on 8,64,128,128 -> 8,32,126,126, weight 32,64,3,3"))
    c.append(build_conv(big, 32, [3, 3], [1, 1], [1, 1], 8, 1, "list", padding=[0, 0],
                        comment=W + "Conv2d(64,32,3,groups=8) -> weight 32,8,3,3"))
    c.append(build_conv(big, 64, [3, 3], [1, 1], [1, 1], 64, 1, "list", padding=[0, 0],
                        comment=W + "depthwise Conv2d(64,64,3,groups=64) -> weight 64,1,3,3"))
    c.append(build_conv(big, 32, [1, 1], [1, 1], [1, 1], 1, 1, "list", padding=[0, 0],
                        comment=W + "1x1 Conv2d(64,32,1) -> 8,32,128,128, weight 32,64,1,1"))
    c.append(build_convT([8, 32, 126, 126], 64, [3, 3], [1, 1], [0, 0], [1, 1], 1, 1, op=[0, 0],
                         comment=W + "ConvTranspose2d(32,64,3) on 8,32,126,126 -> 8,64,128,128, weight 32,64,3,3"))
    # padding / upsample
    c.append(build_pad([1, 1, 3, 3], "reflect", [2, 2], [2, 2],
                       comment=W + "ReflectionPad2d(2) on 1,1,3,3 -> 1,1,7,7"))
    c.append(build_upsample([1, 1, 2, 2], "nearest", 0, scale=[2, 2],
                            comment=W + "nearest upsample x2 (scale) on 1,1,2,2 -> 1,1,4,4"))
    c.append(build_upsample([1, 1, 2, 2], "nearest", 0, size=[4, 4],
                            comment=W + "nearest upsample x2 (size) on 1,1,2,2 -> 1,1,4,4"))
    # LeNet
    c.append(build_conv([1, 1, 32, 32], 6, [5, 5], [1, 1], [1, 1], 1, 1, "list", padding=[0, 0],
                        comment=W + "LeNet C1: conv 6 kernels 5x5 on 1x32x32 -> 6x28x28"))
    c.append(build_maxpool([1, 6, 28, 28], [2, 2], None, [0, 0], [1, 1], 0,
                           comment=W + "LeNet S2: max pool 2 (default stride) -> 6x14x14"))
    c.append(build_conv([1, 6, 14, 14], 16, [5, 5], [1, 1], [1, 1], 1, 1, "list", padding=[0, 0],
                        comment=W + "LeNet C3: conv 16 kernels 5x5 -> 16x10x10"))
    c.append(build_maxpool([1, 16, 10, 10], [2, 2], None, [0, 0], [1, 1], 0,
                           comment=W + "LeNet S4: max pool 2 (default stride) -> 16x5x5"))
    c.append(build_flatten([1, 16, 5, 5], 1, -1, comment=W + "LeNet flatten 16x5x5 -> 400"))
    c.append(build_linear([1, 400], 400, 120, 1, comment=W + "LeNet F5: linear 400 -> 120"))
    c.append(build_linear([1, 120], 120, 84, 1, comment=W + "LeNet F6: linear 120 -> 84"))
    c.append(build_linear([1, 84], 84, 10, 1, comment=W + "LeNet output: linear 84 -> 10"))

    # a few hand-made edge cases documenting torch behaviour
    c.append(build_conv([1, 2, 9], 3, [4], [1], [1], 1, 1, "same",
                        comment=E + "padding=same with an even kernel: torch pads 1 before, 2 after"))
    c.append(build_conv([1, 2, 5], 3, [4], [1], [3], 1, 0, "same",
                        comment=E + "padding=same, effective kernel 10 > input 5 is accepted"))
    c.append(build_conv([1, 2, 8, 7], 4, [3, 3], [2, 2], [1, 1], 1, 1, "tf_same",
                        comment=E + "tf_same k3 s2: 8 -> 4 (pad 0+1), 7 -> 4 (pad 1+1)"))
    c.append(build_conv([1, 2, 5], 2, [3], [1], [2], 1, 1, "full",
                        comment=E + "full with dilation 2: pad d(k-1)=4 each side, 5 -> 9"))
    c.append(build_conv([1, 2, 8, 8], 4, [3, 3], [2, 2], [1, 1], 1, 1, "same",
                        expect="same_stride", comment=E + "padding=same with stride 2 is rejected"))
    c.append(build_conv([1, 4, 10], 4, [3], [1], [1], 1, 1, "asym", pb=[-1], pe=[2],
                        expect="negative_padding",
                        comment=E + "negative asymmetric pad: F.pad crops, torch accepts; ctnn rejects"))
    c.append(build_maxpool([1, 1, 4], [2], [2], [1], [1], 1,
                           comment=E + "ceil_mode: last window would start in the right padding, torch drops it (3 not 4)"))
    c.append(build_maxpool([1, 1, 5], [6], None, [0], [1], 1,
                           comment=E + "ceil_mode: kernel 6 > input 5 still gives 1 output"))
    c.append(build_maxpool([1, 4, 5], [9], None, [0], [1], 0, expect="output_too_small",
                           comment=E + "MaxPool1d kernel 9 > input 5: torch 1.13 returns a 0-length output instead of an error"))
    c.append(build_avgpool([1, 1, 2, 2, 2], [3, 3, 3], [1, 1, 1], [1, 1, 1], 0, 1,
                           comment=E + "AvgPool3d: input smaller than kernel is an error even with padding (2D/1D accept)"))
    c.append(build_avgpool([1, 1, 2, 2], [3, 3], [1, 1], [1, 1], 0, 1,
                           comment=E + "AvgPool2d: same geometry as above in 2D is accepted"))
    c.append(build_convT([1, 4, 2], 3, [1], [4], [3], [1], 1, 1, osize=[1],
                         comment=E + "output_size inside [min,min+s-1]=[-2,1] while the formula minimum is negative"))
    c.append(build_adaptive("avg", [1, 3, 8, 8], [0, 2], expect="zero_size",
                            comment=E + "adaptive pool with output_size 0 is accepted by torch"))
    c.append(build_conv([1, 0, 8, 8], 3, [3, 3], [1, 1], [1, 1], 1, 1, "list", padding=[0, 0],
                        expect="zero_size",
                        comment=E + "Conv2d(0,3,3): torch returns 0 output channels, not 3"))
    c.append(build_add([2, 3, 4, 4], [2, 1, 4, 4], expect="add_shapes",
                       comment=E + "broadcasting add is accepted by torch, rejected by ctnn"))
    c.append(build_pad([1, 2, 6, 6], "constant", [0, -1], [0, -2], expect="negative_padding",
                       comment=E + "constant pad with negative values crops in torch"))
    return c


# ---------------------------------------------------------------------------
# random generators.  Each returns a case or None (resample).
# ---------------------------------------------------------------------------

def pick_fault(rng, weights):
    if rng.random() >= FAULT_RATE:
        return None
    names = list(weights)
    return rng.choices(names, [weights[n] for n in names])[0]


def rand_rank(rng):
    return rng.choice([1, 2, 2, 3])


# ---- conv ------------------------------------------------------------------

CONV_FAULTS = dict(in_channels_groups=2, out_channels_groups=2, output_too_small=3,
                   same_stride=1.5, rank=1.2, bad_parameter=1.8, zero_size=1.3,
                   negative_padding=1.5)


def gen_conv(rng, fault):
    r = rand_rank(rng)
    hi = 40 if r < 3 else 12
    cmax = 16 if r < 3 else 8
    N = rng.choice([1, 2])
    cin = rng.randint(1, cmax)
    t = rng.random()
    if t < 0.15:
        g, cout = cin, cin * rng.randint(1, 3)             # depthwise
    elif t < 0.45:
        g = rng.choice(divisors(cin))
        cout = g * rng.randint(1, max(1, cmax // g))
    else:
        g, cout = 1, rng.randint(1, cmax)
    kmax = 7 if r < 3 else 5
    k = [1] * r if rng.random() < 0.12 else [rng.randint(1, kmax) for _ in range(r)]
    s = [1] * r if rng.random() < 0.4 else [rng.randint(1, 4) for _ in range(r)]
    d = [1] * r if rng.random() < 0.6 else [rng.randint(1, 3) for _ in range(r)]
    sp = rng.choices(["list", "valid", "same", "tf_same", "full", "asym"],
                     [36, 10, 16, 13, 10, 15])[0]
    i = [rng.randint(1, hi) for _ in range(r)]
    bias = rng.randint(0, 1)
    pad = [rng.randint(0, 4) for _ in range(r)]
    pb = [rng.randint(0, 4) for _ in range(r)]
    pe = [rng.randint(0, 4) for _ in range(r)]
    if sp == "same":
        s = [1] * r
    in_shape = [N, cin] + i
    j = rng.randrange(r)

    def outs():
        fpb, fpe = conv_pads(in_shape, k, s, d, sp, pad, pb, pe)
        return [conv_len(in_shape[2 + q], k[q], s[q], d[q], fpb[q], fpe[q]) for q in range(r)]

    if fault is None or fault in ("in_channels_groups", "out_channels_groups", "same_stride"):
        if min(outs()) < 1:
            return None
    if fault == "in_channels_groups":
        if cin < 2:
            return None
        g = rng.choice([x for x in range(2, cin + 2) if cin % x != 0])
        cout = g * rng.randint(1, max(1, cmax // g))
    elif fault == "out_channels_groups":
        gs = [x for x in divisors(cin) if x > 1]
        if not gs:
            return None
        g = rng.choice(gs)
        cout = rng.choice([x for x in range(1, cmax + 1) if x % g != 0] or [g + 1])
    elif fault == "output_too_small":
        if sp not in ("list", "valid", "asym"):
            sp = rng.choice(["list", "valid", "asym"])
        k[j] = rng.randint(3, kmax)
        fpb, fpe = conv_pads(in_shape, k, s, d, sp, pad, pb, pe)
        need = d[j] * (k[j] - 1) + 1 - fpb[j] - fpe[j]
        if need < 2:
            return None
        in_shape[2 + j] = rng.randint(1, need - 1)
        if min(outs()) >= 1 or any(
                conv_len(in_shape[2 + q], k[q], s[q], d[q], fpb[q], fpe[q]) < 1
                for q in range(r) if q != j):
            return None
    elif fault == "same_stride":
        sp = "same"
        s = [1] * r
        s[j] = rng.randint(2, 4)
    elif fault == "rank":
        if sp not in ("list", "valid", "same"):
            sp = "list"
        if min(outs()) < 1:
            return None
        if r >= 2 and rng.random() < 0.3:
            in_shape = [N, cin]
        else:
            in_shape = in_shape + [rng.randint(1, hi)]
    elif fault == "bad_parameter":
        sp = "list"
        if min(outs()) < 1:
            return None
        which = rng.choice(["kernel", "stride", "dilation", "groups"])
        v = rng.choice([0, 0, -1])
        if which == "kernel":
            k[j] = v
        elif which == "stride":
            s[j] = v
        elif which == "dilation":
            d[j] = v
        else:
            g = v
    elif fault == "zero_size":
        if min(outs()) < 1:
            return None
        which = rng.choice(["batch", "cout", "cin", "spatial"])
        if which == "batch":
            in_shape[0] = 0
        elif which == "cout":
            cout = 0
        elif which == "cin":
            in_shape[1] = 0
            g = 1
        else:
            sp = "list"
            in_shape[2 + j] = 0
            k[j] = 1
            d[j] = 1
            pad[j] = rng.randint(1, 2)
    elif fault == "negative_padding":
        if rng.random() < 0.5:
            sp = "list"
            pad[j] = -rng.randint(1, 2)
        else:
            sp = "asym"
            if rng.random() < 0.5:
                pb[j] = -rng.randint(1, 3)
            else:
                pe[j] = -rng.randint(1, 3)
            if in_shape[2 + j] + min(pb[j], 0) + min(pe[j], 0) < 1 or min(outs()) < 1:
                return None
    cin_eff = max(in_shape[1], 1) if len(in_shape) > 1 else 1
    macs = max(in_shape[0], 1) * max(cout, 1) * cin_eff * prod(max(x, 1) for x in k) * \
        prod(max(x, 1) for x in in_shape[2:]) // max(abs(g) if g else 1, 1)
    if macs > MAX_MACS:
        return None
    return build_conv(in_shape, cout, k, s, d, g, bias, sp, padding=pad, pb=pb, pe=pe,
                      expect=fault)


# ---- conv_transpose --------------------------------------------------------

CONVT_FAULTS = dict(in_channels_groups=1.5, out_channels_groups=1.5, output_padding=2,
                    output_size=2, output_too_small=2, rank=1, bad_parameter=1.5,
                    zero_size=1.2, negative_padding=1)


def gen_convT(rng, fault):
    r = rand_rank(rng)
    hi = 24 if r < 3 else 8
    cmax = 16 if r < 3 else 6
    N = rng.choice([1, 2])
    cin = rng.randint(1, cmax)
    t = rng.random()
    if t < 0.15:
        g, cout = cin, cin * rng.randint(1, 2)
    elif t < 0.45:
        g = rng.choice(divisors(cin))
        cout = g * rng.randint(1, max(1, cmax // g))
    else:
        g, cout = 1, rng.randint(1, cmax)
    kmax = 7 if r < 3 else 4
    k = [rng.randint(1, kmax) for _ in range(r)]
    s = [1] * r if rng.random() < 0.3 else [rng.randint(1, 4) for _ in range(r)]
    d = [1] * r if rng.random() < 0.6 else [rng.randint(1, 3) for _ in range(r)]
    p = [0] * r if rng.random() < 0.3 else [rng.randint(0, 4) for _ in range(r)]
    i = [rng.randint(1, hi) for _ in range(r)]
    bias = rng.randint(0, 1)
    use_os = rng.random() < 0.25
    op = [rng.randint(0, max(s[q], d[q]) - 1) if rng.random() < 0.5 else 0 for q in range(r)]
    in_shape = [N, cin] + i
    j = rng.randrange(r)

    def mins(opad):
        return [convT_len(in_shape[2 + q], k[q], s[q], d[q], p[q], opad[q]) for q in range(r)]

    m0 = mins([0] * r)
    osize = [m0[q] + rng.randint(0, s[q] - 1) for q in range(r)] if use_os else None

    def valid_geom():
        if use_os:
            return min(osize) >= 1
        return min(mins(op)) >= 1

    if fault not in ("output_too_small", "output_size", "output_padding"):
        if not valid_geom():
            return None
    if fault == "in_channels_groups":
        if cin < 2:
            return None
        g = rng.choice([x for x in range(2, cin + 2) if cin % x != 0])
        cout = g * rng.randint(1, max(1, cmax // g))
    elif fault == "out_channels_groups":
        gs = [x for x in divisors(cin) if x > 1]
        if not gs:
            return None
        g = rng.choice(gs)
        cout = rng.choice([x for x in range(1, cmax + 1) if x % g != 0] or [g + 1])
    elif fault == "output_padding":
        use_os, osize = False, None
        op = [0] * r
        op[j] = max(s[j], d[j]) + rng.randint(0, 2)
        if min(mins(op)) < 1:
            return None
    elif fault == "output_size":
        if min(m0) < 1:
            return None
        use_os = True
        osize = [m0[q] + rng.randint(0, s[q] - 1) for q in range(r)]
        if rng.random() < 0.5 and m0[j] - 1 >= 1:
            osize[j] = m0[j] - rng.randint(1, min(3, m0[j] - 1))
        else:
            osize[j] = m0[j] + s[j] - 1 + rng.randint(1, 3)
    elif fault == "output_too_small":
        use_os, osize = False, None
        base = convT_len(in_shape[2 + j], k[j], s[j], d[j], 0, op[j])
        p[j] = (base + 1) // 2 + rng.randint(0, 1)
        if p[j] > 8 or min(mins(op)) >= 1 or any(mins(op)[q] < 1 for q in range(r) if q != j):
            return None
    elif fault == "rank":
        use_os, osize = False, None
        if min(mins(op)) < 1:
            return None
        if r >= 2 and rng.random() < 0.3:
            in_shape = [N, cin]
        else:
            in_shape = in_shape + [rng.randint(1, hi)]
    elif fault == "bad_parameter":
        use_os, osize = False, None
        op = [0] * r
        if min(mins(op)) < 1:
            return None
        which = rng.choice(["kernel", "stride", "dilation", "groups"])
        v = rng.choice([0, 0, -1])
        if which == "kernel":
            k[j] = v
        elif which == "stride":
            s[j] = v
        elif which == "dilation":
            d[j] = v
        else:
            g = v
    elif fault == "zero_size":
        use_os, osize = False, None
        which = rng.choice(["batch", "cout", "cin", "spatial"])
        if which == "batch":
            in_shape[0] = 0
        elif which == "cout":
            cout = 0
        elif which == "cin":
            in_shape[1] = 0
            g = 1
        else:
            in_shape[2 + j] = 0
    elif fault == "negative_padding":
        use_os, osize = False, None
        p[j] = -rng.randint(1, 2)
        if min(mins(op)) < 1:
            return None
    macs = max(in_shape[0], 1) * max(in_shape[1], 1) * max(cout, 1) * \
        prod(max(x, 1) for x in k) * prod(max(x, 1) for x in in_shape[2:]) // max(abs(g) if g else 1, 1)
    if macs > MAX_MACS:
        return None
    return build_convT(in_shape, cout, k, s, p, d, g, bias,
                       op=None if use_os else op, osize=osize if use_os else None,
                       expect=fault)


# ---- pools -------------------------------------------------------------------

POOL_FAULTS = dict(pool_padding=2.5, output_too_small=2.5, rank=1.5, bad_parameter=1.5,
                   zero_size=1.2, negative_padding=0.8)


def gen_pool(rng, fault, kind):
    r = rand_rank(rng)
    hi = 40 if r < 3 else 14
    N = rng.choice([1, 2])
    C = rng.randint(1, 16 if r < 3 else 8)
    kmax = 7 if r < 3 else 4
    if rng.random() < 0.5:
        k = [rng.randint(1, kmax)] * r
    else:
        k = [rng.randint(1, kmax) for _ in range(r)]
    s = None if rng.random() < 0.45 else [rng.randint(1, 4) for _ in range(r)]
    p = [0] * r if rng.random() < 0.5 else [rng.randint(0, k[q] // 2) for q in range(r)]
    d = [1] * r if (kind == "avg" or rng.random() < 0.65) else [rng.randint(1, 3) for _ in range(r)]
    ceil = 1 if rng.random() < 0.4 else 0
    cip = rng.randint(0, 1)
    i = [rng.randint(1, hi) for _ in range(r)]
    in_shape = [N, C] + i
    j = rng.randrange(r)

    def outs():
        ss = s if s is not None else k
        return [pool_len(in_shape[2 + q], k[q], ss[q], p[q], d[q], ceil) for q in range(r)]

    if fault in (None, "pool_padding", "rank", "bad_parameter", "zero_size", "negative_padding"):
        if min(outs()) < 1:
            return None
    if fault == "pool_padding":
        p[j] = k[j] // 2 + rng.randint(1, 2)
    elif fault == "output_too_small":
        kk = rng.randint(2, kmax)
        k[j] = kk
        p[j] = rng.randint(0, kk // 2) if rng.random() < 0.3 else 0
        lim = d[j] * (k[j] - 1) - 2 * p[j]
        if lim < 1:
            return None
        in_shape[2 + j] = rng.randint(1, lim)
        o = outs()
        if o[j] >= 1 or any(o[q] < 1 for q in range(r) if q != j):
            return None
    elif fault == "rank":
        v = rng.random()
        if v < 0.45:
            in_shape = in_shape + [rng.randint(1, hi)]
        elif v < 0.75:
            in_shape = in_shape[1:]              # unbatched: torch accepts
        elif r >= 2:
            in_shape = [N, C]
        else:
            in_shape = in_shape + [rng.randint(1, hi)]
    elif fault == "bad_parameter":
        opts = ["kernel", "stride"] + (["dilation"] if kind == "max" else [])
        which = rng.choice(opts)
        v = rng.choice([0, 0, -1])
        if which == "kernel":
            k[j] = v
            p[j] = 0
        elif which == "stride":
            s = list(s) if s is not None else list(k)
            s[j] = v
        else:
            d[j] = v
    elif fault == "zero_size":
        which = rng.choice(["batch", "channels", "spatial"])
        if which == "batch":
            in_shape[0] = 0
        elif which == "channels":
            in_shape[1] = 0
        else:
            in_shape[2 + j] = 0
    elif fault == "negative_padding":
        p[j] = -rng.randint(1, 2)
    if kind == "max":
        return build_maxpool(in_shape, k, s, p, d, ceil, expect=fault)
    return build_avgpool(in_shape, k, s, p, ceil, cip, expect=fault)


ADAPT_FAULTS = dict(zero_size=2, bad_parameter=1.5, rank=1.5)


def gen_adaptive(rng, fault, kind):
    r = rand_rank(rng)
    hi = 40 if r < 3 else 14
    N = rng.choice([1, 2])
    C = rng.randint(1, 16 if r < 3 else 8)
    i = [rng.randint(1, hi) for _ in range(r)]
    osz = [rng.randint(1, min(16, i[q] + 3)) for q in range(r)]
    if rng.random() < 0.15:
        osz = [1] * r                            # global pooling
    in_shape = [N, C] + i
    j = rng.randrange(r)
    if fault == "zero_size":
        which = rng.choice(["output", "batch", "channels", "spatial"])
        if which == "output":
            osz[j] = 0
        elif which == "batch":
            in_shape[0] = 0
        elif which == "channels":
            in_shape[1] = 0
        else:
            in_shape[2 + j] = 0
    elif fault == "bad_parameter":
        osz[j] = -rng.randint(1, 2)
    elif fault == "rank":
        if rng.random() < 0.6:
            in_shape = in_shape + [rng.randint(1, hi)]
        else:
            in_shape = in_shape[1:]
    return build_adaptive(kind, in_shape, osz, expect=fault)


# ---- upsample ----------------------------------------------------------------

SCALES = [0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0]
UP_FAULTS = dict(output_too_small=2, bad_parameter=2, zero_size=1.2, rank=1.5)


def gen_upsample(rng, fault):
    r = rand_rank(rng)
    hi = 24 if r < 3 else 10
    N = rng.choice([1, 2])
    C = rng.randint(1, 8)
    i = [rng.randint(1, hi) for _ in range(r)]
    mode = "nearest" if rng.random() < 0.5 else "linear"
    ac = rng.randint(0, 1)
    use_size = rng.random() < 0.55
    size = [rng.randint(1, 40 if r < 3 else 16) for _ in range(r)]
    scale = [rng.choice(SCALES) for _ in range(r)]
    if rng.random() < 0.3:
        scale = [scale[0]] * r
    in_shape = [N, C] + i
    j = rng.randrange(r)
    if not use_size and fault != "output_too_small":
        if any(math.floor(i[q] * scale[q]) < 1 for q in range(r)):
            return None
    if fault == "output_too_small":
        use_size = False
        sc = rng.choice([0.25, 0.5, 0.75])
        scale[j] = sc
        in_shape[2 + j] = rng.randint(1, math.ceil(1 / sc) - 1)
        if any(math.floor(in_shape[2 + q] * scale[q]) < 1 for q in range(r) if q != j):
            return None
    elif fault == "bad_parameter":
        if use_size:
            size[j] = rng.choice([0, 0, -1])
        else:
            scale[j] = rng.choice([0.0, 0.0, -1.0, -0.5])
    elif fault == "zero_size":
        which = rng.choice(["batch", "channels", "spatial"])
        if which == "batch":
            in_shape[0] = 0
        elif which == "channels":
            in_shape[1] = 0
        else:
            in_shape[2 + j] = 0
    elif fault == "rank":
        if rng.random() < 0.6 or r == 1:
            in_shape = in_shape + [rng.randint(1, hi)]
        else:
            in_shape = in_shape[:-1]
    if use_size:
        return build_upsample(in_shape, mode, ac, size=size, expect=fault)
    return build_upsample(in_shape, mode, ac, scale=scale, expect=fault)


# ---- pad -------------------------------------------------------------------------

PAD_FAULTS = dict(reflect_padding=3, negative_padding=2, zero_size=1.5, rank=1.5)


def gen_pad(rng, fault):
    r = rand_rank(rng)
    hi = 20 if r < 3 else 10
    N = rng.choice([1, 2])
    C = rng.randint(1, 8)
    i = [rng.randint(1, hi) for _ in range(r)]
    mode = rng.choices(["constant", "reflect", "replicate"], [40, 35, 25])[0]
    if fault == "reflect_padding":
        mode = "reflect"

    def rp(q):
        top = 4 if mode != "reflect" else min(4, i[q] - 1)
        return rng.randint(0, top)

    pb = [rp(q) for q in range(r)]
    pe = [rp(q) for q in range(r)]
    in_shape = [N, C] + i
    j = rng.randrange(r)
    if fault == "reflect_padding":
        v = i[j] + rng.randint(0, 2)
        if rng.random() < 0.5:
            pb[j] = v
        else:
            pe[j] = v
    elif fault == "negative_padding":
        v = -rng.randint(1, 3)
        if rng.random() < 0.5:
            pb[j] = v
        else:
            pe[j] = v
        if in_shape[2 + j] + min(pb[j], 0) + min(pe[j], 0) < 1:
            return None
    elif fault == "zero_size":
        which = rng.choice(["batch", "channels", "spatial"])
        if which == "batch":
            in_shape[0] = 0
        elif which == "channels":
            in_shape[1] = 0
        else:
            in_shape[2 + j] = 0
            if mode == "reflect":
                pb[j] = pe[j] = 0
    elif fault == "rank":
        if rng.random() < 0.6:
            in_shape = in_shape + [rng.randint(1, hi)]
        else:
            in_shape = in_shape[1:]
    return build_pad(in_shape, mode, pb, pe, expect=fault)


# ---- linear / flatten / reshape / batch_norm / softmax / cat / add ----------

LIN_FAULTS = dict(in_features=3, zero_size=1.5, rank=0.5)


def gen_linear(rng, fault):
    rank = rng.choices([2, 3, 4], [60, 25, 15])[0]
    N = rng.choice([1, 2])
    inf = rng.randint(1, 32)
    outf = rng.randint(1, 32)
    bias = rng.randint(0, 1)
    in_shape = [N] + [rng.randint(1, 6) for _ in range(rank - 2)] + [inf]
    if fault == "in_features":
        delta = rng.choice([-3, -2, -1, 1, 2, 3])
        if inf + delta < 1:
            delta = -delta
        in_shape[-1] = inf + delta
    elif fault == "zero_size":
        which = rng.choice(["out", "in", "batch"])
        if which == "out":
            outf = 0
        elif which == "in":
            inf = 0
            in_shape[-1] = 0
        else:
            in_shape[0] = 0
    elif fault == "rank":
        in_shape = [inf]
    return build_linear(in_shape, inf, outf, bias, expect=fault)


def rand_shape(rng, rank, hi=8):
    return [rng.choice([1, 2])] + [rng.randint(1, hi) for _ in range(rank - 1)]


FLAT_FAULTS = dict(bad_parameter=3, zero_size=1)


def gen_flatten(rng, fault):
    rank = rng.randint(2, 5)
    in_shape = rand_shape(rng, rank)
    if rng.random() < 0.3:
        a, b = 1, rank - 1
        start, end = 1, -1
    else:
        a = rng.randint(1, rank - 1)
        b = rng.randint(a, rank - 1)
        start = a if rng.random() < 0.6 else a - rank
        end = b if rng.random() < 0.5 else b - rank
    if fault == "bad_parameter":
        v = rng.random()
        if v < 0.35:
            start = rng.choice([rank, rank + 1, -rank - 1])
        elif v < 0.7:
            end = rng.choice([rank, rank + 2, -rank - 1])
        else:
            if rank < 3:
                return None
            a = rng.randint(2, rank - 1)
            b = rng.randint(1, a - 1)
            start = a if rng.random() < 0.5 else a - rank
            end = b if rng.random() < 0.5 else b - rank
    elif fault == "zero_size":
        in_shape[rng.randrange(rank)] = 0
    return build_flatten(in_shape, start, end, expect=fault)


RESH_FAULTS = dict(reshape_count=3, zero_size=1)


def factorize(rng, n, parts):
    out = []
    for _ in range(parts - 1):
        ds = divisors(n)
        f = rng.choice(ds)
        out.append(f)
        n //= f
    out.append(n)
    rng.shuffle(out)
    return out


def gen_reshape(rng, fault):
    rank = rng.randint(2, 5)
    in_shape = rand_shape(rng, rank)
    P = prod(in_shape[1:])
    shape = factorize(rng, P, rng.randint(1, 4))
    if rng.random() < 0.4:
        shape[rng.randrange(len(shape))] = -1
    if fault == "reshape_count":
        q = rng.randrange(len(shape))
        if shape[q] == -1:
            # -1 that cannot be inferred: make the rest not divide P
            cands = [x for x in range(2, 10) if P % x != 0]
            if not cands:
                return None
            if len(shape) == 1:
                shape = [cands[0], -1] if rng.random() < 0.5 else [-1, cands[0]]
            else:
                q2 = rng.choice([x for x in range(len(shape)) if x != q])
                shape[q2] = rng.choice(cands)
        else:
            shape[q] = shape[q] + rng.choice([1, 2, 3]) if rng.random() < 0.6 or shape[q] == 1 \
                else shape[q] - 1
        rest = prod(x for x in shape if x != -1)
        if (-1 in shape and P % rest == 0) or (-1 not in shape and rest == P):
            return None
    elif fault == "zero_size":
        q = rng.randrange(1, rank)
        in_shape[q] = 0
        shape = [x if x != -1 else 1 for x in shape]
        shape[rng.randrange(len(shape))] = 0
    return build_reshape(in_shape, shape, expect=fault)


BN_FAULTS = dict(in_features=3, zero_size=1.5, rank=1)


def gen_bn(rng, fault):
    rank = rng.randint(2, 5)
    N = rng.choice([1, 2])
    C = rng.randint(1, 16)
    in_shape = [N, C] + [rng.randint(1, 8) for _ in range(rank - 2)]
    nf = C
    if fault == "in_features":
        nf = C + rng.choice([-2, -1, 1, 2, 3])
        if nf < 1:
            nf = C + 1
    elif fault == "zero_size":
        which = rng.choice(["batch", "channels", "spatial"] if rank > 2 else ["batch", "channels"])
        if which == "batch":
            in_shape[0] = 0
        elif which == "channels":
            in_shape[1] = 0
            nf = 0
        else:
            in_shape[rng.randrange(2, rank)] = 0
    elif fault == "rank":
        in_shape = [C] if rng.random() < 0.5 else [N, C, 2, 2, 2, 2]
    return build_bn(in_shape, nf, expect=fault)


SM_FAULTS = dict(bad_parameter=3, zero_size=1)


def gen_softmax(rng, fault):
    rank = rng.randint(2, 5)
    in_shape = rand_shape(rng, rank)
    a = rng.randint(1, rank - 1)
    dim = a if rng.random() < 0.6 else a - rank
    if fault == "bad_parameter":
        dim = rng.choice([rank, rank + 1, -rank - 1, -rank - 2])
    elif fault == "zero_size":
        in_shape[rng.randrange(rank)] = 0
    return build_softmax(in_shape, dim, expect=fault)


CAT_FAULTS = dict(cat_shapes=3, zero_size=1)


def gen_cat(rng, fault):
    rank = rng.randint(2, 5)
    a = rand_shape(rng, rank)
    b = list(a)
    b[1] = rng.randint(1, 8)
    if fault == "cat_shapes":
        if rng.random() < 0.25:
            b = b + [rng.randint(1, 4)] if rng.random() < 0.5 or rank == 2 else b[:-1]
        else:
            q = rng.choice([0] + list(range(2, rank))) if rank > 2 else 0
            b[q] = b[q] + rng.randint(1, 3)
    elif fault == "zero_size":
        if rng.random() < 0.5:
            a[1] = 0
        else:
            b[1] = 0
    return build_cat(a, b, expect=fault)


ADD_FAULTS = dict(add_shapes=3, zero_size=1)


def gen_add(rng, fault):
    rank = rng.randint(2, 5)
    a = rand_shape(rng, rank)
    b = list(a)
    if fault == "add_shapes":
        v = rng.random()
        if v < 0.35:      # broadcastable: some dims of one operand become 1
            cand = [q for q in range(rank) if a[q] > 1]
            if not cand:
                return None
            q = rng.choice(cand)
            if rng.random() < 0.5:
                b[q] = 1
            else:
                a[q] = 1
        elif v < 0.5:     # broadcastable: b lacks leading dims
            b = b[rng.randint(1, rank - 1):]
        else:             # not broadcastable
            q = rng.randrange(rank)
            if a[q] == 1:
                a[q] = rng.randint(2, 4)
            b[q] = a[q] + rng.randint(1, 3)
    elif fault == "zero_size":
        a[rng.randrange(rank)] = 0
        b = list(a)
    return build_add(a, b, expect=fault)


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

RANDOM_PLAN = [
    # op name, count, generator, fault weights
    ("conv", 340, gen_conv, CONV_FAULTS),
    ("conv_transpose", 220, gen_convT, CONVT_FAULTS),
    ("max_pool", 150, lambda rng, f: gen_pool(rng, f, "max"), POOL_FAULTS),
    ("avg_pool", 130, lambda rng, f: gen_pool(rng, f, "avg"), POOL_FAULTS),
    ("adaptive_avg_pool", 60, lambda rng, f: gen_adaptive(rng, f, "avg"), ADAPT_FAULTS),
    ("adaptive_max_pool", 60, lambda rng, f: gen_adaptive(rng, f, "max"), ADAPT_FAULTS),
    ("upsample", 120, gen_upsample, UP_FAULTS),
    ("pad", 120, gen_pad, PAD_FAULTS),
    ("linear", 60, gen_linear, LIN_FAULTS),
    ("flatten", 50, gen_flatten, FLAT_FAULTS),
    ("reshape", 60, gen_reshape, RESH_FAULTS),
    ("batch_norm", 50, gen_bn, BN_FAULTS),
    ("softmax", 40, gen_softmax, SM_FAULTS),
    ("cat", 60, gen_cat, CAT_FAULTS),
    ("add", 60, gen_add, ADD_FAULTS),
]


def random_cases(rng):
    out = []
    for name, count, gen, faults in RANDOM_PLAN:
        made = 0
        while made < count:
            fault = pick_fault(rng, faults)
            for _ in range(10000):
                c = gen(rng, fault)
                if c is not None:
                    break
            else:
                raise RuntimeError("could not generate %s with fault %s" % (name, fault))
            out.append(c)
            made += 1
    for op in ("relu", "gelu", "sigmoid"):
        for _ in range(5):
            out.append(build_act(op, rand_shape(rng, rng.randint(2, 5))))
    return out


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    rng = random.Random(SEED)
    cases = hand_picked() + random_cases(rng)

    lines = []
    per_op = defaultdict(Counter)
    kinds = Counter()
    disagreements = defaultdict(list)
    for c in cases:
        res, kind, cat = evaluate(c)
        label = kind if kind == "ok" else "%s=%s" % (kind, cat)
        per_op[c["op"]][label] += 1
        kinds[label] += 1
        actual = None if kind == "ok" else cat
        if c["comment"]:
            lines.append("# " + c["comment"])
        elif actual != c["expect"]:
            lines.append("# torch quirk: the plain shape rules predict %s, torch gives %s"
                         % (c["expect"] or "a valid case", label))
        lines.append("%s %s -> %s" % (c["op"], keys_str(c["keys"]), res))
        if actual != c["expect"]:
            disagreements[(c["op"], c["expect"], label)].append(lines[-1])

    header = [
        "# generated by tools/make_shape_reference.py (torch %s, random.Random(%d)); %d cases"
        % (torch.__version__, SEED, len(cases)),
        "# format: <op> key=value ... -> out=<list> [weight=<list>] [bias=<list>]"
        " | -> error=<category> | -> rejected=<category> torch_out=<list>",
        "# in=/a=/b=/out= are full torch shapes including batch N; per-spatial-dim"
        " parameters have one value per dim in torch order (D,H,W); lists have no spaces.",
        "# error= : torch raised (message mapped to a ctnn category)."
        " rejected= : torch accepted, ctnn rejects by design (torch_out = torch's result).",
        "# conv padding=tf_same/full and pad_begin/pad_end were run in torch as"
        " F.pad(constant 0) followed by the conv with padding 0.",
        "# All cases ran on CPU (float32 zeros, eval mode, one thread, mkldnn disabled).",
    ]
    write_atomically(out_path, "\n".join(header + lines) + "\n")

    # ---- summary on stdout ----
    n_invalid = sum(v for k, v in kinds.items() if k != "ok")
    print("wrote %s: %d cases, %d valid, %d invalid (%.1f%%)"
          % (out_path, len(cases), kinds["ok"], n_invalid, 100.0 * n_invalid / len(cases)))
    print("\nper op:")
    for op in per_op:
        cnt = per_op[op]
        print("  %-18s %4d  %s" % (op, sum(cnt.values()),
                                   ", ".join("%s:%d" % kv for kv in sorted(cnt.items()))))
    print("\nper result kind/category:")
    for k, v in sorted(kinds.items()):
        print("  %-32s %d" % (k, v))
    print("\nwhere torch disagrees with the generator's own shape rules:")
    for (op, exp, got), ls in sorted(disagreements.items(), key=lambda kv: str(kv[0])):
        print("  %s: intended %s, torch -> %s  (%d)" % (op, exp or "valid", got, len(ls)))
        for l in ls[:2]:
            print("      " + l)
    print("\nerror rules used:")
    for (pat, cat), v in sorted(RULE_HITS.items(), key=lambda kv: kv[0][1]):
        print("  %-20s %4d  /%s/" % (cat, v, pat))


if __name__ == "__main__":
    main()
