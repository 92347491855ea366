package dev.nabla.testing;

import dev.nabla.backend.ElementwiseLoss;
import dev.nabla.backend.Tensor;
import dev.nabla.loss.Loss;

/** Test helper: seed 000's E = ½ Σ (d − y)² straight from the backend op (∂E/∂y = y − d), without the loss package. */
public final class SquaredError implements Loss {
    @Override
    public float compute(Tensor y, Tensor target, Tensor dy) {
        return y.backend().elementwiseLoss(ElementwiseLoss.SQUARED_ERROR, y, target, dy);
    }

    @Override
    public String name() { return "SquaredError"; }
}
