package dev.nabla.nn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The locally connected layer (unshared convolution; Goodfellow, Bengio and Courville, <i>Deep Learning</i> §9.5, the
 * other limit of seed 003's tiled convolution): every output position has filters of its own, so nothing is shared
 * across space — it sees a window like a convolution, and weighs it like a dense layer would:
 * <pre>
 *   net[n, o, y, x] = b[y, x, o] + Σ_{c, i, j} W[y, x, o, c, i, j] · x[n, c, y·sH − pH + i, x·sW − pW + j]
 * </pre>
 * It is the {@link TiledConv2d} whose tile is the output size (bank (y mod outH, x mod outW) = position (y, x)), and is
 * computed by it. Its weights belong to positions, so it takes inputs of one size, given when it is made.
 * Parameters: outH·outW·C_out·(C_in·kH·kW + 1), e.g. 1×28×28 with 5×5 windows to 6 channels: 24·24·6·26 = 89,856
 * where a Conv2d has 6·26 = 156. State dict: weight [outH, outW, C_out, C_in, kH, kW], bias [outH, outW, C_out].
 */
public final class LocallyConnected2d implements Layer {
    private final int cin, cout, kH, kW, inH, inW;
    private int sH = 1, sW = 1, pH = 0, pW = 0;
    private boolean hasBias = true;
    private TiledConv2d conv;                              // made at bind, with the output size as its tile
    private Backend ops;

    /** k×k windows over inputs C_in×inputH×inputW, stride 1, no padding. */
    public LocallyConnected2d(int inChannels, int outChannels, int kernel, int inputH, int inputW) {
        this(inChannels, outChannels, kernel, kernel, inputH, inputW);
    }

    public LocallyConnected2d(int inChannels, int outChannels, int kernelH, int kernelW, int inputH, int inputW) {
        if (inChannels < 1 || outChannels < 1 || kernelH < 1 || kernelW < 1 || inputH < 1 || inputW < 1) {
            throw new IllegalArgumentException("LocallyConnected2d needs channels ≥ 1, a kernel ≥ 1x1 and an input ≥ 1x1, got " + inChannels
                    + "→" + outChannels + ", " + kernelH + "x" + kernelW + " on " + inputH + "x" + inputW);
        }
        this.cin = inChannels;
        this.cout = outChannels;
        this.kH = kernelH;
        this.kW = kernelW;
        this.inH = inputH;
        this.inW = inputW;
    }

    private LocallyConnected2d config() {
        if (conv != null) throw new IllegalStateException(name() + " is already bound: configure it before bind()");
        return this;
    }

    public LocallyConnected2d stride(int s) { return stride(s, s); }

    public LocallyConnected2d stride(int strideH, int strideW) {
        if (strideH < 1 || strideW < 1) throw new IllegalArgumentException("LocallyConnected2d stride must be ≥ 1, got " + strideH + "x" + strideW);
        config().sH = strideH;
        sW = strideW;
        return this;
    }

    public LocallyConnected2d padding(int p) { return padding(p, p); }

    public LocallyConnected2d padding(int padH, int padW) {
        if (padH < 0 || padW < 0) throw new IllegalArgumentException("LocallyConnected2d padding must be ≥ 0, got " + padH + "x" + padW);
        config().pH = padH;
        pW = padW;
        return this;
    }

    public LocallyConnected2d withoutBias() { config().hasBias = false; return this; }

    /** The output size per axis, (N − F + 2P)/S + 1 (an error with the arithmetic when it is not an integer). */
    public int[] outputSize() {
        String what = "a " + inH + "x" + inW + " input";
        return new int[] {SpatialSize.of(name(), what, "height", inH, kH, pH, sH, false), SpatialSize.of(name(), what, "width", inW, kW, pW, sW, false)};
    }

    @Override
    public void bind(Backend ops, RandomGenerator rng) {
        Layers.bindOnce(name(), this.ops, ops);
        this.ops = ops;
        int[] out = outputSize();
        TiledConv2d c = new TiledConv2d(cin, cout, kH, kW, out[0], out[1]).stride(sH, sW).padding(pH, pW);
        if (!hasBias) c.withoutBias();
        c.named(name());
        c.bind(ops, rng);
        conv = c;
    }

    private TiledConv2d bound() {
        if (conv == null) throw new IllegalStateException(name() + " is not bound to a backend yet: bind the model (or the layer) first");
        return conv;
    }

    /** W [outH, outW, C_out, C_in, kH, kW]. */
    public Param weight() { return bound().weight(); }

    /** b [outH, outW, C_out], or null without a bias. */
    public Param bias() { return bound().bias(); }

    /** outH·outW·C_out·(C_in·kH·kW + 1), or without the + 1 when there is no bias. */
    public long parameterCount() {
        int[] o = outputSize();
        return (long) o[0] * o[1] * cout * ((long) cin * kH * kW + (hasBias ? 1 : 0));
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        if (inputShape.length != 3 || inputShape[0] != cin || inputShape[1] != inH || inputShape[2] != inW) {
            throw new IllegalArgumentException(name() + " has weights for each position of a [" + cin + ", " + inH + ", " + inW
                    + "] input, got " + java.util.Arrays.toString(inputShape));
        }
        int[] o = outputSize();
        return new int[] {cout, o[0], o[1]};
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Layers.input(this, ops, x);
        if (x.rank() != 4 || x.dim(1) != cin || x.dim(2) != inH || x.dim(3) != inW) {
            throw new IllegalArgumentException(name() + " expects input [N, " + cin + ", " + inH + ", " + inW + "], got " + x.shapeString());
        }
        return bound().forward(x, training);
    }

    @Override
    public Tensor backward(Tensor dy) { return bound().backward(dy); }

    @Override
    public void backwardParams(Tensor dy) { bound().backwardParams(dy); }

    @Override
    public List<Param> params() { return bound().params(); }

    @Override
    public java.util.Map<String, Object> spec() {
        return Layers.spec("LocallyConnected2d", "in", cin, "out", cout, "kernel", List.of(kH, kW), "input", List.of(inH, inW),
                "stride", List.of(sH, sW), "padding", List.of(pH, pW), "bias", hasBias);
    }

    /** weight [outH, outW, C_out, C_in, kH, kW], bias [outH, outW, C_out] (Keras's LocallyConnected2D holds the same, ordered otherwise). */
    @Override
    public StateDict stateDict() { return bound().stateDict(); }

    @Override
    public void loadStateDict(StateDict sd) { bound().loadStateDict(sd); }

    @Override
    public String name() {
        StringBuilder sb = new StringBuilder("LocallyConnected2d(").append(cin).append("→").append(cout).append(", ").append(kH).append('x')
                .append(kW);
        if (sH != 1 || sW != 1) sb.append(", stride ").append(sH == sW ? String.valueOf(sH) : sH + "x" + sW);
        if (pH != 0 || pW != 0) sb.append(", pad ").append(pH == pW ? String.valueOf(pH) : pH + "x" + pW);
        return sb.append(", on ").append(inH).append('x').append(inW).append(')').toString();
    }
}
