package dev.nabla.nn.rnn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.Param;
import dev.nabla.nn.rnn.VanillaRnn.Output;
import dev.nabla.nn.rnn.VanillaRnn.Recurrence;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/**
 * The lecture's vanilla RNN (seed 003): BPTT gradients of the softmax cross-entropy against central differences, for
 * hidden and output recurrence, many-to-many (with −1 = ignored steps) and many-to-one, teacher-forced and free-running,
 * every initial-state mode; and truncated BPTT's state carry.
 */
class VanillaRnnTest {
    private final Backend ops = new ReferenceBackend();
    static final int D = 3, H = 5, K = 4, T = 6, B = 2;

    private void check(Recurrence rec, Output out, InitialState mode, boolean teacher, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        VanillaRnn rnn = new VanillaRnn(D, H, K, rec, out).bound(ops, rng).initialState(mode);
        int s = rec == Recurrence.HIDDEN ? H : K;
        Tensor s0 = ops.upload(GradCheck.random(rng, B * s, 0.7), B, s);
        if (mode == InitialState.GIVEN) rnn.givenState(s0);
        for (Param p : rnn.params()) if (p.name().endsWith(".h0")) ops.upload(GradCheck.random(rng, p.size(), 0.5), 0, p.value());
        Tensor x = ops.upload(GradCheck.random(rng, T * B * D, 1), T, B, D);
        int rows = out == Output.MANY_TO_MANY ? T * B : B;
        float[] labels = new float[rows];
        for (int i = 0; i < rows; i++) labels[i] = rng.nextInt(K);
        if (out == Output.MANY_TO_MANY) { labels[T * B - 1] = -1; labels[T * B - 3] = -1; } // padded steps: ignored
        Tensor lab = ops.upload(labels, rows);
        float[] oneHot = new float[T * B * K];                                   // teacher forcing feeds y_t one-hot
        for (int i = 0; i < T * B; i++) oneHot[i * K + rng.nextInt(K)] = 1;
        Tensor targets = ops.upload(oneHot, T, B, K);
        DoubleSupplier loss = () -> GradCheck.crossEntropy(teacher ? rnn.forward(x, targets) : rnn.forward(x, true), labels);

        for (Param p : rnn.params()) p.zeroGrad();
        Tensor logits = teacher ? rnn.forward(x, targets) : rnn.forward(x, true);
        Tensor dlogits = ops.zeros(logits.shape());
        float e = ops.softmaxCrossEntropy(logits, lab, dlogits);
        assertThat((double) e).isCloseTo(loss.getAsDouble(), org.assertj.core.data.Offset.offset(1e-5));
        float[] dx = rnn.backward(dlogits).toArray();
        List<Param> ps = rnn.params();
        List<float[]> g = ps.stream().map(p -> p.grad().toArray()).toList();
        float[] ds0 = rnn.stateGradient().toArray();
        String n = rnn.name() + " " + mode + (teacher ? " teacher-forced" : "");
        for (int i = 0; i < ps.size(); i++) GradCheck.check(n + " ∂L/∂" + ps.get(i).name(), ps.get(i).value(), g.get(i), loss, 60);
        GradCheck.check(n + " ∂L/∂x", x, dx, loss, 60);
        if (mode == InitialState.GIVEN) GradCheck.check(n + " ∂L/∂s0", s0, ds0, loss, 60);
    }

    @Test
    void hiddenRecurrenceManyToMany() {
        for (InitialState m : InitialState.values()) check(Recurrence.HIDDEN, Output.MANY_TO_MANY, m, false, 100 + m.ordinal());
    }

    @Test
    void hiddenRecurrenceManyToOne() {
        for (InitialState m : InitialState.values()) check(Recurrence.HIDDEN, Output.MANY_TO_ONE, m, false, 200 + m.ordinal());
    }

    @Test
    void outputRecurrenceFreeRunning() {
        for (InitialState m : InitialState.values()) check(Recurrence.OUTPUT, Output.MANY_TO_MANY, m, false, 300 + m.ordinal());
        check(Recurrence.OUTPUT, Output.MANY_TO_ONE, InitialState.GIVEN, false, 310);
    }

    @Test
    void outputRecurrenceTeacherForced() {
        for (InitialState m : InitialState.values()) check(Recurrence.OUTPUT, Output.MANY_TO_MANY, m, true, 400 + m.ordinal());
    }

    @Test
    void gradientOfAManyToOneModelVanishesBackInTime() {
        SplittableRandom rng = new SplittableRandom(5);
        VanillaRnn rnn = new VanillaRnn(D, H, K, Recurrence.HIDDEN, Output.MANY_TO_ONE).bound(ops, rng).recordGradientNorms(true);
        ops.scale(rnn.w().value(), 0.3f);                                        // a small W: ‖∂h_{t+1}/∂h_t‖ < 1
        Tensor x = ops.upload(GradCheck.random(rng, 20 * B * D, 1), 20, B, D);
        Tensor logits = rnn.forward(x, true);
        Tensor d = ops.zeros(logits.shape());
        ops.softmaxCrossEntropy(logits, ops.upload(new float[] {1, 2}, B), d);
        rnn.backward(d);
        float[] norms = rnn.hiddenGradientNorms();
        assertThat(norms[0]).isLessThan(norms[19] * 1e-3f);                     // ∏ ∂h_{j+1}/∂h_j shrinks geometrically
    }

    /** Truncated BPTT: two chunks with the carried state give exactly the outputs of one pass over the whole sequence. */
    @Test
    void carriedStateContinuesTheSequence() {
        SplittableRandom rng = new SplittableRandom(9);
        float[] xv = GradCheck.random(rng, 8 * B * D, 1);
        Tensor whole = ops.upload(xv, 8, B, D);
        for (Recurrent layer : List.<Recurrent>of(new Lstm(D, H, true, 1f), new Gru(D, H), new Rnn(D, H))) {
            layer.bind(ops, new SplittableRandom(3));
            float[] full = layer.forward(whole, false).toArray();
            layer.carryState(true);
            float[] first = layer.forward(whole.view(0, 5, B, D), false).toArray();
            float[] second = layer.forward(whole.view(5 * B * D, 3, B, D), false).toArray();
            float[] joined = new float[full.length];
            System.arraycopy(first, 0, joined, 0, first.length);
            System.arraycopy(second, 0, joined, first.length, second.length);
            assertThat(joined).as(layer.name()).containsExactly(full);
            layer.resetState();
            float[] again = layer.forward(whole.view(0, 5, B, D), false).toArray();
            assertThat(again).as(layer.name() + " after reset").containsExactly(first);
        }
        VanillaRnn v = new VanillaRnn(D, H, K).bound(ops, new SplittableRandom(3));
        float[] full = v.forward(whole, false).toArray();
        v.carryState(true);
        float[] first = v.forward(whole.view(0, 5, B, D), false).toArray();
        float[] second = v.forward(whole.view(5 * B * D, 3, B, D), false).toArray();
        assertThat(second).containsExactly(java.util.Arrays.copyOfRange(full, first.length, full.length));
    }
}
