package dev.nabla.nn.rnn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Param;
import dev.nabla.optim.Clipping;
import dev.nabla.optim.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A token-level language model (seed 001's char-RNN): Embedding → LSTM (one or more layers) → Dense, predicting token
 * t+1 from tokens 1..t with a softmax cross-entropy over every time step.
 *
 * <p>Training uses teacher forcing — the input at step t is the true token t, never the model's own guess — and
 * truncated BPTT: with {@link #carryState(boolean)} on, each chunk starts from the LSTM states the previous chunk ended
 * in, while the gradient stops at the chunk boundary. {@link #sample} runs free: each drawn token is fed back as the next
 * input, drawn from softmax(o/τ) with temperature τ.
 */
public final class LstmLanguageModel {
    private final int vocab, embed, hidden;
    private final Embedding embedding;
    private final List<Lstm> lstms = new ArrayList<>();
    private final Dense head;
    private Backend ops;
    private Tensor dlogits;
    private int steps, batch;
    private float lastGradNorm;
    private boolean carrying;

    public LstmLanguageModel(int vocabulary, int embedding, int hidden, int layers, float forgetBias) {
        if (layers < 1) throw new IllegalArgumentException("LstmLanguageModel needs ≥ 1 LSTM layer, got " + layers);
        this.vocab = vocabulary;
        this.embed = embedding;
        this.hidden = hidden;
        this.embedding = new Embedding(vocabulary, embedding);
        for (int l = 0; l < layers; l++) lstms.add(new Lstm(l == 0 ? embedding : hidden, hidden, false, forgetBias));
        this.head = new Dense(hidden, vocabulary);
    }

    public LstmLanguageModel bind(Backend ops, long seed) {
        dev.nabla.nn.Layers.bindOnce(name(), this.ops, ops);
        this.ops = ops;
        SplittableRandom rng = new SplittableRandom(seed);
        embedding.bind(ops, rng);
        for (Lstm l : lstms) l.bind(ops, rng);
        head.bind(ops, rng);
        return this;
    }

    public Backend backend() { return ops; }

    public int vocabulary() { return vocab; }

    public List<Param> params() {
        List<Param> p = new ArrayList<>(embedding.params());
        for (Lstm l : lstms) p.addAll(l.params());
        p.addAll(head.params());
        return p;
    }

    public long parameterCount() { return params().stream().mapToLong(Param::size).sum(); }

    /** Truncated BPTT: carry the LSTM states from one forward pass to the next (same batch size). */
    public LstmLanguageModel carryState(boolean on) {
        for (Lstm l : lstms) l.carryState(on);
        carrying = on;
        return this;
    }

    /** Forgets carried states (start of a pass over the text). */
    public void resetState() { for (Lstm l : lstms) l.resetState(); }

    /** tokens [T, B] (indices as floats) → logits [T·B, V] (row t·B + b: the prediction for token t+1 of stream b). */
    public Tensor forward(Tensor tokens, boolean training) {
        dev.nabla.nn.Layers.input(name(), ops, tokens);
        if (tokens.rank() != 2) throw new IllegalArgumentException(name() + ": tokens " + tokens.shapeString() + " are not [T, B]");
        if (tokens.size() == 0) throw new IllegalArgumentException(name() + ": tokens " + tokens.shapeString() + " hold no step (T = 0) or no stream (B = 0)");
        steps = tokens.dim(0);
        batch = tokens.dim(1);
        Tensor x = embedding.forward(tokens, training);                       // x_t = E[token_t]       [T, B, E]
        for (Lstm l : lstms) x = l.forward(x, training);                        // h_t                    [T, B, H]
        return head.forward(x.reshape(steps * batch, hidden), training);      // o_t = V·h_t + c        [T·B, V]
    }

    /** ∂L/∂logits [T·B, V] → gradients of every parameter (added). */
    public void backward(Tensor dlogits) {
        dev.nabla.nn.Layers.gradient(name(), ops, steps > 0, dlogits);
        Tensor d = head.backward(dlogits).reshape(steps, batch, hidden);      // ∂L/∂h_t = Vᵀ·∂L/∂o_t
        for (int l = lstms.size() - 1; l >= 0; l--) d = lstms.get(l).backward(d); // BPTT through each layer
        embedding.backward(d);                                                 // ∂L/∂E
    }

    /**
     * One teacher-forced update: forward, mean cross-entropy over every step (labels −1 are ignored), BPTT, gradient-norm
     * clipping ({@code clip} > 0), optimizer step. Returns the loss (nats per token) before the update.
     */
    public float trainStep(Tensor inputs, Tensor labels, Optimizer optimizer, float clip) {
        if (!(clip >= 0) || !Float.isFinite(clip)) {
            throw new IllegalArgumentException(name() + ": clip threshold must be a finite number ≥ 0 (0 = off), got " + clip);
        }
        if (optimizer == null) throw new IllegalArgumentException(name() + ": the optimizer is null");
        if (labels == null) throw new IllegalArgumentException(name() + ": the labels are null");
        List<Param> ps = params();
        for (Param p : ps) p.zeroGrad();
        Tensor logits = forward(inputs, true);
        dlogits = Tensor.reuse(dlogits, ops, logits.shape());
        float loss;
        try {
            loss = ops.softmaxCrossEntropy(logits, labels, dlogits);          // L = −(1/N) Σ_t ln ŷ_t[y_t];  ∂L/∂o = ŷ − y
        } catch (dev.nabla.backend.InvalidIndexException e) {
            throw new IllegalArgumentException(name() + ": label " + e.value() + " at position " + e.position() + " of " + labels.shapeString()
                    + " is not a token in [0, " + vocab + ") (a negative whole number means \"no loss at this step\")", e);
        }
        if (!Float.isFinite(loss)) {
            throw new IllegalStateException(name() + ": the loss is " + loss + " before the update; nothing was updated"
                    + " (lower the learning rate or clip gradients)");
        }
        backward(dlogits);
        double[] sq = Clipping.squares(ps);
        lastGradNorm = (float) Math.sqrt(Clipping.total(sq));
        if (!Float.isFinite(lastGradNorm)) {
            throw new IllegalStateException(name() + ": the gradient norm ‖g‖ is " + lastGradNorm + " (the first non-finite gradient is "
                    + Clipping.firstNonFinite(ps, sq) + "'s); nothing was updated");
        }
        if (clip > 0) Clipping.scale(ps, lastGradNorm, clip);                   // ‖g‖ ≥ threshold ⇒ g ← threshold/‖g‖·g
        optimizer.step(ps);
        return loss;
    }

    /** ‖g‖ of the last {@link #trainStep} before clipping. */
    public float lastGradientNorm() { return lastGradNorm; }

    /** Mean cross-entropy (nats per token) without updating anything. */
    public float loss(Tensor inputs, Tensor labels) {
        Tensor logits = forward(inputs, false);
        if (labels == null) throw new IllegalArgumentException(name() + ": the labels are null");
        return ops.softmaxCrossEntropy(logits, labels, null);
    }

    /**
     * Free-running generation: feeds {@code prime} (teacher forcing over the given prefix), then draws {@code n} tokens,
     * each from softmax(o/τ) and fed back as the next input. τ → 0 approaches arg-max, τ = 1 is the model's distribution,
     * τ > 1 flattens it. Forgets any carried training state (so call it between passes over the training text).
     */
    public int[] sample(int[] prime, int n, float temperature, RandomGenerator rng) {
        if (prime.length == 0) throw new IllegalArgumentException(name() + ": sampling needs at least one prime token");
        if (!(temperature > 0)) throw new IllegalArgumentException(name() + ": temperature must be > 0, got " + temperature);
        boolean wasCarrying = carrying;
        resetState();
        carryState(true);
        float[] p = new float[vocab];
        float[] tok = new float[prime.length];
        for (int i = 0; i < prime.length; i++) tok[i] = prime[i];
        float[] last = new float[vocab];
        try (Tensor primeTokens = ops.upload(tok, prime.length, 1)) {
            Tensor logits = forward(primeTokens, false);                       // read the prefix, keep its state
            ops.download(logits.view((prime.length - 1) * vocab, 1, vocab), last);
        }
        int[] out = new int[n];
        try (Tensor one = ops.zeros(1, 1)) {
            for (int k = 0; k < n; k++) {
                out[k] = draw(last, temperature, p, rng);                      // y ~ softmax(o/τ)
                ops.upload(new float[] {out[k]}, 0, one);
                ops.download(forward(one, false), last);                       // the drawn token is the next input
            }
        }
        resetState();
        carryState(wasCarrying);
        return out;
    }

    static int draw(float[] logits, float temperature, float[] p, RandomGenerator rng) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float z : logits) max = Math.max(max, z);
        for (int j = 0; j < logits.length; j++) { p[j] = (float) Math.exp((logits[j] - max) / temperature); sum += p[j]; }
        double u = rng.nextDouble() * sum;
        for (int j = 0; j < logits.length; j++) if ((u -= p[j]) <= 0) return j;
        return logits.length - 1;
    }

    public String name() { return "LstmLanguageModel(V=" + vocab + ", E=" + embed + ", H=" + hidden + "×" + lstms.size() + ")"; }
}
