package dev.nabla.nn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import java.util.random.RandomGenerator;

/**
 * Inverted dropout (seed 004: "dropout should be used between fully connected layers and perhaps after pooling
 * layers"). While training every unit is dropped with probability p and the survivors are scaled by 1/(1 − p), so
 * the expected activation is unchanged and evaluation needs no rescaling:
 * <pre>
 *   training:   m_i = [u_i ≥ p] / (1 − p),  y = x ⊙ m;   backward: ∂E/∂x = ∂E/∂y ⊙ m
 *   evaluation: y = x;                                  backward: ∂E/∂x = ∂E/∂y
 * </pre>
 * The mode is the {@code training} flag of {@link Layer#forward} (the trainer passes true, evaluation false). Each
 * training forward draws a fresh mask from a counter-based hash of (seed, step), so runs are reproducible and every
 * backend draws the same mask.
 */
public final class Dropout implements Layer {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private final float p;
    private Backend ops;
    private long seed, step;
    private boolean masked, forwardDone;
    private Tensor mask, y, dx;

    public Dropout(float p) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("Dropout probability must be in [0, 1), got " + p);
        this.p = p;
    }

    public float probability() { return p; }

    @Override
    public void bind(Backend ops, RandomGenerator rng) {
        Layers.bindOnce(name(), this.ops, ops);
        this.ops = ops;
        this.seed = rng.nextLong();
    }

    /** Restarts the mask sequence from {@code seed} (the next training forward draws the first mask of that seed). */
    public Dropout reseed(long seed) {
        this.seed = seed;
        this.step = 0;
        return this;
    }

    @Override
    public int[] outputShape(int[] inputShape) { return Layers.shape(name(), inputShape); }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Layers.input(this, ops, x);
        masked = training && p > 0;
        forwardDone = true;
        if (!masked) return x;                                   // evaluation: y = x
        mask = Tensor.reuse(mask, ops, x.shape());
        y = Tensor.reuse(y, ops, x.shape());
        dx = Tensor.reuse(dx, ops, x.shape());
        ops.dropoutMask(mask, p, seed + GOLDEN * ++step);        // m_i = [u_i ≥ p] / (1 − p)
        ops.mul(x, mask, y);                                     // y = x ⊙ m
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Layers.gradient(this, ops, forwardDone, dy);
        if (!masked) return dy;                                  // ∂E/∂x = ∂E/∂y
        if (dy.size() != y.size()) throw new IllegalArgumentException(name() + ": gradient " + dy.shapeString() + " for output " + y.shapeString());
        ops.mul(dy, mask, dx);                                   // ∂E/∂x = ∂E/∂y ⊙ m
        return dx;
    }

    @Override
    public String name() { return "Dropout(" + p + ")"; }

    @Override
    public java.util.Map<String, Object> spec() { return Layers.spec("Dropout", "p", p); }

    /** The mask sequence's seed and counter: a resumed run draws the masks the uninterrupted one would have drawn. */
    @Override
    public java.util.Map<String, String> runState() { return java.util.Map.of("seed", Long.toString(seed), "step", Long.toString(step)); }

    @Override
    public void restoreRunState(java.util.Map<String, String> s) {
        seed = Long.parseLong(s.get("seed"));
        step = Long.parseLong(s.get("step"));
    }
}
