package dev.nabla.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The losses by hand-computed values, central-difference gradients, ignored rows and bad input. (PyTorch's values
 * are pinned in {@code dev.nabla.golden.GoldenLossTest}.)
 */
class LossTest {
    final Backend be = new ReferenceBackend();

    Tensor t(float[] v, int... shape) { return be.upload(v, shape); }

    @Test
    void squaredErrorIsHalfTheSumOverTheWholeBatch() {
        // seed 000: E = ½ Σ (d − y)²; y = [[1, 2], [0, −1]], d = 0 → ½ (1 + 4 + 0 + 1) = 3; ∂E/∂y = y − d
        Tensor y = t(new float[] {1, 2, 0, -1}, 2, 2), d = be.zeros(2, 2), dy = be.zeros(2, 2);
        assertThat(new SquaredError().compute(y, d, dy)).isEqualTo(3f);
        assertThat(dy.toArray()).containsExactly(1, 2, 0, -1);
        assertThat(new MeanSquaredError().compute(y, d, dy)).isEqualTo(1.5f);        // (1 + 4 + 0 + 1)/4
        assertThat(dy.toArray()).containsExactly(0.5f, 1f, 0f, -0.5f);               // 2(y − d)/n
        assertThat(new L1Loss().compute(y, d, dy)).isEqualTo(1f);                     // (1 + 2 + 0 + 1)/4
        assertThat(dy.toArray()).containsExactly(0.25f, 0.25f, 0f, -0.25f);          // sign(y − d)/n, 0 at y = d
    }

    @Test
    void binaryCrossEntropyOfTheLogisticExample() {
        // y = 0.888 for target 1: −ln 0.888 = 0.11878; for target 0: −ln 0.112 = 2.18926
        Tensor y = t(new float[] {0.888f, 0.888f}, 2), d = t(new float[] {1, 0}, 2);
        assertThat(new BinaryCrossEntropy().compute(y, d, null)).isCloseTo((0.118783f + 2.189256f) / 2, within(1e-5f));
    }

    @Test
    void binaryCrossEntropyFromLogitsEqualsBceOfTheSigmoidAndStaysFiniteForHugeLogits() {
        float[] z = {-3, -0.5f, 0, 0.7f, 4}, d = {0, 1, 1, 0, 1}, p = new float[5];
        for (int i = 0; i < 5; i++) p[i] = ReferenceBackend.sigmoid(z[i]);
        Tensor dz = be.zeros(5), dp = be.zeros(5);
        float withLogits = new BinaryCrossEntropyWithLogits().compute(t(z, 5), t(d, 5), dz);
        float onProbabilities = new BinaryCrossEntropy().compute(t(p, 5), t(d, 5), dp);
        assertThat(withLogits).isCloseTo(onProbabilities, within(1e-6f));
        for (int i = 0; i < 5; i++) {                           // ∂E/∂z = ∂E/∂p · σ'(z) = (σ(z) − d)/n
            assertThat(dz.toArray()[i]).isCloseTo((p[i] - d[i]) / 5, within(1e-7f));
            assertThat(dz.toArray()[i]).isCloseTo(dp.toArray()[i] * p[i] * (1 - p[i]), within(1e-6f));
        }
        // |z| = 1000: σ(z) is exactly 0 or 1 in float, yet E = (0 + 1000 + 0 + 0)/4 exactly
        Tensor big = t(new float[] {1000, 1000, -1000, -1000}, 2, 2), db = be.zeros(2, 2);
        assertThat(new BinaryCrossEntropyWithLogits().compute(big, t(new float[] {1, 0, 0, 1}, 2, 2), db)).isEqualTo(500f);
        assertThat(db.toArray()).containsExactly(0f, 0.25f, 0f, -0.25f);
    }

    @Test
    void softmaxCrossEntropyOfTheSeed004Example() {
        // softmax([1, 2, 3, 4, 1, 2, 3]) = [0.024, 0.064, 0.175, 0.475, 0.024, 0.064, 0.175]; label 3 → E = −ln 0.475
        Tensor z = t(new float[] {1, 2, 3, 4, 1, 2, 3}, 1, 7), dz = be.zeros(1, 7);
        assertThat(new SoftmaxCrossEntropy().compute(z, t(new float[] {3}, 1), dz)).isCloseTo(0.74479f, within(1e-5f));
        float[] g = dz.toArray();
        assertThat(g[0]).isCloseTo(0.024f, within(1e-3f));
        assertThat(g[3]).isCloseTo(0.475f - 1, within(1e-3f));
    }

    @Test
    void hingeOfTheSeed002WindowObjective() {
        // J = max(0, Δ + s_c − s): true class scores s = 2; others 1.5 (violates by 0.5), −1 (fine), 1 (margin exactly 0)
        Tensor s = t(new float[] {1.5f, 2, -1, 1}, 1, 4), ds = be.zeros(1, 4);
        assertThat(new MultiClassHinge().compute(s, t(new float[] {1}, 1), ds)).isEqualTo(0.5f);
        assertThat(ds.toArray()).containsExactly(1, -1, 0, 0);   // ∂J/∂s_c = 1, ∂J/∂s = −1 where violated
        assertThat(new MultiClassHinge(0f).compute(s, t(new float[] {1}, 1), ds)).isEqualTo(0f);
        assertThat(ds.toArray()).containsExactly(0, 0, 0, 0);
    }

    @Test
    void negativeLabelsAreIgnoredAndTheMeanCountsOnlyTheOthers() {
        float[] z = {1, 2, 3, 9, -9, 0.5f, 0, 0, 0};
        Tensor all = t(z, 3, 3), dz = be.zeros(3, 3);
        Loss[] losses = {new SoftmaxCrossEntropy(), new MultiClassHinge()};
        for (Loss loss : losses) {
            float e = loss.compute(all, t(new float[] {2, -1, 0}, 3), dz);
            float[] g = dz.toArray();
            assertThat(new float[] {g[3], g[4], g[5]}).as(loss.name()).containsExactly(0, 0, 0);
            // the same as the two counted rows alone
            Tensor two = t(new float[] {1, 2, 3, 0, 0, 0}, 2, 3), d2 = be.zeros(2, 3);
            assertThat(e).as(loss.name()).isEqualTo(loss.compute(two, t(new float[] {2, 0}, 2), d2));
            float[] g2 = d2.toArray();
            assertThat(new float[] {g[0], g[1], g[2], g[6], g[7], g[8]}).as(loss.name()).containsExactly(g2);
            // a label in (−1, 0) is neither a class nor "ignore" (a negative whole number): refused, naming the loss
            assertThatThrownBy(() -> loss.compute(all, t(new float[] {2, -0.5f, 0}, 3), dz)).as(loss.name())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(loss.name() + ": label -0.5 in row 1");
            assertThat(loss.compute(all, t(new float[] {2, -3, 0}, 3), dz)).as(loss.name()).isEqualTo(e);   // any negative whole number
            // every row ignored: E = 0 and ∂E/∂z = 0 (not 0/0)
            assertThat(loss.compute(all, t(new float[] {-1, -1, -1}, 3), dz)).as(loss.name()).isEqualTo(0f);
            assertThat(dz.toArray()).as(loss.name()).containsOnly(0f);
        }
    }

    @Test
    void labelsOutOfRangeNameTheValueAndTheRow() {
        Tensor z = be.zeros(3, 4);
        for (Loss loss : new Loss[] {new SoftmaxCrossEntropy(), new MultiClassHinge()}) {
            assertThatThrownBy(() -> loss.compute(z, t(new float[] {0, 3, 4}, 3), null)).as(loss.name())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("label 4.0 in row 2").hasMessageContaining("[0, 4)")
                    .hasMessageStartingWith(loss.name() + ": ");                 // the loss, not the backend op, is named
            assertThatThrownBy(() -> loss.compute(z, t(new float[] {1.5f, 0, 0}, 3), null)).as(loss.name())
                    .hasMessageContaining("label 1.5 in row 0");
            assertThatThrownBy(() -> loss.compute(z, t(new float[] {0, Float.NaN, 0}, 3), null)).as(loss.name())
                    .hasMessageContaining("label NaN in row 1");
            assertThatThrownBy(() -> loss.compute(z, t(new float[] {0, 1}, 2), null)).as(loss.name())
                    .hasMessageContaining(loss.name()).hasMessageContaining("2 labels").hasMessageContaining("[3, 4]");
        }
        assertThatThrownBy(() -> be.countCorrect(z, t(new float[] {0, 7, 1}, 3))).hasMessageContaining("label 7.0 in row 1");
    }

    @Test
    void badShapesEmptyBatchesAndNonFiniteLossesAreNamed() {
        Tensor y = be.zeros(4, 2);
        assertThatThrownBy(() -> new MeanSquaredError().compute(y, be.zeros(4, 3), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MeanSquaredError").hasMessageContaining("[4, 3]").hasMessageContaining("[4, 2]");
        assertThatThrownBy(() -> new SquaredError().compute(y, be.zeros(4, 2), be.zeros(3)))
                .hasMessageContaining("gradient buffer [3]");
        assertThatThrownBy(() -> new L1Loss().compute(be.zeros(0, 2), be.zeros(0, 2), null)).hasMessageContaining("empty batch");
        assertThatThrownBy(() -> new SoftmaxCrossEntropy().compute(be.zeros(0, 5), be.zeros(0), null)).hasMessageContaining("empty batch");
        // IEEE arithmetic, as PyTorch: BCE of y = 1.5 (not a probability) is NaN, a NaN output gives a NaN loss —
        // returned, never hidden (the Trainer stops at it naming the step, with the loss's hint)
        assertThat(new BinaryCrossEntropy().compute(t(new float[] {0.5f, 1.5f}, 2), t(new float[] {0, 1}, 2), null)).isNaN();
        assertThat(new BinaryCrossEntropy().hint()).contains("[0, 1]");
        assertThat(new MeanSquaredError().compute(t(new float[] {Float.NaN}, 1), be.zeros(1), null)).isNaN();
        assertThatThrownBy(() -> new MultiClassHinge(-1f)).hasMessageContaining("margin").hasMessageContaining("-1.0");
    }

    @Test
    void hingeStaysFiniteForExtremeFiniteScores() {
        // Δ + s_c − s summed in float would overflow to ∞ for |s| near the float maximum; the loss itself is finite here
        // row 0: Δ + s_0 − s_1 = 1 + 3e38 + 3e38 = 6e38 (∞ in float); mean over 4 rows = (6e38 + 3)/4 = 1.5e38, finite
        Tensor s = t(new float[] {3e38f, -3e38f, 0, 0, 0, 0, 0, 0}, 4, 2), ds = be.zeros(4, 2);
        float e = new MultiClassHinge().compute(s, t(new float[] {1, 0, 1, 0}, 4), ds);
        assertThat(e).isCloseTo(1.5e38f, within(1e32f));
        assertThat(ds.toArray()).containsExactly(0.25f, -0.25f, -0.25f, 0.25f, 0.25f, -0.25f, -0.25f, 0.25f);
    }

    @Test
    void hingeAndCrossEntropyNeverMakeNaNFromNaNFreeInputs() {
        // extreme but NaN-free scores (the hinge also gets ±∞), random labels with ignored rows, many shapes
        float[] hingeValues = {0, 1, -1, 0.5f, 1e-45f, 1e30f, -1e30f, 3e38f, -3e38f, Float.MAX_VALUE, -Float.MAX_VALUE,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        SplittableRandom rng = new SplittableRandom(2026);
        for (int trial = 0; trial < 2000; trial++) {
            int rows = 1 + rng.nextInt(4), classes = 1 + rng.nextInt(5);
            boolean ce = trial % 2 == 0;
            float[] s = new float[rows * classes], labels = new float[rows];
            for (int i = 0; i < s.length; i++) s[i] = hingeValues[rng.nextInt(ce ? 11 : hingeValues.length)];
            for (int r = 0; r < rows; r++) labels[r] = rng.nextInt(classes + 1) - 1;
            Tensor ds = be.zeros(rows, classes);
            float margin = rng.nextBoolean() ? 1f : 0f;
            float e = ce ? be.softmaxCrossEntropy(t(s, rows, classes), t(labels, rows), ds)
                    : be.hinge(t(s, rows, classes), t(labels, rows), margin, ds);
            String what = (ce ? "softmaxCrossEntropy" : "hinge Δ=" + margin) + " of " + java.util.Arrays.toString(s)
                    + " labels " + java.util.Arrays.toString(labels);
            if (!ce && infinityMinusInfinity(s, labels, classes)) {
                // Δ + s_j − s_label with s_j and s_label the same infinity is ∞ − ∞: NaN in IEEE arithmetic, and the loss
                // says so (max(0, NaN) must not hide it); finite scores, however extreme, never get here
                assertThat(e).as(what).isNaN();
                continue;
            }
            assertThat(e).as(what).isNotNaN().isGreaterThanOrEqualTo(0f);
            for (float g : ds.toArray()) assertThat(g).as(what).isNotNaN().isBetween(-(float) classes, 1f);   // the true class collects −1 per violation
        }
    }

    /** Whether a counted row has a class j ≠ label with s_j and s_label the same infinity (so Δ + s_j − s_label is NaN). */
    private static boolean infinityMinusInfinity(float[] s, float[] labels, int classes) {
        for (int r = 0; r < labels.length; r++) {
            if (labels[r] < 0) continue;
            float sl = s[r * classes + (int) labels[r]];
            for (int j = 0; j < classes; j++) {
                if (j != (int) labels[r] && Float.isInfinite(sl) && s[r * classes + j] == sl) return true;
            }
        }
        return false;
    }

    static Supplier<Loss>[] regression() {
        @SuppressWarnings("unchecked")
        Supplier<Loss>[] all = new Supplier[] {SquaredError::new, MeanSquaredError::new, L1Loss::new, BinaryCrossEntropy::new,
                BinaryCrossEntropyWithLogits::new, SoftmaxCrossEntropy::new, MultiClassHinge::new};
        return all;
    }

    /** ∂E/∂y against central differences (E(y + h) − E(y − h))/2h, every element, float precision. */
    @ParameterizedTest(name = "loss #{0}")
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6})
    void gradientMatchesCentralDifferences(int which) {
        Loss loss = regression()[which].get();
        SplittableRandom rng = new SplittableRandom(which);
        int rows = 3, cols = 4;
        float[] y = new float[rows * cols], target;
        boolean probabilities = loss instanceof BinaryCrossEntropy;
        for (int i = 0; i < y.length; i++) y[i] = probabilities ? (float) rng.nextDouble(0.1, 0.9) : (float) rng.nextDouble(-2, 2);
        if (loss.classification()) {
            target = new float[] {1, -1, 3};
        } else {
            target = new float[y.length];
            for (int i = 0; i < y.length; i++) target[i] = loss instanceof BinaryCrossEntropy || loss instanceof BinaryCrossEntropyWithLogits
                    ? (rng.nextBoolean() ? 1 : 0) : (float) rng.nextDouble(-2, 2);
        }
        Tensor d = t(target, loss.classification() ? new int[] {rows} : new int[] {rows, cols});
        Tensor dy = be.zeros(rows, cols);
        loss.compute(t(y, rows, cols), d, dy);
        float[] g = dy.toArray();
        float h = 1e-3f;
        for (int i = 0; i < y.length; i++) {
            float[] plus = y.clone(), minus = y.clone();
            plus[i] += h;
            minus[i] -= h;
            double numeric = ((double) loss.compute(t(plus, rows, cols), d, null) - loss.compute(t(minus, rows, cols), d, null)) / (2 * h);
            assertThat((double) g[i]).as(loss.name() + " ∂E/∂y[" + i + "]").isCloseTo(numeric, within(2e-3 * (1 + Math.abs(numeric))));
        }
    }

    @Test
    void lossesByName() {
        for (String name : Loss.NAMES) assertThat(Loss.create(name)).as(name).isNotNull();
        assertThat(Loss.create("cross-entropy")).isInstanceOf(SoftmaxCrossEntropy.class);
        assertThat(Loss.create("hinge").classification()).isTrue();
        assertThat(Loss.create("mse").classification()).isFalse();
        assertThatThrownBy(() -> Loss.create("huber")).hasMessageContaining("'huber'").hasMessageContaining("cross-entropy");
    }
}
