package dev.nabla.init;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Seed 001's initialisations: each draws from the distribution its formula names. On n = 200 000 samples the sample
 * mean lies within 6 standard errors of 0 and the sample variance within 3% of the formula's (about 7 standard errors
 * for either distribution); uniform draws stay inside ±a and normal draws put ≈ 68.3% of the mass within one σ.
 */
class InitializerTest {
    static final int N = 200_000;

    record Stats(double mean, double variance, double maxAbs, double withinOneSigma) {
        static Stats of(float[] w) {
            double s = 0, s2 = 0, max = 0;
            for (float v : w) { s += v; max = Math.max(max, Math.abs(v)); }
            double mean = s / w.length;
            for (float v : w) s2 += (v - mean) * (v - mean);
            double var = s2 / (w.length - 1), sd = Math.sqrt(var);
            long inside = 0;
            for (float v : w) if (Math.abs(v - mean) <= sd) inside++;
            return new Stats(mean, var, max, (double) inside / w.length);
        }
    }

    static Stats sample(Initializer init, int fanIn, int fanOut, long seed) {
        float[] w = new float[N];
        init.fill(w, fanIn, fanOut, new SplittableRandom(seed));
        return Stats.of(w);
    }

    static void assertUniform(Stats s, double a) {
        double var = a * a / 3;                                   // Var U(−a, a) = a²/3
        assertThat(s.mean()).isCloseTo(0, within(6 * Math.sqrt(var / N)));
        assertThat(s.variance()).isCloseTo(var, within(0.03 * var));
        assertThat(s.maxAbs()).isLessThanOrEqualTo(a).isGreaterThan(0.999 * a);
        assertThat(s.withinOneSigma()).isCloseTo(1 / Math.sqrt(3), within(0.01));   // ±a/√3 holds 57.7% of U(−a, a)
    }

    static void assertNormal(Stats s, double sigma) {
        double var = sigma * sigma;
        assertThat(s.mean()).isCloseTo(0, within(6 * sigma / Math.sqrt(N)));
        assertThat(s.variance()).isCloseTo(var, within(0.03 * var));
        assertThat(s.withinOneSigma()).isCloseTo(0.6827, within(0.01));
        assertThat(s.maxAbs()).isGreaterThan(3.5 * sigma);       // tails exist (P(|z| > 3.5) · N ≈ 93 draws)
    }

    @ParameterizedTest(name = "fanIn {0}, fanOut {1}")
    @CsvSource({"784, 256", "3, 1", "75, 200"})
    void glorotUniformHasVarianceTwoOverFanSum(int fanIn, int fanOut) {
        assertUniform(sample(Initializer.GLOROT_UNIFORM, fanIn, fanOut, 1), Math.sqrt(6.0 / (fanIn + fanOut)));
    }

    @ParameterizedTest(name = "fanIn {0}, fanOut {1}")
    @CsvSource({"784, 256", "3, 1"})
    void glorotNormalHasVarianceTwoOverFanSum(int fanIn, int fanOut) {
        assertNormal(sample(Initializer.GLOROT_NORMAL, fanIn, fanOut, 2), Math.sqrt(2.0 / (fanIn + fanOut)));
    }

    @ParameterizedTest(name = "fanIn {0}")
    @CsvSource({"784", "9", "1"})
    void kaimingUniformHasVarianceTwoOverFanIn(int fanIn) {
        assertUniform(sample(Initializer.KAIMING_UNIFORM, fanIn, 10, 3), Math.sqrt(6.0 / fanIn));
    }

    @ParameterizedTest(name = "fanIn {0}")
    @CsvSource({"784", "9"})
    void kaimingNormalHasVarianceTwoOverFanIn(int fanIn) {
        assertNormal(sample(Initializer.KAIMING_NORMAL, fanIn, 10, 4), Math.sqrt(2.0 / fanIn));
    }

    @Test
    void kaimingWithLeakySlopeUsesGainSqrtTwoOverOnePlusSlopeSquared() {
        double gain = Math.sqrt(2 / (1 + 0.25 * 0.25));
        assertUniform(sample(Initializer.kaimingUniform(0.25f), 100, 1, 5), gain * Math.sqrt(3.0 / 100));
        assertNormal(sample(Initializer.kaimingNormal(0.25f), 100, 1, 6), gain / Math.sqrt(100));
    }

    @Test
    void fixedUniformAndGaussianIgnoreTheFans() {
        assertUniform(sample(Initializer.uniform(0.05), 1000, 1000, 7), 0.05);
        assertNormal(sample(Initializer.gaussian(0.01), 1, 1, 8), 0.01);
    }

    @Test
    void zerosAndConstant() {
        float[] w = {1, 2, 3};
        Initializer.ZEROS.fill(w, 3, 1, new SplittableRandom(0));
        assertThat(w).containsExactly(0, 0, 0);
        Initializer.constant(0.25f).fill(w, 3, 1, new SplittableRandom(0));
        assertThat(w).containsExactly(0.25f, 0.25f, 0.25f);
    }

    @Test
    void sameSeedSameWeightsOtherSeedOtherWeights() {
        for (Initializer init : new Initializer[] {Initializer.GLOROT_UNIFORM, Initializer.GLOROT_NORMAL,
                Initializer.KAIMING_UNIFORM, Initializer.KAIMING_NORMAL, Initializer.uniform(1), Initializer.gaussian(1)}) {
            float[] a = new float[100], b = new float[100], c = new float[100];
            init.fill(a, 10, 10, new SplittableRandom(42));
            init.fill(b, 10, 10, new SplittableRandom(42));
            init.fill(c, 10, 10, new SplittableRandom(43));
            assertThat(a).as(init.toString()).containsExactly(b);
            assertThat(a).as(init.toString()).isNotEqualTo(c);
        }
    }

    @Test
    void fansOfDenseAndConvolutionShapes() {
        assertThat(Initializer.fans(256, 784)).containsExactly(784, 256);          // dense W [out, in]
        assertThat(Initializer.fans(8, 3, 5, 5)).containsExactly(3 * 25, 8 * 25);  // conv [out, in, kH, kW]
        assertThat(Initializer.fans(16, 6, 3, 1)).containsExactly(18, 48);
        assertThat(Initializer.fans(4, 2, 3)).containsExactly(6, 12);              // conv1d [out, in, k]
        assertThatThrownBy(() -> Initializer.fans(10)).hasMessageContaining("[10]").hasMessageContaining("≥ 2 axes");
    }

    @Test
    void fillByShapeUsesTheConvolutionFans() {
        // Kaiming normal for a conv kernel [64, 16, 3, 3]: σ² = 2/(16·9); the dense reading (fanIn 16) would give 2/16.
        int[] shape = {64, 16, 3, 3};
        float[] w = new float[64 * 16 * 9 * 20];
        assertThatThrownBy(() -> Initializer.KAIMING_NORMAL.fill(w, shape, new SplittableRandom(1)))
                .hasMessageContaining("Kaiming normal").hasMessageContaining("[64, 16, 3, 3]");
        float[] k = new float[64 * 16 * 9];
        double sum = 0;
        for (long seed = 0; seed < 20; seed++) {                   // 20 kernels = 184 320 draws
            Initializer.KAIMING_NORMAL.fill(k, shape, new SplittableRandom(seed));
            for (float v : k) sum += (double) v * v;
        }
        assertThat(sum / (20.0 * k.length)).isCloseTo(2.0 / 144, within(0.03 * 2.0 / 144));
        float[] g = new float[64 * 16 * 9];
        Initializer.GLOROT_UNIFORM.fill(g, shape, new SplittableRandom(3));
        double bound = Math.sqrt(6.0 / (16 * 9 + 64 * 9));
        for (float v : g) assertThat((double) Math.abs(v)).isLessThanOrEqualTo(bound);
    }

    @Test
    void badArgumentsNameTheInitializerAndTheValue() {
        float[] w = new float[4];
        assertThatThrownBy(() -> Initializer.KAIMING_UNIFORM.fill(w, 0, 3, new SplittableRandom(0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Kaiming uniform").hasMessageContaining("fanIn ≥ 1, got 0");
        assertThatThrownBy(() -> Initializer.GLOROT_NORMAL.fill(w, 3, -1, new SplittableRandom(0)))
                .hasMessageContaining("Glorot normal").hasMessageContaining("fanOut ≥ 1, got -1");
        assertThatThrownBy(() -> Initializer.uniform(-1)).hasMessageContaining("uniform").hasMessageContaining("-1.0");
        assertThatThrownBy(() -> Initializer.gaussian(Double.NaN)).hasMessageContaining("gaussian").hasMessageContaining("NaN");
        assertThatThrownBy(() -> Initializer.kaimingNormal(Float.NaN)).hasMessageContaining("slope").hasMessageContaining("NaN");
    }
}
