package dev.nabla.nn.rnn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.TimeDistributed;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A token-level language model (seed 001's char-RNN) as a plain composition: Embedding → LSTM (one or more layers) →
 * a dense head at every step, tokens [T, B] → logits [T, B, V], predicting token t+1 from tokens 1..t. Train it with
 * {@link dev.nabla.train.Trainer} and a softmax cross-entropy over every step (labels −1 are ignored): teacher forcing
 * (the input at step t is the true token t, never the model's own guess), and truncated BPTT with the state carried
 * from chunk to chunk ({@code Trainer.carryState(true)} over {@link dev.nabla.data.Sequences#streams}).
 * {@link #sample} runs free: each drawn token is fed back as the next input, drawn from softmax(o/τ) with temperature τ.
 */
public final class LstmLanguageModel {
    private LstmLanguageModel() {}

    /** [Embedding(V×E), LSTM(E→H), LSTM(H→H)…, TimeDistributed(Dense(H→V))], not yet bound. */
    public static Sequential create(int vocabulary, int embedding, int hidden, int layers, float forgetBias) {
        if (layers < 1) throw new IllegalArgumentException("an LSTM language model needs ≥ 1 LSTM layer, got " + layers);
        List<Layer> l = new ArrayList<>();
        l.add(new Embedding(vocabulary, embedding));                           // x_t = E[token_t]       [T, B, E]
        for (int k = 0; k < layers; k++) l.add(new Lstm(k == 0 ? embedding : hidden, hidden, false, forgetBias)); // h_t [T, B, H]
        l.add(new TimeDistributed(new Dense(hidden, vocabulary)));            // o_t = V·h_t + c        [T, B, V]
        return new Sequential(l);
    }

    /**
     * Free-running generation with any next-token model (tokens [T, 1] → logits [T, 1, V]): feeds {@code prime}
     * (teacher forcing over the given prefix), then draws {@code n} tokens, each from softmax(o/τ) and fed back as the
     * next input. τ → 0 approaches arg-max, τ = 1 is the model's distribution, τ > 1 flattens it. Carries the state from
     * token to token, and leaves the model with carrying off and its states forgotten.
     */
    public static int[] sample(Sequential model, int[] prime, int n, float temperature, RandomGenerator rng) {
        if (prime.length == 0) throw new IllegalArgumentException(model.name() + ": sampling needs at least one prime token");
        if (!(temperature > 0)) throw new IllegalArgumentException(model.name() + ": temperature must be > 0, got " + temperature);
        Backend ops = model.backend();
        model.resetState();
        model.carryState(true);
        float[] tok = new float[prime.length];
        for (int i = 0; i < prime.length; i++) tok[i] = prime[i];
        int[] out = new int[n];
        try (Tensor primeTokens = ops.upload(tok, prime.length, 1); Tensor one = ops.zeros(1, 1)) {
            Tensor logits = model.forward(primeTokens, false);                 // read the prefix, keep its state
            int vocab = logits.dim(-1);
            float[] last = new float[vocab], p = new float[vocab];
            ops.download(logits.view((prime.length - 1) * vocab, 1, vocab), last);
            for (int k = 0; k < n; k++) {
                out[k] = draw(last, temperature, p, rng);                      // y ~ softmax(o/τ)
                ops.upload(new float[] {out[k]}, 0, one);
                ops.download(model.forward(one, false), last);                 // the drawn token is the next input
            }
        } finally {
            model.carryState(false);
        }
        return out;
    }

    /** A draw from softmax(logits/τ); {@code p} is scratch space of the vocabulary's size. */
    public static int draw(float[] logits, float temperature, float[] p, RandomGenerator rng) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float z : logits) max = Math.max(max, z);
        for (int j = 0; j < logits.length; j++) { p[j] = (float) Math.exp((logits[j] - max) / temperature); sum += p[j]; }
        double u = rng.nextDouble() * sum;
        for (int j = 0; j < logits.length; j++) if ((u -= p[j]) <= 0) return j;
        return logits.length - 1;
    }
}
