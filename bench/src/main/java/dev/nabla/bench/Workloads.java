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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

        /**
         * Floating-point operations of one step's matrix products as the engine runs them (2 per multiply-add: the
         * forward pass, ∂W of every layer, ∂x of every layer but a data-fed first one); elementwise work is not counted.
         */
        double flopsPerStep();
    }

    /**
     * A workload by name: {@code mlp}, {@code lenet5}, {@code rnn}, {@code lstm} (the four of the peer comparison), or
     * one of their sizes for the scaling table — {@code mlp-b<batch>-w<width>} (784-w-w/2-10), {@code lenet5-b<batch>},
     * {@code lstm-h<hidden>-t<steps>} and {@code rnn-h<hidden>-t<steps>} (batch 32).
     */
    private static final Pattern MLP = Pattern.compile("mlp-b(\\d+)-w(\\d+)"), LENET5 = Pattern.compile("lenet5-b(\\d+)"),
            RECURRENT = Pattern.compile("(lstm|rnn)-h(\\d+)-t(\\d+)");

    static Workload create(String name, Backend be) {
        Matcher m;
        if ((m = MLP.matcher(name)).matches()) return mlp(be, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        if ((m = LENET5.matcher(name)).matches()) return lenet5(be, Integer.parseInt(m.group(1)));
        if ((m = RECURRENT.matcher(name)).matches()) {
            return new CharModel(be, m.group(1).equals("lstm"), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
        }
        return switch (name) {
            case "mlp" -> mlp(be, 64, 256);
            case "lenet5" -> lenet5(be, 64);
            case "rnn" -> new CharModel(be, false, 256, 64);
            case "lstm" -> new CharModel(be, true, 256, 64);
            default -> throw new IllegalArgumentException("unknown workload '" + name
                    + "' (mlp, lenet5, rnn, lstm, mlp-b<batch>-w<width>, lenet5-b<batch>, lstm-h<hidden>-t<steps>, rnn-h<hidden>-t<steps>)");
        };
    }

    /** The MLP 784-w-(w/2)-10 with ReLU at batch b ({@code mlp} is w = 256, b = 64). */
    static Workload mlp(Backend be, int batch, int width) {
        int[] widths = {784, width, width / 2, 10};
        long macs = 0, dx = 0;
        for (int i = 0; i + 1 < widths.length; i++) {
            macs += (long) widths[i] * widths[i + 1];
            if (i > 0) dx += (long) widths[i] * widths[i + 1];
        }
        String name = width == 256 && batch == 64 ? "mlp784-256-128-10 b64" : "mlp784-" + width + "-" + width / 2 + "-10 b" + batch;
        return new Classifier(be, name, Sequential.mlp(ActivationLayer::relu, widths), 2.0 * batch * (2 * macs + dx), 1, batch, 784);
    }

    /** LeNet-5 at batch b: per sample 416,520 multiply-adds forward (conv1 117,600, conv2 240,000, the dense layers 58,920). */
    static Workload lenet5(Backend be, int batch) {
        long fwd = 6L * 784 * 25 + 16L * 100 * 150 + 400 * 120 + 120 * 84 + 84 * 10, dxConv1 = 6L * 784 * 25;
        return new Classifier(be, "lenet5 b" + batch, LeNetSample.model(), 2.0 * batch * (3 * fwd - dxConv1), 2, batch, 1, 28, 28);
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
        final double flops;
        Tensor dy;

        Classifier(Backend be, String name, Sequential model, double flops, long seed, int batch, int... sampleShape) {
            this.name = name;
            this.batch = batch;
            this.flops = flops;
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

        public double flopsPerStep() { return flops; }

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
     * Other H and T for the scaling table; B stays 32.
     */
    static final class CharModel implements Workload {
        static final int V = 65, B = 32;
        final int H, T;
        final boolean lstm;
        final Recurrent rnn;
        final Dense head;
        final List<Param> params = new ArrayList<>();
        final Loss loss = new SoftmaxCrossEntropy();
        final Optimizer sgd = Sgd.momentum(LR, MOMENTUM);
        final Tensor x, labels, dlogits;

        CharModel(Backend be, boolean lstm, int hidden, int steps) {
            this.lstm = lstm;
            H = hidden;
            T = steps;
            rnn = lstm ? new Lstm(V, H) : new Rnn(V, H);
            head = new Dense(H, V);
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

        public String name() { return (lstm ? "lstm" : "rnn-tanh") + " h" + H + " T" + T + " b" + B; }

        public int unitsPerStep() { return T * B; }

        public String unit() { return "tokens/s"; }

        /** Per token: W_x·x and ∂W_x (no ∂x for the one-hot data), W_h·h, ∂W_h and ∂h at every step, the head's three. */
        public double flopsPerStep() {
            long g = lstm ? 4L * H : H;
            return 2.0 * T * B * (2.0 * V * g + 3.0 * H * g + 3.0 * H * V);
        }

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
