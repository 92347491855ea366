package dev.nabla.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.nn.Param;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * Optimizers by hand-computed steps, convergence on a quadratic bowl, parameters exempt from weight decay, bad
 * hyperparameters, and the lecture's gradient-norm clipping. (PyTorch's trajectories are pinned in
 * {@code dev.nabla.golden.GoldenOptimizerTest}.)
 */
class OptimizerTest {
    final Backend be = new ReferenceBackend();

    Param param(String name, float... v) { return new Param(name, be.upload(v, v.length)); }

    void grad(Param p, float... g) { be.upload(g, 0, p.grad()); }

    @Test
    void sgdMomentumAndNesterovByHand() {
        // w = 1, g = 2 twice, η = 0.1, μ = 0.5. Classic: v = 2 → w = 0.8; v = 0.5·2 + 2 = 3 → w = 0.5.
        Param w = param("w", 1f);
        Optimizer classic = Sgd.momentum(0.1f, 0.5f);
        grad(w, 2f); classic.step(List.of(w));
        assertThat(w.value().item()).isCloseTo(0.8f, within(1e-6f));
        grad(w, 2f); classic.step(List.of(w));
        assertThat(w.value().item()).isCloseTo(0.5f, within(1e-6f));
        // Nesterov: v = 2, step = g + μv = 3 → w = 0.7; v = 3, step = 2 + 1.5 = 3.5 → w = 0.35
        Param u = param("u", 1f);
        Optimizer nesterov = Sgd.nesterov(0.1f, 0.5f);
        grad(u, 2f); nesterov.step(List.of(u));
        assertThat(u.value().item()).isCloseTo(0.7f, within(1e-6f));
        grad(u, 2f); nesterov.step(List.of(u));
        assertThat(u.value().item()).isCloseTo(0.35f, within(1e-6f));
    }

    @Test
    void adamFirstStepMovesEachWeightByAboutTheLearningRate() {
        // t = 1: m̂ = g, v̂ = g², so Δw = −η·g/(|g| + ε) = −η·sign(g), whatever the gradient's scale
        Param w = param("w", 0f, 0f, 0f);
        grad(w, 1000f, -0.01f, 3f);
        Adam adam = new Adam(0.01f);
        adam.step(List.of(w));
        assertThat(w.value().toArray()).containsExactly(new float[] {-0.01f, 0.01f, -0.01f}, within(1e-7f));
        assertThat(adam.stepCount(w)).isEqualTo(1);
    }

    @Test
    void everyOptimizerDescendsAQuadraticBowl() {
        // E = ½‖w − c‖², ∂E/∂w = w − c; each optimizer with its usual settings gets within 0.05 of c
        List<Supplier<Optimizer>> all = List.of(() -> new Sgd(0.1f), () -> Sgd.momentum(0.05f, 0.9f), () -> Sgd.nesterov(0.05f, 0.9f),
                () -> new Adagrad(0.5f), () -> new RmsProp(0.02f), () -> new Adadelta(1f, 0.9f, 1e-2f, 0f), () -> new Adam(0.05f));
        float[] c = {3, -2, 0.5f};
        for (Supplier<Optimizer> make : all) {
            Optimizer opt = make.get();
            Param w = param("w", 0f, 0f, 0f);
            for (int step = 0; step < 500; step++) {
                float[] v = w.value().toArray();
                grad(w, v[0] - c[0], v[1] - c[1], v[2] - c[2]);
                opt.step(List.of(w));
            }
            assertThat(w.value().toArray()).as(opt.name()).containsExactly(c, within(0.05f));
        }
    }

    @Test
    void weightDecayShrinksDecayedParamsAndLeavesExemptOnesAlone() {
        for (Optimizer opt : List.of(new Sgd(0.1f, 0f, false, 0.5f), new Adagrad(0.1f, 1e-10f, 0.5f), new RmsProp(0.1f, 0.9f, 1e-8f, 0.5f),
                new Adadelta(1f, 0.9f, 1e-6f, 0.5f), new Adam(0.1f, 0.9f, 0.999f, 1e-8f, 0.5f))) {
            Param w = param("w", 2f), b = param("b", 2f).decay(false);   // zero gradients: only λw acts
            opt.step(List.of(w, b));
            assertThat(w.value().item()).as(opt.name()).isLessThan(2f);
            assertThat(b.value().item()).as(opt.name()).isEqualTo(2f);
        }
    }

    @Test
    void badHyperparametersNameTheOptimizerAndTheValue() {
        expect(() -> new Sgd(-0.1f), "SGD", "learning rate", "-0.1");
        expect(() -> new Sgd(Float.NaN), "SGD", "learning rate", "NaN");
        expect(() -> new Sgd(0f), "SGD", "learning rate", "0.0");
        expect(() -> new Sgd(Float.POSITIVE_INFINITY), "SGD", "learning rate", "Infinity");
        expect(() -> Sgd.momentum(0.1f, 1f), "SGD", "momentum", "1.0");
        expect(() -> new Sgd(0.1f, 0f, true, 0f), "SGD", "Nesterov", "0.0");
        expect(() -> new Sgd(0.1f, 0.9f, false, -1f), "SGD", "weight decay", "-1.0");
        expect(() -> new Adagrad(-1f), "Adagrad", "learning rate", "-1.0");
        expect(() -> new Adagrad(0.1f, 0f, 0f), "Adagrad", "ε", "0.0");
        expect(() -> new RmsProp(Float.NaN), "RMSProp", "learning rate", "NaN");
        expect(() -> new RmsProp(0.1f, 1.5f, 1e-8f, 0f), "RMSProp", "ρ", "1.5");
        expect(() -> new Adadelta(1f, -0.1f, 1e-6f, 0f), "Adadelta", "ρ", "-0.1");
        expect(() -> new Adadelta(1f, 0.9f, 1e-6f, Float.NaN), "Adadelta", "weight decay", "NaN");
        expect(() -> new Adam(-0.001f), "Adam", "learning rate", "-0.001");
        expect(() -> new Adam(0.001f, 0.9f, 1f, 1e-8f, 0f), "Adam", "β₂", "1.0");
        expect(() -> new Adam(0.001f, Float.NaN, 0.999f, 1e-8f, 0f), "Adam", "β₁", "NaN");
        expect(() -> new Adam(0.001f, 0.9f, 0.999f, -1e-8f, 0f), "Adam", "ε", "-1.0E-8");
    }

    static void expect(ThrowingCallable make, String... words) {
        var a = assertThatThrownBy(make).isInstanceOf(IllegalArgumentException.class);
        for (String w : words) a.hasMessageContaining(w);
    }

    @Test
    void clippingRescalesTheGlobalNormToTheThresholdKeepingTheDirection() {
        // g = (3, 4 | 12): ‖g‖ = 13 ≥ 6.5 → g ← (6.5/13)·g = (1.5, 2 | 6)
        Param a = param("a", 0f, 0f), b = param("b", 0f);
        grad(a, 3f, 4f);
        grad(b, 12f);
        assertThat(Clipping.clipGlobalNorm(List.of(a, b), 6.5f)).isEqualTo(13f);
        assertThat(a.grad().toArray()).containsExactly(1.5f, 2f);
        assertThat(b.grad().toArray()).containsExactly(6f);
        assertThat(Clipping.globalNorm(List.of(a, b))).isCloseTo(6.5f, within(1e-6f));
        // below the threshold nothing changes; at the threshold the factor is exactly 1
        assertThat(Clipping.clipGlobalNorm(List.of(a, b), 100f)).isCloseTo(6.5f, within(1e-6f));
        assertThat(a.grad().toArray()).containsExactly(1.5f, 2f);
        Param c = param("c", 0f);
        grad(c, 5f);
        Clipping.clipGlobalNorm(List.of(c), 5f);
        assertThat(c.grad().item()).isEqualTo(5f);
    }

    @Test
    void clippingRefusesNonFiniteNormsAndBadThresholds() {
        Param a = param("a", 0f, 0f);
        grad(a, Float.NaN, 1f);
        assertThatThrownBy(() -> Clipping.clipGlobalNorm(List.of(param("ok", 1f), a), 1f)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("NaN").hasMessageContaining("the first non-finite gradient is a[2]'s");
        grad(a, Float.POSITIVE_INFINITY, 1f);
        assertThatThrownBy(() -> Clipping.clipGlobalNorm(List.of(a), 1f)).hasMessageContaining("Infinity");
        assertThatThrownBy(() -> Clipping.clipGlobalNorm(List.of(a), 0f)).hasMessageContaining("threshold").hasMessageContaining("0.0");
        assertThatThrownBy(() -> Clipping.clipGlobalNorm(List.of(a), Float.NaN)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
        assertThatThrownBy(() -> Clipping.clipGlobalNorm(List.of(a), Float.POSITIVE_INFINITY)).hasMessageContaining("finite");
    }

    @Test
    void optimizersByName() {
        for (String name : Optimizers.NAMES) {
            Optimizer opt = Optimizers.create(name, Optimizers.defaultLearningRate(name));
            assertThat(opt.learningRate()).isEqualTo(Optimizers.defaultLearningRate(name));
        }
        assertThat(Optimizers.create("Adam", 0.1f)).isInstanceOf(Adam.class);
        assertThat(Optimizers.create("nesterov", 0.1f).name()).contains("Nesterov μ=0.9");
        assertThatThrownBy(() -> Optimizers.create("adamw", 0.1f)).hasMessageContaining("'adamw'").hasMessageContaining("rmsprop");
        assertThatThrownBy(() -> Optimizers.create("adam", -1f)).hasMessageContaining("Adam").hasMessageContaining("-1.0");
    }
}
