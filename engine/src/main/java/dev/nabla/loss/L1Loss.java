package dev.nabla.loss;

import dev.nabla.backend.ElementwiseLoss;

/** Mean absolute error L1 = (1/n) Σ |d − y|;  ∂/∂y = sign(y − d)/n, taking 0 where y = d (PyTorch's choice). */
public final class L1Loss extends PairwiseLoss {
    public L1Loss() { super(ElementwiseLoss.L1); }
}
