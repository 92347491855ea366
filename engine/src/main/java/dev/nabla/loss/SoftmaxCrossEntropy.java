package dev.nabla.loss;

import dev.nabla.backend.Tensor;

/**
 * Softmax followed by cross-entropy, fused and numerically stable, from logits z [batch, classes] and class labels
 * [batch] (seed 003, 004): E = −(1/B) Σ ln softmax(z)_label, computed as log-sum-exp(z − max z) − (z_label − max z);
 * ∂E/∂z = (softmax(z) − onehot(label)) / B. Rows labelled −1 (any negative label) are ignored and B counts the others;
 * a label ≥ classes is an error naming the row.
 */
public final class SoftmaxCrossEntropy implements Loss {
    @Override
    public float compute(Tensor y, Tensor target, Tensor dy) {
        Losses.requireLabels(this, y, target, dy);
        return Losses.labelled(this, target, () -> y.backend().softmaxCrossEntropy(y, target, dy));
    }

    @Override
    public void computeInto(Tensor y, Tensor target, Tensor dy, Tensor e) {
        Losses.requireLabels(this, y, target, dy);
        Losses.requireScalar(this, y, e);
        Losses.labelled(this, target, () -> { y.backend().softmaxCrossEntropyInto(y, target, dy, e); return 0; });
    }

    @Override
    public boolean classification() { return true; }
}
