package dev.nabla.optim;

import dev.nabla.nn.Param;
import java.util.List;

/** Updates parameters from their accumulated gradients: one call per mini-batch. */
public interface Optimizer {
    /** One update of every parameter of {@code params} that is not {@link Param#frozen() frozen} (frozen ones are skipped). */
    void step(List<Param> params);

    /** The learning rate η. */
    float learningRate();

    default String name() { return getClass().getSimpleName(); }

    /**
     * The optimizer's own state beyond the parameters' slots, for checkpoints (Adam's step count t per parameter, keyed
     * by the parameter's index in {@code params}); empty for the optimizers whose state lives in the slots alone.
     */
    default java.util.Map<String, String> state(List<Param> params) { return java.util.Map.of(); }

    /** Restores what {@link #state} returned, for the same parameters in the same order. */
    default void restoreState(List<Param> params, java.util.Map<String, String> state) {}
}
