package dev.nabla.nn.rnn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Param;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Token embedding: a table E [V, D]; token k becomes row E[k] (the product of a one-hot vector with E, without the
 * multiplications). Input: token indices as floats of any shape [..]; output [.., D]. Backward: ∂L/∂E[k] += Σ of the
 * gradients of every position that held token k. Index −1 (padding) is not allowed in forward: pad with a real token
 * and mask with label −1 in the loss.
 */
public final class Embedding implements Layer {
    private final int vocab, dim;
    private Backend ops;
    private Param table;
    private Tensor idx, out;

    public Embedding(int vocabulary, int dimension) {
        if (vocabulary < 1 || dimension < 1) throw new IllegalArgumentException("Embedding needs V ≥ 1 and D ≥ 1, got " + vocabulary + "×" + dimension);
        this.vocab = vocabulary;
        this.dim = dimension;
    }

    /** E ~ N(0, 1) as in PyTorch's nn.Embedding. */
    @Override
    public void bind(Backend ops, RandomGenerator rng) {
        this.ops = ops;
        float[] e = new float[vocab * dim];
        for (int k = 0; k < e.length; k++) e[k] = (float) rng.nextGaussian();
        table = new Param(name() + ".E", ops.upload(e, vocab, dim));
    }

    public Param table() { return table; }

    @Override
    public int[] outputShape(int[] inputShape) {
        int[] s = Arrays.copyOf(inputShape, inputShape.length + 1);
        s[inputShape.length] = dim;
        return s;
    }

    @Override
    public Tensor forward(Tensor idx, boolean training) {
        this.idx = idx;
        int[] shape = outputShape(idx.shape());
        out = Tensor.reuse(out, ops, shape);
        ops.gatherRows(table.value(), idx, out);                    // x_t = E[token_t]
        return out;
    }

    /** Adds ∂L/∂E; returns null (token indices have no gradient). */
    @Override
    public Tensor backward(Tensor dy) {
        if (dy.size() != idx.size() * dim) throw new IllegalArgumentException(name() + ": gradient " + dy.shapeString() + " for " + idx.size() + " tokens");
        if (table.frozen()) return null;                            // a frozen table: nothing to add
        ops.scatterAddRows(dy, idx, table.grad());                  // ∂L/∂E[k] += Σ_{t: token_t = k} ∂L/∂x_t
        return null;
    }

    @Override
    public List<Param> params() { return List.of(table); }

    @Override
    public java.util.Map<String, Object> spec() { return dev.nabla.nn.Layers.spec("Embedding", "vocabulary", vocab, "dimension", dim); }

    /** nn.Embedding's name: weight [V, D]. */
    @Override
    public dev.nabla.nn.StateDict stateDict() { return new dev.nabla.nn.StateDict().put("weight", table); }

    @Override
    public void loadStateDict(dev.nabla.nn.StateDict sd) { sd.set("weight", table); }

    @Override
    public String name() { return "Embedding(" + vocab + "×" + dim + ")"; }
}
