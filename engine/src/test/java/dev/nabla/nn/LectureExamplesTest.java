package dev.nabla.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.loss.SquaredError;
import dev.nabla.optim.Sgd;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The lectures' worked examples, number for number (../shared/seeds/). */
class LectureExamplesTest {
    final Backend ops = new ReferenceBackend();

    static double sigma(double z) { return 1 / (1 + Math.exp(-z)); }

    /** A Dense layer holding exactly the given weights (rows = units) and biases. */
    Dense dense(float[][] w, float[] b) {
        Dense d = new Dense(w[0].length, w.length);
        d.bind(ops, new SplittableRandom(0));
        float[] flat = new float[w.length * w[0].length];
        for (int j = 0; j < w.length; j++) System.arraycopy(w[j], 0, flat, j * w[0].length, w[0].length);
        d.weight().set(flat);
        d.bias().set(b);
        return d;
    }

    /** A bound Sequential whose Dense layers get the given weights (biases zero). */
    Sequential withWeights(Sequential net, float[][]... weights) {
        net.bind(ops, 0);
        int i = 0;
        for (Layer l : net.layers()) {
            if (l instanceof Dense d) {
                float[][] w = weights[i++];
                float[] flat = new float[w.length * w[0].length];
                for (int j = 0; j < w.length; j++) System.arraycopy(w[j], 0, flat, j * w[0].length, w[0].length);
                d.weight().set(flat);
                d.bias().set(new float[w.length]);
            }
        }
        return net;
    }

    /**
     * Seed 003, "Inference": inputs (0.5, 0.9, −0.3); sigmoid hidden units H1..H3 with weights (1, −2, 2), (2, 1, −4),
     * (1, −1, 0); sigmoid outputs O1, O2 with weights (−3, 1, −3), (0, 1, 2); no biases.
     * The slide: H1 = S(−1.9) = .13, H2 = S(3.1) = .96, H3 = S(−0.4) = .40, O1 = S(−.63) = .35, O2 = S(1.76) = .85
     * (the slide computes the outputs from the rounded H's, and labels the second one "O1" too).
     */
    @Test
    void seed003WorkedInference() {
        Dense hidden = new Dense(3, 3), output = new Dense(3, 2);
        Sequential net = withWeights(new Sequential(hidden, ActivationLayer.sigmoid(), output, ActivationLayer.sigmoid()),
                new float[][] {{1, -2, 2}, {2, 1, -4}, {1, -1, 0}},            // H1, H2, H3
                new float[][] {{-3, 1, -3}, {0, 1, 2}});                       // O1, O2
        Tensor x = ops.upload(new float[] {0.5f, 0.9f, -0.3f}, 1, 3);

        float[] netH = hidden.forward(x, false).toArray();
        assertThat(netH).containsExactly(new float[] {-1.9f, 3.1f, -0.4f}, within(1e-6f));
        float[] h = net.layers().get(1).forward(hidden.forward(x, false), false).toArray();
        assertThat(h[0]).isCloseTo(0.13f, within(0.005f));
        assertThat(h[1]).isCloseTo(0.96f, within(0.005f));
        assertThat(h[2]).isCloseTo(0.40f, within(0.005f));

        float[] netO = output.forward(ops.upload(h, 1, 3), false).toArray();
        assertThat(netO[0]).isCloseTo(-0.63f, within(0.01f));          // −.63 from the rounded H's; −0.637 exactly
        assertThat(netO[1]).isCloseTo(1.76f, within(0.01f));

        float[] o = net.forward(x, false).toArray();
        assertThat(o[0]).isCloseTo(0.35f, within(0.005f));
        assertThat(o[1]).isCloseTo(0.85f, within(0.005f));
        // and to float precision, against the same arithmetic in double
        double h1 = sigma(-1.9), h2 = sigma(3.1), h3 = sigma(-0.4);
        assertThat((double) o[0]).isCloseTo(sigma(-3 * h1 + h2 - 3 * h3), within(1e-6));
        assertThat((double) o[1]).isCloseTo(sigma(h2 + 2 * h3), within(1e-6));
    }

    /** Seed 004: softmax of [1, 2, 3, 4, 1, 2, 3] is [0.024, 0.064, 0.175, 0.475, 0.024, 0.064, 0.175]. */
    @Test
    void seed004Softmax() {
        Softmax s = new Softmax();
        s.bind(ops, null);
        float[] p = s.forward(ops.upload(new float[] {1, 2, 3, 4, 1, 2, 3}, 1, 7), false).toArray();
        assertThat(p).containsExactly(new float[] {0.024f, 0.064f, 0.175f, 0.475f, 0.024f, 0.064f, 0.175f}, within(0.0005f));
        double sum = 0;
        for (float v : p) sum += v;
        assertThat(sum).isCloseTo(1.0, within(1e-6));
        // p_i = e^{z_i} / Σ_j e^{z_j}
        double z = Math.exp(1) * 2 + Math.exp(2) * 2 + Math.exp(3) * 2 + Math.exp(4);
        assertThat((double) p[3]).isCloseTo(Math.exp(4) / z, within(1e-7));
    }

    /** Seed 004: X = (1, 1.4, 2.5) with x₀ = 1, w = (0.4, 0.3, 0.5): P(y=1|x) = σ(wᵀx) = 0.888, so TRUE. */
    @Test
    void seed004LogisticNeuron() {
        Dense unit = dense(new float[][] {{0.3f, 0.5f}}, new float[] {0.4f});   // w₀ = 0.4 is the bias weight of x₀ = 1
        ActivationLayer sigmoid = ActivationLayer.sigmoid();
        sigmoid.bind(ops, null);
        Tensor z = unit.forward(ops.upload(new float[] {1.4f, 2.5f}, 1, 2), false);
        assertThat(z.item()).isCloseTo(2.07f, within(1e-6f));
        float p = sigmoid.forward(z, false).item();
        assertThat(String.format(java.util.Locale.ROOT, "%.3f", p)).isEqualTo("0.888");
        assertThat(p).isGreaterThan(0.5f);                                      // "the final output is marked as TRUE"
    }

    /**
     * Seed 004's activation table at a few points. Where the table and the perceptron slides disagree at z = 0
     * (table: step 0.5, sign 0), the engine follows the perceptron's decision function φ(z) = 1 if z ≥ 0.
     */
    @Test
    void seed004ActivationTable() {
        assertThat(ReferenceBackend.apply(Activation.IDENTITY, -1.5f)).isEqualTo(-1.5f);
        assertThat(ReferenceBackend.apply(Activation.STEP, -0.2f)).isEqualTo(0f);
        assertThat(ReferenceBackend.apply(Activation.STEP, 0.2f)).isEqualTo(1f);
        assertThat(ReferenceBackend.apply(Activation.SIGN, -0.2f)).isEqualTo(-1f);
        assertThat(ReferenceBackend.apply(Activation.SIGN, 0f)).isEqualTo(1f);
        assertThat(ReferenceBackend.apply(Activation.PIECEWISE_LINEAR, -0.7f)).isEqualTo(0f);
        assertThat(ReferenceBackend.apply(Activation.PIECEWISE_LINEAR, 0.25f)).isEqualTo(0.75f);
        assertThat(ReferenceBackend.apply(Activation.PIECEWISE_LINEAR, 0.7f)).isEqualTo(1f);
        assertThat(ReferenceBackend.apply(Activation.SIGMOID, 0f)).isEqualTo(0.5f);            // seed 003: "value at z = 0? = 0.5"
        assertThat(ReferenceBackend.apply(Activation.RELU, -2f)).isEqualTo(0f);
        assertThat(ReferenceBackend.apply(Activation.RELU, 2f)).isEqualTo(2f);
        for (float z : new float[] {-3f, -0.4f, 0f, 0.9f, 2.5f}) {
            // φ_tanh(z) = 2·φ_logistic(2z) − 1
            assertThat(ReferenceBackend.apply(Activation.TANH, z)).isCloseTo(2 * ReferenceBackend.apply(Activation.SIGMOID, 2 * z) - 1, within(1e-6f));
            // softplus ln(1 + e^z), whose derivative is the logistic function
            assertThat((double) ReferenceBackend.apply(Activation.SOFTPLUS, z)).isCloseTo(Math.log1p(Math.exp(z)), within(1e-6));
            assertThat(ReferenceBackend.derivative(Activation.SOFTPLUS, z, 0f)).isEqualTo(ReferenceBackend.apply(Activation.SIGMOID, z));
        }
    }

    /** Seed 000: y = tanh(Σ w_i x_i), E = ½(d − y)²: ∂E/∂w_i = (y − d)/cosh²(Σ w_i x_i) · x_i. */
    @Test
    void seed000TanhUnitGradient() {
        float[] x = {0.6f, -1.2f, 0.3f}, w = {0.5f, 0.25f, -0.8f};
        float d = 0.4f;
        Dense unit = dense(new float[][] {w}, new float[1]);
        ActivationLayer tanh = ActivationLayer.tanh();
        tanh.bind(ops, null);
        Tensor y = tanh.forward(unit.forward(ops.upload(x, 1, 3), true), true);
        Tensor dy = ops.zeros(1, 1);
        new SquaredError().compute(y, ops.upload(new float[] {d}, 1, 1), dy);
        unit.weight().zeroGrad();
        unit.backward(tanh.backward(dy));
        double net = w[0] * x[0] + w[1] * x[1] + w[2] * x[2];
        double c = Math.cosh(net);
        float[] g = unit.weight().grad().toArray();
        for (int i = 0; i < 3; i++) assertThat((double) g[i]).isCloseTo((Math.tanh(net) - d) / (c * c) * x[i], within(1e-6));
    }

    /**
     * Seed 000, "Apply the chain rule…": for a net i → j → k with tanh units and E = ½Σ_k (y_k − d_k)²,
     * δ_k = (y_k − d_k)·g'(net_k), ∂E/∂w_jk = δ_k·y_j, δ_j = (Σ_k δ_k w_jk)·g'(net_j), ∂E/∂w_ij = δ_j·y_i,
     * and Δw = −η·∂E/∂w. Computed here by hand in double, against the layers' backward passes and one SGD step.
     */
    @Test
    void seed000DeltaRules() {
        double[] yi = {0.5, -1.0};                                           // inputs y_i
        double[][] wij = {{0.1, -0.4}, {0.7, 0.2}, {-0.3, 0.5}};             // 3 hidden units j, weights from the 2 inputs
        double[][] wjk = {{0.6, -0.2, 0.3}, {-0.5, 0.4, 0.1}};               // 2 output units k, weights from the 3 hidden
        double[] d = {0.3, -0.6};
        double eta = 0.1;

        double[] netJ = new double[3], yj = new double[3], netK = new double[2], yk = new double[2], dK = new double[2], dJ = new double[3];
        for (int j = 0; j < 3; j++) { netJ[j] = wij[j][0] * yi[0] + wij[j][1] * yi[1]; yj[j] = Math.tanh(netJ[j]); }
        for (int k = 0; k < 2; k++) {
            for (int j = 0; j < 3; j++) netK[k] += wjk[k][j] * yj[j];
            yk[k] = Math.tanh(netK[k]);
            dK[k] = (yk[k] - d[k]) * (1 - yk[k] * yk[k]);                    // δ_k = (y_k − d_k)·g'(net_k)
        }
        for (int j = 0; j < 3; j++) {
            double dEdyj = 0;
            for (int k = 0; k < 2; k++) dEdyj += dK[k] * wjk[k][j];         // ∂E/∂y_j = Σ_k δ_k·w_jk
            dJ[j] = dEdyj * (1 - yj[j] * yj[j]);                             // δ_j = ∂E/∂y_j·g'(net_j)
        }

        Dense hidden = new Dense(2, 3), out = new Dense(3, 2);
        Sequential net = withWeights(new Sequential(hidden, ActivationLayer.tanh(), out, ActivationLayer.tanh()), toFloat(wij), toFloat(wjk));
        Tensor y = net.forward(ops.upload(new float[] {0.5f, -1f}, 1, 2), true);
        assertThat(y.toArray()).containsExactly(new float[] {(float) yk[0], (float) yk[1]}, within(1e-6f));
        Tensor dy = ops.zeros(1, 2);
        new SquaredError().compute(y, ops.upload(new float[] {0.3f, -0.6f}, 1, 2), dy);
        net.zeroGrad();
        Tensor deltaK = net.layers().get(3).backward(dy);
        assertThat(deltaK.toArray()).containsExactly(new float[] {(float) dK[0], (float) dK[1]}, within(1e-6f));
        Tensor dEdyj = out.backward(deltaK);
        Tensor deltaJ = net.layers().get(1).backward(dEdyj);
        assertThat(deltaJ.toArray()).containsExactly(new float[] {(float) dJ[0], (float) dJ[1], (float) dJ[2]}, within(1e-6f));
        hidden.backward(deltaJ);
        float[] gjk = out.weight().grad().toArray(), gij = hidden.weight().grad().toArray();
        for (int k = 0; k < 2; k++) for (int j = 0; j < 3; j++) assertThat((double) gjk[k * 3 + j]).isCloseTo(dK[k] * yj[j], within(1e-6));   // δ_k·y_j
        for (int j = 0; j < 3; j++) for (int i = 0; i < 2; i++) assertThat((double) gij[j * 2 + i]).isCloseTo(dJ[j] * yi[i], within(1e-6));   // δ_j·y_i

        new Sgd((float) eta).step(net.params());                            // Δw = −η·∂E/∂w
        float[] wjkNew = out.weight().value().toArray();
        for (int k = 0; k < 2; k++) for (int j = 0; j < 3; j++) assertThat((double) wjkNew[k * 3 + j]).isCloseTo(wjk[k][j] - eta * dK[k] * yj[j], within(1e-6));
    }

    @Test
    void settingWeightsChecksTheCount() {
        Dense d = new Dense(3, 2);
        d.bind(ops, new SplittableRandom(0));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> d.weight().set(1, 2, 3))
                .hasMessageContaining("Dense(3→2).W[2, 3]").hasMessageContaining("holds 6 values, got 3");
    }

    static float[][] toFloat(double[][] a) {
        float[][] f = new float[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) f[i][j] = (float) a[i][j];
        return f;
    }
}
