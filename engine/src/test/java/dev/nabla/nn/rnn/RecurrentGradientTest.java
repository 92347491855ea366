package dev.nabla.nn.rnn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.Param;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Numerical gradient checks (central differences) for the recurrent layers: every parameter, the input x and the initial
 * states, through BPTT over several steps, with L = Σ_t r_t·y_t for fixed random r (so ∂L/∂y = r).
 */
class RecurrentGradientTest {
    private final Backend ops = new ReferenceBackend();

    /** Binds, sets the initial-state mode, runs forward/backward once and checks every gradient numerically. */
    private void checkLayer(Supplier<Recurrent> make, int T, int B, InitialState mode, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Recurrent layer = make.get();
        layer.bind(ops, rng);
        layer.initialState(mode);
        boolean bi = layer instanceof Bidirectional;
        int nStates = bi ? 2 * layer.stateCount() : layer.stateCount();
        int hid = bi ? layer.outputSize() / 2 : layer.outputSize();
        List<Tensor> s0 = new ArrayList<>();
        if (mode == InitialState.GIVEN) {
            for (int k = 0; k < nStates; k++) s0.add(ops.upload(GradCheck.random(rng, B * hid, 0.8), B, hid));
            layer.givenState(s0.toArray(Tensor[]::new));
        }
        for (Param p : layer.params()) {
            if (p.name().endsWith(".h0") || p.name().endsWith(".c0")) ops.upload(GradCheck.random(rng, p.size(), 0.5), 0, p.value());
        }
        Tensor x = ops.upload(GradCheck.random(rng, T * B * layer.inputSize(), 1.0), T, B, layer.inputSize());
        float[] r = GradCheck.random(rng, T * B * layer.outputSize(), 1.0);
        DoubleSupplier loss = () -> GradCheck.dot(r, layer.forward(x, true));

        for (Param p : layer.params()) p.zeroGrad();
        layer.forward(x, true);
        float[] dx = layer.backward(ops.upload(r, T, B, layer.outputSize())).toArray();
        List<float[]> dparams = new ArrayList<>();
        for (Param p : layer.params()) dparams.add(p.grad().toArray());
        List<float[]> dstates = new ArrayList<>();
        for (int k = 0; k < nStates; k++) dstates.add(layer.stateGradient(k).toArray());

        // backwardParams (the input fed with data: no ∂L/∂x) must give the same parameter and state gradients
        for (Param p : layer.params()) p.zeroGrad();
        layer.forward(x, true);
        layer.backwardParams(ops.upload(r, T, B, layer.outputSize()));
        for (int i = 0; i < dparams.size(); i++) {
            assertThat(layer.params().get(i).grad().toArray()).as("backwardParams " + layer.params().get(i).name()).containsExactly(dparams.get(i));
        }
        for (int k = 0; k < nStates; k++) assertThat(layer.stateGradient(k).toArray()).as("backwardParams state " + k).containsExactly(dstates.get(k));

        String n = layer.name() + " " + mode;
        for (int i = 0; i < dparams.size(); i++) {
            Param p = layer.params().get(i);
            GradCheck.check(n + " ∂L/∂" + p.name(), p.value(), dparams.get(i), loss, 60);
        }
        GradCheck.check(n + " ∂L/∂x", x, dx, loss, 60);
        if (mode == InitialState.GIVEN) {
            for (int k = 0; k < nStates; k++) GradCheck.check(n + " ∂L/∂state0[" + k + "]", s0.get(k), dstates.get(k), loss, 60);
        }
        if (mode == InitialState.ZERO) {
            // ∂L/∂h_0 is reported for a zero initial state too (checked numerically in the GIVEN runs)
            for (int k = 0; k < nStates; k++) assertThat(dstates.get(k)).hasSize(B * hid);
        }
    }

    @Test
    void rnnGradients() {
        for (InitialState m : InitialState.values()) checkLayer(() -> new Rnn(3, 4), 5, 2, m, 11);
    }

    @Test
    void lstmGradients() {
        for (InitialState m : InitialState.values()) checkLayer(() -> new Lstm(3, 4), 5, 2, m, 21);
    }

    @Test
    void lstmWithPeepholesGradients() {
        for (InitialState m : InitialState.values()) checkLayer(() -> new Lstm(3, 4, true, 1f), 5, 2, m, 31);
    }

    @Test
    void gruGradients() {
        for (InitialState m : InitialState.values()) checkLayer(() -> new Gru(3, 4), 5, 2, m, 41);
    }

    @Test
    void bidirectionalGradients() {
        checkLayer(() -> new Bidirectional(new Rnn(3, 4), new Rnn(3, 4)), 4, 2, InitialState.GIVEN, 51);
        checkLayer(() -> new Bidirectional(new Lstm(3, 4, true, 1f), new Lstm(3, 4, true, 1f)), 4, 2, InitialState.GIVEN, 52);
        checkLayer(() -> new Bidirectional(new Gru(3, 3), new Gru(3, 3)), 4, 3, InitialState.LEARNED, 53);
    }

    @Test
    void checkerCatchesAWrongGradient() {
        SplittableRandom rng = new SplittableRandom(7);
        Lstm lstm = new Lstm(2, 3);
        lstm.bind(ops, rng);
        Tensor x = ops.upload(GradCheck.random(rng, 4 * 2 * 2, 1), 4, 2, 2);
        float[] r = GradCheck.random(rng, 4 * 2 * 3, 1);
        lstm.forward(x, true);
        lstm.backward(ops.upload(r, 4, 2, 3));
        float[] g = lstm.recurrentWeight().grad().toArray();
        g[5] *= 1.1f;                                                           // a 10 % error in one element
        assertThatThrownBy(() -> GradCheck.check("Wh", lstm.recurrentWeight().value(), g,
                () -> GradCheck.dot(r, lstm.forward(x, true)), 100))
                .isInstanceOf(AssertionError.class).hasMessageContaining("Wh: max rel. error").hasMessageContaining("at [5]");
    }

    @Test
    void inputWithTheWrongShapeIsRefusedNamingTheLayer() {
        Lstm lstm = new Lstm(3, 4);
        lstm.bind(ops, new SplittableRandom(1));
        assertThatThrownBy(() -> lstm.forward(ops.zeros(5, 2, 7), true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("LSTM(3→4)").hasMessageContaining("[5, 2, 7]");
    }
}
