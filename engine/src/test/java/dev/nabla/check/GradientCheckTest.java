package dev.nabla.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.ElementwiseLoss;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.loss.Loss;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Param;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The checker passes right gradients and — the point of a checker — catches planted wrong ones. */
class GradientCheckTest {
    final Backend ops = new ReferenceBackend();

    /** A sigmoid layer whose backward "forgets" the (1 − y) factor: ∂E/∂net = ∂E/∂y · y. A classic slip. */
    static final class WrongSigmoid implements Layer {
        Backend ops;
        Tensor y, dx;

        public void bind(Backend ops, RandomGenerator rng) { this.ops = ops; }
        public int[] outputShape(int[] s) { return s; }

        public Tensor forward(Tensor x, boolean training) {
            y = ops.zeros(x.shape());
            ops.activation(Activation.SIGMOID, x, y);
            return y;
        }

        public Tensor backward(Tensor dy) {
            dx = ops.zeros(y.shape());
            ops.mul(dy, y, dx);                                   // wrong: should be dy ⊙ y(1 − y)
            return dx;
        }
    }

    /** A dense layer whose input gradient is right but whose bias gradient is doubled. */
    static final class WrongBiasDense implements Layer {
        final Dense inner = new Dense(3, 2);

        public void bind(Backend ops, RandomGenerator rng) { inner.bind(ops, rng); }
        public int[] outputShape(int[] s) { return inner.outputShape(s); }
        public Tensor forward(Tensor x, boolean training) { return inner.forward(x, training); }

        public Tensor backward(Tensor dy) {
            Tensor dx = inner.backward(dy);
            inner.bias().backend().scale(inner.bias().grad(), 2f);   // wrong: ∂E/∂b = Σ δ, not 2 Σ δ
            return dx;
        }

        public List<Param> params() { return inner.params(); }
        public String name() { return "WrongBiasDense"; }
    }

    @Test
    void catchesAWrongInputGradient() {
        WrongSigmoid bad = new WrongSigmoid();
        bad.bind(ops, new SplittableRandom(1));
        Tensor x = ops.upload(Inputs.uniform(1, 12, -2, 2), 3, 4);
        GradientCheck.Result r = GradientCheck.layer(bad, x);
        assertThat(r.part("input").maxRelError()).isGreaterThan(0.3);
        assertThatThrownBy(() -> r.assertBelow(1e-2)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("WrongSigmoid").hasMessageContaining("input");
    }

    @Test
    void catchesAWrongParameterGradientAndNamesIt() {
        WrongBiasDense bad = new WrongBiasDense();
        bad.bind(ops, new SplittableRandom(2));
        GradientCheck.Result r = GradientCheck.layer(bad, ops.upload(Inputs.uniform(2, 4 * 3, -1, 1), 4, 3));
        String b = bad.inner.bias().name(), w = bad.inner.weight().name();
        assertThat(r.part("input").maxRelError()).isLessThan(1e-2);
        assertThat(r.part(w).maxRelError()).isLessThan(1e-2);
        assertThat(r.part(b).maxRelError()).isGreaterThan(0.3);
        assertThatThrownBy(() -> r.assertBelow(1e-2)).isInstanceOf(AssertionError.class)
                .hasMessageContaining(b).satisfies(e -> assertThat(e.getMessage()).doesNotContain(w + ":"));
    }

    @Test
    void theSameLayerDoneRightPasses() {
        Dense good = new Dense(3, 2);
        good.bind(ops, new SplittableRandom(2));
        GradientCheck.Result r = GradientCheck.layer(good, ops.upload(Inputs.uniform(2, 4 * 3, -1, 1), 4, 3)).assertBelow(1e-2);
        assertThat(r.maxRelError()).isLessThan(1e-3);
        assertThat(r.toString()).contains("Dense(3→2).W", "Dense(3→2).b", "input");
    }

    @Test
    void maxPerPartChecksAStridedSubset() {
        Dense d = new Dense(6, 5);
        d.bind(ops, new SplittableRandom(4));
        GradientCheck.Result r = new GradientCheck().maxPerPart(7).checkLayer(d, ops.upload(Inputs.uniform(5, 4 * 6, -1, 1), 4, 6)).assertBelow(1e-2);
        assertThat(r.part("input").checked()).isBetween(1, 7);
        assertThat(r.part("Dense(6→5).W").checked()).isBetween(1, 7);
        assertThat(r.part("Dense(6→5).b").checked()).isEqualTo(5);
    }

    @Test
    void restoresInputAndParameters() {
        Dense d = new Dense(3, 2);
        d.bind(ops, new SplittableRandom(4));
        float[] xv = Inputs.uniform(5, 6, -1, 1), w = d.weight().value().toArray();
        Tensor x = ops.upload(xv, 2, 3);
        GradientCheck.layer(d, x);
        assertThat(x.toArray()).containsExactly(xv);
        assertThat(d.weight().value().toArray()).containsExactly(w);
    }

    /** A loss adapter over the backend's elementwise losses, to check their gradients here. */
    record Elementwise(ElementwiseLoss kind) implements Loss {
        public float compute(Tensor y, Tensor target, Tensor dy) { return y.backend().elementwiseLoss(kind, y, target, dy); }
        public String name() { return kind.name(); }
    }

    @ParameterizedTest
    @EnumSource(ElementwiseLoss.class)
    void elementwiseLosses(ElementwiseLoss kind) {
        float[] y = Inputs.uniform(11, 12, 0.1f, 0.9f), d = Inputs.uniform(12, 12, 0f, 1f);
        for (int i = 0; i < y.length; i++) if (Math.abs(y[i] - d[i]) < 0.05f) d[i] = y[i] + 0.1f;   // away from L1's kink at y = d
        GradientCheck.loss(new Elementwise(kind), ops.upload(y, 3, 4), ops.upload(d, 3, 4)).assertBelow(1e-2);
    }

    @Test
    void softmaxCrossEntropy() {
        Tensor z = ops.upload(Inputs.uniform(13, 5 * 4, -3, 3), 5, 4);
        Tensor labels = ops.upload(new float[] {0, 3, -1, 2, 1}, 5);      // row 2 is ignored padding
        GradientCheck.Result r = GradientCheck.loss(new SoftmaxCrossEntropy(), z, labels).assertBelow(1e-2);
        assertThat(r.part("output").checked()).isEqualTo(20);
    }

    @Test
    void hinge() {
        Loss hinge = new Loss() {
            public float compute(Tensor y, Tensor t, Tensor dy) { return y.backend().hinge(y, t, 1f, dy); }
            public String name() { return "Hinge"; }
        };
        // scores whose margins Δ + s_j − s_label all stay ≥ 0.1 away from the kink at 0
        Tensor s = ops.upload(new float[] {0.3f, 1.9f, -0.6f, 2.0f, 0.2f, 0.5f, -1.0f, 1.4f, 0.9f}, 3, 3);
        GradientCheck.loss(hinge, s, ops.upload(new float[] {1, 0, 2}, 3)).assertBelow(1e-2);
    }

    @Test
    void catchesAWrongLossGradient() {
        // squared error whose δ forgot nothing but flipped the sign: ∂E/∂y = d − y (gradient ascent)
        Loss flipped = new Loss() {
            public float compute(Tensor y, Tensor t, Tensor dy) {
                float e = y.backend().elementwiseLoss(ElementwiseLoss.SQUARED_ERROR, y, t, dy);
                if (dy != null) y.backend().scale(dy, -1f);
                return e;
            }
        };
        Tensor y = ops.upload(new float[] {0.2f, 0.7f, -0.4f}, 3), d = ops.upload(new float[] {1f, 0f, 0.5f}, 3);
        assertThatThrownBy(() -> GradientCheck.loss(flipped, y, d).assertBelow(1e-2)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("output");
    }

    @Test
    void endToEndThroughAModelAndItsLoss() {
        dev.nabla.nn.Sequential m = dev.nabla.nn.Sequential.mlp(dev.nabla.nn.ActivationLayer::tanh, 3, 4, 3).bind(ops, 3);
        Tensor x = ops.upload(Inputs.uniform(21, 5 * 3, -1, 1), 5, 3), labels = ops.upload(new float[] {0, 2, 1, 1, 0}, 5);
        GradientCheck.Result r = GradientCheck.network(m, new SoftmaxCrossEntropy(), x, labels).assertBelow(1e-2);
        assertThat(r.parts()).hasSize(1 + 4);
        assertThat(r.subject()).contains("SoftmaxCrossEntropy");

        dev.nabla.nn.Sequential broken = new dev.nabla.nn.Sequential(new Dense(3, 4), new WrongSigmoid(), new Dense(4, 3)).bind(ops, 3);
        GradientCheck.Result bad = GradientCheck.network(broken, new SoftmaxCrossEntropy(), x, labels);
        assertThat(bad.part("Dense(3→4).W").maxRelError()).isGreaterThan(0.1);      // below the planted error: wrong
        assertThat(bad.part("Dense(4→3).W").maxRelError()).isLessThan(1e-2);        // above it: still right
    }

    @Test
    void checksAnyTensorAgainstAnyObjective() {
        // f(t) = Σ_i t_i³ / 3 computed on the host from a download: ∂f/∂t_i = t_i²
        float[] v = Inputs.uniform(9, 6, -2, 2);
        Tensor t = ops.upload(v, 2, 3);
        java.util.function.DoubleSupplier f = () -> {
            double s = 0;
            for (float x : t.toArray()) s += (double) x * x * x / 3;
            return s;
        };
        float[] right = new float[6], wrong = new float[6];
        for (int i = 0; i < 6; i++) right[i] = wrong[i] = v[i] * v[i];
        wrong[4] *= 1.05f;
        assertThat(new GradientCheck().step(1e-3).checkTensor("t", t, right, f).maxRelError()).isLessThan(1e-3);
        GradientCheck.Result bad = new GradientCheck().step(1e-3).checkTensor("t", t, wrong, f);
        assertThat(bad.part("t").worstIndex()).isEqualTo(4);
        assertThatThrownBy(() -> bad.assertBelow(1e-2)).isInstanceOf(AssertionError.class).hasMessageContaining("t: max rel. error");
        assertThat(t.toArray()).as("t restored").isEqualTo(v);
        assertThatThrownBy(() -> new GradientCheck().checkTensor("t", t, new float[5], f))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[2, 3]");
    }

    @Test
    void rejectsNonsenseSettings() {
        assertThatThrownBy(() -> new GradientCheck().step(0)).hasMessageContaining("step");
        assertThatThrownBy(() -> new GradientCheck().maxPerPart(0)).hasMessageContaining("maxPerPart");
    }
}
