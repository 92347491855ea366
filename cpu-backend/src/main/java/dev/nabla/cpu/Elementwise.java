package dev.nabla.cpu;

import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.MAX;

import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The elementwise family of the CPU backend (kernels/opencl/elementwise.cl; the reference's "elementwise" section):
 * fill, copy, axpy, scale, mul, Σx² and dropout masks — and what every other family builds on: the vector species,
 * the parallel grains, {@link #data}, and short-range primitives (add a range into another, sum, max, scale a range).
 */
final class Elementwise {
    private Elementwise() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> SI = IntVector.SPECIES_PREFERRED;
    /** Floats per vector: 16 with AVX-512, 8 with AVX2. */
    static final int L = S.length();
    static final FloatVector ZERO = FloatVector.zero(S), ONE = FloatVector.broadcast(S, 1f);

    /** Parallel grain for cheap elementwise ops (elements per chunk) and for ops with transcendental functions. */
    static final int GRAIN = 1 << 15, GRAIN_HEAVY = 1 << 12;
    /** Elements per float partial sum in reductions: each chunk is summed in float lanes, the chunks in double. */
    static final int CHUNK = 1024;
    /** Rows per block of float column sums before they are added into the double totals. */
    static final int ROW_BLOCK = 64;

    /** The float[] behind a tensor of the CPU backend (the ops checked ownership already). */
    static float[] data(Tensor t) { return (float[]) t.storage(); }

    /** x ← v; split over the pool when large (zeroing a 4096-wide MLP's 11.6M gradients took longer than its forward pass). */
    static void fill(Tensor x, float v) {
        float[] xd = data(x);
        int xo = x.offset();
        Parallel.range(x.size(), 4 * GRAIN, L, (from, to) -> Arrays.fill(xd, xo + from, xo + to, v));
    }

    static void copy(Tensor src, Tensor dst) {
        System.arraycopy(data(src), src.offset(), data(dst), dst.offset(), src.size());
    }

    static void axpy(float alpha, Tensor x, Tensor y) {
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

    static void scale(Tensor x, float alpha) {
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

    static void mul(Tensor a, Tensor b, Tensor out) {
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

    static float sumSquares(Tensor x) {
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

    // ---------------------------------------------------------------- dropout

    static void dropoutMask(Tensor mask, float p, long seed) {
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

    // ---------------------------------------------------------------- range primitives the other families share

    /** y[yo .. yo+n) += x[xo .. xo+n). */
    static void addInto(float[] x, int xo, float[] y, int yo, int n) {
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
    static void addScalar(float[] x, int xo, int n, float v) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) FloatVector.fromArray(S, x, xo + i).add(v).intoArray(x, xo + i);
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, x, xo + i, m).add(v).intoArray(x, xo + i, m);
        }
    }

    /** Σ x[xo .. xo+n) in float lanes. */
    static float sum(float[] x, int xo, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) acc = acc.add(FloatVector.fromArray(S, x, xo + i));
        if (i < n) acc = acc.add(FloatVector.fromArray(S, x, xo + i, S.indexInRange(i, n)));
        return VMath.sumLanes(acc);
    }

    /** max of x[xo .. xo+n) (NaN if any is NaN, as Math.max). */
    static float max(float[] x, int xo, int n) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) acc = acc.lanewise(MAX, FloatVector.fromArray(S, x, xo + i));
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            acc = acc.lanewise(MAX, FloatVector.fromArray(S, x, xo + i, m).blend(Float.NEGATIVE_INFINITY, m.not()));
        }
        return acc.reduceLanes(MAX);
    }

    static void scaleRow(float[] y, int yo, int n, float s) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += L) FloatVector.fromArray(S, y, yo + i).mul(s).intoArray(y, yo + i);
        if (i < n) {
            VectorMask<Float> m = S.indexInRange(i, n);
            FloatVector.fromArray(S, y, yo + i, m).mul(s).intoArray(y, yo + i, m);
        }
    }
}
