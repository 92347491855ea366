package dev.nabla.bench;

import java.util.List;

/** GEMM shapes: the squares and the ones the benchmark workloads' layers make (batch 64 / LSTM b32 T64). */
final class Shapes {
    private Shapes() {}

    record Shape(boolean ta, boolean tb, int m, int n, int k, String label) {
        int lda() { return ta ? m : k; }

        int ldb() { return tb ? k : n; }

        double flops() { return 2.0 * m * n * k; }
    }

    /** "NT 64x256x784 label" → transA = false, transB = true, m = 64, n = 256, k = 784. */
    static Shape parse(String s) {
        String[] f = s.trim().split("\\s+");
        if (f.length < 2 || f[0].length() != 2) throw new IllegalArgumentException("shape '" + s + "': expected e.g. 'NT 64x256x784'");
        String[] d = f[1].split("x");
        return new Shape(f[0].charAt(0) == 'T', f[0].charAt(1) == 'T', Integer.parseInt(d[0]), Integer.parseInt(d[1]),
                Integer.parseInt(d[2]), f.length > 2 ? f[2] : f[1]);
    }

    /** The GEMMs of one training step of each workload (forward, ∂W, ∂x), as Ops/Workloads make them. */
    static final List<String> LAYERS = List.of(
            // MLP 784-256-128-10, batch 64: net = x·Wᵀ, ∂W = δᵀ·x, ∂x = δ·W
            "NT 64x256x784 mlp.fc1.fwd", "TN 256x784x64 mlp.fc1.dW",
            "NT 64x128x256 mlp.fc2.fwd", "TN 128x256x64 mlp.fc2.dW", "NN 64x256x128 mlp.fc2.dx",
            // LeNet-5, batch 64: conv = W·im2col, ∂W = δ·colsᵀ, ∂cols = Wᵀ·δ
            "NN 6x50176x25 lenet.conv1.fwd", "NT 6x25x50176 lenet.conv1.dW",
            "NN 16x6400x150 lenet.conv2.fwd", "NT 16x150x6400 lenet.conv2.dW", "TN 150x6400x16 lenet.conv2.dx",
            "NT 64x120x400 lenet.fc1.fwd",
            // LSTM h256, T64, b32, one-hot 65: input projection of all steps, recurrent step, BPTT, output layer
            "NT 2048x1024x65 lstm.Wih.fwd", "NT 32x1024x256 lstm.Whh.step", "NN 32x256x1024 lstm.Whh.dh",
            "TN 1024x256x2048 lstm.Whh.dW", "NT 2048x65x256 lstm.out.fwd", "NN 2048x256x65 lstm.out.dx");
}
