package dev.nabla.cpu;

import static dev.nabla.backend.Checks.cols;
import static dev.nabla.backend.Checks.rows;
import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.IS_NAN;
import static jdk.incubator.vector.VectorOperators.LE;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.LT;
import static jdk.incubator.vector.VectorOperators.MAX;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.Checks;
import dev.nabla.backend.ConvGeometry;
import dev.nabla.backend.ElementwiseLoss;
import dev.nabla.backend.HeapBackend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The CPU backend: every op of {@link Backend} on heap {@code float[]} storage (the same storage model as the
 * {@link ReferenceBackend}), written with the Vector API ({@code jdk.incubator.vector}, {@link FloatVector#SPECIES_PREFERRED}:
 * 16 lanes with AVX-512, 8 with AVX2). Loops run whole vectors and finish with one masked vector (or, for the fused
 * cells and the optimizers, the scalar formula of the reference); large tensors are split over a small shared pool
 * ({@link Parallel}) where the outputs are independent, so the thread count never changes a result. GEMM is
 * {@link Sgemm}. im2col/col2im move runs of 10–28 floats, where {@code System.arraycopy} and plain loops measured faster
 * than masked vectors or gathers; 2×2 stride-2 pooling de-interleaves window columns with vector shuffles.
 *
 * <p>Semantics are the reference backend's, op by op (its source is the specification). Where no transcendental
 * function is involved the arithmetic follows the reference's order without fused multiply-adds, so data movement,
 * max pooling, optimizer updates, activation derivatives and the cell backward passes are bit-for-bit identical;
 * exp/log/tanh come from the Vector API's float implementations (within 2e-6 of the reference's double-precision
 * {@code Math} calls), and sums of many terms are blocked float sums added in double.
 */
public final class CpuBackend extends HeapBackend {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> SI = IntVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** Parallel grain for cheap elementwise ops (elements per chunk) and for ops with transcendental functions. */
    private static final int GRAIN = 1 << 15, GRAIN_HEAVY = 1 << 12;

    @Override
    public String name() { return "cpu"; }

    @Override
    public String toString() { return "CpuBackend(" + S + ", " + Parallel.threads() + " threads)"; }

    // ---------------------------------------------------------------- vector ops

    @Override
    protected void doFill(Tensor x, float v) {
        Arrays.fill(data(x), x.offset(), x.offset() + x.size(), v);
    }

    @Override
    protected void doCopy(Tensor src, Tensor dst) {
        System.arraycopy(data(src), src.offset(), data(dst), dst.offset(), src.size());
    }

    @Override
    protected void doAxpy(float alpha, Tensor x, Tensor y) {
        float[] xd = data(x), yd = data(y);
        int xo = x.offset(), yo = y.offset();
        Parallel.range(x.size(), GRAIN, L, (from, to) -> {
            int i = from;
            for (int bound = from + S.loopBound(to - from); i < bound; i += L) {     // y ← α·x + y (no FMA: as the reference rounds)
                FloatVector.fromArray(S, xd, xo + i).mul(alpha).add(FloatVector.fromArray(S, yd, yo + i)).intoArray(yd, yo + i);
            }
            if (i < to) {
                VectorMask<Float> m = S.indexInRange(i, to);
                FloatVector.fromArray(S, xd, xo + i, m).mul(alpha).add(FloatVector.fromArray(S, yd, yo + i,
                        m)).intoArray(yd, yo + i, m);
            }
        });
    }

    @Override
    protected void doScale(Tensor x, float alpha) {
        float[] xd = data(x);
        int xo = x.offset();
        Parallel.range(x.size(), GRAIN, L, (from, to) -> {
            int i = from;
            for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
                FloatVector.fromArray(S, xd, xo + i).mul(alpha).intoArray(xd, xo + i);
            }
            if (i < to) {
                VectorMask<Float> m = S.indexInRange(i, to);
                FloatVector.fromArray(S, xd, xo + i, m).mul(alpha).intoArray(xd, xo + i, m);
            }
        });
    }

    @Override
    protected void doMul(Tensor a, Tensor b, Tensor out) {
        float[] ad = data(a), bd = data(b), od = data(out);
        int ao = a.offset(), bo = b.offset(), oo = out.offset();
        Parallel.range(a.size(), GRAIN, L, (from, to) -> {
            int i = from;
            for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
                FloatVector.fromArray(S, ad, ao + i).mul(FloatVector.fromArray(S, bd, bo + i)).intoArray(od, oo + i);
            }
            if (i < to) {
                VectorMask<Float> m = S.indexInRange(i, to);
                FloatVector.fromArray(S, ad, ao + i, m).mul(FloatVector.fromArray(S, bd, bo + i, m)).intoArray(od, oo + i, m);
            }
        });
    }

    /** Elements per float partial sum in reductions: each chunk is summed in float lanes, the chunks in double. */
    private static final int CHUNK = 1024;

    @Override
    protected float doSumSquares(Tensor x) {
        float[] xd = data(x);
        int xo = x.offset(), n = x.size();
        double s = 0;
        for (int c = 0; c < n; c += CHUNK) {                      // Σ x², fixed chunks: the same sum on any thread count
            int to = Math.min(n, c + CHUNK), i = c;
            FloatVector acc = FloatVector.zero(S);
            for (int bound = c + S.loopBound(to - c); i < bound; i += L) {
                FloatVector v = FloatVector.fromArray(S, xd, xo + i);
                acc = v.fma(v, acc);
            }
            if (i < to) {
                FloatVector v = FloatVector.fromArray(S, xd, xo + i, S.indexInRange(i, to));
                acc = v.fma(v, acc);
            }
            s += VMath.sumLanes(acc);
        }
        return (float) s;
    }

    // ---------------------------------------------------------------- gemm

    @Override
    protected void doGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        if (m == 0 || n == 0) return;
        Sgemm.sgemm(transA, transB, m, n, k, alpha, data(a), a.offset(), cols(a), data(b), b.offset(), cols(b),
                beta, data(c), c.offset(), n);
    }

    // ---------------------------------------------------------------- bias

    @Override
    protected void doAddBias(Tensor x, Tensor b, int inner) {
        float[] xd = data(x), bd = data(b);
        int channels = b.size(), xo = x.offset(), bo = b.offset(), plane = channels * inner, outer = x.size() / plane;
        Parallel.range(outer, Math.max(1, GRAIN / plane), (o0, o1) -> {
            for (int o = o0; o < o1; o++) {
                int base = xo + o * plane;
                if (inner == 1) {
                    addInto(bd, bo, xd, base, channels);          // row o += b
                } else {
                    for (int ch = 0; ch < channels; ch++) addScalar(xd, base + ch * inner, inner, bd[bo + ch]);
                }
            }
        });
    }

    /** y[yo .. yo+n) += x[xo .. xo+n). */
    private static void addInto(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector.fromArray(S, y, yo + i).add(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, y, yo + i, m).add(FloatVector.fromArray(S, x, xo + i, m)).intoArray(y, yo + i, m);
        }
    }

    /** x[xo .. xo+n) += v. */
    private static void addScalar(float[] x, int xo, int n, float v) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) FloatVector.fromArray(S, x, xo + i).add(v).intoArray(x, xo + i);
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, x, xo + i, m).add(v).intoArray(x, xo + i, m);
        }
    }

    /** Σ x[xo .. xo+n) in float lanes. */
    private static float sum(float[] x, int xo, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) acc = acc.add(FloatVector.fromArray(S, x, xo + i));
        if (i < n) acc = acc.add(FloatVector.fromArray(S, x, xo + i, S.indexInRange(i, n)));
        return VMath.sumLanes(acc);
    }

    /** Rows per block of float column sums before they are added into the double totals. */
    private static final int ROW_BLOCK = 64;

    @Override
    protected void doSumBias(Tensor dy, Tensor db, int inner, float beta) {
        float[] yd = data(dy), bd = data(db);
        int channels = db.size(), yo = dy.offset(), plane = channels * inner, outer = dy.size() / plane;
        double[] sums = new double[channels];
        if (inner == 1) {                                         // column sums of [outer, C]: blocks of rows in float lanes
            float[] acc = new float[channels];
            for (int o0 = 0; o0 < outer; o0 += ROW_BLOCK) {
                Arrays.fill(acc, 0f);
                for (int o = o0; o < Math.min(outer, o0 + ROW_BLOCK); o++) addInto(yd, yo + o * plane, acc, 0, channels);
                for (int ch = 0; ch < channels; ch++) sums[ch] += acc[ch];
            }
        } else {
            for (int o = 0; o < outer; o++)
                for (int ch = 0; ch < channels; ch++) sums[ch] += sum(yd, yo + o * plane + ch * inner, inner);
        }
        for (int ch = 0; ch < channels; ch++) {
            int bi = db.offset() + ch;
            bd[bi] = (float) (sums[ch] + (beta == 0f ? 0f : beta * bd[bi]));
        }
    }

    @Override
    protected void doSwapAxes01(Tensor x, Tensor y, int a, int b, int s) {
        float[] xd = data(x), yd = data(y);
        int xo = x.offset(), yo = y.offset();
        Parallel.range(a, Math.max(1, GRAIN / Math.max(1, b * s)), (i0, i1) -> {
            for (int i = i0; i < i1; i++)
                for (int j = 0; j < b; j++) {
                    int src = xo + (i * b + j) * s, dst = yo + (j * a + i) * s;
                    if (s >= 16) System.arraycopy(xd, src, yd, dst, s);
                    else for (int k = 0; k < s; k++) yd[dst + k] = xd[src + k];
                }
        });
    }

    // ---------------------------------------------------------------- activations


    private static final FloatVector ZERO = FloatVector.zero(S), ONE = FloatVector.broadcast(S, 1f);

    /** σ(x) = 1/(1 + e^−x) (e^−x overflows to ∞ for x < −88, giving 0 as it should). */
    static FloatVector sigmoid(FloatVector x) { return VMath.sigmoid(x); }

    static FloatVector tanh(FloatVector x) { return VMath.tanh(x); }

    /** 1 if x ≥ 0, 0 if x < 0, NaN stays NaN (the reference's IEEE rule). */
    private static FloatVector step(FloatVector x) { return x.blend(1f, x.compare(GE, 0f)).blend(0f, x.compare(LT, 0f)); }

    /** 1 if x ≥ 0, −1 if x < 0, NaN stays NaN. */
    private static FloatVector sign(FloatVector x) { return x.blend(1f, x.compare(GE, 0f)).blend(-1f, x.compare(LT, 0f)); }

    private static FloatVector piecewiseLinear(FloatVector x) {
        return x.add(0.5f).blend(0f, x.compare(LE, -0.5f)).blend(1f, x.compare(GE, 0.5f));
    }

    /** max(0, x): 0 where x ≤ 0, else x — so NaN stays NaN (the reference's IEEE rule). */
    private static FloatVector relu(FloatVector x) { return x.blend(0f, x.compare(LE, 0f)); }

    /** A derivative factor with NaN wherever the input x is NaN, so that dx = dy·f' carries the NaN back. */
    private static FloatVector nanWhereNaN(FloatVector factor, FloatVector x) { return factor.blend(x, x.test(IS_NAN)); }

    /** ln(1 + e^x) = max(x, 0) + ln(1 + e^−|x|), stable for large |x|. */
    private static FloatVector softplus(FloatVector x) {
        return x.lanewise(MAX, 0f).add(VMath.log1p(VMath.exp(x.abs().neg())));
    }

    // One small method per activation and per derivative: C2 must inline every Vector API call of a loop to turn it
    // into vector instructions, and one method holding all eight loops exceeds its inlining budget (measured: the
    // Vector API's slow Java fallback ran instead).

    @Override
    protected void doActivation(Activation f, Tensor x, Tensor y) {
        float[] xd = data(x), yd = data(y);
        int xo = x.offset(), yo = y.offset();
        if (f == Activation.IDENTITY) {
            System.arraycopy(xd, xo, yd, yo, x.size());
            return;
        }
        boolean heavy = f == Activation.SIGMOID || f == Activation.TANH || f == Activation.SOFTPLUS;
        Parallel.range(x.size(), heavy ? GRAIN_HEAVY : GRAIN, L, (from, to) -> {
            switch (f) {
                case STEP -> fwdStep(xd, xo, yd, yo, from, to);
                case SIGN -> fwdSign(xd, xo, yd, yo, from, to);
                case PIECEWISE_LINEAR -> fwdPiecewiseLinear(xd, xo, yd, yo, from, to);
                case SIGMOID -> fwdSigmoid(xd, xo, yd, yo, from, to);
                case TANH -> fwdTanh(xd, xo, yd, yo, from, to);
                case RELU -> fwdRelu(xd, xo, yd, yo, from, to);
                case SOFTPLUS -> fwdSoftplus(xd, xo, yd, yo, from, to);
                case IDENTITY -> System.arraycopy(xd, xo + from, yd, yo + from, to - from);
            }
        });
    }

    private static void fwdStep(float[] xd, int xo, float[] yd, int yo, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) step(FloatVector.fromArray(S, xd,
                xo + i)).intoArray(yd, yo + i);
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            step(FloatVector.fromArray(S, xd, xo + i, m)).intoArray(yd, yo + i, m);
        }
    }

    private static void fwdSign(float[] xd, int xo, float[] yd, int yo, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) sign(FloatVector.fromArray(S, xd,
                xo + i)).intoArray(yd, yo + i);
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            sign(FloatVector.fromArray(S, xd, xo + i, m)).intoArray(yd, yo + i, m);
        }
    }

    private static void fwdPiecewiseLinear(float[] xd, int xo, float[] yd, int yo, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) piecewiseLinear(FloatVector.fromArray(S, xd,
                xo + i)).intoArray(yd, yo + i);
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            piecewiseLinear(FloatVector.fromArray(S, xd, xo + i, m)).intoArray(yd, yo + i, m);
        }
    }

    private static void fwdSigmoid(float[] xd, int xo, float[] yd, int yo, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) sigmoid(FloatVector.fromArray(S, xd,
                xo + i)).intoArray(yd, yo + i);
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            sigmoid(FloatVector.fromArray(S, xd, xo + i, m)).intoArray(yd, yo + i, m);
        }
    }

    private static void fwdTanh(float[] xd, int xo, float[] yd, int yo, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) tanh(FloatVector.fromArray(S, xd,
                xo + i)).intoArray(yd, yo + i);
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            tanh(FloatVector.fromArray(S, xd, xo + i, m)).intoArray(yd, yo + i, m);
        }
    }

    private static void fwdRelu(float[] xd, int xo, float[] yd, int yo, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) relu(FloatVector.fromArray(S, xd,
                xo + i)).intoArray(yd, yo + i);
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            relu(FloatVector.fromArray(S, xd, xo + i, m)).intoArray(yd, yo + i, m);
        }
    }

    private static void fwdSoftplus(float[] xd, int xo, float[] yd, int yo, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) softplus(FloatVector.fromArray(S, xd,
                xo + i)).intoArray(yd, yo + i);
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            softplus(FloatVector.fromArray(S, xd, xo + i, m)).intoArray(yd, yo + i, m);
        }
    }

    @Override
    protected void doActivationBackward(Activation f, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        float[] xd = data(x), yd = data(y), dyd = data(dy), dxd = data(dx);
        int xo = x.offset(), yo = y.offset(), go = dy.offset(), dxo = dx.offset();
        Parallel.range(x.size(), f == Activation.SOFTPLUS ? GRAIN_HEAVY : GRAIN, L, (from, to) -> {
            switch (f) {
                case IDENTITY -> derIdentity(xd, xo, dyd, go, dxd, dxo, from, to);
                case STEP -> derStep(xd, xo, dyd, go, dxd, dxo, from, to);
                case SIGN -> derSign(xd, xo, dyd, go, dxd, dxo, from, to);
                case PIECEWISE_LINEAR -> derPiecewiseLinear(xd, xo, dyd, go, dxd, dxo, from, to);
                case SIGMOID -> derSigmoid(yd, yo, dyd, go, dxd, dxo, from, to);
                case TANH -> derTanh(yd, yo, dyd, go, dxd, dxo, from, to);
                case RELU -> derRelu(xd, xo, dyd, go, dxd, dxo, from, to);
                case SOFTPLUS -> derSoftplus(xd, xo, dyd, go, dxd, dxo, from, to);
            }
        });
    }

    /** dx = dy · f' = 1. */
    private static void derIdentity(float[] vd, int vo, float[] dyd, int go, float[] dxd, int dxo, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(S, dyd, go + i); FloatVector v = FloatVector.fromArray(S, vd, vo + i);
            g.mul(nanWhereNaN(ONE, v)).intoArray(dxd, dxo + i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector g = FloatVector.fromArray(S, dyd, go + i, m); FloatVector v = FloatVector.fromArray(S, vd, vo + i, m);
            g.mul(nanWhereNaN(ONE, v)).intoArray(dxd, dxo + i, m);
        }
    }

    /** dx = dy · f' = 0 (NaN where x is NaN). */
    private static void derStep(float[] vd, int vo, float[] dyd, int go, float[] dxd, int dxo, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(S, dyd, go + i); FloatVector v = FloatVector.fromArray(S, vd, vo + i);
            g.mul(nanWhereNaN(ZERO, v)).intoArray(dxd, dxo + i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector g = FloatVector.fromArray(S, dyd, go + i, m); FloatVector v = FloatVector.fromArray(S, vd, vo + i, m);
            g.mul(nanWhereNaN(ZERO, v)).intoArray(dxd, dxo + i, m);
        }
    }

    /** dx = dy · f' = 0 (NaN where x is NaN). */
    private static void derSign(float[] vd, int vo, float[] dyd, int go, float[] dxd, int dxo, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(S, dyd, go + i); FloatVector v = FloatVector.fromArray(S, vd, vo + i);
            g.mul(nanWhereNaN(ZERO, v)).intoArray(dxd, dxo + i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector g = FloatVector.fromArray(S, dyd, go + i, m); FloatVector v = FloatVector.fromArray(S, vd, vo + i, m);
            g.mul(nanWhereNaN(ZERO, v)).intoArray(dxd, dxo + i, m);
        }
    }

    /** dx = dy · f' = 1 inside (−½, ½). */
    private static void derPiecewiseLinear(float[] vd, int vo, float[] dyd, int go, float[] dxd, int dxo, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(S, dyd, go + i); FloatVector v = FloatVector.fromArray(S, vd, vo + i);
            g.mul(nanWhereNaN(ZERO.blend(1f, v.compare(GT, -0.5f).and(v.compare(LT, 0.5f))), v)).intoArray(dxd, dxo + i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector g = FloatVector.fromArray(S, dyd, go + i, m); FloatVector v = FloatVector.fromArray(S, vd, vo + i, m);
            g.mul(nanWhereNaN(ZERO.blend(1f, v.compare(GT, -0.5f).and(v.compare(LT, 0.5f))), v)).intoArray(dxd, dxo + i, m);
        }
    }

    /** dx = dy · f' = y(1 − y), from y. */
    private static void derSigmoid(float[] vd, int vo, float[] dyd, int go, float[] dxd, int dxo, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(S, dyd, go + i); FloatVector v = FloatVector.fromArray(S, vd, vo + i);
            g.mul(v.mul(ONE.sub(v))).intoArray(dxd, dxo + i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector g = FloatVector.fromArray(S, dyd, go + i, m); FloatVector v = FloatVector.fromArray(S, vd, vo + i, m);
            g.mul(v.mul(ONE.sub(v))).intoArray(dxd, dxo + i, m);
        }
    }

    /** dx = dy · f' = 1 − y², from y. */
    private static void derTanh(float[] vd, int vo, float[] dyd, int go, float[] dxd, int dxo, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(S, dyd, go + i); FloatVector v = FloatVector.fromArray(S, vd, vo + i);
            g.mul(ONE.sub(v.mul(v))).intoArray(dxd, dxo + i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector g = FloatVector.fromArray(S, dyd, go + i, m); FloatVector v = FloatVector.fromArray(S, vd, vo + i, m);
            g.mul(ONE.sub(v.mul(v))).intoArray(dxd, dxo + i, m);
        }
    }

    /** dx = dy · f' = 1 if net > 0. */
    private static void derRelu(float[] vd, int vo, float[] dyd, int go, float[] dxd, int dxo, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(S, dyd, go + i); FloatVector v = FloatVector.fromArray(S, vd, vo + i);
            g.mul(nanWhereNaN(ZERO.blend(1f, v.compare(GT, 0f)), v)).intoArray(dxd, dxo + i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector g = FloatVector.fromArray(S, dyd, go + i, m); FloatVector v = FloatVector.fromArray(S, vd, vo + i, m);
            g.mul(nanWhereNaN(ZERO.blend(1f, v.compare(GT, 0f)), v)).intoArray(dxd, dxo + i, m);
        }
    }

    /** dx = dy · f' = σ(net). */
    private static void derSoftplus(float[] vd, int vo, float[] dyd, int go, float[] dxd, int dxo, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(S, dyd, go + i); FloatVector v = FloatVector.fromArray(S, vd, vo + i);
            g.mul(sigmoid(v)).intoArray(dxd, dxo + i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector g = FloatVector.fromArray(S, dyd, go + i, m); FloatVector v = FloatVector.fromArray(S, vd, vo + i, m);
            g.mul(sigmoid(v)).intoArray(dxd, dxo + i, m);
        }
    }

    @Override
    protected void doPrelu(Tensor x, Tensor alpha, Tensor y, int inner) {
        float[] xd = data(x), ad = data(alpha), yd = data(y);
        int channels = alpha.size(), xo = x.offset(), ao = alpha.offset(), yo = y.offset(), plane = channels * inner;
        Parallel.range(x.size() / plane, Math.max(1, GRAIN / plane), (o0, o1) -> {
            for (int o = o0; o < o1; o++)
                if (inner == 1) {                                 // [outer, C]: a vector of slopes per row
                    int i = 0, base = o * plane;
                    for (int bound = S.loopBound(channels); i < bound; i += L) {
                        FloatVector v = FloatVector.fromArray(S, xd, xo + base + i);
                        v.mul(FloatVector.fromArray(S, ad, ao + i)).blend(v, v.compare(GT, 0f)).intoArray(yd, yo + base + i);
                    }
                    if (i < channels) {
                        VectorMask<Float> m = S.indexInRange(i, channels);
                        FloatVector v = FloatVector.fromArray(S, xd, xo + base + i, m);
                        v.mul(FloatVector.fromArray(S, ad, ao + i, m)).blend(v, v.compare(GT, 0f)).intoArray(yd,
                                yo + base + i, m);
                    }
                } else {
                    for (int ch = 0; ch < channels; ch++) {       // [outer, C, inner]: one slope per segment
                        float a = ad[ao + ch];
                        int base = o * plane + ch * inner, i = 0;
                        for (int bound = S.loopBound(inner); i < bound; i += L) {
                            FloatVector v = FloatVector.fromArray(S, xd, xo + base + i);
                            v.mul(a).blend(v, v.compare(GT, 0f)).intoArray(yd, yo + base + i);
                        }
                        if (i < inner) {
                            VectorMask<Float> m = S.indexInRange(i, inner);
                            FloatVector v = FloatVector.fromArray(S, xd, xo + base + i, m);
                            v.mul(a).blend(v, v.compare(GT, 0f)).intoArray(yd, yo + base + i, m);
                        }
                    }
                }
        });
    }

    @Override
    protected void doPreluBackward(Tensor x, Tensor alpha, Tensor dy, Tensor dx, Tensor dalpha, int inner) {
        float[] xd = data(x), ad = data(alpha), gd = data(dy), dxd = data(dx), dad = data(dalpha);
        int channels = alpha.size(), xo = x.offset(), ao = alpha.offset(), go = dy.offset(), dxo = dx.offset();
        int plane = channels * inner, outer = x.size() / plane;
        double[] da = new double[channels];
        float[] acc = inner == 1 ? new float[channels] : null;
        for (int o = 0; o < outer; o++) {
            if (inner == 1) {
                if (o % ROW_BLOCK == 0) Arrays.fill(acc, 0f);
                int base = o * plane;
                for (int i = 0; i < channels; i += L) {
                    VectorMask<Float> m = S.indexInRange(i, channels);
                    FloatVector v = FloatVector.fromArray(S, xd, xo + base + i, m), g = FloatVector.fromArray(S, gd,
                            go + base + i, m);
                    VectorMask<Float> pos = v.compare(GT, 0f);
                    nanWhereNaN(g.mul(FloatVector.fromArray(S, ad, ao + i, m)).blend(g, pos), v)
                            .intoArray(dxd, dxo + base + i, m);                                               // ∂y/∂x (NaN where x is)
                    FloatVector.fromArray(S, acc, i, m).add(g.mul(v), pos.not()).intoArray(acc, i, m);       // ∂y/∂α = x where x ≤ 0 (or NaN)
                }
                if (o % ROW_BLOCK == ROW_BLOCK - 1 || o == outer - 1) for (int ch = 0; ch < channels; ch++) da[ch] += acc[ch];
            } else {
                for (int ch = 0; ch < channels; ch++) {
                    float a = ad[ao + ch];
                    int base = o * plane + ch * inner;
                    FloatVector part = ZERO;
                    for (int i = 0; i < inner; i += L) {
                        VectorMask<Float> m = S.indexInRange(i, inner);
                        FloatVector v = FloatVector.fromArray(S, xd, xo + base + i, m), g = FloatVector.fromArray(S, gd,
                                go + base + i, m);
                        VectorMask<Float> pos = v.compare(GT, 0f);
                        nanWhereNaN(g.mul(a).blend(g, pos), v).intoArray(dxd, dxo + base + i, m);
                        part = part.add(g.mul(v), pos.not().and(m));
                    }
                    da[ch] += VMath.sumLanes(part);
                }
            }
        }
        for (int ch = 0; ch < channels; ch++) dad[dalpha.offset() + ch] += (float) da[ch];
    }

    @Override
    protected void doSoftmax(Tensor x, Tensor y) {
        float[] xd = data(x), yd = data(y);
        int n = cols(x), xo = x.offset(), yo = y.offset();
        Parallel.range(rows(x), Math.max(1, GRAIN_HEAVY / Math.max(1, n)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                float sum = expShifted(xd, xo + r * n, yd, yo + r * n, n, max(xd, xo + r * n, n));
                scaleRow(yd, yo + r * n, n, 1f / sum);           // y_j = e^{x_j − max} / Σ_k e^{x_k − max}
            }
        });
    }

    /** max of x[xo .. xo+n) (NaN if any is NaN, as Math.max). */
    private static float max(float[] x, int xo, int n) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) acc = acc.lanewise(MAX, FloatVector.fromArray(S, x, xo + i));
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            acc = acc.lanewise(MAX, FloatVector.fromArray(S, x, xo + i, m).blend(Float.NEGATIVE_INFINITY, m.not()));
        }
        return acc.reduceLanes(MAX);
    }

    /** y_j ← e^{x_j − shift}; returns Σ y_j (x and y may be the same range). */
    private static float expShifted(float[] x, int xo, float[] y, int yo, int n, float shift) {
        FloatVector acc = ZERO;
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) {
            FloatVector e = VMath.exp(FloatVector.fromArray(S, x, xo + i).sub(shift));
            e.intoArray(y, yo + i);
            acc = acc.add(e);
        }
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector e = VMath.exp(FloatVector.fromArray(S, x, xo + i, m).sub(shift));
            e.intoArray(y, yo + i, m);
            acc = acc.add(e, m);
        }
        return VMath.sumLanes(acc);
    }

    private static void scaleRow(float[] y, int yo, int n, float s) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) FloatVector.fromArray(S, y, yo + i).mul(s).intoArray(y, yo + i);
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, y, yo + i, m).mul(s).intoArray(y, yo + i, m);
        }
    }

    @Override
    protected void doSoftmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        float[] yd = data(y), gd = data(dy), dxd = data(dx);
        int n = cols(y), yo = y.offset(), go = dy.offset(), xo = dx.offset();
        Parallel.range(rows(y), Math.max(1, GRAIN / Math.max(1, n)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int yr = yo + r * n, gr = go + r * n, xr = xo + r * n;
                FloatVector acc = ZERO;
                for (int i = 0; i < n; i += L) {
                    VectorMask<Float> m = S.indexInRange(i, n);
                    acc = FloatVector.fromArray(S, gd, gr + i, m).fma(FloatVector.fromArray(S, yd, yr + i, m), acc);
                }
                float dot = VMath.sumLanes(acc);   // Σ_k dy_k y_k
                int i = 0;
                for (int bound = S.loopBound(n); i < bound; i += L) {   // dx_j = y_j (dy_j − Σ_k dy_k y_k)
                    FloatVector.fromArray(S, yd, yr + i).mul(FloatVector.fromArray(S, gd,
                            gr + i).sub(dot)).intoArray(dxd, xr + i);
                }
                if (i < n) {
                    VectorMask<Float> m = S.indexInRange(i, n);
                    FloatVector.fromArray(S, yd, yr + i, m).mul(FloatVector.fromArray(S, gd, gr + i,
                            m).sub(dot)).intoArray(dxd, xr + i, m);
                }
            }
        });
    }

    // ---------------------------------------------------------------- losses

    @Override
    protected float doSoftmaxCrossEntropy(Tensor logits, Tensor labels, Tensor dlogits) {
        float[] zd = data(logits), ld = data(labels);
        float[] gd = dlogits == null ? null : data(dlogits);
        int n = cols(logits), rows = rows(logits), lo = labels.offset(), zo = logits.offset(),
                go = dlogits == null ? 0 : dlogits.offset();
        int counted = 0;
        int[] lab = new int[rows];
        for (int r = 0; r < rows; r++) if ((lab[r] = Checks.classIndex("softmaxCrossEntropy", ld[lo + r], r, n)) >= 0) counted++;
        float inv = counted == 0 ? 0f : 1f / counted;
        double[] loss = new double[rows];
        int cnt = counted;
        Parallel.range(rows, Math.max(1, GRAIN_HEAVY / Math.max(1, n)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int label = lab[r], zr = zo + r * n, gr = go + r * n;
                if (label < 0) {
                    if (gd != null) Arrays.fill(gd, gr, gr + n, 0f);
                    continue;
                }
                float max = max(zd, zr, n), zl = zd[zr + label];
                float sum;
                if (gd != null) {                                 // ∂L/∂z_j = (p_j − [j = label]) / rows, p_j = e^{z_j − max}/Σ
                    sum = expShifted(zd, zr, gd, gr, n, max);
                    scaleRow(gd, gr, n, inv / sum);
                    gd[gr + label] -= inv;
                } else {
                    sum = sumExpShifted(zd, zr, n, max);
                }
                loss[r] = max + Math.log(sum) - zl;               // −ln softmax(z)_label = log Σ e^z − z_label
            }
        });
        double total = 0;
        for (double l : loss) total += l;
        return cnt == 0 ? 0f : (float) (total / cnt);
    }

    private static float sumExpShifted(float[] x, int xo, int n, float shift) {
        FloatVector acc = ZERO;
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            acc = acc.add(VMath.exp(FloatVector.fromArray(S, x, xo + i, m).sub(shift)), m);
        }
        return VMath.sumLanes(acc);
    }

    @Override
    protected float doElementwiseLoss(ElementwiseLoss kind, Tensor y, Tensor target, Tensor dy) {
        float[] yd = data(y), td = data(target);
        float[] gd = dy == null ? null : data(dy);
        int n = y.size(), yo = y.offset(), to = target.offset(), go = dy == null ? 0 : dy.offset();
        float fn = n;
        double loss = 0;
        for (int c = 0; c < n; c += CHUNK) {                      // float lanes per chunk, chunks summed in double
            int end = Math.min(n, c + CHUNK);
            FloatVector acc = ZERO;
            for (int i = c; i < end; i += L) {
                VectorMask<Float> m = S.indexInRange(i, end);
                FloatVector yi = FloatVector.fromArray(S, yd, yo + i, m), di = FloatVector.fromArray(S, td, to + i, m);
                FloatVector diff = yi.sub(di), term, g;
                switch (kind) {
                    case SQUARED_ERROR -> { term = diff.mul(diff).mul(0.5f); g = diff; }                 // ½(d − y)², y − d
                    case MSE -> { term = diff.mul(diff); g = diff.mul(2f).div(fn); }                     // (d − y)², 2(y − d)/n
                    case L1 -> {                                                                         // |d − y|, sign(y − d)/n
                        term = diff.abs();
                        g = ZERO.blend(1f, diff.compare(GT, 0f)).blend(-1f, diff.compare(LT, 0f)).blend(diff,
                                diff.test(IS_NAN)).div(fn);
                    }
                    case BINARY_CROSS_ENTROPY -> {                                                       // −[d ln y + (1 − d) ln(1 − y)]
                        FloatVector oneMinusY = ONE.sub(yi);
                        FloatVector logY = VMath.log(yi).lanewise(MAX, -100f),
                                log1mY = VMath.log(oneMinusY).lanewise(MAX, -100f);
                        term = di.mul(logY).add(ONE.sub(di).mul(log1mY)).neg();
                        g = diff.div(yi.mul(oneMinusY).lanewise(MAX, 1e-12f).mul(fn));
                    }
                    default -> throw new AssertionError(kind);
                }
                acc = acc.add(term, m);
                if (gd != null) g.intoArray(gd, go + i, m);
            }
            loss += VMath.sumLanes(acc);
        }
        return (float) (kind == ElementwiseLoss.SQUARED_ERROR ? loss : loss / n);
    }

    @Override
    protected float doHinge(Tensor scores, Tensor labels, float margin, Tensor dscores) {
        float[] sd = data(scores), ld = data(labels);
        float[] gd = dscores == null ? null : data(dscores);
        int n = cols(scores), rows = rows(scores), counted = 0, so0 = scores.offset(),
                go0 = dscores == null ? 0 : dscores.offset();
        int[] lab = new int[rows];
        for (int r = 0; r < rows; r++) if ((lab[r] = Checks.classIndex("hinge", ld[labels.offset() + r], r, n)) >= 0) counted++;
        float inv = counted == 0 ? 0f : 1f / counted;
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            int so = so0 + r * n, go = go0 + r * n, label = lab[r];
            if (label < 0) {
                if (gd != null) Arrays.fill(gd, go, go + n, 0f);
                continue;
            }
            float s = sd[so + label];
            FloatVector acc = ZERO;
            int violated = 0;
            boolean nanRow = false;
            for (int j = 0; j < n; j += L) {
                VectorMask<Float> m = S.indexInRange(j, n);
                FloatVector marg = FloatVector.fromArray(S, sd, so + j, m).add(margin).sub(s);   // Δ + s_c − s
                if (label >= j && label < j + L) m = m.andNot(VectorMask.fromLong(S, 1L << (label - j)));  // j ≠ label
                VectorMask<Float> hit = marg.compare(GT, 0f).and(m), nan = marg.test(IS_NAN).and(m);
                acc = acc.add(marg, hit.or(nan));                 // a NaN margin makes the loss NaN
                violated += hit.trueCount();
                nanRow |= nan.anyTrue();
                if (gd != null) {
                    ZERO.blend(inv, hit).blend(Float.NaN, nan).intoArray(gd, go + j, S.indexInRange(j, n)); // ∂J/∂s_c = 1 where violated
                }
            }
            loss += VMath.sumLanes(acc);
            if (gd != null) {
                float gl = 0f;
                for (int t = 0; t < violated; t++) gl -= inv;     // ∂J/∂s = −1 per violation (the reference's order of rounding)
                gd[go + label] = nanRow ? Float.NaN : gl;
            }
        }
        return counted == 0 ? 0f : (float) (loss / counted);
    }

    @Override
    protected int doCountCorrect(Tensor scores, Tensor labels) {
        float[] sd = data(scores), ld = data(labels);
        int n = cols(scores), correct = 0;
        for (int r = 0; r < rows(scores); r++) {
            int label = Checks.classIndex("countCorrect", ld[labels.offset() + r], r, n);
            if (label < 0) continue;
            int so = scores.offset() + r * n;
            float max = max(sd, so, n);
            int best = 0;
            if (Float.isNaN(max)) {                               // NaN counts as the largest: the first NaN wins
                while (!Float.isNaN(sd[so + best])) best++;
            } else {
                while (sd[so + best] != max) best++;              // arg-max, first on ties
            }
            if (best == label) correct++;
        }
        return correct;
    }

    // ---------------------------------------------------------------- convolution and pooling

    /** First output position o with 0 ≤ o·stride − pad + k (the window's tap k inside the input). */
    private static int firstInside(int stride, int pad, int k) {
        return Math.max(0, Math.ceilDiv(pad - k, stride));
    }

    /** One past the last output position o (below {@code out}) with o·stride − pad + k < size. */
    private static int endInside(int size, int stride, int pad, int k, int out) {
        return Math.min(out, Math.floorDiv(size - 1 + pad - k, stride) + 1);
    }

    @Override
    protected void doIm2col(Tensor x, ConvGeometry g, Tensor cols) {
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

    @Override
    protected void doCol2im(Tensor cols, ConvGeometry g, Tensor dx) {
        float[] xd = data(dx), cd = data(cols);
        int oh = g.outH(), ow = g.outW(), ncols = g.colCols(), kh = g.kernelH(), kw = g.kernelW(), h = g.height(), w = g.width();
        int sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW(), xo = dx.offset(), co = cols.offset(),
                ch = g.channels();
        // one (n, c) plane per task; each pixel receives its taps in the reference's order (ky, kx), so sums are identical.
        // A run of at most L floats (LeNet's 10) is one masked vector add; longer runs a plain loop, which C2 vectorises.
        Parallel.range(g.batch() * ch, Math.max(1, GRAIN / (h * w * kh * kw)), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int n = p / ch, c = p % ch, plane = xo + p * h * w;
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

    /** Lane i ← lane 2i (EVEN) or 2i + 1 (ODD) of the 2L lanes of two vectors: de-interleaves the columns of a 2×2 window. */
    private static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(S, i -> 2 * i), ODD = VectorShuffle.fromOp(S,
            i -> 2 * i + 1);
    /** Lane i ← lane i/2 (DUP_LO) or L/2 + i/2 (DUP_HI): each value twice, the inverse layout. */
    private static final VectorShuffle<Float> DUP_LO = VectorShuffle.fromOp(S, i -> i / 2),
            DUP_HI = VectorShuffle.fromOp(S, i -> L / 2 + i / 2);
    private static final FloatVector LANE_X2 = ZERO.addIndex(2);

    /** The 2×2, stride 2, unpadded window of LeNet-style pooling, which gets a vector path (16 outputs per step). */
    private static boolean twoByTwo(ConvGeometry g) {
        return g.kernelH() == 2 && g.kernelW() == 2 && g.strideH() == 2 && g.strideW() == 2 && g.padH() == 0 && g.padW() == 0;
    }

    /**
     * One output row of 2×2, stride-2 max pooling: input rows at {@code r0} and {@code r0 + w} (plane index {@code at0}
     * of the first pixel), {@code ow} outputs; 2L input columns of two rows give L windows per step.
     */
    private static void maxPool2x2Row(float[] xd, int r0, int w, int at0, int ow, float[] yd, int yOut, float[] ad, int aOut) {
        for (int ox = 0; ox < ow; ox += L) {
            int x0 = 2 * ox, a = r0 + x0, b = a + w;
            VectorMask<Float> m0 = S.indexInRange(x0, w), m1 = S.indexInRange(x0 + L, w), mo = S.indexInRange(ox, ow);
            FloatVector a0 = FloatVector.fromArray(S, xd, a, m0), a1 = FloatVector.fromArray(S, xd, a + L, m1);
            FloatVector b0 = FloatVector.fromArray(S, xd, b, m0), b1 = FloatVector.fromArray(S, xd, b + L, m1);
            FloatVector at = LANE_X2.add(at0 + x0);                   // index iy·W + ix of each window's top-left pixel
            FloatVector best = a0.rearrange(EVEN, a1), where = at;
            // the taps in row-major order, a later one winning only if strictly greater (the first maximum)
            FloatVector v = a0.rearrange(ODD, a1);
            VectorMask<Float> gt = beats(v, best);
            best = best.blend(v, gt);
            where = where.blend(at.add(1), gt);
            v = b0.rearrange(EVEN, b1);
            gt = beats(v, best);
            best = best.blend(v, gt);
            where = where.blend(at.add(w), gt);
            v = b0.rearrange(ODD, b1);
            gt = beats(v, best);
            best = best.blend(v, gt);
            where = where.blend(at.add(w + 1), gt);
            best.intoArray(yd, yOut + ox, mo);
            where.intoArray(ad, aOut + ox, mo);
        }
    }

    /** The lanes where v replaces best in a scan for the first maximum: greater, or the first NaN (ReferenceBackend.beats). */
    private static VectorMask<Float> beats(FloatVector v, FloatVector best) {
        return v.compare(GT, best).or(v.test(IS_NAN).andNot(best.test(IS_NAN)));
    }

    /** One output row of 2×2, stride-2 average pooling: (x00 + x01 + x10 + x11)/4 in float. */
    private static void avgPool2x2Row(float[] xd, int r0, int w, int ow, float[] yd, int yOut) {
        for (int ox = 0; ox < ow; ox += L) {
            int x0 = 2 * ox, a = r0 + x0, b = a + w;
            VectorMask<Float> m0 = S.indexInRange(x0, w), m1 = S.indexInRange(x0 + L, w);
            FloatVector a0 = FloatVector.fromArray(S, xd, a, m0), a1 = FloatVector.fromArray(S, xd, a + L, m1);
            FloatVector b0 = FloatVector.fromArray(S, xd, b, m0), b1 = FloatVector.fromArray(S, xd, b + L, m1);
            a0.rearrange(EVEN, a1).add(a0.rearrange(ODD, a1)).add(b0.rearrange(EVEN, b1)).add(b0.rearrange(ODD, b1))
                    .div(4f).intoArray(yd, yOut + ox, S.indexInRange(ox, ow));
        }
    }

    /** One output row of the 2×2, stride-2 average pooling backward: each share dy/4 to its four pixels (lanes doubled). */
    private static void avgPool2x2BackwardRow(float[] gd, int gRow, int ow, float[] xd, int r0, int w) {
        for (int ox = 0; ox < ow; ox += L) {
            FloatVector share = FloatVector.fromArray(S, gd, gRow + ox, S.indexInRange(ox, ow)).div(4f);
            FloatVector lo = share.rearrange(DUP_LO), hi = share.rearrange(DUP_HI);
            VectorMask<Float> m0 = S.indexInRange(2 * ox, 2 * ow), m1 = S.indexInRange(2 * ox + L, 2 * ow);
            lo.intoArray(xd, r0 + 2 * ox, m0);
            hi.intoArray(xd, r0 + 2 * ox + L, m1);
            lo.intoArray(xd, r0 + w + 2 * ox, m0);
            hi.intoArray(xd, r0 + w + 2 * ox + L, m1);
        }
    }

    @Override
    protected void doMaxPool(Tensor x, ConvGeometry g, Tensor y, Tensor argmax) {
        int planes = g.batch() * g.channels(), oh = g.outH(), ow = g.outW(), h = g.height(), w = g.width(), hw = h * w;
        float[] xd = data(x), yd = data(y), ad = data(argmax);
        int xo = x.offset(), yo = y.offset(), ao = argmax.offset();
        boolean fast = twoByTwo(g);
        Parallel.range(planes, Math.max(1, GRAIN / (oh * ow * g.kernelH() * g.kernelW())), (p0, p1) -> {
            for (int p = p0; p < p1; p++)
                for (int oy = 0; oy < oh; oy++) {
                    int out = (p * oh + oy) * ow;
                    if (!fast) {
                        for (int ox = 0; ox < ow; ox++) maxWindow(xd, xo + p * hw, h, w, g, oy, ox, yd, ad,
                                yo + out + ox, ao + out + ox);
                        continue;
                    }
                    maxPool2x2Row(xd, xo + p * hw + 2 * oy * w, w, 2 * oy * w, ow, yd, yo + out, ad, ao + out);
                }
        });
    }

    /** One max-pooling window the reference's way (any geometry; padding is −∞). */
    private static void maxWindow(float[] xd, int plane, int h, int w, ConvGeometry g, int oy, int ox, float[] yd,
            float[] ad, int yi, int ai) {
        int iy0 = Math.max(0, oy * g.strideH() - g.padH()), iy1 = Math.min(h, oy * g.strideH() - g.padH() + g.kernelH());
        int ix0 = Math.max(0, ox * g.strideW() - g.padW()), ix1 = Math.min(w, ox * g.strideW() - g.padW() + g.kernelW());
        float best = Float.NEGATIVE_INFINITY;
        int where = -1;
        for (int iy = iy0; iy < iy1; iy++)
            for (int ix = ix0; ix < ix1; ix++) {
                float v = xd[plane + iy * w + ix];
                if (where < 0 || ReferenceBackend.beats(v, best)) { best = v; where = iy * w + ix; }
            }
        yd[yi] = best;
        ad[ai] = where;
    }

    @Override
    protected void doMaxPoolBackward(Tensor dy, Tensor argmax, ConvGeometry g, Tensor dx) {
        int planes = g.batch() * g.channels(), ohw = g.outH() * g.outW(), hw = g.height() * g.width();
        float[] gd = data(dy), ad = data(argmax), xd = data(dx);
        int go = dy.offset(), ao = argmax.offset(), xo = dx.offset();
        Parallel.range(planes, Math.max(1, GRAIN / (hw + ohw)), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                Arrays.fill(xd, xo + p * hw, xo + (p + 1) * hw, 0f);
                for (int o = 0; o < ohw; o++) {
                    int where = Checks.argmaxPixel(ad[ao + p * ohw + o], p, o, g);   // a pixel of o's window, or an error
                    xd[xo + p * hw + where] += gd[go + p * ohw + o];
                }
            }
        });
    }

    @Override
    protected void doAvgPool(Tensor x, ConvGeometry g, Tensor y) {
        int planes = g.batch() * g.channels(), oh = g.outH(), ow = g.outW(), h = g.height(), w = g.width(), hw = h * w;
        float[] xd = data(x), yd = data(y);
        int kh = g.kernelH(), kw = g.kernelW(), sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW();
        int xo = x.offset(), yo = y.offset();
        float area = kh * kw;
        boolean fast = twoByTwo(g);
        Parallel.range(planes, Math.max(1, GRAIN / (oh * ow * kh * kw)), (p0, p1) -> {
            for (int p = p0; p < p1; p++)
                for (int oy = 0; oy < oh; oy++) {
                    int out = yo + (p * oh + oy) * ow;
                    if (fast) {
                        avgPool2x2Row(xd, xo + p * hw + 2 * oy * w, w, ow, yd, out);
                        continue;
                    }
                    int iy0 = Math.max(0, oy * sh - ph), iy1 = Math.min(h, oy * sh - ph + kh);
                    for (int ox = 0; ox < ow; ox++) {
                        int ix0 = Math.max(0, ox * sw - pw), ix1 = Math.min(w, ox * sw - pw + kw);
                        double sum = 0;                                   // padding counts as zeros
                        for (int iy = iy0; iy < iy1; iy++)
                            for (int ix = ix0; ix < ix1; ix++) sum += xd[xo + p * hw + iy * w + ix];
                        yd[out + ox] = (float) (sum / area);
                    }
                }
        });
    }

    @Override
    protected void doAvgPoolBackward(Tensor dy, ConvGeometry g, Tensor dx) {
        int planes = g.batch() * g.channels(), oh = g.outH(), ow = g.outW(), h = g.height(), w = g.width(), hw = h * w;
        float[] gd = data(dy), xd = data(dx);
        int kh = g.kernelH(), kw = g.kernelW(), sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW();
        int go = dy.offset(), xo = dx.offset();
        float area = kh * kw;
        boolean fast = twoByTwo(g);
        Parallel.range(planes, Math.max(1, GRAIN / (hw + oh * ow * kh * kw)), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                Arrays.fill(xd, xo + p * hw, xo + (p + 1) * hw, 0f);
                for (int oy = 0; oy < oh; oy++) {
                    if (fast) {
                        avgPool2x2BackwardRow(gd, go + (p * oh + oy) * ow, ow, xd, xo + p * hw + 2 * oy * w, w);
                        continue;
                    }
                    int iy0 = Math.max(0, oy * sh - ph), iy1 = Math.min(h, oy * sh - ph + kh);
                    for (int ox = 0; ox < ow; ox++) {
                        int ix0 = Math.max(0, ox * sw - pw), ix1 = Math.min(w, ox * sw - pw + kw);
                        float share = gd[go + (p * oh + oy) * ow + ox] / area;
                        for (int iy = iy0; iy < iy1; iy++)
                            for (int ix = ix0; ix < ix1; ix++) xd[xo + p * hw + iy * w + ix] += share;
                    }
                }
            }
        });
    }

    // ---------------------------------------------------------------- dropout and embeddings

    @Override
    protected void doDropoutMask(Tensor mask, float p, long seed) {
        float[] md = data(mask);
        int mo = mask.offset(), lo = (int) seed, hi = (int) (seed >>> 32);
        float keep = 1f / (1f - p);
        IntVector iota = IntVector.zero(SI).addIndex(1);
        // the reference's counter-based hash (ReferenceBackend.uniform), 16 counters at a time in int lanes
        Parallel.range(mask.size(), GRAIN, L, (from, to) -> {
            int i = from;
            for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
                FloatVector u = uniform(iota.add(i), lo, hi);
                ZERO.blend(keep, u.compare(GE, p)).intoArray(md, mo + i);
            }
            for (; i < to; i++) md[mo + i] = ReferenceBackend.uniform(seed, i) >= p ? keep : 0f;
        });
    }

    /** u = (h >>> 8)·2⁻²⁴ with h = fmix(fmix(lo ^ i·0x9E3779B9 ^ hi)), lane by lane. */
    private static FloatVector uniform(IntVector i, int lo, int hi) {
        IntVector h = i.mul(0x9E3779B9).lanewise(VectorOperators.XOR, lo);
        h = fmix(h.lanewise(VectorOperators.XOR, hi));
        h = fmix(h);
        return ((FloatVector) h.lanewise(LSHR, 8).convert(VectorOperators.I2F, 0)).mul(0x1.0p-24f);
    }

    private static IntVector fmix(IntVector h) {
        h = h.lanewise(VectorOperators.XOR, h.lanewise(LSHR, 16)).mul(0x85EBCA6B);
        h = h.lanewise(VectorOperators.XOR, h.lanewise(LSHR, 13)).mul(0xC2B2AE35);
        return h.lanewise(VectorOperators.XOR, h.lanewise(LSHR, 16));
    }

    @Override
    protected void doScatterAddRows(Tensor dout, Tensor idx, Tensor dtable) {
        int v = rows(dtable), d = cols(dtable);
        float[] gd = data(dout), id = data(idx), td = data(dtable);
        for (int r = 0; r < idx.size(); r++) {
            int row = Checks.rowIndexOrSkip("scatterAddRows", id[idx.offset() + r], r, v);
            if (row < 0) continue;                                                   // a negative whole number: padding
            addInto(gd, dout.offset() + r * d, td, dtable.offset() + row * d, d);   // dtable[idx[r], :] += dout[r, :]
        }
    }

    // ---------------------------------------------------------------- recurrent cells (one fused pass each)

    /** Splits the H columns of a [B, ·H] cell op over the pool (whole vectors per chunk; every row per chunk). */
    private static void overColumns(int batch, int hid, Parallel.Range body) {
        Parallel.range(hid, Math.max(L, GRAIN_HEAVY / Math.max(1, batch)), L, body);
    }

    @Override
    protected void doLstmCell(Tensor gates, Tensor cPrev, Tensor peep, Tensor c, Tensor tanhC, Tensor h) {
        int hid = cols(cPrev), batch = rows(cPrev);
        float[] a = data(gates), cp = data(cPrev), cd = data(c), td = data(tanhC), hd = data(h);
        float[] pd = peep == null ? null : data(peep);
        int ao = gates.offset(), cpo = cPrev.offset(), co = c.offset(), to = tanhC.offset(), ho = h.offset(),
                po = peep == null ? 0 : peep.offset();
        overColumns(batch, hid, (j0, j1) -> lstmCellColumns(a, ao, cp, cpo, pd, po, cd, co, td, to, hd, ho, batch, hid, j0, j1));
    }

    private static void lstmCellColumns(float[] a, int ao, float[] cp, int cpo, float[] pd, int po, float[] cd, int co,
            float[] td, int to, float[] hd, int ho, int batch, int hid, int j0, int j1) {
        // one pass per nonlinearity over the row's columns (all in L1): a loop holding all five σ/tanh outgrows what
        // the JIT inlines, and the Vector API's slow fallback runs instead
        int n = j1 - j0;
        for (int b = 0; b < batch; b++) {
            int gi = ao + b * 4 * hid + j0, k = b * hid + j0;   // a_i at gi, a_f at gi+H, a_g at gi+2H, a_o at gi+3H
            sigmoidPeephole(a, gi, pd, po + j0, cp, cpo + k, n);                    // i_t = σ(a_i + p_i⊙c_{t−1})
            sigmoidPeephole(a, gi + hid, pd, po + hid + j0, cp, cpo + k, n);        // f_t = σ(a_f + p_f⊙c_{t−1})
            fwdTanh(a, gi + 2 * hid, a, gi + 2 * hid, 0, n);                        // g_t = tanh(a_g)
            for (int j = 0; j < n; j += L) {                                        // c_t = f⊙c_{t−1} + i⊙g
                VectorMask<Float> m = S.indexInRange(j, n);
                FloatVector i = FloatVector.fromArray(S, a, gi + j, m), f = FloatVector.fromArray(S, a, gi + hid + j, m),
                        g = FloatVector.fromArray(S, a, gi + 2 * hid + j, m);
                f.mul(FloatVector.fromArray(S, cp, cpo + k + j, m)).add(i.mul(g)).intoArray(cd, co + k + j, m);
            }
            sigmoidPeephole(a, gi + 3 * hid, pd, po + 2 * hid + j0, cd, co + k, n); // o_t = σ(a_o + p_o⊙c_t)
            fwdTanh(cd, co + k, td, to + k, 0, n);
            for (int j = 0; j < n; j += L) {                                        // h_t = o⊙tanh(c_t)
                VectorMask<Float> m = S.indexInRange(j, n);
                FloatVector.fromArray(S, a, gi + 3 * hid + j, m).mul(FloatVector.fromArray(S, td, to + k + j, m)).intoArray(hd, ho + k + j, m);
            }
        }
    }

    /** x ← σ(x + p⊙c) over n values (p null: x ← σ(x)). */
    private static void sigmoidPeephole(float[] x, int xo, float[] p, int po, float[] c, int co, int n) {
        for (int j = 0; j < n; j += L) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector v = FloatVector.fromArray(S, x, xo + j, m);
            if (p != null) v = v.add(FloatVector.fromArray(S, p, po + j, m).mul(FloatVector.fromArray(S, c, co + j, m)));
            sigmoid(v).intoArray(x, xo + j, m);
        }
    }

    @Override
    protected void doLstmCellBackward(Tensor acts, Tensor cPrev, Tensor c, Tensor tanhC, Tensor peep,
                                 Tensor dh, Tensor dc, Tensor dgates, Tensor dpeep) {
        int hid = cols(cPrev), batch = rows(cPrev);
        float[] ad = data(acts), cp = data(cPrev), cd = data(c), td = data(tanhC), dhd = data(dh), dcd = data(dc),
                dg = data(dgates);
        float[] pd = peep == null ? null : data(peep);
        float[] dpd = peep == null ? null : data(dpeep);
        int aO = acts.offset(), cpo = cPrev.offset(), co = c.offset(), to = tanhC.offset(), dho = dh.offset(), dco = dc.offset();
        int dgo = dgates.offset(), po = peep == null ? 0 : peep.offset(), dpo = peep == null ? 0 : dpeep.offset();
        // columns split over the pool, rows in order: dpeep accumulates over the batch exactly as the reference does
        overColumns(batch, hid, (j0, j1) -> lstmCellBackwardColumns(ad, aO, cp, cpo, cd, co, td, to, pd, po, dhd, dho,
                dcd, dco, dg, dgo, dpd, dpo, batch, hid, j0, j1));
    }

    private static void lstmCellBackwardColumns(float[] ad, int aO, float[] cp, int cpo, float[] cd, int co, float[] td,
            int to, float[] pd, int po, float[] dhd, int dho, float[] dcd, int dco, float[] dg, int dgo, float[] dpd,
                    int dpo, int batch, int hid, int j0, int j1) {
        for (int b = 0; b < batch; b++) {
            int gi = aO + b * 4 * hid, di = dgo + b * 4 * hid, k = b * hid, j = j0;
            for (int bound = j0 + S.loopBound(j1 - j0); j < bound; j += L) {
                FloatVector i = FloatVector.fromArray(S, ad, gi + j), f = FloatVector.fromArray(S, ad, gi + hid + j);
                FloatVector g = FloatVector.fromArray(S, ad, gi + 2 * hid + j), o = FloatVector.fromArray(S, ad,
                        gi + 3 * hid + j);
                FloatVector cPrevJ = FloatVector.fromArray(S, cp, cpo + k + j), tc = FloatVector.fromArray(S, td, to + k + j);
                FloatVector dhJ = FloatVector.fromArray(S, dhd, dho + k + j);
                FloatVector dao = dhJ.mul(tc).mul(o).mul(ONE.sub(o));                 // ∂L/∂a_o = ∂L/∂h ⊙ tanh(c) ⊙ σ'
                FloatVector dct = FloatVector.fromArray(S, dcd, dco + k + j)          // ∂L/∂c_t = from t+1 + ∂L/∂h ⊙ o ⊙ tanh'(c)
                        .add(dhJ.mul(o).mul(ONE.sub(tc.mul(tc))));
                if (pd != null) dct = dct.add(dao.mul(FloatVector.fromArray(S, pd, po + 2 * hid + j)));   // + through p_o
                FloatVector dai = dct.mul(g).mul(i).mul(ONE.sub(i));                  // ∂L/∂a_i = ∂L/∂c ⊙ g ⊙ σ'
                FloatVector daf = dct.mul(cPrevJ).mul(f).mul(ONE.sub(f));             // ∂L/∂a_f = ∂L/∂c ⊙ c_{t−1} ⊙ σ'
                FloatVector dag = dct.mul(i).mul(ONE.sub(g.mul(g)));                  // ∂L/∂a_g = ∂L/∂c ⊙ i ⊙ tanh'
                dai.intoArray(dg, di + j);
                daf.intoArray(dg, di + hid + j);
                dag.intoArray(dg, di + 2 * hid + j);
                dao.intoArray(dg, di + 3 * hid + j);
                FloatVector dcPrev = dct.mul(f);                                      // ∂L/∂c_{t−1} = ∂L/∂c_t ⊙ f (+ peepholes)
                if (pd != null) {
                    dcPrev = dcPrev.add(dai.mul(FloatVector.fromArray(S, pd,
                            po + j))).add(daf.mul(FloatVector.fromArray(S, pd, po + hid + j)));
                    FloatVector.fromArray(S, dpd, dpo + j).add(dai.mul(cPrevJ)).intoArray(dpd, dpo + j);
                    FloatVector.fromArray(S, dpd, dpo + hid + j).add(daf.mul(cPrevJ)).intoArray(dpd, dpo + hid + j);
                    FloatVector.fromArray(S, dpd, dpo + 2 * hid + j).add(dao.mul(FloatVector.fromArray(S, cd, co + k + j)))
                            .intoArray(dpd, dpo + 2 * hid + j);
                }
                dcPrev.intoArray(dcd, dco + k + j);
            }
            for (; j < j1; j++) {
                float i = ad[gi + j], f = ad[gi + hid + j], g = ad[gi + 2 * hid + j], o = ad[gi + 3 * hid + j];
                float cPrevJ = cp[cpo + k + j], ct = cd[co + k + j], tc = td[to + k + j], dhJ = dhd[dho + k + j];
                float dao = dhJ * tc * o * (1 - o);
                float dct = dcd[dco + k + j] + dhJ * o * (1 - tc * tc);
                if (pd != null) dct += dao * pd[po + 2 * hid + j];
                float dai = dct * g * i * (1 - i);
                float daf = dct * cPrevJ * f * (1 - f);
                float dag = dct * i * (1 - g * g);
                dg[di + j] = dai; dg[di + hid + j] = daf; dg[di + 2 * hid + j] = dag; dg[di + 3 * hid + j] = dao;
                float dcPrev = dct * f;
                if (pd != null) {
                    dcPrev = dcPrev + dai * pd[po + j] + daf * pd[po + hid + j];
                    dpd[dpo + j] += dai * cPrevJ;
                    dpd[dpo + hid + j] += daf * cPrevJ;
                    dpd[dpo + 2 * hid + j] += dao * ct;
                }
                dcd[dco + k + j] = dcPrev;
            }
        }
    }

    @Override
    protected void doGruCell(Tensor gx, Tensor gh, Tensor hPrev, Tensor h, Tensor acts) {
        int hid = cols(hPrev), batch = rows(hPrev);
        float[] xd = data(gx), hd = data(gh), hp = data(hPrev), ho = data(h), ad = data(acts);
        int xo = gx.offset(), gho = gh.offset(), hpo = hPrev.offset(), hOut = h.offset(), aO = acts.offset();
        overColumns(batch, hid, (j0, j1) -> gruCellColumns(xd, xo, hd, gho, hp, hpo, ho, hOut, ad, aO, batch, hid, j0, j1));
    }

    private static void gruCellColumns(float[] xd, int xo, float[] hd, int gho, float[] hp, int hpo, float[] ho,
            int hOut, float[] ad, int aO, int batch, int hid, int j0, int j1) {
        // one pass per nonlinearity over the row's columns, as in lstmCellColumns (one loop with all three inlined
        // σ/tanh bodies outgrows what the JIT compiles into vector code)
        int n = j1 - j0;
        for (int b = 0; b < batch; b++) {
            int g = b * 3 * hid + j0, k = b * hid + j0;
            sigmoidOfSum(xd, xo + g, hd, gho + g, ad, aO + g, n);                      // r = σ(gx_r + gh_r)
            sigmoidOfSum(xd, xo + g + hid, hd, gho + g + hid, ad, aO + g + hid, n);    // z = σ(gx_z + gh_z)
            for (int j = 0; j < n; j += L) {                                           // n = tanh(gx_n + r⊙gh_n)
                VectorMask<Float> m = S.indexInRange(j, n);
                FloatVector r = FloatVector.fromArray(S, ad, aO + g + j, m);
                tanh(FloatVector.fromArray(S, xd, xo + g + 2 * hid + j, m).add(r.mul(FloatVector.fromArray(S, hd,
                        gho + g + 2 * hid + j, m)))).intoArray(ad, aO + g + 2 * hid + j, m);
            }
            for (int j = 0; j < n; j += L) {                                           // h = (1−z)⊙n + z⊙h_{t−1}
                VectorMask<Float> m = S.indexInRange(j, n);
                FloatVector z = FloatVector.fromArray(S, ad, aO + g + hid + j, m), nn = FloatVector.fromArray(S, ad,
                        aO + g + 2 * hid + j, m);
                ONE.sub(z).mul(nn).add(z.mul(FloatVector.fromArray(S, hp, hpo + k + j, m))).intoArray(ho, hOut + k + j, m);
            }
        }
    }

    /** y ← σ(a + b) over n values. */
    private static void sigmoidOfSum(float[] a, int ao, float[] b, int bo, float[] y, int yo, int n) {
        for (int j = 0; j < n; j += L) {
            VectorMask<Float> m = S.indexInRange(j, n);
            sigmoid(FloatVector.fromArray(S, a, ao + j, m).add(FloatVector.fromArray(S, b, bo + j, m))).intoArray(y, yo + j, m);
        }
    }

    @Override
    protected void doGruCellBackward(Tensor acts, Tensor gh, Tensor hPrev, Tensor dh, Tensor dgx, Tensor dgh, Tensor dhPrev) {
        int hid = cols(hPrev), batch = rows(hPrev);
        float[] ad = data(acts), hd = data(gh), hp = data(hPrev), dhd = data(dh), dx = data(dgx), dhh = data(dgh),
                dp = data(dhPrev);
        int aO = acts.offset(), gho = gh.offset(), hpo = hPrev.offset(), dho = dh.offset(), dxo = dgx.offset(),
                dgho = dgh.offset(), dpo = dhPrev.offset();
        overColumns(batch, hid, (j0, j1) -> gruCellBackwardColumns(ad, aO, hd, gho, hp, hpo, dhd, dho, dx, dxo, dhh,
                dgho, dp, dpo, batch, hid, j0, j1));
    }

    private static void gruCellBackwardColumns(float[] ad, int aO, float[] hd, int gho, float[] hp, int hpo,
            float[] dhd, int dho, float[] dx, int dxo, float[] dhh, int dgho, float[] dp, int dpo, int batch, int hid,
                    int j0, int j1) {
        for (int b = 0; b < batch; b++) {
            int g = b * 3 * hid, k = b * hid, j = j0;
            for (int bound = j0 + S.loopBound(j1 - j0); j < bound; j += L) {
                FloatVector r = FloatVector.fromArray(S, ad, aO + g + j), z = FloatVector.fromArray(S, ad, aO + g + hid + j);
                FloatVector n = FloatVector.fromArray(S, ad, aO + g + 2 * hid + j), d = FloatVector.fromArray(S, dhd,
                        dho + k + j);
                FloatVector dan = d.mul(ONE.sub(z)).mul(ONE.sub(n.mul(n)));                                   // ∂L/∂a_n = ∂L/∂h ⊙ (1−z) ⊙ tanh'
                FloatVector daz = d.mul(FloatVector.fromArray(S, hp, hpo + k + j).sub(n)).mul(z).mul(ONE.sub(z)); // ∂L/∂a_z = ∂L/∂h ⊙ (h_{t−1} − n) ⊙ σ'
                FloatVector dar = dan.mul(FloatVector.fromArray(S, hd, gho + g + 2 * hid + j)).mul(r).mul(ONE.sub(r)); // ∂L/∂a_r = ∂L/∂a_n ⊙ gh_n ⊙ σ'
                dar.intoArray(dx, dxo + g + j);
                daz.intoArray(dx, dxo + g + hid + j);
                dan.intoArray(dx, dxo + g + 2 * hid + j);
                dar.intoArray(dhh, dgho + g + j);
                daz.intoArray(dhh, dgho + g + hid + j);
                dan.mul(r).intoArray(dhh, dgho + g + 2 * hid + j);
                d.mul(z).intoArray(dp, dpo + k + j);                                                        // direct path ∂h_t/∂h_{t−1} = z
            }
            for (; j < j1; j++) {
                float r = ad[aO + g + j], z = ad[aO + g + hid + j], n = ad[aO + g + 2 * hid + j], d = dhd[dho + k + j];
                float dan = d * (1 - z) * (1 - n * n);
                float daz = d * (hp[hpo + k + j] - n) * z * (1 - z);
                float dar = dan * hd[gho + g + 2 * hid + j] * r * (1 - r);
                dx[dxo + g + j] = dar; dx[dxo + g + hid + j] = daz; dx[dxo + g + 2 * hid + j] = dan;
                dhh[dgho + g + j] = dar; dhh[dgho + g + hid + j] = daz; dhh[dgho + g + 2 * hid + j] = dan * r;
                dp[dpo + k + j] = d * z;
            }
        }
    }

    // ---------------------------------------------------------------- optimizers (the reference's float arithmetic, in order)

    /**
     * A velocity that decays below the smallest normal float (a unit whose gradient stays 0: v ← μv shrinks
     * geometrically) is flushed to 0: subnormal arithmetic costs ~100 cycles per operation on x86 (a microcode
     * assist), and in a ReLU MLP ~9% of the velocities sat there, which made this loop a third of a training step.
     */
    @Override
    protected void doSgdStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, boolean nesterov, float weightDecay) {
        float[] wd = data(w), gd = data(g), vd = v == null ? null : data(v);
        int wo = w.offset(), go = g.offset(), vo = v == null ? 0 : v.offset();
        Parallel.range(w.size(), GRAIN, L, (from, to) -> sgdRange(wd, wo, gd, go, vd, vo, lr, momentum, nesterov,
                weightDecay, from, to));
    }

    private static void sgdRange(float[] wd, int wo, float[] gd, int go, float[] vd, int vo, float lr, float momentum,
            boolean nesterov, float weightDecay, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
            FloatVector wi = FloatVector.fromArray(S, wd, wo + i);
            FloatVector gi = FloatVector.fromArray(S, gd, go + i).add(wi.mul(weightDecay));     // g' = g + λw
            FloatVector step = gi;
            if (momentum != 0f) {
                FloatVector vi = FloatVector.fromArray(S, vd, vo + i).mul(momentum).add(gi); // v ← μv + g'
                vi = vi.blend(0f, vi.abs().lt(Float.MIN_NORMAL));                            //   below 1.2e−38: 0 (see sgdStep)
                vi.intoArray(vd, vo + i);
                step = nesterov ? gi.add(vi.mul(momentum)) : vi;
            }
            wi.sub(step.mul(lr)).intoArray(wd, wo + i);                                       // w ← w − η·step
        }
        for (; i < to; i++) {
            float gi = gd[go + i] + weightDecay * wd[wo + i], step = gi;
            if (momentum != 0f) {
                float vi = momentum * vd[vo + i] + gi;
                if (Math.abs(vi) < Float.MIN_NORMAL) vi = 0f;
                vd[vo + i] = vi;
                step = nesterov ? gi + momentum * vi : vi;
            }
            wd[wo + i] -= lr * step;
        }
    }

    @Override
    protected void doAdagradStep(Tensor w, Tensor g, Tensor sumSq, float lr, float eps, float weightDecay) {
        float[] wd = data(w), gd = data(g), sd = data(sumSq);
        int wo = w.offset(), go = g.offset(), so = sumSq.offset();
        Parallel.range(w.size(), GRAIN, L, (from, to) -> adagradRange(wd, wo, gd, go, sd, so, lr, eps, weightDecay, from, to));
    }

    private static void adagradRange(float[] wd, int wo, float[] gd, int go, float[] sd, int so, float lr, float eps,
            float weightDecay, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
            FloatVector wi = FloatVector.fromArray(S, wd, wo + i);
            FloatVector gi = FloatVector.fromArray(S, gd, go + i).add(wi.mul(weightDecay));
            FloatVector s = FloatVector.fromArray(S, sd, so + i).add(gi.mul(gi));            // G ← G + g²
            s.intoArray(sd, so + i);
            wi.sub(gi.mul(lr).div(s.sqrt().add(eps))).intoArray(wd, wo + i);                 // w ← w − η g/(√G + ε)
        }
        for (; i < to; i++) {
            float gi = gd[go + i] + weightDecay * wd[wo + i];
            float s = sd[so + i] + gi * gi;
            sd[so + i] = s;
            wd[wo + i] -= lr * gi / ((float) Math.sqrt(s) + eps);
        }
    }

    @Override
    protected void doRmspropStep(Tensor w, Tensor g, Tensor sqAvg, float lr, float rho, float eps, float weightDecay) {
        float[] wd = data(w), gd = data(g), sd = data(sqAvg);
        int wo = w.offset(), go = g.offset(), so = sqAvg.offset();
        float oneMinusRho = 1 - rho;
        Parallel.range(w.size(), GRAIN, L, (from, to) -> rmspropRange(wd, wo, gd, go, sd, so, lr, rho, oneMinusRho, eps,
                weightDecay, from, to));
    }

    private static void rmspropRange(float[] wd, int wo, float[] gd, int go, float[] sd, int so, float lr, float rho,
            float oneMinusRho, float eps, float weightDecay, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
            FloatVector wi = FloatVector.fromArray(S, wd, wo + i);
            FloatVector gi = FloatVector.fromArray(S, gd, go + i).add(wi.mul(weightDecay));
            FloatVector s = FloatVector.fromArray(S, sd, so + i).mul(rho).add(gi.mul(oneMinusRho).mul(gi));   // s ← ρs + (1−ρ)g²
            s.intoArray(sd, so + i);
            wi.sub(gi.mul(lr).div(s.sqrt().add(eps))).intoArray(wd, wo + i);                 // w ← w − η g/(√s + ε)
        }
        for (; i < to; i++) {
            float gi = gd[go + i] + weightDecay * wd[wo + i];
            float s = rho * sd[so + i] + oneMinusRho * gi * gi;
            sd[so + i] = s;
            wd[wo + i] -= lr * gi / ((float) Math.sqrt(s) + eps);
        }
    }

    @Override
    protected void doAdadeltaStep(Tensor w, Tensor g, Tensor sqAvg, Tensor accDelta, float lr, float rho, float eps,
            float weightDecay) {
        float[] wd = data(w), gd = data(g), sd = data(sqAvg), ud = data(accDelta);
        int wo = w.offset(), go = g.offset(), so = sqAvg.offset(), uo = accDelta.offset();
        float oneMinusRho = 1 - rho;
        Parallel.range(w.size(), GRAIN, L, (from, to) -> adadeltaRange(wd, wo, gd, go, sd, so, ud, uo, lr, rho,
                oneMinusRho, eps, weightDecay, from, to));
    }

    private static void adadeltaRange(float[] wd, int wo, float[] gd, int go, float[] sd, int so, float[] ud, int uo,
            float lr, float rho, float oneMinusRho, float eps, float weightDecay, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
            FloatVector wi = FloatVector.fromArray(S, wd, wo + i), u = FloatVector.fromArray(S, ud, uo + i);
            FloatVector gi = FloatVector.fromArray(S, gd, go + i).add(wi.mul(weightDecay));
            FloatVector s = FloatVector.fromArray(S, sd, so + i).mul(rho).add(gi.mul(oneMinusRho).mul(gi));   // s ← ρs + (1−ρ)g²
            s.intoArray(sd, so + i);
            FloatVector delta = u.add(eps).sqrt().div(s.add(eps).sqrt()).mul(gi);            // Δ = √(u + ε)/√(s + ε)·g'
            u.mul(rho).add(delta.mul(oneMinusRho).mul(delta)).intoArray(ud, uo + i);        // u ← ρu + (1−ρ)Δ²
            wi.sub(delta.mul(lr)).intoArray(wd, wo + i);                                      // w ← w − η·Δ
        }
        for (; i < to; i++) {
            float gi = gd[go + i] + weightDecay * wd[wo + i];
            float s = rho * sd[so + i] + oneMinusRho * gi * gi;
            sd[so + i] = s;
            float delta = (float) Math.sqrt(ud[uo + i] + eps) / (float) Math.sqrt(s + eps) * gi;
            ud[uo + i] = rho * ud[uo + i] + oneMinusRho * delta * delta;
            wd[wo + i] -= lr * delta;
        }
    }

    @Override
    protected void doAdamStep(Tensor w, Tensor g, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
            float weightDecay, int t) {
        float[] wd = data(w), gd = data(g), md = data(m), vd = data(v);
        int wo = w.offset(), go = g.offset(), mo = m.offset(), vo = v.offset();
        float bc1 = 1 - (float) Math.pow(beta1, t), bc2 = 1 - (float) Math.pow(beta2, t);
        float stepSize = lr / bc1, sqrtBc2 = (float) Math.sqrt(bc2), oneMinusB1 = 1 - beta1, oneMinusB2 = 1 - beta2;
        Parallel.range(w.size(), GRAIN, L, (from, to) -> adamRange(wd, wo, gd, go, md, mo, vd, vo, beta1, beta2,
                oneMinusB1, oneMinusB2, stepSize, sqrtBc2, eps, weightDecay, from, to));
    }

    private static void adamRange(float[] wd, int wo, float[] gd, int go, float[] md, int mo, float[] vd, int vo,
            float beta1, float beta2, float oneMinusB1, float oneMinusB2, float stepSize, float sqrtBc2, float eps,
                    float weightDecay, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
            FloatVector wi = FloatVector.fromArray(S, wd, wo + i);
            FloatVector gi = FloatVector.fromArray(S, gd, go + i).add(wi.mul(weightDecay));
            FloatVector mi = FloatVector.fromArray(S, md, mo + i).mul(beta1).add(gi.mul(oneMinusB1));            // m ← β₁m + (1−β₁)g
            FloatVector vi = FloatVector.fromArray(S, vd, vo + i).mul(beta2).add(gi.mul(oneMinusB2).mul(gi));    // v ← β₂v + (1−β₂)g²
            mi.intoArray(md, mo + i);
            vi.intoArray(vd, vo + i);
            wi.sub(mi.mul(stepSize).div(vi.sqrt().div(sqrtBc2).add(eps))).intoArray(wd, wo + i);
        }
        for (; i < to; i++) {
            float gi = gd[go + i] + weightDecay * wd[wo + i];
            float mi = beta1 * md[mo + i] + oneMinusB1 * gi;
            float vi = beta2 * vd[vo + i] + oneMinusB2 * gi * gi;
            md[mo + i] = mi;
            vd[vo + i] = vi;
            wd[wo + i] -= stepSize * mi / ((float) Math.sqrt(vi) / sqrtBc2 + eps);
        }
    }
}
