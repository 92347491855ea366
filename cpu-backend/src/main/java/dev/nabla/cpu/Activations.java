package dev.nabla.cpu;

import static dev.nabla.backend.Checks.cols;
import static dev.nabla.backend.Checks.rows;
import static dev.nabla.cpu.Elementwise.GRAIN;
import static dev.nabla.cpu.Elementwise.GRAIN_HEAVY;
import static dev.nabla.cpu.Elementwise.L;
import static dev.nabla.cpu.Elementwise.ONE;
import static dev.nabla.cpu.Elementwise.ROW_BLOCK;
import static dev.nabla.cpu.Elementwise.S;
import static dev.nabla.cpu.Elementwise.ZERO;
import static dev.nabla.cpu.Elementwise.data;
import static dev.nabla.cpu.Elementwise.max;
import static dev.nabla.cpu.Elementwise.scaleRow;
import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.IS_NAN;
import static jdk.incubator.vector.VectorOperators.LE;
import static jdk.incubator.vector.VectorOperators.LT;
import static jdk.incubator.vector.VectorOperators.MAX;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The activations family of the CPU backend (kernels/opencl/activations.cl; the reference's "activations" section):
 * f(net) and dy·f'(net) for every {@link Activation}, PReLU, softmax.
 */
final class Activations {
    private Activations() {}

    // ---------------------------------------------------------------- f(net) and dy·f'(net), seed 004's table
    //
    // The pattern: each activation is a pair of vector functions, written once each — its forward f(net) and its
    // backward dy·f'(v), where v is net, or y = f(net) for σ and tanh, whose derivatives are cheaper from the output —
    // and one loop per function applies it over a range [from, to): whole vectors, then one masked vector for the tail.
    // The loops (fwd…, bwd…) are the same four lines each, on purpose: C2 turns a loop into vector instructions only
    // if it inlines every Vector API call in it, so each function needs a loop of its own. Two shorter forms were
    // measured and lost (2026-12-01, 2-core Zen 5): one loop taking the function as a parameter — the JIT compiles it
    // once on its own with the call left virtual, then will not inline that compiled loop into the per-activation
    // callers ("already compiled into a big method"), and the backward σ ran 7–11× slower in most runs, every vector
    // boxed; and one loop line per function with every vector masked (no separate tail), 1.2–1.5× slower on ReLU.
    // One method holding all eight loops outgrows the inlining budget the same way. NaN in, NaN out, as the reference.

    /** σ(x) = 1/(1 + e^−x) (e^−x overflows to ∞ for x < −88, giving 0 as it should). */
    static FloatVector sigmoid(FloatVector x) { return VMath.sigmoid(x); }

    static FloatVector tanh(FloatVector x) { return VMath.tanh(x); }

    /** 1 if x ≥ 0, 0 if x < 0 (NaN stays NaN). */
    private static FloatVector step(FloatVector x) { return x.blend(1f, x.compare(GE, 0f)).blend(0f, x.compare(LT, 0f)); }

    /** 1 if x ≥ 0, −1 if x < 0 (NaN stays NaN). */
    private static FloatVector sign(FloatVector x) { return x.blend(1f, x.compare(GE, 0f)).blend(-1f, x.compare(LT, 0f)); }

    /** 0 up to −½, 1 from ½, x + ½ between. */
    private static FloatVector piecewiseLinear(FloatVector x) {
        return x.add(0.5f).blend(0f, x.compare(LE, -0.5f)).blend(1f, x.compare(GE, 0.5f));
    }

    /** max(0, x): 0 where x ≤ 0, else x — so NaN stays NaN. */
    private static FloatVector relu(FloatVector x) { return x.blend(0f, x.compare(LE, 0f)); }

    /** ln(1 + e^x) = max(x, 0) + ln(1 + e^−|x|), stable for large |x|. */
    private static FloatVector softplus(FloatVector x) {
        return x.lanewise(MAX, 0f).add(VMath.log1p(VMath.exp(x.abs().neg())));
    }

    /** A derivative factor with NaN wherever the input x is NaN, so that dx = dy·f' carries the NaN back. */
    private static FloatVector nanWhereNaN(FloatVector factor, FloatVector x) { return factor.blend(x, x.test(IS_NAN)); }

    /** dy · 1. */
    private static FloatVector dIdentity(FloatVector x, FloatVector dy) { return dy.mul(nanWhereNaN(ONE, x)); }

    /** dy · 0 (step and sign). */
    private static FloatVector dFlat(FloatVector x, FloatVector dy) { return dy.mul(nanWhereNaN(ZERO, x)); }

    /** dy · (1 inside (−½, ½), else 0). */
    private static FloatVector dPiecewiseLinear(FloatVector x, FloatVector dy) {
        return dy.mul(nanWhereNaN(ZERO.blend(1f, x.compare(GT, -0.5f).and(x.compare(LT, 0.5f))), x));
    }

    /** dy · y(1 − y), from y. */
    private static FloatVector dSigmoid(FloatVector y, FloatVector dy) { return dy.mul(y.mul(ONE.sub(y))); }

    /** dy · (1 − y²), from y. */
    private static FloatVector dTanh(FloatVector y, FloatVector dy) { return dy.mul(ONE.sub(y.mul(y))); }

    /** dy · (1 if net > 0, else 0). */
    private static FloatVector dRelu(FloatVector x, FloatVector dy) { return dy.mul(nanWhereNaN(ZERO.blend(1f, x.compare(GT, 0f)), x)); }

    /** dy · σ(net). */
    private static FloatVector dSoftplus(FloatVector x, FloatVector dy) { return dy.mul(sigmoid(x)); }

    static void activation(Activation f, Tensor x, Tensor y) {
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

    // y[yo + i] ← f(x[xo + i]) for i in [from, to)
    private static void fwdStep(float[] x, int xo, float[] y, int yo, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += L) step(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        if (i < to) { VectorMask<Float> m = S.indexInRange(i, to); step(FloatVector.fromArray(S, x, xo + i, m)).intoArray(y, yo + i, m); }
    }

    private static void fwdSign(float[] x, int xo, float[] y, int yo, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += L) sign(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        if (i < to) { VectorMask<Float> m = S.indexInRange(i, to); sign(FloatVector.fromArray(S, x, xo + i, m)).intoArray(y, yo + i, m); }
    }

    private static void fwdPiecewiseLinear(float[] x, int xo, float[] y, int yo, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += L) piecewiseLinear(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        if (i < to) { VectorMask<Float> m = S.indexInRange(i, to); piecewiseLinear(FloatVector.fromArray(S, x, xo + i, m)).intoArray(y, yo + i, m); }
    }

    private static void fwdSigmoid(float[] x, int xo, float[] y, int yo, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += L) sigmoid(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        if (i < to) { VectorMask<Float> m = S.indexInRange(i, to); sigmoid(FloatVector.fromArray(S, x, xo + i, m)).intoArray(y, yo + i, m); }
    }

    static void fwdTanh(float[] x, int xo, float[] y, int yo, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += L) tanh(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        if (i < to) { VectorMask<Float> m = S.indexInRange(i, to); tanh(FloatVector.fromArray(S, x, xo + i, m)).intoArray(y, yo + i, m); }
    }

    private static void fwdRelu(float[] x, int xo, float[] y, int yo, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += L) relu(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        if (i < to) { VectorMask<Float> m = S.indexInRange(i, to); relu(FloatVector.fromArray(S, x, xo + i, m)).intoArray(y, yo + i, m); }
    }

    private static void fwdSoftplus(float[] x, int xo, float[] y, int yo, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += L) softplus(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        if (i < to) { VectorMask<Float> m = S.indexInRange(i, to); softplus(FloatVector.fromArray(S, x, xo + i, m)).intoArray(y, yo + i, m); }
    }

    static void activationBackward(Activation f, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        float[] xd = data(x), yd = data(y), dyd = data(dy), dxd = data(dx);
        int xo = x.offset(), yo = y.offset(), go = dy.offset(), dxo = dx.offset();
        Parallel.range(x.size(), f == Activation.SOFTPLUS ? GRAIN_HEAVY : GRAIN, L, (from, to) -> {
            switch (f) {
                case IDENTITY -> bwdIdentity(xd, xo, dyd, go, dxd, dxo, from, to);
                case STEP, SIGN -> bwdFlat(xd, xo, dyd, go, dxd, dxo, from, to);
                case PIECEWISE_LINEAR -> bwdPiecewiseLinear(xd, xo, dyd, go, dxd, dxo, from, to);
                case SIGMOID -> bwdSigmoid(yd, yo, dyd, go, dxd, dxo, from, to);
                case TANH -> bwdTanh(yd, yo, dyd, go, dxd, dxo, from, to);
                case RELU -> bwdRelu(xd, xo, dyd, go, dxd, dxo, from, to);
                case SOFTPLUS -> bwdSoftplus(xd, xo, dyd, go, dxd, dxo, from, to);
            }
        });
    }

    // dx[dxo + i] ← df(v[vo + i], dy[go + i]) for i in [from, to)
    private static void bwdIdentity(float[] v, int vo, float[] dy, int go, float[] dx, int dxo, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += L) {
            dIdentity(FloatVector.fromArray(S, v, vo + i), FloatVector.fromArray(S, dy, go + i)).intoArray(dx, dxo + i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            dIdentity(FloatVector.fromArray(S, v, vo + i, m), FloatVector.fromArray(S, dy, go + i, m)).intoArray(dx, dxo + i, m);
        }
    }

    private static void bwdFlat(float[] v, int vo, float[] dy, int go, float[] dx, int dxo, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += L) {
            dFlat(FloatVector.fromArray(S, v, vo + i), FloatVector.fromArray(S, dy, go + i)).intoArray(dx, dxo + i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            dFlat(FloatVector.fromArray(S, v, vo + i, m), FloatVector.fromArray(S, dy, go + i, m)).intoArray(dx, dxo + i, m);
        }
    }

    private static void bwdPiecewiseLinear(float[] v, int vo, float[] dy, int go, float[] dx, int dxo, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += L) {
            dPiecewiseLinear(FloatVector.fromArray(S, v, vo + i), FloatVector.fromArray(S, dy, go + i)).intoArray(dx, dxo + i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            dPiecewiseLinear(FloatVector.fromArray(S, v, vo + i, m), FloatVector.fromArray(S, dy, go + i, m)).intoArray(dx, dxo + i, m);
        }
    }

    private static void bwdSigmoid(float[] v, int vo, float[] dy, int go, float[] dx, int dxo, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += L) {
            dSigmoid(FloatVector.fromArray(S, v, vo + i), FloatVector.fromArray(S, dy, go + i)).intoArray(dx, dxo + i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            dSigmoid(FloatVector.fromArray(S, v, vo + i, m), FloatVector.fromArray(S, dy, go + i, m)).intoArray(dx, dxo + i, m);
        }
    }

    private static void bwdTanh(float[] v, int vo, float[] dy, int go, float[] dx, int dxo, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += L) {
            dTanh(FloatVector.fromArray(S, v, vo + i), FloatVector.fromArray(S, dy, go + i)).intoArray(dx, dxo + i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            dTanh(FloatVector.fromArray(S, v, vo + i, m), FloatVector.fromArray(S, dy, go + i, m)).intoArray(dx, dxo + i, m);
        }
    }

    private static void bwdRelu(float[] v, int vo, float[] dy, int go, float[] dx, int dxo, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += L) {
            dRelu(FloatVector.fromArray(S, v, vo + i), FloatVector.fromArray(S, dy, go + i)).intoArray(dx, dxo + i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            dRelu(FloatVector.fromArray(S, v, vo + i, m), FloatVector.fromArray(S, dy, go + i, m)).intoArray(dx, dxo + i, m);
        }
    }

    private static void bwdSoftplus(float[] v, int vo, float[] dy, int go, float[] dx, int dxo, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += L) {
            dSoftplus(FloatVector.fromArray(S, v, vo + i), FloatVector.fromArray(S, dy, go + i)).intoArray(dx, dxo + i);
        }
        if (i < to) {
            VectorMask<Float> m = S.indexInRange(i, to);
            dSoftplus(FloatVector.fromArray(S, v, vo + i, m), FloatVector.fromArray(S, dy, go + i, m)).intoArray(dx, dxo + i, m);
        }
    }

    static void prelu(Tensor x, Tensor alpha, Tensor y, int inner) {
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

    static void preluBackward(Tensor x, Tensor alpha, Tensor dy, Tensor dx, Tensor dalpha, int inner) {
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

    static void softmax(Tensor x, Tensor y) {
        float[] xd = data(x), yd = data(y);
        int n = cols(x), xo = x.offset(), yo = y.offset();
        Parallel.range(rows(x), Math.max(1, GRAIN_HEAVY / Math.max(1, n)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                float sum = expShifted(xd, xo + r * n, yd, yo + r * n, n, max(xd, xo + r * n, n));
                scaleRow(yd, yo + r * n, n, 1f / sum);           // y_j = e^{x_j − max} / Σ_k e^{x_k − max}
            }
        });
    }

    /** y_j ← e^{x_j − shift}; returns Σ y_j (x and y may be the same range). */
    static float expShifted(float[] x, int xo, float[] y, int yo, int n, float shift) {
        // one call site of exp, the zero made here, a masked load for every vector and a masked store for the last only:
        // with a second exp for the tail and the static ZERO, C2 boxed the vectors (672 B per row of 65, a char LM's
        // softmax, JDK 25, 2026-12-02)
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector e = VMath.exp(FloatVector.fromArray(S, x, xo + i, m).sub(shift));
            if (i + L <= n) e.intoArray(y, yo + i);
            else e.intoArray(y, yo + i, m);
            acc = acc.add(e, m);
        }
        if (L != 16) return VMath.sumLanes(acc);
        // sumLanes' tree written out: called once per row, it was not inlined here and its argument was boxed (96 B a row)
        acc = acc.add(acc.rearrange(VMath.X8));
        acc = acc.add(acc.rearrange(VMath.X4));
        acc = acc.add(acc.rearrange(VMath.X2));
        return acc.add(acc.rearrange(VMath.X1)).lane(0);
    }

    static void softmaxBackward(Tensor y, Tensor dy, Tensor dx) {
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
}
