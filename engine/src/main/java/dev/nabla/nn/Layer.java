package dev.nabla.nn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A layer: an explicit forward/backward pair (no tape, no hidden autograd).
 *
 * <p>Life cycle: {@link #bind} once (allocate and initialise parameters on a backend), then for every batch
 * {@link #forward} (which keeps what backward needs) and {@link #backward} (which <em>adds</em> ∂E/∂param into each
 * {@link Param#grad()} and returns ∂E/∂input). The first axis of every tensor is the batch. A layer owns the tensors it
 * returns and reuses them for the next batch of the same shape, so a training step allocates nothing.
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

    /** A short description for summaries and error messages, e.g. "Dense(784→256)". */
    default String name() { return getClass().getSimpleName(); }
}
