package dev.nabla.nn.rnn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Param;
import dev.nabla.testing.Json;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Forward and backward of {@link Rnn}/{@link VanillaRnn}, {@link Lstm} and {@link Gru} against PyTorch's nn.RNN, nn.LSTM,
 * nn.GRU (fixtures written by engine/src/test/python/golden_rnn.py, float64 in PyTorch, float32 here). PyTorch has two
 * biases b_ih + b_hh where the LSTM and the RNN have one b: we load their sum and compare ∂L/∂b with ∂L/∂b_ih.
 */
class PyTorchGoldenRnnTest {
    private final Backend ops = new ReferenceBackend();
    private static final float TOL = 2e-5f;

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> cases(String kind) {
        return (List<Map<String, Object>>) Json.resource("/golden/rnn_" + kind + ".json").get("cases");
    }

    private static float[] f(Map<String, Object> c, String key) { return Json.floats(c.get(key)); }

    private static int i(Map<String, Object> c, String key) { return ((Number) c.get(key)).intValue(); }

    private static float[] sum(float[] a, float[] b) {
        float[] s = a.clone();
        for (int k = 0; k < s.length; k++) s[k] += b[k];
        return s;
    }

    private void set(Param p, float[] v) { ops.upload(v, 0, p.value()); }

    static void assertClose(String what, float[] actual, float[] expected) {
        if (actual.length != expected.length) throw new AssertionError(what + ": " + actual.length + " values, PyTorch has " + expected.length);
        for (int k = 0; k < actual.length; k++) {
            if (!(Math.abs(actual[k] - expected[k]) <= TOL * (1 + Math.abs(expected[k])))) {
                throw new AssertionError(what + "[" + k + "]: " + actual[k] + ", PyTorch " + expected[k]);
            }
        }
    }

    @Test
    void lstmMatchesTorch() {
        for (Map<String, Object> c : cases("lstm")) {
            int T = i(c, "T"), B = i(c, "B"), D = i(c, "D"), H = i(c, "H");
            String n = "LSTM T=" + T + " B=" + B + " D=" + D + " H=" + H + " ";
            Lstm lstm = new Lstm(D, H);
            lstm.bind(ops, new SplittableRandom(1));
            lstm.initialState(InitialState.GIVEN);
            set(lstm.inputWeight(), f(c, "weight_ih"));
            set(lstm.recurrentWeight(), f(c, "weight_hh"));
            set(lstm.bias(), sum(f(c, "bias_ih"), f(c, "bias_hh")));
            lstm.givenState(ops.upload(f(c, "h0"), B, H), ops.upload(f(c, "c0"), B, H));
            Tensor x = ops.upload(f(c, "x"), T, B, D);
            assertClose(n + "y", lstm.forward(x, true).toArray(), f(c, "y"));
            assertClose(n + "c_T", lstm.finalState(1).toArray(), f(c, "cn"));
            assertClose(n + "∂L/∂x", lstm.backward(ops.upload(f(c, "r"), T, B, H)).toArray(), f(c, "dx"));
            assertClose(n + "∂L/∂W_x", lstm.inputWeight().grad().toArray(), f(c, "dweight_ih"));
            assertClose(n + "∂L/∂W_h", lstm.recurrentWeight().grad().toArray(), f(c, "dweight_hh"));
            assertClose(n + "∂L/∂b", lstm.bias().grad().toArray(), f(c, "dbias_ih"));
            assertClose(n + "∂L/∂h0", lstm.stateGradient(0).toArray(), f(c, "dh0"));
            assertClose(n + "∂L/∂c0", lstm.stateGradient(1).toArray(), f(c, "dc0"));
        }
    }

    @Test
    void gruMatchesTorch() {
        for (Map<String, Object> c : cases("gru")) {
            int T = i(c, "T"), B = i(c, "B"), D = i(c, "D"), H = i(c, "H");
            String n = "GRU T=" + T + " B=" + B + " D=" + D + " H=" + H + " ";
            Gru gru = new Gru(D, H);
            gru.bind(ops, new SplittableRandom(1));
            gru.initialState(InitialState.GIVEN);
            set(gru.inputWeight(), f(c, "weight_ih"));
            set(gru.recurrentWeight(), f(c, "weight_hh"));
            set(gru.inputBias(), f(c, "bias_ih"));
            set(gru.recurrentBias(), f(c, "bias_hh"));
            gru.givenState(ops.upload(f(c, "h0"), B, H));
            Tensor x = ops.upload(f(c, "x"), T, B, D);
            assertClose(n + "y", gru.forward(x, true).toArray(), f(c, "y"));
            assertClose(n + "∂L/∂x", gru.backward(ops.upload(f(c, "r"), T, B, H)).toArray(), f(c, "dx"));
            assertClose(n + "∂L/∂W_i", gru.inputWeight().grad().toArray(), f(c, "dweight_ih"));
            assertClose(n + "∂L/∂W_h", gru.recurrentWeight().grad().toArray(), f(c, "dweight_hh"));
            assertClose(n + "∂L/∂b_i", gru.inputBias().grad().toArray(), f(c, "dbias_ih"));
            assertClose(n + "∂L/∂b_h", gru.recurrentBias().grad().toArray(), f(c, "dbias_hh"));
            assertClose(n + "∂L/∂h0", gru.stateGradient(0).toArray(), f(c, "dh0"));
        }
    }

    /** nn.RNN + nn.Linear + cross_entropy(ignore_index=−1) = the lecture's VanillaRnn, and = Rnn + Dense. */
    @Test
    void vanillaRnnMatchesTorch() {
        for (Map<String, Object> c : cases("rnn")) {
            int T = i(c, "T"), B = i(c, "B"), D = i(c, "D"), H = i(c, "H"), K = i(c, "K");
            String n = "RNN T=" + T + " B=" + B + " D=" + D + " H=" + H + " ";
            Tensor x = ops.upload(f(c, "x"), T, B, D), labels = ops.upload(f(c, "labels"), T * B);

            VanillaRnn rnn = new VanillaRnn(D, H, K).bound(ops, new SplittableRandom(1)).initialState(InitialState.GIVEN);
            set(rnn.u(), f(c, "weight_ih"));
            set(rnn.w(), f(c, "weight_hh"));
            set(rnn.b(), sum(f(c, "bias_ih"), f(c, "bias_hh")));
            set(rnn.v(), f(c, "V"));
            set(rnn.c(), f(c, "c"));
            rnn.givenState(ops.upload(f(c, "h0"), B, H));
            Tensor logits = rnn.forward(x, true);
            Tensor dlogits = ops.zeros(T, B, K);
            float ce = ops.softmaxCrossEntropy(logits, labels, dlogits);
            assertClose(n + "cross-entropy", new float[] {ce}, new float[] {((Number) c.get("ce")).floatValue()});
            assertClose(n + "∂L/∂x", rnn.backward(dlogits).toArray(), f(c, "dx"));
            assertClose(n + "∂L/∂U", rnn.u().grad().toArray(), f(c, "dweight_ih"));
            assertClose(n + "∂L/∂W", rnn.w().grad().toArray(), f(c, "dweight_hh"));
            assertClose(n + "∂L/∂b", rnn.b().grad().toArray(), f(c, "dbias_ih"));
            assertClose(n + "∂L/∂V", rnn.v().grad().toArray(), f(c, "dV"));
            assertClose(n + "∂L/∂c", rnn.c().grad().toArray(), f(c, "dc"));
            assertClose(n + "∂L/∂h0", rnn.stateGradient().toArray(), f(c, "dh0"));

            Rnn layer = new Rnn(D, H);                                             // the same model as layer + Dense head
            layer.bind(ops, new SplittableRandom(1));
            layer.initialState(InitialState.GIVEN);
            Dense head = new Dense(H, K);
            head.bind(ops, new SplittableRandom(1));
            set(layer.inputWeight(), f(c, "weight_ih"));
            set(layer.recurrentWeight(), f(c, "weight_hh"));
            set(layer.bias(), sum(f(c, "bias_ih"), f(c, "bias_hh")));
            set(head.weight(), f(c, "V"));
            set(head.bias(), f(c, "c"));
            layer.givenState(ops.upload(f(c, "h0"), B, H));
            Tensor y = layer.forward(x, true);
            Tensor o = head.forward(y.reshape(T * B, H), true);
            Tensor d2 = ops.zeros(T * B, K);
            assertClose(n + "layer cross-entropy", new float[] {ops.softmaxCrossEntropy(o, labels, d2)}, new float[] {ce});
            Tensor dy = head.backward(d2);
            assertClose(n + "layer ∂L/∂x", layer.backward(dy.reshape(T, B, H)).toArray(), f(c, "dx"));
            assertClose(n + "layer ∂L/∂W", layer.recurrentWeight().grad().toArray(), f(c, "dweight_hh"));
            assertClose(n + "layer ∂L/∂h0", layer.stateGradient(0).toArray(), f(c, "dh0"));
        }
    }
}
