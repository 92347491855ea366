package dev.nabla.cpu;

import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.EQ;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.IS_NAN;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.LT;
import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.MIN;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * e^x, tanh x and ln x on float vectors, built from adds, multiplies, FMAs, divides, compares and bit operations only
 * (Cephes' single-precision polynomials, within 2 ulp of the correctly rounded value).
 *
 * <p>Why not the Vector API's {@code EXP}, {@code TANH}, {@code LOG}: their results change in the last bit when C2
 * compiles a loop (the interpreter's per-lane fallback and the compiled intrinsic are different implementations), so
 * the first dozen calls of a run differ from the rest and two runs with the same seed diverge with JIT timing. Every
 * operation used here is exactly rounded by IEEE 754 in both the fallback and the compiled code, so the results are
 * the same bits on every call of every run.
 */
final class VMath {
    private VMath() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final FloatVector ZERO = FloatVector.zero(S), ONE = FloatVector.broadcast(S, 1f), TWO = FloatVector.broadcast(S, 2f);

    private static final int V = S.length();
    /** Lane i ↔ lane i ^ d, for d = 8, 4, 2, 1 (as constants: a shuffle read from an array or a parameter stops the JIT intrinsifying rearrange). */
    static final VectorShuffle<Float> X8 = swap(8), X4 = swap(4), X2 = swap(2), X1 = swap(1);

    private static VectorShuffle<Float> swap(int d) { return d < V ? VectorShuffle.fromOp(S, i -> i ^ d) : null; }

    /**
     * Σ of the lanes in a fixed order (pairs of lanes d = V/2, …, 1 apart). {@code reduceLanes(ADD)} is free to add in
     * any order and does: its compiled form and its interpreted fallback differ in the last bit.
     */
    static float sumLanes(FloatVector v) {
        if (V >= 32) return v.reduceLanes(jdk.incubator.vector.VectorOperators.ADD); // no such hardware yet
        if (V == 16) v = v.add(v.rearrange(X8));
        if (V >= 8) v = v.add(v.rearrange(X4));
        if (V >= 4) v = v.add(v.rearrange(X2));
        if (V >= 2) v = v.add(v.rearrange(X1));
        return v.lane(0);
    }

    private static final float LOG2E = 1.44269504088896341f;
    /** ln 2 split in two: n·LN2_HI is exact for the n that occur, so r = x − n·ln 2 loses nothing. */
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    /** 1.5·2²³: adding and subtracting it rounds a float of magnitude < 2²² to the nearest integer. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);
    /** e^x overflows above this, and is below half the smallest subnormal under EXP_LO. */
    private static final float EXP_HI = 88.72283935546875f, EXP_LO = -103.972084045410f;

    /** e^x: x = n·ln 2 + r with |r| ≤ ½ln 2, e^r by a degree-6 polynomial, times 2ⁿ built in the exponent bits. */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.lanewise(MAX, EXP_LO).lanewise(MIN, EXP_HI);
        FloatVector t = xc.fma(LOG2E, ROUND);                              // ROUND + n, n = round(x·log₂e)
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(-LN2_HI, 0f).add(xc);
        r = n.fma(-LN2_LO, 0f).add(r);
        FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
        p = horner(p, r, 8.3334519073e-3f);
        p = horner(p, r, 4.1665795894e-2f);
        p = horner(p, r, 1.6666665459e-1f);
        p = horner(p, r, 5.0000001201e-1f);
        p = p.mul(r.mul(r)).add(r).add(1f);                                // e^r ≈ 1 + r + r²·P(r)
        // 2ⁿ as two factors 2^⌊n/2⌋·2^(n−⌊n/2⌋), each a normal float for n in [−150, 128]
        IntVector ni = t.viewAsIntegralLanes().reinterpretAsInts().sub(ROUND_BITS);
        IntVector h = ni.lanewise(ASHR, 1);
        FloatVector s1 = h.add(127).lanewise(LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = ni.sub(h).add(127).lanewise(LSHL, 23).reinterpretAsFloats();
        FloatVector e = p.mul(s1).mul(s2);
        return e.blend(Float.POSITIVE_INFINITY, x.compare(GT, EXP_HI)).blend(0f, x.compare(LT, EXP_LO)); // NaN stays NaN
    }

    /**
     * tanh x: x + x³·P(x²) for |x| < 0.625, else sign(x)·(1 − 2/(e^{2|x|} + 1)) (no cancellation there, since
     * tanh ≥ 0.55); ±1 once e^{2|x|} overflows.
     */
    static FloatVector tanh(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector z = x.mul(x);
        FloatVector q = z.fma(-5.70498872745e-3f, 2.06390887954e-2f);
        q = horner(q, z, -5.37397155531e-2f);
        q = horner(q, z, 1.33314422036e-1f);
        q = horner(q, z, -3.33332819422e-1f);
        FloatVector small = q.mul(z).fma(x, x);                             // x + x³·P(x²)
        FloatVector big = ONE.sub(TWO.div(exp(ax.add(ax)).add(1f)));
        big = big.blend(big.neg(), x.compare(LT, 0f));
        return big.blend(small, ax.compare(LT, 0.625f).or(x.test(IS_NAN)));
    }

    /** σ(x) = 1/(1 + e^−x): 0 where e^−x overflows (x < −88.7), 1 where it underflows. */
    static FloatVector sigmoid(FloatVector x) {
        return ONE.div(exp(x.neg()).add(1f));
    }

    private static final float[] LOG_P = {1.1676998740e-1f, -1.2420140846e-1f, 1.4249322787e-1f, -1.6668057665e-1f,
            2.0000714765e-1f, -2.4999993993e-1f, 3.3333331174e-1f};

    /** p·x + c in one rounding (a step of Horner's rule). */
    private static FloatVector horner(FloatVector p, FloatVector x, float c) { return p.fma(x, FloatVector.broadcast(S, c)); }

    private static final float SQRT_HALF = 0.707106781186547524f;

    /**
     * ln x for x &gt; 0: x = m·2ᵉ with m in [√½, √2), ln m = f − f²/2 + f³·P(f) with f = m − 1, plus e·ln 2 in two parts.
     * ln 0 = −∞, ln of a negative number or NaN = NaN, ln ∞ = ∞; subnormal x is scaled by 2²³ first.
     */
    static FloatVector log(FloatVector x) {
        VectorMask<Float> sub = x.compare(LT, Float.MIN_NORMAL);
        FloatVector xs = x.blend(x.mul(8388608f), sub);                    // 2²³
        IntVector bits = xs.viewAsIntegralLanes().reinterpretAsInts();
        IntVector ei = bits.lanewise(LSHR, 23).sub(127);
        FloatVector m = bits.and(0x007FFFFF).or(0x3F800000).reinterpretAsFloats(); // [1, 2)
        VectorMask<Float> hi = m.compare(GT, 2 * SQRT_HALF);
        FloatVector e = ((FloatVector) ei.convert(I2F, 0)).sub(ZERO.blend(23f, sub)).add(ZERO.blend(1f, hi));
        FloatVector f = m.blend(m.mul(0.5f), hi).sub(1f);
        FloatVector z = f.mul(f);
        FloatVector y = f.fma(7.0376836292e-2f, -1.1514610310e-1f);
        for (float c : LOG_P) y = horner(y, f, c);
        y = y.mul(f).mul(z);
        y = e.fma(LN2_LO, 0f).add(y);
        y = z.fma(-0.5f, 0f).add(y);
        FloatVector r = f.add(y);
        r = e.fma(LN2_HI, 0f).add(r);
        return r.blend(Float.NEGATIVE_INFINITY, x.compare(EQ, 0f))
                .blend(Float.NaN, x.compare(LT, 0f))
                .blend(x, x.compare(EQ, Float.POSITIVE_INFINITY).or(x.test(IS_NAN)));
    }

    /** ln(1 + u) for u ≥ 0: ln w · u/(w − 1) with w = 1 + u rounded (exact to a few ulp), u itself where w rounds to 1. */
    static FloatVector log1p(FloatVector u) {
        FloatVector w = u.add(1f);
        FloatVector wm1 = w.sub(1f);
        return log(w).mul(u.div(wm1)).blend(u, wm1.compare(EQ, 0f));
    }
}
