package dev.nabla.nn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ConvGeometry;
import dev.nabla.backend.Tensor;
import dev.nabla.init.Initializer;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * What {@link Conv2d} and {@link TiledConv2d} share: the channels and kernel, the fluent configuration before binding
 * (stride, zero padding, floor semantics, bias, initialisers), the kernel bank W and bias b drawn at bind, their state
 * dict, and the output size per axis (N − F + 2P)/S + 1. {@code T} is the layer itself, so configuration stays
 * fluent: {@code new Conv2d(1, 6, 5).padding(2)} is a Conv2d.
 */
abstract sealed class ConvLayer<T extends ConvLayer<T>> implements Layer permits Conv2d, TiledConv2d {
    final int cin, cout, kH, kW;
    int sH = 1, sW = 1, pH = 0, pW = 0;
    boolean floor, hasBias = true;
    Initializer weightInit = Initializer.KAIMING_UNIFORM, biasInit = Initializer.ZEROS;

    Backend ops;
    Param w, b;

    ConvLayer(int inChannels, int outChannels, int kernelH, int kernelW) {
        this.cin = inChannels;
        this.cout = outChannels;
        this.kH = kernelH;
        this.kW = kernelW;
    }

    @SuppressWarnings("unchecked")
    private T self() { return (T) this; }

    private String kind() { return getClass().getSimpleName(); }

    /** The layer, if it is not bound yet: configuration comes before bind(). */
    final T config() {
        if (ops != null) throw new IllegalStateException(name() + " is already bound: configure it before bind()");
        return self();
    }

    /** The same stride on both axes. */
    public T stride(int s) { return stride(s, s); }

    public T stride(int strideH, int strideW) {
        if (strideH < 1 || strideW < 1) throw new IllegalArgumentException(kind() + " stride must be ≥ 1, got " + strideH + "x" + strideW);
        config().sH = strideH;
        sW = strideW;
        return self();
    }

    /** The same zero padding on both axes. */
    public T padding(int p) { return padding(p, p); }

    public T padding(int padH, int padW) {
        if (padH < 0 || padW < 0) throw new IllegalArgumentException(kind() + " padding must be ≥ 0, got " + padH + "x" + padW);
        config().pH = padH;
        pW = padW;
        return self();
    }

    /** Floor semantics: accept configurations where (N − F + 2P)/S + 1 is not an integer, dropping the incomplete windows. */
    public T floor() { config().floor = true; return self(); }

    /** Without a bias (e.g. when a normalisation layer follows). */
    public T withoutBias() { config().hasBias = false; return self(); }

    public T init(Initializer weights, Initializer biases) {
        config().weightInit = weights;
        biasInit = biases;
        return self();
    }

    /**
     * Binds once to {@code ops} and draws {@code banks} kernel banks W (shape {@code weightShape}), then their biases b
     * ({@code biasShape}), each in one pass with fan-in C_in·kH·kW and fan-out C_out·kH·kW: one bank draws exactly
     * Conv2d's numbers.
     */
    final void bindParams(Backend ops, RandomGenerator rng, int banks, int[] weightShape, int[] biasShape) {
        Layers.bindOnce(name(), this.ops, ops);
        this.ops = ops;
        int fanIn = cin * kH * kW, fanOut = cout * kH * kW;
        float[] wv = new float[banks * cout * fanIn];
        weightInit.fill(wv, fanIn, fanOut, rng);
        w = new Param(name() + ".W", ops.upload(wv, weightShape));
        if (hasBias) {
            float[] bv = new float[banks * cout];
            biasInit.fill(bv, fanIn, fanOut, rng);
            b = new Param(name() + ".b", ops.upload(bv, biasShape));
        }
    }

    /** The forward pass of one kernel bank (a Conv2d, or a TiledConv2d of one tile): net = W ⋆ x + b. */
    final void convolve(Tensor x, ConvGeometry g, Tensor net) {
        ops.conv2d(x, w.value(), hasBias ? b.value() : null, g, net);
    }

    /** δ for the output net of the last forward pass (x: its input, null before any). */
    final void requireGradient(Tensor x, Tensor net, Tensor delta) {
        Layers.gradient(this, ops, x != null, delta);
        if (delta.size() != net.size()) {
            throw new IllegalArgumentException(name() + ": gradient " + delta.shapeString() + " for output " + net.shapeString());
        }
    }

    /** One kernel bank's backward pass: ∂E/∂W and ∂E/∂b unless frozen, ∂E/∂x into dx unless it is null (nobody reads it). */
    final void convGradients(Tensor x, ConvGeometry g, Tensor net, Tensor delta, Tensor dx) {
        requireGradient(x, net, delta);
        ops.conv2dBackward(x, w.value(), delta, g, w.frozen() ? null : w.grad(), hasBias && !b.frozen() ? b.grad() : null, dx);
    }

    /** The kernel bank W: [C_out, C_in, kH, kW] for a Conv2d (as in PyTorch), [tH, tW, C_out, C_in, kH, kW] tiled. */
    public Param weight() { return w; }

    /** The bias b ([C_out], or [tH, tW, C_out] tiled), or null for {@link #withoutBias()}. */
    public Param bias() { return b; }

    @Override
    public List<Param> params() { return hasBias ? List.of(w, b) : List.of(w); }

    /** weight and bias: nn.Conv2d's names and layouts for a Conv2d (no PyTorch module has a tiled convolution). */
    @Override
    public StateDict stateDict() {
        StateDict sd = new StateDict().put("weight", w);
        return hasBias ? sd.put("bias", b) : sd;
    }

    @Override
    public void loadStateDict(StateDict sd) {
        sd.set("weight", w);
        if (hasBias) sd.set("bias", b);
    }

    /** The output height for an h×wd input (an error with the arithmetic unless it is whole or floor was asked for). */
    final int outH(int h, int wd) { return SpatialSize.of(name(), "a " + h + "x" + wd + " input", "height", h, kH, pH, sH, floor); }

    final int outW(int h, int wd) { return SpatialSize.of(name(), "a " + h + "x" + wd + " input", "width", wd, kW, pW, sW, floor); }
}
