package dev.nabla.nn.rnn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.Dense;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The norms that the gradient-flow sample prints: slot k−1 of {@link Lstm#cellGradientNorms()} must be ‖∂L/∂c_k‖, the
 * whole derivative of the loss by the cell state after step k (through c_{k+1} and through h_k), checked against central
 * differences: c_k is perturbed, h_k = o_k ⊙ tanh(c_k) with it, and the rest of the sequence is run again from there.
 * (It used to hold ‖∂L/∂c_{k−1}‖ through the forget gate only: one step off.)
 */
class LstmGradientNormsTest {
    final Backend ops = new ReferenceBackend();
    static final int T = 7, B = 2, D = 3, H = 5, K = 2;

    @Test
    void cellGradientNormsAreTheNormsOfTheWholeDerivativeAtEachStep() {
        SplittableRandom rng = new SplittableRandom(3);
        float[] xv = new float[T * B * D];
        for (int i = 0; i < xv.length; i++) xv[i] = (float) rng.nextGaussian();
        Tensor x = ops.upload(xv, T, B, D), labels = ops.upload(new float[] {1, 0}, B);
        Lstm lstm = new Lstm(D, H, false, 1f).recordGradientNorms(true);
        lstm.bind(ops, new SplittableRandom(5));
        Dense head = new Dense(H, K);
        head.bind(ops, new SplittableRandom(6));
        // the sample's model: loss at the last step only
        Tensor h = lstm.forward(x, true);
        Tensor logits = head.forward(h.view((T - 1) * B * H, B, H), true), d = ops.zeros(logits.shape());
        ops.softmaxCrossEntropy(logits, labels, d);
        Tensor dh = ops.zeros(T, B, H);
        ops.copy(head.backward(d), dh.view((T - 1) * B * H, B, H));
        lstm.backward(dh);
        float[] cell = lstm.cellGradientNorms().clone(), hidden = lstm.hiddenGradientNorms().clone();
        for (int k : new int[] {T, T - 1, 3, 1}) {
            double[] g = numericCellGradient(lstm, head, x, labels, k);
            double norm = 0;
            for (double v : g) norm += v * v;
            norm = Math.sqrt(norm);
            assertThat((double) cell[k - 1]).as("‖∂L/∂c_" + k + "‖ in slot " + (k - 1)).isCloseTo(norm, org.assertj.core.data.Offset.offset(0.02 * norm + 1e-6));
        }
        assertThat(hidden[T - 1]).isPositive();
    }

    /** ∂L/∂c_k by central differences: states after step k from a prefix run, then the suffix (or the head alone for k = T). */
    private double[] numericCellGradient(Lstm lstm, Dense head, Tensor x, Tensor labels, int k) {
        lstm.initialState(InitialState.ZERO);
        lstm.forward(x.view(0, k, B, D), false);
        float[] hk = lstm.finalState(0).toArray(), ck = lstm.finalState(1).toArray();
        float[] o = new float[hk.length];
        for (int i = 0; i < o.length; i++) o[i] = hk[i] / (float) Math.tanh(ck[i]);          // h_k = o_k ⊙ tanh(c_k)
        double[] grad = new double[ck.length];
        double eps = 1e-2;
        for (int i = 0; i < ck.length; i++) {
            double[] l = new double[2];
            for (int s = 0; s < 2; s++) {
                float[] c = ck.clone(), hh = new float[hk.length];
                c[i] += (float) (s == 0 ? eps : -eps);
                for (int j = 0; j < c.length; j++) hh[j] = o[j] * (float) Math.tanh(c[j]);
                l[s] = lossFrom(lstm, head, x, labels, k, hh, c);
            }
            grad[i] = (l[0] - l[1]) / (2 * eps);
        }
        lstm.initialState(InitialState.ZERO);
        return grad;
    }

    private double lossFrom(Lstm lstm, Dense head, Tensor x, Tensor labels, int k, float[] h, float[] c) {
        Tensor last;
        if (k == T) {
            last = ops.upload(h, B, H);
        } else {
            lstm.initialState(InitialState.GIVEN);
            lstm.givenState(ops.upload(h, B, H), ops.upload(c, B, H));
            Tensor out = lstm.forward(x.view(k * B * D, T - k, B, D), false);
            last = out.view((T - k - 1) * B * H, B, H);
        }
        return ops.softmaxCrossEntropy(head.forward(last, false), labels, null);
    }
}
