#!/usr/bin/python3
"""Golden values for the recurrent layers from PyTorch (Debian's python3-torch 1.13).

Writes engine/src/test/resources/golden/rnn_{rnn,lstm,gru}.json: inputs, initial states, weights (PyTorch's layout:
weight_ih [G*H, D], weight_hh [G*H, H], gate order i,f,g,o for the LSTM and r,z,n for the GRU), the outputs h_1..h_T
and the gradients of L = sum(r * y) (for the vanilla RNN instead: a linear head o_t = V h_t + c and the softmax
cross-entropy over every step, label -1 ignored). Computed in float64; the Java tests run in float32.

Run from the repository root:  /usr/bin/python3 engine/src/test/python/golden_rnn.py
"""
import json
import os

import torch

torch.manual_seed(2026)
OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "golden")
SHAPES = [(4, 3, 5, 6), (1, 1, 2, 3), (7, 2, 3, 4)]   # (T, B, D, H)


def flat(t):
    return [float("%.9g" % v) for v in t.detach().reshape(-1).tolist()]


def case(kind, T, B, D, H):
    mod = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](D, H).double()
    x = torch.randn(T, B, D, dtype=torch.float64, requires_grad=True)
    h0 = (0.5 * torch.randn(1, B, H, dtype=torch.float64)).requires_grad_()
    r = torch.randn(T, B, H, dtype=torch.float64)
    if kind == "lstm":
        c0 = (0.5 * torch.randn(1, B, H, dtype=torch.float64)).requires_grad_()
        y, (hn, cn) = mod(x, (h0, c0))
    else:
        y, hn = mod(x, h0)
    loss = (r * y).sum()
    extra = {}
    if kind == "rnn":  # the lecture's model: o_t = V h_t + c, softmax cross-entropy over every step (-1 ignored)
        K = 3
        head = torch.nn.Linear(H, K).double()
        labels = torch.randint(0, K, (T, B))
        if T * B > 1:
            labels[-1, 0] = -1  # a padded step, ignored
        ce = torch.nn.functional.cross_entropy(head(y).reshape(T * B, K), labels.reshape(-1), ignore_index=-1)
        loss = ce  # only the cross-entropy, so that VanillaRnn (whose backward takes ∂L/∂o) sees the same loss
        extra = {"K": K, "labels": flat(labels.double()), "ce": float(ce), "V": head.weight, "c": head.bias}
    loss.backward()
    d = {"T": T, "B": B, "D": D, "H": H, "x": flat(x), "h0": flat(h0), "r": flat(r), "y": flat(y),
         "weight_ih": flat(mod.weight_ih_l0), "weight_hh": flat(mod.weight_hh_l0),
         "bias_ih": flat(mod.bias_ih_l0), "bias_hh": flat(mod.bias_hh_l0),
         "dx": flat(x.grad), "dh0": flat(h0.grad),
         "dweight_ih": flat(mod.weight_ih_l0.grad), "dweight_hh": flat(mod.weight_hh_l0.grad),
         "dbias_ih": flat(mod.bias_ih_l0.grad), "dbias_hh": flat(mod.bias_hh_l0.grad)}
    if kind == "lstm":
        d.update({"c0": flat(c0), "dc0": flat(c0.grad), "cn": flat(cn)})
    for k, v in extra.items():
        if isinstance(v, torch.Tensor):
            d[k] = flat(v)
            d["d" + k] = flat(v.grad)
        else:
            d[k] = v
    return d


for kind in ("rnn", "lstm", "gru"):
    cases = [case(kind, *s) for s in SHAPES]
    path = os.path.join(OUT, "rnn_%s.json" % kind)
    with open(path, "w") as f:
        json.dump({"generator": "engine/src/test/python/golden_rnn.py", "torch": torch.__version__, "cases": cases}, f)
        f.write("\n")
    print("wrote", os.path.normpath(path))
