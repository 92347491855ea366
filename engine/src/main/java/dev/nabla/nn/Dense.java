package dev.nabla.nn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.init.Initializer;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Fully connected layer (seed 001's artificial neuron, a whole layer at once): net = x·Wᵀ + b.
 * W is [out, in] (row j holds the weights w_j of unit j), b is [out]. The activation is its own layer.
 */
public final class Dense implements Layer {
    private final int in, out;
    private final Initializer weightInit, biasInit;
    private Backend ops;
    private Param w, b;
    private Tensor x, net, dx;

    public Dense(int in, int out) {
        this(in, out, Initializer.GLOROT_UNIFORM, Initializer.ZEROS);
    }

    public Dense(int in, int out, Initializer weightInit, Initializer biasInit) {
        if (in < 1 || out < 1) throw new IllegalArgumentException("Dense needs in ≥ 1 and out ≥ 1, got " + in + "→" + out);
        this.in = in;
        this.out = out;
        this.weightInit = weightInit;
        this.biasInit = biasInit;
    }

    @Override
    public void bind(Backend ops, RandomGenerator rng) {
        Layers.bindOnce(name(), this.ops, ops);
        this.ops = ops;
        float[] wv = new float[out * in], bv = new float[out];
        weightInit.fill(wv, in, out, rng);
        biasInit.fill(bv, in, out, rng);
        w = new Param(name() + ".W", ops.upload(wv, out, in));
        b = new Param(name() + ".b", ops.upload(bv, out));
    }

    public Param weight() { return w; }

    public Param bias() { return b; }

    @Override
    public int[] outputShape(int[] inputShape) {
        if (Tensor.sizeOf(Layers.shape(name(), inputShape)) != in) {
            throw new IllegalArgumentException(name() + " expects " + in + " inputs per sample, got shape " + Arrays.toString(inputShape));
        }
        return new int[] {out};
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Layers.input(this, ops, x);
        if (x.rank() < 1 || x.dim(0) == 0) throw new IllegalArgumentException(name() + ": empty batch, input shape " + x.shapeString());
        if (x.size() != x.dim(0) * in) {
            throw new IllegalArgumentException(name() + ": input " + x.shapeString() + " is not [batch, " + in + "]");
        }
        int batch = x.dim(0);
        this.x = x.reshape(batch, in);
        net = Tensor.reuse(net, ops, batch, out);
        ops.gemm(false, true, 1f, this.x, w.value(), 0f, net);   // net = x·Wᵀ          [batch, out]
        ops.addBias(net, b.value(), 1);                           //     + b
        return net;
    }

    @Override
    public Tensor backward(Tensor delta) {                        // δ = ∂E/∂net          [batch, out]
        delta = paramGradients(delta);
        int batch = x.dim(0);
        dx = Tensor.reuse(dx, ops, batch, in);
        ops.gemm(false, false, 1f, delta, w.value(), 0f, dx);     // ∂E/∂x = δ·W          → the layer below's δ
        return dx;
    }

    @Override
    public void backwardParams(Tensor delta) { paramGradients(delta); }   // no ∂E/∂x: a 784→256 first layer saves a third of its GEMMs

    private Tensor paramGradients(Tensor delta) {
        Layers.gradient(this, ops, x != null, delta);
        int batch = x.dim(0);
        if (delta.size() != batch * out) {
            throw new IllegalArgumentException(name() + ": gradient " + delta.shapeString() + " is not [" + batch + ", " + out + "]");
        }
        delta = delta.reshape(batch, out);
        if (!w.frozen()) ops.gemm(true, false, 1f, delta, x, 1f, w.grad());   // ∂E/∂W += δᵀ·x    (sum over the batch)
        if (!b.frozen()) ops.sumBias(delta, b.grad(), 1, 1f);                  // ∂E/∂b += Σ δ      (a frozen one: neither)
        return delta;
    }

    @Override
    public List<Param> params() { return List.of(w, b); }

    @Override
    public java.util.Map<String, Object> spec() { return Layers.spec("Dense", "in", in, "out", out); }

    /** nn.Linear's names: weight [out, in], bias [out]. */
    @Override
    public StateDict stateDict() { return new StateDict().put("weight", w).put("bias", b); }

    @Override
    public void loadStateDict(StateDict sd) { sd.set("weight", w); sd.set("bias", b); }

    @Override
    public String name() { return "Dense(" + in + "→" + out + ")"; }
}
