package dev.nabla.loss;

import dev.nabla.backend.ElementwiseLoss;

/** Mean squared error MSE = (1/n) Σ (d − y)² over all n elements (PyTorch's mse_loss);  ∂/∂y = 2(y − d)/n. */
public final class MeanSquaredError extends PairwiseLoss {
    public MeanSquaredError() { super(ElementwiseLoss.MSE); }
}
