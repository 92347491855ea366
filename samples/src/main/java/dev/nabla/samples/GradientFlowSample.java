package dev.nabla.samples;

import dev.nabla.backend.Backend;
import dev.nabla.samples.plot.Plot;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.rnn.LastStep;
import dev.nabla.nn.rnn.Lstm;
import dev.nabla.nn.rnn.VanillaRnn;
import java.util.SplittableRandom;

/**
 * Vanishing and exploding gradients, shown (seeds 000, 003): one sequence of T steps with a loss only at the last step
 * (many-to-one), and ‖∂L/∂h_k‖ printed for k = T … 1 as BPTT carries it back.
 *
 * <p>For the vanilla RNN, ∂L/∂h_k = ∏_{j=k}^{T−1} (∂h_{j+1}/∂h_j)ᵀ · ∂L/∂h_T with ∂h_{j+1}/∂h_j = diag(1 − h_{j+1}²)·W:
 * a product of T − k matrices that shrinks geometrically when W is small (vanishing) and grows when W is large and the
 * units are not saturated (exploding; the lecture's diag(2, 2)^k). The LSTM's cell path multiplies by the forget gate
 * only, ∂L/∂c_{k−1} = ∂L/∂c_k ⊙ f, so with f near 1 (forget-gate bias 3: σ(3) ≈ 0.95) the gradient reaches far back.
 */
public final class GradientFlowSample {
    static final Options.Spec OPTIONS = new Options.Spec("gradient-flow",
            "‖∂L/∂h_k‖ back through time: vanilla RNN (small/large W) vs LSTM (forget bias 1/3)")
            .integer("steps", 60, 2, 100_000, "sequence length T (the loss is at the last step only)")
            .number("input-scale", 0.05f, 0f, true, 1e6f, "σ of the Gaussian inputs")
            .number("small-w", 0.5f, 0f, true, 1e6f, "σ of the vanilla RNN's W that vanishes (W = σ·N(0, 1/H))")
            .number("large-w", 1.8f, 0f, true, 1e6f, "σ of the vanilla RNN's W that explodes")
            .path("load", null, false, "measure the LSTM of this file (saved by gradient-flow --save) in place of the forget-bias-3 one")
            .output("save", "save the forget-bias-3 LSTM to this file (safetensors)")
            .figures()
            .common();

    public static void main(String[] args) { Main.main(Main.withCommand("gradient-flow", args)); }

    static void run(Options o, java.io.PrintStream out) {
        Backend ops = o.backend(out);
        int T = o.getInt("steps"), D = 4, H = 32, K = 2;
        long seed = o.getLong("seed");
        SplittableRandom rng = new SplittableRandom(seed);
        float[] xv = new float[T * D];
        for (int i = 0; i < xv.length; i++) xv[i] = (float) (o.getFloat("input-scale") * rng.nextGaussian());
        Tensor x = ops.upload(xv, T, 1, D);
        Tensor label = ops.upload(new float[] {1}, 1);

        float small = o.getFloat("small-w"), large = o.getFloat("large-w");
        float[] rnnSmall = vanilla(ops, x, label, seed, H, K, small);
        float[] rnnLarge = vanilla(ops, x, label, seed, H, K, large);
        float[][] lstm1 = lstm(ops, x, label, seed, H, K, 1f);
        Sequential model3 = lstmModel(x.dim(2), H, K, 3f);
        model3.bind(ops, new SplittableRandom(seed + 11));
        SavedModels.load(o, model3, out);                                           // --load: the gradient flow of a saved model
        float[][] lstm3 = lstm(model3, x, label);
        SavedModels.save(o, model3, "gradient-flow", java.util.Map.of(), out);

        out.printf("one sequence of %d steps, loss at the last step only; ‖∂L/∂h_k‖ as BPTT carries it back%n", T);
        out.printf("vanilla RNN: W = σ·N(0, 1/H) with σ = %.1f (small) and %.1f (large); LSTM: forget-gate bias 1 and 3%n", small, large);
        out.printf("%5s  %14s  %14s  %14s  %14s  %14s  %14s%n", "k", "RNN σ=" + small, "RNN σ=" + large,
                "LSTM b_f=1 h", "LSTM b_f=1 c", "LSTM b_f=3 h", "LSTM b_f=3 c");
        for (int k = T; k >= 1; k--) {
            if (k != T && k != 1 && (T - k) % Math.max(1, T / 12) != 0) continue;
            out.printf("%5d  %14.3e  %14.3e  %14.3e  %14.3e  %14.3e  %14.3e%n", k, rnnSmall[k - 1], rnnLarge[k - 1],
                    lstm1[0][k - 1], lstm1[1][k - 1], lstm3[0][k - 1], lstm3[1][k - 1]);
        }
        out.printf("ratio ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖:  RNN σ=%.1f %.1e   RNN σ=%.1f %.1e   LSTM b_f=1 %.1e   LSTM b_f=3 %.1e%n",
                small, rnnSmall[0] / rnnSmall[T - 1], large, rnnLarge[0] / rnnLarge[T - 1],
                lstm1[0][0] / lstm1[0][T - 1], lstm3[0][0] / lstm3[0][T - 1]);
        Figures f = Figures.of(o, out);
        if (f.on()) {
            double[] k = new double[T];
            for (int i = 0; i < T; i++) k[i] = i + 1;
            f.lines("gradient-flow", "‖∂L/∂h_k‖ back through " + T + " steps (the loss at step " + T + ")", "step k", "‖∂L/∂h_k‖",
                    java.util.List.of(new Plot.Series("RNN σ=" + small, k, doubles(rnnSmall)), new Plot.Series("RNN σ=" + large, k, doubles(rnnLarge)),
                            new Plot.Series("LSTM b_f=1", k, doubles(lstm1[0])), new Plot.Series("LSTM b_f=3", k, doubles(lstm3[0]))), true);
            f.lines("gradient-flow-cell", "LSTM: ‖∂L/∂c_k‖ along the cell path", "step k", "‖∂L/∂c_k‖",
                    java.util.List.of(new Plot.Series("b_f=1", k, doubles(lstm1[1])), new Plot.Series("b_f=3", k, doubles(lstm3[1]))), true);
        }
    }

    private static double[] doubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }

    /** ‖∂L/∂h_k‖ for a many-to-one vanilla RNN whose W is σ·N(0, 1/H). */
    static float[] vanilla(Backend ops, Tensor x, Tensor label, long seed, int H, int K, float sigma) {
        SplittableRandom rng = new SplittableRandom(seed + 7);
        VanillaRnn rnn = new VanillaRnn(x.dim(2), H, K, VanillaRnn.Recurrence.HIDDEN, VanillaRnn.Output.MANY_TO_ONE)
                .bound(ops, rng).recordGradientNorms(true);
        float[] w = new float[H * H];
        for (int i = 0; i < w.length; i++) w[i] = (float) (sigma * rng.nextGaussian() / Math.sqrt(H));
        ops.upload(w, 0, rnn.w().value());
        Tensor logits = rnn.forward(x, true);
        Tensor d = ops.zeros(logits.shape());
        ops.softmaxCrossEntropy(logits, label, d);
        rnn.backward(d);
        return rnn.hiddenGradientNorms();
    }

    /** Many-to-one: LSTM → LastStep (ŷ from the last state only) → dense. */
    static Sequential lstmModel(int D, int H, int K, float forgetBias) {
        return new Sequential(new Lstm(D, H, false, forgetBias), new LastStep(), new Dense(H, K));
    }

    /** ‖∂L/∂h_k‖ and ‖∂L/∂c_k‖ for an LSTM with a dense output on its last state. */
    static float[][] lstm(Backend ops, Tensor x, Tensor label, long seed, int H, int K, float forgetBias) {
        Sequential m = lstmModel(x.dim(2), H, K, forgetBias);
        m.bind(ops, new SplittableRandom(seed + 11));
        return lstm(m, x, label);
    }

    static float[][] lstm(Sequential model, Tensor x, Tensor label) {
        Lstm lstm = ((Lstm) model.layers().getFirst()).recordGradientNorms(true);
        Tensor logits = model.forward(x, true);
        Tensor d = x.backend().zeros(logits.shape());
        x.backend().softmaxCrossEntropy(logits, label, d);
        model.backward(d);                                                     // ∂L/∂h_T from the output, zero elsewhere (LastStep)
        return new float[][] {lstm.hiddenGradientNorms(), lstm.cellGradientNorms()};
    }
}
