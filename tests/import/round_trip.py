#!/usr/bin/python3
"""Round trip of tools/ctnn_import.py: torch model -> ONNX -> ctnn header + weights -> compiled -> run.

For each model: random weights and batch norm statistics far from the defaults, exported and imported;
the header is compiled with the runner below, which loads the safetensors file by name and runs the
network with the plain loops and with the prepared weights (batch norm folded, fast kernels); both must
match torch: max |ctnn - torch| <= 1e-4 * max |torch|. Then the bad models: each must stop the import
with its message and leave the destination files as they were.

  /usr/bin/python3 tests/import/round_trip.py --work build/import [--cxx g++-12] [--only resnet18]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torchvision
from torch import nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tools"))
import ctnn_import  # noqa: E402
import make_zoo_reference as zoo  # noqa: E402

RUNNER = r"""#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

#include "model.hpp"
#include <ctnn/io/safetensors.hpp>

using net = model::network;

static std::vector<char> read(const char* path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int main(int, char** argv) {
  const std::vector<char> file = read(argv[1]), x_file = read(argv[2]), y_file = read(argv[3]);
  static net::weights w;  // static: ResNet-18's are 47 MB
#ifdef FLAT_WEIGHTS  // the state_dict's tensors one after another (a hand-declared network's positional names)
  if (file.size() != net::weights::size * sizeof(float) ||
      !ctnn::load_weights(w, std::span<const float>(reinterpret_cast<const float*>(file.data()), net::weights::size)).ok) {
    std::printf("load: %zu bytes for %zu parameters\n", file.size(), std::size_t{net::weights::size});
    return 1;
  }
#else
  const ctnn::safetensors_result loaded = ctnn::load_safetensors(w, std::as_bytes(std::span(file.data(), file.size())));
  if (!loaded) {
    char text[512];
    ctnn::format_error(loaded, text, sizeof text);
    std::printf("load: %s\n", text);
    return 1;
  }
#endif
  if (x_file.size() != net::input_size * sizeof(float) || y_file.size() != net::output_size * sizeof(float)) {
    std::printf("input or output file of the wrong size\n");
    return 1;
  }
  std::vector<float> nchw(net::input_size), x(net::input_size), y(net::output_size), out(net::output_size);
  std::vector<float> expected(net::output_size);
  std::memcpy(nchw.data(), x_file.data(), x_file.size());
  std::memcpy(expected.data(), y_file.data(), y_file.size());
  net::input_from_nchw(std::span<const float, net::input_size>(nchw), std::span<float, net::input_size>(x));
  static net::prepared p;
  ctnn::prepare_into(w, p);
  static ctnn::static_arena<net> plain_arena;
  static ctnn::static_arena<net::prepared> fast_arena;
  double scale = 0;
  for (float v : expected) scale = std::fmax(scale, std::fabs(v));
  int failed = 0;
  for (int fast = 0; fast < 2; ++fast) {
    const std::span<float, net::output_size> ys(y);
    if (fast)
      net::forward(p, std::span<const float, net::input_size>(x), ys, fast_arena);
    else
      net::forward(w, std::span<const float, net::input_size>(x), ys, plain_arena);
    net::output_to_nchw(std::span<const float, net::output_size>(y), std::span<float, net::output_size>(out));
    double worst = 0;
    for (std::size_t i = 0; i < out.size(); ++i) worst = std::fmax(worst, std::fabs(out[i] - expected[i]));
    const bool ok = worst <= 1e-4 * scale;
    failed += !ok;
    std::printf("%s: max |error| %.3g = %.3g of max |output| %.3g %s\n", fast ? "prepared" : "plain", worst,
                worst / scale, scale, ok ? "ok" : "FAILED");
  }
  return failed;
}
"""


def randomize(model, seed):
    """Batch norm statistics far from the defaults, so that folding them is tested; PReLU slopes, layer
    norm weights and layer scales away from their initial values."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=g) * 0.2)
                m.running_var.copy_(torch.rand(c, generator=g) + 0.5)
                if m.affine:
                    m.weight.copy_(torch.rand(c, generator=g) + 0.5)
                    m.bias.copy_(torch.randn(c, generator=g) * 0.2)
            elif isinstance(m, nn.PReLU):  # distinct slopes, so a channel mix-up shows
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) * 0.5)
            elif isinstance(m, (nn.LayerNorm, nn.GroupNorm)) and m.weight is not None:
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.2)
        for name, p in model.named_parameters():
            if name.endswith("layer_scale"):  # ConvNeXt's 1e-6 would hide its blocks
                p.copy_(torch.rand(p.shape, generator=g) * 0.5 + 0.25)
    return model.eval()


def torchvision_model(name, **kw):
    return lambda: getattr(torchvision.models, name)(**kw)


def ops_2d():
    """Most operators the importer maps, in one small network: convolutions with groups, dilation and
    asymmetric padding, the padding modes, pools with ceil mode and count_include_pad=False, nearest and
    bilinear upsampling, a transposed convolution, the activations (SiLU as ONNX writes it, Sigmoid * x),
    linear, batch norm 1d and softmax."""
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.LeakyReLU(0.2),
        nn.ReflectionPad2d((1, 2, 0, 1)), nn.Conv2d(8, 8, 3, groups=4, dilation=2, bias=False), nn.Hardswish(),
        nn.ReplicationPad2d(1), nn.MaxPool2d(3, stride=2, ceil_mode=True), nn.SiLU(),
        nn.ConstantPad2d((1, 0, 2, 1), 0.5), nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False), nn.Tanh(),
        nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(8, 6, 3, stride=2, padding=(1, 0)), nn.Sigmoid(),
        nn.ConvTranspose2d(6, 4, 3, stride=2, padding=1, output_padding=1), nn.ReLU6(),
        nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(1920, 10), nn.BatchNorm1d(10), nn.Softmax(dim=1))


class Clamp(nn.Module):
    def __init__(self, lo, hi):
        super().__init__()
        self.lo, self.hi = lo, hi

    def forward(self, x):
        return torch.clamp(x, self.lo, self.hi)


def ops_activations():
    """The activations with constants and the learned PReLU: ELU, SELU, CELU, Hardsigmoid, Hardtanh and
    torch.clamp (ONNX Clip, one bound and two), Softplus, Mish (ONNX: x * tanh(softplus(x))), PReLU per
    channel and with one slope, log-softmax."""
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.ELU(0.5), nn.Conv2d(8, 8, 3, padding=1), nn.SELU(), nn.CELU(1.5),
        nn.Hardsigmoid(), nn.PReLU(8), nn.Conv2d(8, 8, 3, padding=1), nn.Hardtanh(-0.5, 2.0), nn.Mish(),
        nn.Conv2d(8, 8, 1), nn.Softplus(), Clamp(None, 1.25), nn.PReLU(), Clamp(-0.2, None), Clamp(0.1, 0.9),
        nn.Flatten(), nn.Linear(8 * 36, 10), nn.LogSoftmax(dim=1))


class Rearrange(nn.Module):
    """Sub-pixel upsampling (DepthToSpace), a linear layer over the channels between two permutes
    (ConvNeXt's detour: Transpose, MatMul, Transpose), a slice of the channels, a mean over H and W."""

    def __init__(self):
        super().__init__()
        self.conv1, self.conv2, self.conv3 = nn.Conv2d(4, 8, 3, padding=1), nn.Conv2d(2, 8, 1), nn.Conv2d(3, 5, 3)
        self.mix = nn.Linear(8, 6)

    def forward(self, x):
        x = self.conv2(F.pixel_shuffle(self.conv1(x), 2))
        x = self.mix(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        return self.conv3(x[:, 2:5]).mean([2, 3])


class SpatialAttention(nn.Module):
    """CBAM's spatial attention (Woo et al. 2018): the mean and the max over the channels (ONNX ReduceMean,
    ReduceMax), concatenated, a 7x7 convolution and a sigmoid gate multiplying the features; then a
    matrix per channel (MatMul of a rank-3 constant, Add), a sum over W (ReduceSum) and a min over H."""

    def __init__(self):
        super().__init__()
        self.conv, self.gate = nn.Conv2d(3, 6, 3, padding=1), nn.Conv2d(2, 1, 7, padding=3)
        self.heads, self.offset = nn.Parameter(torch.randn(6, 8, 5) * 0.3), nn.Parameter(torch.randn(5))

    def forward(self, x):
        x = self.conv(x)
        pooled = torch.cat([x.mean(1, keepdim=True), torch.amax(x, 1, keepdim=True)], 1)
        x = torch.matmul(x * torch.sigmoid(self.gate(pooled)), self.heads) + self.offset
        return torch.amin(x.sum(3), 2)


class Tokens(nn.Module):
    """ViT's patch embedding and class token (a Concat of a constant: constant_tensor) after a Concat along
    the width (between two permutes), a LayerNorm, the class token's row and a linear head."""

    def __init__(self):
        super().__init__()
        self.patches, self.side = nn.Conv2d(3, 8, 4, stride=4), nn.Conv2d(8, 8, 3, padding=1)
        self.cls, self.norm, self.head = nn.Parameter(torch.randn(1, 1, 8)), nn.LayerNorm(8), nn.Linear(8, 5)

    def forward(self, x):
        x = self.patches(x)
        x = torch.cat([x, torch.relu(self.side(x))], 3)
        tokens = torch.cat([self.cls.expand(x.shape[0], -1, -1), x.flatten(2).transpose(1, 2)], 1)
        return self.head(self.norm(tokens)[:, :1].flatten(1))


class PerPosition(nn.Module):
    """A 1d convolution, a slice of L, and PyTorch's Linear on the last dim of [C, L] (ONNX: MatMul + Add)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(4, 8, 5, padding=2), nn.BatchNorm1d(8), nn.ReLU(), nn.MaxPool1d(2))
        self.mix = nn.Linear(6, 5)
        self.head = nn.Linear(40, 3)

    def forward(self, x):
        return self.head(torch.flatten(self.mix(self.conv(x)[:, :, 1:-1]), 1))  # the slice: a crop


def onnx_same_padding():
    """ONNX a PyTorch export never writes: SAME_LOWER and SAME_UPPER auto_pad, pool strides left to
    ONNX's default (1, where PyTorch's default is the kernel), count_include_pad left to its default (0).
    The reference is torch with the padding and strides written out."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    conv = nn.Conv2d(2, 3, (4, 3), stride=2)
    w, b = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    nodes = [helper.make_node("Conv", ["x", "conv.weight", "conv.bias"], ["c"], auto_pad="SAME_LOWER", strides=[2, 2]),
             helper.make_node("MaxPool", ["c"], ["m"], kernel_shape=[3, 3], auto_pad="SAME_UPPER"),
             helper.make_node("AveragePool", ["m"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])]
    graph = helper.make_graph(nodes, "same", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 7, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 4, 4])],
                              [numpy_helper.from_array(w, "conv.weight"), numpy_helper.from_array(b, "conv.bias")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    # SAME_LOWER, 7x8 in, 4x3 kernel, stride 2: 3 rows of padding, 2 before; 1 column, before.
    reference = nn.Sequential(nn.ZeroPad2d((1, 0, 2, 1)), conv, nn.MaxPool2d(3, stride=1, padding=1),
                              nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False))
    return model, reference.eval(), (2, 7, 8)


def prelu_along_width():
    """A PRelu whose slope of shape [W] broadcasts along the width: no ctnn layer (PyTorch's is per channel)."""
    from onnx import TensorProto, helper, numpy_helper
    slope = np.full(5, 0.25, dtype=np.float32)
    graph = helper.make_graph([helper.make_node("PRelu", ["x", "slope"], ["y"])], "prelu",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 5])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 4, 5])],
                              [numpy_helper.from_array(slope, "slope")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


class SegNetReference(nn.Module):
    def __init__(self, enc, dec):
        super().__init__()
        self.enc, self.dec = enc, dec

    def forward(self, x):
        x = F.relu(self.enc(x))
        y, indices = F.max_pool2d(x, 2, return_indices=True)
        return self.dec(F.max_unpool2d(F.relu(y), indices, 2, output_size=x.shape[2:]))


def onnx_segnet():
    """SegNet's pair as ONNX writes it (PyTorch 1.13 cannot export max_unpool2d): MaxPool with its Indices
    output, MaxUnpool with them and the pooling input's shape."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    enc, dec = nn.Conv2d(3, 4, 3, padding=1), nn.Conv2d(4, 2, 3, padding=1)
    tensors = [numpy_helper.from_array(t.detach().numpy(), name) for name, t in
               (("enc.weight", enc.weight), ("enc.bias", enc.bias), ("dec.weight", dec.weight), ("dec.bias", dec.bias))]
    tensors.append(numpy_helper.from_array(np.array([1, 4, 6, 8], dtype=np.int64), "size"))
    nodes = [helper.make_node("Conv", ["x", "enc.weight", "enc.bias"], ["e"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["e"], ["r"]),
             helper.make_node("MaxPool", ["r"], ["p", "i"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Relu", ["p"], ["q"]),
             helper.make_node("MaxUnpool", ["q", "i", "size"], ["u"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Conv", ["u", "dec.weight", "dec.bias"], ["y"], pads=[1, 1, 1, 1])]
    graph = helper.make_graph(nodes, "segnet", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 6, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 6, 8])], tensors)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    return model, SegNetReference(enc, dec).eval(), (3, 6, 8)


def onnx_opset9():
    """An opset-9 model: Upsample (scales as an input), Slice with attributes."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    nodes = [helper.make_node("Upsample", ["x", "scales"], ["u"], mode="nearest"),
             helper.make_node("Slice", ["u"], ["y"], starts=[1, -5], ends=[7, 100], axes=[2, 3])]
    graph = helper.make_graph(nodes, "legacy", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 5])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 6, 5])],
                              [numpy_helper.from_array(np.array([1, 1, 2, 2], dtype=np.float32), "scales")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 9)])
    onnx.checker.check_model(model)

    class Reference(nn.Module):
        def forward(self, x):
            return nn.functional.interpolate(x, scale_factor=2, mode="nearest")[:, :, 1:7, -5:]

    return model, Reference(), (2, 4, 5)


def onnx_layer_norm_opset13():
    """Layer norms as torch writes them out before opset 17 (ReduceMean, Sub, Pow, ..., Div, Mul, Add): over
    the last two dims, and without weights and with eps 1e-3 over the last."""
    import onnx
    module = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.LayerNorm([5, 6]), nn.ReLU(),
                           nn.LayerNorm(6, eps=1e-3, elementwise_affine=False))
    module = randomize(module, 17)
    with tempfile.TemporaryDirectory() as tmp, warnings_ignored():
        path = os.path.join(tmp, "layer_norm.onnx")
        torch.onnx.export(module, torch.zeros(1, 3, 5, 6), path, opset_version=13)
        model = onnx.load(path)
    return model, module, (3, 5, 6)


ONNX_CASES = {"onnx_same_padding": onnx_same_padding, "onnx_opset9": onnx_opset9, "onnx_segnet": onnx_segnet,
              "onnx_layer_norm_opset13": onnx_layer_norm_opset13}

MODELS = {
    "ops_2d": (ops_2d, (3, 20, 20)),
    "ops_per_position": (PerPosition, (4, 16)),
    "ops_activations": (ops_activations, (3, 6, 6)),
    "ops_rearrange": (Rearrange, (4, 5, 5)),
    "ops_spatial_attention": (SpatialAttention, (3, 8, 8)),
    "ops_tokens": (Tokens, (3, 16, 16)),
    "resnet18": (torchvision_model("resnet18"), (3, 64, 64)),
    "mobilenet_v2": (torchvision_model("mobilenet_v2"), (3, 64, 64)),
    "mobilenet_v3_small": (torchvision_model("mobilenet_v3_small"), (3, 64, 64)),
    "efficientnet_b0": (torchvision_model("efficientnet_b0"), (3, 64, 64)),
    "regnet_y_400mf": (torchvision_model("regnet_y_400mf"), (3, 64, 64)),
    "shufflenet_v2_x1_0": (torchvision_model("shufflenet_v2_x1_0"), (3, 64, 64)),
    "convnext_tiny": (torchvision_model("convnext_tiny"), (3, 64, 64)),
    "squeezenet1_1": (torchvision_model("squeezenet1_1"), (3, 64, 64)),
    "googlenet": (torchvision_model("googlenet", aux_logits=False, init_weights=True), (3, 64, 64)),
    "densenet121": (torchvision_model("densenet121"), (3, 64, 64)),
    "zoo_lenet5": (lambda: zoo.lenet5()[0], (1, 32, 32)),
    "zoo_inception_3a": (lambda: zoo.inception_3a()[0], (192, 28, 28)),
    "zoo_resnet18": (lambda: zoo.resnet18()[0], (3, 64, 64)),
    "zoo_mobilenet_v1": (lambda: zoo.mobilenet_v1()[0], (3, 64, 64)),
    "zoo_ds_cnn": (lambda: zoo.ds_cnn()[0], (1, 49, 10)),
    "zoo_unet": (lambda: zoo.unet()[0], (1, 64, 64)),
}


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def round_trip(name, work, cxx):
    torch.manual_seed(len(name))
    if name in ONNX_CASES:
        onnx_model, model, shape = ONNX_CASES[name]()
    else:
        factory, shape = MODELS[name]
        model = randomize(factory(), len(name))
        onnx_model = ctnn_import.export_module(model, shape)
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    x = torch.randn(1, *shape, generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        y = model(x)
    header, tensors = ctnn_import.import_model(onnx_model, "model", name)
    with open(os.path.join(d, "model.hpp"), "w") as f:
        f.write(header)
    with open(os.path.join(d, "model.safetensors"), "wb") as f:
        f.write(ctnn_import.safetensors_bytes(tensors, name))
    x.numpy().astype("<f4").tofile(os.path.join(d, "x.bin"))
    y.numpy().astype("<f4").tofile(os.path.join(d, "y.bin"))
    with open(os.path.join(d, "run.cpp"), "w") as f:
        f.write(RUNNER.replace("#include <cmath>", "#include <cmath>\n#include <cstring>"))
    exe = os.path.join(d, "run")
    built = run([cxx, "-std=c++20", "-O1", "-Wall", "-Wextra", "-Werror", f"-I{REPO}/include", f"-I{d}",
                 os.path.join(d, "run.cpp"), "-o", exe])
    if built.returncode != 0:
        return False, "compile failed:\n" + built.stderr[-3000:]
    ran = run([exe, os.path.join(d, "model.safetensors"), os.path.join(d, "x.bin"), os.path.join(d, "y.bin")])
    ok, text = ran.returncode == 0, ran.stdout.strip() + ran.stderr[-2000:]
    if ok and name == "resnet18":  # the README's example on the same header: torch's top class
        example = os.path.join(d, "run_imported")
        built = run([cxx, "-std=c++20", "-O1", "-Wall", "-Wextra", "-Werror", f"-I{REPO}/include", f"-I{d}",
                     '-DMODEL_HEADER="model.hpp"', "-DMODEL=model",
                     os.path.join(REPO, "examples", "imported", "run_imported.cpp"), "-o", example])
        shown = run([example, os.path.join(d, "model.safetensors"), os.path.join(d, "x.bin")])
        top = f"  {int(y.argmax()):4d}  "
        ok = built.returncode == 0 and shown.returncode == 0 and shown.stdout.splitlines()[1].startswith(top)
        text += f"\nexamples/imported/run_imported.cpp: {'ok' if ok else 'FAILED'}\n" + built.stderr[-2000:] + shown.stdout
    return ok, text


ZOO_FORWARD = {"mobilenet_v3_small": "mobilenet_v3.hpp", "shufflenet_v2_x1_0": "shufflenet_v2.hpp"}


def zoo_forward(name, work, cxx):
    """The hand-declared examples/zoo network against torchvision's model of the same name, at 224x224: the
    weights loaded in state_dict order (ctnn's parameter order is PyTorch's), run plain and prepared."""
    import torchvision
    model = randomize(getattr(torchvision.models, name)(), len(name))
    d = os.path.join(work, "zoo_" + name)
    os.makedirs(d, exist_ok=True)
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        y = model(x)
    flat = torch.cat([t.reshape(-1) for k, t in model.state_dict().items() if not k.endswith("num_batches_tracked")])
    flat.numpy().astype("<f4").tofile(os.path.join(d, "weights.bin"))
    x.numpy().astype("<f4").tofile(os.path.join(d, "x.bin"))
    y.numpy().astype("<f4").tofile(os.path.join(d, "y.bin"))
    with open(os.path.join(d, "model.hpp"), "w") as f:
        f.write(f'#include "{REPO}/examples/zoo/{ZOO_FORWARD[name]}"\nnamespace model {{ using network = zoo::{name}; }}\n')
    with open(os.path.join(d, "run.cpp"), "w") as f:
        f.write(RUNNER.replace("#include <cmath>", "#include <cmath>\n#include <cstring>"))
    exe = os.path.join(d, "run")
    built = run([cxx, "-std=c++20", "-O1", "-Wall", "-Wextra", "-Werror", "-DFLAT_WEIGHTS", f"-I{REPO}/include",
                 f"-I{d}", os.path.join(d, "run.cpp"), "-o", exe])
    if built.returncode != 0:
        return False, "compile failed:\n" + built.stderr[-3000:]
    ran = run([exe, os.path.join(d, "weights.bin"), os.path.join(d, "x.bin"), os.path.join(d, "y.bin")])
    return ran.returncode == 0, ran.stdout.strip() + ran.stderr[-2000:]


FLASH_RUNNER = r"""#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "model.hpp"

using net = model::network;
static_assert(model::prepared_weights.values.size() == net::prepared::size);  // a constant, in .rodata

int main(int, char** argv) {
  std::ifstream xs(argv[1], std::ios::binary), ys(argv[2], std::ios::binary);
  std::vector<char> x_file{std::istreambuf_iterator<char>(xs), std::istreambuf_iterator<char>()};
  std::vector<char> y_file{std::istreambuf_iterator<char>(ys), std::istreambuf_iterator<char>()};
  std::array<float, net::input_size> nchw{}, x{};
  std::array<float, net::output_size> y{}, out{}, expected{};
  if (x_file.size() != sizeof nchw || y_file.size() != sizeof expected) return 1;
  std::memcpy(nchw.data(), x_file.data(), sizeof nchw);
  std::memcpy(expected.data(), y_file.data(), sizeof expected);
  net::input_from_nchw(nchw, x);
  static ctnn::static_arena<net::prepared> arena;
  net::forward(model::prepared_weights, x, y, arena);
  net::output_to_nchw(y, out);
  double worst = 0, scale = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    worst = std::fmax(worst, std::fabs(out[i] - expected[i]));
    scale = std::fmax(scale, std::fabs(expected[i]));
  }
  std::printf("flash: max |error| %.3g of max |output| %.3g %s\n", worst, scale, worst <= 1e-4 * scale ? "ok" : "FAILED");
  return worst <= 1e-4 * scale ? 0 : 1;
}
"""


def flash_round_trip(work, cxx):
    """LeNet-5 with its prepared weights in the header (packed for this host's baseline, SSE2), and the
    same header refused by a build for AVX2's vectors."""
    d = os.path.join(work, "flash_lenet5")
    os.makedirs(d, exist_ok=True)
    model = randomize(zoo.lenet5()[0], 3)
    x = torch.randn(1, 1, 32, 32, generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        y = model(x)
    x.numpy().astype("<f4").tofile(os.path.join(d, "x.bin"))
    y.numpy().astype("<f4").tofile(os.path.join(d, "y.bin"))
    header, tensors = ctnn_import.import_model(ctnn_import.export_module(model, (1, 32, 32)), "model", "lenet5")
    values, config = ctnn_import.pack_for_target(header, "model", tensors, "sse2")
    with open(os.path.join(d, "model.hpp"), "w") as f:
        f.write(header + ctnn_import.flash_text("model", values, config))
    with open(os.path.join(d, "run.cpp"), "w") as f:
        f.write(FLASH_RUNNER)
    exe = os.path.join(d, "run")
    common = [cxx, "-std=c++20", "-O1", "-Wall", "-Wextra", "-Werror", f"-I{REPO}/include", f"-I{d}",
              os.path.join(d, "run.cpp")]
    built = run(common + ["-o", exe])
    if built.returncode != 0:
        return False, "compile failed:\n" + built.stderr[-3000:]
    ran = run([exe, os.path.join(d, "x.bin"), os.path.join(d, "y.bin")])
    refused = run(common + ["-mavx2", "-fsyntax-only"])
    message = "these prepared weights were packed for another vector configuration"
    if refused.returncode == 0 or message not in refused.stderr:
        return False, "an AVX2 build took weights packed for SSE2:\n" + refused.stderr[-2000:]
    return ran.returncode == 0, ran.stdout.strip() + "\nAVX2 build refused: ok"


# ---- int8: calibrated by the importer, run from the header ----------------------------------------------

INT8_RUNNER = r"""#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

#include "model.hpp"

using net = model::network;

static std::vector<float> read(const char* path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::vector<float> v(bytes.size() / sizeof(float));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
  return v;
}

// Each input through the int8 network in the header; the dequantized output against PyTorch's float one,
// as a fraction of the output's int8 range (255 steps).
int main(int, char** argv) {
  const std::vector<float> x = read(argv[1]), y = read(argv[2]);
  constexpr const net::quantized& q = model::quantized_weights;
  static ctnn::static_arena<net::quantized> arena;
  const std::size_t count = x.size() / net::input_size;
  float worst = 0.0f;
  for (std::size_t i = 0; i < count; ++i) {
    std::array<float, net::input_size> nchw{}, in{};
    std::array<std::int8_t, net::input_size> x8{};
    std::array<std::int8_t, net::output_size> y8{}, out{};
    std::copy(x.begin() + i * net::input_size, x.begin() + (i + 1) * net::input_size, nchw.begin());
    net::input_from_nchw(nchw, in);
    ctnn::quantize_tensor(in, q.input_quantization(), x8);
    net::forward(q, std::span<const std::int8_t, net::input_size>(x8), std::span<std::int8_t, net::output_size>(y8), arena);
    net::output_to_nchw<std::int8_t>(y8, out);  // PyTorch's order
    for (std::size_t e = 0; e < net::output_size; ++e) {
      const float got = ctnn::dequantize_value(out[e], q.output_quantization());
      worst = std::fmax(worst, std::fabs(got - y[i * net::output_size + e]));
    }
  }
  const float range = 255.0f * q.output_quantization().scale;
  std::printf("int8: %zu inputs, max |int8 - torch float| %.3g = %.2f%% of the output's range %s\n", count, worst,
              100.0 * worst / range, worst <= 0.03f * range ? "ok" : "FAILED");
  return worst <= 0.03f * range ? 0 : 1;
}
"""


class Int8Net(nn.Module):
    """What an int8 import meets: conv + BN + ReLU, max pooling, a residual block, global pooling, linear."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                                  nn.MaxPool2d(2))
        self.body = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                                  nn.Conv2d(16, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))

    def forward(self, x):
        x = self.stem(x)
        return self.head(torch.relu(self.body(x) + x))


def run_int8_header(sub, header_text, data, cxx):
    """header_text as sub/model.hpp, INT8_RUNNER beside it, built and run on data's x.bin and y.bin: (passed,
    the runner's line or why it did not build)."""
    with open(os.path.join(sub, "model.hpp"), "w") as f:
        f.write(header_text)
    with open(os.path.join(sub, "run.cpp"), "w") as f:  # beside its model.hpp, which it includes
        f.write(INT8_RUNNER)
    exe = os.path.join(sub, "run")
    built = run([cxx, "-std=c++20", "-O1", "-Wall", "-Wextra", "-Werror", "-include", "cstring", f"-I{REPO}/include",
                 os.path.join(sub, "run.cpp"), "-o", exe])
    if built.returncode != 0:
        return False, "compile failed:\n" + built.stderr[-3000:]
    ran = run([exe, os.path.join(data, "x.bin"), os.path.join(data, "y.bin")])
    return ran.returncode == 0, ran.stdout.strip()


class Int8NormNet(nn.Module):
    """The layers an int8 network computes in float: instance norm, PReLU per channel, a layer norm over
    the last dim, a lone batch norm, between convolutions."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.InstanceNorm2d(8, affine=True), nn.PReLU(8),
                                  nn.LayerNorm([16]), nn.MaxPool2d(2), nn.BatchNorm2d(8), nn.Conv2d(8, 4, 1))

    def forward(self, x):
        return self.body(x)


def int8_norm_round_trip(work, cxx):
    """Int8NormNet imported with --int8 on 32 calibration samples (min/max): its header's int8 network on 16
    of them, within 3% of the output's int8 range of PyTorch's float output. (On other inputs a
    normalization's output can reach past the ranges 32 samples showed, and min/max clips it: a property
    of the calibration, which int8_round_trip measures; here what is checked is that the parameters and
    quantization of the layers computed in float reach the header.)"""
    d = os.path.join(work, "int8_norms")
    os.makedirs(d, exist_ok=True)
    torch.manual_seed(13)  # the convolutions' own initialization
    model = randomize(Int8NormNet(), 13)
    g = torch.Generator().manual_seed(14)
    calibration = torch.randn(32, 3, 16, 16, generator=g)
    x = calibration[:16]
    with torch.no_grad():
        y = model(x)
    x.numpy().astype("<f4").tofile(os.path.join(d, "x.bin"))
    y.numpy().astype("<f4").tofile(os.path.join(d, "y.bin"))
    onnx_model = ctnn_import.export_module(model, (3, 16, 16))
    header, tensors = ctnn_import.import_model(onnx_model, "model", "int8normnet")
    quantized = ctnn_import.quantize_for_header(header, "model", tensors, calibration.numpy(), "calibration")
    ok, line = run_int8_header(d, header + quantized, d, cxx)
    return ok, "min/max: " + line


def int8_round_trip(work, cxx):
    """Int8Net imported with --int8 on 32 calibration samples (min/max, and the 99.99th percentile); the
    header's int8 network run on 16 other inputs, within 3% of the output's int8 range of PyTorch's float output. Then calibration files the
    importer must refuse, each with its message, the header left as it was."""
    d = os.path.join(work, "int8")
    os.makedirs(d, exist_ok=True)
    torch.manual_seed(11)  # the convolutions' own initialization: the same model whatever ran before
    model = randomize(Int8Net(), 11)
    g = torch.Generator().manual_seed(12)
    calibration, x = torch.randn(32, 3, 16, 16, generator=g), torch.randn(16, 3, 16, 16, generator=g)
    with torch.no_grad():
        y = model(x)
    np.save(os.path.join(d, "calibration.npy"), calibration.numpy())
    x.numpy().astype("<f4").tofile(os.path.join(d, "x.bin"))
    y.numpy().astype("<f4").tofile(os.path.join(d, "y.bin"))
    onnx_model = ctnn_import.export_module(model, (3, 16, 16))
    header, tensors = ctnn_import.import_model(onnx_model, "model", "int8net")
    samples = ctnn_import.read_calibration(os.path.join(d, "calibration.npy"), ctnn_import.input_shape_of(onnx_model))
    ok, text = True, ""
    for percentile in (None, 99.99):  # min/max observers, then the histogram's 99.99th percentile
        sub = os.path.join(d, "minmax" if percentile is None else "percentile")
        os.makedirs(sub, exist_ok=True)
        quantized = ctnn_import.quantize_for_header(header, "model", tensors, samples, "calibration.npy", percentile)
        passed, line = run_int8_header(sub, header + quantized, d, cxx)
        if line.startswith("compile failed"):
            return False, line
        ok = ok and passed
        text += ("" if percentile is None else "\n") + f"{'min/max' if percentile is None else 'percentile 99.99'}: " + line
    import onnx
    onnx.save(onnx_model, os.path.join(d, "int8net.onnx"))
    np.save(os.path.join(d, "wrong_shape.npy"), np.zeros((4, 3, 8, 8), dtype=np.float32))
    np.save(os.path.join(d, "integers.npy"), np.zeros((4, 3, 16, 16), dtype=np.int32))
    nan = np.zeros((2, 3, 16, 16), dtype=np.float32)
    nan[1, 2, 3, 4] = np.nan
    np.save(os.path.join(d, "nan.npy"), nan)
    with open(os.path.join(d, "corrupt.npy"), "wb") as f:
        f.write(b"\x93NUMPY garbage")
    refusals = [("calibration.npy --int8-percentile 20", "--int8-percentile 20.0: a percentage above 50 and at most 100"),
                ("wrong_shape.npy", "calibration samples must be [N, 3, 16, 16] with N >= 1 (the model's input), not [4, 3, 8, 8]"),
                ("integers.npy", "calibration samples must be floating point, not int32"),
                ("nan.npy", "calibration samples hold NaN or infinity"),
                ("corrupt.npy", "corrupt.npy: not a readable .npy file")]
    header_path = os.path.join(d, "refused.hpp")
    for path, message in refusals:
        with open(header_path, "w") as out:
            out.write("kept\n")
        file, *more = path.split()
        r = run([sys.executable, os.path.join(REPO, "tools", "ctnn_import.py"), os.path.join(d, "int8net.onnx"),
                 "--header", header_path, "--int8", os.path.join(d, file)] + more)
        good = r.returncode == 1 and message in r.stderr and open(header_path).read() == "kept\n"
        text += f"\nbad calibration {path}: {'ok' if good else 'FAILED'}: {r.stderr.strip().splitlines()[-1] if r.stderr else ''}"
        ok = ok and good
    return ok, text


# ---- int8: a model quantized by torch.ao, its quantization imported as it is ------------------------------

TORCH_AO_RUNNER = r"""#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <vector>

#include "model.hpp"

using net = model::network;

static std::vector<std::int8_t> read(const char* path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return {bytes.begin(), bytes.end()};
}

// PyTorch's int8 inputs (NCHW) through the int8 network in the header, against PyTorch's int8 outputs.
int main(int, char** argv) {
  const std::vector<std::int8_t> x = read(argv[1]), y = read(argv[2]);
  static ctnn::static_arena<net::quantized> arena;
  const std::size_t count = x.size() / net::input_size;
  int worst = 0, differ = 0, total = 0;
  for (std::size_t i = 0; i < count; ++i) {
    std::array<std::int8_t, net::input_size> nchw{}, x8{};
    std::array<std::int8_t, net::output_size> y8{}, out{};
    std::copy(x.begin() + i * net::input_size, x.begin() + (i + 1) * net::input_size, nchw.begin());
    net::input_from_nchw<std::int8_t>(nchw, x8);
    net::forward(model::quantized_weights, std::span<const std::int8_t, net::input_size>(x8),
                 std::span<std::int8_t, net::output_size>(y8), arena);
    net::output_to_nchw<std::int8_t>(y8, out);
    for (std::size_t e = 0; e < net::output_size; ++e, ++total) {
      const int d = std::abs(int{out[e]} - int{y[i * net::output_size + e]});
      worst = d > worst ? d : worst;
      differ += d > 0 ? 1 : 0;
    }
  }
  const bool ok = count > 0 && worst <= 1;
  std::printf("%zu inputs: %d of %d outputs differ from PyTorch's int8, by at most %d LSB %s\n", count, differ,
              total, worst, ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
"""


class AoResidual(nn.Module):
    """Conv + BN + ReLU fused, max pooling, a residual add_relu, global pooling, linear: torch.ao's modules."""

    def __init__(self):
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                                  nn.MaxPool2d(2))
        self.body = nn.Sequential(nn.Conv2d(16, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                                  nn.Conv2d(16, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16))
        self.add = nn.quantized.FloatFunctional()
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))
        self.dequant = torch.ao.quantization.DeQuantStub()
        self.fuse = [["stem.0", "stem.1", "stem.2"], ["body.0", "body.1", "body.2"], ["body.3", "body.4"]]

    def quantized(self, x):
        x = self.stem(x)
        return self.head(self.add.add_relu(self.body(x), x))

    def forward(self, x):
        return self.dequant(self.quantized(self.quant(x)))


class AoBranches(nn.Module):
    """A depthwise and a pointwise convolution, hardswish, a concat with the block's input, sigmoid (the
    activations by a table)."""

    def __init__(self):
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.conv = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU())
        self.dw = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.pw, self.hardswish = nn.Conv2d(8, 8, 1), nn.Hardswish()
        self.cat = nn.quantized.FloatFunctional()
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 5), nn.Sigmoid())
        self.dequant = torch.ao.quantization.DeQuantStub()
        self.fuse = [["conv.0", "conv.1"], ["dw.0", "dw.1", "dw.2"]]

    def quantized(self, x):
        x = self.conv(x)
        return self.head(self.cat.cat([self.hardswish(self.pw(self.dw(x))), x], 1))

    def forward(self, x):
        return self.dequant(self.quantized(self.quant(x)))


class AoGate(nn.Module):
    """A squeeze-and-excitation gate as MobileNetV3's (hardswish, pool, 1x1 + ReLU, 1x1, hardsigmoid, a
    quantized product), then nearest upsampling: the int8 product and a layer that moves integers."""

    def __init__(self):
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.conv = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.Hardswish())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Sequential(nn.Conv2d(16, 4, 1), nn.ReLU())
        self.fc2, self.gate = nn.Conv2d(4, 16, 1), nn.Hardsigmoid()
        self.mul = nn.quantized.FloatFunctional()
        self.up = nn.Upsample(scale_factor=2)
        self.head = nn.Conv2d(16, 4, 1)
        self.dequant = torch.ao.quantization.DeQuantStub()
        self.fuse = [["fc1.0", "fc1.1"]]

    def quantized(self, x):
        x = self.conv(x)
        return self.head(self.up(self.mul.mul(x, self.gate(self.fc2(self.fc1(self.pool(x)))))))

    def forward(self, x):
        return self.dequant(self.quantized(self.quant(x)))


class AoNorms(nn.Module):
    """Layers an int8 network computes in float, as torch.ao quantizes them (QuantizedInstanceNorm2d,
    QuantizedLayerNorm, the layer norm written out at opset 13), then a quantized convolution. (A
    convolution before them would pass its one-LSB differences from PyTorch on, which a normalization
    can widen.)"""

    def __init__(self):
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.instance = nn.InstanceNorm2d(3, affine=True)
        self.norm = nn.LayerNorm([8])  # over the width
        self.head = nn.Conv2d(3, 4, 1)
        self.dequant = torch.ao.quantization.DeQuantStub()
        self.fuse = []

    def quantized(self, x):
        return self.head(self.norm(self.instance(x)))

    def forward(self, x):
        return self.dequant(self.quantized(self.quant(x)))


def import_and_run(sub, what, cxx):
    """sub/model.onnx imported into sub/model.hpp, TORCH_AO_RUNNER built beside it and run on sub's x8.bin
    and y8.bin: (passed, the runner's line or why it did not run)."""
    r = run([sys.executable, os.path.join(REPO, "tools", "ctnn_import.py"), os.path.join(sub, "model.onnx"), "--header",
             os.path.join(sub, "model.hpp"), "--name", "model"])
    if r.returncode != 0:
        return False, f"{what}: import failed: {r.stderr}"
    with open(os.path.join(sub, "run.cpp"), "w") as f:
        f.write(TORCH_AO_RUNNER)
    exe = os.path.join(sub, "run")
    built = run([cxx, "-std=c++20", "-O1", "-Wall", "-Wextra", "-Werror", f"-I{REPO}/include", os.path.join(sub, "run.cpp"), "-o", exe])
    if built.returncode != 0:
        return False, f"{what}: compile failed:\n" + built.stderr[-3000:]
    ran = run([exe, os.path.join(sub, "x8.bin"), os.path.join(sub, "y8.bin")])
    return ran.returncode == 0, f"{what}: {ran.stdout.strip()}"


def torch_ao_round_trip(work, cxx):
    """Models quantized by torch.ao.quantization (eager mode, fused modules, per-channel symmetric weights,
    min/max observers on 8 batches), exported to ONNX (QuantizeLinear / DequantizeLinear) and imported
    with their quantization as it is; the header's int8 network against PyTorch's int8 outputs on 16
    inputs, each within one LSB (PyTorch requantizes in float). Both engines this torch has. Then the
    same model with --int8: refused, the header left as it was."""
    import torch.ao.quantization as tq
    d = os.path.join(work, "torch_ao")
    os.makedirs(d, exist_ok=True)
    ok, text = True, ""
    for cls, engine, shape in ((AoResidual, "qnnpack", (3, 16, 16)), (AoBranches, "onednn", (3, 12, 12)),
                               (AoNorms, "qnnpack", (3, 8, 8)), (AoGate, "qnnpack", (3, 8, 8))):
        torch.backends.quantized.engine = engine
        torch.manual_seed(21)  # the modules' own initialization: the same models whatever ran before
        model = randomize(cls(), 21).eval()
        if model.fuse:
            tq.fuse_modules(model, model.fuse, inplace=True)
        model.qconfig = tq.QConfig(
            activation=tq.MinMaxObserver.with_args(dtype=torch.quint8, qscheme=torch.per_tensor_affine),
            weight=tq.PerChannelMinMaxObserver.with_args(dtype=torch.qint8, qscheme=torch.per_channel_symmetric))
        tq.prepare(model, inplace=True)
        g = torch.Generator().manual_seed(22)
        with torch.no_grad():
            for _ in range(8):
                model(torch.randn(4, *shape, generator=g))
        tq.convert(model, inplace=True)
        x = torch.randn(16, *shape, generator=g)
        with torch.no_grad():  # one sample at a time, as the header's network runs
            x8 = torch.cat([model.quant(x[i:i + 1]).int_repr().to(torch.int32) - 128 for i in range(16)])
            y8 = torch.cat([model.quantized(model.quant(x[i:i + 1])).int_repr().to(torch.int32) - 128 for i in range(16)])
        sub = os.path.join(d, f"{cls.__name__}_{engine}")
        os.makedirs(sub, exist_ok=True)
        x8.numpy().astype(np.int8).tofile(os.path.join(sub, "x8.bin"))
        y8.numpy().astype(np.int8).tofile(os.path.join(sub, "y8.bin"))
        onnx_path = os.path.join(sub, "model.onnx")
        with warnings_ignored():
            torch.onnx.export(model, torch.zeros(1, *shape), onnx_path, opset_version=13)
        passed, line = import_and_run(sub, f"{cls.__name__} ({engine})", cxx)
        ok = ok and passed
        text += ("\n" if text else "") + line
    ok_t, text_t = qdq_transposed_round_trip(d, cxx)
    ok, text = ok and ok_t, text + "\n" + text_t
    # Refused, the header left as it was: --int8 on a quantized model; a model whose output stays quantized
    # (its last DequantizeLinear and Cast removed).
    import onnx
    quantized_output = onnx.load(onnx_path)
    g = quantized_output.graph
    last = next(n for n in g.node if n.output[0] == g.output[0].name)
    cast = next(n for n in g.node if n.output[0] == last.input[0])
    g.node.remove(last)
    g.node.remove(cast)
    g.output[0].name = cast.input[0]
    g.output[0].type.tensor_type.elem_type = onnx.TensorProto.UINT8
    onnx.save(quantized_output, os.path.join(d, "quantized_output.onnx"))
    np.save(os.path.join(d, "calibration.npy"), np.zeros((2, 3, 12, 12), np.float32))
    header_path = os.path.join(d, "refused.hpp")
    for model_path, more, what, message in (
            (onnx_path, ["--int8", os.path.join(d, "calibration.npy")], "--int8 on a quantized model",
             "quantized already (torch.ao's QuantizeLinear / DequantizeLinear)"),
            (os.path.join(d, "quantized_output.onnx"), [], "a quantized output",
             "the model's output is quantized (uint8): end the model with a DeQuantStub")):
        with open(header_path, "w") as out:
            out.write("kept\n")
        r = run([sys.executable, os.path.join(REPO, "tools", "ctnn_import.py"), model_path, "--header", header_path] + more)
        good = r.returncode == 1 and message in r.stderr and open(header_path).read() == "kept\n"
        text += f"\n{what}: {'ok' if good else 'FAILED'}: {r.stderr.strip().splitlines()[-1] if r.stderr else ''}"
        ok = ok and good
    return ok, text


def qdq_transposed_round_trip(d, cxx):
    """Transposed convolutions in QuantizeLinear / DequantizeLinear form (torch 1.13 exports no quantized
    ConvTranspose, so the graph is written here, as onnxruntime's quantizer writes one): per-channel int8
    weights along axis 1, a grouped one's C_out/g scales shared by its groups, int32 biases, a ReLU after
    the first. Against PyTorch's quantized modules (qnnpack) on the same integers, each output within one
    LSB."""
    import onnx
    from onnx import helper, numpy_helper, TensorProto
    import torch.ao.nn.quantized as nnq
    torch.backends.quantized.engine = "qnnpack"
    g = torch.Generator().manual_seed(31)
    shape = (4, 6, 6)
    layers = [dict(c=4, o=6, k=4, s=2, p=1, groups=1, relu=True), dict(c=6, o=4, k=3, s=2, p=1, groups=2, relu=False)]
    x = torch.randn(16, *shape, generator=g)
    s_x, z_x = 0.03, 131
    qx = torch.quantize_per_tensor(x, s_x, z_x, torch.quint8)
    nodes, inits = [], []

    def const(name, array):
        inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    nodes.append(helper.make_node("QuantizeLinear", ["x", const("x_s", np.float32(s_x)), const("x_z", np.uint8(z_x))], ["x_q"]))
    nodes.append(helper.make_node("DequantizeLinear", ["x_q", "x_s", "x_z"], ["x_d"]))
    current, q = "x_d", qx
    for i, L in enumerate(layers):
        w = torch.randn(L["c"], L["o"] // L["groups"], L["k"], L["k"], generator=g) * 0.3
        b = torch.randn(L["o"], generator=g) * 0.2
        if L["groups"] == 1:  # qnnpack's per-channel transposed convolution (grouped: per tensor)
            scales = (w.abs().amax(dim=(0, 2, 3)) / 127.0).double()
            qw = torch.quantize_per_channel(w, scales, torch.zeros(L["o"], dtype=torch.long), 1, torch.qint8)
        else:
            scales = (w.abs().max() / 127.0).double().repeat(L["o"] // L["groups"])
            qw = torch.quantize_per_tensor(w, float(scales[0]), 0, torch.qint8)
        m = nnq.ConvTranspose2d(L["c"], L["o"], L["k"], stride=L["s"], padding=L["p"], groups=L["groups"])
        m.set_weight_bias(qw, b)
        with torch.no_grad():
            ref = torch.nn.functional.conv_transpose2d(q.dequantize(), qw.dequantize(), b, L["s"], L["p"], groups=L["groups"])
        s_y = float((ref.max() - ref.min()) / 255.0)
        z_y = int(round(-float(ref.min()) / s_y))
        m.scale, m.zero_point = s_y, z_y
        q = m(q)
        if L["relu"]:
            q = torch.relu(q)
        name = f"up{i}"
        in_scale = s_x if i == 0 else previous_scale
        out_scales = scales.repeat(L["groups"])  # one per output channel
        nodes.append(helper.make_node("DequantizeLinear", [const(f"{name}.w_q", qw.int_repr().numpy()),
                                                           const(f"{name}.w_s", scales.float().numpy()),
                                                           const(f"{name}.w_z", np.zeros(scales.numel(), np.int8))],
                                      [f"{name}.weight"], axis=1))
        b_q = torch.round(b.double() / (in_scale * out_scales)).to(torch.int32)
        nodes.append(helper.make_node("DequantizeLinear", [const(f"{name}.b_q", b_q.numpy()),
                                                           const(f"{name}.b_s", (in_scale * out_scales).float().numpy()),
                                                           const(f"{name}.b_z", np.zeros(L["o"], np.int32))],
                                      [f"{name}.bias"], axis=0))
        nodes.append(helper.make_node("ConvTranspose", [current, f"{name}.weight", f"{name}.bias"], [f"{name}.y"],
                                      kernel_shape=[L["k"]] * 2, strides=[L["s"]] * 2, pads=[L["p"]] * 4, group=L["groups"]))
        out = f"{name}.y"
        if L["relu"]:
            nodes.append(helper.make_node("Relu", [out], [f"{name}.r"]))
            out = f"{name}.r"
        nodes.append(helper.make_node("QuantizeLinear", [out, const(f"{name}.s", np.float32(s_y)), const(f"{name}.z", np.uint8(z_y))], [f"{name}.q"]))
        nodes.append(helper.make_node("DequantizeLinear", [f"{name}.q", f"{name}.s", f"{name}.z"], [f"{name}.d"]))
        current, previous_scale = f"{name}.d", s_y
    out_shape = list(q.shape[1:])
    graph = helper.make_graph(nodes, "qdq_transposed", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, *shape])],
                              [helper.make_tensor_value_info(current, TensorProto.FLOAT, [1, *out_shape])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    sub = os.path.join(d, "qdq_transposed")
    os.makedirs(sub, exist_ok=True)
    onnx.save(model, os.path.join(sub, "model.onnx"))
    (qx.int_repr().to(torch.int32) - 128).numpy().astype(np.int8).tofile(os.path.join(sub, "x8.bin"))
    (q.int_repr().to(torch.int32) - 128).numpy().astype(np.int8).tofile(os.path.join(sub, "y8.bin"))
    return import_and_run(sub, "QDQ transposed convolutions (qnnpack)", cxx)


class warnings_ignored:
    """torch.onnx's warnings about quantized tuples' shape inference: not about this export's result."""

    def __enter__(self):
        import warnings
        self.context = warnings.catch_warnings()
        self.context.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc):
        return self.context.__exit__(*exc)


# ---- bad models: the message, and nothing written -----------------------------------------------------

class Unsupported(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x):
        return torch.erf(self.conv(x))  # Erf: no ctnn layer


class SharedWeights(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x):
        return self.conv(torch.relu(self.conv(x)))


def integer_model(elem_type, op):
    """One node on integer tensors [1, 2, 4, 4] (the graph onnx.helper writes): Add of a constant, or MaxPool."""
    import onnx
    from onnx import helper, numpy_helper
    x = helper.make_tensor_value_info("x", elem_type, [1, 2, 4, 4])
    y = helper.make_tensor_value_info("y", elem_type, None)
    constants = []
    if op == "MaxPool":
        node = helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2])
    else:
        dtype = {onnx.TensorProto.INT32: np.int32, onnx.TensorProto.UINT8: np.uint8, onnx.TensorProto.INT8: np.int8}[elem_type]
        constants.append(numpy_helper.from_array(np.arange(32, dtype=dtype).reshape(1, 2, 4, 4), "c"))
        node = helper.make_node("Add", ["x", "c"], ["y"])
    graph = helper.make_graph([node], "integer", [x], [y], initializer=constants)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def bad_models(work):
    import onnx
    d = os.path.join(work, "bad")
    os.makedirs(d, exist_ok=True)
    cases = []
    onnx.save(ctnn_import.export_module(Unsupported(), (3, 8, 8)), os.path.join(d, "unsupported.onnx"))
    cases.append(("unsupported.onnx", "(Erf): operator not supported by ctnn"))
    dynamic = os.path.join(d, "dynamic.onnx")
    torch.onnx.export(nn.Sequential(nn.Conv2d(3, 4, 3)).eval(), torch.zeros(1, 3, 8, 8), dynamic, opset_version=13,
                      input_names=["x"], dynamic_axes={"x": {2: "height"}})
    cases.append(("dynamic.onnx", "has a dynamic shape"))
    with open(os.path.join(d, "corrupt.onnx"), "wb") as f:
        f.write(b"\x08\x07\x12\x04this is not a model" * 3)
    cases.append(("corrupt.onnx", "corrupt.onnx: not a readable ONNX model"))
    onnx.save(ctnn_import.export_module(SharedWeights(), (4, 6, 6)), os.path.join(d, "shared.onnx"))
    cases.append(("shared.onnx", "is used by two layers (shared weights)"))
    onnx.save(prelu_along_width(), os.path.join(d, "prelu.onnx"))
    cases.append(("prelu.onnx", "(PRelu): a slope of shape [5]: PyTorch's PReLU, as ctnn's, has one slope or one per channel"))
    # Integer networks: int32's sums would overflow C++'s int; PyTorch has no integer pooling; --flash
    # packs float weights.
    onnx.save(integer_model(onnx.TensorProto.INT32, "Add"), os.path.join(d, "int32.onnx"))
    cases.append(("int32.onnx", "input 'x' is a tensor of INT32: ctnn networks run float32, or int8, uint8 or int16"))
    onnx.save(integer_model(onnx.TensorProto.INT8, "MaxPool"), os.path.join(d, "int8_pool.onnx"))
    cases.append(("int8_pool.onnx", "(MaxPool): MaxPool on int8 tensors: integer networks take Add, Mul, Clip, Relu"))
    onnx.save(integer_model(onnx.TensorProto.UINT8, "Add"), os.path.join(d, "uint8_flash.onnx"))
    cases.append(("uint8_flash.onnx", "an integer network (its input is not float32): --flash packs float weights",
                  ["--flash"]))
    failures = []
    header, weights = os.path.join(d, "out.hpp"), os.path.join(d, "out.safetensors")
    # The command line on a PyTorch module, as the README runs it.
    r = run([sys.executable, os.path.join(REPO, "tools", "ctnn_import.py"), "torchvision.models:squeezenet1_1",
             "--input-shape", "3,64,64", "--header", header, "--weights", weights])
    ok = r.returncode == 0 and "torchvision.models:squeezenet1_1" in open(header).read() and os.path.getsize(weights) > 4e6
    print(f"command line on torchvision.models:squeezenet1_1: {'ok' if ok else 'FAILED'}: {r.stdout.strip()}")
    if not ok:
        failures.append("command line")
    for path, message, *extra in cases:
        for f in (header, weights):
            with open(f, "w") as out:
                out.write("kept\n")
        r = run([sys.executable, os.path.join(REPO, "tools", "ctnn_import.py"), os.path.join(d, path), "--header",
                 header, "--weights", weights] + (extra[0] if extra else []))
        untouched = all(open(f).read() == "kept\n" for f in (header, weights))
        ok = r.returncode == 1 and message in r.stderr and untouched
        print(f"bad model {path}: {'ok' if ok else 'FAILED'}: {r.stderr.strip().splitlines()[-1] if r.stderr else ''}")
        if not ok:
            failures.append(path)
    return failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--cxx", default="g++-12")
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    failures = bad_models(args.work)
    ok, text = flash_round_trip(args.work, args.cxx)
    print(f"== flash_lenet5: {'ok' if ok else 'FAILED'}\n{text}", flush=True)
    if not ok:
        failures.append("flash_lenet5")
    ok, text = int8_round_trip(args.work, args.cxx)
    print(f"== int8 (importer's calibration): {'ok' if ok else 'FAILED'}\n{text}", flush=True)
    if not ok:
        failures.append("int8")
    ok, text = int8_norm_round_trip(args.work, args.cxx)
    print(f"== int8 with layers computed in float (importer's calibration): {'ok' if ok else 'FAILED'}\n{text}", flush=True)
    if not ok:
        failures.append("int8 norms")
    ok, text = torch_ao_round_trip(args.work, args.cxx)
    print(f"== int8 (quantized by torch.ao): {'ok' if ok else 'FAILED'}\n{text}", flush=True)
    if not ok:
        failures.append("torch.ao")
    for name in ZOO_FORWARD if args.only is None else [n for n in args.only if n.startswith("zoo_forward:")]:
        name = name.removeprefix("zoo_forward:")
        start = time.time()
        ok, text = zoo_forward(name, args.work, args.cxx)
        print(f"== examples/zoo {name} ({time.time() - start:.1f} s): {'ok' if ok else 'FAILED'}\n{text}", flush=True)
        if not ok:
            failures.append("examples/zoo " + name)
    for name in [n for n in args.only if not n.startswith("zoo_forward:")] if args.only else list(ONNX_CASES) + list(MODELS):
        start = time.time()
        try:
            ok, text = round_trip(name, args.work, args.cxx)
        except ctnn_import.ImportError_ as e:
            ok, text = False, f"import failed: {e}"
        print(f"== {name} ({time.time() - start:.1f} s): {'ok' if ok else 'FAILED'}\n{text}", flush=True)
        if not ok:
            failures.append(name)
    if failures:
        print("failed:", ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
