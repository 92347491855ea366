package dev.nabla.bench;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.bench.Ops.Act;
import dev.nabla.bench.Ops.Conv;
import dev.nabla.bench.Ops.Dense;
import dev.nabla.bench.Ops.MaxPool;
import dev.nabla.bench.Ops.Param;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The four end-to-end training workloads of the throughput benchmark, each one full step: forward, softmax
 * cross-entropy, backward, SGD with momentum 0.9 (lr 0.01). The same models are in {@code bench/torch_throughput.py}.
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
            case "mlp" -> new Mlp(be);
            case "lenet5" -> new LeNet5(be);
            case "rnn" -> new Recurrent(be, false);
            case "lstm" -> new Recurrent(be, true);
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

    /** mlp784-256-128-10 b64: Dense-ReLU-Dense-ReLU-Dense, softmax cross-entropy. */
    static final class Mlp implements Workload {
        static final int B = 64;
        final Backend be;
        final List<Param> params = Ops.params();
        final Dense l1, l2, l3;
        final Act a1, a2;
        final Tensor x, labels, dlogits, d2, d1;

        Mlp(Backend be) {
            this.be = be;
            SplittableRandom r = new SplittableRandom(1);
            l1 = new Dense(be, r, params, B, 784, 256);
            l2 = new Dense(be, r, params, B, 256, 128);
            l3 = new Dense(be, r, params, B, 128, 10);
            a1 = new Act(be, Activation.RELU, B, 256);
            a2 = new Act(be, Activation.RELU, B, 128);
            x = randomInput(be, r, B, 784);
            labels = randomLabels(be, r, B, 10);
            dlogits = be.zeros(B, 10);
            d2 = be.zeros(B, 128);
            d1 = be.zeros(B, 256);
        }

        public String name() { return "mlp784-256-128-10 b64"; }

        public int unitsPerStep() { return B; }

        public String unit() { return "samples/s"; }

        public float step() {
            Tensor h1 = a1.forward(be, l1.forward(be, x));
            Tensor h2 = a2.forward(be, l2.forward(be, h1));
            Tensor logits = l3.forward(be, h2);
            float loss = be.softmaxCrossEntropy(logits, labels, dlogits);
            l3.backward(be, h2, dlogits, d2);
            l2.backward(be, h1, a2.backward(be, l2.net, d2), d1);
            l1.backward(be, x, a1.backward(be, l1.net, d1), null);
            for (Param p : params) p.sgd(be, LR, MOMENTUM);
            return loss;
        }
    }

    /**
     * lenet5 b64 on 1×28×28: conv 6@5×5 pad 2 - ReLU - maxpool 2 - conv 16@5×5 - ReLU - maxpool 2 -
     * Dense 400→120 - ReLU - Dense 120→84 - ReLU - Dense 84→10.
     */
    static final class LeNet5 implements Workload {
        static final int B = 64;
        final Backend be;
        final List<Param> params = Ops.params();
        final Conv c1, c2;
        final MaxPool p1, p2;
        final Act r1, r2, r3, r4;
        final Dense f1, f2, f3;
        final Tensor x, labels, dlogits, dh4, dh3, dflat, da2, dp1, da1;

        LeNet5(Backend be) {
            this.be = be;
            SplittableRandom r = new SplittableRandom(2);
            c1 = new Conv(be, r, params, B, 1, 28, 28, 6, 5, 2);     // → [B, 6, 28, 28]
            r1 = new Act(be, Activation.RELU, B, 6, 28, 28);
            p1 = new MaxPool(be, B, 6, 28, 28);                      // → [B, 6, 14, 14]
            c2 = new Conv(be, r, params, B, 6, 14, 14, 16, 5, 0);    // → [B, 16, 10, 10]
            r2 = new Act(be, Activation.RELU, B, 16, 10, 10);
            p2 = new MaxPool(be, B, 16, 10, 10);                     // → [B, 16, 5, 5]
            f1 = new Dense(be, r, params, B, 400, 120);
            r3 = new Act(be, Activation.RELU, B, 120);
            f2 = new Dense(be, r, params, B, 120, 84);
            r4 = new Act(be, Activation.RELU, B, 84);
            f3 = new Dense(be, r, params, B, 84, 10);
            x = randomInput(be, r, B, 1, 28, 28);
            labels = randomLabels(be, r, B, 10);
            dlogits = be.zeros(B, 10);
            dh4 = be.zeros(B, 84);
            dh3 = be.zeros(B, 120);
            dflat = be.zeros(B, 16, 5, 5);
            da2 = be.zeros(B, 16, 10, 10);
            dp1 = be.zeros(B, 6, 14, 14);
            da1 = be.zeros(B, 6, 28, 28);
        }

        public String name() { return "lenet5 b64"; }

        public int unitsPerStep() { return B; }

        public String unit() { return "samples/s"; }

        public float step() {
            Tensor h = p1.forward(be, r1.forward(be, c1.forward(be, x)));
            Tensor pooled2 = p2.forward(be, r2.forward(be, c2.forward(be, h)));
            Tensor flat = pooled2.reshape(B, 400);
            Tensor h3 = r3.forward(be, f1.forward(be, flat));
            Tensor h4 = r4.forward(be, f2.forward(be, h3));
            Tensor logits = f3.forward(be, h4);
            float loss = be.softmaxCrossEntropy(logits, labels, dlogits);
            f3.backward(be, h4, dlogits, dh4);
            f2.backward(be, h3, r4.backward(be, f2.net, dh4), dh3);
            f1.backward(be, flat, r3.backward(be, f1.net, dh3), dflat.reshape(B, 400));
            p2.backward(be, dflat, da2);
            c2.backward(be, r2.backward(be, c2.y, da2), dp1);
            p1.backward(be, dp1, da1);
            c1.backward(be, r1.backward(be, c1.y, da1), null);
            for (Param p : params) p.sgd(be, LR, MOMENTUM);
            return loss;
        }
    }

    /**
     * rnn-tanh / lstm h256 T64 b32: one-hot input over V = 65 symbols, a recurrent layer, a Dense 256→65 softmax
     * output at every step, cross-entropy averaged over all T·B predictions, backpropagation through time.
     * Forward: the input projection of all T steps is one GEMM; per step only h_{t−1}·Uᵀ and the fused cell.
     */
    static final class Recurrent implements Workload {
        static final int V = 65, H = 256, T = 64, B = 32;
        final Backend be;
        final boolean lstm;
        final int G;                        // gate width: 4H (i, f, g, o) or H
        final List<Param> params = Ops.params();
        final Param wih, whh, bias;
        final Dense out;
        final Tensor x, labels, acts, hs, cs, tanhC, dlogits, dH, dgates, dc, hsFlat, xFlat;

        Recurrent(Backend be, boolean lstm) {
            this.be = be;
            this.lstm = lstm;
            G = lstm ? 4 * H : H;
            SplittableRandom r = new SplittableRandom(3);
            wih = Param.of(be, r, H, G, V);
            whh = Param.of(be, r, H, G, H);
            bias = Param.of(be, r, H, G);
            params.add(wih);
            params.add(whh);
            params.add(bias);
            out = new Dense(be, r, params, T * B, H, V);
            float[] onehot = new float[T * B * V];
            float[] next = new float[T * B];
            int[] sym = new int[(T + 1) * B];
            for (int i = 0; i < sym.length; i++) sym[i] = r.nextInt(V);
            for (int i = 0; i < T * B; i++) {
                onehot[i * V + sym[i]] = 1f;
                next[i] = sym[i + B];        // predict the next symbol
            }
            x = be.upload(onehot, T, B, V);
            xFlat = x.reshape(T * B, V);
            labels = be.upload(next, T * B);
            acts = be.zeros(T, B, G);            // pre-activations, then the gate activations (LSTM) / net (RNN)
            hs = be.zeros(T + 1, B, H);          // h_0 = 0, h_1 … h_T
            cs = be.zeros(T + 1, B, H);          // c_0 = 0, c_1 … c_T (LSTM)
            tanhC = be.zeros(T, B, H);
            hsFlat = hs.view(B * H, T * B, H);   // h_1 … h_T as [T·B, H]
            dlogits = be.zeros(T * B, V);
            dH = be.zeros(T, B, H);
            dgates = be.zeros(T, B, G);
            dc = be.zeros(B, H);
        }

        public String name() { return (lstm ? "lstm" : "rnn-tanh") + " h256 T64 b32"; }

        public int unitsPerStep() { return T * B; }

        public String unit() { return "tokens/s"; }

        Tensor step(Tensor t3, int t) { return t3.slice(t); }

        public float step() {
            // forward
            Tensor actsFlat = acts.reshape(T * B, G);
            be.gemm(false, true, 1f, xFlat, wih.w(), 0f, actsFlat);      // a = x_t·W_ihᵀ for all t at once
            be.addBias(actsFlat, bias.w(), 1);                           //   + b
            for (int t = 0; t < T; t++) {
                Tensor a = step(acts, t), hPrev = step(hs, t), h = step(hs, t + 1);
                be.gemm(false, true, 1f, hPrev, whh.w(), 1f, a);          //   + h_{t−1}·W_hhᵀ
                if (lstm) be.lstmCell(a, step(cs, t), null, step(cs, t + 1), step(tanhC, t), h);
                else be.activation(Activation.TANH, a, h);                // h_t = tanh(net_t)
            }
            Tensor logits = out.forward(be, hsFlat);
            float loss = be.softmaxCrossEntropy(logits, labels, dlogits);
            // backward
            Tensor dHFlat = dH.reshape(T * B, H);
            out.backward(be, hsFlat, dlogits, dHFlat);                   // ∂E/∂h_t from the outputs
            be.fill(dc, 0f);
            for (int t = T - 1; t >= 0; t--) {
                Tensor dh = step(dH, t), dg = step(dgates, t);
                if (lstm) be.lstmCellBackward(step(acts, t), step(cs, t), step(cs, t + 1), step(tanhC, t), null, dh, dc, dg, null);
                else be.activationBackward(Activation.TANH, step(acts, t), step(hs, t + 1), dh, dg);
                if (t > 0) be.gemm(false, false, 1f, dg, whh.w(), 1f, step(dH, t - 1)); // ∂E/∂h_{t−1} += δ_t·W_hh
            }
            Tensor dgFlat = dgates.reshape(T * B, G);
            be.gemm(true, false, 1f, dgFlat, hs.view(0, T * B, H), 0f, whh.g()); // ∂E/∂W_hh = Σ_t δ_tᵀ·h_{t−1}
            be.gemm(true, false, 1f, dgFlat, xFlat, 0f, wih.g());               // ∂E/∂W_ih = Σ_t δ_tᵀ·x_t
            be.sumBias(dgFlat, bias.g(), 1, 0f);
            for (Param p : params) p.sgd(be, LR, MOMENTUM);
            return loss;
        }
    }
}
