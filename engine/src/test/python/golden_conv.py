#!/usr/bin/python3
"""Writes the PyTorch golden fixtures for Conv2d, MaxPool2d, AvgPool2d, TiledConv2d and LocallyConnected2d.

Run from the repository root with Debian's python3-torch (1.13):
    /usr/bin/python3 engine/src/test/python/golden_conv.py
It writes engine/src/test/resources/golden/conv_*.json, tiled_*.json and locally_connected_*.json. Each fixture holds the inputs (x, weights, bias, the
upstream gradient dy), the forward output y and the gradients of E = Σ y ⊙ dy with respect to every input, so the
Java tests (ConvGoldenTest) check forward and backward without Python.
"""
import json
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "golden")


def write(name, fixture):
    path = os.path.join(OUT, name + ".json")
    with open(path, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.relpath(path))


def conv_case(name, seed, n, cin, cout, h, w, kernel, stride, padding):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, cin, h, w, generator=g, requires_grad=True)
    wt = (torch.randn(cout, cin, *kernel, generator=g) * 0.5).requires_grad_(True)
    b = torch.randn(cout, generator=g, requires_grad=True)
    y = F.conv2d(x, wt, b, stride=stride, padding=padding)  # PyTorch floors (N − F + 2P)/S + 1
    dy = torch.randn(y.shape, generator=g)
    (y * dy).sum().backward()
    write(name, {
        "torch": torch.__version__,
        "inChannels": cin, "outChannels": cout, "kernel": list(kernel), "stride": list(stride), "padding": list(padding),
        "x": x.tolist(), "w": wt.tolist(), "b": b.tolist(), "y": y.tolist(), "dy": dy.tolist(),
        "dx": x.grad.tolist(), "dw": wt.grad.tolist(), "db": b.grad.tolist(),
    })


def tiled_case(name, seed, n, cin, cout, h, w, kernel, tile, stride, padding, locally_connected=False):
    """A tiled convolution built from unfold and per-position weights (Goodfellow et al. 2016, section 9.5).

    The banks W [tH, tW, C_out, C_in, kH, kW] and b [tH, tW, C_out] are spread over the output positions by index:
    position (y, x) gets bank (y mod tH, x mod tW), giving W_pos [P, C_out, K] and b_pos [P, C_out]; then
    y[n, o, p] = sum_k W_pos[p, o, k] * unfold(x)[n, k, p] + b_pos[p, o]. Autograd gives the gradients of the banks
    (each summed over the positions that use it). A tile of the output size is the locally connected layer.
    """
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, cin, h, w, generator=g, requires_grad=True)
    oh = (h - kernel[0] + 2 * padding[0]) // stride[0] + 1
    ow = (w - kernel[1] + 2 * padding[1]) // stride[1] + 1
    if locally_connected:
        tile = (oh, ow)
    wt = (torch.randn(tile[0], tile[1], cout, cin, *kernel, generator=g) * 0.5).requires_grad_(True)
    b = torch.randn(tile[0], tile[1], cout, generator=g, requires_grad=True)
    cols = F.unfold(x, kernel, padding=padding, stride=stride)                 # [N, K, P], K ordered (c, i, j)
    rows = torch.arange(oh) % tile[0]
    colsel = torch.arange(ow) % tile[1]
    w_pos = wt[rows[:, None], colsel[None, :]].reshape(oh * ow, cout, -1)      # [P, C_out, K]
    b_pos = b[rows[:, None], colsel[None, :]].reshape(oh * ow, cout)           # [P, C_out]
    y = (torch.einsum("nkp,pok->nop", cols, w_pos) + b_pos.t()[None]).reshape(n, cout, oh, ow)
    if tile == (1, 1):                                                          # the limit case: an ordinary convolution
        ref = F.conv2d(x, wt[0, 0], b[0, 0], stride=stride, padding=padding)
        assert torch.allclose(y, ref, atol=1e-5), "tile 1x1 must be conv2d"
    dy = torch.randn(y.shape, generator=g)
    (y * dy).sum().backward()
    write(name, {
        "torch": torch.__version__,
        "inChannels": cin, "outChannels": cout, "kernel": list(kernel), "tile": list(tile), "stride": list(stride),
        "padding": list(padding), "locallyConnected": locally_connected, "inputSize": [h, w],
        "x": x.tolist(), "w": wt.tolist(), "b": b.tolist(), "y": y.tolist(), "dy": dy.tolist(),
        "dx": x.grad.tolist(), "dw": wt.grad.tolist(), "db": b.grad.tolist(),
    })


def pool_case(name, kind, seed, n, c, h, w, kernel, stride, padding):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, c, h, w, generator=g, requires_grad=True)
    if kind == "max":
        y = F.max_pool2d(x, kernel, stride=stride, padding=padding)
    else:
        y = F.avg_pool2d(x, kernel, stride=stride, padding=padding, count_include_pad=True)
    dy = torch.randn(y.shape, generator=g)
    (y * dy).sum().backward()
    write(name, {
        "torch": torch.__version__, "kind": kind,
        "kernel": list(kernel), "stride": list(stride), "padding": list(padding),
        "x": x.tolist(), "y": y.tolist(), "dy": dy.tolist(), "dx": x.grad.tolist(),
    })


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    # stride 2 with padding, several channels: 7x7 → (7 − 3 + 2)/2 + 1 = 4
    conv_case("conv_stride2_pad1", 1, n=2, cin=3, cout=4, h=7, w=7, kernel=(3, 3), stride=(2, 2), padding=(1, 1))
    # non-square kernel, per-axis stride and padding: 6x8 → (6 − 2 + 2)/2 + 1 = 4 by (8 − 3)/1 + 1 = 6
    conv_case("conv_nonsquare", 2, n=2, cin=2, cout=3, h=6, w=8, kernel=(2, 3), stride=(2, 1), padding=(1, 0))
    # 'same' padding of a 3x5 kernel: P = (1, 2) keeps 5x6
    conv_case("conv_same_3x5", 3, n=1, cin=3, cout=2, h=5, w=6, kernel=(3, 5), stride=(1, 1), padding=(1, 2))
    # the lecture's 7x7 / 3x3 / stride 3, with floor semantics (what PyTorch does): 2x2
    conv_case("conv_floor_7x7_s3", 4, n=2, cin=2, cout=2, h=7, w=7, kernel=(3, 3), stride=(3, 3), padding=(0, 0))
    # LeNet's second layer shape, one sample: 6@10x10... here 6@9x9 → 16@5x5 with a 5x5 kernel
    conv_case("conv_lenet2", 5, n=1, cin=6, cout=16, h=9, w=9, kernel=(5, 5), stride=(1, 1), padding=(0, 0))

    pool_case("conv_maxpool_2x2", "max", 11, n=2, c=3, h=6, w=6, kernel=(2, 2), stride=(2, 2), padding=(0, 0))
    # overlapping windows with padding: 7x7 → (7 − 3 + 2)/2 + 1 = 4
    pool_case("conv_maxpool_3x3_s2_p1", "max", 12, n=2, c=2, h=7, w=7, kernel=(3, 3), stride=(2, 2), padding=(1, 1))
    pool_case("conv_avgpool_2x2", "avg", 13, n=2, c=3, h=6, w=6, kernel=(2, 2), stride=(2, 2), padding=(0, 0))
    # non-square window, per-axis stride and padding: 5x4 → (5 − 3 + 2)/2 + 1 = 3 by (4 − 2)/1 + 1 = 3
    pool_case("conv_avgpool_3x2_s2x1_p1x0", "avg", 14, n=2, c=2, h=5, w=4, kernel=(3, 2), stride=(2, 1), padding=(1, 0))

    # tiled convolution (seed 003): a 2x2 tile on a 4x5 output, so the banks hold 6, 4, 6 and 4 positions
    tiled_case("tiled_2x2", 21, n=2, cin=2, cout=3, h=6, w=7, kernel=(3, 3), tile=(2, 2), stride=(1, 1), padding=(0, 0))
    # non-square tile, kernel, stride and padding: 7x6 → (7 − 3 + 2)/2 + 1 = 4 by (6 − 2)/1 + 1 = 5, tile 3x2
    tiled_case("tiled_3x2_s2x1_p1x0", 22, n=2, cin=2, cout=2, h=7, w=6, kernel=(3, 2), tile=(3, 2), stride=(2, 1), padding=(1, 0))
    # tile 1x1: the script checks it against F.conv2d
    tiled_case("tiled_1x1", 23, n=2, cin=3, cout=2, h=5, w=5, kernel=(3, 3), tile=(1, 1), stride=(1, 1), padding=(1, 1))
    # locally connected: the tile is the 5x5 output, every position its own filters
    tiled_case("locally_connected_5x5", 24, n=2, cin=2, cout=2, h=7, w=7, kernel=(3, 3), tile=None, stride=(1, 1), padding=(0, 0),
               locally_connected=True)
    # locally connected with stride and padding: 6x8 → (6 − 2 + 2)/2 + 1 = 4 by (8 − 3 + 0)/1 + 1 = 6
    tiled_case("locally_connected_s2x1_p1x0", 25, n=1, cin=3, cout=2, h=6, w=8, kernel=(2, 3), tile=None, stride=(2, 1), padding=(1, 0),
               locally_connected=True)
