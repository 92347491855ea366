#!/usr/bin/python3
"""PyTorch training throughput for the same four workloads as dev.nabla.bench.Throughput, same line format.

    /usr/bin/python3 bench/torch_throughput.py [--workload mlp,lenet5,rnn,lstm] [--seconds 3] [--warmup 8] [--threads 2]
        [--device cpu|cuda] [--item]

Each step: forward, cross-entropy, backward, SGD(lr=0.01, momentum=0.9) — zero_grad, loss.backward(), opt.step().
On --device cuda (PyTorch eager with cuBLAS/cuDNN) the queue is drained at the end of each 0.5 s window, so steps run
back to back without a host wait; --item also reads the loss every step, as Nabla's training loop does (one wait per
step), for the like-for-like figure.
"""
import argparse
import os
import time

# Debian's torch 1.13 does its GEMMs in the system libblas (OpenBLAS 0.3.21), which misdetects recent Xeons
# (e.g. family 6 model 207) as "Prescott" and runs SSE3 kernels ~5x slower than its AVX-512 ones. Give PyTorch its
# best kernels, as we do for the OpenBLAS baseline of the JMH benchmarks (set OPENBLAS_CORETYPE yourself to override).
if "OPENBLAS_CORETYPE" not in os.environ:
    with open("/proc/cpuinfo") as f:
        flags = f.read()
    if " avx512f" in flags and " avx512bw" in flags:
        os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
    elif " avx2" in flags:
        os.environ["OPENBLAS_CORETYPE"] = "Haswell"

# OpenMP's busy-waiting threads and OpenBLAS's own pthreads fight over the two cores (we measured PyTorch 20-35x
# slower with the defaults on a busy 2-core box); passive waiting gives PyTorch its best figures here.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch
import torch.nn as nn
import torch.nn.functional as F

V, H, T, B_RNN = 65, 256, 64, 32


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5, padding=2)
        self.c2 = nn.Conv2d(6, 16, 5)
        self.f1 = nn.Linear(400, 120)
        self.f2 = nn.Linear(120, 84)
        self.f3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        x = x.flatten(1)
        return self.f3(F.relu(self.f2(F.relu(self.f1(x)))))


class Recurrent(nn.Module):
    def __init__(self, lstm):
        super().__init__()
        self.rnn = nn.LSTM(V, H) if lstm else nn.RNN(V, H, nonlinearity="tanh")
        self.out = nn.Linear(H, V)

    def forward(self, x):  # x: [T, B, V] one-hot
        h, _ = self.rnn(x)
        return self.out(h).reshape(-1, V)


def blas_library():
    """The BLAS that Debian's torch really calls (libblas.so.3 is an alternative): refuse the reference BLAS."""
    torch.mm(torch.ones(8, 8), torch.ones(8, 8))
    with open("/proc/self/maps") as f:
        libs = sorted({line.split()[-1] for line in f if "blas" in line.rsplit("/", 1)[-1]})
    if any("/blas/libblas.so" in lib for lib in libs) and not any("openblas" in lib for lib in libs):
        raise SystemExit("torch_throughput: PyTorch runs on the reference (netlib) BLAS here, 10-30x slower than "
                         "OpenBLAS, which would make a meaningless peer figure: apt-get install libopenblas0-pthread")
    return ",".join(os.path.basename(lib) for lib in libs) or "(none loaded)"


def workload(name):
    g = torch.Generator().manual_seed(1)
    if name == "mlp":
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
        x = torch.rand(64, 784, generator=g)
        y = torch.randint(0, 10, (64,), generator=g)
        return "mlp784-256-128-10 b64", model, x, y, 64, "samples/s"
    if name == "lenet5":
        x = torch.rand(64, 1, 28, 28, generator=g)
        y = torch.randint(0, 10, (64,), generator=g)
        return "lenet5 b64", LeNet5(), x, y, 64, "samples/s"
    if name in ("rnn", "lstm"):
        sym = torch.randint(0, V, (T + 1, B_RNN), generator=g)
        x = F.one_hot(sym[:-1], V).float()
        y = sym[1:].reshape(-1)
        label = ("lstm" if name == "lstm" else "rnn-tanh") + " h256 T64 b32"
        return label, Recurrent(name == "lstm"), x, y, T * B_RNN, "tokens/s"
    raise SystemExit("unknown workload " + name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workload", default="mlp,lenet5,rnn,lstm")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=float, default=8.0)  # the same as bench/throughput.sh (its JIT needs it)
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--item", action="store_true", help="read the loss every step (one host wait per step)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    dev = torch.device(args.device)
    if args.device == "cuda":
        if not torch.cuda.is_available():
            raise SystemExit("--device cuda: this PyTorch sees no CUDA device")
        torch.backends.cuda.matmul.allow_tf32 = False          # FP32 GEMMs, as ours
        torch.backends.cudnn.allow_tf32 = False
        where = f"{torch.cuda.get_device_name(0)}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}, TF32 off"
    else:
        where = (f"{torch.get_num_threads()} threads, BLAS {blas_library()}, "
                 f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}")
    print(f"# torch {torch.__version__} training throughput on {args.device}, {where}{', loss read every step' if args.item else ''}")
    sync = torch.cuda.synchronize if args.device == "cuda" else (lambda: None)
    for w in args.workload.split(","):
        label, model, x, y, units, unit = workload(w)
        model, x, y = model.to(dev), x.to(dev), y.to(dev)
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

        def step():
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            if args.item:
                loss.item()
            return loss

        warm_end = time.perf_counter() + args.warmup
        i = 0
        while i < 5 or time.perf_counter() < warm_end:
            step()
            i += 1
        sync()
        # windows of >= 0.5 s: the mean over all of them, and the best one (robust to a busy machine)
        steps, best, t0 = 0, 0.0, time.perf_counter()
        while True:
            w0, ws = time.perf_counter(), 0
            while True:
                loss = step()
                ws += 1
                if ws % 16 == 0 or args.device == "cpu":
                    sync()
                    if time.perf_counter() - w0 >= 0.5:
                        break
            best = max(best, ws * units / (time.perf_counter() - w0))
            steps += ws
            t = time.perf_counter() - t0
            if t >= args.seconds:
                break
        print(f"torch-{args.device:<7} {label:<24} {steps * units / t:12.1f} {unit:<9} "
              f"(best 0.5 s window {best:.1f}; {steps} steps, {t * 1e3 / steps:.2f} ms/step, loss {loss.item():.4f})")


if __name__ == "__main__":
    main()
