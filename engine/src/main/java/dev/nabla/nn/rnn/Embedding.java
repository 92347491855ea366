package dev.nabla.nn.rnn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.InvalidIndexException;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Param;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Token embedding: a table E [V, D]; token k becomes row E[k] (the product of a one-hot vector with E, without the
 * multiplications). Input: token indices as floats of any shape [..]; output [.., D]. Backward: ∂L/∂E[k] += Σ of the
 * gradients of every position that held token k. A token must be a whole number in [0, V): NaN, 2.7, −0.5, −1 or V
 * is refused naming this layer, the value and its position (on every backend). Pad with a real token and mask with
 * label −1 in the loss.
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
        dev.nabla.nn.Layers.bindOnce(name(), this.ops, ops);
        this.ops = ops;
        float[] e = new float[vocab * dim];
        for (int k = 0; k < e.length; k++) e[k] = (float) rng.nextGaussian();
        table = new Param(name() + ".E", ops.upload(e, vocab, dim));
    }

    public Param table() { return table; }

    @Override
    public int[] outputShape(int[] inputShape) {
        inputShape = dev.nabla.nn.Layers.shape(name(), inputShape);
        int[] s = Arrays.copyOf(inputShape, inputShape.length + 1);
        s[inputShape.length] = dim;
        return s;
    }

    @Override
    public Tensor forward(Tensor idx, boolean training) {
        dev.nabla.nn.Layers.input(this, ops, idx);
        if (idx.size() == 0) throw new IllegalArgumentException(name() + ": no tokens, input shape " + idx.shapeString());
        int[] shape = outputShape(idx.shape());
        out = Tensor.reuse(out, ops, shape);
        try {
            ops.gatherRows(table.value(), idx, out);                // x_t = E[token_t]
        } catch (InvalidIndexException e) {
            throw badToken(e, idx);
        }
        this.idx = idx;
        return out;
    }

    /** Adds ∂L/∂E; returns null (token indices have no gradient). */
    @Override
    public Tensor backward(Tensor dy) {
        dev.nabla.nn.Layers.gradient(this, ops, idx != null, dy);
        if (dy.size() != idx.size() * dim) {
            throw new IllegalArgumentException(name() + ": gradient " + dy.shapeString() + " for " + idx.size() + " tokens");
        }
        if (table.frozen()) return null;                            // a frozen table: nothing to add
        try {
            ops.scatterAddRows(dy, idx, table.grad());              // ∂L/∂E[k] += Σ_{t: token_t = k} ∂L/∂x_t
        } catch (InvalidIndexException e) {
            throw badToken(e, idx);
        }
        return null;
    }

    /** The backend's index error, told as this layer's: which token, where, and what a token must be. */
    private IllegalArgumentException badToken(InvalidIndexException e, Tensor idx) {
        return new IllegalArgumentException(name() + ": token " + e.value() + " at position " + e.position() + " of the input "
                + idx.shapeString() + " is not in the vocabulary: a token is a whole number in [0, " + vocab + ")", e);
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
