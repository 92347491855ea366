package dev.nabla.backend;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.Sgd;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * The frozen-parameter suite on the reference backend (bit for bit), and planted faults it must catch: an optimizer
 * that updates frozen parameters, a layer that accumulates a frozen parameter's gradient.
 */
class ReferenceFrozenTrainingTest extends FrozenTrainingTest {
    @Override
    protected Backend backend() { return new ReferenceBackend(); }

    @Test
    void anOptimizerThatUpdatesFrozenParametersIsCaught() {
        Optimizer ignoresFrozen = new Optimizer() {
            @Override
            public void step(List<Param> params) {     // SGD with weight decay over every parameter, frozen or not
                for (Param p : params) p.backend().sgdStep(p.value(), p.grad(), null, 0.1f, 0f, false, 0.01f);
            }

            @Override
            public float learningRate() { return 0.1f; }
        };
        assertThatThrownBy(() -> assertFrozenTrainsLikeLeftOut("planted", ops -> sigmoidMlp(ops, 1), () -> ignoresFrozen, 0f))
                .isInstanceOf(AssertionError.class).hasMessageContaining("planted on ref");   // a step's loss, or the frozen weights
    }

    /** y = a ⊙ x per feature, whose backward adds ∂E/∂a whether a is frozen or not (the fault). */
    static final class Scale implements Layer {
        private final int n;
        private Backend ops;
        private Param a;
        private Tensor x, dx, tmp;

        Scale(int n) { this.n = n; }

        @Override
        public void bind(Backend ops, RandomGenerator rng) {
            this.ops = ops;
            float[] v = new float[n];
            java.util.Arrays.fill(v, 1.1f);
            a = new Param("Scale.a", ops.upload(v, n));
        }

        @Override public int[] outputShape(int[] s) { return s; }

        @Override
        public Tensor forward(Tensor x, boolean training) {
            this.x = x;
            Tensor y = ops.zeros(x.shape());
            ops.copy(x, y);
            for (int r = 0; r < x.dim(0); r++) ops.mul(y.view(r * n, n), a.value(), y.view(r * n, n));
            return y;
        }

        @Override
        public Tensor backward(Tensor dy) {
            dx = Tensor.reuse(dx, ops, x.shape());
            tmp = Tensor.reuse(tmp, ops, x.shape());
            ops.mul(dy, x, tmp);
            ops.sumBias(tmp, a.grad(), 1, 1f);                   // ∂E/∂a += Σ dy ⊙ x — even when a is frozen
            ops.copy(dy, dx);
            for (int r = 0; r < x.dim(0); r++) ops.mul(dx.view(r * n, n), a.value(), dx.view(r * n, n));
            return dx;
        }

        @Override public List<Param> params() { return List.of(a); }
    }

    @Test
    void aLayerThatAccumulatesAFrozenGradientIsCaught() {
        assertThatThrownBy(() -> assertFrozenTrainsLikeLeftOut("planted", ops -> {
            Scale s = new Scale(12);
            Sequential m = new Sequential(new Dense(16, 12), ActivationLayer.tanh(), s, new Dense(12, 4)).bind(ops, 2);
            return new Case(m, List.of(s), blobBatches(3, 16, 16, 16));
        }, () -> Sgd.momentum(0.1f, 0.9f), 0f)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("Scale.a[12] (frozen): the gradient of a frozen parameter was accumulated");
    }
}
