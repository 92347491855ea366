package dev.nabla.bench;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.loss.Loss;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.rnn.Lstm;
import dev.nabla.nn.rnn.Recurrent;
import dev.nabla.nn.rnn.Rnn;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.Sgd;
import dev.nabla.samples.LeNetSample;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The four end-to-end training workloads of the throughput benchmark, built from the engine's own layers — the models
 * a user trains — each step exactly what {@link dev.nabla.train.Trainer} does: zero the gradients, forward, softmax
 * cross-entropy ({@link SoftmaxCrossEntropy}), backward, {@link Sgd} with momentum 0.9 (lr 0.01). The same models are
 * in {@code bench/torch_throughput.py}.
 */
final class Workloads {
    private Workloads() {}

    static final float LR = 0.01f, MOMENTUM = 0.9f;

    /** One training workload on one backend. */
    interface Workload {
        String name();

        /** Samples (or tokens) processed by one step. */
        int unitsPerStep();

        String unit();

        /** One training step; returns the loss. */
        float step();
    }

    static Workload create(String name, Backend be) {
        return switch (name) {
            case "mlp" -> new Classifier(be, "mlp784-256-128-10 b64", Sequential.mlp(ActivationLayer::relu, 784, 256, 128, 10), 1, 64, 784);
            case "lenet5" -> new Classifier(be, "lenet5 b64", LeNetSample.model(), 2, 64, 1, 28, 28);
            case "rnn" -> new CharModel(be, false);
            case "lstm" -> new CharModel(be, true);
            default -> throw new IllegalArgumentException("unknown workload '" + name + "' (mlp, lenet5, rnn, lstm)");
        };
    }

    static final List<String> ALL = List.of("mlp", "lenet5", "rnn", "lstm");

    static Tensor randomInput(Backend be, SplittableRandom r, int... shape) {
        float[] x = new float[Tensor.sizeOf(shape)];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
        return be.upload(x, shape);
    }

    static Tensor randomLabels(Backend be, SplittableRandom r, int n, int classes) {
        float[] y = new float[n];
        for (int i = 0; i < n; i++) y[i] = r.nextInt(classes);
        return be.upload(y, n);
    }

    /**
     * A {@link Sequential} classifier on one fixed random batch with random labels over 10 classes: the MLP
     * (Dense-ReLU-Dense-ReLU-Dense, see {@link Sequential#mlp}) or LeNet-5 exactly as {@link LeNetSample#model()}.
     */
    static final class Classifier implements Workload {
        final String name;
        final int batch;
        final Sequential model;
        final List<Param> params;
        final Loss loss = new SoftmaxCrossEntropy();
        final Optimizer sgd = Sgd.momentum(LR, MOMENTUM);
        final Tensor x, labels;
        Tensor dy;

        Classifier(Backend be, String name, Sequential model, long seed, int batch, int... sampleShape) {
            this.name = name;
            this.batch = batch;
            this.model = model.bind(be, seed);
            params = model.params();
            SplittableRandom r = new SplittableRandom(seed + 100);
            int[] shape = new int[sampleShape.length + 1];
            shape[0] = batch;
            System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
            x = randomInput(be, r, shape);
            labels = randomLabels(be, r, batch, 10);
        }

        public String name() { return name; }

        public int unitsPerStep() { return batch; }

        public String unit() { return "samples/s"; }

        public float step() {
            for (Param p : params) p.zeroGrad();
            Tensor y = model.forward(x, true);                          // forward pass
            if (dy == null) dy = y.backend().zeros(y.shape());
            float e = loss.compute(y, labels, dy);                      // E and δ = ∂E/∂y
            model.backwardParams(dy);                                   // backward pass (no ∂E/∂x for the data, as Trainer)
            sgd.step(params);                                           // weight update
            return e;
        }
    }

    /**
     * rnn-tanh / lstm h256 T64 b32: one-hot input over V = 65 symbols [T, B, V] → {@link Rnn} (tanh) or {@link Lstm}
     * with H = 256 → {@link Dense} 256→65 on [T·B, H] → softmax cross-entropy averaged over all T·B predictions
     * (predict the next symbol), full backpropagation through time — as {@code LstmLanguageModel.trainStep} does it.
     */
    static final class CharModel implements Workload {
        static final int V = 65, H = 256, T = 64, B = 32;
        final boolean lstm;
        final Recurrent rnn;
        final Dense head = new Dense(H, V);
        final List<Param> params = new ArrayList<>();
        final Loss loss = new SoftmaxCrossEntropy();
        final Optimizer sgd = Sgd.momentum(LR, MOMENTUM);
        final Tensor x, labels, dlogits;

        CharModel(Backend be, boolean lstm) {
            this.lstm = lstm;
            rnn = lstm ? new Lstm(V, H) : new Rnn(V, H);
            SplittableRandom r = new SplittableRandom(3);
            rnn.bind(be, r);
            head.bind(be, r);
            params.addAll(rnn.params());
            params.addAll(head.params());
            float[] onehot = new float[T * B * V];
            float[] next = new float[T * B];
            int[] sym = new int[(T + 1) * B];
            for (int i = 0; i < sym.length; i++) sym[i] = r.nextInt(V);
            for (int i = 0; i < T * B; i++) {
                onehot[i * V + sym[i]] = 1f;
                next[i] = sym[i + B];        // predict the next symbol
            }
            x = be.upload(onehot, T, B, V);
            labels = be.upload(next, T * B);
            dlogits = be.zeros(T * B, V);
        }

        public String name() { return (lstm ? "lstm" : "rnn-tanh") + " h256 T64 b32"; }

        public int unitsPerStep() { return T * B; }

        public String unit() { return "tokens/s"; }

        public float step() {
            for (Param p : params) p.zeroGrad();
            Tensor h = rnn.forward(x, true);                                      // h_t            [T, B, H]
            Tensor logits = head.forward(h.reshape(T * B, H), true);              // o_t = V·h_t + c [T·B, V]
            float e = loss.compute(logits, labels, dlogits);                      // mean CE over every step
            rnn.backwardParams(head.backward(dlogits).reshape(T, B, H));          // BPTT (no ∂L/∂x for the one-hot data)
            sgd.step(params);
            return e;
        }
    }
}
