package dev.nabla.optim;

import dev.nabla.nn.Param;
import java.util.List;

/**
 * Gradient-norm clipping, the lecture's pseudo-code (seed 000, Algorithm 1), over all parameters together:
 * <pre>
 *   ĝ ← ∂E/∂θ
 *   if ‖ĝ‖ ≥ threshold then ĝ ← (threshold/‖ĝ‖)·ĝ
 * </pre>
 * The direction of the step is kept; only its length is capped (the cure for exploding gradients in RNNs).
 */
public final class Clipping {
    private Clipping() {}

    /**
     * ‖g‖ over every parameter's gradient together (the global L2 norm), accumulated in double: one reduction per
     * backend (one wait for a GPU, however many parameters).
     */
    public static float globalNorm(List<Param> params) {
        return (float) Math.sqrt(total(squares(params)));
    }

    /**
     * Σ g² of each parameter's gradient, in the list's order: one {@link dev.nabla.backend.Backend#sumSquaresEach} per
     * backend, so a GPU backend waits for its queue once for all of them.
     */
    public static double[] squares(List<Param> params) {
        if (params == null) throw new IllegalArgumentException("gradient norm: the parameter list is null");
        double[] s = new double[params.size()];
        java.util.Map<dev.nabla.backend.Backend, List<Integer>> byBackend = new java.util.LinkedHashMap<>();
        for (int i = 0; i < s.length; i++) {
            Param p = params.get(i);
            if (p == null) throw new IllegalArgumentException("gradient norm: parameter " + i + " of " + params.size() + " is null");
            byBackend.computeIfAbsent(p.backend(), b -> new java.util.ArrayList<>()).add(i);
        }
        for (var e : byBackend.entrySet()) {
            List<Integer> at = e.getValue();
            dev.nabla.backend.Tensor[] grads = new dev.nabla.backend.Tensor[at.size()];
            for (int k = 0; k < grads.length; k++) grads[k] = params.get(at.get(k)).grad();
            float[] each = e.getKey().sumSquaresEach(grads);
            for (int k = 0; k < grads.length; k++) s[at.get(k)] = each[k];
        }
        return s;
    }

    /** Σ of the per-parameter squares (NaN if any is NaN, ∞ if any is ∞). */
    public static double total(double[] squares) {
        double t = 0;
        for (double v : squares) t += v;
        return t;
    }

    /**
     * The first parameter whose gradient holds a NaN or an infinity (its Σ g² is not finite), given
     * {@link #squares}; null if every one is finite.
     */
    public static Param firstNonFinite(List<Param> params, double[] squares) {
        for (int i = 0; i < squares.length; i++) if (!Double.isFinite(squares[i])) return params.get(i);
        return null;
    }

    /** The threshold check shared by every caller: a finite number &gt; 0 (NaN would silently turn clipping off). */
    public static float threshold(float threshold) {
        if (!(threshold > 0) || !Float.isFinite(threshold)) {
            throw new IllegalArgumentException("gradient clipping: threshold must be a finite number > 0, got " + threshold);
        }
        return threshold;
    }

    /**
     * Rescales all gradients together when their global norm reaches {@code threshold}; returns the norm before
     * clipping. A NaN or infinite norm cannot be clipped (it would turn every gradient into NaN): that throws an
     * {@link IllegalStateException} naming the first parameter whose gradient is not finite.
     */
    public static float clipGlobalNorm(List<Param> params, float threshold) {
        threshold(threshold);
        double[] sq = squares(params);
        float norm = (float) Math.sqrt(total(sq));
        if (!Float.isFinite(norm)) {
            Param bad = firstNonFinite(params, sq);
            throw new IllegalStateException("gradient clipping: the gradient norm ‖g‖ over " + params.size() + " parameters is " + norm
                    + (bad == null ? " (every Σg² is finite, their sum overflowed)" : "; the first non-finite gradient is " + bad + "'s")
                    + "; lower the learning rate or check the inputs");
        }
        scale(params, norm, threshold);
        return norm;
    }

    /** ĝ ← threshold/‖ĝ‖ · ĝ if ‖ĝ‖ ≥ threshold, given the norm already computed (finite). */
    public static void scale(List<Param> params, float norm, float threshold) {
        if (norm >= threshold) {
            float s = threshold / norm;
            for (Param p : params) p.backend().scale(p.grad(), s);
        }
    }
}
