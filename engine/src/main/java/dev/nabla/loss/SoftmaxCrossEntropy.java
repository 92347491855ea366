package dev.nabla.loss;

import dev.nabla.backend.Tensor;

/**
 * Softmax followed by cross-entropy, fused and numerically stable, from logits z [batch, classes] and class labels
 * [batch]: E = −(1/B) Σ ln softmax(z)_label; ∂E/∂z = (softmax(z) − onehot(label)) / B. Rows labelled −1 are ignored.
 */
public final class SoftmaxCrossEntropy implements Loss {
    @Override
    public float compute(Tensor y, Tensor target, Tensor dy) {
        int classes = y.dim(-1);
        if (target.size() != y.size() / classes) {
            throw new IllegalArgumentException(name() + ": " + target.size() + " labels for logits " + y.shapeString());
        }
        float e = y.backend().softmaxCrossEntropy(y, target, dy);
        if (!Float.isFinite(e)) throw new ArithmeticException(name() + " is " + e + " for logits " + y.shapeString());
        return e;
    }

    @Override
    public boolean classification() { return true; }
}
