package dev.nabla.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Inverted dropout: scaling, training vs evaluation mode, the backward mask, reproducible seeds. */
class DropoutTest {
    private final Backend ops = new ReferenceBackend();

    private Dropout bound(float p) {
        Dropout d = new Dropout(p);
        d.bind(ops, new SplittableRandom(1));
        return d;
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        Arrays.fill(a, 1f);
        return a;
    }

    @Test
    void trainingDropsAboutPAndScalesTheSurvivorsByOneOverOneMinusP() {
        Dropout d = bound(0.25f);
        float[] y = d.forward(ops.upload(ones(20_000), 100, 200), true).toArray();
        int zeros = 0;
        double sum = 0;
        for (float v : y) {
            if (v == 0f) zeros++;
            else assertThat(v).isEqualTo(1f / 0.75f);
            sum += v;
        }
        assertThat(zeros / 20_000.0).isCloseTo(0.25, within(0.015));
        assertThat(sum / 20_000.0).isCloseTo(1.0, within(0.02));          // the expected activation is unchanged
    }

    @Test
    void evaluationModeIsTheIdentityInBothDirections() {
        Dropout d = bound(0.5f);
        Tensor x = ops.upload(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertThat(d.forward(x, false).toArray()).containsExactly(1, 2, 3, 4, 5, 6);
        Tensor dy = ops.upload(new float[] {6, 5, 4, 3, 2, 1}, 2, 3);
        assertThat(d.backward(dy).toArray()).containsExactly(6, 5, 4, 3, 2, 1);
        assertThat(bound(0f).forward(x, true).toArray()).containsExactly(1, 2, 3, 4, 5, 6);
    }

    @Test
    void backwardUsesTheForwardMaskAndEachStepDrawsANewOne() {
        Dropout d = bound(0.5f);
        Tensor x = ops.upload(ones(64), 4, 16);
        float[] y1 = d.forward(x, true).toArray();
        float[] dx = d.backward(ops.upload(ones(64), 4, 16)).toArray();
        assertThat(dx).containsExactly(y1);                               // ∂E/∂x = ∂E/∂y ⊙ m, and here y = m
        float[] y2 = d.forward(x, true).toArray();
        assertThat(y2).isNotEqualTo(y1);
        d.reseed(5);
        float[] a = d.forward(x, true).toArray();
        d.reseed(5);
        assertThat(d.forward(x, true).toArray()).containsExactly(a);
    }

    @Test
    void aModelIsDeterministicInEvaluationModeAndNoisyInTraining() {
        Sequential net = new Sequential(new Dense(4, 16), ActivationLayer.relu(), new Dropout(0.5f), new Dense(16, 3)).bind(ops, 2);
        Tensor x = ops.upload(new float[] {1, -2, 3, 0.5f, 0, 1, -1, 2}, 2, 4);
        float[] e1 = net.forward(x, false).toArray(), e2 = net.forward(x, false).toArray();
        assertThat(e2).containsExactly(e1);
        float[] t1 = net.forward(x, true).toArray(), t2 = net.forward(x, true).toArray();
        assertThat(t1).isNotEqualTo(e1);
        assertThat(t2).isNotEqualTo(t1);
    }

    @Test
    void theProbabilityMustBeBelowOne() {
        assertThatThrownBy(() -> new Dropout(1f)).hasMessageContaining("[0, 1)");
        assertThatThrownBy(() -> new Dropout(-0.1f)).hasMessageContaining("[0, 1)");
    }
}
