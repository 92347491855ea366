package dev.nabla.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.check.GradientCheck;
import dev.nabla.loss.MultiClassHinge;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.TimeDistributed;
import dev.nabla.nn.rnn.Embedding;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * Seed 002's window classifier: the network's ∂J/∂W is the outer product of the slide, δ_c·x_cᵀ − δ·xᵀ with
 * δ_i = U_i·f'(z_i), computed here by hand on the host; and every parameter passes the numerical gradient check of J.
 */
class WindowGradientTest {
    private final Backend ops = new ReferenceBackend();

    @Test
    void theWeightGradientIsDeltaTimesXTransposed() {
        int V = 7, d = 2, hid = 3;
        Sequential net = WindowSample.model(V, d, hid).bind(ops, 3);
        Embedding emb = (Embedding) net.layers().get(0);
        Sequential scorer = (Sequential) ((TimeDistributed) net.layers().get(1)).layer();
        Dense w = (Dense) scorer.layers().get(1), u = (Dense) scorer.layers().get(3);
        // one pair: "museums in Paris are amazing" vs the same with the centre replaced
        float[] pair = {1, 2, 3, 4, 5, 1, 2, 6, 4, 5};
        Tensor x = ops.upload(pair, 1, 2, 5);
        Tensor label = ops.upload(new float[] {0}, 1);
        MultiClassHinge j = new MultiClassHinge(1f);
        net.zeroGrad();
        Tensor s = net.forward(x, true);
        Tensor ds = ops.zeros(s.shape());
        float loss = j.compute(s, label, ds);
        assertThat(loss).as("J > 0 at the initial weights, so that the margin is violated").isGreaterThan(0f);
        net.backwardParams(ds);

        float[] table = emb.table().value().toArray(), wv = w.weight().value().toArray(), bv = w.bias().value().toArray();
        float[] uv = u.weight().value().toArray();
        double[][] xs = new double[2][5 * d], deltas = new double[2][hid];
        for (int r = 0; r < 2; r++) {
            for (int k = 0; k < 5; k++) for (int e = 0; e < d; e++) xs[r][k * d + e] = table[(int) pair[r * 5 + k] * d + e]; // x_window
            for (int i = 0; i < hid; i++) {
                double z = bv[i];
                for (int c = 0; c < 5 * d; c++) z += wv[i * 5 * d + c] * xs[r][c];                // z = W·x + b
                double a = 1 / (1 + Math.exp(-z));                                              // a = f(z), logistic
                deltas[r][i] = uv[i] * a * (1 - a);                                             // δ_i = U_i·f'(z_i)
            }
        }
        float[] dW = w.weight().grad().toArray();
        for (int i = 0; i < hid; i++)
            for (int c = 0; c < 5 * d; c++) {
                double expected = deltas[1][i] * xs[1][c] - deltas[0][i] * xs[0][c];             // ∂J/∂W = δ_c·x_cᵀ − δ·xᵀ
                assertThat((double) dW[i * 5 * d + c]).as("∂J/∂W[%d, %d]", i, c).isCloseTo(expected, Offset.offset(1e-6));
            }
        assertThat(u.bias().grad().toArray()[0]).as("U's bias cancels in s_c − s").isCloseTo(0f, Offset.offset(1e-7f));

        for (Param p : net.params()) {
            float[] analytic = p.grad().toArray();
            new GradientCheck().step(1e-2).floor(1e-2).checkTensor("∂J/∂" + p.name(), p.value(), analytic,
                    () -> j.compute(net.forward(x, true), label, null)).assertBelow(1e-2);
        }
    }
}
