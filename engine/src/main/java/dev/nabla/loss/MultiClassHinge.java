package dev.nabla.loss;

import dev.nabla.backend.Tensor;

/**
 * Multiclass max-margin hinge (seed 002's window classifier): with s the score of the true class and s_c the score of
 * another class, J = Σ_{c ≠ label} max(0, Δ + s_c − s), averaged over the rows whose label ≥ 0 (negative labels are
 * ignored). Where the margin is violated, ∂J/∂s_c = 1 and ∂J/∂s = −1 (per row, divided by the counted rows).
 * Equals PyTorch's multi_margin_loss × classes (PyTorch also divides by the number of classes).
 */
public final class MultiClassHinge implements Loss {
    private final float margin;

    /** Δ = 1, as on the slide. */
    public MultiClassHinge() { this(1f); }

    public MultiClassHinge(float margin) {
        if (!(margin >= 0) || !Float.isFinite(margin)) {
            throw new IllegalArgumentException("MultiClassHinge: margin Δ must be a finite number ≥ 0, got " + margin);
        }
        this.margin = margin;
    }

    public float margin() { return margin; }

    @Override
    public float compute(Tensor scores, Tensor labels, Tensor dscores) {
        Losses.requireLabels(this, scores, labels, dscores);
        return Losses.labelled(this, labels, () -> scores.backend().hinge(scores, labels, margin, dscores));
    }

    @Override
    public void computeInto(Tensor scores, Tensor labels, Tensor dscores, Tensor e) {
        Losses.requireLabels(this, scores, labels, dscores);
        Losses.requireScalar(this, scores, e);
        Losses.labelled(this, labels, () -> { scores.backend().hingeInto(scores, labels, margin, dscores, e); return 0; });
    }

    @Override
    public boolean classification() { return true; }

    @Override
    public String name() { return "MultiClassHinge(Δ=" + margin + ")"; }
}
