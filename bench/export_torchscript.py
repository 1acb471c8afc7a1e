#!/usr/bin/env python3
"""Writes the whole-network workloads for bench/ctnn_bench: torchvision's ResNet-18 and MobileNetV2 with
seeded random weights (batch norm statistics included), in eval mode, as

    <dir>/<name>.pt            TorchScript (torch.jit.trace), for the libtorch peer
    <dir>/<name>.weights.bin   the state_dict's tensors in order, float32 (num_batches_tracked left out):
                               what ctnn's load_weights reads for examples/zoo's declaration
    <dir>/<name>.input.bin     one 3x224x224 input, NCHW, float32
    <dir>/<name>.output.bin    PyTorch's 1000 logits for it: the benchmark checks ctnn, libtorch and oneDNN against them
    <dir>/<name>.graph.txt     the network as a chain of oneDNN primitives (bench/peer_dnnl.cpp's graph runner):
                               one line per operation, batch norm folded into its convolution, a residual
                               add and the activation after it fused into the convolution before them
    <dir>/<name>.folded.bin    the convolutions' and the linear layer's weights and biases in that order, float32

    /usr/bin/python3 bench/export_torchscript.py <dir>
"""
import os
import sys

import torch
import torch.fx
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
from write_atomically import write_atomically  # noqa: E402

NETWORKS = ["resnet18", "mobilenet_v2"]


def chain_of(model):
    """The model as lines of bench/peer_dnnl.cpp's graph format and the folded weights, from torch.fx's graph.
    Tensor 0 is the input, tensor i the output of line i:
        conv SRC OUT KH KW SH SW PT PL PB PR GROUPS ADD ACT   (ADD: the tensor added before ACT, or -1;
                                                               ACT: none, relu or relu6)
        maxpool SRC K S P     avgpool SRC (global)     linear SRC OUT"""
    modules = dict(model.named_modules())
    graph = torch.fx.symbolic_trace(model).graph
    order = {n: i for i, n in enumerate(graph.nodes)}
    ops, tensor = [], {}

    def single_user(node):
        if len(node.users) != 1:
            raise ValueError(f"{node.name} has {len(node.users)} users: it cannot be fused")

    def op_of(node):  # the line that produced node's tensor
        return ops[tensor[node] - 1]

    for n in graph.nodes:
        if n.op == "placeholder":
            tensor[n] = 0
            continue
        if n.op == "output":
            if tensor[n.args[0]] != len(ops):
                raise ValueError("the output is not the last operation's")
            continue
        src = n.args[0] if n.args else None
        kind = type(modules[n.target]).__name__ if n.op == "call_module" else getattr(n.target, "__name__", str(n.target))
        if kind == "Conv2d":
            m = modules[n.target]
            bias = m.bias.detach().clone() if m.bias is not None else torch.zeros(m.out_channels)
            p = m.padding
            ops.append(dict(kind="conv", src=tensor[src], weight=m.weight.detach().clone(), bias=bias,
                            args=[m.out_channels, *m.kernel_size, *m.stride, p[0], p[1], p[0], p[1], m.groups],
                            add=-1, act="none"))
            tensor[n] = len(ops)
        elif kind == "BatchNorm2d":
            single_user(src)
            m, conv = modules[n.target], op_of(src)
            scale = m.weight.detach() / torch.sqrt(m.running_var + m.eps)
            conv["weight"] = conv["weight"] * scale[:, None, None, None]
            conv["bias"] = (conv["bias"] - m.running_mean) * scale + m.bias.detach()
            tensor[n] = tensor[src]
        elif kind in ("ReLU", "ReLU6", "relu"):
            single_user(src)
            op_of(src)["act"] = "relu6" if kind == "ReLU6" else "relu"
            tensor[n] = tensor[src]
        elif kind == "add":
            a, b = n.args
            main, shortcut = (a, b) if tensor[a] > tensor[b] else (b, a)  # the convolution just before the add
            if op_of(main)["kind"] != "conv" or op_of(main)["act"] != "none":
                raise ValueError(f"{n.name}: no convolution to fuse the add into")
            single_user(main)
            if any(order[u] > order[n] for u in shortcut.users):
                raise ValueError(f"{shortcut.name} is read after the add: the convolution cannot write over it")
            op_of(main)["add"] = tensor[shortcut]
            tensor[n] = tensor[main]
        elif kind == "MaxPool2d":
            m = modules[n.target]
            ops.append(dict(kind="maxpool", src=tensor[src], args=[m.kernel_size, m.stride, m.padding]))
            tensor[n] = len(ops)
        elif kind in ("AdaptiveAvgPool2d", "adaptive_avg_pool2d"):
            ops.append(dict(kind="avgpool", src=tensor[src], args=[]))
            tensor[n] = len(ops)
        elif kind in ("flatten", "Dropout"):
            tensor[n] = tensor[src]
        elif kind == "Linear":
            m = modules[n.target]
            ops.append(dict(kind="linear", src=tensor[src], weight=m.weight.detach(), bias=m.bias.detach(), args=[m.out_features]))
            tensor[n] = len(ops)
        else:
            raise ValueError(f"no oneDNN line for {n.name} ({kind})")
    lines, arrays = [], []
    for op in ops:
        fields = [op["kind"], op["src"], *op["args"]]
        if op["kind"] == "conv":
            fields += [op["add"], op["act"]]
        lines.append(" ".join(str(f) for f in fields))
        if "weight" in op:
            arrays += [op["weight"].flatten(), op["bias"].flatten()]
    return "\n".join(lines) + "\n", torch.cat(arrays)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    for i, name in enumerate(NETWORKS):
        torch.manual_seed(100 + i)
        model = getattr(torchvision.models, name)().eval()
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.2, 0.2)
                    m.running_mean.uniform_(-0.2, 0.2)
                    m.running_var.uniform_(0.5, 1.5)
        x = torch.randn(1, 3, 224, 224)
        with torch.no_grad():
            y = model(x)
        flat = torch.cat([t.flatten() for k, t in model.state_dict().items() if not k.endswith("num_batches_tracked")])
        traced = torch.jit.trace(model, x)
        path = os.path.join(out, f"{name}.pt")
        traced.save(path + ".tmp")
        os.replace(path + ".tmp", path)
        graph, folded = chain_of(model)
        for suffix, tensor in (("weights", flat), ("input", x), ("output", y), ("folded", folded)):
            write_atomically(os.path.join(out, f"{name}.{suffix}.bin"), tensor.detach().numpy().astype("<f4").tobytes())
        write_atomically(os.path.join(out, f"{name}.graph.txt"), graph.encode())
        print(f"{name}: {flat.numel()} parameters and statistics, output[0] {y[0, 0].item():.6f}")


if __name__ == "__main__":
    main()
