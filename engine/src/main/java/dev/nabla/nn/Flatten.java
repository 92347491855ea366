package dev.nabla.nn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * [N, d1, d2, …] → [N, d1·d2·…]: the feature maps of the last pooling layer become the input vector of a dense layer
 * (seed 004: "flatten out the square feature maps into a traditional flat fully connected layer"). No copy: the output
 * is a view, and the backward pass only gives ∂E/∂y back its input's shape.
 */
public final class Flatten implements Layer {
    private int[] inShape;
    private Backend ops;

    @Override
    public void bind(Backend ops, RandomGenerator rng) {
        Layers.bindOnce(name(), this.ops, ops);
        this.ops = ops;
    }

    @Override
    public int[] outputShape(int[] inputShape) { return new int[] {Tensor.sizeOf(Layers.shape(name(), inputShape))}; }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Layers.input(this, ops, x);
        if (x.rank() < 1) throw new IllegalArgumentException(name() + " needs a batch axis, got a scalar");
        inShape = x.shape();
        return x.reshape(x.dim(0), x.size() / Math.max(1, x.dim(0)));   // y[n, :] = x[n, …] read row-major
    }

    @Override
    public Tensor backward(Tensor dy) {
        Layers.gradient(this, ops, inShape != null, dy);
        if (dy.size() != Tensor.sizeOf(inShape)) {
            throw new IllegalArgumentException(name() + ": gradient " + dy.shapeString() + " for input " + Arrays.toString(inShape));
        }
        return dy.reshape(inShape);                                       // ∂E/∂x = ∂E/∂y in x's shape
    }

    @Override
    public java.util.Map<String, Object> spec() { return Layers.spec("Flatten"); }
}
