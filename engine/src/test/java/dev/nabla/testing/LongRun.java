package dev.nabla.testing;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.loss.BinaryCrossEntropyWithLogits;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.PReLU;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.Softmax;
import dev.nabla.nn.rnn.Bidirectional;
import dev.nabla.nn.rnn.Gru;
import dev.nabla.nn.rnn.InitialState;
import dev.nabla.nn.rnn.Lstm;
import dev.nabla.nn.rnn.LstmLanguageModel;
import dev.nabla.nn.rnn.Recurrent;
import dev.nabla.nn.rnn.Rnn;
import dev.nabla.nn.rnn.SequenceBatches;
import dev.nabla.nn.rnn.VanillaRnn;
import dev.nabla.optim.Adam;
import dev.nabla.optim.Sgd;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * Small but long training runs whose batch shapes vary within every epoch (a full batch, a ragged last batch, a
 * validation pass of other sizes, sampling with batch 1), for the "a long run does not grow memory" tests: each run
 * calls {@code afterEpoch} with the epoch number (1-based) at the end of every epoch, where a test reads its backend's
 * memory counters. From the end of epoch 1 on every shape has been seen, so those counters must not move.
 */
public final class LongRun {
    private LongRun() {}

    /** 101 samples of a 3-class blob problem: with validation 0.2, 81 train (16 × 5 + 1) and 20 held out (16 + 4). */
    public static Dataset blobs() {
        int n = 101;
        SplittableRandom rng = new SplittableRandom(3);
        float[] x = new float[2 * n];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
            x[2 * i] = (float) rng.nextDouble(-1, 1) + 2f * (y[i] - 1);
            x[2 * i + 1] = (float) rng.nextDouble(-1, 1) + (y[i] == 1 ? 1.5f : 0f);
        }
        return Dataset.classification(x, new int[] {2}, y);
    }

    /**
     * An MLP (Dense, tanh, dropout, PReLU, ReLU) trained by {@link Trainer} with a validation split, so that each epoch runs
     * batches of 16 and 1 (training) and 16 and 4 (validation); then once more with batch size 7 (batches of 7 and 4)
     * and a BCE-with-logits model: {@code afterEpoch} gets 1..epochs for each of the three fits in turn.
     */
    public static void mlp(Backend ops, int epochs, IntConsumer afterEpoch) {
        Sequential model = new Sequential(new Dense(2, 16), ActivationLayer.tanh(), new Dropout(0.1f), new Dense(16, 16),
                new PReLU(1, 0.25f), new Dense(16, 16), ActivationLayer.relu(), new Dense(16, 3)).bind(ops, 5);
        Trainer.Listener probe = s -> afterEpoch.accept(s.epoch());
        new Trainer().epochs(epochs).batchSize(16).validationSplit(0.2f).seed(1).listener(probe)
                .fit(model, new SoftmaxCrossEntropy(), Sgd.momentum(0.05f, 0.9f), blobs());
        new Trainer().epochs(epochs).batchSize(7).validationSplit(0.2f).seed(2).listener(probe)
                .fit(model, new SoftmaxCrossEntropy(), new Adam(0.01f), blobs());
        // sigmoid outputs through a softmax layer's sibling: one output per class, BCE with logits against one-hot targets
        Dataset b = blobs();
        float[] oneHot = new float[b.size() * 3];
        for (int i = 0; i < b.size(); i++) oneHot[3 * i + (int) b.targets()[i]] = 1f;
        Sequential multiLabel = new Sequential(new Dense(2, 8), new Softmax(), new Dense(8, 3)).bind(ops, 6);
        new Trainer().epochs(epochs).batchSize(16).validationSplit(0.2f).seed(3).listener(probe)
                .fit(multiLabel, new BinaryCrossEntropyWithLogits(), new Sgd(0.1f), new Dataset(b.features(), new int[] {2}, oneHot, 3));
        Reference.reachabilityFence(model);        // alive until here: a probe may force a GC, which must find nothing to reclaim
    }

    /**
     * Truncated-BPTT training of an embedding → 2-layer LSTM → dense language model: per epoch a state reset, chunks of
     * 4 streams × 8 steps, a ragged last chunk (4 × 3), a chunk of 3 streams, an evaluation of 2 streams and a sampled
     * continuation (batch 1).
     */
    public static void lstmLanguageModel(Backend ops, int epochs, IntConsumer afterEpoch) {
        int[] period = {0, 1, 2, 3, 4, 2, 1};
        int[] text = new int[4 * 36 + 1];
        for (int i = 0; i < text.length; i++) text[i] = period[i % period.length];
        List<SequenceBatches.Batch> chunks = new ArrayList<>(SequenceBatches.streams(text, 4, 8));   // 4 chunks of 8 steps
        chunks.add(SequenceBatches.streams(text, 4, 3).getLast());                                 // ragged: 3 steps
        chunks.add(SequenceBatches.streams(text, 3, 8).getFirst());                                // 3 streams
        SequenceBatches.Batch held = SequenceBatches.streams(text, 2, 5).getFirst();
        dev.nabla.nn.Sequential lm = LstmLanguageModel.create(5, 4, 12, 2, 1f).bind(ops, 1).carryState(true);
        Sgd sgd = Sgd.momentum(0.3f, 0.9f);
        SplittableRandom rng = new SplittableRandom(4);
        for (int epoch = 1; epoch <= epochs; epoch++) {
            lm.resetState();
            for (SequenceBatches.Batch b : chunks) {
                try (Tensor in = ops.upload(b.inputs(), b.steps(), b.batch()); Tensor lab = ops.upload(b.labels(), b.steps() * b.batch())) {
                    float loss = Trainer.step(lm, new dev.nabla.loss.SoftmaxCrossEntropy(), sgd, in, lab, 5f);
                    if (!Float.isFinite(loss)) throw new AssertionError("LSTM loss " + loss + " in epoch " + epoch);
                }
            }
            try (Tensor in = ops.upload(held.inputs(), held.steps(), held.batch()); Tensor lab = ops.upload(held.labels(), held.steps() * held.batch())) {
                new SoftmaxCrossEntropy().compute(lm.forward(in, false), lab, null);
            }
            LstmLanguageModel.sample(lm, new int[] {0, 1, 2}, 6, 1f, rng);
            lm.carryState(true);                                                       // sampling leaves carrying off
            afterEpoch.accept(epoch);
        }
        Reference.reachabilityFence(lm);
    }

    /**
     * Every recurrent layer (RNN, GRU, LSTM with a learned initial state and peepholes, a bidirectional GRU pair, the
     * lecture's output-recurrence RNN) run forward and backward over sequences of shapes [6, 4], [6, 4], [2, 4], [3, 1]
     * per epoch, carrying the state where the layer can, with a reset at the start of each epoch.
     */
    public static void recurrentLayers(Backend ops, int epochs, IntConsumer afterEpoch) {
        int in = 3, hid = 5;
        SplittableRandom rng = new SplittableRandom(9);
        List<Recurrent> layers = new ArrayList<>();
        layers.add(new Rnn(in, hid));
        layers.add(new Gru(in, hid));
        layers.add(new Lstm(in, hid, true, 1f));
        layers.add(new Bidirectional(new Gru(in, hid), new Gru(in, hid)));
        for (Recurrent l : layers) l.bind(ops, rng);
        layers.get(2).initialState(InitialState.LEARNED);
        for (int k = 0; k < 3; k++) layers.get(k).carryState(true);
        VanillaRnn vanilla = new VanillaRnn(in, hid, 4, VanillaRnn.Recurrence.OUTPUT, VanillaRnn.Output.MANY_TO_MANY).bound(ops, rng);
        vanilla.carryState(true);
        int[][] shapes = {{6, 4}, {6, 4}, {2, 4}, {3, 1}};
        for (int epoch = 1; epoch <= epochs; epoch++) {
            for (Recurrent l : layers) l.resetState();
            vanilla.resetState();
            for (int[] s : shapes) {
                int T = s[0], B = s[1];
                float[] xv = new float[T * B * in];
                for (int i = 0; i < xv.length; i++) xv[i] = (float) rng.nextDouble(-1, 1);
                try (Tensor x = ops.upload(xv, T, B, in)) {
                    for (Recurrent l : layers) {
                        for (Param p : l.params()) p.zeroGrad();
                        Tensor y = l.forward(x, true);
                        try (Tensor dy = ops.zeros(y.shape())) {
                            ops.fill(dy, 0.1f);
                            l.backward(dy);
                        }
                    }
                    Tensor o = vanilla.forward(x, true);
                    try (Tensor dlogits = ops.zeros(o.shape())) {
                        ops.fill(dlogits, 0.1f);
                        vanilla.backward(dlogits);
                    }
                }
            }
            afterEpoch.accept(epoch);
        }
        Reference.reachabilityFence(layers);
        Reference.reachabilityFence(vanilla);
    }
}
