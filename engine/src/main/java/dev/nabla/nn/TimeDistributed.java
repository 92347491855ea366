package dev.nabla.nn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The same layer applied at every time step (the many-to-many head of seed 004's RNN types): o_t = layer(h_t) for
 * t = 1..T, with the layer's parameters shared across the steps. A time-major [T, B, F] input is read as one batch of
 * T·B rows [T·B, F] (no copy: the steps are contiguous), so a {@code Dense} head costs one GEMM for the whole sequence,
 * and the output is [T, B, out]. Backward is the same fold: ∂L/∂W = Σ_t δ_t·h_tᵀ comes out of the one GEMM.
 *
 * <p>More generally it folds the two leading axes [A, B, …] into one batch of A·B, so it also scores the A windows of
 * each sample of a batch-major [B, A, …] input with one shared scorer.
 */
public final class TimeDistributed implements Layer {
    private final Layer inner;
    private int[] inShape;
    private int lead, batch;

    public TimeDistributed(Layer inner) {
        if (inner == null) throw new IllegalArgumentException("TimeDistributed needs a layer");
        this.inner = inner;
    }

    public Layer layer() { return inner; }

    @Override
    public void bind(Backend ops, RandomGenerator rng) { inner.bind(ops, rng); }

    /** [T, F…] → [T, layer's output for F…]. */
    @Override
    public int[] outputShape(int[] inputShape) {
        if (inputShape.length < 2) {
            throw new IllegalArgumentException(name() + " needs a sequence sample [T, features…], got " + Arrays.toString(inputShape));
        }
        int[] per = inner.outputShape(Arrays.copyOfRange(inputShape, 1, inputShape.length));
        int[] out = new int[per.length + 1];
        out[0] = inputShape[0];
        System.arraycopy(per, 0, out, 1, per.length);
        return out;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        if (x.rank() < 3) throw new IllegalArgumentException(name() + ": input " + x.shapeString() + " is not [T, B, features…] (time-major)");
        inShape = x.shape();
        lead = inShape[0];
        batch = inShape[1];
        Tensor y = inner.forward(x.reshape(fold(inShape)), training);              // o_t = layer(h_t) for every t at once
        return y.reshape(unfold(y.shape()));                                       // [T·B, out…] → [T, B, out…]
    }

    @Override
    public Tensor backward(Tensor dy) {
        Tensor dx = inner.backward(foldGradient(dy));                              // Σ_t over the shared parameters
        return dx == null ? null : dx.reshape(inShape);
    }

    @Override
    public void backwardParams(Tensor dy) { inner.backwardParams(foldGradient(dy)); }

    private Tensor foldGradient(Tensor dy) {
        if (inShape == null) throw new IllegalStateException(name() + ": backward before forward");
        if (dy.rank() < 2 || dy.dim(0) != lead || dy.dim(1) != batch) {
            throw new IllegalArgumentException(name() + ": gradient " + dy.shapeString() + " is not [" + lead + ", " + batch + ", …]");
        }
        return dy.reshape(fold(dy.shape()));
    }

    private static int[] fold(int[] s) {
        int[] f = new int[s.length - 1];
        f[0] = s[0] * s[1];
        System.arraycopy(s, 2, f, 1, s.length - 2);
        return f;
    }

    private int[] unfold(int[] s) {
        int[] u = new int[s.length + 1];
        u[0] = lead;
        u[1] = batch;
        System.arraycopy(s, 1, u, 2, s.length - 1);
        return u;
    }

    @Override
    public List<Param> params() { return inner.params(); }

    @Override
    public java.util.Map<String, Object> spec() { return Layers.spec("TimeDistributed", "layer", inner.spec()); }

    /** The inner layer's names unchanged: PyTorch's nn.Linear already applies to the last axis of [T, B, F]. */
    @Override
    public StateDict stateDict() { return inner.stateDict(); }

    @Override
    public void loadStateDict(StateDict sd) { inner.loadStateDict(sd); }

    @Override
    public TimeDistributed carryState(boolean on) { inner.carryState(on); return this; }

    @Override
    public void resetState() { inner.resetState(); }

    @Override
    public List<Layer> children() { return List.of(inner); }

    @Override
    public String name() { return "TimeDistributed(" + inner.name() + ")"; }
}
