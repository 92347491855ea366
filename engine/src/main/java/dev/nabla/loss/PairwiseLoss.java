package dev.nabla.loss;

import dev.nabla.backend.ElementwiseLoss;
import dev.nabla.backend.Tensor;

/** A loss computed element by element between y and a target d of the same size, by the backend's {@link ElementwiseLoss} op. */
abstract sealed class PairwiseLoss implements Loss permits SquaredError, MeanSquaredError, L1Loss, BinaryCrossEntropy {
    private final ElementwiseLoss kind;

    PairwiseLoss(ElementwiseLoss kind) { this.kind = kind; }

    @Override
    public final float compute(Tensor y, Tensor target, Tensor dy) {
        Losses.requirePair(this, y, target, dy);
        return y.backend().elementwiseLoss(kind, y, target, dy);
    }

    @Override
    public final void computeInto(Tensor y, Tensor target, Tensor dy, Tensor e) {
        Losses.requirePair(this, y, target, dy);
        Losses.requireScalar(this, y, e);
        y.backend().elementwiseLossInto(kind, y, target, dy, e);
    }
}
