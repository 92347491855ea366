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
        java.util.Map<dev.nabla.backend.Backend, List<dev.nabla.backend.Tensor>> byBackend = new java.util.LinkedHashMap<>();
        for (Param p : params) byBackend.computeIfAbsent(p.backend(), b -> new java.util.ArrayList<>()).add(p.grad());
        double s = 0;
        for (var e : byBackend.entrySet()) s += e.getKey().sumSquares(e.getValue());
        return (float) Math.sqrt(s);
    }

    /**
     * Rescales all gradients together when their global norm reaches {@code threshold}; returns the norm before
     * clipping. A NaN or infinite norm cannot be clipped (it would turn every gradient into NaN): that throws.
     */
    public static float clipGlobalNorm(List<Param> params, float threshold) {
        if (!(threshold > 0)) throw new IllegalArgumentException("gradient clipping: threshold must be > 0, got " + threshold);
        float norm = globalNorm(params);
        if (!Float.isFinite(norm)) {
            throw new ArithmeticException("gradient clipping: the gradient norm ‖g‖ over " + params.size() + " parameters " + params
                    + " is " + norm + "; lower the learning rate or check the inputs");
        }
        if (norm >= threshold) {                          // ĝ ← threshold/‖ĝ‖ · ĝ
            float s = threshold / norm;
            for (Param p : params) p.backend().scale(p.grad(), s);
        }
        return norm;
    }
}
