package dev.nabla.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.init.Initializer;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.rnn.Gru;
import dev.nabla.nn.rnn.Lstm;
import dev.nabla.nn.rnn.LstmLanguageModel;
import dev.nabla.nn.rnn.Recurrent;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.Sgd;
import dev.nabla.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Whole training steps agree between the backend under test and the {@link ReferenceBackend}: the same model, bound
 * with the same seed (so the same initial weights, drawn on the host and uploaded), trained on the same batches with
 * the same optimizer, on both backends. Per step the losses must agree, and after the last step every parameter.
 * Where {@link BackendContractTest} checks each op alone, this checks that the ops compose: the layers' views and
 * reshapes, workspaces reused from step to step, gradients accumulated and then consumed by the optimizer, optimizer
 * state carried across steps, and recurrent state carried across chunks.
 *
 * <p>Workloads (each a few steps, together well under 10 s on the reference backend):
 * <ul>
 *   <li>MLP 784→64→32→10 (ReLU), softmax cross-entropy, SGD with momentum and L2 weight decay;
 *   <li>LeNet-5 (conv 6@5×5 pad 2 → ReLU → max-pool 2 → conv 16@5×5 → ReLU → max-pool 2 → 120 → 84 → 10) on 28×28 images;
 *   <li>a CNN of seed 003's convolution variants: a tiled convolution with stride and a locally connected layer;
 *   <li>an LSTM language model (embedding → 2 LSTM layers → dense, cross-entropy over every step, truncated BPTT
 *       carrying the state from chunk to chunk, global gradient-norm clipping), SGD with momentum;
 *   <li>one-hot input → LSTM with peepholes → dense, and one-hot → GRU → dense (Nesterov), some labels −1 (ignored
 *       padding).
 * </ul>
 *
 * <p>Tolerances (both relative; a subclass may tighten them — the reference against itself demands 0, bit-identical):
 * <ul>
 *   <li>{@link #LOSS_TOL} = 1e-4 on each step's loss: |loss − loss_ref| ≤ 1e-4·loss_ref. Each op agrees with the
 *       reference to float rounding (≈1e-6 relative, ≈√K·1e-6 for a sum of K products; BackendContractTest). A loss is
 *       a mean over the batch of log-sum-exps of logits that went through 3–8 such ops, so its first-step deviation is a
 *       few 1e-6; the later steps add the deviation of the weights (below) times the loss's sensitivity, which for these
 *       short runs stays below ≈1e-5. 1e-4 leaves a 10× margin and still catches small real errors (below).
 *   <li>{@link #WEIGHT_TOL} = 1e-3 on each parameter after the last step, scaled by the parameter tensor's largest
 *       magnitude: max_i |w_i − w_ref,i| ≤ 1e-3·max_i |w_ref,i|. Per element a relative bound would be meaningless for
 *       weights near 0 (a bias starts at 0). Rounding differences in the gradients (≈1e-5 relative to the largest
 *       gradient: long reductions, exp/tanh, a ReLU or max-pool arg-max that flips on a near-tie) enter the weights
 *       through η·(momentum sum) and are amplified step by step; after ≤ 8 steps they measure ≲1e-4 of the weights'
 *       scale, leaving a 10× margin.
 * </ul>
 * Measured (2026-11-23): the OpenCL backend on PoCL and the Vector API CPU backend deviate by ≤ 1.2e-7 in the
 * losses and ≤ 4e-7 in the weights on every workload here — three orders of magnitude inside the tolerances, which
 * leave room for backends that sum in other orders or fuse multiply-adds (a GPU). And they are tight enough: a 1%
 * fault planted in one op (the momentum μ, the GRU's ∂L/∂gh, a convolution's bias gradient) moves a step's loss by
 * 1.8–3.6e-4 and a weight by 1.1e-3–1.1e-2 of its tensor's scale, so each check alone fails it
 * (ReferenceBackendTrainingParityTest).
 *
 * <p>Beside those, the initial weights must be bit-identical (they are uploaded from the same host arrays), and each
 * reference run must lower its mean loss from the first half of its steps to the second by ≥ 5% (the batches repeat,
 * so the halves see the same data): the comparison is not between two models that did nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class TrainingParityTest {
    /** Relative tolerance on each step's loss (see the class comment for why). */
    protected static final float LOSS_TOL = 1e-4f;
    /** Tolerance on trained weights, relative to each parameter tensor's largest magnitude (see the class comment). */
    protected static final float WEIGHT_TOL = 1e-3f;

    protected Backend be;

    /** The backend under test (created once per test class). */
    protected abstract Backend backend();

    /** Relative tolerance on the loss of each step; 0 demands bit-identical losses. */
    protected float lossTolerance() { return LOSS_TOL; }

    /** Tolerance on trained weights relative to each tensor's max |w|; 0 demands bit-identical weights. */
    protected float weightTolerance() { return WEIGHT_TOL; }

    @BeforeAll
    void open() { be = backend(); }

    @AfterAll
    void shut() { if (be != null) be.close(); }

    // ---------------------------------------------------------------- what a run records

    /** The loss of every step, and every parameter (by name) before the first and after the last step. */
    protected record Run(float[] losses, List<String> names, List<float[]> initial, List<float[]> trained) {}

    /** A training run from scratch on a backend: binds a fresh model, trains it, reports what it saw. */
    @FunctionalInterface
    protected interface Workload extends Function<Backend, Run> {}

    /** Records the parameters' current values (downloads). */
    private static List<float[]> snapshot(List<Param> params) {
        List<float[]> out = new ArrayList<>();
        for (Param p : params) out.add(p.backend().download(p.value()));
        return out;
    }

    private static List<String> names(List<Param> params) {
        return params.stream().map(Param::name).toList();
    }

    // ---------------------------------------------------------------- data (seeded, built on the host, uploaded to each backend)

    /**
     * {@code n} 28×28 images of 10 classes: class c is a bright 6×6 square at one of 10 positions of a 4×3 grid, on
     * uniform noise in [0, 0.3); the labels cycle through the classes. Learnable in a few steps, not trivially separable.
     */
    static float[][] images(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n * 28 * 28], y = new float[n];
        for (int s = 0; s < n; s++) {
            int c = (s * 7 + (int) (seed % 10)) % 10;
            y[s] = c;
            int top = 2 + (c / 4) * 9 + rng.nextInt(3), left = 2 + (c % 4) * 6 + rng.nextInt(2);
            for (int i = 0; i < 28; i++) {
                for (int j = 0; j < 28; j++) {
                    boolean on = i >= top && i < top + 6 && j >= left && j < left + 6;
                    x[s * 784 + i * 28 + j] = (on ? 0.8f : 0f) + (float) rng.nextDouble(0, 0.3);
                }
            }
        }
        return new float[][] {x, y};
    }

    /** Steps of a classifier over {@code batches} (each {images, labels}), feature shape {@code sample}; returns the losses. */
    static float[] classify(Sequential model, Optimizer opt, float[][][] batches, int... sample) {
        Backend ops = model.backend();
        SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
        float[] losses = new float[batches.length];
        Tensor dy = null;
        for (int s = 0; s < batches.length; s++) {
            int n = batches[s][1].length;
            int[] shape = new int[sample.length + 1];
            shape[0] = n;
            System.arraycopy(sample, 0, shape, 1, sample.length);
            try (Tensor x = ops.upload(batches[s][0], shape); Tensor labels = ops.upload(batches[s][1], n)) {
                model.zeroGrad();
                Tensor logits = model.forward(x, true);                      // forward
                if (dy == null) dy = ops.zeros(logits.shape());
                losses[s] = ce.compute(logits, labels, dy);                    // E and δ = ∂E/∂logits
                model.backward(dy);                                            // ∂E/∂θ for every layer
                opt.step(model.params());                                      // θ ← θ − η·step
            }
        }
        return losses;
    }

    static Run runClassifier(Sequential model, Optimizer opt, float[][][] batches, int... sample) {
        List<float[]> initial = snapshot(model.params());
        float[] losses = classify(model, opt, batches, sample);
        return new Run(losses, names(model.params()), initial, snapshot(model.params()));
    }

    /** {@code steps} batches of {@code batch} images each (a different seed per batch). */
    static float[][][] imageBatches(int steps, int batch) {
        float[][][] b = new float[steps][][];
        for (int s = 0; s < steps; s++) b[s] = images(batch, 100 + s % 3);   // three batches, each seen twice
        return b;
    }

    // ---------------------------------------------------------------- workloads

    /** MLP 784→64→32→10 with ReLU, 6 steps of batch 32, SGD η = 0.05, μ = 0.9, λ = 1e-4. */
    protected static Run mlp(Backend ops) {
        Sequential model = Sequential.mlp(ActivationLayer::relu, 784, 64, 32, 10).bind(ops, 11);
        return runClassifier(model, Sgd.momentum(0.05f, 0.9f).weightDecay(1e-4f), imageBatches(6, 32), 784);
    }

    /** LeNet-5 as in the LeNet sample, 6 steps of batch 8 on 1×28×28 images, SGD η = 0.02, μ = 0.9. */
    protected static Run leNet5(Backend ops) {
        Sequential model = new Sequential(
                new Conv2d(1, 6, 5).padding(2), ActivationLayer.relu(), new MaxPool2d(2),
                new Conv2d(6, 16, 5), ActivationLayer.relu(), new MaxPool2d(2),
                new Flatten(),
                new Dense(16 * 5 * 5, 120, Initializer.KAIMING_UNIFORM, Initializer.ZEROS), ActivationLayer.relu(),
                new Dense(120, 84, Initializer.KAIMING_UNIFORM, Initializer.ZEROS), ActivationLayer.relu(),
                new Dense(84, 10)).bind(ops, 5);
        return runClassifier(model, Sgd.momentum(0.02f, 0.9f), imageBatches(6, 8), 1, 28, 28);
    }

    /**
     * Seed 003's convolution variants: 1×28×28 → tiled conv 4@4×4, stride 2, pad 1, tile 3×3 (9 banks over a 14×14 output,
     * which 3 does not divide) → ReLU → max-pool 2 → 4×7×7 → locally connected 8@3×3 (25 positions, each its own filters)
     * → ReLU → flatten 200 → dense 10; 6 steps of batch 8, SGD η = 0.02, μ = 0.9.
     */
    protected static Run tiledCnn(Backend ops) {
        Sequential model = new Sequential(
                new dev.nabla.nn.TiledConv2d(1, 4, 4, 3).stride(2).padding(1), ActivationLayer.relu(), new MaxPool2d(2),
                new dev.nabla.nn.LocallyConnected2d(4, 8, 3, 7, 7), ActivationLayer.relu(),
                new Flatten(), new Dense(8 * 5 * 5, 10)).bind(ops, 13);
        return runClassifier(model, Sgd.momentum(0.02f, 0.9f), imageBatches(6, 8), 1, 28, 28);
    }

    /**
     * A token stream with structure to learn: a period-7 pattern over symbols 0–4, and with {@code noise} on, one token
     * in 8 (seeded) replaced by one of the symbols 5–8.
     */
    static int[] text(int n, boolean noise) {
        int[] period = {0, 1, 2, 3, 4, 2, 1};
        SplittableRandom rng = new SplittableRandom(3);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = noise && rng.nextInt(8) == 0 ? 5 + rng.nextInt(4) : period[i % period.length];
        return t;
    }

    /**
     * Language model: embedding 9×8 → LSTM 8→16 → LSTM 16→16 → dense 16→9, cross-entropy over every step; 4 streams cut
     * into 4 chunks of 6 steps, state carried from chunk to chunk (truncated BPTT), two passes over the text (the state
     * reset between them); global gradient norm clipped at 0.25 (the reference's norms run 0.19–0.48, so four steps are
     * rescaled and four are not, none within 5% of the threshold); SGD η = 0.5, μ = 0.9; 8 steps.
     */
    protected static Run lstmLanguageModel(Backend ops) {
        int streams = 4, steps = 6, chunks = 4, vocab = 9;
        int[] txt = text(streams * (steps * chunks + 1), false);
        int len = txt.length / streams;
        dev.nabla.nn.Sequential lm = LstmLanguageModel.create(vocab, 8, 16, 2, 1f).bind(ops, 21).carryState(true);
        Optimizer sgd = Sgd.momentum(0.5f, 0.9f);
        List<float[]> initial = snapshot(lm.params());
        float[] losses = new float[2 * chunks];
        for (int pass = 0; pass < 2; pass++) {
            lm.resetState();
            for (int k = 0; k < chunks; k++) {
                float[] in = new float[steps * streams], lab = new float[steps * streams];
                for (int t = 0; t < steps; t++) {
                    for (int b = 0; b < streams; b++) {
                        int pos = b * len + k * steps + t;
                        in[t * streams + b] = txt[pos];                  // x_t = token t (teacher forcing)
                        lab[t * streams + b] = txt[pos + 1];             // target: token t+1
                    }
                }
                try (Tensor x = ops.upload(in, steps, streams); Tensor y = ops.upload(lab, steps * streams)) {
                    losses[pass * chunks + k] = Trainer.step(lm, new dev.nabla.loss.SoftmaxCrossEntropy(), sgd, x, y, 0.25f);
                }
            }
        }
        return new Run(losses, names(lm.params()), initial, snapshot(lm.params()));
    }

    /** One-hot tokens [T, B, V] → recurrent layer → dense [T·B, V], cross-entropy over every step (labels −1 ignored). */
    static Run runTagger(Backend ops, Recurrent rnn, int vocab, long seed, Optimizer opt) {
        int T = 7, B = 3, steps = 8;
        SplittableRandom init = new SplittableRandom(seed);
        rnn.bind(ops, init);
        Dense head = new Dense(rnn.outputSize(), vocab);
        head.bind(ops, init);
        List<Param> params = new ArrayList<>(rnn.params());
        params.addAll(head.params());
        List<float[]> initial = snapshot(params);
        int[] txt = text(T * B * 4 + 1, true);
        SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
        Tensor dlogits = ops.zeros(T * B, vocab);
        float[] losses = new float[steps];
        for (int s = 0; s < steps; s++) {
            float[] onehot = new float[T * B * vocab], lab = new float[T * B];
            for (int t = 0; t < T; t++) {
                for (int b = 0; b < B; b++) {
                    int pos = (s % 4) * T * B + b * T + t;                            // four batches, each seen twice
                    onehot[(t * B + b) * vocab + txt[pos]] = 1f;
                    lab[t * B + b] = b == B - 1 && t >= T - 2 ? -1 : txt[pos + 1];   // the last stream is padded for 2 steps
                }
            }
            try (Tensor x = ops.upload(onehot, T, B, vocab); Tensor y = ops.upload(lab, T * B)) {
                for (Param p : params) p.zeroGrad();
                Tensor h = rnn.forward(x, true);                                     // h_t        [T, B, H]
                Tensor logits = head.forward(h.reshape(T * B, rnn.outputSize()), true); // o_t = V·h_t + c
                losses[s] = ce.compute(logits, y, dlogits);
                rnn.backward(head.backward(dlogits).reshape(T, B, rnn.outputSize())); // BPTT
                opt.step(params);
            }
        }
        return new Run(losses, names(params), initial, snapshot(params));
    }

    /** One-hot → LSTM 9→12 with peepholes (forget bias 1) → dense, 8 steps, SGD η = 1, μ = 0.9. */
    protected static Run peepholeLstm(Backend ops) {
        return runTagger(ops, new Lstm(9, 12, true, 1f), 9, 31, Sgd.momentum(1f, 0.9f));
    }

    /** One-hot → GRU 9→12 → dense, 8 steps, Nesterov SGD η = 0.5, μ = 0.9. */
    protected static Run gru(Backend ops) {
        return runTagger(ops, new Gru(9, 12), 9, 41, Sgd.nesterov(0.5f, 0.9f));
    }

    // ---------------------------------------------------------------- the tests

    @Test
    void mlpTrainsLikeTheReference() { assertSameTraining("MLP 784-64-32-10", TrainingParityTest::mlp); }

    @Test
    void leNet5TrainsLikeTheReference() { assertSameTraining("LeNet-5", TrainingParityTest::leNet5); }

    @Test
    void tiledAndLocallyConnectedCnnTrainsLikeTheReference() { assertSameTraining("tiled + locally connected CNN", TrainingParityTest::tiledCnn); }

    @Test
    void lstmLanguageModelTrainsLikeTheReference() {
        assertSameTraining("LSTM language model", TrainingParityTest::lstmLanguageModel);
    }

    @Test
    void peepholeLstmTrainsLikeTheReference() { assertSameTraining("peephole LSTM", TrainingParityTest::peepholeLstm); }

    @Test
    void gruTrainsLikeTheReference() { assertSameTraining("GRU", TrainingParityTest::gru); }

    private static double mean(float[] a, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += a[i];
        return s / (to - from);
    }

    /** Trains {@code workload} on the reference and on {@link #be}, and checks the two runs against each other. */
    protected void assertSameTraining(String what, Workload workload) {
        Run ref = workload.apply(new ReferenceBackend());
        Run got = workload.apply(be);
        String on = what + " on " + be.name();
        float[] rl = ref.losses();
        int half = rl.length / 2;
        assertThat(mean(rl, half, rl.length)).as(what + ": the reference run lowers its mean loss from the first to the second half "
                + java.util.Arrays.toString(rl)).isLessThan(0.95 * mean(rl, 0, half));
        assertThat(got.names()).as(on + ": parameters").isEqualTo(ref.names());
        for (int p = 0; p < ref.initial().size(); p++) {
            assertThat(got.initial().get(p)).as(on + ": initial " + ref.names().get(p) + " (same seed, same host draw)")
                    .isEqualTo(ref.initial().get(p));
        }
        double worstLoss = 0, worstWeight = 0;
        float lt = lossTolerance(), wt = weightTolerance();
        for (int s = 0; s < ref.losses().length; s++) {
            float r = ref.losses()[s], a = got.losses()[s];
            double dev = Math.abs((double) a - r) / Math.abs(r);
            worstLoss = Math.max(worstLoss, dev);
            if (!(dev <= lt)) {
                throw new AssertionError(on + ": loss of step " + (s + 1) + " is " + a + ", reference " + r
                        + " (relative deviation " + (float) dev + " > tolerance " + lt + ")");
            }
        }
        for (int p = 0; p < ref.trained().size(); p++) {
            float[] r = ref.trained().get(p), a = got.trained().get(p);
            float scale = 0;
            for (float v : r) scale = Math.max(scale, Math.abs(v));
            for (int i = 0; i < r.length; i++) {
                double dev = Math.abs((double) a[i] - r[i]) / scale;
                worstWeight = Math.max(worstWeight, dev);
                if (!(dev <= wt) && a[i] != r[i]) {
                    throw new AssertionError(on + ": after " + ref.losses().length + " steps " + ref.names().get(p) + "[" + i + "] is "
                            + a[i] + ", reference " + r[i] + " (deviation " + (float) dev + " of the tensor's max |w| " + scale
                            + " > tolerance " + wt + ")");
                }
            }
        }
        System.out.printf("[parity] %s: %d steps, loss %.5f → %.5f; worst relative deviation: loss %.2e, weights %.2e%n",
                on, ref.losses().length, got.losses()[0], got.losses()[got.losses().length - 1], worstLoss, worstWeight);
    }
}
