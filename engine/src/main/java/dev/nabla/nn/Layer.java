package dev.nabla.nn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * A layer: an explicit forward/backward pair (no tape, no hidden autograd).
 *
 * <p>Life cycle: {@link #bind} once (allocate and initialise parameters on a backend), then for every batch
 * {@link #forward} (which keeps what backward needs) and {@link #backward} (which <em>adds</em> ∂E/∂param into each
 * {@link Param#grad()} and returns ∂E/∂input). The first axis of every tensor is the batch. A layer owns the tensors it
 * returns and reuses them for the next batch of the same shape, so a training step allocates nothing.
 *
 * <p>Sequences are time-major: a batch of B sequences of T steps is a [T, B, F] tensor (step t is the contiguous
 * view of B rows), so for a sequence layer the batch is the <em>second</em> axis. Per-sample shapes
 * ({@link #outputShape}) never include the batch axis: a sequence sample is [T, F].
 */
public interface Layer {

    /**
     * Allocates this layer's parameters on {@code ops}, initialised from {@code rng}; called once, before forward. A
     * layer instance belongs to one model: a second call (binding it into another model) must throw — call
     * {@link Layers#bindOnce} first, as every layer of the engine does.
     */
    void bind(Backend ops, RandomGenerator rng);

    /** The per-sample output shape for a per-sample input shape (no batch axis); throws naming the layer if it does not fit. */
    int[] outputShape(int[] inputShape);

    /** y = layer(x); {@code training} switches dropout-like behaviour. */
    Tensor forward(Tensor x, boolean training);

    /** Given δ = ∂E/∂y, accumulates parameter gradients and returns ∂E/∂x. */
    Tensor backward(Tensor dy);

    /**
     * Like {@link #backward} for a layer whose input gradient nobody reads (the first layer of a model, fed with data):
     * accumulates the same parameter gradients, and may skip computing ∂E/∂x (Dense saves its largest GEMM).
     */
    default void backwardParams(Tensor dy) { backward(dy); }

    default List<Param> params() { return List.of(); }

    /**
     * Freezes every parameter of this layer (and of the layers it holds): see {@link Param#freeze()}. Call it after
     * {@link #bind} (the parameters exist from then on) and between training runs, not during one.
     */
    default Layer freeze() {
        for (Param p : params()) p.freeze();
        return this;
    }

    /** Makes every parameter of this layer trainable again (their optimizer state starts afresh). */
    default Layer unfreeze() {
        for (Param p : params()) p.unfreeze();
        return this;
    }

    /**
     * Whether some parameter of this layer is not frozen — whether a backward pass must reach it at all. A layer
     * without parameters (an activation, pooling) is not trainable: below the lowest trainable layer of a
     * {@link Sequential} no backward pass runs.
     */
    default boolean trainable() {
        for (Param p : params()) if (!p.frozen()) return true;
        return false;
    }

    /**
     * Truncated BPTT: when on, each forward pass starts from the state the previous one ended in (a copy: the gradient
     * stops at the boundary). Layers without state ignore it; containers pass it on to every layer they hold.
     */
    default Layer carryState(boolean on) { return this; }

    /** Forgets a carried state (the start of a new text or epoch); a no-op for layers without state. */
    default void resetState() {}

    /** The layers this one is made of, in order (a container's parts; empty for a plain layer). */
    default List<Layer> children() { return List.of(); }

    /**
     * The layer's configuration, e.g. {@code {"type": "Dense", "in": 400, "out": 120}}: what a model file records so
     * that {@link Layers#fromSpec} can build the layer again (values: String, Number, Boolean, List, Map).
     */
    default Map<String, Object> spec() { return Map.of("type", getClass().getName()); }

    /**
     * This layer's tensors under the names and layouts of PyTorch's {@code state_dict} for the equivalent module (Dense:
     * {@code weight} [out, in], {@code bias} [out]), as host copies. The default names the parameters param0, param1, ….
     */
    default StateDict stateDict() {
        StateDict sd = new StateDict();
        List<Param> ps = params();
        for (int i = 0; i < ps.size(); i++) sd.put("param" + i, ps.get(i));
        return sd;
    }

    /** Sets the parameters from a state dict with exactly the names and shapes of {@link #stateDict()} (already checked). */
    default void loadStateDict(StateDict sd) {
        List<Param> ps = params();
        for (int i = 0; i < ps.size(); i++) sd.set("param" + i, ps.get(i));
    }

    /**
     * State that is not a parameter but decides what the next training step does (a dropout layer's mask counter), for
     * checkpoints: a resumed run must draw what the uninterrupted one would have drawn. Empty for most layers.
     */
    default Map<String, String> runState() { return Map.of(); }

    /** Restores what {@link #runState()} returned. */
    default void restoreRunState(Map<String, String> state) {}

    /** A short description for summaries and error messages, e.g. "Dense(784→256)". */
    default String name() { return getClass().getSimpleName(); }
}
