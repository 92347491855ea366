package dev.nabla.backend;

/**
 * Losses computed elementwise between an output y and a target d of the same shape (seed 001's and 003's menu).
 * The reduction is part of the definition, so every backend returns the same number.
 */
public enum ElementwiseLoss {
    /** E = ½ Σ (d − y)²  summed over every element (seed 000);  ∂E/∂y = y − d. */
    SQUARED_ERROR,
    /** MSE = (1/n) Σ (d − y)²  over all n elements;  ∂/∂y = 2(y − d)/n. */
    MSE,
    /** L1 = (1/n) Σ |d − y|;  ∂/∂y = sign(y − d)/n (0 at y = d). */
    L1,
    /**
     * Binary cross-entropy on probabilities y ∈ [0, 1]: (1/n) Σ −[d ln y + (1 − d) ln(1 − y)], each log clamped at
     * −100 as PyTorch does;  ∂/∂y = (y − d) / (max(y(1 − y), 1e-12) · n).
     */
    BINARY_CROSS_ENTROPY
}
