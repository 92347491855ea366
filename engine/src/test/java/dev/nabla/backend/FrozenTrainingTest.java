package dev.nabla.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Layer;
import dev.nabla.nn.LocallyConnected2d;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.PReLU;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.TiledConv2d;
import dev.nabla.nn.TimeDistributed;
import dev.nabla.nn.rnn.Bidirectional;
import dev.nabla.nn.rnn.Embedding;
import dev.nabla.nn.rnn.Gru;
import dev.nabla.nn.rnn.InitialState;
import dev.nabla.nn.rnn.Lstm;
import dev.nabla.nn.rnn.Rnn;
import dev.nabla.optim.Adam;
import dev.nabla.optim.Clipping;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.RmsProp;
import dev.nabla.optim.Sgd;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Frozen parameters on a backend (issue 19, item 1; seed 002's "fix the parameters for the first layer and train the
 * second"). Each case trains a model twice from the same seed on the backend under test:
 * <ol>
 *   <li><b>frozen</b>: some layer frozen, trained by the plain loop over every parameter (the optimizer skips the
 *       frozen ones; the backward pass skips their gradients, and below the lowest trainable layer runs nothing);
 *   <li><b>left out</b>: nothing frozen, a full backward pass, and the optimizer (and gradient clipping) handed only the
 *       parameters the first run did not freeze.
 * </ol>
 * A frozen parameter must end bit-identical to its initial value, with its gradient still all 0 and no optimizer slot;
 * every other parameter must end as in the left-out run — bit for bit where {@link #weightTolerance()} is 0 (the
 * reference and CPU backends; the same ops run in the same order in both runs, only the frozen ones' work is skipped),
 * and the losses of every step likewise. Cases: MLPs (first, middle or last layer frozen; SGD with momentum, weight
 * decay and clipping, Adam), a small CNN (first or second convolution), a locally connected layer over a tiled
 * convolution, PReLU, and the recurrent layers — an LSTM with
 * peepholes under a frozen embedding or itself frozen, a GRU with its head frozen, an RNN with a learned h^{(0)}, one
 * direction of a bidirectional pair.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class FrozenTrainingTest {
    protected Backend be;

    protected abstract Backend backend();

    /**
     * Tolerance on the trained (not frozen) weights of the two runs, relative to each tensor's largest magnitude, and on
     * the losses; 0 demands bit-identical. Frozen weights are always compared bit for bit.
     */
    protected float weightTolerance() { return 0f; }

    @BeforeAll
    void open() { be = backend(); }

    @AfterAll
    void shut() { if (be != null) be.close(); }

    /** A model bound on a backend, the layers to freeze, and its batches: {x values, x shape, labels}. */
    record Case(Sequential model, List<Layer> frozen, List<Batch> batches) {}

    record Batch(float[] x, int[] shape, float[] labels) {}

    /** What one run left: the losses, and every parameter before and after. */
    record Run(float[] losses, List<float[]> initial, List<float[]> trained, List<Boolean> frozen) {}

    // ---------------------------------------------------------------- data

    /** {@code n} samples of {@code dim} features in 4 classes (class c raises feature c mod dim), seeded. */
    static Batch blobs(int n, int dim, long seed, int... shape) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[n * dim], y = new float[n];
        for (int i = 0; i < n; i++) {
            int c = (int) ((i + seed) % 4);
            y[i] = c;
            for (int j = 0; j < dim; j++) x[i * dim + j] = (float) (rng.nextGaussian() * 0.5 + (j % 4 == c ? 1 : 0));
        }
        int[] s = new int[shape.length + 1];
        s[0] = n;
        System.arraycopy(shape, 0, s, 1, shape.length);
        return new Batch(x, s, y);
    }

    static List<Batch> blobBatches(int steps, int n, int dim, int... shape) {
        List<Batch> b = new ArrayList<>();
        for (int s = 0; s < steps; s++) b.add(blobs(n, dim, 10 + s % 3, shape));
        return b;
    }

    /** Token sequences [T, B] with next-token labels [T·B] of a period-5 pattern with seeded noise. */
    static List<Batch> tokenBatches(int steps, int T, int B, int vocab) {
        List<Batch> out = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(5);
        for (int s = 0; s < steps; s++) {
            float[] x = new float[T * B], y = new float[T * B];
            for (int b = 0; b < B; b++) {
                int start = rng.nextInt(5);
                for (int t = 0; t < T; t++) {
                    x[t * B + b] = rng.nextInt(6) == 0 ? rng.nextInt(vocab) : (start + t) % 5;
                    y[t * B + b] = (start + t + 1) % 5;
                }
            }
            out.add(new Batch(x, new int[] {T, B}, y));
        }
        return out;
    }

    /** One-hot sequences [T, B, V] of {@link #tokenBatches}. */
    static List<Batch> oneHotBatches(int steps, int T, int B, int vocab) {
        List<Batch> out = new ArrayList<>();
        for (Batch t : tokenBatches(steps, T, B, vocab)) {
            float[] x = new float[T * B * vocab];
            for (int i = 0; i < T * B; i++) x[i * vocab + (int) t.x()[i]] = 1f;
            out.add(new Batch(x, new int[] {T, B, vocab}, t.labels()));
        }
        return out;
    }

    // ---------------------------------------------------------------- runs

    private static List<float[]> values(List<Param> ps) {
        List<float[]> v = new ArrayList<>();
        for (Param p : ps) v.add(p.value().toArray());
        return v;
    }

    /**
     * Trains the case with its layers frozen, by the plain loop a user writes: zeroGrad, forward, loss, backwardParams,
     * clipping and the optimizer step over every parameter of the model — the frozen ones are skipped by each part.
     */
    private Run frozenRun(Case c, Optimizer opt, float clip) {
        for (Layer l : c.frozen()) l.freeze();
        Sequential m = c.model();
        List<Param> ps = m.params();
        List<float[]> initial = values(ps);
        SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
        float[] losses = new float[c.batches().size()];
        for (int s = 0; s < losses.length; s++) {
            Batch b = c.batches().get(s);
            try (Tensor x = be.upload(b.x(), b.shape()); Tensor y = be.upload(b.labels(), b.labels().length)) {
                m.zeroGrad();
                Tensor out = m.forward(x, true);
                try (Tensor dy = be.zeros(out.shape())) {
                    losses[s] = ce.compute(out, y, dy);
                    m.backwardParams(dy);                                          // stops at the lowest trainable layer
                }
                if (clip > 0) Clipping.clipGlobalNorm(ps, clip);                   // frozen gradients are 0: no share of ‖g‖
                opt.step(ps);                                                      // skips the frozen parameters
            }
        }
        List<Boolean> frozen = new ArrayList<>();
        for (Param p : ps) {
            frozen.add(p.frozen());
            if (!p.frozen()) continue;
            for (int k = 0; k < Param.SLOTS; k++) assertThat(p.hasSlot(k)).as(p + ": a frozen parameter has no optimizer slot " + k).isFalse();
            float[] g = p.grad().toArray();
            for (int i = 0; i < g.length; i++) {
                if (g[i] != 0f) throw new AssertionError(p + ": the gradient of a frozen parameter was accumulated: [" + i + "] = " + g[i]);
            }
        }
        return new Run(losses, initial, values(ps), frozen);
    }

    /** Trains the same case with nothing frozen, the optimizer and clipping given only the parameters the other run froze not. */
    private Run leftOutRun(Case c, Optimizer opt, float clip) {
        Sequential m = c.model();
        List<Param> ps = m.params();
        Map<Param, Boolean> out = new IdentityHashMap<>();
        for (Layer l : c.frozen()) for (Param p : l.params()) out.put(p, true);
        List<Param> kept = new ArrayList<>();
        for (Param p : ps) if (!out.containsKey(p)) kept.add(p);
        List<float[]> initial = values(ps);
        SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
        float[] losses = new float[c.batches().size()];
        for (int s = 0; s < losses.length; s++) {
            Batch b = c.batches().get(s);
            try (Tensor x = be.upload(b.x(), b.shape()); Tensor y = be.upload(b.labels(), b.labels().length)) {
                m.zeroGrad();
                Tensor o = m.forward(x, true);
                try (Tensor dy = be.zeros(o.shape())) {
                    losses[s] = ce.compute(o, y, dy);
                    m.backwardParams(dy);                                          // every gradient, the left-out ones too
                }
                if (clip > 0) Clipping.clipGlobalNorm(kept, clip);
                opt.step(kept);
            }
        }
        List<Boolean> frozen = new ArrayList<>();
        for (Param p : ps) frozen.add(out.containsKey(p));
        return new Run(losses, initial, values(ps), frozen);
    }

    /** Both runs of {@code make} (called twice: a fresh model each time) and the checks of the class comment. */
    protected void assertFrozenTrainsLikeLeftOut(String what, Function<Backend, Case> make, Supplier<Optimizer> opt, float clip) {
        Run a = frozenRun(make.apply(be), opt.get(), clip);
        Run b = leftOutRun(make.apply(be), opt.get(), clip);
        String on = what + " on " + be.name();
        assertThat(a.frozen()).as(on + ": which parameters are frozen").isEqualTo(b.frozen()).contains(true).contains(false);
        float tol = weightTolerance();
        for (int s = 0; s < a.losses().length; s++) {
            double dev = Math.abs((double) a.losses()[s] - b.losses()[s]) / Math.abs(b.losses()[s]);
            if (!(tol == 0 ? a.losses()[s] == b.losses()[s] : dev <= tol)) {
                throw new AssertionError(on + ": loss of step " + (s + 1) + " is " + a.losses()[s] + " frozen, " + b.losses()[s] + " left out");
            }
        }
        double worst = 0;
        int moved = 0;
        for (int p = 0; p < a.trained().size(); p++) {
            float[] init = a.initial().get(p), got = a.trained().get(p), want = b.trained().get(p);
            if (a.frozen().get(p)) {
                assertThat(got).as(on + ": frozen parameter " + p + " stays bit-identical").isEqualTo(init);
                continue;
            }
            if (!java.util.Arrays.equals(got, init)) moved++;
            float scale = 0;
            for (float v : want) scale = Math.max(scale, Math.abs(v));
            for (int i = 0; i < want.length; i++) {
                double dev = Math.abs((double) got[i] - want[i]) / Math.max(scale, Float.MIN_NORMAL);
                worst = Math.max(worst, dev);
                if (tol == 0 ? got[i] != want[i] : !(dev <= tol)) {
                    throw new AssertionError(on + ": trained parameter " + p + "[" + i + "] is " + got[i] + " with the layer frozen, "
                            + want[i] + " with it left out of the optimizer (tolerance " + tol + ")");
                }
            }
        }
        assertThat(moved).as(on + ": the trainable parameters did train").isGreaterThan(0);
        System.out.printf("[frozen] %s: %d steps, loss %.5f → %.5f; trainable parameters vs left out: worst deviation %.2e%n",
                on, a.losses().length, a.losses()[0], a.losses()[a.losses().length - 1], worst);
    }

    // ---------------------------------------------------------------- cases

    /** 16 → 24 → 20 → 12 → 4 sigmoid MLP (the pretraining sample's shape, small), layer {@code k} (0, 1, 2 or 3) frozen. */
    static Case sigmoidMlp(Backend ops, int... frozenDense) {
        Sequential m = Sequential.mlp(ActivationLayer::sigmoid, 16, 24, 20, 12, 4).bind(ops, 3);
        List<Layer> f = new ArrayList<>();
        for (int k : frozenDense) f.add(m.layers().get(2 * k));
        return new Case(m, f, blobBatches(6, 16, 16, 16));
    }

    @Test
    void firstDenseFrozenWithAdam() {
        assertFrozenTrainsLikeLeftOut("MLP, first Dense frozen, Adam", ops -> sigmoidMlp(ops, 0), () -> new Adam(0.02f), 0f);
    }

    @Test
    void firstTwoDenseFrozenWithSgdMomentumDecayAndClipping() {
        assertFrozenTrainsLikeLeftOut("MLP, first two Dense frozen, SGD μ λ clip", ops -> sigmoidMlp(ops, 0, 1),
                () -> Sgd.momentum(0.5f, 0.9f).weightDecay(1e-3f), 0.3f);
    }

    @Test
    void middleDenseFrozenWithRmsProp() {
        assertFrozenTrainsLikeLeftOut("MLP, middle Dense frozen, RMSProp", ops -> sigmoidMlp(ops, 2), () -> new RmsProp(0.01f), 0f);
    }

    @Test
    void outputDenseFrozen() {
        assertFrozenTrainsLikeLeftOut("MLP, output Dense frozen, SGD", ops -> sigmoidMlp(ops, 3), () -> Sgd.momentum(0.5f, 0.9f), 0f);
    }

    /** 1×8×8 → conv 4@3×3 → ReLU → max-pool 2 → conv 6@2×2 → ReLU → flatten → 4, convolution {@code k} frozen. */
    static Case cnn(Backend ops, int k) {
        Sequential m = new Sequential(new Conv2d(1, 4, 3), ActivationLayer.relu(), new MaxPool2d(2), new Conv2d(4, 6, 2),
                ActivationLayer.tanh(), new Flatten(), new Dense(6 * 2 * 2, 4)).bind(ops, 8);
        return new Case(m, List.of(m.layers().get(k == 0 ? 0 : 3)), blobBatches(5, 8, 64, 1, 8, 8));
    }

    @Test
    void firstConvolutionFrozen() {
        assertFrozenTrainsLikeLeftOut("CNN, first Conv2d frozen", ops -> cnn(ops, 0), () -> Sgd.momentum(0.1f, 0.9f), 0f);
    }

    @Test
    void secondConvolutionFrozen() {
        assertFrozenTrainsLikeLeftOut("CNN, second Conv2d frozen, Adam", ops -> cnn(ops, 1), () -> new Adam(0.01f), 0f);
    }

    @Test
    void locallyConnectedLayerFrozenAboveATiledConvolution() {
        assertFrozenTrainsLikeLeftOut("locally connected layer frozen over a tiled convolution", ops -> {
            Sequential m = new Sequential(new TiledConv2d(1, 3, 3, 2), ActivationLayer.relu(), new LocallyConnected2d(3, 4, 2, 6, 6),
                    ActivationLayer.tanh(), new Flatten(), new Dense(4 * 5 * 5, 4)).bind(ops, 14);
            return new Case(m, List.of(m.layers().get(2)), blobBatches(5, 8, 64, 1, 8, 8));
        }, () -> Sgd.momentum(0.1f, 0.9f), 0f);
    }

    @Test
    void preluFrozen() {
        assertFrozenTrainsLikeLeftOut("MLP with a frozen PReLU", ops -> {
            PReLU act = PReLU.perChannel(12);
            Sequential m = new Sequential(new Dense(16, 12), act, new Dense(12, 4)).bind(ops, 4);
            return new Case(m, List.of(act), blobBatches(5, 12, 16, 16));
        }, () -> new Adam(0.02f), 0f);
    }

    /** Embedding 7×5 → LSTM 5→8 with peepholes → TimeDistributed(Dense 8→7); layer {@code k} frozen. */
    static Case lstm(Backend ops, int k) {
        Sequential m = new Sequential(new Embedding(7, 5), new Lstm(5, 8, true, 1f), new TimeDistributed(new Dense(8, 7))).bind(ops, 6);
        return new Case(m, List.of(m.layers().get(k)), tokenBatches(6, 6, 3, 7));
    }

    @Test
    void embeddingFrozenUnderAnLstm() {
        assertFrozenTrainsLikeLeftOut("embedding frozen under a peephole LSTM", ops -> lstm(ops, 0), () -> Sgd.momentum(0.5f, 0.9f), 1f);
    }

    @Test
    void peepholeLstmFrozen() {
        assertFrozenTrainsLikeLeftOut("peephole LSTM frozen", ops -> lstm(ops, 1), () -> new Adam(0.02f), 0f);
    }

    @Test
    void gruHeadFrozen() {
        assertFrozenTrainsLikeLeftOut("GRU with its head frozen", ops -> {
            Sequential m = new Sequential(new Gru(7, 8), new TimeDistributed(new Dense(8, 7))).bind(ops, 9);
            return new Case(m, List.of(m.layers().get(1)), oneHotBatches(6, 6, 3, 7));
        }, () -> Sgd.nesterov(0.5f, 0.9f), 0f);
    }

    @Test
    void rnnWithLearnedInitialStateFrozen() {
        assertFrozenTrainsLikeLeftOut("RNN with a learned h0, frozen, under a second RNN", ops -> {
            Rnn first = new Rnn(7, 8).initialState(InitialState.LEARNED);
            Sequential m = new Sequential(first, new Rnn(8, 8), new TimeDistributed(new Dense(8, 7))).bind(ops, 10);
            return new Case(m, List.of(first), oneHotBatches(6, 5, 3, 7));
        }, () -> new Adam(0.02f), 0f);
    }

    @Test
    void oneDirectionOfABidirectionalPairFrozen() {
        assertFrozenTrainsLikeLeftOut("Bidirectional, backward direction frozen", ops -> {
            Bidirectional bi = new Bidirectional(new Gru(7, 6), new Gru(7, 6));
            Sequential m = new Sequential(bi, new TimeDistributed(new Dense(12, 7))).bind(ops, 12);
            return new Case(m, List.of(bi.backwardLayer()), oneHotBatches(5, 5, 3, 7));
        }, () -> Sgd.momentum(0.3f, 0.9f), 0f);
    }
}
