package dev.nabla.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.loss.SquaredError;
import dev.nabla.optim.Sgd;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Seed 002: a step perceptron represents AND, OR, NOT and majority, but not XOR; a hidden layer fixes that. */
class PerceptronTest {
    static final float[][] TWO = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    static final float[][] THREE = {{0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {0, 1, 1}, {1, 0, 0}, {1, 0, 1}, {1, 1, 0}, {1, 1, 1}};

    static void learnsPerfectly(float[][] xs, float[] ds, long seed) {
        Perceptron p = new Perceptron(xs[0].length, Activation.STEP, 0.1f, seed);
        List<Integer> log = p.train(xs, ds, 100);
        assertThat(log.getLast()).as("errors in the last epoch of %s", log).isZero();
        assertThat(p.accuracy(xs, ds)).isEqualTo(1f);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void and(long seed) { learnsPerfectly(TWO, new float[] {0, 0, 0, 1}, seed); }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void or(long seed) { learnsPerfectly(TWO, new float[] {0, 1, 1, 1}, seed); }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void not(long seed) { learnsPerfectly(new float[][] {{0}, {1}}, new float[] {1, 0}, seed); }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void majorityOfThree(long seed) { learnsPerfectly(THREE, new float[] {0, 0, 0, 1, 0, 1, 1, 1}, seed); }

    @Test
    void shuffledPresentationIsSeededAndStillConverges() {
        float[] major = {0, 0, 0, 1, 0, 1, 1, 1};
        Perceptron a = new Perceptron(3, Activation.STEP, 0.1f, 5), b = new Perceptron(3, Activation.STEP, 0.1f, 5);
        java.util.SplittableRandom ra = new java.util.SplittableRandom(9), rb = new java.util.SplittableRandom(9);
        int e = 0;
        while (a.epoch(THREE, major, ra) > 0 && e++ < 100) b.epoch(THREE, major, rb);
        assertThat(a.accuracy(THREE, major)).isEqualTo(1f);
        b.epoch(THREE, major, rb);
        assertThat(b.weights()).containsExactly(a.weights());                   // same seed, same order, same weights
    }

    @Test
    void signOutputWithBipolarCoding() {
        float[][] xs = {{-1, -1}, {-1, 1}, {1, -1}, {1, 1}};
        Perceptron p = new Perceptron(2, Activation.SIGN, 0.5f);
        assertThat(p.train(xs, new float[] {-1, -1, -1, 1}, 100).getLast()).isZero();   // AND
        assertThat(p.accuracy(xs, new float[] {-1, -1, -1, 1})).isEqualTo(1f);
    }

    /** The rule by hand: from w = 0, the first AND sample (0,0) with d = 0 gives y = step(0) = 1, so w ← w + η(0 − 1)(1, 0, 0). */
    @Test
    void theLearningRuleByHand() {
        Perceptron p = new Perceptron(2, Activation.STEP, 0.1f);
        assertThat(p.predict(new float[] {0, 0})).isEqualTo(1f);                 // z = 0 ≥ 0
        assertThat(p.learn(new float[] {0, 0}, 0)).isTrue();
        assertThat(p.weights()).containsExactly(-0.1f, 0f, 0f);
        assertThat(p.learn(new float[] {1, 1}, 1)).isTrue();                     // z = −0.1 → y = 0, d = 1
        assertThat(p.weights()).containsExactly(0f, 0.1f, 0.1f);
        assertThat(p.learn(new float[] {1, 1}, 1)).isFalse();                    // now right: nothing moves
        assertThat(p.weights()).containsExactly(0f, 0.1f, 0.1f);
    }

    /** XOR is not linearly separable: over thousands of epochs, with several seeds and rates, never 4 out of 4. */
    @ParameterizedTest
    @ValueSource(longs = {0, 1, 2, 3, 4})
    void neverLearnsXor(long seed) {
        float[] xor = {0, 1, 1, 0};
        for (float eta : new float[] {0.01f, 0.1f, 1f}) {
            Perceptron p = seed == 0 ? new Perceptron(2, Activation.STEP, eta) : new Perceptron(2, Activation.STEP, eta, seed);
            for (int e = 0; e < 2000; e++) {
                assertThat(p.epoch(TWO, xor)).as("epoch %d makes a mistake", e).isPositive();
                assertThat(p.accuracy(TWO, xor)).as("accuracy after epoch %d, %s", e, p).isLessThan(1f);
            }
        }
    }

    /** …while a 2-2-1 sigmoid MLP trained by backprop (full batch, E = ½Σ(d − y)²) learns it; seeded and deterministic. */
    @Test
    void twoTwoOneMlpLearnsXor() {
        Backend ops = new ReferenceBackend();
        Dataset xor = new Dataset(new float[] {0, 0, 0, 1, 1, 0, 1, 1}, new int[] {2}, new float[] {0, 1, 1, 0}, 1);
        Sequential mlp = new Sequential(new Dense(2, 2), ActivationLayer.sigmoid(), new Dense(2, 1), ActivationLayer.sigmoid()).bind(ops, 7);
        var history = new Trainer().epochs(3000).batchSize(0).seed(1).stopAtLoss(0.01f)
                .fit(mlp, new SquaredError(), Sgd.momentum(0.5f, 0.9f), xor);
        float[] y = mlp.forward(ops.upload(new float[] {0, 0, 0, 1, 1, 0, 1, 1}, 4, 2), false).toArray();
        assertThat(y[0]).isLessThan(0.2f);
        assertThat(y[1]).isGreaterThan(0.8f);
        assertThat(y[2]).isGreaterThan(0.8f);
        assertThat(y[3]).isLessThan(0.2f);
        assertThat(history.getLast().trainLoss()).isLessThanOrEqualTo(0.01f);
    }

    @Test
    void badInput() {
        assertThatThrownBy(() -> new Perceptron(2, Activation.SIGMOID, 0.1f)).hasMessageContaining("STEP or SIGN");
        assertThatThrownBy(() -> new Perceptron(2, Activation.STEP, -0.1f)).hasMessageContaining("η").hasMessageContaining("-0.1");
        Perceptron p = new Perceptron(2, Activation.STEP, 0.1f);
        assertThatThrownBy(() -> p.predict(new float[] {1, 2, 3})).hasMessageContaining("Perceptron(2 inputs)").hasMessageContaining("3 values");
        assertThatThrownBy(() -> p.learn(new float[] {1, 2}, -1)).hasMessageContaining("0 or 1").hasMessageContaining("-1");
        assertThatThrownBy(() -> p.epoch(TWO, new float[] {0, 1})).hasMessageContaining("4 samples but 2 targets");
    }
}
