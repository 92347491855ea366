package dev.nabla.nn.rnn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.Layer;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Token indices → one-hot vectors (seed 001's char-RNN input): token k becomes e_k ∈ ℝ^K. Input of any shape [..]
 * (indices as floats), output [.., K]; nothing is learned (an {@link Embedding} learns its rows instead). Backward
 * returns null: token indices have no gradient.
 */
public final class OneHot implements Layer {
    private final int classes;
    private Backend ops;
    private Tensor identity, out;

    public OneHot(int classes) {
        if (classes < 1) throw new IllegalArgumentException("OneHot needs K ≥ 1, got " + classes);
        this.classes = classes;
    }

    public int classes() { return classes; }

    @Override
    public void bind(Backend ops, RandomGenerator rng) {
        this.ops = ops;
        float[] eye = new float[classes * classes];
        for (int k = 0; k < classes; k++) eye[k * classes + k] = 1f;
        identity = ops.upload(eye, classes, classes);
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        int[] s = Arrays.copyOf(inputShape, inputShape.length + 1);
        s[inputShape.length] = classes;
        return s;
    }

    @Override
    public Tensor forward(Tensor idx, boolean training) {
        if (ops == null) throw new IllegalStateException(name() + " is not bound to a backend");
        out = Tensor.reuse(out, ops, outputShape(idx.shape()));
        ops.gatherRows(identity, idx, out);                              // x_t = e_{token_t}
        return out;
    }

    @Override
    public Tensor backward(Tensor dy) { return null; }

    @Override
    public void backwardParams(Tensor dy) {}

    @Override
    public String name() { return "OneHot(" + classes + ")"; }

    @Override
    public java.util.Map<String, Object> spec() { return dev.nabla.nn.Layers.spec("OneHot", "classes", classes); }
}
