package dev.nabla.cpu;

import static dev.nabla.cpu.Elementwise.GRAIN;
import static dev.nabla.cpu.Elementwise.L;
import static dev.nabla.cpu.Elementwise.S;
import static dev.nabla.cpu.Elementwise.ZERO;
import static dev.nabla.cpu.Elementwise.data;

import dev.nabla.backend.ConvGeometry;
import dev.nabla.backend.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The conv family of the CPU backend (kernels/opencl/conv.cl; the reference's "conv" section): im2col and col2im, the
 * data movement that turns a convolution into one GEMM. They move runs of 10–28 floats for LeNet-sized images, where
 * {@code System.arraycopy} and plain loops measured faster than masked vectors or gathers, except that a row of at
 * most one vector is one masked load or add.
 */
final class Conv {
    private Conv() {}

    /** First output position o with 0 ≤ o·stride − pad + k (the window's tap k inside the input). */
    private static int firstInside(int stride, int pad, int k) {
        return Math.max(0, Math.ceilDiv(pad - k, stride));
    }

    /** One past the last output position o (below {@code out}) with o·stride − pad + k < size. */
    private static int endInside(int size, int stride, int pad, int k, int out) {
        return Math.min(out, Math.floorDiv(size - 1 + pad - k, stride) + 1);
    }

    static void im2col(Tensor x, ConvGeometry g, Tensor cols) {
        float[] xd = data(x), cd = data(cols);
        int oh = g.outH(), ow = g.outW(), ncols = g.colCols(), kh = g.kernelH(), kw = g.kernelW(), h = g.height(), w = g.width();
        int sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW(), xo = x.offset(), co = cols.offset();
        // short runs: System.arraycopy and Arrays.fill are intrinsics that beat masked vectors on 10–28 floats
        Parallel.range(g.colRows(), Math.max(1, GRAIN / Math.max(1, ncols)), (r0, r1) -> {
            for (int row = r0; row < r1; row++) {                  // row = (c·kH + ky)·kW + kx
                int c = row / (kh * kw), ky = row / kw % kh, kx = row % kw;
                int ox0 = Math.min(ow, firstInside(sw, pw, kx)), ox1 = Math.max(ox0, endInside(w, sw, pw, kx, ow));
                if (sw == 1 && ow <= L) {                          // an output row fits one vector (LeNet conv2's 10)
                    im2colShortRows(xd, cd, g, row, c, ky, kx, ox0, ox1, xo, co);
                    continue;
                }
                if (sw == 1 && ow <= 2 * L) {                      // two vectors (LeNet conv1's 28)
                    im2colTwoVectorRows(xd, cd, g, row, c, ky, kx, ox0, ox1, xo, co);
                    continue;
                }
                for (int n = 0; n < g.batch(); n++) {
                    int plane = xo + (n * g.channels() + c) * h * w;
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * sh - ph + ky, dst = co + row * ncols + (n * oh + oy) * ow;
                        if (iy < 0 || iy >= h) {
                            Arrays.fill(cd, dst, dst + ow, 0f);
                            continue;
                        }
                        for (int i = dst; i < dst + ox0; i++) cd[i] = 0f;   // the 0–2 padded taps: a loop beats fill's setup
                        int src = plane + iy * w - pw + kx;       // x[.., iy, ox·sW − pW + kx]
                        if (sw == 1) System.arraycopy(xd, src + ox0, cd, dst + ox0, ox1 - ox0);
                        else for (int ox = ox0; ox < ox1; ox++) cd[dst + ox] = xd[src + ox * sw];
                        for (int i = dst + ox1; i < dst + ow; i++) cd[i] = 0f;
                    }
                }
            }
        });
    }

    /**
     * im2col's row {@code row} = (c, ky, kx) for stride 1 and outW ≤ L: each output row is one masked load of the
     * taps inside the input (lanes [ox0, ox1), the others read as the padding's 0) and one store of outW lanes.
     */
    private static void im2colShortRows(float[] xd, float[] cd, ConvGeometry g, int row, int c, int ky, int kx, int ox0,
            int ox1, int xo, int co) {
        int oh = g.outH(), ow = g.outW(), h = g.height(), w = g.width(), ph = g.padH(), pw = g.padW(), ncols = g.colCols();
        VectorMask<Float> inside = S.indexInRange(0, ox1).andNot(S.indexInRange(0, ox0)), out = S.indexInRange(0, ow);
        for (int n = 0; n < g.batch(); n++) {
            int plane = xo + (n * g.channels() + c) * h * w;
            for (int oy = 0; oy < oh; oy++) {
                int iy = oy * g.strideH() - ph + ky, dst = co + row * ncols + (n * oh + oy) * ow;
                if (iy < 0 || iy >= h || ox0 >= ox1) ZERO.intoArray(cd, dst, out);
                else FloatVector.fromArray(S, xd, plane + iy * w - pw + kx, inside).intoArray(cd, dst, out);
            }
        }
    }

    /** As {@link #im2colShortRows} for L < outW ≤ 2L: each output row is two masked loads and two stores. */
    private static void im2colTwoVectorRows(float[] xd, float[] cd, ConvGeometry g, int row, int c, int ky, int kx, int ox0,
            int ox1, int xo, int co) {
        int oh = g.outH(), ow = g.outW(), h = g.height(), w = g.width(), ph = g.padH(), pw = g.padW(), ncols = g.colCols();
        VectorMask<Float> in0 = S.indexInRange(0, ox1).andNot(S.indexInRange(0, ox0)),
                in1 = S.indexInRange(L, ox1).andNot(S.indexInRange(L, ox0)), out1 = S.indexInRange(L, ow);
        for (int n = 0; n < g.batch(); n++) {
            int plane = xo + (n * g.channels() + c) * h * w;
            for (int oy = 0; oy < oh; oy++) {
                int iy = oy * g.strideH() - ph + ky, dst = co + row * ncols + (n * oh + oy) * ow;
                if (iy < 0 || iy >= h || ox0 >= ox1) {
                    ZERO.intoArray(cd, dst);
                    ZERO.intoArray(cd, dst + L, out1);
                } else {
                    int src = plane + iy * w - pw + kx;
                    FloatVector.fromArray(S, xd, src, in0).intoArray(cd, dst);
                    FloatVector.fromArray(S, xd, src + L, in1).intoArray(cd, dst + L, out1);
                }
            }
        }
    }

    static void col2im(Tensor cols, ConvGeometry g, Tensor dx) {
        float[] xd = data(dx), cd = data(cols);
        int oh = g.outH(), ow = g.outW(), ncols = g.colCols(), kh = g.kernelH(), kw = g.kernelW(), h = g.height(), w = g.width();
        int sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW(), xo = dx.offset(), co = cols.offset(),
                ch = g.channels();
        // one (n, c) plane per task; each pixel receives its taps in the reference's order (ky, kx), so sums are identical.
        // A run of at most L floats (LeNet's 10) is one masked vector add; longer runs a plain loop, which C2 vectorises.
        boolean oneVectorRows = sw == 1 && sh == 1 && w <= L;
        Parallel.range(g.batch() * ch, Math.max(1, GRAIN / (h * w * kh * kw)), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int n = p / ch, c = p % ch, plane = xo + p * h * w;
                if (oneVectorRows) {                               // planes c-major: consecutive tasks read on along cols' rows
                    int cc = p / g.batch(), nn = p % g.batch();
                    col2imShortRows(cd, co, g, nn, cc, xd, xo + (nn * ch + cc) * h * w);
                    continue;
                }
                Arrays.fill(xd, plane, plane + h * w, 0f);
                for (int ky = 0; ky < kh; ky++)
                    for (int kx = 0; kx < kw; kx++) {
                        int row = (c * kh + ky) * kw + kx;
                        int ox0 = firstInside(sw, pw, kx), ox1 = endInside(w, sw, pw, kx, ow);
                        if (ox0 >= ox1) continue;
                        int oy0 = firstInside(sh, ph, ky), oyEnd = endInside(h, sh, ph, ky, oh);
                        if (sw == 1 && ox1 - ox0 <= L) {                // a run fits one vector: one masked add per row
                            VectorMask<Float> m = S.indexInRange(0, ox1 - ox0);
                            for (int oy = oy0; oy < oyEnd; oy++) {
                                int src = co + row * ncols + (n * oh + oy) * ow + ox0,
                                        dst = plane + (oy * sh - ph + ky) * w - pw + kx + ox0;
                                FloatVector.fromArray(S, xd, dst, m).add(FloatVector.fromArray(S, cd, src, m)).intoArray(xd, dst, m);
                            }
                            continue;
                        }
                        for (int oy = oy0; oy < oyEnd; oy++) {
                            int src = co + row * ncols + (n * oh + oy) * ow, dst = plane + (oy * sh - ph + ky) * w - pw + kx;
                            if (sw == 1) for (int ox = ox0; ox < ox1; ox++) xd[dst + ox] += cd[src + ox];
                            else for (int ox = ox0; ox < ox1; ox++) xd[dst + ox * sw] += cd[src + ox];
                        }
                    }
            }
        });
    }

    /**
     * col2im of one (n, c) plane for stride 1 and a row of at most L pixels (LeNet conv2's 14): each input row is summed
     * in one vector register — tap (ky, kx) adds one masked load of its output row's run of the columns, shifted by kx
     * lanes — and stored once. The taps arrive in the reference's order (ky, kx) and each sum starts from +0, so the
     * bits are the reference's. Measured against col2im's general loop (one thread, batch 64, 2-core Zen 5): 488–498
     * against 622–644 µs; adding each run into memory tap by tap instead measured 615–625.
     */
    private static void col2imShortRows(float[] cd, int co, ConvGeometry g, int n, int c, float[] xd, int plane) {
        int oh = g.outH(), ow = g.outW(), ncols = g.colCols(), kh = g.kernelH(), kw = g.kernelW(), h = g.height(), w = g.width();
        int ph = g.padH(), pw = g.padW();
        VectorMask<Float> row = S.indexInRange(0, w);
        for (int iy = 0; iy < h; iy++) {
            FloatVector acc = ZERO;
            for (int ky = 0; ky < kh; ky++) {
                int oy = iy + ph - ky;                                      // the output row whose tap ky reads row iy
                if (oy < 0 || oy >= oh) continue;
                for (int kx = 0; kx < kw; kx++) {
                    // lane ix ← cols[(c, ky, kx), (n, oy, ox = ix + pW − kx)] for the ox inside [0, outW)
                    int lo = Math.max(0, kx - pw), hi = Math.min(w, kx - pw + ow);
                    if (lo >= hi) continue;
                    VectorMask<Float> m = VectorMask.fromLong(S, (1L << hi) - (1L << lo));   // lanes lo … hi − 1
                    acc = acc.add(FloatVector.fromArray(S, cd, co + ((c * kh + ky) * kw + kx) * ncols + (n * oh + oy) * ow + pw - kx, m));
                }
            }
            acc.intoArray(xd, plane + iy * w, row);
        }
    }
}
