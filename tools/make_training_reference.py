#!/usr/bin/env python3
"""Writes tests/data/training/<family>.inc: gradients computed by torch.autograd, and optimizer steps.

Run with Debian's python3-torch (PyTorch 1.13): `/usr/bin/python3 tools/make_training_reference.py`.
Deterministic: two runs write byte-identical files.

The gradient cases are the networks of tools/make_numeric_reference.py (same generators, same seeds,
same inputs and parameters) whose every layer has a backward pass in ctnn; each becomes

  CTNN_GRADIENT_CASE(id, (NET), (X...), (PARAMS...), (DY...), (DX...), (DPARAMS...));

X, PARAMS as there; DY a random output gradient (float32 values); DX and DPARAMS the gradients of
sum(y * DY) with respect to the input and to every state_dict tensor (buffers: 0), computed by
torch.autograd in float64 on the model in eval mode (batch norm's statistics frozen) and rounded once
(upsampling in float32: see gradients()).

steps.inc holds whole training steps: a small CNN, a batch, cross-entropy (or MSE), and the weights after
k steps of torch.optim.SGD (momentum, weight decay) or Adam, with the losses of each step:

  CTNN_STEP_CASE(id, (NET), (SCOPE), OPTIMIZER{...}, BATCH, STEPS, (X...), (LABELS...), (PARAMS...), (LOSSES...), (AFTER...));

and batch norm in training mode (model.train(), ctnn::with_batch_statistics): the gradients of one batch's
mean cross-entropy with respect to every sample and every learned tensor, in float64, and the state_dict
after that forward pass (the running statistics moved by the momentum):

  CTNN_BATCH_GRADIENT_CASE(id, (NET), MOMENTUM_NUM, MOMENTUM_DEN, BATCH, (X...), (LABELS...), (PARAMS...), LOSS,
                           (DX...), (DPARAMS...), (AFTER...));

CTNN_BATCH_MSE_CASE is the same with the mean squared error against float TARGETS instead of LABELS.
"""
import copy
import os
import re
import sys
import zlib

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_numeric_reference as ref  # noqa: E402
from write_atomically import write_atomically  # noqa: E402

OUT_DIR = os.path.join(HERE, "..", "tests", "data", "training")
FAMILIES = ["conv", "conv_transpose", "pool", "upsample", "pad", "linear", "activation", "normalization", "graph",
            "fusion"]

# Every identifier of a network's C++ spelling must be one of these: layers with a backward pass, and options.
LAYERS = {
    "sequential", "input", "conv1d", "conv2d", "conv3d", "conv", "depthwise_conv1d", "depthwise_conv2d",
    "depthwise_conv3d", "linear", "relu", "relu6", "leaky_relu", "sigmoid", "tanh_activation", "hardswish", "silu",
    "gelu", "gelu_tanh", "elu", "selu", "celu", "hardtanh", "clamp", "clamp_min", "clamp_max", "hardsigmoid",
    "hardsigmoid_affine", "softplus", "mish", "dropout", "identity_layer", "prelu", "softmax", "log_softmax",
    "softmax_dim", "log_softmax_dim", "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d",
    "avg_pool3d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
    "adaptive_max_pool2d", "adaptive_max_pool3d", "global_avg_pool", "global_max_pool", "flatten", "reshape",
    "batch_norm1d", "batch_norm2d", "batch_norm3d", "residual", "concat", "multiply", "chain", "ctnn", "matmul_tensor", "max_unpool",
    "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "slice_channels", "channel_shuffle", "pixel_shuffle",
    "pixel_unshuffle", "depth_to_space", "space_to_depth", "permute", "reduce_max", "reduce_max_keepdim",
    "reduce_mean", "reduce_mean_keepdim", "reduce_min", "reduce_min_keepdim", "reduce_sum", "reduce_sum_keepdim",
    "layer_norm", "layer_norm_over", "channel_layer_norm", "group_norm", "instance_norm1d", "instance_norm2d",
    "instance_norm3d", "layer_scale", "add_tensor", "constant_tensor", "multiply_tensor", "upsample_nearest1d", "upsample_nearest2d",
    "upsample_nearest3d", "upsample_nearest_exact1d", "upsample_nearest_exact2d", "upsample_nearest_exact3d",
    "upsample_linear1d", "upsample_bilinear2d", "upsample_trilinear3d", "upsample_bicubic2d", "constant_pad1d",
    "constant_pad2d", "constant_pad3d", "zero_pad1d", "zero_pad2d", "zero_pad3d", "reflection_pad1d",
    "reflection_pad2d", "reflection_pad3d", "replication_pad1d", "replication_pad2d", "replication_pad3d", "crop",
    "crop1d", "crop2d", "crop3d",
}
OPTIONS = {
    "kernel", "stride", "dilation", "pad", "pad_asym", "groups", "no_bias", "same", "valid", "tf_same",
    "tf_same_lower", "ceil_mode", "align_corners", "crop_begin", "crop_end", "fill_value", "output_padding",
    "scale_den", "scale_ratio", "scale_factor", "exclude_pad", "count_include_pad", "multiplier", "in_channels", "eps_ratio",
    "no_affine", "affine", "in_features", "per_position", "output_size", "dims", "dim", "nhwc", "nchw", "batch",
    "channels", "pytorch", "per_channel", "start_dim", "end_dim", "channel_multiplier", "pad_begin", "pad_end",
    "pad_full", "pad_same", "pad_tf_same", "pad_tf_same_lower", "pad_valid", "flatten_dims", "squeeze_excitation",
}
UNKNOWN = set()
NO_DERIVATIVE = set()  # operators torch.autograd cannot differentiate


def expressible(net):
    names = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", net))
    unknown = names - LAYERS - OPTIONS
    UNKNOWN.update(unknown)
    return not unknown


class NearestByIndex(nn.Module):
    """Nearest upsampling as index_select along each spatial dim, at the source positions the module's own
    forward picks: PyTorch 1.13's backward of nearest upsampling with a scale factor that is not an
    integer takes the positions from in/out sizes instead of the scale (nn.Upsample(scale_factor=2.1) on 4
    elements reads 0, 0, 0, 1, ... forward and sends gradients back as if 0, 0, 1, 1, ...): not the adjoint
    of its forward. ctnn's gradient is the adjoint; index_select's autograd is the reference for it."""

    def __init__(self, upsample):
        super().__init__()
        self.upsample = upsample

    def forward(self, x):
        rank = x.dim() - 2
        y = x
        for d in range(rank):
            n = x.shape[2 + d]
            positions = torch.arange(n, dtype=x.dtype).reshape([1, 1] + [n if i == d else 1 for i in range(rank)])
            # two channels: with one, an NCHW tensor is also channels-last, and PyTorch takes another kernel
            positions = positions.expand(1, 2, *x.shape[2:]).contiguous()
            picked = self.upsample(positions)
            index = picked[(0, 0) + tuple(slice(None) if i == d else 0 for i in range(rank))].long()
            y = y.index_select(2 + d, index)
        return y


def with_adjoint_nearest(module):
    for name, child in module.named_children():
        if isinstance(child, nn.Upsample) and child.mode in ("nearest", "nearest-exact") and child.scale_factor:
            setattr(module, name, NearestByIndex(child))
        else:
            with_adjoint_nearest(child)
    return module


def gradients(model, x, dy, dtype=torch.float64):
    """(dx, dparams) of sum(model(x) * dy) in float64, model in eval mode.

    PyTorch 1.13's element-wise backward kernels run a vector path and a scalar path for the elements past
    the last whole vector, and the two disagree where a piece-wise function's pieces meet (hardswish's at
    x = 3: the vector path gives dy, the scalar 1.5 dy). ctnn follows the vector path; so the sample runs
    as the first of a batch of 16 (the others with a zero output gradient), which leaves no scalar tail.

    Upsampling runs in float32: PyTorch computes its source positions and weights in the tensor's type, and
    ctnn as it does for float tensors (in float64 a ratio like 10/21 picks other source pixels)."""
    m = with_adjoint_nearest(copy.deepcopy(model)).to(dtype).eval()
    xs = x.to(dtype).repeat(16, *([1] * (x.dim() - 1))).clone().requires_grad_(True)
    y = m(xs)
    weight = torch.zeros_like(y)
    weight[0] = dy.to(dtype)[0]
    (y * weight).sum().backward()
    named = dict(m.named_parameters())
    grads = []
    for k, t in m.state_dict().items():
        if k.endswith("num_batches_tracked"):
            continue
        p = named.get(k)
        g = p.grad if p is not None and p.grad is not None else torch.zeros_like(t)
        grads += ref.flat(g.float())
    return ref.flat(xs.grad[:1].float()), grads


class Family:
    def __init__(self, name):
        self.name, self.entries, self.skipped = name, [], 0

    def write(self):
        path = os.path.join(OUT_DIR, f"{self.name}.inc")
        head = (f"// Generated by tools/make_training_reference.py (PyTorch {torch.__version__}); do not edit.\n"
                f"// {self.name}: {len(self.entries)} gradient cases (tools/make_numeric_reference.py's networks whose\n"
                f"// layers all have a backward pass; {self.skipped} others left out). See the script's docstring.\n")
        write_atomically(path, head + "\n".join(self.entries) + "\n")
        return path


CURRENT = [None]


def emit_gradient(fam, stem, exact, in_shape, built, model, x, select=False, numbered=True):
    """Replaces make_numeric_reference.emit_network: the same case, with its gradients."""
    cid = fam.new_id(stem, numbered)
    net = f"sequential<input<{ref.vals(in_shape)}>, " + ", ".join(b.cpp for b in built) + ">"
    x = x.reshape(1, *in_shape).float()
    y32, y64 = ref.run(model, x)
    fam.add("", exact, 0.0)  # keeps make_numeric_reference's numbering
    out = CURRENT[0]
    if not expressible(net):
        out.skipped += 1
        return ref.flat(y64.float())
    # From its own generator: the numeric generator's random stream (the next cases' inputs) stays as it was.
    dy = torch.randn(*y64.shape, generator=torch.Generator().manual_seed(zlib.crc32(cid.encode()))).float()
    try:
        dx, dparams = gradients(model, x, dy, torch.float32 if "upsample" in net else torch.float64)
    except RuntimeError as e:  # torch 1.13 has no derivative for a few (channel_shuffle)
        NO_DERIVATIVE.add(str(e).split("derivative for ")[-1].split(" is not")[0])
        out.skipped += 1
        return ref.flat(y64.float())
    text = (f"CTNN_GRADIENT_CASE(\"{cid}\", ({net}),\n"
            f"    ({ref.values_text(ref.flat(x))}),\n"
            f"    ({ref.values_text(ref.param_values(model))}),\n"
            f"    ({ref.values_text(ref.flat(dy))}),\n"
            f"    ({ref.values_text(dx)}),\n"
            f"    ({ref.values_text(dparams)}));")
    out.entries.append(text)
    return ref.flat(y64.float())


# ---- whole training steps -------------------------------------------------------------------------------

def step_case(entries, cid, cpp, module, in_shape, batch, steps, optimizer, spelled, loss="cross_entropy", seed=0,
              scope="ctnn::train_all"):
    torch.manual_seed(seed)
    model = module.double().train()
    for p in model.parameters():
        with torch.no_grad():
            p.copy_(p.float().double())  # float32 values
    x = torch.randn(batch, *in_shape).float().double()
    classes = model(x).shape[1]
    labels = torch.randint(0, classes, (batch,))
    params = [v for k, t in model.state_dict().items() if not k.endswith("num_batches_tracked") for v in ref.flat(t.float())]
    opt = optimizer(model.parameters())
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        y = model(x)
        value = nn.functional.cross_entropy(y, labels)
        value.backward()
        opt.step()
        losses.append(float(value))
    after = [v for k, t in model.state_dict().items() if not k.endswith("num_batches_tracked") for v in ref.flat(t.float())]
    entries.append(
        f"CTNN_STEP_CASE(\"{cid}\", ({cpp}), ({scope}), ({spelled}), {batch}, {steps},\n"
        f"    ({ref.values_text(ref.flat(x.float()))}),\n"
        f"    ({', '.join(str(int(v)) for v in labels)}),\n"
        f"    ({ref.values_text(params)}),\n"
        f"    ({ref.values_text([ref.flat(torch.tensor([v]).float())[0] for v in losses])}),\n"
        f"    ({ref.values_text(after)}));")


def batch_gradient_case(entries, cid, cpp, module, in_shape, batch, seed, momentum=(1, 10), mse=False):
    torch.manual_seed(seed)
    model = module.double().train()
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.momentum = momentum[0] / momentum[1]
            if m.affine:  # away from PyTorch's 1 and 0, so that a mix-up of weight and bias shows
                with torch.no_grad():
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.5, 0.5)
            with torch.no_grad():  # running statistics that are not PyTorch's defaults, from earlier batches
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 2.0)
    for t in model.state_dict().values():
        if t.is_floating_point():
            with torch.no_grad():
                t.copy_(t.float().double())  # float32 values
    params = [v for k, t in model.state_dict().items() if not k.endswith("num_batches_tracked") for v in ref.flat(t.float())]
    x = torch.randn(batch, *in_shape).float().double().requires_grad_(True)
    y = model(x)
    if mse:
        labels = torch.randn(y.shape).float().double()
        loss = nn.functional.mse_loss(y, labels)
        truth = ref.values_text(ref.flat(labels.float()))
    else:
        labels = torch.randint(0, y.shape[1], (batch,))
        loss = nn.functional.cross_entropy(y, labels)
        truth = ', '.join(str(int(v)) for v in labels)
    loss.backward()
    named = dict(model.named_parameters())
    grads, after = [], []
    for k, t in model.state_dict().items():
        if k.endswith("num_batches_tracked"):
            continue
        p = named.get(k)
        grads += ref.flat((p.grad if p is not None else torch.zeros_like(t)).float())
        after += ref.flat(t.float())
    entries.append(
        f"CTNN_BATCH_{'MSE' if mse else 'GRADIENT'}_CASE(\"{cid}\", ({cpp}), {momentum[0]}, {momentum[1]}, {batch},\n"
        f"    ({ref.values_text(ref.flat(x.detach().float()))}),\n"
        f"    ({truth}),\n"
        f"    ({ref.values_text(params)}),\n"
        f"    {ref.values_text([ref.flat(loss.detach().float().reshape(1))[0]])},\n"
        f"    ({ref.values_text(ref.flat(x.grad.float()))}),\n"
        f"    ({ref.values_text(grads)}),\n"
        f"    ({ref.values_text(after)}));")


def gen_batch_statistics(entries):
    batch_gradient_case(
        entries, "bn2d_cnn", "sequential<input<2, 6, 6>, conv2d<4, 3, pad<1>>, batch_norm2d<>, relu, max_pool2d<2>, "
        "flatten, linear<3>>", nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(36, 3)), (2, 6, 6), 4, 10)
    batch_gradient_case(
        entries, "bn1d_features", "sequential<input<5>, linear<6>, batch_norm1d<6>, ctnn::tanh_activation, linear<3>>",
        nn.Sequential(nn.Linear(5, 6), nn.BatchNorm1d(6), nn.Tanh(), nn.Linear(6, 3)), (5,), 5, 11, momentum=(1, 4))
    batch_gradient_case(
        entries, "bn1d_no_affine_eps", "sequential<input<3, 7>, conv1d<4, 3>, batch_norm1d<0, no_affine, "
        "eps_ratio<1, 1000>>, relu, flatten, linear<4>>",
        nn.Sequential(nn.Conv1d(3, 4, 3), nn.BatchNorm1d(4, affine=False, eps=1e-3), nn.ReLU(), nn.Flatten(),
                      nn.Linear(20, 4)), (3, 7), 3, 12)
    batch_gradient_case(
        entries, "bn3d_first", "sequential<input<2, 2, 3, 3>, batch_norm3d<2>, flatten, linear<4>>",
        nn.Sequential(nn.BatchNorm3d(2), nn.Flatten(), nn.Linear(36, 4)), (2, 2, 3, 3), 2, 13, momentum=(0, 1))
    batch_gradient_case(
        entries, "bn2d_twice_residual", "sequential<input<3, 4, 4>, conv2d<4, 1>, batch_norm2d<>, "
        "residual<chain<conv2d<4, 3, pad<1>>, batch_norm2d<>>>, relu, global_avg_pool, flatten, linear<3>>",
        ResidualBn(), (3, 4, 4), 3, 14)
    batch_gradient_case(
        entries, "bn2d_mse", "sequential<input<2, 5, 5>, conv2d<3, 3>, batch_norm2d<>, sigmoid, flatten, linear<4>>",
        nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.Sigmoid(), nn.Flatten(), nn.Linear(27, 4)),
        (2, 5, 5), 3, 15, mse=True)


class ResidualBn(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 4, 1)
        self.b = nn.BatchNorm2d(4)
        self.c = nn.Conv2d(4, 4, 3, padding=1)
        self.d = nn.BatchNorm2d(4)
        self.e = nn.Linear(4, 3)

    def forward(self, x):
        x = self.b(self.a(x))
        x = torch.relu(x + self.d(self.c(x)))
        return self.e(x.mean((2, 3)))


def small_cnn():
    return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 6, 3),
                         nn.Tanh(), nn.Flatten(), nn.Linear(6, 5))


SMALL_CNN = ("sequential<input<2, 6, 6>, conv2d<4, 3, pad<1>>, relu, max_pool2d<2>, conv2d<6, 3>, "
             "ctnn::tanh_activation, flatten, linear<5>>")


def gen_steps():
    entries = []
    step_case(entries, "sgd_plain", SMALL_CNN, small_cnn(), (2, 6, 6), 4, 3,
              lambda p: torch.optim.SGD(p, lr=0.1), "ctnn::sgd{0.1f, 0.0f, 0.0f}")
    step_case(entries, "plain_sgd_decay", SMALL_CNN, small_cnn(), (2, 6, 6), 4, 3,
              lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.02), "ctnn::plain_sgd{0.1f, 0.02f}", seed=5)
    step_case(entries, "sgd_momentum_decay", SMALL_CNN, small_cnn(), (2, 6, 6), 4, 3,
              lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01),
              "ctnn::sgd{0.05f, 0.9f, 0.01f}", seed=1)
    step_case(entries, "adam", SMALL_CNN, small_cnn(), (2, 6, 6), 4, 3,
              lambda p: torch.optim.Adam(p, lr=0.01), "ctnn::adam{0.01f, 0.9f, 0.999f, 1e-8f, 0.0f}", seed=2)
    step_case(entries, "adam_decay_betas", SMALL_CNN, small_cnn(), (2, 6, 6), 4, 3,
              lambda p: torch.optim.Adam(p, lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05),
              "ctnn::adam{0.02f, 0.8f, 0.99f, 1e-6f, 0.05f}", seed=3)
    step_case(entries, "bn_sgd_momentum", "sequential<input<2, 6, 6>, conv2d<4, 3, pad<1>>, batch_norm2d<>, relu, "
              "max_pool2d<2>, flatten, linear<5>>",
              nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Flatten(), nn.Linear(36, 5)), (2, 6, 6), 4, 3,
              lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), "ctnn::sgd{0.1f, 0.9f, 0.0f}", seed=6,
              scope="ctnn::with_batch_statistics<>")
    mlp = nn.Sequential(nn.Linear(7, 9), nn.SiLU(), nn.Linear(9, 3))
    step_case(entries, "mlp_adam", "sequential<input<7>, linear<9>, silu, linear<3>>", mlp, (7,), 3, 4,
              lambda p: torch.optim.Adam(p, lr=0.05), "ctnn::adam{0.05f, 0.9f, 0.999f, 1e-8f, 0.0f}", seed=4)
    steps = len(entries)
    gen_batch_statistics(entries)
    head = ("// Generated by tools/make_training_reference.py (PyTorch " + torch.__version__ + "); do not edit.\n"
            f"// steps: {steps} cases of whole training steps against torch.optim, {len(entries) - steps} of batch norm's\n"
            "// gradients in training mode. See the script's docstring.\n")
    path = os.path.join(OUT_DIR, "steps.inc")
    write_atomically(path, head + "\n".join(entries) + "\n")
    return len(entries)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    ref.emit_network = emit_gradient
    generators = dict(ref.GENERATORS)
    total = 0
    for name in FAMILIES:
        torch.manual_seed(zlib.crc32(name.encode()))
        ref.RNG.seed(zlib.crc32(name.encode()))
        CURRENT[0] = Family(name)
        generators[name]()
        fam = CURRENT[0]
        fam.write()
        total += len(fam.entries)
        print(f"{name:15s} {len(fam.entries):4d} gradient cases ({fam.skipped} left out)", file=sys.stderr)
    torch.manual_seed(2026)
    steps = gen_steps()
    print(f"{'total':15s} {total:4d} gradient cases, {steps} step cases", file=sys.stderr)
    if NO_DERIVATIVE:
        print("left out, no derivative in PyTorch: " + ", ".join(sorted(NO_DERIVATIVE)), file=sys.stderr)
    if UNKNOWN:
        print("left out for: " + ", ".join(sorted(UNKNOWN)), file=sys.stderr)


if __name__ == "__main__":
    main()
