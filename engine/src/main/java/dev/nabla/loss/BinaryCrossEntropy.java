package dev.nabla.loss;

import dev.nabla.backend.ElementwiseLoss;

/**
 * Binary cross-entropy on probabilities y ∈ [0, 1] (a sigmoid output) and targets d ∈ [0, 1] (seed 003):
 * E = −(1/n) Σ [d ln y + (1 − d) ln(1 − y)], each log clamped at −100 as PyTorch does;
 * ∂E/∂y = (y − d) / (y(1 − y)·n). For raw scores prefer {@link BinaryCrossEntropyWithLogits}, which is stable.
 */
public final class BinaryCrossEntropy extends PairwiseLoss {
    public BinaryCrossEntropy() { super(ElementwiseLoss.BINARY_CROSS_ENTROPY); }

    @Override
    public String hint() {
        return "it needs probabilities y in [0, 1] (a sigmoid output) and targets in [0, 1]; for raw scores use BinaryCrossEntropyWithLogits";
    }
}
