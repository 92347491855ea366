package dev.nabla.nn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ConvGeometry;
import dev.nabla.backend.Tensor;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * 2-D convolution (seeds 002–004: cross-correlation of a kernel bank with the input, with stride, zero padding and
 * depth), C_in → C_out channels, kernel kH×kW, stride and padding per axis, bias per output channel:
 * <pre>
 *   net[n, o, y, x] = b[o] + Σ_{c, i, j} W[o, c, i, j] · x[n, c, y·sH − pH + i, x·sW − pW + j]
 * </pre>
 * computed by the backend's {@link Backend#conv2d} — the reference as this sum, the fast backends as matrix products:
 * im2col unfolds every receptive field into a column of X_col [C_in·kH·kW, outH·outW] per image (the GPU's: for the
 * whole batch at once), and the kernel bank read as a matrix W [C_out, C_in·kH·kW] multiplies it. The backward pass
 * ({@link Backend#conv2dBackward}) is two more products against the same matrices, ∂E/∂W += δ · X_colᵀ and
 * ∂E/∂X_col = Wᵀ · δ; col2im folds the input gradient back, each pixel summing the gradients of every window that saw it.
 *
 * <p>Layout NCHW; W is [C_out, C_in, kH, kW] as in PyTorch. Output size per axis (N − F + 2P)/S + 1: a configuration
 * where this is not an integer is rejected with the arithmetic, unless {@link #floor()} asks for PyTorch's floor.
 * <pre>
 *   new Conv2d(1, 6, 5).padding(2)             // LeNet's first layer: 1×28×28 → 6×28×28
 *   new Conv2d(3, 8, 3, 5).stride(2, 1).same()  // configuration is fluent, before the layer is bound
 * </pre>
 */
public final class Conv2d extends ConvLayer<Conv2d> {
    private boolean same;
    private ConvGeometry g;
    // workspaces, allocated once per input shape and reused for every batch of that shape
    private Tensor x, net, dx;

    /** A square kernel k×k, stride 1, no padding. */
    public Conv2d(int inChannels, int outChannels, int kernel) {
        this(inChannels, outChannels, kernel, kernel);
    }

    /** A kernel kH×kW (non-square allowed), stride 1, no padding. */
    public Conv2d(int inChannels, int outChannels, int kernelH, int kernelW) {
        if (inChannels < 1 || outChannels < 1 || kernelH < 1 || kernelW < 1) {
            throw new IllegalArgumentException("Conv2d needs channels ≥ 1 and a kernel ≥ 1x1, got " + inChannels + "→"
                    + outChannels + ", " + kernelH + "x" + kernelW);
        }
        super(inChannels, outChannels, kernelH, kernelW);
    }

    /** Explicit padding replaces {@link #same()}. */
    @Override
    public Conv2d padding(int padH, int padW) {
        super.padding(padH, padW);
        same = false;
        return this;
    }

    /**
     * "Same" padding: P = (F − 1)/2 per axis, so that a stride-1 convolution keeps the spatial size (seed 002:
     * "zero-padding with (F−1)/2 will preserve size spatially"). Needs stride 1 and odd kernel sizes (an even kernel
     * would need uneven padding).
     */
    public Conv2d same() {
        if (kH % 2 == 0 || kW % 2 == 0) {
            throw new IllegalArgumentException(name() + ": 'same' padding needs odd kernel sizes, (F − 1)/2 is not an integer for "
                    + kH + "x" + kW);
        }
        config().same = true;
        pH = (kH - 1) / 2;
        pW = (kW - 1) / 2;
        return this;
    }

    @Override
    public void bind(Backend ops, RandomGenerator rng) {
        if (same && (sH != 1 || sW != 1)) {
            throw new IllegalArgumentException(name() + ": 'same' padding keeps the size only with stride 1");
        }
        bindParams(ops, rng, 1, new int[] {cout, cin, kH, kW}, new int[] {cout});
    }

    @Override
    public java.util.Map<String, Object> spec() {
        return Layers.spec("Conv2d", "in", cin, "out", cout, "kernel", List.of(kH, kW), "stride", List.of(sH, sW),
                "padding", List.of(pH, pW), "same", same, "floor", floor, "bias", hasBias);
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        SpatialSize.requireChw(name(), Layers.shape(name(), inputShape), cin);
        return new int[] {cout, outH(inputShape[1], inputShape[2]), outW(inputShape[1], inputShape[2])};
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Layers.input(this, ops, x);
        SpatialSize.requireNchw(name(), x.shape(), cin);
        int n = x.dim(0), h = x.dim(2), wd = x.dim(3);
        if (g == null || g.batch() != n || g.height() != h || g.width() != wd) allocate(n, h, wd);
        this.x = x;
        convolve(x, g, net);                                             // net = W ⋆ x + b          [N, C_out, outH, outW]
        return net;
    }

    @Override
    public Tensor backward(Tensor delta) {                               // δ = ∂E/∂net               [N, C_out, outH, outW]
        convGradients(x, g, net, delta, dx);                             // ∂E/∂W, ∂E/∂b and ∂E/∂x
        return dx;
    }

    /** The first layer's case: ∂E/∂W and ∂E/∂b only, no input gradient that nobody reads. */
    @Override
    public void backwardParams(Tensor delta) { convGradients(x, g, net, delta, null); }

    private void allocate(int n, int h, int wd) {
        int oh = outH(h, wd), ow = outW(h, wd);
        g = new ConvGeometry(n, cin, h, wd, kH, kW, sH, sW, pH, pW);
        if (g.outH() != oh || g.outW() != ow) throw new AssertionError(g + " disagrees with " + oh + "x" + ow);
        Tensor.closeAll(net, dx);
        net = ops.zeros(n, cout, oh, ow);
        dx = ops.zeros(n, cin, h, wd);
    }

    @Override
    public String name() {
        StringBuilder sb = new StringBuilder("Conv2d(").append(cin).append("→").append(cout).append(", ").append(kH).append('x').append(kW);
        if (sH != 1 || sW != 1) sb.append(", stride ").append(sH == sW ? String.valueOf(sH) : sH + "x" + sW);
        if (same) sb.append(", same");
        else if (pH != 0 || pW != 0) sb.append(", pad ").append(pH == pW ? String.valueOf(pH) : pH + "x" + pW);
        if (floor) sb.append(", floor");
        return sb.append(')').toString();
    }
}
