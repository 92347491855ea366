#!/usr/bin/python3
"""PyTorch interop fixtures for dev.nabla.io.PyTorchInteropTest, both ways (Debian's python3-torch 1.13; no safetensors
package: the files are read and written with struct and json, the layout being 8-byte little-endian header length,
JSON header, raw little-endian data).

1. Exports PyTorch modules -- an MLP, LeNet-5, an LSTM language model, a GRU tagger -- as
   src/test/resources/interop/torch_NAME.safetensors, with torch_NAME.json holding an input and PyTorch's output on it.
   The LSTM keeps PyTorch's two biases b_ih and b_hh (both nonzero): Nabla must add them into its one bias.
2. Loads the files Nabla wrote (nabla_NAME.safetensors, by the Java test with -Dnabla.interop.write=true) into the same
   PyTorch modules with load_state_dict(strict=True) and checks that PyTorch's outputs on the recorded input match
   Nabla's recorded outputs.

Run from engine/ with /usr/bin/python3 src/test/python/interop_torch.py; re-running leaves part 1's files unchanged
(seeded), so git diff shows nothing.
"""
import json
import os
import struct
import sys

import torch
from torch import nn

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "interop")


class LanguageModel(nn.Module):
    """Embedding -> LSTM -> Linear at every step, named 0, 1, 2 like Nabla's Sequential; tokens [T, B] -> [T, B, V]."""

    def __init__(self, vocab, embed, hidden):
        super().__init__()
        self.add_module("0", nn.Embedding(vocab, embed))
        self.add_module("1", nn.LSTM(embed, hidden))
        self.add_module("2", nn.Linear(hidden, vocab))

    def forward(self, tokens):
        h, _ = getattr(self, "1")(getattr(self, "0")(tokens.long()))
        return getattr(self, "2")(h)


class Tagger(nn.Module):
    """GRU -> Linear at every step, named 0, 1; x [T, B, D] -> [T, B, K]."""

    def __init__(self, d, hidden, k):
        super().__init__()
        self.add_module("0", nn.GRU(d, hidden))
        self.add_module("1", nn.Linear(hidden, k))

    def forward(self, x):
        h, _ = getattr(self, "0")(x)
        return getattr(self, "1")(h)


def models():
    return {
        "mlp": (lambda: nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 4)), [3, 6], False),
        "lenet5": (lambda: nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                                         nn.Linear(84, 10)), [2, 1, 28, 28], False),
        "lstm_lm": (lambda: LanguageModel(11, 5, 7), [5, 2], True),
        "gru": (lambda: Tagger(3, 6, 4), [4, 2, 3], False),
    }


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        data = t.detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - (len(h) + 8) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", name
        b, e = info["data_offsets"]
        vals = struct.unpack("<%df" % ((e - b) // 4), data[b:e])
        out[name] = torch.tensor(vals, dtype=torch.float32).reshape(info["shape"])
    return out, meta


def export():
    for name, (make, shape, tokens) in models().items():
        torch.manual_seed(7)
        m = make().eval()
        if name == "lstm_lm":
            with torch.no_grad():                      # make both LSTM biases clearly nonzero
                getattr(m, "1").bias_ih_l0.uniform_(-0.5, 0.5)
                getattr(m, "1").bias_hh_l0.uniform_(-0.5, 0.5)
        g = torch.Generator().manual_seed(11)
        x = torch.randint(0, 11, shape, generator=g).float() if tokens else torch.rand(shape, generator=g) * 2 - 1
        with torch.no_grad():
            y = m(x)
        write_safetensors(os.path.join(HERE, "torch_%s.safetensors" % name), m.state_dict(), {"format": "pt"})
        with open(os.path.join(HERE, "torch_%s.json" % name), "w") as f:
            json.dump({"input_shape": shape, "input": x.flatten().tolist(),
                       "output_shape": list(y.shape), "output": y.flatten().tolist()}, f)
            f.write("\n")
        print("wrote torch_%s: %d tensors %s" % (name, len(m.state_dict()), list(m.state_dict().keys())))


def check_nabla():
    ok = True
    for name, (make, shape, tokens) in models().items():
        path = os.path.join(HERE, "nabla_%s.safetensors" % name)
        if not os.path.exists(path):
            print("nabla_%s.safetensors: missing (run the Java test with -Dnabla.interop.write=true)" % name)
            ok = False
            continue
        state, meta = read_safetensors(path)
        m = make().eval()
        m.load_state_dict(state, strict=True)         # every name and shape exactly, no more and no fewer
        with open(os.path.join(HERE, "nabla_%s.json" % name)) as f:
            fx = json.load(f)
        x = torch.tensor(fx["input"], dtype=torch.float32).reshape(fx["input_shape"])
        with torch.no_grad():
            y = m(x).flatten()
        want = torch.tensor(fx["output"], dtype=torch.float32)
        err = (y - want).abs().max().item()
        good = err <= 2e-5 * (1 + want.abs().max().item())
        ok &= good
        print("nabla_%s: load_state_dict(strict=True) ok, %d tensors, architecture %s..., max |PyTorch - Nabla| = %.2e %s"
              % (name, len(state), meta.get("nabla.architecture", "?")[:40], err, "OK" if good else "MISMATCH"))
    return ok


if __name__ == "__main__":
    export()
    sys.exit(0 if check_nabla() else 1)
