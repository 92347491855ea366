package dev.nabla.nn.rnn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * A small central-difference gradient checker for the recurrent-layer tests: ∂L/∂θ_i ≈ (L(θ_i + ε) − L(θ_i − ε)) / 2ε,
 * with L evaluated in double on the host from float32 forward passes.
 */
final class GradCheck {
    private GradCheck() {}

    static final double EPS = 5e-3;

    /**
     * Compares {@code analytic} (∂L/∂t, captured before calling this) with central differences of {@code loss} over
     * up to {@code samples} elements of {@code t} (all if fewer); fails naming {@code what} and the element.
     * Returns the largest relative error seen.
     */
    static double check(String what, Tensor t, float[] analytic, DoubleSupplier loss, int samples, long seed) {
        Backend ops = t.backend();
        float[] v = ops.download(t);
        if (analytic.length != v.length) throw new AssertionError(what + ": analytic gradient has " + analytic.length + " elements, tensor " + v.length);
        int n = v.length;
        int[] idx = pick(n, samples, seed);
        double worst = 0;
        for (int i : idx) {
            float orig = v[i];
            v[i] = (float) (orig + EPS);
            ops.upload(v, 0, t);
            double plus = loss.getAsDouble();
            v[i] = (float) (orig - EPS);
            ops.upload(v, 0, t);
            double minus = loss.getAsDouble();
            v[i] = orig;
            ops.upload(v, 0, t);
            double num = (plus - minus) / (2 * EPS);
            double ana = analytic[i];
            double err = Math.abs(num - ana);
            double rel = err / Math.max(1e-2, Math.abs(num) + Math.abs(ana));
            worst = Math.max(worst, rel);
            if (err > 5e-4 + 5e-3 * Math.max(Math.abs(num), Math.abs(ana))) {
                throw new AssertionError(what + "[" + i + "]: analytic " + ana + ", numerical " + num + " (|diff| " + err + ")");
            }
        }
        return worst;
    }

    private static int[] pick(int n, int samples, long seed) {
        if (n <= samples) {
            int[] a = new int[n];
            for (int i = 0; i < n; i++) a[i] = i;
            return a;
        }
        SplittableRandom r = new SplittableRandom(seed);
        int[] a = new int[samples];
        for (int k = 0; k < samples; k++) a[k] = r.nextInt(n);
        return a;
    }

    static float[] random(SplittableRandom rng, int n, double scale) {
        float[] a = new float[n];
        for (int k = 0; k < n; k++) a[k] = (float) (rng.nextDouble(-1, 1) * scale);
        return a;
    }

    /** Σ r ⊙ y in double: a loss whose ∂L/∂y is r. */
    static double dot(float[] r, Tensor y) {
        float[] yv = y.toArray();
        double s = 0;
        for (int k = 0; k < yv.length; k++) s += (double) r[k] * yv[k];
        return s;
    }

    /** Mean softmax cross-entropy over rows with label ≥ 0, in double on the host (independent of the backend's). */
    static double crossEntropy(Tensor logits, float[] labels) {
        float[] z = logits.toArray();
        int k = logits.dim(-1), rows = z.length / k, counted = 0;
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            int label = (int) labels[r];
            if (label < 0) continue;
            counted++;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) max = Math.max(max, z[r * k + j]);
            double sum = 0;
            for (int j = 0; j < k; j++) sum += Math.exp(z[r * k + j] - max);
            loss += max + Math.log(sum) - z[r * k + label];
        }
        return loss / counted;
    }
}
