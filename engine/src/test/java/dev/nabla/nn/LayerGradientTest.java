package dev.nabla.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.check.GradientCheck;
import dev.nabla.check.Inputs;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Every layer of the engine passes the numerical gradient check (central differences, away from kinks). */
class LayerGradientTest {
    static final double TOL = 1e-2;
    final Backend ops = new ReferenceBackend();

    private <L extends Layer> L bound(L layer, long seed) {
        layer.bind(ops, new SplittableRandom(seed));
        return layer;
    }

    @ParameterizedTest(name = "Dense {0}→{1}, batch {2}")
    @CsvSource({"1, 1, 1", "3, 2, 4", "5, 7, 3", "2, 1, 33"})
    void dense(int in, int out, int batch) {
        Dense d = bound(new Dense(in, out, dev.nabla.init.Initializer.GLOROT_UNIFORM, (w, fi, fo, r) -> {
            for (int i = 0; i < w.length; i++) w[i] = (float) r.nextDouble(-1, 1);   // a non-zero bias, so ∂E/∂b is tested at a general point
        }), in * 31L + out);
        Tensor x = ops.upload(Inputs.uniform(7, batch * in, -2, 2), batch, in);
        GradientCheck.Result r = GradientCheck.layer(d, x).assertBelow(TOL);
        assertThat(r.parts()).extracting(GradientCheck.Part::name).containsExactly("input", d.name() + ".W", d.name() + ".b");
        assertThat(r.part("input").checked()).isEqualTo(batch * in);
    }

    /** Every activation of seed 004's table; inputs keep 0.05 clear of the kinks at 0 and ±½ (h = 0.01). */
    @ParameterizedTest
    @EnumSource(Activation.class)
    void activation(Activation f) {
        ActivationLayer layer = bound(new ActivationLayer(f), 1);
        float[] v = Inputs.awayFrom(f.ordinal(), 6 * 5, -3, 3, 0.05f, 0f, -0.5f, 0.5f);
        GradientCheck.layer(layer, ops.upload(v, 6, 5)).assertBelow(TOL);
    }

    /** Step and sign: f' = 0 as ReferenceBackend defines it (no straight-through estimator): backward sends back exact zeros. */
    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"STEP", "SIGN"})
    void stepAndSignPassNoGradient(Activation f) {
        ActivationLayer layer = bound(new ActivationLayer(f), 1);
        Tensor x = ops.upload(new float[] {-2f, -0.1f, 0f, 0.1f, 2f}, 1, 5);
        float[] y = layer.forward(x, true).toArray();
        assertThat(y).containsExactly(f == Activation.STEP ? new float[] {0, 0, 1, 1, 1} : new float[] {-1, -1, 1, 1, 1});
        float[] dx = layer.backward(ops.upload(new float[] {1, 2, 3, 4, 5}, 1, 5)).toArray();
        assertThat(dx).containsOnly(0f);
        assertThat(ReferenceBackend.derivative(f, 0f, y[2])).isZero();
    }

    @ParameterizedTest(name = "PReLU {0} on {1}")
    @CsvSource({"shared, 4x3", "perChannel, 4x3", "perChannel, 2x3x2x2", "shared, 2x3x2x2"})
    void prelu(String kind, String shape) {
        int[] s = java.util.Arrays.stream(shape.split("x")).mapToInt(Integer::parseInt).toArray();
        PReLU p = bound(kind.equals("shared") ? PReLU.shared() : PReLU.perChannel(s[1]), 1);
        GradientCheck.Result r = GradientCheck.layer(p, ops.upload(Inputs.awayFrom(3, Tensor.sizeOf(s), -2, 2, 0.05f, 0f), s))
                .assertBelow(TOL);
        assertThat(r.part(p.name() + ".alpha").checked()).isEqualTo(kind.equals("shared") ? 1 : s[1]);
        assertThat(r.part(p.name() + ".alpha").analytic()).isNotZero();   // the slope really receives a gradient
    }

    @Test
    void preluSlopesAreLearnablePerChannel() {
        PReLU p = bound(PReLU.perChannel(2), 1);
        ops.upload(new float[] {0.1f, 0.5f}, 0, p.slope().value());
        float[] y = p.forward(ops.upload(new float[] {-1, -1, 2, -4}, 2, 2), true).toArray();
        assertThat(y).containsExactly(-0.1f, -0.5f, 2f, -2f);
        p.slope().zeroGrad();
        p.backward(ops.upload(new float[] {1, 1, 1, 1}, 2, 2));
        assertThat(p.slope().grad().toArray()).containsExactly(-1f, -5f);   // ∂E/∂α_c = Σ_{net ≤ 0} δ·net
    }

    @ParameterizedTest(name = "Softmax {0}x{1}")
    @CsvSource({"1, 1", "1, 7", "4, 3", "3, 10"})
    void softmax(int rows, int classes) {
        Softmax s = bound(new Softmax(), 1);
        GradientCheck.layer(s, ops.upload(Inputs.uniform(rows * 10L + classes, rows * classes, -3, 3), rows, classes)).assertBelow(TOL);
    }

    @Test
    void wholeMlp() {
        Sequential m = new Sequential(new Dense(3, 5), ActivationLayer.tanh(), new Dense(5, 4), PReLU.perChannel(4),
                new Dense(4, 3), ActivationLayer.softplus(), new Dense(3, 2), new Softmax()).bind(ops, 5);
        GradientCheck.Result r = GradientCheck.layer(m, ops.upload(Inputs.uniform(9, 6 * 3, -1, 1), 6, 3)).assertBelow(TOL);
        assertThat(r.parts()).hasSize(1 + m.params().size());
    }

    @Test
    void mlpFactory() {
        Sequential m = Sequential.mlp(ActivationLayer::relu, 2, 5, 4, 3).bind(ops, 1);
        assertThat(m.layers()).extracting(Layer::name).containsExactly("Dense(2→5)", "Relu", "Dense(5→4)", "Relu", "Dense(4→3)");
        assertThat(m.parameterCount()).isEqualTo(2 * 5 + 5 + 5 * 4 + 4 + 4 * 3 + 3);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Sequential.mlp(ActivationLayer::relu, 2)).hasMessageContaining("[2]");
    }

    @Test
    void shapeMismatchesNameTheLayer() {
        PReLU p = bound(PReLU.perChannel(3), 1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.forward(ops.zeros(2, 4), true))
                .hasMessageContaining("PReLU(3)").hasMessageContaining("[2, 4]");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.outputShape(new int[] {4}))
                .hasMessageContaining("PReLU(3)").hasMessageContaining("[4]");
        ActivationLayer a = bound(ActivationLayer.sigmoid(), 1);
        a.forward(ops.zeros(2, 3), true);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> a.backward(ops.zeros(2, 4)))
                .hasMessageContaining("Sigmoid").hasMessageContaining("[2, 4]").hasMessageContaining("[2, 3]");
        Softmax s = bound(new Softmax(), 1);
        s.forward(ops.zeros(2, 3), true);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.backward(ops.zeros(3, 3)))
                .hasMessageContaining("Softmax").hasMessageContaining("[3, 3]").hasMessageContaining("[2, 3]");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> bound(new Dense(2, 3), 1).backward(ops.zeros(1, 3)))
                .hasMessageContaining("Dense(2→3)").hasMessageContaining("backward before forward");
    }
}
