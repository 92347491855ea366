package dev.nabla.nn.rnn;

import dev.nabla.backend.Tensor;
import dev.nabla.check.GradientCheck;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * Gradient-check settings and host-side helpers for the recurrent-layer tests. The central differences themselves are
 * the public {@link GradientCheck}'s ({@link GradientCheck#checkTensor}): recurrent layers and language models are not
 * one {@link dev.nabla.nn.Layer}, so each tensor (parameter, input, initial state) is checked against an objective that
 * runs the whole forward pass.
 */
final class GradCheck {
    private GradCheck() {}

    /** The step h of the central differences. */
    static final double EPS = 5e-3;
    /**
     * A part fails when |analytic − numeric| ≥ TOL·max(|analytic|, |numeric|, FLOOR) for any element: 5e-3 relative
     * above 0.1, 5e-4 absolute below (tighter everywhere than the earlier 5e-4 + 5e-3·max(|analytic|, |numeric|)).
     */
    static final double TOL = 5e-3, FLOOR = 0.1;

    /**
     * Compares {@code analytic} (∂L/∂t, captured before calling this) with central differences of {@code loss} over at
     * most {@code samples} elements of {@code t} (an evenly strided subset; all if fewer); fails naming {@code what},
     * the worst element and both values. Returns the largest relative error seen.
     */
    static double check(String what, Tensor t, float[] analytic, DoubleSupplier loss, int samples) {
        return new GradientCheck().step(EPS).floor(FLOOR).maxPerPart(samples)
                .checkTensor(what, t, analytic, loss).assertBelow(TOL).maxRelError();
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
