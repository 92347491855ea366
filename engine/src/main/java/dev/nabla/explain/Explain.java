package dev.nabla.explain;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.ConvGeometry;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.loss.SquaredError;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Param;
import dev.nabla.nn.Perceptron;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Clipping;
import dev.nabla.optim.Sgd;
import dev.nabla.trace.Trace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Explain mode: the lectures' examples run by the engine, every quantity printed in the slides' notation — net, y,
 * δ = ∂E/∂net, ∂E/∂w, Δw = −η·∂E/∂w — with the slide's own value beside the computed one where the slide gives one.
 * {@code ./nabla explain NAME}, or from code: {@code Explain.run("inference").text()}. The forward and backward
 * passes are watched through {@link Trace}, so what is printed is what the layers computed, not a second calculation.
 */
public final class Explain {
    private Explain() {}

    /** Every example: its name and what it shows. */
    public static final Map<String, String> EXAMPLES = new java.util.LinkedHashMap<>();

    static {
        EXAMPLES.put("inference", "seed 003: the worked inference example, hidden units H1–H3 and outputs O1, O2");
        EXAMPLES.put("mlp-step", "seed 000: one forward pass, backward pass (the δ rules) and update of a 2-3-2 tanh MLP");
        EXAMPLES.put("perceptron", "seed 002/004: Rosenblatt's rule step by step on AND, and why it never settles on XOR");
        EXAMPLES.put("convolution", "seed 004: the multi-channel (RGB) convolution, 161 − 9 + 659 + 1 = 812");
        EXAMPLES.put("pooling", "seed 004: 2×2 max and average pooling of a 4×4 feature map");
        EXAMPLES.put("lstm", "seed 000/003: one LSTM step, the gates i, f, g, o and the cell c_t");
        EXAMPLES.put("clipping", "seed 000: gradient-norm clipping, the pseudo-code step by step");
    }

    /** One checked quantity: the engine's value and the slide's (where the slide prints one) within the slide's rounding. */
    public record Check(String quantity, double computed, double slide, double tolerance) {
        public boolean agrees() { return Math.abs(computed - slide) <= tolerance; }
    }

    /** What an example printed, and the quantities it checked against the slide. */
    public record Report(String name, List<String> lines, List<Check> checks) {
        public String text() { return String.join("\n", lines) + "\n"; }

        /** True if every value the slide gives agrees with the engine's. */
        public boolean agreesWithTheSlide() { return checks.stream().allMatch(Check::agrees); }
    }

    /** Runs example {@code name} (one of {@link #EXAMPLES}) on the reference backend. */
    public static Report run(String name) {
        try (Backend ref = new ReferenceBackend()) {
            return run(name, ref);
        }
    }

    /** Runs example {@code name} with its tensors on {@code ops} (the perceptron runs on the host whatever the backend). */
    public static Report run(String name, Backend ops) {
        if (ops == null) throw new IllegalArgumentException("Explain.run: the backend is null");
        Builder b = new Builder(ops);
        switch (name) {
            case "inference" -> inference(b);
            case "mlp-step" -> mlpStep(b);
            case "perceptron" -> perceptron(b);
            case "convolution" -> convolution(b);
            case "pooling" -> pooling(b);
            case "lstm" -> lstm(b);
            case "clipping" -> clipping(b);
            default -> throw new IllegalArgumentException("no example '" + name + "'; examples: " + EXAMPLES.keySet());
        }
        return new Report(name, b.lines, b.checks);
    }

    // ---------------------------------------------------------------- the examples

    /** Seed 003's worked example: x = (0.5, 0.9, −0.3), three sigmoid hidden units, two sigmoid outputs, no biases. */
    private static void inference(Builder b) {
        b.title("seed 003, inference: net = W·x, out = σ(net), layer by layer");
        Dense hidden = new Dense(3, 3), output = new Dense(3, 2);
        Sequential net = new Sequential(hidden, ActivationLayer.sigmoid(), output, ActivationLayer.sigmoid()).bind(b.ops, 0);
        set(hidden, new float[][] {{1, -2, 2}, {2, 1, -4}, {1, -1, 0}});      // the slide's H1–H3 weights, no biases
        set(output, new float[][] {{-3, 1, -3}, {0, 1, 2}});                  // O1, O2
        float[] x = {0.5f, 0.9f, -0.3f};
        b.line("x = " + vec(x));
        String[][] names = {{"H1", "H2", "H3"}, {"H1", "H2", "H3"}, {"O1", "O2"}, {"O1", "O2"}};
        double[][] slide = {{-1.9, 3.1, -0.4}, {0.13, 0.96, 0.40}, {-0.63, 1.76}, {0.35, 0.85}};
        double[] tol = {1e-5, 0.005, 0.01, 0.005};
        String[] what = {"net = W_H·x", "out = σ(net)", "net = W_O·h", "out = σ(net)"};
        try (Trace.Scope s = Trace.observe(new Trace.Observer() {
            @Override
            public void forward(Layer layer, int i, Tensor in, Tensor y) {
                float[] v = y.toArray();
                b.line("layer " + (i + 1) + " " + layer.name() + ":  " + what[i]);
                for (int k = 0; k < v.length; k++) b.value("  " + names[i][k] + " " + what[i].substring(0, what[i].indexOf(' ')), v[k], slide[i][k], tol[i]);
            }
        })) {
            net.forward(b.ops.upload(x, 1, 3), false);
        }
        b.line("(the slide rounds H1–H3 to two digits before the output layer: net_O1 from the exact H's is −0.637;");
        b.line(" it also names its second output line \"O1\": it is O2)");
    }

    /** Seed 000's δ rules on a 2-3-2 tanh MLP with E = ½Σ(d − y)², one step of gradient descent with η = 0.1. */
    private static void mlpStep(Builder b) {
        b.title("seed 000, one training step: E = ½Σ(d − y)², δ_k = (y_k − d_k)·g'(net_k), δ_j = g'(net_j)·Σ_k δ_k·w_jk, Δw = −η·δ·yᵀ");
        Dense hidden = new Dense(2, 3), out = new Dense(3, 2);
        Sequential net = new Sequential(hidden, ActivationLayer.tanh(), out, ActivationLayer.tanh()).bind(b.ops, 0);
        set(hidden, new float[][] {{0.1f, -0.4f}, {0.7f, 0.2f}, {-0.3f, 0.5f}});
        set(out, new float[][] {{0.6f, -0.2f, 0.3f}, {-0.5f, 0.4f, 0.1f}});
        float[] x = {0.5f, -1f}, d = {0.3f, -0.6f};
        float eta = 0.1f;
        b.line("inputs y_i = " + vec(x) + ", targets d = " + vec(d) + ", η = " + eta);
        String[] forwardWhat = {"net_j = Σ_i w_ij·y_i", "y_j = tanh(net_j)", "net_k = Σ_j w_jk·y_j", "y_k = tanh(net_k)"};
        String[] backWhat = {"∂E/∂y_i = Σ_j δ_j·w_ij (not needed: the inputs are data)", "δ_j = ∂E/∂y_j · tanh'(net_j)",
                "∂E/∂y_j = Σ_k δ_k·w_jk", "δ_k = (y_k − d_k) · tanh'(net_k)"};
        Tensor y;
        try (Trace.Scope s = Trace.observe(new Trace.Observer() {
            @Override
            public void forward(Layer layer, int i, Tensor in, Tensor out) { b.line("forward  " + forwardWhat[i] + " = " + vec(out.toArray())); }

            @Override
            public void backward(Layer layer, int i, Tensor dy, Tensor dx) {
                if (dx != null) b.line("backward " + backWhat[i] + " = " + vec(dx.toArray()));
            }
        })) {
            y = net.forward(b.ops.upload(x, 1, 2), true);
            Tensor dy = b.ops.zeros(1, 2);
            float e = new SquaredError().compute(y, b.ops.upload(d, 1, 2), dy);
            b.line("E = ½Σ(d − y)² = " + num(e) + ",   ∂E/∂y_k = y_k − d_k = " + vec(dy.toArray()));
            net.zeroGrad();
            net.backwardParams(dy);
        }
        b.line("∂E/∂w_jk = δ_k·y_j (output layer, [k, j]) = " + vec(out.weight().grad().toArray()));
        b.line("∂E/∂w_ij = δ_j·y_i (hidden layer, [j, i]) = " + vec(hidden.weight().grad().toArray()));
        float[] before = out.weight().value().toArray(), g = out.weight().grad().toArray();
        new Sgd(eta).step(net.params());
        float[] after = out.weight().value().toArray();
        float[] delta = new float[after.length];
        for (int i = 0; i < delta.length; i++) delta[i] = after[i] - before[i];
        b.line("Δw_jk = −η·∂E/∂w_jk = " + vec(delta) + ",   w_jk ← w_jk + Δw_jk = " + vec(after));
        for (int i = 0; i < delta.length; i++) b.check("Δw_jk[" + i + "] = −η·∂E/∂w_jk", delta[i], -eta * g[i], 1e-7);
        float[] y2 = net.forward(b.ops.upload(x, 1, 2), false).toArray();
        double e2 = 0;
        for (int k = 0; k < 2; k++) e2 += 0.5 * (d[k] - y2[k]) * (d[k] - y2[k]);
        b.line("after the step: y = " + vec(y2) + ", E = " + num((float) e2) + " (smaller: the step went downhill)");
    }

    /** Rosenblatt's perceptron rule w ← w + η(d − y)x on AND, then on XOR. */
    private static void perceptron(Builder b) {
        b.title("seeds 002/004, Rosenblatt's rule: z = wᵀx with the bias unit x₀ = 1, y = step(z), w ← w + η(d − y)·x");
        float[][] xs = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
        float[] and = {0, 0, 0, 1}, xor = {0, 1, 1, 0};
        Perceptron p = new Perceptron(2, Activation.STEP, 0.5f, 1);
        b.line("AND, η = 0.5, start w = (w₀, w₁, w₂) = " + vec(p.weights()) + " (w₀ is the bias weight, for x₀ = 1)");
        for (int epoch = 1; epoch <= 20; epoch++) {
            int errors = 0;
            for (int i = 0; i < 4; i++) {
                float net = p.net(xs[i]), y = p.predict(xs[i]);
                boolean changed = p.learn(xs[i], and[i]);
                if (changed) errors++;
                b.line(String.format(Locale.ROOT, "  epoch %d, x = %s, d = %.0f: z = %s, y = %.0f%s", epoch, vec(xs[i]), and[i], num(net), y,
                        changed ? "  → w ← w + η(d − y)x = " + vec(p.weights()) : "  (right: no change)"));
            }
            if (errors == 0) {
                b.line("  epoch " + epoch + " made no error: the rule has converged (AND is linearly separable)");
                b.check("AND accuracy", p.accuracy(xs, and), 1, 0);
                break;
            }
        }
        Perceptron q = new Perceptron(2, Activation.STEP, 0.5f, 1);
        List<Integer> errors = q.train(xs, xor, 100);
        b.line("XOR, the same rule for " + errors.size() + " epochs: errors per epoch " + errors.subList(0, Math.min(12, errors.size())) + " …");
        b.line("  it never reaches 0: no line w₀ + w₁x₁ + w₂x₂ = 0 puts (0,1), (1,0) on one side and (0,0), (1,1) on the other —");
        b.line("  y = 1 at (0,1) and (1,0) needs w₀ + w₂ ≥ 0 and w₀ + w₁ ≥ 0, so 2w₀ + w₁ + w₂ ≥ 0; y = 0 at (0,0) and (1,1)");
        b.line("  needs w₀ < 0 and w₀ + w₁ + w₂ < 0, so 2w₀ + w₁ + w₂ < 0: a contradiction. A hidden layer is needed.");
        b.check("XOR errors in the last epoch (never 0)", errors.getLast() > 0 ? 1 : 0, 1, 0);
    }

    /** Seed 004's RGB convolution on the zero-padded top-left corner of an image. */
    private static void convolution(Builder b) {
        b.title("seed 004, a 3×3×3 kernel over an RGB image (zero padding 1), bias 1: out = Σ_c Σ_ij K_c[i,j]·x_c[r+i, s+j] + b");
        float[][] rgb = {
                {156, 155, 156, 158, 158, 153, 154, 157, 159, 159, 149, 151, 155, 158, 159, 146, 146, 149, 153, 158, 145, 143, 143, 148, 158},
                {167, 166, 167, 169, 169, 164, 165, 168, 170, 170, 160, 162, 166, 169, 170, 156, 156, 159, 163, 168, 155, 153, 153, 158, 168},
                {163, 162, 163, 165, 165, 160, 161, 164, 166, 166, 156, 158, 162, 165, 166, 155, 155, 158, 162, 167, 154, 152, 152, 157, 167}};
        float[][] kernels = {{-1, -1, 1, 0, 1, -1, 0, 1, 1}, {1, 0, 0, 1, -1, -1, 1, 0, -1}, {0, 1, 1, 0, 1, 0, 1, -1, 1}};
        String[] channel = {"red", "green", "blue"};
        ConvGeometry g = new ConvGeometry(1, 1, 5, 5, 3, 3, 1, 1, 1, 1);
        float[] total = new float[25];
        java.util.Arrays.fill(total, 1f);                                      // + b
        for (int c = 0; c < 3; c++) {
            Tensor cols = b.ops.zeros(g.colRows(), g.colCols()), out = b.ops.zeros(1, 25);
            b.ops.im2col(b.ops.upload(rgb[c], 1, 1, 5, 5), g, cols);              // every 3×3 window of channel c as a column
            b.ops.gemm(false, false, 1f, b.ops.upload(kernels[c], 1, 9), cols, 0f, out);
            float[] v = out.toArray();
            b.line(channel[c] + " channel, K = " + vec(kernels[c]) + ":  Σ K·x at row 1, column 3 = " + num(v[8]));
            b.check(channel[c] + " sum at (1, 3)", v[8], new double[] {161, -9, 659}[c], 0);
            for (int i = 0; i < 25; i++) total[i] += v[i];
        }
        b.line("out(1, 3) = 161 + (−9) + 659 + 1 = " + num(total[8]));
        b.line("output rows 0 and 1, columns 0–3 (the slide's): " + vec(Arrays.copyOfRange(total, 0, 4)) + " / " + vec(Arrays.copyOfRange(total, 5, 9)));
        double[] slide = {-25, 466, 466, 475, 295, 787, 798, 812};
        int[] at = {0, 1, 2, 3, 5, 6, 7, 8};
        for (int i = 0; i < at.length; i++) b.check("out(" + at[i] / 5 + ", " + at[i] % 5 + ")", total[at[i]], slide[i], 0);
    }

    /** Seed 004's pooling example. */
    private static void pooling(Builder b) {
        b.title("seed 004, 2×2 pooling with stride 2 of a 4×4 feature map");
        float[] map = {12, 20, 30, 0, 8, 12, 2, 0, 34, 70, 37, 4, 112, 100, 25, 12};
        b.line("feature map (rows): " + vec(Arrays.copyOfRange(map, 0, 4)) + " " + vec(Arrays.copyOfRange(map, 4, 8)) + " "
                + vec(Arrays.copyOfRange(map, 8, 12)) + " " + vec(Arrays.copyOfRange(map, 12, 16)));
        ConvGeometry g = new ConvGeometry(1, 1, 4, 4, 2, 2, 2, 2, 0, 0);
        Tensor x = b.ops.upload(map, 1, 1, 4, 4), y = b.ops.zeros(1, 1, 2, 2), arg = b.ops.zeros(1, 1, 2, 2);
        b.ops.maxPool(x, g, y, arg);
        float[] max = y.toArray(), where = arg.toArray();
        b.line("max pooling: y = max over each window = " + vec(max) + " (taken from positions " + vec(where) + ")");
        double[] slideMax = {20, 30, 112, 37}, slideAvg = {13, 8, 79, 20};
        for (int i = 0; i < 4; i++) b.check("max window " + i, max[i], slideMax[i], 0);
        b.ops.avgPool(x, g, y);
        float[] avg = y.toArray();
        b.line("average pooling: y = (1/4)·Σ window = " + vec(avg) + "  (the slide prints 20 for (37 + 4 + 25 + 12)/4 = 19.5)");
        for (int i = 0; i < 4; i++) b.check("average window " + i, avg[i], slideAvg[i], i == 3 ? 0.5 : 0);
    }

    /** One LSTM step with peepholes off: the gates from their pre-activations, the cell and the output. */
    private static void lstm(Builder b) {
        b.title("one LSTM step (gates in PyTorch's order i, f, g, o; H = 2): the cell path has no matrix product");
        float[] a = {0.5f, -1f, 2f, 0.3f, 1f, -0.5f, 0.2f, 0.8f};             // a = W·x_t + U·h_{t−1} + b  [i | f | g | o]
        float[] cPrev = {0.7f, -0.4f};
        b.line("pre-activations a = W·x_t + U·h_{t−1} + b: a_i = " + vec(Arrays.copyOfRange(a, 0, 2)) + ", a_f = " + vec(Arrays.copyOfRange(a, 2, 4))
                + ", a_g = " + vec(Arrays.copyOfRange(a, 4, 6)) + ", a_o = " + vec(Arrays.copyOfRange(a, 6, 8)) + ";  c_{t−1} = " + vec(cPrev));
        Tensor gates = b.ops.upload(a, 1, 8), c = b.ops.zeros(1, 2), tc = b.ops.zeros(1, 2), h = b.ops.zeros(1, 2);
        b.ops.lstmCell(gates, b.ops.upload(cPrev, 1, 2), null, c, tc, h);
        float[] act = gates.toArray(), cv = c.toArray(), hv = h.toArray();
        b.line("i = σ(a_i) = " + vec(Arrays.copyOfRange(act, 0, 2)) + "   (input gate: how much of g enters the cell)");
        b.line("f = σ(a_f) = " + vec(Arrays.copyOfRange(act, 2, 4)) + "   (forget gate: how much of c_{t−1} stays)");
        b.line("g = tanh(a_g) = " + vec(Arrays.copyOfRange(act, 4, 6)) + "   (the candidate)");
        b.line("o = σ(a_o) = " + vec(Arrays.copyOfRange(act, 6, 8)) + "   (output gate)");
        b.line("c_t = f⊙c_{t−1} + i⊙g = " + vec(cv) + ";   h_t = o⊙tanh(c_t) = " + vec(hv));
        for (int j = 0; j < 2; j++) {                                          // the same step in double, by hand
            double i = sig(a[j]), f = sig(a[2 + j]), gg = Math.tanh(a[4 + j]), o = sig(a[6 + j]), ct = f * cPrev[j] + i * gg;
            b.check("c_t[" + j + "] (by hand, in double)", cv[j], ct, 1e-6);
            b.check("h_t[" + j + "] (by hand, in double)", hv[j], o * Math.tanh(ct), 1e-6);
        }
        b.line("∂c_t/∂c_{t−1} = f: the gradient flows back along the cell scaled by f alone — no W, so it need not vanish");
    }

    /** Seed 000's gradient-norm clipping: ĝ ← ∂E/∂θ; if ‖ĝ‖ ≥ threshold then ĝ ← (threshold/‖ĝ‖)·ĝ. */
    private static void clipping(Builder b) {
        b.title("seed 000, gradient-norm clipping: ĝ ← ∂E/∂θ;  if ‖ĝ‖ ≥ threshold then ĝ ← (threshold / ‖ĝ‖)·ĝ");
        Param w1 = new Param("W1", b.ops.zeros(2)), w2 = new Param("W2", b.ops.zeros(1));
        b.ops.upload(new float[] {3, 0}, 0, w1.grad());
        b.ops.upload(new float[] {4}, 0, w2.grad());
        b.line("ĝ = (∂E/∂W1, ∂E/∂W2) = " + vec(w1.grad().toArray()) + ", " + vec(w2.grad().toArray()));
        float norm = Clipping.clipGlobalNorm(List.of(w1, w2), 1f);
        b.line("‖ĝ‖ = √(3² + 0² + 4²) = " + num(norm) + " ≥ threshold 1: ĝ ← (1/5)·ĝ = " + vec(w1.grad().toArray()) + ", " + vec(w2.grad().toArray()));
        b.check("‖ĝ‖", norm, 5, 1e-6);
        b.check("ĝ W1[0] after clipping", w1.grad().toArray()[0], 0.6, 1e-6);
        b.check("ĝ W2[0] after clipping", w2.grad().toArray()[0], 0.8, 1e-6);
        b.line("the direction is kept, only the length is capped: the cure for exploding gradients in RNNs");
    }

    // ---------------------------------------------------------------- helpers

    private static double sig(double x) { return 1 / (1 + Math.exp(-x)); }

    /** Gives a bound Dense layer these weights [out][in] and a zero bias. */
    private static void set(Dense d, float[][] w) {
        float[] flat = new float[w.length * w[0].length];
        for (int r = 0; r < w.length; r++) System.arraycopy(w[r], 0, flat, r * w[0].length, w[0].length);
        d.weight().set(flat);
        d.bias().set(new float[w.length]);
    }

    static String num(float v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e7) return String.valueOf((long) v);
        return String.format(Locale.ROOT, "%.4f", v);
    }

    static String vec(float[] v) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) s.append(i == 0 ? "" : ", ").append(num(v[i]));
        return s.append(']').toString();
    }

    /** Collects the lines and checks of a report. */
    private static final class Builder {
        final List<String> lines = new ArrayList<>();
        final List<Check> checks = new ArrayList<>();

        final Backend ops;

        Builder(Backend ops) { this.ops = ops; }

        void title(String t) {
            lines.add(t);
            lines.add("-".repeat(Math.min(100, t.length())));
        }

        void line(String s) { lines.add(s); }

        void value(String symbol, float computed, double slide, double tol) {
            Check c = new Check(symbol.trim(), computed, slide, tol);
            checks.add(c);
            lines.add(String.format(Locale.ROOT, "%-28s = %10.4f    slide: %s%s", symbol, computed, trim(slide), c.agrees() ? "" : "   DIFFERS"));
        }

        void check(String what, double computed, double slide, double tol) { checks.add(new Check(what, computed, slide, tol)); }

        private static String trim(double v) { return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v); }
    }
}
