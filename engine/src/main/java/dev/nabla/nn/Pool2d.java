package dev.nabla.nn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ConvGeometry;
import dev.nabla.backend.Tensor;
import java.util.random.RandomGenerator;

/**
 * Pooling (seeds 002–004): each kH×kW window of each channel is mapped to one value, channels independently; no
 * parameters. The window is the kernel size unless a stride is given (the usual 2×2 window with stride 2 halves
 * each side). Zero padding up to half the window; the output size follows the rule of {@link Conv2d}, with the same
 * rejection of windows that do not fit unless {@link #floor()} is asked for.
 */
public abstract sealed class Pool2d implements Layer permits MaxPool2d, AvgPool2d {
    final int kH, kW;
    int sH, sW, pH, pW;
    boolean floor;
    Backend ops;
    ConvGeometry g;
    Tensor y, dx;

    Pool2d(int kernelH, int kernelW) {
        if (kernelH < 1 || kernelW < 1) throw new IllegalArgumentException(getClass().getSimpleName() + " needs a window ≥ 1x1, got " + kernelH + "x" + kernelW);
        this.kH = kernelH;
        this.kW = kernelW;
        this.sH = kernelH;
        this.sW = kernelW;
    }

    private Pool2d config() {
        if (g != null) throw new IllegalStateException(name() + " has already run: configure it before the first forward");
        return this;
    }

    public Pool2d stride(int s) { return stride(s, s); }

    public Pool2d stride(int strideH, int strideW) {
        if (strideH < 1 || strideW < 1) throw new IllegalArgumentException(name() + ": stride must be ≥ 1, got " + strideH + "x" + strideW);
        config().sH = strideH;
        sW = strideW;
        return this;
    }

    public Pool2d padding(int p) { return padding(p, p); }

    /** Zero padding (−∞ for max pooling), at most half the window per axis so that no window is all padding. */
    public Pool2d padding(int padH, int padW) {
        if (padH < 0 || padW < 0 || 2 * padH > kH || 2 * padW > kW) {
            throw new IllegalArgumentException(name() + ": padding must be between 0 and half the window " + kH + "x" + kW
                    + ", got " + padH + "x" + padW);
        }
        config().pH = padH;
        pW = padW;
        return this;
    }

    /** Floor semantics: accept sizes where (N − F + 2P)/S + 1 is not an integer (the incomplete windows are dropped). */
    public Pool2d floor() { config().floor = true; return this; }

    @Override
    public void bind(Backend ops, RandomGenerator rng) {
        Layers.bindOnce(name(), this.ops, ops);
        this.ops = ops;
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        SpatialSize.requireChw(name(), Layers.shape(name(), inputShape), 0);
        return new int[] {inputShape[0], outH(inputShape[1], inputShape[2]), outW(inputShape[1], inputShape[2])};
    }

    private int outH(int h, int w) { return SpatialSize.of(name(), "a " + h + "x" + w + " input", "height", h, kH, pH, sH, floor); }

    private int outW(int h, int w) { return SpatialSize.of(name(), "a " + h + "x" + w + " input", "width", w, kW, pW, sW, floor); }

    /** Checks x [N, C, H, W] and (re)allocates the output, the input gradient and the subclass's workspaces. */
    final void prepare(Tensor x) {
        Layers.input(this, ops, x);
        SpatialSize.requireNchw(name(), x.shape(), 0);
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        if (g != null && g.batch() == n && g.channels() == c && g.height() == h && g.width() == w) return;
        int oh = outH(h, w), ow = outW(h, w);
        g = new ConvGeometry(n, c, h, w, kH, kW, sH, sW, pH, pW);
        if (y != null) { y.close(); dx.close(); }
        y = ops.zeros(n, c, oh, ow);
        dx = ops.zeros(n, c, h, w);
        allocateMore();
    }

    void allocateMore() {}

    final void checkDelta(Tensor dy) {
        Layers.gradient(this, ops, g != null, dy);
        if (dy.size() != y.size()) throw new IllegalArgumentException(name() + ": gradient " + dy.shapeString() + " for output " + y.shapeString());
    }

    @Override
    public String name() {
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append('(').append(kH).append('x').append(kW);
        if (sH != kH || sW != kW) sb.append(", stride ").append(sH == sW ? String.valueOf(sH) : sH + "x" + sW);
        if (pH != 0 || pW != 0) sb.append(", pad ").append(pH == pW ? String.valueOf(pH) : pH + "x" + pW);
        if (floor) sb.append(", floor");
        return sb.append(')').toString();
    }

    @Override
    public java.util.Map<String, Object> spec() {
        return Layers.spec(getClass().getSimpleName(), "kernel", java.util.List.of(kH, kW), "stride", java.util.List.of(sH, sW),
                "padding", java.util.List.of(pH, pW), "floor", floor);
    }
}
