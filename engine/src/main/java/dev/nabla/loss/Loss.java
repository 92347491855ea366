package dev.nabla.loss;

import dev.nabla.backend.Tensor;

/**
 * A loss E(y, d) between the network output y and the target d (class labels as a [batch] tensor of indices for
 * classification losses, a tensor shaped like y for regression losses).
 */
public interface Loss {
    /**
     * Returns E and, if {@code dy} is not null, writes ∂E/∂y into it (the δ that starts the backward pass). Bad shapes
     * and labels throw, naming the loss; non-finite numbers follow IEEE arithmetic as in PyTorch: a NaN in y gives a
     * NaN loss (and ∂E/∂y), never a number — the {@link dev.nabla.train.Trainer} stops at it, naming the step.
     */
    float compute(Tensor y, Tensor target, Tensor dy);

    /**
     * {@link #compute} with E written into {@code e} (a one-element tensor on y's backend) instead of returned, so that a
     * GPU backend need not wait for it: the {@link dev.nabla.train.Trainer} reads it with the gradient norm, in one
     * transfer ({@link dev.nabla.backend.Backend#readWithSumSquares}). The same bits as {@code compute}. By default
     * {@code compute} and a fill; the losses with a backend op of their own keep E on the device.
     */
    default void computeInto(Tensor y, Tensor target, Tensor dy, Tensor e) {
        if (e == null) throw new IllegalArgumentException(name() + ": the loss tensor e is null");
        float v = compute(y, target, dy);
        e.backend().fill(e, v);
    }

    /** True if the target is one class index per row (so accuracy is meaningful). */
    default boolean classification() { return false; }

    /**
     * True if E is a sum over the samples of the batch (the lectures' ½Σ(d − y)²) rather than a mean: the trainer then
     * divides by the batch size to report a loss per sample, the same number whatever the batch size.
     */
    default boolean sumsOverBatch() { return false; }

    /** What to check when this loss comes out NaN or infinite (for the trainer's message; "" for nothing special). */
    default String hint() { return ""; }

    default String name() { return getClass().getSimpleName(); }

    /** The names {@link #create} accepts. */
    java.util.List<String> NAMES = java.util.List.of("squared-error", "mse", "l1", "bce", "bce-logits", "cross-entropy", "hinge");

    /** A loss by name, for command lines ({@code --loss cross-entropy}); "hinge" has margin Δ = 1. */
    static Loss create(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "squared-error" -> new SquaredError();
            case "mse" -> new MeanSquaredError();
            case "l1" -> new L1Loss();
            case "bce" -> new BinaryCrossEntropy();
            case "bce-logits" -> new BinaryCrossEntropyWithLogits();
            case "cross-entropy" -> new SoftmaxCrossEntropy();
            case "hinge" -> new MultiClassHinge();
            default -> throw new IllegalArgumentException("unknown loss '" + name + "'; choose one of " + NAMES);
        };
    }
}
