package dev.nabla.bench;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.ConvGeometry;
import dev.nabla.backend.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The layers of the benchmark workloads written directly in Backend ops — what Dense, Conv2d, MaxPool, RNN and LSTM
 * do (im2col + GEMM, one GEMM for all time steps' input projection, one recurrent GEMM and a fused cell per step),
 * so the benchmarks run on any backend without depending on the layer classes.
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

        void sgd(Backend be, float lr, float momentum) { be.sgdStep(w, g, v, lr, momentum, false, 0f); }
    }

    /** Fully connected: net = x·Wᵀ + b. */
    static final class Dense {
        final Param w, b;
        final Tensor net;

        Dense(Backend be, SplittableRandom r, List<Param> params, int batch, int in, int out) {
            w = Param.of(be, r, in, out, in);
            b = Param.of(be, r, in, out);
            params.add(w);
            params.add(b);
            net = be.zeros(batch, out);
        }

        Tensor forward(Backend be, Tensor x) {
            be.gemm(false, true, 1f, x, w.w(), 0f, net);   // net = x·Wᵀ      [batch, out]
            be.addBias(net, b.w(), 1);                      //     + b
            return net;
        }

        /** dnet = ∂E/∂net; dx (or null for the first layer) ← dnet·W. */
        void backward(Backend be, Tensor x, Tensor dnet, Tensor dx) {
            be.gemm(true, false, 1f, dnet, x, 0f, w.g()); // ∂E/∂W = δᵀ·x
            be.sumBias(dnet, b.g(), 1, 0f);                // ∂E/∂b = Σ δ
            if (dx != null) be.gemm(false, false, 1f, dnet, w.w(), 0f, dx); // ∂E/∂x = δ·W
        }
    }

    /** Convolution as im2col + GEMM: y[N, O, S] = W[O, C·k·k]·cols[C·k·k, N·S] (then CNHW → NCHW) + b. */
    static final class Conv {
        final ConvGeometry g;
        final int outC, spatial;
        final Param w, b;
        final Tensor cols, yCN, y, dyCN, dcols;

        Conv(Backend be, SplittableRandom r, List<Param> params, int batch, int inC, int h, int wd, int outC, int k, int pad) {
            g = new ConvGeometry(batch, inC, h, wd, k, k, 1, 1, pad, pad);
            this.outC = outC;
            spatial = g.outH() * g.outW();
            w = Param.of(be, r, g.colRows(), outC, g.colRows());
            b = Param.of(be, r, g.colRows(), outC);
            params.add(w);
            params.add(b);
            cols = be.zeros(g.colRows(), g.colCols());
            yCN = be.zeros(outC, g.colCols());
            y = be.zeros(batch, outC, g.outH(), g.outW());
            dyCN = be.zeros(outC, g.colCols());
            dcols = be.zeros(g.colRows(), g.colCols());
        }

        Tensor forward(Backend be, Tensor x) {
            be.im2col(x, g, cols);
            be.gemm(false, false, 1f, w.w(), cols, 0f, yCN);          // [O, N·S] = W·cols
            be.swapAxes01(yCN, y, outC, g.batch(), spatial);         // → [N, O, S]
            be.addBias(y, b.w(), spatial);
            return y;
        }

        void backward(Backend be, Tensor dy, Tensor dx) {
            be.swapAxes01(dy, dyCN, g.batch(), outC, spatial);       // δ as [O, N·S]
            be.gemm(false, true, 1f, dyCN, cols, 0f, w.g());          // ∂E/∂W = δ·colsᵀ
            be.sumBias(dy, b.g(), spatial, 0f);                      // ∂E/∂b = Σ δ
            if (dx != null) {
                be.gemm(true, false, 1f, w.w(), dyCN, 0f, dcols);     // ∂E/∂cols = Wᵀ·δ
                be.col2im(dcols, g, dx);
            }
        }
    }

    /** 2×2 max pooling, stride 2. */
    static final class MaxPool {
        final ConvGeometry g;
        final Tensor y, argmax;

        MaxPool(Backend be, int batch, int c, int h, int w) {
            g = new ConvGeometry(batch, c, h, w, 2, 2, 2, 2, 0, 0);
            y = be.zeros(batch, c, g.outH(), g.outW());
            argmax = be.zeros(batch, c, g.outH(), g.outW());
        }

        Tensor forward(Backend be, Tensor x) {
            be.maxPool(x, g, y, argmax);
            return y;
        }

        void backward(Backend be, Tensor dy, Tensor dx) { be.maxPoolBackward(dy, argmax, g, dx); }
    }

    /** An activation with its own output buffer (the input is kept for the backward pass). */
    static final class Act {
        final Activation f;
        final Tensor y;

        Act(Backend be, Activation f, int... shape) {
            this.f = f;
            y = be.zeros(shape);
        }

        Tensor forward(Backend be, Tensor x) {
            be.activation(f, x, y);
            return y;
        }

        /** dx ← dy ⊙ f'(x) (in place on dy). */
        Tensor backward(Backend be, Tensor x, Tensor dy) {
            be.activationBackward(f, x, y, dy, dy);
            return dy;
        }
    }

    static List<Param> params() { return new ArrayList<>(); }
}
