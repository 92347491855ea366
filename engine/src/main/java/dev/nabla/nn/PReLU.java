package dev.nabla.nn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Parametric ReLU (seed 001's menu): a ReLU whose negative side has a learnable slope α,
 * <pre>
 *   y = net        if net &gt; 0
 *   y = α_c · net  otherwise
 * </pre>
 * with one α per channel c (the input's axis 1: features of a [batch, C] input, channels of a [N, C, H, W] one) or
 * one α shared by every unit. Backward:
 * <pre>
 *   ∂E/∂net = ∂E/∂y · (net &gt; 0 ? 1 : α_c)
 *   ∂E/∂α_c = Σ over the units of channel c with net ≤ 0 of ∂E/∂y · net
 * </pre>
 * α starts at 0.25, as in He et al. (2015) and PyTorch.
 */
public final class PReLU implements Layer {
    /** PyTorch's default initial slope. */
    public static final float DEFAULT_SLOPE = 0.25f;

    private final int channels;
    private final float initialSlope;
    private Backend ops;
    private Param alpha;
    private Tensor net, y, dnet, scratch;
    private int inner;

    /** One slope per channel (axis 1 of the input), starting at {@code initialSlope}. */
    public PReLU(int channels, float initialSlope) {
        if (channels < 1) throw new IllegalArgumentException("PReLU needs ≥ 1 channel, got " + channels);
        if (!Float.isFinite(initialSlope)) throw new IllegalArgumentException("PReLU initial slope must be finite, got " + initialSlope);
        this.channels = channels;
        this.initialSlope = initialSlope;
    }

    /** One slope per channel (axis 1 of the input), starting at 0.25. */
    public static PReLU perChannel(int channels) { return new PReLU(channels, DEFAULT_SLOPE); }

    /** One slope shared by every unit, starting at 0.25. */
    public static PReLU shared() { return new PReLU(1, DEFAULT_SLOPE); }

    @Override
    public void bind(Backend ops, RandomGenerator rng) {
        Layers.bindOnce(name(), this.ops, ops);
        this.ops = ops;
        float[] a = new float[channels];
        Arrays.fill(a, initialSlope);
        alpha = new Param(name() + ".alpha", ops.upload(a, channels)).decay(false);   // no weight decay on slopes
    }

    /** The slopes α, one per channel (or one). */
    public Param slope() { return alpha; }

    @Override
    public int[] outputShape(int[] inputShape) {
        inputShape = Layers.shape(name(), inputShape);
        if (channels > 1 && (inputShape.length < 1 || inputShape[0] != channels)) {
            throw new IllegalArgumentException(name() + " expects " + channels + " channels on the first per-sample axis, got shape "
                    + Arrays.toString(inputShape));
        }
        return inputShape;
    }

    @Override
    public Tensor forward(Tensor net, boolean training) {
        Layers.input(this, ops, net);
        if (net.rank() < 1 || net.size() == 0) throw new IllegalArgumentException(name() + ": empty input " + net.shapeString());
        if (channels > 1 && (net.rank() < 2 || net.dim(1) != channels)) {
            throw new IllegalArgumentException(name() + ": input " + net.shapeString() + " does not have " + channels
                    + " channels on axis 1 ([batch, " + channels + ", …])");
        }
        this.net = net;
        this.inner = channels == 1 ? 1 : net.size() / (net.dim(0) * channels);   // units per channel and sample
        y = Tensor.reuse(y, ops, net.shape());
        ops.prelu(net, alpha.value(), y, inner);                  // y = net > 0 ? net : α_c·net
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {                           // dy = ∂E/∂y
        Layers.gradient(this, ops, net != null, dy);
        if (dy.size() != net.size()) throw new IllegalArgumentException(name() + ": gradient " + dy.shapeString() + " for output " + y.shapeString());
        dnet = Tensor.reuse(dnet, ops, net.shape());
        // a frozen α: the fused op still forms Σ ∂E/∂y·net in the same pass, into a scratch tensor, not α's gradient
        Tensor dalpha = alpha.frozen() ? (scratch = Tensor.reuse(scratch, ops, channels)) : alpha.grad();
        ops.preluBackward(net, alpha.value(), dy, dnet, dalpha, inner);
        //   ∂E/∂net = ∂E/∂y · (net > 0 ? 1 : α_c);   ∂E/∂α_c += Σ_{net ≤ 0} ∂E/∂y · net
        return dnet;
    }

    @Override
    public List<Param> params() { return List.of(alpha); }

    @Override
    public java.util.Map<String, Object> spec() { return Layers.spec("PReLU", "channels", channels); }

    /** nn.PReLU's name: weight [C]. */
    @Override
    public StateDict stateDict() { return new StateDict().put("weight", alpha); }

    @Override
    public void loadStateDict(StateDict sd) { sd.set("weight", alpha); }

    @Override
    public String name() { return channels == 1 ? "PReLU(shared)" : "PReLU(" + channels + ")"; }
}
