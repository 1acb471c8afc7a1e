#!/usr/bin/env python3
"""PyTorch's parameter counts, MACs and output shapes for the networks of examples/zoo.

Writes tests/data/zoo_reference.txt, one line per network:
    <name> params=<int> macs=<int> out=<per-sample output shape>
and for torchvision's models one more line per module that holds parameters of its own (a convolution,
a batch norm, ConvNeXt's block for its layer scale):
    <name> layer out=<its output shape> params=<int> macs=<int>
Run with Debian's python3-torch and python3-torchvision: /usr/bin/python3 tools/make_zoo_reference.py

The older networks are written out here in torch.nn, layer for layer as in examples/zoo/*.hpp; the
newer ones are torchvision's own models (mobilenet_v2, mobilenet_v3_small/large, efficientnet_b0, regnet_y_400mf,
shufflenet_v2_x1_0, convnext_tiny), which examples/zoo declares by hand. Parameters are
sum(p.numel() for p in model.parameters()). MACs follow the convention of each family's
macs_of (include/ctnn/shapes/<family>.hpp, summarised in the README), measured with forward hooks on the real modules:
    Conv1d/2d/3d:           output elements x (in_channels / groups) x kernel volume
    ConvTranspose1d/2d/3d:  input elements  x (out_channels / groups) x kernel volume
    Linear:                 output elements x in_features
everything else 0; batch 1.
"""
import math
import os
import sys

import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from write_atomically import write_atomically  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def lenet5():
    return nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84),
                         nn.ReLU(), nn.Linear(84, 10)), (1, 32, 32)


def alexnet():
    return nn.Sequential(
        nn.Conv2d(3, 64, 11, stride=4, padding=2), nn.ReLU(), nn.MaxPool2d(3, stride=2),
        nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, stride=2),
        nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(), nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, stride=2), nn.AdaptiveAvgPool2d(6),
        nn.Flatten(), nn.Dropout(), nn.Linear(9216, 4096), nn.ReLU(), nn.Dropout(), nn.Linear(4096, 4096),
        nn.ReLU(), nn.Linear(4096, 1000)), (3, 224, 224)


def vgg16():
    layers, c = [], 3
    for v in [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]:
        if v == "M":
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU()]
            c = v
    layers += [nn.AdaptiveAvgPool2d(7), nn.Flatten(), nn.Linear(25088, 4096), nn.ReLU(), nn.Dropout(),
               nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(), nn.Linear(4096, 1000)]
    return nn.Sequential(*layers), (3, 224, 224)


def basic_conv(cin, cout, k, padding=0):
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=padding, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class Concat(nn.Module):
    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        return torch.cat([b(x) for b in self.branches], 1)


class Residual(nn.Module):
    def __init__(self, main, shortcut=None):
        super().__init__()
        self.main, self.shortcut = main, shortcut

    def forward(self, x):
        return self.main(x) + (self.shortcut(x) if self.shortcut is not None else x)


def inception_3a():
    return nn.Sequential(Concat(
        basic_conv(192, 64, 1),
        nn.Sequential(basic_conv(192, 96, 1), basic_conv(96, 128, 3, 1)),
        nn.Sequential(basic_conv(192, 16, 1), basic_conv(16, 32, 3, 1)),
        nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True), basic_conv(192, 32, 1)))), (192, 28, 28)


def resnet18():
    def conv_bn(cin, cout, stride):
        return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout))

    def block(cin, cout, stride):
        shortcut = None if stride == 1 else nn.Sequential(nn.Conv2d(cin, cout, 1, stride=2, bias=False),
                                                          nn.BatchNorm2d(cout))
        return nn.Sequential(Residual(nn.Sequential(conv_bn(cin, cout, stride), nn.ReLU(), conv_bn(cout, cout, 1)),
                                      shortcut), nn.ReLU())

    return nn.Sequential(
        nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        nn.MaxPool2d(3, stride=2, padding=1),
        block(64, 64, 1), block(64, 64, 1), block(64, 128, 2), block(128, 128, 1),
        block(128, 256, 2), block(256, 256, 1), block(256, 512, 2), block(512, 512, 1),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 1000)), (3, 224, 224)


def mobilenet_v1():
    def separable(cin, cout, stride):
        return nn.Sequential(nn.Conv2d(cin, cin, 3, stride=stride, padding=1, groups=cin, bias=False),
                             nn.BatchNorm2d(cin), nn.ReLU(), nn.Conv2d(cin, cout, 1, bias=False),
                             nn.BatchNorm2d(cout), nn.ReLU())

    plan = [(32, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2), (256, 256, 1), (256, 512, 2)] + \
           [(512, 512, 1)] * 5 + [(512, 1024, 2), (1024, 1024, 1)]
    return nn.Sequential(nn.Conv2d(3, 32, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
                         *[separable(*p) for p in plan], nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(1024, 1000)), (3, 224, 224)


class TfSamePad(nn.Module):
    """TensorFlow SAME padding for the DS-CNN stem: o = ceil(i/s), the odd element after."""

    def __init__(self, k, s):
        super().__init__()
        self.k, self.s = k, s

    def forward(self, x):
        pads = []
        # int(): the shape is fixed, so an exported graph gets constant pads rather than shape arithmetic
        for i, k, s in reversed(list(zip([int(v) for v in x.shape[2:]], self.k, self.s))):
            need = max(0, (math.ceil(i / s) - 1) * s + k - i)
            pads += [need // 2, need - need // 2]
        return F.pad(x, pads)


def ds_cnn():
    def block():
        return nn.Sequential(nn.Conv2d(64, 64, 3, padding="same", groups=64), nn.ReLU(), nn.Conv2d(64, 64, 1),
                             nn.ReLU())

    return nn.Sequential(TfSamePad((10, 4), (2, 2)), nn.Conv2d(1, 64, (10, 4), stride=2), nn.ReLU(),
                         block(), block(), block(), block(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(64, 12)), (1, 49, 10)


def unet():
    def double_conv(cin, cout):
        return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.Conv2d(cout, cout, 3, padding=1),
                             nn.ReLU())

    def level(cin, c, inner):  # inner ends at 2c channels
        return nn.Sequential(double_conv(cin, c),
                             Concat(nn.Identity(), nn.Sequential(nn.MaxPool2d(2), inner, nn.ConvTranspose2d(2 * c, c, 2, stride=2))),
                             double_conv(2 * c, c))

    net = level(1, 64, level(64, 128, level(128, 256, level(256, 512, double_conv(512, 1024)))))
    return nn.Sequential(net, nn.Conv2d(64, 2, 1)), (1, 256, 256)


def module_macs(module, inputs, output):
    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        return output.numel() * (module.in_channels // module.groups) * math.prod(module.kernel_size)
    if isinstance(module, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
        return inputs[0].numel() * (module.out_channels // module.groups) * math.prod(module.kernel_size)
    if isinstance(module, nn.Linear):
        return output.numel() * module.in_features
    return 0


def macs_of(model, sample_shape):
    """Total MACs, the output shape, and per module with parameters of its own: (shape, params, MACs)."""
    total, layers = 0, []

    def hook(module, inputs, output):
        nonlocal total
        macs = module_macs(module, inputs, output)
        total += macs
        own = sum(p.numel() for p in module.parameters(recurse=False))
        if own:
            layers.append((tuple(output.shape[1:]), own, macs))

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    with torch.no_grad():
        out = model.eval()(torch.zeros(1, *sample_shape))
    for h in handles:
        h.remove()
    return total, tuple(out.shape[1:]), layers


def torchvision_model(name):
    import torchvision
    return lambda: (getattr(torchvision.models, name)(), (3, 224, 224))


def main():
    torch.set_num_threads(1)
    lines = ["# generated by tools/make_zoo_reference.py (torch %s); batch 1; MAC convention in the script" %
             torch.__version__]
    torchvision_names = ["mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "efficientnet_b0",
                         "regnet_y_400mf", "shufflenet_v2_x1_0", "convnext_tiny"]
    for name, make in [("lenet5", lenet5), ("alexnet", alexnet), ("vgg16", vgg16), ("inception_3a", inception_3a),
                       ("resnet18", resnet18), ("mobilenet_v1", mobilenet_v1), ("ds_cnn", ds_cnn),
                       ("unet", unet)] + [(n, torchvision_model(n)) for n in torchvision_names]:
        model, shape = make()
        params = sum(p.numel() for p in model.parameters())
        macs, out, layers = macs_of(model, shape)
        lines.append(f"{name} params={params} macs={macs} out={','.join(map(str, out))}")
        print(lines[-1], file=sys.stderr)
        if name in torchvision_names:
            for dims, own, layer_macs in layers:
                lines.append(f"{name} layer out={','.join(map(str, dims))} params={own} macs={layer_macs}")
    write_atomically(os.path.join(ROOT, "tests", "data", "zoo_reference.txt"), "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
