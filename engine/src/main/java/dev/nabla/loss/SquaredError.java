package dev.nabla.loss;

import dev.nabla.backend.ElementwiseLoss;

/**
 * The lectures' cost E = ½ Σ (d − y)², summed over every output and every sample of the batch (seed 000);
 * ∂E/∂y = y − d, so the output δ is (y − d)·f'(net) as on the slides.
 */
public final class SquaredError extends PairwiseLoss {
    public SquaredError() { super(ElementwiseLoss.SQUARED_ERROR); }

    /** ½Σ(d − y)² adds up the samples of the batch (the trainer reports it per sample). */
    @Override
    public boolean sumsOverBatch() { return true; }
}
