package dev.nabla.loss;

import dev.nabla.backend.Tensor;

/**
 * A loss E(y, d) between the network output y and the target d (class labels as a [batch] tensor of indices for
 * classification losses, a tensor shaped like y for regression losses).
 */
public interface Loss {
    /**
     * Returns E and, if {@code dy} is not null, writes ∂E/∂y into it (the δ that starts the backward pass).
     * Throws if the loss is NaN or infinite.
     */
    float compute(Tensor y, Tensor target, Tensor dy);

    /** True if the target is one class index per row (so accuracy is meaningful). */
    default boolean classification() { return false; }

    default String name() { return getClass().getSimpleName(); }
}
