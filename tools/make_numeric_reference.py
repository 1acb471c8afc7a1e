#!/usr/bin/env python3
"""Writes tests/data/numeric/<family>.inc: numeric reference cases computed by PyTorch.

Run with Debian's python3-torch (PyTorch 1.13): `/usr/bin/python3 tools/make_numeric_reference.py`.
Needs the standard library and torch only; deterministic (each family seeded from its name, one
thread), so two runs write byte-identical files.

Every case is one line of C++ for the harness to define:

  CTNN_NUMERIC_CASE(id, exact, (NET), (X...), (PARAMS...), (Y...));
  CTNN_PARTIAL_CONV_CASE(id, exact, (LAYER), (IN_SHAPE...), (X...), (MASK...), (PARAMS...), (Y...),
                         (NEW_MASK...));

NET is a ctnn network type; X the input sample and Y the output in PyTorch's contiguous order (NCL,
NCHW, NCDHW of the one sample); PARAMS every tensor of the torch model's state_dict() in its order
(num_batches_tracked left out), flattened and concatenated. Values are float32 literals that
round-trip (the shortest decimal that does); negative zeros are written as 0.

Y is torch's output computed in float64 from the float32 inputs and parameters, then rounded to
float32: the exact answer up to one rounding. The same model is also run in float32 as a check:
  exact = 1: the float32 run must give Y bit for bit, Y must be representable, and for arithmetic
             cases every value (input, parameter, every intermediate output) is a multiple of 2^-8 below
             2^12 in magnitude, with every partial sum below 2^15 (checked by running the model on the
             absolute values), so any summation order is exact. Selection-only layers (max pooling,
             padding, cropping, nearest upsampling, relu, reshapes) are exact on random floats too.
  exact = 0: the float32 run must be within a quarter of the harness tolerance
             |a - b| <= 1e-5 + 1e-5 |b| of Y, so that the tolerance is achievable.
A case torch rejects, or that fails a check, is a bug of this generator: it is printed and the script
exits non-zero.
"""
import copy
import math
import os
import random
import re
import struct
import sys
import warnings
import zlib
from fractions import Fraction

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from write_atomically import write_atomically  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "tests", "data", "numeric")
TOL_ABS, TOL_REL = 1e-5, 1e-5
MAX_TOL_FRACTION = 0.25  # the float32 run of an inexact case must stay within this fraction of the tolerance

warnings.filterwarnings("ignore", message="Using padding='same'")  # torch's note on even kernels
torch.manual_seed(2026)
torch.set_num_threads(1)
RNG = random.Random(2026)
NOTES = []  # torch behaviours worth reporting, printed at the end


# ---------------------------------------------------------------------------------------------------
# float32 literals

def _f32_bits(v):
    return struct.unpack("<I", struct.pack("<f", v))[0]


def _from_bits(b):
    return struct.unpack("<f", struct.pack("<I", b))[0]


def literal(v):
    """The shortest C++ float literal that reads back as the float32 value v."""
    v = float(v)
    if not math.isfinite(v):
        raise ValueError(f"non-finite value {v}")
    if v == 0:
        return "0.f"  # negative zeros written as 0: summation order decides the sign of a zero
    if v == int(v) and abs(v) < 2 ** 24:
        return f"{int(v)}.f"
    a = abs(v)
    bits = _f32_bits(a)
    if _from_bits(bits) != a:
        raise ValueError(f"{v!r} is not a float32 value")
    lo = (Fraction(_from_bits(bits - 1)) + Fraction(a)) / 2
    hi = (Fraction(_from_bits(bits + 1)) + Fraction(a)) / 2
    for p in range(1, 10):
        s = "%.*g" % (p, a)
        if lo < Fraction(s) < hi:
            break
    else:
        raise ValueError(f"no round-trip literal for {v!r}")
    if "e" not in s and "." not in s:
        s += "."
    return ("-" if v < 0 else "") + s + "f"


def flat(t):
    return t.detach().to(torch.float32).reshape(-1).tolist()


def values_text(values, indent="    ", width=112):
    """Comma-separated literals wrapped into lines."""
    out, line = [], ""
    for v in values:
        item = literal(v)
        if line and len(indent) + len(line) + 2 + len(item) > width:
            out.append(line + ",")
            line = item
        else:
            line = item if not line else line + ", " + item
    if line:
        out.append(line)
    return ("\n" + indent).join(out)


# ---------------------------------------------------------------------------------------------------
# random data

def randn(*shape, scale=1.0):
    return (torch.randn(*shape) * scale).float()


def ints(*shape, lo=-3, hi=3):
    return torch.randint(lo, hi + 1, shape).float()


def halves(*shape):
    return torch.randint(-2, 3, shape).float() * 0.5  # {-1, -0.5, 0, 0.5, 1}


def divisors(n):
    return [d for d in range(1, n + 1) if n % d == 0]


# ---------------------------------------------------------------------------------------------------
# layers: a builder maps an input sample shape to a Built (C++ spelling, torch module, output shape)

class Built:
    def __init__(self, cpp, module, out):
        self.cpp, self.module, self.out = cpp, module, out


def dry_shape(module, in_shape):
    module.eval()
    with torch.no_grad():
        y = module(torch.zeros(1, *in_shape))
    return tuple(y.shape[1:])


def vals(v):
    return ", ".join(str(int(i)) for i in v)


def per_dim(v, r):
    if isinstance(v, (tuple, list)):
        assert len(v) == r, (v, r)
        return tuple(v)
    return (v,) * r


def torch_pads(begin, end):
    """(begin, end) per dim in D, H, W order -> F.pad's order (last dim first)."""
    out = []
    for b, e in zip(reversed(begin), reversed(end)):
        out += [b, e]
    return tuple(out)


def tf_same_pads(spatial, k, s, d):
    begin, end = [], []
    for i, kk, ss, dd in zip(spatial, k, s, d):
        o = -(-i // ss)
        need = max(0, (o - 1) * ss + dd * (kk - 1) + 1 - i)
        begin.append(need // 2)
        end.append(need - need // 2)
    return tuple(begin), tuple(end)


class PrePad(nn.Module):
    """F.pad (zeros) then the inner module: asymmetric and TensorFlow-SAME padding."""

    def __init__(self, pads, inner):
        super().__init__()
        self.pads, self.inner = pads, inner

    def forward(self, x):
        return self.inner(F.pad(x, self.pads))


class Pad(nn.Module):
    def __init__(self, pads, mode, value=0.0):
        super().__init__()
        self.pads, self.mode, self.value = pads, mode, value

    def forward(self, x):
        if self.mode == "constant":
            return F.pad(x, self.pads, "constant", self.value)
        return F.pad(x, self.pads, self.mode)


class Crop(nn.Module):
    def __init__(self, begin, end):
        super().__init__()
        self.begin, self.end = begin, end

    def forward(self, x):
        index = [slice(None), slice(None)]
        for i, (b, e) in enumerate(zip(self.begin, self.end)):
            index.append(slice(b, x.shape[2 + i] - e))
        return x[tuple(index)]


class ConvTransposeSized(nn.Module):
    """forward(x, output_size): PyTorch derives the output padding from the size."""

    def __init__(self, inner, size):
        super().__init__()
        self.inner, self.size = inner, list(size)

    def forward(self, x):
        return self.inner(x, output_size=self.size)


class CropAfter(nn.Module):
    """Inner module, then crop: ONNX-style asymmetric padding of a transposed convolution."""

    def __init__(self, inner, begin, end):
        super().__init__()
        self.inner, self.crop = inner, Crop(begin, end)

    def forward(self, x):
        return self.crop(self.inner(x))


class Reshape(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.dims = dims

    def forward(self, x):
        return x.reshape(x.shape[0], *self.dims)


class Residual(nn.Module):
    def __init__(self, main, shortcut):
        super().__init__()
        self.main, self.shortcut = main, shortcut

    def forward(self, x):
        return self.main(x) + self.shortcut(x)


class Multiply(nn.Module):
    def __init__(self, main, gate):
        super().__init__()
        self.main, self.gate = main, gate

    def forward(self, x):
        return self.main(x) * self.gate(x)


class Concat(nn.Module):
    def __init__(self, branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        return torch.cat([b(x) for b in self.branches], 1)


CONV_FN = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


class PartialConv(nn.Module):
    """NVIDIA's partial convolution (Liu et al. 2018) over a binary mask.

    update = conv(mask, ones) (the mask summed over the window, and over all input channels with a
    multi-channel mask); out = conv(x * mask, W) * k_area / update + b where update > 0, else 0;
    new mask = update > 0. Without a mask (inside a network) the mask is all ones over the input, so only
    the zero padding counts as holes.
    """

    def __init__(self, conv, pads, multi):
        super().__init__()
        self.conv, self.pads, self.multi = conv, pads, multi

    def forward(self, x, mask=None, with_mask=False):
        c = self.conv
        r = x.dim() - 2
        if mask is None:
            mask = torch.ones(1, x.shape[1] if self.multi else 1, *x.shape[2:], dtype=x.dtype)
        if self.pads is not None:
            x, mask = F.pad(x, self.pads), F.pad(mask, self.pads)
        fn = CONV_FN[r]
        raw = fn(x * mask, c.weight, None, c.stride, c.padding, c.dilation, c.groups)
        ones = torch.ones(1, mask.shape[1], *c.kernel_size, dtype=x.dtype)
        update = fn(mask, ones, None, c.stride, c.padding, c.dilation, 1)
        k_area = mask.shape[1] * math.prod(c.kernel_size)
        holes = update <= 0
        ratio = k_area / torch.where(holes, torch.ones_like(update), update)
        out = raw * ratio
        if c.bias is not None:
            out = out + c.bias.view(1, -1, *([1] * r))
        out = torch.where(holes, torch.zeros_like(out), out)
        if not with_mask:
            return out
        new_mask = (~holes).to(x.dtype)
        if self.multi:
            new_mask = new_mask.expand(1, out.shape[1], *out.shape[2:]).contiguous()
        return out, new_mask


def conv_layer(r, cout, k, stride=1, dilation=1, groups=1, padding=None, bias=True, mult=None,
               spell_mult=True, spell_defaults=False, partial=False, multi=False, short_kernel=False):
    """conv1d/2d/3d, depthwise_conv (mult set) or partial_conv. padding: None (not written), ("pad", p),
    ("asym", begin, end), "same", "valid", "tf_same", "tf_same_lower", "full", or ("pad_short", p) (one
    broadcast value)."""
    k, s, d = per_dim(k, r), per_dim(stride, r), per_dim(dilation, r)

    def build(in_shape):
        cin, spatial = in_shape[0], in_shape[1:]
        opts = []
        if spell_defaults or any(v != 1 for v in s):
            opts.append(f"stride<{vals(s)}>")
        if spell_defaults or any(v != 1 for v in d):
            opts.append(f"dilation<{vals(d)}>")
        if mult is None and (spell_defaults or groups != 1):
            opts.append(f"groups<{groups}>")
        torch_pad, pre = 0, None
        if padding is None:
            pass
        elif padding == "same":
            opts.append("pad_same")
            torch_pad = "same"
        elif padding == "valid":
            opts.append("pad_valid")
        elif padding in ("tf_same", "tf_same_lower"):
            opts.append("pad_" + padding)
            b, e = tf_same_pads(spatial, k, s, d)
            if padding == "tf_same_lower":
                b, e = e, b
            pre = torch_pads(b, e)
        elif padding == "full":
            opts.append("pad_full")
            torch_pad = tuple(dd * (kk - 1) for kk, dd in zip(k, d))
        elif padding[0] == "pad":
            p = per_dim(padding[1], r)
            opts.append(f"pad<{vals(p)}>")
            torch_pad = p
        elif padding[0] == "pad_short":
            opts.append(f"pad<{padding[1]}>")
            torch_pad = padding[1]
        elif padding[0] == "asym":
            b, e = per_dim(padding[1], r), per_dim(padding[2], r)
            opts += [f"pad_begin<{vals(b)}>", f"pad_end<{vals(e)}>"]
            pre = torch_pads(b, e)
        else:
            raise ValueError(padding)
        if mult is not None and spell_mult:
            opts.append(f"channel_multiplier<{mult}>")
        if not bias:
            opts.append("no_bias")
        if multi:
            opts.append("multi_channel_mask")
        kern = str(k[0]) if short_kernel else f"kernel<{vals(k)}>"
        if mult is not None:
            cpp = f"depthwise_conv{r}d<{kern}" + "".join(", " + o for o in opts) + ">"
            g, co = cin, cin * mult
        else:
            name = "partial_conv" if partial else "conv"
            cpp = f"{name}{r}d<{cout}, {kern}" + "".join(", " + o for o in opts) + ">"
            g, co = groups, cout
        conv = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}[r](
            cin, co, k, stride=s, padding=torch_pad, dilation=d, groups=g, bias=bias)
        if partial:
            module = PartialConv(conv, pre, multi)
        elif pre is not None:
            module = PrePad(pre, conv)
        else:
            module = conv
        return Built(cpp, module, dry_shape(module, in_shape))

    return build


def conv_transpose_layer(r, cout, k, stride=1, pad=0, output_padding=0, dilation=1, groups=1, bias=True,
                         output_size=None, asym=None):
    k, s, d = per_dim(k, r), per_dim(stride, r), per_dim(dilation, r)
    p, a = per_dim(pad, r), per_dim(output_padding, r)

    def build(in_shape):
        cin = in_shape[0]
        opts = []
        if any(v != 1 for v in s):
            opts.append(f"stride<{vals(s)}>")
        if asym is not None:
            opts += [f"pad_begin<{vals(asym[0])}>", f"pad_end<{vals(asym[1])}>"]
        elif any(v != 0 for v in p):
            opts.append(f"pad<{vals(p)}>")
        if any(v != 0 for v in a):
            opts.append(f"output_padding<{vals(a)}>")
        if output_size is not None:
            opts.append(f"output_size<{vals(output_size)}>")
        if any(v != 1 for v in d):
            opts.append(f"dilation<{vals(d)}>")
        if groups != 1:
            opts.append(f"groups<{groups}>")
        if not bias:
            opts.append("no_bias")
        cpp = f"conv_transpose{r}d<{cout}, kernel<{vals(k)}>" + "".join(", " + o for o in opts) + ">"
        inner = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}[r](
            cin, cout, k, stride=s, padding=(0,) * r if asym else p, output_padding=a, groups=groups, bias=bias,
            dilation=d)
        module = inner
        if output_size is not None:
            module = ConvTransposeSized(inner, output_size)
        elif asym is not None:
            module = CropAfter(inner, asym[0], asym[1])
        return Built(cpp, module, dry_shape(module, in_shape))

    return build


def simple(cpp, make_module):
    def build(in_shape):
        m = make_module(in_shape)
        return Built(cpp, m, dry_shape(m, in_shape))

    return build


def max_pool_layer(r, k, stride=None, pad=0, dilation=1, ceil=False):
    k, p, d = per_dim(k, r), per_dim(pad, r), per_dim(dilation, r)
    s = per_dim(stride, r) if stride is not None else None
    opts = []
    if s is not None:
        opts.append(f"stride<{vals(s)}>")
    if any(p):
        opts.append(f"pad<{vals(p)}>")
    if any(v != 1 for v in d):
        opts.append(f"dilation<{vals(d)}>")
    if ceil:
        opts.append("ceil_mode")
    cpp = f"max_pool{r}d<kernel<{vals(k)}>" + "".join(", " + o for o in opts) + ">"
    cls = {1: nn.MaxPool1d, 2: nn.MaxPool2d, 3: nn.MaxPool3d}[r]
    return simple(cpp, lambda _: cls(k, stride=s, padding=p, dilation=d, ceil_mode=ceil))


class MaxUnpool(nn.Module):
    """SegNet's pair: max pooling with indices, the inner layers, max unpooling to x's size."""

    def __init__(self, r, k, s, p, inner):
        super().__init__()
        self.r, self.k, self.s, self.p, self.inner = r, k, s, p, inner

    def forward(self, x):
        pool = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[self.r]
        unpool = {1: F.max_unpool1d, 2: F.max_unpool2d, 3: F.max_unpool3d}[self.r]
        y, indices = pool(x, self.k, self.s, self.p, return_indices=True)
        return unpool(self.inner(y), indices, self.k, self.s, self.p, output_size=x.shape[2:])


def max_unpool(r, k, inner, stride=None, pad=0):
    def build(in_shape):
        pool = max_pool_layer(r, k, stride, pad)(in_shape)
        built = build_seq(inner, pool.out)
        s = per_dim(stride, r) if stride is not None else per_dim(k, r)
        m = MaxUnpool(r, per_dim(k, r), s, per_dim(pad, r), nn.Sequential(*[b.module for b in built]))
        cpp = "max_unpool<" + ", ".join([pool.cpp] + [b.cpp for b in built]) + ">"
        return Built(cpp, m, tuple(in_shape))

    return build


def avg_pool_layer(r, k, stride=None, pad=0, ceil=False, exclude=False):
    k, p = per_dim(k, r), per_dim(pad, r)
    s = per_dim(stride, r) if stride is not None else None
    opts = []
    if s is not None:
        opts.append(f"stride<{vals(s)}>")
    if any(p):
        opts.append(f"pad<{vals(p)}>")
    if ceil:
        opts.append("ceil_mode")
    if exclude:
        opts.append("exclude_pad")
    cpp = f"avg_pool{r}d<kernel<{vals(k)}>" + "".join(", " + o for o in opts) + ">"
    cls = {1: nn.AvgPool1d, 2: nn.AvgPool2d, 3: nn.AvgPool3d}[r]
    return simple(cpp, lambda _: cls(k, stride=s, padding=p, ceil_mode=ceil, count_include_pad=not exclude))


def adaptive_pool_layer(r, kind, o):
    o = per_dim(o, r)
    cls = {("avg", 1): nn.AdaptiveAvgPool1d, ("avg", 2): nn.AdaptiveAvgPool2d, ("avg", 3): nn.AdaptiveAvgPool3d,
           ("max", 1): nn.AdaptiveMaxPool1d, ("max", 2): nn.AdaptiveMaxPool2d, ("max", 3): nn.AdaptiveMaxPool3d}[
        (kind, r)]
    return simple(f"adaptive_{kind}_pool{r}d<{vals(o)}>", lambda _: cls(o))


def global_pool_layer(kind):
    def make(in_shape):
        r = len(in_shape) - 1
        return {("avg", 1): nn.AdaptiveAvgPool1d, ("avg", 2): nn.AdaptiveAvgPool2d, ("avg", 3): nn.AdaptiveAvgPool3d,
                ("max", 1): nn.AdaptiveMaxPool1d, ("max", 2): nn.AdaptiveMaxPool2d,
                ("max", 3): nn.AdaptiveMaxPool3d}[(kind, r)](1)

    return simple(f"global_{kind}_pool", make)


def reduce_layer(kind, dims, keep):
    torch_dims = tuple(d + 1 if d >= 0 else d for d in dims)

    def reduce(x):
        if kind in ("max", "min"):
            return torch.amax(x, torch_dims, keep) if kind == "max" else torch.amin(x, torch_dims, keep)
        return getattr(torch, kind)(x, torch_dims, keep)

    return simple(f"reduce_{kind}{'_keepdim' if keep else ''}<{vals(dims)}>", lambda _: Lambda(reduce))


UPSAMPLE_NAME = {("nearest", 1): "upsample_nearest1d", ("nearest", 2): "upsample_nearest2d",
                 ("nearest", 3): "upsample_nearest3d", ("linear", 1): "upsample_linear1d",
                 ("linear", 2): "upsample_bilinear2d", ("linear", 3): "upsample_trilinear3d",
                 ("nearest-exact", 1): "upsample_nearest_exact1d", ("nearest-exact", 2): "upsample_nearest_exact2d",
                 ("nearest-exact", 3): "upsample_nearest_exact3d", ("bicubic", 2): "upsample_bicubic2d"}
TORCH_MODE = {("nearest", 1): "nearest", ("nearest", 2): "nearest", ("nearest", 3): "nearest",
              ("linear", 1): "linear", ("linear", 2): "bilinear", ("linear", 3): "trilinear",
              ("nearest-exact", 1): "nearest-exact", ("nearest-exact", 2): "nearest-exact",
              ("nearest-exact", 3): "nearest-exact", ("bicubic", 2): "bicubic"}


def upsample_layer(r, mode, spec, align=False):
    """spec: ("scale", n or (n...)), ("ratio", p, q), ("ratios", (p...), (q...)) or ("size", (o...))."""
    if spec[0] == "ratios":
        opt = f"scale_factor<{vals(spec[1])}>, scale_den<{vals(spec[2])}>"
        kw = {"scale_factor": tuple(p / q for p, q in zip(spec[1], spec[2]))}
    elif spec[0] == "scale":
        n = per_dim(spec[1], r) if isinstance(spec[1], tuple) else spec[1]
        opt = f"scale_factor<{vals(n) if isinstance(n, tuple) else n}>"
        kw = {"scale_factor": tuple(float(v) for v in n) if isinstance(n, tuple) else float(n)}
    elif spec[0] == "ratio":
        opt = f"scale_ratio<{spec[1]}, {spec[2]}>"
        kw = {"scale_factor": spec[1] / spec[2]}
    else:
        opt = f"output_size<{vals(spec[1])}>"
        kw = {"size": tuple(spec[1])}
    opts = [opt] + (["align_corners"] if align else [])
    cpp = f"{UPSAMPLE_NAME[(mode, r)]}<{', '.join(opts)}>"
    if mode in ("linear", "bicubic"):
        kw["align_corners"] = align
    return simple(cpp, lambda _: nn.Upsample(mode=TORCH_MODE[(mode, r)], **kw))


PAD_NAME = {"zero": "zero_pad", "constant": "constant_pad", "reflect": "reflection_pad", "replicate": "replication_pad"}


def pad_layer(r, kind, begin, end, fill=None, spelling="asym"):
    """kind: zero, constant, reflect, replicate; fill (num, den) for constant; spelling: asym (pad_begin,
    pad_end), sym (pad<per dim>) or short (pad<one value>)."""
    begin, end = per_dim(begin, r), per_dim(end, r)
    if spelling == "asym":
        opts = [f"pad_begin<{vals(begin)}>", f"pad_end<{vals(end)}>"]
    elif spelling == "sym":
        assert begin == end
        opts = [f"pad<{vals(begin)}>"]
    else:
        assert len(set(begin + end)) == 1
        opts = [f"pad<{begin[0]}>"]
    value = 0.0
    if fill is not None:
        opts.append(f"fill_value<{fill[0]}, {fill[1]}>" if fill[1] != 1 else f"fill_value<{fill[0]}>")
        value = fill[0] / fill[1]
    cpp = f"{PAD_NAME[kind]}{r}d<{', '.join(opts)}>"
    mode = {"zero": "constant", "constant": "constant", "reflect": "reflect", "replicate": "replicate"}[kind]
    return simple(cpp, lambda _: Pad(torch_pads(begin, end), mode, value))


def crop_layer(r, begin, end, spelling="asym"):
    begin, end = per_dim(begin, r), per_dim(end, r)
    if spelling == "asym":
        opts = [f"crop_begin<{vals(begin)}>", f"crop_end<{vals(end)}>"]
    else:
        assert begin == end
        opts = [f"crop<{vals(begin)}>"]
    return simple(f"crop{r}d<{', '.join(opts)}>", lambda _: Crop(begin, end))


def linear_layer(fout, fin, bias=True):
    cpp = f"linear<{fout}, in_features<{fin}>" + ("" if bias else ", no_bias") + ">"
    return simple(cpp, lambda _: nn.Linear(fin, fout, bias=bias))


ACTIVATIONS = {
    "relu": lambda: nn.ReLU(),
    "relu6": lambda: nn.ReLU6(),
    "leaky_relu<1, 5>": lambda: nn.LeakyReLU(0.2),
    "leaky_relu<1, 4>": lambda: nn.LeakyReLU(0.25),
    "leaky_relu<>": lambda: nn.LeakyReLU(0.01),
    "sigmoid": lambda: nn.Sigmoid(),
    "ctnn::tanh_activation": lambda: nn.Tanh(),
    "hardswish": lambda: nn.Hardswish(),
    "silu": lambda: nn.SiLU(),
    "gelu": lambda: nn.GELU(),
    "gelu_tanh": lambda: nn.GELU(approximate="tanh"),
    "elu<>": lambda: nn.ELU(),
    "elu<1, 2>": lambda: nn.ELU(0.5),
    "elu<3, 2, 2, 1>": lambda: Lambda(lambda x: torch.ops.aten.elu(x, 1.5, 2.0, 1.0)),  # ONNX's Selu(alpha, gamma)
    "selu": lambda: nn.SELU(),
    "celu<>": lambda: nn.CELU(),
    "celu<3, 2>": lambda: nn.CELU(1.5),
    "hardtanh<>": lambda: nn.Hardtanh(),
    "hardtanh<-5, 3, 2>": lambda: nn.Hardtanh(-2.5, 1.5),
    "clamp<1, 1, 2>": lambda: Lambda(lambda x: torch.clamp(x, 0.5, 0.5)),
    "clamp<3, -2, 4>": lambda: Lambda(lambda x: torch.clamp(x, 0.75, -0.5)),  # min above max: max everywhere
    "clamp_min<-3, 4>": lambda: Lambda(lambda x: torch.clamp(x, min=-0.75)),
    "clamp_max<7, 2>": lambda: Lambda(lambda x: torch.clamp(x, max=3.5)),
    "hardsigmoid": lambda: nn.Hardsigmoid(),
    "hardsigmoid_affine<1, 5, 1, 2>": lambda: Lambda(lambda x: torch.clamp(0.2 * x + 0.5, 0, 1)),  # ONNX's default
    "softplus<>": lambda: nn.Softplus(),
    "softplus<2, 1, 6>": lambda: nn.Softplus(beta=2, threshold=6),
    "mish": lambda: nn.Mish(),
    "dropout": lambda: nn.Dropout(0.5),
    "identity_layer": lambda: nn.Identity(),
}
SELECTING_ACTIVATIONS = {"relu", "relu6", "leaky_relu<1, 4>", "dropout", "identity_layer", "hardtanh<>",
                         "hardtanh<-5, 3, 2>", "clamp<1, 1, 2>", "clamp<3, -2, 4>", "clamp_min<-3, 4>",
                         "clamp_max<7, 2>"}  # exact on any float


class Lambda(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.f = f

    def forward(self, x):
        return self.f(x)


def act(name):
    return simple(name, lambda _: ACTIVATIONS[name]())


def softmax_layer(dim=None, log=False):
    name, module = ("log_softmax", nn.LogSoftmax) if log else ("softmax", nn.Softmax)
    if dim is None:
        return simple(name, lambda _: module(dim=1))
    return simple(f"{name}_dim<{dim}>", lambda _: module(dim=dim + 1 if dim >= 0 else dim))


class ChannelLayerNorm(nn.Module):
    """torchvision's LayerNorm2d (ConvNeXt): LayerNorm(C) over the channels at each position."""

    def __init__(self, c, eps, affine):
        super().__init__()
        self.norm = nn.LayerNorm(c, eps=eps, elementwise_affine=affine)

    def forward(self, x):
        return self.norm(x.permute(0, *range(2, x.dim()), 1)).permute(0, x.dim() - 1, *range(1, x.dim() - 1))


class LayerScale(nn.Module):
    def __init__(self, c, rank):
        super().__init__()
        self.weight = nn.Parameter(randn(c, *([1] * rank), scale=0.5) + 1)

    def forward(self, x):
        return x * self.weight


def norm_options(eps, affine, affine_default=True):
    opts = []
    if eps is not None:
        opts.append(f"eps_ratio<1, {round(1 / eps)}>")
    if affine != affine_default:
        opts.append("affine" if affine else "no_affine")
    return opts


def layer_norm_layer(dims=1, eps=None, affine=True, declared=False):
    def build(in_shape):
        opts = norm_options(eps, affine)
        normalized = list(in_shape[len(in_shape) - dims:])
        m = nn.LayerNorm(normalized, eps=eps or 1e-5, elementwise_affine=affine)
        if dims == 1:
            cpp = f"layer_norm<{in_shape[-1] if declared else 0}{''.join(', ' + o for o in opts)}>"
        else:
            cpp = f"layer_norm_over<{dims}{''.join(', ' + o for o in opts)}>"
        return Built(cpp, m, tuple(in_shape))

    return build


def channel_layer_norm_layer(eps=None, affine=True):
    return lambda in_shape: Built(f"channel_layer_norm<{', '.join(norm_options(eps, affine))}>",
                                  ChannelLayerNorm(in_shape[0], eps or 1e-5, affine), tuple(in_shape))


def group_norm_layer(groups, eps=None, affine=True):
    return lambda in_shape: Built(f"group_norm<{', '.join([str(groups)] + norm_options(eps, affine))}>",
                                  nn.GroupNorm(groups, in_shape[0], eps=eps or 1e-5, affine=affine), tuple(in_shape))


def instance_norm_layer(eps=None, affine=False):
    def build(in_shape):
        r = len(in_shape) - 1
        m = {1: nn.InstanceNorm1d, 2: nn.InstanceNorm2d, 3: nn.InstanceNorm3d}[r](in_shape[0], eps=eps or 1e-5,
                                                                                 affine=affine)
        return Built(f"instance_norm{r}d<{', '.join(norm_options(eps, affine, False))}>", m, tuple(in_shape))

    return build


def layer_scale_layer():
    return lambda in_shape: Built("layer_scale", LayerScale(in_shape[0], len(in_shape) - 1), tuple(in_shape))


class TensorOp(nn.Module):
    def __init__(self, dims, add):
        super().__init__()
        self.weight, self.add = nn.Parameter(randn(*dims, scale=0.5) + (0 if add else 1)), add

    def forward(self, x):
        return x + self.weight if self.add else x * self.weight


def tensor_op_layer(dims, add):
    name = "add_tensor" if add else "multiply_tensor"
    return lambda in_shape: Built(f"{name}<{vals(dims)}>", TensorOp(dims, add), tuple(in_shape))


class ConstantTensor(nn.Module):
    """A learned tensor as a branch's output, the input unread: ViT's class token."""
    def __init__(self, dims):
        super().__init__()
        self.weight = nn.Parameter(randn(*dims, scale=0.5))

    def forward(self, x):
        return self.weight.expand(x.shape[0], *self.weight.shape)


def constant_tensor_layer(dims):
    return lambda in_shape: Built(f"constant_tensor<{vals(dims)}>", ConstantTensor(dims), tuple(dims))


class MatMulTensor(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.weight = nn.Parameter(randn(*dims, scale=0.5))

    def forward(self, x):
        return torch.matmul(x, self.weight)


def matmul_tensor_layer(dims):
    def build(in_shape):
        m = MatMulTensor(dims)
        return Built(f"matmul_tensor<{vals(dims)}>", m, dry_shape(m, in_shape))

    return build


def prelu_layer(per_channel):
    """PReLU with one slope, or one per channel of its input."""
    def build(in_shape):
        c = in_shape[0] if per_channel else 1
        return Built(f"prelu<{c}>" if per_channel else "prelu<>", nn.PReLU(c), tuple(in_shape))

    return build


def batch_norm_layer(r, declared=False, eps=None):
    def make(in_shape):
        return {1: nn.BatchNorm1d, 2: nn.BatchNorm2d, 3: nn.BatchNorm3d}[r](in_shape[0], eps=eps or 1e-5)

    def build(in_shape):
        m = make(in_shape)
        args = [str(in_shape[0]) if declared or eps else ""]
        if eps:
            args[0] = args[0] if declared else "0"
            args.append(f"ctnn::eps_ratio<1, {round(1 / eps)}>")
        cpp = f"batch_norm{r}d<{', '.join(args)}>"
        return Built(cpp, m, dry_shape(m, in_shape))

    return build


def flatten_layer(start=None, end=None):
    if start is None:
        cpp, s, e = "flatten", 0, -1
    else:
        s, e = start, -1 if end is None else end
        cpp = f"flatten_dims<{s}>" if end is None else f"flatten_dims<{s}, {e}>"
    return simple(cpp, lambda _: nn.Flatten(s + 1 if s >= 0 else s, e + 1 if e >= 0 else e))


def reshape_layer(*dims):
    return simple(f"reshape<{', '.join(str(d) for d in dims)}>", lambda _: Reshape(dims))


def identity_layer():
    return simple("identity_layer", lambda _: nn.Identity())


def build_seq(builders, in_shape):
    built, shape = [], tuple(in_shape)
    for b in builders:
        x = b(shape)
        built.append(x)
        shape = x.out
    return built


def chain(*builders):
    def build(in_shape):
        built = build_seq(builders, in_shape)
        m = nn.Sequential(*[b.module for b in built])
        return Built("chain<" + ", ".join(b.cpp for b in built) + ">", m, dry_shape(m, in_shape))

    return build


def residual(main, shortcut=None):
    def build(in_shape):
        bm = main(in_shape)
        bs = shortcut(in_shape) if shortcut is not None else None
        m = Residual(bm.module, bs.module if bs is not None else nn.Identity())
        cpp = f"residual<{bm.cpp}" + (f", {bs.cpp}" if bs is not None else "") + ">"
        return Built(cpp, m, dry_shape(m, in_shape))

    return build


class SliceChannels(nn.Module):
    def __init__(self, first, count):
        super().__init__()
        self.first, self.count = first, count

    def forward(self, x):
        return x[:, self.first:self.first + self.count]


class Permute(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.dims = dims

    def forward(self, x):
        return x.permute(0, *[d + 1 for d in self.dims])


def slice_channels(first, count):
    return simple(f"slice_channels<{first}, {count}>", lambda _: SliceChannels(first, count))


def channel_shuffle(groups):
    return simple(f"channel_shuffle<{groups}>", lambda _: nn.ChannelShuffle(groups))


def pixel_shuffle(r, inverse=False):
    if inverse:
        return simple(f"pixel_unshuffle<{r}>", lambda _: nn.PixelUnshuffle(r))
    return simple(f"pixel_shuffle<{r}>", lambda _: nn.PixelShuffle(r))


class DepthToSpace(nn.Module):
    """ONNX's DepthToSpace (DCR) and SpaceToDepth in reshapes and a permute."""

    def __init__(self, r, inverse):
        super().__init__()
        self.r, self.inverse = r, inverse

    def forward(self, x):
        n, c, h, w = x.shape
        r = self.r
        if self.inverse:
            return x.reshape(n, c, h // r, r, w // r, r).permute(0, 3, 5, 1, 2, 4).reshape(n, r * r * c, h // r, w // r)
        return x.reshape(n, r, r, c // (r * r), h, w).permute(0, 3, 4, 1, 5, 2).reshape(n, c // (r * r), h * r, w * r)


def depth_to_space(r, inverse=False):
    return simple(f"{'space_to_depth' if inverse else 'depth_to_space'}<{r}>", lambda _: DepthToSpace(r, inverse))


def permute(*dims):
    return simple(f"permute<{vals(dims)}>", lambda _: Permute(dims))


def multiply(main, gate):
    def build(in_shape):
        bm, bg = main(in_shape), gate(in_shape)
        m = Multiply(bm.module, bg.module)
        return Built(f"multiply<{bm.cpp}, {bg.cpp}>", m, dry_shape(m, in_shape))

    return build


def squeeze_excitation(squeeze, activation="relu", gate="sigmoid"):
    """torchvision.ops.SqueezeExcitation written in torch.nn: x * gate(fc2(activation(fc1(avg_pool(x)))))."""
    def build(in_shape):
        c = in_shape[0]
        excite = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, squeeze, 1), ACTIVATIONS[activation](),
                               nn.Conv2d(squeeze, c, 1), ACTIVATIONS[gate]())
        m = Multiply(nn.Identity(), excite)
        spelled = "" if (activation, gate) == ("relu", "sigmoid") else f", {activation}, {gate}"
        return Built(f"squeeze_excitation<{c}, {squeeze}{spelled}>", m, tuple(in_shape))

    return build


def concat(*branches):
    def build(in_shape):
        bb = [b(in_shape) for b in branches]
        m = Concat([b.module for b in bb])
        return Built("concat<" + ", ".join(b.cpp for b in bb) + ">", m, dry_shape(m, in_shape))

    return build


# ---------------------------------------------------------------------------------------------------
# parameters, evaluation and checks

class GeneratorBug(Exception):
    pass


def init_params(model, exact, wscale=1.0):
    """Every parameter: halves ({-1, -0.5, 0, 0.5, 1}) for exact cases, else torch.randn floats (times
    1/sqrt(fan_in) with wscale="fan_in", to keep deep networks' values near 1). Batch norm: random
    weight, bias, running mean and a positive running variance."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                if exact:
                    raise GeneratorBug("batch norm in an exact case")
                c = m.num_features
                m.weight.copy_(randn(c, scale=0.5) + 1)
                m.bias.copy_(randn(c, scale=0.5))
                m.running_mean.copy_(randn(c, scale=0.5))
                m.running_var.copy_((torch.rand(c) + 0.5).float())
            elif isinstance(m, (nn.LayerNorm, nn.GroupNorm, nn.modules.instancenorm._InstanceNorm)):
                if exact:
                    raise GeneratorBug("a normalization in an exact case")
                if m.weight is not None:
                    m.weight.copy_(randn(*m.weight.shape, scale=0.5) + 1)
                    m.bias.copy_(randn(*m.bias.shape, scale=0.5))
            elif isinstance(m, (nn.PReLU, MatMulTensor)):
                m.weight.copy_(halves(*m.weight.shape) if exact else randn(*m.weight.shape, scale=0.5))
            elif isinstance(m, (nn.modules.conv._ConvNd, nn.Linear)):
                w = m.weight
                if exact:
                    w.copy_(halves(*w.shape))
                else:
                    scale = 1 / math.sqrt(w[0].numel()) if wscale == "fan_in" else wscale
                    w.copy_(randn(*w.shape, scale=scale))
                if m.bias is not None:
                    m.bias.copy_(halves(*m.bias.shape) if exact else randn(*m.bias.shape, scale=0.5))


def set_params(model, tensors):
    sd = model.state_dict()
    keys = [k for k in sd if not k.endswith("num_batches_tracked")]
    if len(keys) != len(tensors):
        raise GeneratorBug(f"{len(tensors)} parameter tensors given, model has {keys}")
    with torch.no_grad():
        for k, t in zip(keys, tensors):
            sd[k].copy_(t.reshape(sd[k].shape))


def param_values(model):
    out = []
    for k, t in model.state_dict().items():
        if not k.endswith("num_batches_tracked"):
            out += flat(t)
    return out


def run(model, *inputs):
    """(float32 output(s), float64 output(s)) of model on float32 inputs."""
    model.eval()
    with torch.no_grad():
        y32 = model(*inputs)
        m64 = copy.deepcopy(model).double().eval()
        y64 = m64(*[t.double() for t in inputs])
    return y32, y64


def dyadic_ok(t):
    t = t.double()
    return bool(((t * 256).frac() == 0).all()) and bool((t.abs() < 2 ** 12).all())


def check_exact_arithmetic(model, inputs):
    """Every value a multiple of 2^-8 below 2^12, every partial sum below 2^15 (bounded by the model on
    absolute values): float32 arithmetic in any order is then exact."""
    for t in inputs:
        if not dyadic_ok(t):
            raise GeneratorBug("exact case with an input that is not a small dyadic")
    for k, t in model.state_dict().items():
        if not k.endswith("num_batches_tracked") and not dyadic_ok(t):
            raise GeneratorBug(f"exact case with parameter {k} not a small dyadic")
    m = copy.deepcopy(model).double().eval()
    outputs = []
    hooks = [mm.register_forward_hook(lambda _m, _i, o: outputs.append(o)) for mm in m.modules()]
    with torch.no_grad():
        m(*[t.double() for t in inputs])
    for h in hooks:
        h.remove()
    for o in outputs:
        for t in (o if isinstance(o, tuple) else (o,)):
            if not dyadic_ok(t):
                raise GeneratorBug("exact case with an intermediate value that is not a small dyadic")
    a = copy.deepcopy(m)
    with torch.no_grad():
        for t in a.state_dict().values():
            if t.is_floating_point():
                t.abs_()
    bounds = []
    hooks = [mm.register_forward_hook(lambda _m, _i, o: bounds.append(o)) for mm in a.modules()]
    with torch.no_grad():
        a(*[t.double().abs() for t in inputs])
    for h in hooks:
        h.remove()
    for o in bounds:
        for t in (o if isinstance(o, tuple) else (o,)):
            if t.numel() and t.abs().max().item() >= 2 ** 15:
                raise GeneratorBug("exact case whose partial sums may reach 2^15")


def check_output(exact, y32, y64):
    """The float32 output to write (Y), after the checks; returns (Y, fraction of the tolerance used by
    torch's own float32 run)."""
    y = y64.float()
    if not bool(torch.isfinite(y).all()):
        raise GeneratorBug("non-finite output")
    y = y + 0.0  # no negative zeros
    if exact:
        if not torch.equal(y.double(), y64):
            raise GeneratorBug("exact case whose float64 result is not a float32 value")
        if not torch.equal(y32 + 0.0, y):
            diff = (y32.double() - y64).abs().max().item()
            raise GeneratorBug(f"exact case where torch's float32 run differs (max diff {diff})")
        return y, 0.0
    used = ((y32.double() - y64).abs() / (TOL_ABS + TOL_REL * y64.abs())).max().item()
    if used > MAX_TOL_FRACTION:
        raise GeneratorBug(f"float32 run uses {used:.3f} of the tolerance: ill-conditioned case")
    return y, used


# ---------------------------------------------------------------------------------------------------
# families and cases

SHORT = [("ctnn::", ""), ("depthwise_", "dw_"), ("conv_transpose", "convt"), ("pad_begin", "pb"), ("pad_end", "pe"),
         ("output_padding", "op"), ("output_size", "os"), ("stride", "s"), ("dilation", "d"), ("groups", "g"),
         ("channel_multiplier", "m"), ("in_features", "in"), ("scale_ratio", "ratio"), ("align_corners", "ac"),
         ("ceil_mode", "ceil"), ("exclude_pad", "excl"), ("multi_channel_mask", "multi"), ("crop_begin", "cb"),
         ("crop_end", "ce"), ("no_bias", "nb"), ("upsample_", "up_"), ("adaptive_", "ad_"), ("partial_conv", "pconv"),
         ("reflection_pad", "reflect"), ("replication_pad", "replicate"), ("batch_norm", "bn"),
         ("softmax_dim", "softmax")]


def short_name(cpp):
    s = cpp
    for a, b in SHORT:
        s = s.replace(a, b)
    s = s.replace("-", "m")
    s = re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_")
    return s[:64].rstrip("_")


class Family:
    def __init__(self, name):
        self.name = name
        self.entries, self.ids = [], set()
        self.exact = 0
        self.worst = 0.0

    def new_id(self, stem, numbered=True):
        cid = re.sub(r'[^A-Za-z0-9_]', '_', stem) + (f"_{len(self.entries) + 1}" if numbered else "")
        if cid in self.ids:
            raise GeneratorBug(f"duplicate id {cid}")
        self.ids.add(cid)
        return cid

    def add(self, text, exact, used):
        if used > 0.05:
            NOTES.append(f"{self.name}: case {len(self.entries) + 1} float32 run uses {used:.3f} of the tolerance")
        self.entries.append(text)
        self.exact += bool(exact)
        self.worst = max(self.worst, used)

    def write(self):
        path = os.path.join(OUT_DIR, f"{self.name}.inc")
        head = (f"// Generated by tools/make_numeric_reference.py (PyTorch {torch.__version__}, seed 2026); "
                "do not edit.\n"
                f"// {self.name}: {len(self.entries)} cases, {self.exact} exact. Values in PyTorch's contiguous "
                "order of one sample;\n// parameters in state_dict() order. See the script's docstring.\n")
        write_atomically(path, head + "\n".join(self.entries) + "\n")
        return path


def sample_count(shape):
    return math.prod(shape)


def emit_network(fam, stem, exact, in_shape, built, model, x, select=False, numbered=True):
    """One CTNN_NUMERIC_CASE of the network input<in_shape>, built..., whose torch model is `model`."""
    cid = fam.new_id(stem, numbered)
    net = f"sequential<input<{vals(in_shape)}>, " + ", ".join(b.cpp for b in built) + ">"
    try:
        x = x.reshape(1, *in_shape).float()
        y32, y64 = run(model, x)
        if tuple(y64.shape[1:]) != tuple(built[-1].out):
            raise GeneratorBug(f"output shape {tuple(y64.shape[1:])} != {built[-1].out}")
        if exact and not select:
            check_exact_arithmetic(model, [x])
        y, used = check_output(exact, y32, y64)
        p = param_values(model)
    except Exception as e:  # noqa: BLE001 - any failure is a generator bug
        print(f"generator bug in {fam.name} case {cid}: {net}\n  {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
    text = (f"CTNN_NUMERIC_CASE(\"{cid}\", {int(exact)}, ({net}),\n"
            f"    ({values_text(flat(x))}),\n"
            f"    ({values_text(p)}),\n"
            f"    ({values_text(flat(y))}));")
    fam.add(text, exact, used)
    return flat(y)


def case(fam, in_shape, builders, exact=False, x=None, params=None, stem=None, xscale=1.0, wscale=1.0,
         select=False, xint=None):
    """Builds, initialises and emits one network case; returns Y as a list.

    exact: integer inputs in [-3, 3] and halves as parameters, checked exact. select: the layers only
    select or copy values (exact on random floats too): exact=1 with random inputs unless xint.
    """
    try:
        built = build_seq(builders, in_shape)
        model = nn.Sequential(*[b.module for b in built]).eval()
        init_params(model, exact and not select, wscale)
        if params is not None:
            set_params(model, params)
    except Exception as e:  # noqa: BLE001
        print(f"generator bug building {fam.name} case on input{in_shape}: {e!r}", file=sys.stderr)
        sys.exit(1)
    if x is None:
        use_int = exact and not select if xint is None else xint
        x = ints(*in_shape) if use_int else randn(*in_shape, scale=xscale)
    if stem is None:
        stem = short_name(built[-1].cpp if len(built) == 1 else "_".join(b.cpp.split("<")[0] for b in built))
    return emit_network(fam, stem, exact or select, in_shape, built, model, x, select=select)


def expect_worked(ok, layer, options, y):
    """A worked example's values, checked whatever python's -O."""
    if not ok:
        print(f"torch disagrees with the worked example {layer} {options}: {y}", file=sys.stderr)
        sys.exit(1)


def coin(p):
    return RNG.random() < p


# ---------------------------------------------------------------------------------------------------
# conv

CONV_SIZES = {1: (5, 9), 2: (4, 7), 3: (3, 4)}
CONV_CIN = {1: [1, 2, 3, 4], 2: [1, 2, 3], 3: [1, 2]}
CONV_COUT = {1: 4, 2: 4, 3: 2}
CONV_KMAX = {1: 5, 2: 3, 3: 3}


def dim_values(r, uniform, draw):
    if uniform:
        v = draw()
        return (v,) * r
    return tuple(draw() for _ in range(r))


def random_conv(fam, r, spelling):
    cin = RNG.choice(CONV_CIN[r])
    g = RNG.choice([d for d in divisors(cin) if d <= CONV_COUT[r]])
    cout = g * RNG.randint(1, CONV_COUT[r] // g)
    uniform = r == 1 or coin(0.6)
    k = dim_values(r, uniform, lambda: RNG.randint(1, CONV_KMAX[r]))
    s = (1,) * r if spelling == "same" else dim_values(r, uniform, lambda: RNG.choice([1, 1, 2, 2, 3]))
    d = dim_values(r, uniform, lambda: RNG.choice([1, 1, 2]))
    ext = [dd * (kk - 1) + 1 for kk, dd in zip(k, d)]
    pb, pe = [0] * r, [0] * r
    padding = None if spelling == "none" else spelling
    if spelling == "pad":
        p = tuple(RNG.randint(0, max(1, e // 2)) for e in ext)
        pb, pe = list(p), list(p)
        padding = ("pad", p)
    elif spelling == "asym":
        pb = [RNG.randint(0, e - 1) for e in ext]
        pe = [RNG.randint(0, e - 1) for e in ext]
        if pb == pe:
            pe[0] += 1
        padding = ("asym", tuple(pb), tuple(pe))
    lo, hi = CONV_SIZES[r]
    spatial = []
    for i in range(r):
        n = RNG.randint(lo, hi)
        if spelling in ("none", "valid", "pad", "asym"):
            n = max(n, ext[i] - pb[i] - pe[i], 1)
        spatial.append(n)
    bias = coin(0.75)
    exact = coin(0.3)
    case(fam, (cin, *spatial), [conv_layer(r, cout, k, s, d, g, padding, bias)], exact=exact)


def gen_conv():
    fam = Family("conv")
    # Worked examples: arange(25) as 1x1x5x5, a 2x2 kernel of ones, no bias.
    x = torch.arange(25.0)
    ones = [torch.ones(1, 1, 2, 2)]
    worked = [
        ({}, (4, 4), [12, 16, 20, 24, 32, 36, 40, 44, 52, 56, 60, 64, 72, 76, 80, 84]),
        ({"stride": 2}, (2, 2), [12, 20, 52, 60]),
        ({"padding": ("pad", 1)}, (6, 6), None),
        ({"dilation": 2}, (3, 3), [24, 28, 32, 44, 48, 52, 64, 68, 72]),
    ]
    for kw, shape, expect in worked:
        y = case(fam, (1, 5, 5), [conv_layer(2, 1, 2, bias=False, **kw)], exact=True, x=x, params=ones,
                 stem="worked_" + short_name(conv_layer(2, 1, 2, bias=False, **kw)((1, 5, 5)).cpp))
        expect_worked(len(y) == math.prod(shape), "conv", kw, y)
        if expect is not None:
            expect_worked(y == expect, "conv", kw, y)
        else:
            expect_worked(y[:6] == [0, 1, 3, 5, 7, 4] and y[-6:] == [20, 41, 43, 45, 47, 24], "conv", kw, y)
    for r, n in ((1, 3), (2, 5), (3, 2)):
        for spelling in ("none", "pad", "asym", "same", "valid", "tf_same", "full"):
            for _ in range(n):
                random_conv(fam, r, spelling)
    # depthwise and channel multipliers
    case(fam, (2, 5, 5), [conv_layer(2, None, 3, padding=("pad", 1), mult=2)])
    case(fam, (2, 5, 5), [conv_layer(2, None, 3, padding=("pad", 1), mult=2)], exact=True)
    case(fam, (3, 6, 6), [conv_layer(2, None, 3, stride=2, mult=1, spell_mult=False)])
    case(fam, (2, 7), [conv_layer(1, None, 3, padding="same", mult=3)])
    case(fam, (2, 3, 3, 3), [conv_layer(3, None, 2, padding=("pad", 1), mult=1)])
    case(fam, (3, 6, 5), [conv_layer(2, None, 3, stride=2, dilation=(2, 1), padding="tf_same", mult=1, bias=False)])
    case(fam, (3, 6, 5), [conv_layer(2, 4, (4, 3), stride=2, padding="tf_same_lower")])
    case(fam, (2, 7), [conv_layer(1, 3, 4, stride=3, padding="tf_same_lower")])
    case(fam, (2, 5, 5), [conv_layer(2, 4, 3, groups=2)])  # depthwise written as groups
    case(fam, (3, 4, 4), [conv_layer(2, 3, 3, groups=3, padding=("pad", 1))], exact=True)
    # 1x1
    case(fam, (3, 4, 4), [conv_layer(2, 4, 1)])
    case(fam, (3, 5, 5), [conv_layer(2, 2, 1, stride=2)], exact=True)
    case(fam, (4, 6), [conv_layer(1, 2, 1, groups=2, bias=False)])
    case(fam, (2, 3, 3, 3), [conv_layer(3, 2, 1)])
    # spellings: every default written out, one broadcast value for all dims
    case(fam, (2, 5, 5), [conv_layer(2, 2, 3, padding=("pad", 0), spell_defaults=True)])
    case(fam, (2, 6, 6), [conv_layer(2, 3, 3, stride=2, padding=("pad_short", 1), short_kernel=True)])
    case(fam, (2, 7), [conv_layer(1, 2, 3, short_kernel=True)], exact=True)
    case(fam, (2, 7, 7), [conv_layer(2, 4, 3, stride=2, padding=("pad", 1), groups=2)])
    case(fam, (2, 7, 7), [conv_layer(2, 4, 3, stride=3, dilation=2, padding=("pad", 2), groups=2)], exact=True)
    case(fam, (3, 9), [conv_layer(1, 3, 4, stride=3, dilation=2, padding=("asym", 3, 1), groups=3)])
    return fam


# ---------------------------------------------------------------------------------------------------
# conv_transpose

def random_conv_transpose(fam, r, s=None, d=None, a=None, k=None, exact=None):
    cin = RNG.choice(CONV_CIN[r])
    cmax = CONV_COUT[r]
    g = RNG.choice([x for x in divisors(cin) if x <= cmax])
    cout = g * RNG.randint(1, cmax // g)
    while True:
        kk = k if k is not None else RNG.randint(1, 4 if r == 1 else 3)
        ss = s if s is not None else RNG.choice([1, 2, 2, 3])
        dd = d if d is not None else RNG.choice([1, 1, 2])
        aa = a if a is not None else (RNG.randint(0, max(ss, dd) - 1) if coin(0.4) else 0)
        p = RNG.randint(0, dd * (kk - 1))
        i = RNG.randint(*{1: (3, 6), 2: (2, 4), 3: (2, 3)}[r])
        if (i - 1) * ss - 2 * p + dd * (kk - 1) + aa + 1 >= 1:
            break
    bias = coin(0.75)
    ex = coin(0.3) if exact is None else exact
    case(fam, (cin,) + (i,) * r, [conv_transpose_layer(r, cout, kk, ss, p, aa, dd, g, bias)], exact=ex)


def gen_conv_transpose():
    fam = Family("conv_transpose")
    required = [(2, 1, 1, 3), (3, 1, 1, 3), (3, 1, 2, 2), (1, 2, 1, 3), (2, 3, 2, 2), (1, 3, 2, 2)]  # s, d, a, k
    for r, n, fixed in ((1, 10, required[:3]), (2, 14, required), (3, 6, required[3:5])):
        for s, d, a, k in fixed:
            random_conv_transpose(fam, r, s, d, a, k)
        for _ in range(n):
            random_conv_transpose(fam, r)
    # exact: output padding below the stride and below the dilation
    case(fam, (2, 3, 3), [conv_transpose_layer(2, 2, 3, stride=2, pad=1, output_padding=1)], exact=True)
    case(fam, (2, 4), [conv_transpose_layer(1, 2, 2, stride=1, dilation=3, output_padding=2)], exact=True)
    case(fam, (2, 2, 2, 2), [conv_transpose_layer(3, 2, 2, stride=2, groups=2)], exact=True)
    # output_size (PyTorch's forward(x, output_size)) and asymmetric padding (cropped from the full output)
    case(fam, (2, 4, 4), [conv_transpose_layer(2, 2, 3, stride=2, pad=1, output_size=(8, 7))])
    case(fam, (2, 3), [conv_transpose_layer(1, 3, 3, stride=3, output_size=(11,))])
    case(fam, (1, 2, 2, 2), [conv_transpose_layer(3, 2, 2, stride=2, output_size=(5, 4, 5))], exact=True)
    case(fam, (2, 3, 3), [conv_transpose_layer(2, 2, 3, stride=2, asym=((1, 0), (0, 1)))])
    case(fam, (2, 4), [conv_transpose_layer(1, 2, 4, stride=2, asym=((2,), (1,)))], exact=True)
    return fam


# ---------------------------------------------------------------------------------------------------
# pooling

POOL_SIZES = {1: (5, 9), 2: (4, 7), 3: (3, 5)}
POOL_C = {1: [1, 2, 3], 2: [1, 2, 3], 3: [1, 2]}


def random_pool(fam, r, kind, exact_avg=False):
    c = RNG.choice(POOL_C[r])
    uniform = r == 1 or coin(0.6)
    while True:
        if exact_avg:
            k = (2,) * r if coin(0.7) else dim_values(r, False, lambda: RNG.choice([1, 2]))
        else:
            k = dim_values(r, uniform, lambda: RNG.randint(1, 4 if r == 1 else 3))
        stride = None if coin(0.4) else dim_values(r, uniform, lambda: RNG.randint(1, 3))
        pad = tuple(RNG.randint(0, kk // 2) for kk in k)
        dil = dim_values(r, uniform, lambda: RNG.choice([1, 1, 2])) if kind == "max" else (1,) * r
        ceil = coin(0.4)
        exclude = kind == "avg" and any(pad) and coin(0.5)
        lo, hi = POOL_SIZES[r]
        spatial = tuple(RNG.randint(lo, hi) for _ in range(r))
        if kind == "avg" and r == 3 and any(i < kk for i, kk in zip(spatial, k)):
            continue  # PyTorch 1.13's AvgPool3d needs every extent to hold the kernel
        ss = stride if stride is not None else k
        ok = True
        for i, kk, s, p, d in zip(spatial, k, ss, pad, dil):
            span = i + 2 * p - d * (kk - 1) - 1
            if span < 0:
                ok = False
                continue
            o = (span + (s - 1 if ceil else 0)) // s + 1
            if ceil and (o - 1) * s >= i + p:
                o -= 1
            ok = ok and o >= 1
        if ok:
            break
    if kind == "max":
        layer = max_pool_layer(r, k, stride, pad, dil, ceil)
        case(fam, (c,) + spatial, [layer], select=True, xint=coin(0.4))
    else:
        layer = avg_pool_layer(r, k, stride, pad, ceil, exclude)
        case(fam, (c,) + spatial, [layer], exact=exact_avg)


def gen_pool():
    fam = Family("pool")
    for r, n in ((1, 6), (2, 10), (3, 4)):
        for _ in range(n):
            random_pool(fam, r, "max")
    for r, n in ((1, 5), (2, 10), (3, 4)):
        for j in range(n):
            random_pool(fam, r, "avg", exact_avg=(j % 3 == 0))
    # ceil_mode windows that run past the padded input, where PyTorch's divisor stops at the padding
    case(fam, (1, 5, 5), [avg_pool_layer(2, 3, stride=2, pad=1, ceil=True)])
    case(fam, (1, 6), [avg_pool_layer(1, 4, stride=3, pad=2, ceil=True)])
    case(fam, (1, 5, 5), [avg_pool_layer(2, 2, stride=2, pad=1, ceil=True)], exact=True)
    case(fam, (2, 4), [avg_pool_layer(1, 3, stride=2, ceil=True)])  # last window [2, 5): divisor 2, not 3
    # SegNet's max unpooling: values back at their window's maximum; ties (integer inputs) at the first
    case(fam, (2, 4, 4), [max_unpool(2, 2, [c2(2, 3, padding=("pad", 1))])], exact=True, stem="max_unpool_conv")
    case(fam, (2, 4, 6), [max_unpool(2, 2, [])], select=True, xint=True, stem="max_unpool_ties")
    case(fam, (2, 5, 5), [max_unpool(2, 3, [act("relu")], stride=2, pad=1)], select=True, xint=True,
         stem="max_unpool_overlapping")
    case(fam, (1, 5, 4), [max_unpool(2, 2, [])], select=True, stem="max_unpool_odd_extent")
    case(fam, (2, 7), [max_unpool(1, 3, [], stride=2)], select=True, xint=True, stem="max_unpool_1d")
    case(fam, (1, 4, 4, 2), [max_unpool(3, 2, [])], select=True, stem="max_unpool_3d")
    case(fam, (2, 8, 8), [c2(4, 3, padding=("pad", 1)), act("relu"),
                          max_unpool(2, 2, [c2(4, 3, padding=("pad", 1)), act("relu"),
                                            max_unpool(2, 2, [c2(4, 3, padding=("pad", 1))])]), c2(2, 1)],
         wscale="fan_in", stem="segnet")
    case(fam, (1, 4, 4), [avg_pool_layer(2, 3, stride=2, pad=1, ceil=True)])  # last window clipped at i + p
    case(fam, (1, 4, 4), [avg_pool_layer(2, 3, stride=2, pad=1, ceil=True, exclude=True)])
    case(fam, (2, 5, 5), [max_pool_layer(2, 3, stride=2, pad=1, ceil=True)], select=True)
    adaptive = {1: [(7, 3), (5, 8), (6, 4), (9, 1)],
                2: [((7, 5), (3, 2)), ((4, 4), (6, 7)), ((8, 6), (4, 3)), ((5, 7), (5, 7))],
                3: [((4, 5, 3), (2, 3, 2)), ((3, 3, 3), (4, 2, 5))]}
    for r, pairs in adaptive.items():
        for i, o in pairs:
            i = per_dim(i, r)
            c = 2 if r < 3 else 1
            case(fam, (c,) + i, [adaptive_pool_layer(r, "avg", o)])
            case(fam, (c,) + i, [adaptive_pool_layer(r, "max", o)], select=True)
    for shape in ((3, 7), (2, 5, 6), (2, 3, 4, 3)):
        case(fam, shape, [global_pool_layer("avg")])
        case(fam, shape, [global_pool_layer("max")], select=True)
    case(fam, (2, 4, 4), [global_pool_layer("avg")], exact=True)
    case(fam, (2, 4, 8), [adaptive_pool_layer(2, "avg", (2, 2))], exact=True)
    # reductions over chosen dims of the sample (dims within it: torch's dim d + 1)
    for kind, select in (("mean", False), ("sum", False), ("max", True), ("min", True)):
        for shape, dims, keep in (((3, 4, 5), (0,), False), ((3, 4, 5), (0,), True), ((2, 3, 4), (-1, 1), False),
                                  ((2, 3, 4), (1, 2), True), ((4, 6), (1,), False), ((2, 3, 2, 2), (0, 2), True)):
            case(fam, shape, [reduce_layer(kind, dims, keep)], select=select)
    case(fam, (2, 3, 4), [reduce_layer("max", (0,), False)], select=True, xint=True, stem="reduce_max_ties")
    case(fam, (2, 4, 4), [reduce_layer("mean", (1, 2), True)], exact=True)
    return fam


# ---------------------------------------------------------------------------------------------------
# upsample

def nearest_indices(in_spatial, spec, out_spatial):
    """Per dim: (PyTorch 1.13's source indices on an NC[D]HW tensor with C > 1, the indices with the
    shortcuts out == in -> dst and out == 2 in -> dst >> 1 of its channels-last kernel, the exact
    rational floor(dst / scale) or floor(dst * in / out))."""
    out = []
    for dim, (i, o) in enumerate(zip(in_spatial, out_spatial)):
        if spec[0] == "ratio":
            rational = Fraction(spec[2], spec[1])
        elif spec[0] == "scale":
            n = spec[1][dim] if isinstance(spec[1], tuple) else spec[1]
            rational = Fraction(1, n)
        else:
            rational = Fraction(i, o)
        probe = torch.arange(float(i)).reshape(1, 1, i).repeat(1, 2, 1)  # 1d: always the generic kernel
        kw = {"size": (o,)} if spec[0] == "size" else {"scale_factor": float(1 / rational)}
        got = [int(v) for v in F.interpolate(probe, mode="nearest", **kw)[0, 0].tolist()]
        shortcut = [d if o == i else d >> 1 if o == 2 * i else got[d] for d in range(o)]
        exact = [min(i - 1, math.floor(d * rational)) for d in range(o)]
        out.append((i, o, got, shortcut, exact))
    return out


def nearest_notes(r, c, in_spatial, spec, out_spatial):
    """Records where torch's nearest indices differ from the shortcut or the exact rational ones. A case
    whose result depends on the kernel (channels-last, used by PyTorch also for C == 1 in 2d and 3d,
    takes the shortcuts) must have C > 1 in 2d/3d, so that its reference is the NC[D]HW kernel's."""
    for i, o, got, shortcut, exact in nearest_indices(in_spatial, spec, out_spatial):
        if got != shortcut:
            NOTES.append(f"nearest {spec} on an extent {i} -> {o}: torch NC[D]HW indices {got}; with the "
                         f"out == in / out == 2 in shortcuts (torch channels-last, and C == 1 in 2d/3d) {shortcut}")
            if r > 1 and c == 1:
                raise GeneratorBug(f"nearest case {spec} on {in_spatial} depends on torch's memory format")
        if got != exact:
            NOTES.append(f"nearest {spec} on an extent {i} -> {o}: torch indices {got}, exact rational {exact}")


def gen_upsample():
    fam = Family("upsample")
    y = case(fam, (1, 2, 2), [upsample_layer(2, "nearest", ("scale", 2))], x=torch.tensor([1.0, 2, 3, 4]),
             select=True, stem="worked_up_nearest2d_scale_2")
    expect_worked(y == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], "upsample_nearest2d", "scale_factor<2>", y)
    nearest = [
        (1, (4,), ("scale", 2)), (1, (3,), ("scale", 3)), (1, (5,), ("ratio", 3, 2)), (1, (3,), ("ratio", 5, 2)),
        (1, (7,), ("ratio", 1, 2)), (1, (5,), ("size", (7,))), (1, (7,), ("size", (4,))), (1, (4,), ("size", (9,))),
        (1, (3,), ("ratio", 5, 4)), (1, (4,), ("ratio", 21, 10)), (1, (6,), ("ratio", 4, 3)),
        (2, (3, 4), ("ratio", 5, 4)), (2, (4, 3), ("ratio", 21, 10)), (3, (3, 2, 2), ("ratio", 5, 4)),
        (2, (3, 3), ("scale", (2, 3))), (2, (3, 4), ("scale", (3, 1))), (2, (4, 3), ("ratio", 3, 2)),
        (2, (2, 3), ("ratio", 5, 2)), (2, (6, 5), ("ratio", 1, 2)), (2, (5, 3), ("size", (7, 5))),
        (2, (4, 4), ("size", (3, 8))), (2, (3, 3), ("ratio", 7, 3)),
        (3, (2, 2, 2), ("scale", 2)), (3, (2, 3, 2), ("scale", (1, 2, 3))), (3, (3, 2, 3), ("ratio", 3, 2)),
        (3, (3, 3, 2), ("size", (5, 4, 3))), (3, (4, 4, 4), ("ratio", 1, 2)),
    ]
    for j, (r, spatial, spec) in enumerate(nearest):
        c = 2 if r < 3 or spec == ("ratio", 5, 4) else 1
        layer = upsample_layer(r, "nearest", spec)
        try:
            nearest_notes(r, c, spatial, spec, layer((c,) + spatial).out[1:])
        except GeneratorBug as e:
            print(f"generator bug in upsample: {e}", file=sys.stderr)
            sys.exit(1)
        case(fam, (c,) + spatial, [layer], select=True, xint=(j % 3 == 0))
    linear = [
        (1, (4,), ("scale", 2)), (1, (5,), ("ratio", 3, 2)), (1, (3,), ("ratio", 5, 2)), (1, (7,), ("ratio", 1, 2)),
        (1, (5,), ("size", (7,))), (1, (7,), ("size", (4,))), (1, (3,), ("ratio", 5, 4)),
        (2, (3, 4), ("ratio", 5, 4)), (2, (3, 3), ("scale", 2)), (2, (3, 4), ("scale", (2, 3))),
        (2, (4, 3), ("ratio", 3, 2)),
        (2, (2, 3), ("ratio", 5, 2)), (2, (6, 5), ("ratio", 1, 2)), (2, (5, 3), ("size", (7, 5))),
        (3, (2, 2, 2), ("scale", 2)), (3, (2, 3, 2), ("ratio", 3, 2)), (3, (3, 3, 2), ("size", (5, 4, 3))),
    ]
    for r, spatial, spec in linear:
        for align in (False, True):
            c = 2 if r < 3 else 1
            case(fam, (c,) + spatial, [upsample_layer(r, "linear", spec, align)])
    # per-dim rational scales
    case(fam, (2, 4, 3), [upsample_layer(2, "linear", ("ratios", (3, 2), (2, 1)))])
    case(fam, (2, 4, 3), [upsample_layer(2, "nearest", ("ratios", (5, 1), (4, 2)))], select=True)
    # PyTorch's nearest-exact: floor((dst + 0.5) in / out)
    exact = [(1, (4,), ("scale", 2)), (1, (5,), ("ratio", 3, 2)), (1, (7,), ("ratio", 1, 2)), (1, (5,), ("size", (7,))),
             (2, (3, 4), ("ratio", 5, 4)), (2, (3, 3), ("scale", (2, 3))), (2, (5, 3), ("size", (7, 2))),
             (2, (4, 3), ("ratios", (3, 1), (2, 1))), (3, (2, 3, 2), ("ratio", 3, 2))]
    for r, spatial, spec in exact:
        case(fam, (2,) + spatial, [upsample_layer(r, "nearest-exact", spec)], select=True)
    # bicubic, A = -0.75, taps clamped at the borders
    cubic = [(2, (3, 3), ("scale", 2)), (2, (4, 5), ("ratio", 5, 4)), (2, (6, 5), ("ratio", 1, 2)),
             (2, (5, 3), ("size", (7, 5))), (2, (4, 4), ("size", (3, 9))), (2, (3, 4), ("ratios", (3, 1), (2, 1))),
             (2, (2, 2), ("scale", 3))]
    for r, spatial, spec in cubic:
        for align in (False, True):
            case(fam, (2,) + spatial, [upsample_layer(r, "bicubic", spec, align)])
    return fam


# ---------------------------------------------------------------------------------------------------
# padding layers and cropping

def gen_pad():
    fam = Family("pad")
    y = case(fam, (1, 3, 3), [pad_layer(2, "reflect", 2, 2, spelling="short")], x=torch.arange(9.0),
             select=True, stem="worked_reflect2d_pad_2")
    expect_worked(len(y) == 49 and y[:7] == [8, 7, 6, 7, 8, 7, 6], "reflection_pad2d", "pad<2>", y)
    cases = [
        ((2, 5), pad_layer(1, "zero", 1, 2)),
        ((2, 4, 3), pad_layer(2, "zero", (1, 0), (2, 3))),
        ((2, 3, 3), pad_layer(2, "zero", (1, 1), (1, 1), spelling="sym")),
        ((1, 2, 3, 2), pad_layer(3, "zero", (1, 0, 2), (0, 1, 1))),
        ((2, 3, 3), pad_layer(2, "constant", 1, 1, fill=(-1, 2), spelling="short")),
        ((2, 4), pad_layer(1, "constant", 2, 1, fill=(3, 1))),
        ((1, 2, 2, 3), pad_layer(3, "constant", (1, 1, 1), (1, 1, 1), fill=(1, 4), spelling="sym")),
        ((2, 3, 4), pad_layer(2, "constant", (0, 2), (1, 0), fill=(-2, 1))),
        ((2, 4), pad_layer(1, "reflect", (2,), (2,), spelling="sym")),
        ((2, 4), pad_layer(1, "reflect", 3, 1)),
        ((2, 3, 4), pad_layer(2, "reflect", (1, 2), (2, 0))),
        ((1, 4, 4), pad_layer(2, "reflect", (3, 1), (3, 1), spelling="sym")),
        ((1, 2, 3, 3), pad_layer(3, "reflect", (1, 1, 1), (1, 1, 1), spelling="sym")),
        ((1, 2, 2, 3), pad_layer(3, "reflect", (1, 0, 2), (0, 1, 1))),
        ((2, 2), pad_layer(1, "replicate", (3,), (3,), spelling="sym")),
        ((2, 3, 3), pad_layer(2, "replicate", (0, 3), (2, 1))),
        ((1, 3, 4), pad_layer(2, "replicate", (2, 1), (2, 1), spelling="sym")),
        ((1, 2, 2, 2), pad_layer(3, "replicate", (1, 2, 1), (1, 2, 1), spelling="sym")),
        ((1, 2, 3, 2), pad_layer(3, "replicate", (2, 0, 1), (0, 1, 2))),
        ((2, 6), crop_layer(1, (1,), (1,), spelling="sym")),
        ((2, 6), crop_layer(1, 2, 0)),
        ((1, 4, 5), crop_layer(2, (1, 1), (0, 2))),
        ((2, 5, 6), crop_layer(2, (1, 2), (1, 2), spelling="sym")),
        ((1, 3, 3, 4), crop_layer(3, (1, 0, 1), (1, 0, 1), spelling="sym")),
        ((1, 4, 3, 3), crop_layer(3, (0, 1, 2), (2, 1, 0))),
    ]
    for j, (shape, layer) in enumerate(cases):
        case(fam, shape, [layer], select=True, xint=(j % 3 == 0))
    # a padding layer feeding a convolution, exact
    case(fam, (2, 4, 4), [pad_layer(2, "replicate", (1, 0), (0, 1)), conv_layer(2, 2, 2)], exact=True)
    case(fam, (2, 5), [pad_layer(1, "reflect", 2, 2), conv_layer(1, 1, 3, bias=False)], exact=True)
    return fam


# ---------------------------------------------------------------------------------------------------
# linear, activations, normalization

def gen_linear():
    fam = Family("linear")
    case(fam, (8,), [linear_layer(4, 8)])
    case(fam, (8,), [linear_layer(4, 8)], exact=True)
    case(fam, (6,), [linear_layer(3, 6, bias=False)])
    case(fam, (6,), [linear_layer(3, 6, bias=False)], exact=True)
    case(fam, (1,), [linear_layer(3, 1)])
    case(fam, (16,), [linear_layer(1, 16)])
    case(fam, (16,), [linear_layer(8, 16)], exact=True)
    case(fam, (5,), [linear_layer(5, 5)])
    case(fam, (3, 6), [linear_layer(2, 6)])
    case(fam, (3, 6), [linear_layer(2, 6)], exact=True)
    case(fam, (4, 3), [linear_layer(5, 3, bias=False)])
    case(fam, (2, 3, 5), [linear_layer(4, 5)])
    case(fam, (6,), [linear_layer(8, 6), act("relu"), linear_layer(3, 8)], stem="mlp_relu")
    case(fam, (6,), [linear_layer(8, 6), act("relu"), linear_layer(3, 8)], exact=True, stem="mlp_relu")
    case(fam, (2, 4), [flatten_layer(), linear_layer(3, 8)], stem="flatten_linear")
    # torch.matmul with a parameter: one matrix per leading index, or broadcast over it
    case(fam, (2, 3, 4), [matmul_tensor_layer((2, 4, 3))])
    case(fam, (2, 3, 4), [matmul_tensor_layer((2, 4, 3))], exact=True)
    case(fam, (2, 3, 4), [matmul_tensor_layer((1, 4, 5))])
    case(fam, (3, 5), [matmul_tensor_layer((5, 2))])
    case(fam, (2, 3, 2, 4), [matmul_tensor_layer((2, 1, 4, 2))])
    case(fam, (2, 3, 2, 4), [matmul_tensor_layer((4, 6)), act("relu")], exact=True)
    # on the last dim of a tall dim 0 (NHWC: the register-tiled channel-last kernel, whose tiles are two
    # vectors, one vector and a rest along dim 0, four outputs and single ones)
    case(fam, (33, 2, 5), [linear_layer(6, 5)])
    case(fam, (40, 3), [linear_layer(5, 3)])
    case(fam, (20, 2, 3), [linear_layer(4, 3, bias=False)], exact=True)
    return fam


def gen_activation():
    fam = Family("activation")
    grid = torch.arange(-16, 17).float() * 0.5  # -8 .. 8 by 0.5: 0, -3, 3, 6 included
    for name in ACTIVATIONS:
        select = name in SELECTING_ACTIVATIONS
        case(fam, (3, 11), [act(name)], x=grid, select=select, stem=short_name(name) + "_grid")
        case(fam, (2, 3, 4), [act(name)], select=select, xscale=4.0)
    case(fam, (2, 2, 2, 3), [act("gelu")], xscale=4.0)
    case(fam, (17,), [act("hardswish")], x=torch.arange(-8, 9).float(), stem="hardswish_integers")
    case(fam, (2, 5), [act("relu6")], select=True, x=torch.tensor([-8.0, -6, -3, -0.5, 0, 0.5, 3, 6, 6.5, 8]))
    case(fam, (2, 4, 4), [conv_layer(2, 3, 3, padding=("pad", 1)), act("leaky_relu<1, 4>")], exact=True)
    case(fam, (2, 4, 4), [conv_layer(2, 3, 3, padding=("pad", 1)), act("relu6")], exact=True)
    case(fam, (2, 4, 4), [conv_layer(2, 3, 3, padding=("pad", 1)), act("hardtanh<-5, 3, 2>")], exact=True)
    case(fam, (2, 4, 4), [conv_layer(2, 3, 3, padding=("pad", 1)), act("clamp_min<-3, 4>")], exact=True)
    case(fam, (2, 4, 4), [conv_layer(2, 3, 3, padding=("pad", 1)), act("hardsigmoid")])
    case(fam, (2, 4, 4), [conv_layer(2, 3, 3, padding=("pad", 1)), act("hardsigmoid_affine<1, 5, 1, 2>")])
    case(fam, (2, 4, 4), [conv_layer(2, 3, 3, padding=("pad", 1)), act("mish")])
    case(fam, (3, 11), [prelu_layer(False)], x=grid, stem="prelu_grid")
    case(fam, (3, 11), [prelu_layer(True)], x=grid, stem="prelu_channels_grid")
    case(fam, (5,), [prelu_layer(True)], stem="prelu_features")
    case(fam, (3, 2, 2, 2), [prelu_layer(True)], stem="prelu_3d")
    case(fam, (3, 4, 4), [conv_layer(2, 4, 3, padding=("pad", 1)), prelu_layer(True)], exact=True, stem="conv_prelu")
    return fam


def gen_normalization():
    fam = Family("normalization")
    case(fam, (4,), [batch_norm_layer(1)])
    case(fam, (3, 5), [batch_norm_layer(1)])
    case(fam, (3, 5), [batch_norm_layer(1, declared=True)])
    case(fam, (3, 4, 4), [batch_norm_layer(2)])
    case(fam, (2, 3, 5), [batch_norm_layer(2, declared=True)])
    case(fam, (2, 3, 3, 3), [batch_norm_layer(3)])
    case(fam, (2, 5, 5), [conv_layer(2, 3, 3, padding=("pad", 1), bias=False), batch_norm_layer(2), act("relu")],
         stem="conv_bn_relu")
    case(fam, (6,), [layer_norm_layer()])
    case(fam, (3, 5), [layer_norm_layer(declared=True)])
    case(fam, (2, 3, 4), [layer_norm_layer(eps=1e-6)])
    case(fam, (2, 3, 4), [layer_norm_layer(2)])
    case(fam, (2, 3, 4), [layer_norm_layer(3, affine=False)])
    case(fam, (2, 2, 2, 3), [layer_norm_layer(2)])
    case(fam, (4, 3, 3), [channel_layer_norm_layer()])
    case(fam, (4, 3, 3), [channel_layer_norm_layer(eps=1e-6, affine=False)])
    case(fam, (3, 5), [channel_layer_norm_layer()])
    case(fam, (6, 3, 3), [group_norm_layer(2)])
    case(fam, (6, 4), [group_norm_layer(3, eps=1e-3)])
    case(fam, (4, 2, 2, 2), [group_norm_layer(1, affine=False)])
    case(fam, (4, 3, 3), [group_norm_layer(4)])
    case(fam, (3, 4, 4), [instance_norm_layer()])
    case(fam, (3, 4, 4), [instance_norm_layer(affine=True)])
    case(fam, (3, 6), [instance_norm_layer(eps=1e-3)])
    case(fam, (2, 2, 3, 3), [instance_norm_layer(affine=True)])
    case(fam, (4, 3, 3), [layer_scale_layer()])
    case(fam, (3, 4, 5), [tensor_op_layer((5,), True)])
    case(fam, (3, 4, 5), [tensor_op_layer((3, 4, 5), False)])
    case(fam, (3, 4, 5), [tensor_op_layer((4, 1), True)])
    case(fam, (2, 3, 4, 2), [tensor_op_layer((2, 1, 1, 2), False)])
    case(fam, (4, 3, 3), [c2(4, 1), tensor_op_layer((4, 1, 1), True), act("relu")], wscale="fan_in",
         stem="conv_add_tensor")
    case(fam, (4, 5), [layer_scale_layer()])
    # ConvNeXt's block: depthwise 7x7, LayerNorm over the channels, two linear layers with GELU over the
    # channels, the layer scale, and the residual (torchvision's CNBlock; StochasticDepth is the identity)
    case(fam, (4, 7, 7), [residual(chain(c2(4, 7, padding=("pad", 3), groups=4), permute(1, 2, 0),
                                         layer_norm_layer(eps=1e-6, declared=True), linear_layer(16, 4), act("gelu"),
                                         linear_layer(4, 16), permute(2, 0, 1), layer_scale_layer()))],
         wscale="fan_in", stem="convnext_block")
    case(fam, (4, 6, 6), [channel_layer_norm_layer(eps=1e-6), c2(8, 2, stride=2)], wscale="fan_in",
         stem="convnext_downsample")
    case(fam, (4, 3, 3), [softmax_layer()])
    case(fam, (3, 5), [softmax_layer()])
    case(fam, (5,), [softmax_layer()])
    case(fam, (2, 5), [softmax_layer(-1)])
    case(fam, (3, 4, 4), [softmax_layer(-1)], xscale=3.0)
    case(fam, (3, 4, 5), [softmax_layer(1)])
    case(fam, (3, 4, 5), [softmax_layer(-2)])
    case(fam, (2, 2, 2, 3), [softmax_layer(0)])
    case(fam, (4, 2), [softmax_layer()], x=torch.tensor([100.0, -100, 101, 50, 99.5, 0, 30, -30]),
         stem="softmax_large_logits")
    case(fam, (6,), [linear_layer(4, 6), softmax_layer()], stem="linear_softmax")
    case(fam, (4, 3, 3), [softmax_layer(log=True)])
    case(fam, (5,), [softmax_layer(log=True)])
    case(fam, (3, 4, 5), [softmax_layer(-1, log=True)])
    case(fam, (3, 4, 5), [softmax_layer(1, log=True)])
    case(fam, (4, 2), [softmax_layer(log=True)], x=torch.tensor([100.0, -100, 101, 50, 99.5, 0, 30, -30]),
         stem="log_softmax_large_logits")
    return fam


# ---------------------------------------------------------------------------------------------------
# graph: blocks, reshapes, networks with every intermediate output

def c2(cout, k, **kw):
    return conv_layer(2, cout, k, **kw)


def prefix_cases(fam, stem, in_shape, builders, wscale="fan_in", exact=False, only=None):
    """One case per prefix of the layer list (or the prefix lengths in `only`), with the same parameters
    and input: every intermediate output of the network. Ids: <stem>_prefix_<n>."""
    built = build_seq(builders, in_shape)
    modules = [b.module for b in built]
    full = nn.Sequential(*modules).eval()
    init_params(full, exact, wscale)
    x = ints(*in_shape) if exact else randn(*in_shape)
    ys = []
    for n in only or range(1, len(built) + 1):
        ys.append(emit_network(fam, f"{stem}_prefix_{n}", exact, in_shape, built[:n], nn.Sequential(*modules[:n]), x,
                               numbered=False))
    return ys


def gen_graph():
    """Blocks and networks; random weights scaled by 1/sqrt(fan_in) so that values stay near 1."""
    fam = Family("graph")
    p1 = ("pad", 1)
    for exact in (False, True):
        case(fam, (2, 5, 5), [residual(chain(c2(2, 3, padding=p1), act("relu"), c2(2, 3, padding=p1)))],
             exact=exact, wscale="fan_in", stem="residual_identity")
        case(fam, (2, 5, 5), [residual(chain(c2(4, 3, padding=p1), act("relu"), c2(4, 3, padding=p1)),
                                       chain(c2(4, 1)))], exact=exact, wscale="fan_in", stem="residual_projection")
        case(fam, (2, 5, 5), [concat(identity_layer(), chain(c2(2, 3, padding=p1), act("relu")))],
             exact=exact, wscale="fan_in", stem="concat_identity_chain")
        case(fam, (2, 4, 4), [concat(identity_layer(), chain(c2(2, 3, padding=p1), act("relu"), c2(1, 1)),
                                     c2(3, 3, padding=p1))], exact=exact, wscale="fan_in", stem="concat_three")
    case(fam, (2, 4, 4), [residual(c2(3, 3, padding=p1), c2(3, 1))], wscale="fan_in", stem="residual_single_layers")
    case(fam, (2, 6, 6), [residual(chain(c2(4, 3, stride=2, padding=p1), act("relu")), chain(c2(4, 1, stride=2)))],
         wscale="fan_in", stem="residual_strided_projection")
    case(fam, (2, 8), [residual(chain(conv_layer(1, 2, 3, padding=p1), act("relu")))], exact=True,
         wscale="fan_in", stem="residual_1d")
    case(fam, (1, 3, 3, 3), [residual(chain(conv_layer(3, 1, 3, padding=p1)))], wscale="fan_in", stem="residual_3d")
    case(fam, (2, 4, 4), [concat(chain(max_pool_layer(2, 2), upsample_layer(2, "nearest", ("scale", 2))),
                                 identity_layer())], select=True, wscale="fan_in", stem="concat_pool_upsample")
    case(fam, (2, 6), [concat(conv_layer(1, 1, 3, padding=p1), identity_layer(), conv_layer(1, 2, 1))],
         exact=True, wscale="fan_in", stem="concat_1d")
    case(fam, (1, 2, 3, 3), [concat(identity_layer(), conv_layer(3, 2, 3, padding=p1))], wscale="fan_in",
         stem="concat_3d")
    case(fam, (2, 4, 4), [concat(residual(chain(c2(2, 3, padding=p1), act("relu"))), c2(2, 1)), act("relu")],
         wscale="fan_in", stem="concat_of_residual")
    case(fam, (2, 5, 5), [chain(c2(3, 3), act("relu")), chain(c2(2, 3, padding=p1), act("ctnn::tanh_activation"))],
         wscale="fan_in", stem="chains_as_layers")
    case(fam, (4, 5, 5), [multiply(c2(4, 3, padding=p1), chain(global_pool_layer("avg"), c2(4, 1), act("sigmoid")))],
         wscale="fan_in", stem="multiply_channel_gate")
    case(fam, (3, 4, 4), [multiply(c2(3, 3, padding=p1), chain(c2(3, 3, padding=p1), act("sigmoid")))],
         wscale="fan_in", stem="multiply_same_shape")
    case(fam, (3, 4, 5), [multiply(chain(), chain(c2(1, 3, padding=p1), act("relu")))], exact=True,
         wscale="fan_in", stem="multiply_spatial_gate")
    case(fam, (4, 6), [multiply(chain(), chain(global_pool_layer("avg"), conv_layer(1, 4, 1), act("hardsigmoid")))],
         wscale="fan_in", stem="multiply_1d")
    case(fam, (8, 5, 5), [c2(8, 3, padding=p1), squeeze_excitation(2), act("relu")], wscale="fan_in",
         stem="squeeze_excitation")
    case(fam, (8, 4, 4), [c2(8, 1), act("hardswish"), squeeze_excitation(4, "relu", "hardsigmoid"), c2(4, 1)],
         wscale="fan_in", stem="squeeze_excitation_mobilenet_v3")
    case(fam, (6, 2, 3), [slice_channels(1, 3)], select=True)
    case(fam, (6, 4), [slice_channels(4, 2)], select=True)
    case(fam, (6, 2, 3), [channel_shuffle(2)], select=True)
    case(fam, (6, 2, 2), [channel_shuffle(3)], select=True)
    case(fam, (6, 1, 2, 2), [channel_shuffle(2)], select=True)
    case(fam, (8, 2, 3), [pixel_shuffle(2)], select=True)
    case(fam, (9, 2, 2), [pixel_shuffle(3)], select=True)
    case(fam, (2, 4, 6), [pixel_shuffle(2, inverse=True)], select=True)
    case(fam, (8, 2, 3), [depth_to_space(2)], select=True)
    case(fam, (18, 2, 1), [depth_to_space(3)], select=True)
    case(fam, (2, 4, 6), [depth_to_space(2, inverse=True)], select=True)
    case(fam, (3, 3, 6), [depth_to_space(3, inverse=True)], select=True)
    case(fam, (3, 2, 4), [permute(1, 2, 0)], select=True)
    case(fam, (3, 2, 4), [permute(2, 0, 1)], select=True)
    case(fam, (2, 5), [permute(1, 0)], select=True)
    case(fam, (2, 3, 2, 2), [permute(3, 1, 0, 2)], select=True)
    # ShuffleNet V2's units: the stride-1 unit splits the channels, the stride-2 unit branches twice
    case(fam, (8, 5, 5), [concat(slice_channels(0, 4), chain(slice_channels(4, 4), c2(4, 1), act("relu"),
                                                             c2(4, 3, padding=p1, groups=4), c2(4, 1), act("relu"))),
                          channel_shuffle(2)], wscale="fan_in", stem="shufflenet_unit")
    case(fam, (4, 6, 6), [concat(chain(c2(4, 3, stride=2, padding=p1, groups=4), c2(4, 1), act("relu")),
                                 chain(c2(4, 1), act("relu"), c2(4, 3, stride=2, padding=p1, groups=4), c2(4, 1))),
                          channel_shuffle(2)], wscale="fan_in", stem="shufflenet_down_unit")
    # ConvNeXt's channel-last detour: permute, a linear layer over the channels, permute back
    case(fam, (4, 3, 3), [permute(1, 2, 0), linear_layer(6, 4), act("gelu"), linear_layer(4, 6), permute(2, 0, 1)],
         wscale="fan_in", stem="permute_linear")
    case(fam, (2, 3, 3), [c2(8, 1), pixel_shuffle(2), c2(1, 3, padding=p1)], wscale="fan_in", stem="sub_pixel_conv")
    case(fam, (2, 3, 3), [flatten_layer()], select=True)
    case(fam, (2, 3, 4), [flatten_layer(1)], select=True)
    case(fam, (2, 3, 4), [flatten_layer(0, 1)], select=True)
    case(fam, (2, 4, 3), [reshape_layer(4, -1)], select=True)
    case(fam, (2, 4, 3), [reshape_layer(-1)], select=True)
    case(fam, (2, 4, 3), [reshape_layer(3, 2, -1)], select=True)
    case(fam, (2, 4, 4), [c2(2, 3), flatten_layer(), linear_layer(3, 8)], wscale="fan_in", stem="conv_flatten_linear")
    prefix_cases(fam, "lenet_small", (1, 12, 12),
                 [c2(3, 3), act("relu"), max_pool_layer(2, 2), c2(4, 3), act("relu"), flatten_layer(),
                  linear_layer(5, 36)])
    prefix_cases(fam, "unet_level", (2, 8, 8),
                 [c2(4, 3, padding=p1), act("relu"),
                  concat(identity_layer(), chain(max_pool_layer(2, 2), c2(4, 3, padding=p1), act("relu"),
                                                 conv_transpose_layer(2, 4, 2, stride=2))),
                  c2(2, 1)])
    resnet_main = [c2(8, 3, stride=2, padding=p1, bias=False), batch_norm_layer(2), act("relu"),
                   c2(8, 3, padding=p1, bias=False), batch_norm_layer(2)]
    prefix_cases(fam, "resnet_block", (4, 8, 8),
                 [residual(chain(*resnet_main), chain(c2(8, 1, stride=2, bias=False), batch_norm_layer(2))),
                  act("relu")])
    # the first half of the block's main branch on its own (conv, batch norm, relu), size permitting
    prefix_cases(fam, "resnet_block_main", (4, 8, 8), resnet_main, only=[3])
    # ViT's class token before its [N, D] tokens; a learned map beside a convolution's
    case(fam, (3, 5), [concat(constant_tensor_layer((1, 5)), identity_layer()), layer_norm_layer()],
         stem="class_token")
    case(fam, (2, 3, 3), [concat(chain(c2(2, 3, padding=p1), act("relu")), constant_tensor_layer((1, 3, 3))),
                          c2(2, 1)], wscale="fan_in", stem="conv_concat_constant")
    return fam


# ---------------------------------------------------------------------------------------------------
# partial convolution

def random_mask(channels, spatial, hole, density=0.7):
    """Binary mask [channels, spatial...]: random with the given density of ones, then a hole (zeros in
    every channel) of extent hole[i] at a random position, unless hole is None."""
    m = (torch.rand(channels, *spatial) < density).float()
    if hole is not None:
        index = [slice(None)]
        for n, h in zip(spatial, hole):
            h = min(h, n)
            start = RNG.randint(0, n - h)
            index.append(slice(start, start + h))
        m[tuple(index)] = 0
    return m


def partial_case(fam, in_shape, layer_builder, mask="random", hole_extra=0, exact=False, want_hole=True):
    built = layer_builder(in_shape)
    pc = built.module
    conv = pc.conv
    cm = in_shape[0] if pc.multi else 1
    spatial = in_shape[1:]
    ext = [d * (k - 1) + s for k, s, d in zip(conv.kernel_size, conv.stride, conv.dilation)]
    cid = fam.new_id(short_name(built.cpp) + ("_" + mask if mask != "random" else ""))
    try:
        init_params(pc, exact)
        x = (ints(*in_shape) if exact else randn(*in_shape)).reshape(1, *in_shape)
        if mask == "ones":
            m = torch.ones(cm, *spatial)
        elif mask == "zeros":
            m = torch.zeros(cm, *spatial)
        else:
            m = random_mask(cm, spatial, [e + hole_extra for e in ext])
        m = m.reshape(1, cm, *spatial)

        class WithMask(nn.Module):
            def __init__(self, inner):
                super().__init__()
                self.inner = inner

            def forward(self, xx, mm):
                return self.inner(xx, mm, with_mask=True)

        model = WithMask(pc)
        (y32, nm32), (y64, nm64) = run(model, x, m)
        if tuple(y64.shape[1:]) != tuple(built.out):
            raise GeneratorBug(f"output shape {tuple(y64.shape[1:])} != {built.out}")
        if exact:
            check_exact_arithmetic(model, [x, m])
        y, used = check_output(exact, y32, y64)
        if not torch.equal(nm32, nm64.float()):
            raise GeneratorBug("float32 and float64 runs disagree on the new mask")
        if mask == "random" and want_hole and not bool((nm64 == 0).any()):
            raise GeneratorBug("no all-zero window in a case meant to have one")
        p = param_values(pc)
    except Exception as e:  # noqa: BLE001
        print(f"generator bug in partial_conv case {cid}: {built.cpp} on {in_shape}\n  {type(e).__name__}: {e}",
              file=sys.stderr)
        sys.exit(1)
    text = (f"CTNN_PARTIAL_CONV_CASE(\"{cid}\", {int(exact)}, ({built.cpp}), ({vals(in_shape)}),\n"
            f"    ({values_text(flat(x))}),\n"
            f"    ({values_text(flat(m))}),\n"
            f"    ({values_text(p)}),\n"
            f"    ({values_text(flat(y))}),\n"
            f"    ({values_text(flat(nm64))}));")
    fam.add(text, exact, used)


def pconv(r, cout, k, **kw):
    return conv_layer(r, cout, k, partial=True, **kw)


def gen_partial_conv():
    fam = Family("partial_conv")
    p1 = ("pad", 1)
    partial_case(fam, (3, 8, 8), pconv(2, 4, 3, stride=1, padding=p1, spell_defaults=False))
    partial_case(fam, (3, 6, 6), pconv(2, 4, 3, padding=p1, multi=True))
    partial_case(fam, (2, 7, 7), pconv(2, 3, 3, stride=2, padding=p1))
    partial_case(fam, (2, 7, 7), pconv(2, 2, 3, stride=2, padding=p1, multi=True))
    partial_case(fam, (2, 6, 6), pconv(2, 2, 3, dilation=2, padding=("pad", 2)))
    partial_case(fam, (2, 6, 6), pconv(2, 3, 3, padding=p1, bias=False))
    partial_case(fam, (4, 5, 5), pconv(2, 4, 3, groups=2, padding=p1))
    partial_case(fam, (4, 5, 5), pconv(2, 4, 3, groups=2, padding=p1, multi=True))
    partial_case(fam, (2, 6, 6), pconv(2, 2, 2, stride=2, multi=True))
    partial_case(fam, (2, 5, 5), pconv(2, 2, 3, padding=("asym", (0, 1), (2, 1))))
    partial_case(fam, (2, 5, 6), pconv(2, 2, 3, padding="same"))
    partial_case(fam, (2, 7, 6), pconv(2, 2, 3, stride=2, padding="tf_same", multi=True))
    partial_case(fam, (1, 7, 7), pconv(2, 2, 5, padding=("pad", 2)))
    partial_case(fam, (2, 5, 5), pconv(2, 3, 1))
    partial_case(fam, (2, 8), pconv(1, 2, 3, padding=p1))
    partial_case(fam, (3, 9), pconv(1, 2, 3, stride=2, padding=p1, multi=True))
    partial_case(fam, (1, 4, 4, 4), pconv(3, 2, 3, padding=p1))
    partial_case(fam, (2, 3, 3, 3), pconv(3, 2, 2, padding=p1, multi=True))
    partial_case(fam, (2, 5, 5), pconv(2, 2, 3, padding=p1), mask="zeros")
    partial_case(fam, (2, 5, 5), pconv(2, 2, 3, padding=p1, multi=True), mask="zeros")
    partial_case(fam, (2, 5, 5), pconv(2, 2, 3), mask="ones", exact=True)
    partial_case(fam, (2, 5, 5), pconv(2, 2, 3, multi=True), mask="ones", exact=True)
    partial_case(fam, (2, 5, 5), pconv(2, 2, 3, padding=p1), mask="ones")
    # inside a network: the mask is all ones over the input, only the zero padding is a hole
    case(fam, (2, 6, 6), [pconv(2, 3, 3, padding=p1)])
    case(fam, (2, 7, 7), [pconv(2, 2, 3, stride=2, padding=p1)])
    case(fam, (2, 6, 6), [pconv(2, 2, 5, padding=("pad", 2), multi=True)])
    case(fam, (3, 8), [pconv(1, 2, 3, padding=p1)])
    case(fam, (1, 4, 4, 4), [pconv(3, 2, 3, padding=p1)])
    case(fam, (2, 6, 6), [pconv(2, 3, 3, padding=p1), act("relu"), pconv(2, 2, 3, padding=p1, multi=True)],
         stem="pconv_relu_pconv", wscale="fan_in")
    case(fam, (2, 6, 6), [pconv(2, 2, 3, dilation=2, padding=("asym", (2, 1), (0, 2)))])
    case(fam, (2, 5, 5), [pconv(2, 2, 3)], exact=True)
    return fam


# ---------------------------------------------------------------------------------------------------
# fusion: the layer groups fuse() (ctnn/plan/schedule.hpp) runs as one kernel in NHWC (and layer by layer in NCHW)

def dw(r, k, **kw):
    return conv_layer(r, None, k, mult=1, spell_mult=False, **kw)


def gen_fusion():
    fam = Family("fusion")
    p1 = ("pad", 1)
    # depthwise [+ activation] + pointwise [+ activation]; widths that leave partial register tiles
    for exact in (False, True):
        case(fam, (8, 10, 13), [dw(2, 3, padding=p1), act("relu"), c2(16, 1), act("relu")], exact=exact,
             wscale="fan_in", stem="mobilenet_block")
    case(fam, (6, 9, 11), [dw(2, 3, stride=2, padding=p1), act("relu6"), c2(20, 1), act("relu6")], wscale="fan_in",
         stem="dw_stride2_relu6")
    case(fam, (5, 7, 9), [dw(2, 3, padding=p1), c2(7, 1)], wscale="fan_in", stem="dw_pw_no_activation")
    case(fam, (5, 7, 9), [dw(2, 3, padding=p1), act("relu"), c2(7, 1)], wscale="fan_in", stem="dw_relu_pw")
    case(fam, (5, 7, 9), [dw(2, 3, padding=p1), c2(7, 1), act("relu")], wscale="fan_in", stem="dw_pw_relu")
    case(fam, (4, 8, 8), [dw(2, 3, dilation=2, padding=("pad", 2)), act("hardswish"), c2(6, 1), act("sigmoid")],
         wscale="fan_in", stem="dw_dilated_hardswish_sigmoid")
    case(fam, (3, 9, 10), [dw(2, 5, padding=("asym", (2, 1), (1, 3))), act("leaky_relu<1, 5>"), c2(5, 1), act("gelu")],
         wscale="fan_in", stem="dw_asym_leaky_gelu")
    case(fam, (6, 20), [dw(1, 3, padding=p1), act("relu"), conv_layer(1, 9, 1), act("relu")], wscale="fan_in",
         stem="dw_pw_1d")
    case(fam, (3, 4, 5, 6), [dw(3, 3, padding=p1), act("relu"), conv_layer(3, 4, 1), act("silu")], wscale="fan_in",
         stem="dw_pw_3d")
    case(fam, (40, 6, 7), [dw(2, 3, padding=p1), act("relu"), c2(36, 1), act("relu")], wscale="fan_in",
         stem="dw_pw_wide")
    # not fused: a strided or padded 1x1, and a 3x3 after the depthwise
    case(fam, (5, 8, 8), [dw(2, 3, padding=p1), act("relu"), c2(6, 1, stride=2), act("relu")], wscale="fan_in",
         stem="dw_strided_pointwise")
    case(fam, (5, 6, 6), [dw(2, 3, padding=p1), act("relu"), c2(6, 3, padding=p1), act("relu")], wscale="fan_in",
         stem="dw_then_3x3")
    # the group's input in the arena, and a group inside a residual branch, which reads the block input
    case(fam, (3, 9, 9), [c2(8, 3, padding=p1), act("relu"), dw(2, 3, padding=p1), act("relu"), c2(8, 1),
                          act("relu"), dw(2, 3, stride=2, padding=p1), c2(4, 1)], wscale="fan_in",
         stem="conv_then_two_blocks")
    case(fam, (6, 7, 7), [residual(chain(dw(2, 3, padding=p1), act("relu"), c2(6, 1))), act("relu")],
         wscale="fan_in", stem="residual_dw_pw")
    # a fast kernel and the activation after it
    for name in ("relu", "relu6", "leaky_relu<1, 5>", "hardswish", "sigmoid", "ctnn::tanh_activation", "silu", "gelu"):
        case(fam, (3, 6, 7), [c2(17, 3, padding=p1), act(name)], wscale="fan_in", stem="conv_activation")
    case(fam, (4, 5, 5), [conv_transpose_layer(2, 6, 3, stride=2, pad=1), act("relu")], wscale="fan_in",
         stem="conv_transpose_relu")
    case(fam, (6, 6, 6), [dw(2, 3, padding=p1), act("relu6")], wscale="fan_in", stem="dw_relu6")
    case(fam, (20,), [linear_layer(33, 20), act("relu"), linear_layer(17, 33), act("hardswish"), linear_layer(5, 17)],
         wscale="fan_in", stem="mlp")
    case(fam, (20,), [linear_layer(33, 20), act("relu"), linear_layer(17, 33), act("relu")], exact=True,
         wscale="fan_in", stem="mlp")
    # batch norm folded into the fast kernel before it (torchvision's conv -> BN -> ReLU), eps 1e-5 and 1e-3
    bn2 = batch_norm_layer(2)
    case(fam, (3, 8, 9), [c2(17, 3, padding=p1, bias=False), bn2, act("relu")], wscale="fan_in",
         stem="conv_bn_relu")
    case(fam, (3, 8, 9), [c2(10, 3, stride=2, padding=p1), batch_norm_layer(2, eps=1e-3), act("relu")],
         wscale="fan_in", stem="conv_bias_bn_eps3_relu")
    case(fam, (5, 7, 7), [c2(6, 1, bias=False), bn2], wscale="fan_in", stem="pointwise_bn")
    # MobileNetV2's inverted residual: expand, depthwise, project, each with its batch norm
    case(fam, (6, 7, 7), [residual(chain(c2(24, 1, bias=False), bn2, act("relu6"), dw(2, 3, padding=p1, bias=False),
                                         bn2, act("relu6"), c2(6, 1, bias=False), bn2))],
         wscale="fan_in", stem="inverted_residual_bn")
    case(fam, (4, 5, 5), [conv_transpose_layer(2, 6, 3, stride=2, pad=1), bn2, act("relu")], wscale="fan_in",
         stem="conv_transpose_bn_relu")
    case(fam, (20,), [linear_layer(12, 20), batch_norm_layer(1), act("relu"), linear_layer(5, 12)], wscale="fan_in",
         stem="linear_bn1d_relu")
    # a batch norm after a layer without a fast kernel, or after an activation, stays a layer of its own
    case(fam, (3, 8, 8), [c2(6, 3, padding=p1), act("relu"), bn2], wscale="fan_in", stem="relu_then_bn")
    case(fam, (4, 8, 8), [c2(8, 3, padding=p1, groups=2), bn2, act("relu")], wscale="fan_in",
         stem="grouped_conv_bn_relu")
    # an inverted bottleneck in one pass, its expansion computed a few rows at a time as the depthwise window
    # reaches them (fuse_expansions): stride 2, a dilated 5x5 window over 9 rows, an expansion with neither
    # batch norm nor activation, and one a second branch also reads (not fused)
    case(fam, (4, 9, 11), [c2(16, 1, bias=False), bn2, act("relu6"), dw(2, 3, stride=2, padding=p1, bias=False), bn2,
                           act("relu6"), c2(8, 1, bias=False), bn2], wscale="fan_in", stem="inverted_stride2_bn")
    case(fam, (3, 12, 10), [c2(12, 1), act("relu"), dw(2, 5, dilation=2, padding=("pad", 4)), act("relu"), c2(5, 1)],
         wscale="fan_in", stem="inverted_dilated_5x5")
    case(fam, (5, 8, 8), [residual(chain(c2(10, 1), dw(2, 3, padding=p1), act("relu"), c2(5, 1))), act("relu")],
         wscale="fan_in", stem="inverted_residual_plain")
    case(fam, (4, 7, 7), [c2(8, 1), act("relu6"), concat(chain(dw(2, 3, padding=p1), c2(4, 1)), chain())],
         wscale="fan_in", stem="expansion_read_twice")
    return fam


# ---------------------------------------------------------------------------------------------------

GENERATORS = [("conv", gen_conv), ("conv_transpose", gen_conv_transpose), ("pool", gen_pool),
              ("upsample", gen_upsample), ("pad", gen_pad), ("linear", gen_linear), ("activation", gen_activation),
              ("normalization", gen_normalization), ("graph", gen_graph), ("partial_conv", gen_partial_conv),
              ("fusion", gen_fusion)]


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    total, total_exact, total_bytes = 0, 0, 0
    for name, gen in GENERATORS:
        # Each family from its own seed: adding a case to one family leaves the others' data as it was.
        torch.manual_seed(zlib.crc32(name.encode()))
        RNG.seed(zlib.crc32(name.encode()))
        fam = gen()
        assert fam.name == name
        path = fam.write()
        size = os.path.getsize(path)
        total += len(fam.entries)
        total_exact += fam.exact
        total_bytes += size
        print(f"{name:15s} {len(fam.entries):4d} cases {fam.exact:4d} exact {size / 1024:7.1f} KB  "
              f"float32 run within {fam.worst:.4f} of the tolerance", file=sys.stderr)
    print(f"{'total':15s} {total:4d} cases {total_exact:4d} exact {total_bytes / 1024:7.1f} KB", file=sys.stderr)
    for note in NOTES:
        print("note: " + note, file=sys.stderr)


if __name__ == "__main__":
    main()
