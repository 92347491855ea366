package dev.nabla.optim;

import dev.nabla.nn.Param;
import java.util.List;

/** Gradient-norm clipping, as in the lecture's pseudo-code (seed 000): if ‖g‖ ≥ threshold then g ← (threshold/‖g‖)·g. */
public final class Clipping {
    private Clipping() {}

    /** ‖g‖ over every parameter's gradient together (the global L2 norm). */
    public static float globalNorm(List<Param> params) {
        double s = 0;
        for (Param p : params) s += p.backend().sumSquares(p.grad());
        return (float) Math.sqrt(s);
    }

    /** Rescales all gradients together when their global norm reaches {@code threshold}; returns the norm before clipping. */
    public static float clipGlobalNorm(List<Param> params, float threshold) {
        if (!(threshold > 0)) throw new IllegalArgumentException("clipping threshold must be > 0, got " + threshold);
        float norm = globalNorm(params);
        if (norm >= threshold) {                          // ĝ ← threshold/‖ĝ‖ · ĝ
            float s = threshold / norm;
            for (Param p : params) p.backend().scale(p.grad(), s);
        }
        return norm;
    }
}
