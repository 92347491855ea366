package dev.nabla.bench;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ConvGeometry;
import dev.nabla.backend.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * LeNet-5's convolutions written directly in Backend ops (conv2d and its backward pass, as Conv2d calls them) for the per-op JMH benchmark
 * {@link BackendOpsBench}. The end-to-end {@link Throughput} workloads use the engine's own layers instead.
 */
final class Ops {
    private Ops() {}

    /** A trainable tensor with its gradient and momentum buffer. */
    record Param(Tensor w, Tensor g, Tensor v) {
        static Param of(Backend be, SplittableRandom r, int fanIn, int... shape) {
            float[] x = new float[Tensor.sizeOf(shape)];
            double s = 1 / Math.sqrt(fanIn);
            for (int i = 0; i < x.length; i++) x[i] = (float) ((r.nextDouble() * 2 - 1) * s);
            return new Param(be.upload(x, shape), be.zeros(shape), be.zeros(shape));
        }

    }

    /** Convolution: y[N, O, S] = W[O, C·k·k] ⋆ x + b, one {@link Backend#conv2d}; backward one {@link Backend#conv2dBackward}. */
    static final class Conv {
        final ConvGeometry g;
        final Param w, b;
        final Tensor y;

        Conv(Backend be, SplittableRandom r, List<Param> params, int batch, int inC, int h, int wd, int outC, int k, int pad) {
            g = new ConvGeometry(batch, inC, h, wd, k, k, 1, 1, pad, pad);
            w = Param.of(be, r, g.colRows(), outC, g.colRows());
            b = Param.of(be, r, g.colRows(), outC);
            params.add(w);
            params.add(b);
            y = be.zeros(batch, outC, g.outH(), g.outW());
        }

        Tensor forward(Backend be, Tensor x) {
            be.conv2d(x, w.w(), b.w(), g, y);
            return y;
        }

        /** ∂E/∂W += δ ⋆ x, ∂E/∂b += Σ δ and, unless dx is null, ∂E/∂x. */
        void backward(Backend be, Tensor x, Tensor dy, Tensor dx) {
            be.conv2dBackward(x, w.w(), dy, g, w.g(), b.g(), dx);
        }
    }

    static List<Param> params() { return new ArrayList<>(); }
}
