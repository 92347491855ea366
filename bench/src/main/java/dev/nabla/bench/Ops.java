package dev.nabla.bench;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ConvGeometry;
import dev.nabla.backend.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * LeNet-5's convolutions written directly in Backend ops (im2col + GEMM, as Conv2d does) for the per-op JMH benchmark
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

    static List<Param> params() { return new ArrayList<>(); }
}
