package dev.nabla.optim;

import dev.nabla.nn.Param;
import java.util.List;

/** Updates parameters from their accumulated gradients: one call per mini-batch. */
public interface Optimizer {
    void step(List<Param> params);

    /** The learning rate η. */
    float learningRate();

    default String name() { return getClass().getSimpleName(); }
}
