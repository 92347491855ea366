package dev.nabla.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

/** VMath against java.lang.Math in double, in units in the last place of the float result, and its bits call to call. */
class VMathTest {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** f on every element of x, a vector at a time (x's length a multiple of the vector length). */
    static float[] apply(UnaryOperator<FloatVector> f, float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i += S.length()) f.apply(FloatVector.fromArray(S, x, i)).intoArray(y, i);
        return y;
    }

    /** n evenly spaced values from lo to hi, then the extras, padded to whole vectors with the last value. */
    static float[] grid(double lo, double hi, int n, float... extras) {
        int len = (n + extras.length + S.length() - 1) / S.length() * S.length();
        float[] x = new float[len];
        for (int i = 0; i < n; i++) x[i] = (float) (lo + (hi - lo) * i / (n - 1));
        System.arraycopy(extras, 0, x, n, extras.length);
        Arrays.fill(x, n + extras.length, len, x[n + extras.length - 1]);
        return x;
    }

    /** The largest error in ulps of the float result; NaN and infinities must match exactly. */
    static double worstUlps(String name, UnaryOperator<FloatVector> f, DoubleUnaryOperator exact, float[] x) {
        float[] y = apply(f, x);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            float want = (float) exact.applyAsDouble(x[i]);
            if (Float.isNaN(want) || Float.isInfinite(want) || want == 0f) {
                if (Float.isNaN(want) ? !Float.isNaN(y[i]) : y[i] != want)
                    throw new AssertionError(name + "(" + x[i] + ") = " + y[i] + ", expected " + want);
                continue;
            }
            double ulps = Math.abs((double) y[i] - exact.applyAsDouble(x[i])) / Math.ulp(want);
            worst = Math.max(worst, ulps);
        }
        return worst;
    }

    static final float[] SPECIAL = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE,
            -Float.MIN_VALUE, Float.MIN_NORMAL, 1e-30f, -1e-30f, 1e-7f, -1e-7f};

    @Test
    void expIsWithinTwoUlpsIncludingSubnormalsAndOverflow() {
        float[] x = grid(-104, 89, 200_003, SPECIAL);
        assertThat(worstUlps("exp", VMath::exp, Math::exp, x)).isLessThanOrEqualTo(2.0);
        assertThat(worstUlps("exp", VMath::exp, Math::exp, grid(-1, 1, 100_003, 88.72f, -87.3f, -103.9f))).isLessThanOrEqualTo(1.5);
    }

    @Test
    void tanhAndSigmoidAreWithinAFewUlps() {
        float[] x = grid(-12, 12, 200_003, SPECIAL);
        assertThat(worstUlps("tanh", VMath::tanh, Math::tanh, x)).isLessThanOrEqualTo(3.0);
        assertThat(worstUlps("tanh", VMath::tanh, Math::tanh, grid(-0.7, 0.7, 100_003, 0.625f, -0.625f, 0.6249999f))).isLessThanOrEqualTo(3.0);
        // σ's normal range; below x = −87.3 the true value is subnormal (< 1.2e−38) and e^−x overflows: σ = 0 there
        assertThat(worstUlps("sigmoid", VMath::sigmoid, v -> 1 / (1 + Math.exp(-v)), grid(-87.3, 100, 200_003, 1e-30f, 0f, Float.NaN, Float.POSITIVE_INFINITY)))
                .isLessThanOrEqualTo(3.0);
        assertThat(apply(VMath::sigmoid, grid(-200, -88.8, 16))).containsOnly(0f);
    }

    @Test
    void logIsWithinTwoUlpsOverEveryBinade() {
        float[] x = new float[40 * 1024 + 16];
        int i = 0;
        for (int e = -149; e < 128; e += 7) {                    // subnormals up to near MAX_VALUE
            for (int j = 0; j < 1024; j++) x[i++] = (float) Math.scalb(1 + j / 1024.0, e);
        }
        for (float sp : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, -1f, 1f,
                Float.MIN_VALUE, Float.MAX_VALUE, 0.7071f, 1.4142f, 0.99999994f, 1.0000001f}) x[i++] = sp;
        float[] xs = Arrays.copyOf(x, (i + S.length() - 1) / S.length() * S.length());
        assertThat(worstUlps("log", VMath::log, Math::log, xs)).isLessThanOrEqualTo(2.0);
        assertThat(worstUlps("log1p", VMath::log1p, Math::log1p, grid(0, 1, 200_003, 0f, 1e-30f, 1e-7f, Float.MIN_VALUE)))
                .isLessThanOrEqualTo(3.0);
    }

    @Test
    void bitsAreTheSameOnTheFirstCallAndAfterTheJitCompiledIt() {
        // the Vector API's own EXP/TANH/LOG change in the last bit once C2 compiles them; these must not
        float[] x = grid(-30, 30, 4096, SPECIAL);
        float[] y = grid(1e-6, 50, 4096, SPECIAL);
        float[][] first = {apply(VMath::exp, x), apply(VMath::tanh, x), apply(VMath::sigmoid, x), apply(VMath::log, y), apply(VMath::log1p, y)};
        for (int rep = 0; rep < 400; rep++) {
            float[][] now = {apply(VMath::exp, x), apply(VMath::tanh, x), apply(VMath::sigmoid, x), apply(VMath::log, y), apply(VMath::log1p, y)};
            for (int f = 0; f < now.length; f++) {
                if (!Arrays.equals(now[f], first[f])) throw new AssertionError("function " + f + ", call " + rep + ": bits differ from the first call");
            }
        }
    }
}
