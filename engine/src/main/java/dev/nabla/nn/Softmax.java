package dev.nabla.nn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import java.util.random.RandomGenerator;

/**
 * Softmax over the last axis (seed 004): p_i = e^{z_i} / Σ_j e^{z_j}, computed as e^{z_i − max} / Σ_j e^{z_j − max}
 * so that large z cannot overflow. Backward, with the Jacobian ∂p_j/∂z_i = p_j([i = j] − p_i):
 * <pre>
 *   ∂E/∂z_i = Σ_j ∂E/∂p_j · p_j([i = j] − p_i) = p_i · (∂E/∂p_i − Σ_j ∂E/∂p_j · p_j)
 * </pre>
 * For classification, prefer ending the network with logits and training with
 * {@link dev.nabla.loss.SoftmaxCrossEntropy}, which fuses softmax and cross-entropy (stable, and δ = p − d);
 * this layer is for when the probabilities themselves are the output (inference, or another loss on p).
 */
public final class Softmax implements Layer {
    private Backend ops;
    private Tensor p, dz;

    @Override
    public void bind(Backend ops, RandomGenerator rng) {
        Layers.bindOnce(name(), this.ops, ops);
        this.ops = ops;
    }

    @Override
    public int[] outputShape(int[] inputShape) { return Layers.shape(name(), inputShape); }

    @Override
    public Tensor forward(Tensor z, boolean training) {
        Layers.input(this, ops, z);
        if (z.rank() < 1 || z.dim(-1) < 1) throw new IllegalArgumentException(name() + ": input " + z.shapeString() + " has no classes on its last axis");
        p = Tensor.reuse(p, ops, z.shape());
        ops.softmax(z, p);                                        // p_i = e^{z_i − max} / Σ_j e^{z_j − max}
        return p;
    }

    @Override
    public Tensor backward(Tensor dp) {                           // dp = ∂E/∂p
        Layers.gradient(this, ops, p != null, dp);
        if (dp.size() != p.size()) throw new IllegalArgumentException(name() + ": gradient " + dp.shapeString() + " for output " + p.shapeString());
        dz = Tensor.reuse(dz, ops, p.shape());
        ops.softmaxBackward(p, dp.reshape(p.shape()), dz);         // ∂E/∂z_i = p_i (∂E/∂p_i − Σ_j ∂E/∂p_j p_j)
        return dz;
    }

    @Override
    public String name() { return "Softmax"; }

    @Override
    public java.util.Map<String, Object> spec() { return Layers.spec("Softmax"); }
}
