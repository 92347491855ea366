package dev.nabla.nn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;

/**
 * A learnable parameter: its value, the gradient ∂E/∂value accumulated by backward passes, and the optimizer's
 * per-parameter state (velocity, squared-gradient averages …) in numbered slots allocated on first use.
 */
public final class Param {
    private final String name;
    private final Tensor value;
    private final Tensor grad;
    private final Tensor[] slots = new Tensor[2];
    /** False for parameters an L2 weight decay should leave alone (biases, by convention, are still decayed unless set). */
    private boolean decay = true;

    public Param(String name, Tensor value) {
        if (name == null || value == null) throw new IllegalArgumentException("Param: the " + (name == null ? "name" : "value") + " is null");
        this.name = name;
        this.value = value;
        this.grad = value.backend().zeros(value.shape());
    }

    public String name() { return name; }

    public Tensor value() { return value; }

    public Tensor grad() { return grad; }

    public Backend backend() { return value.backend(); }

    /**
     * Sets the value from host numbers, row-major (e.g. a slide's weights: {@code dense.weight().set(1, -2, 2, …)}
     * for W = [out, in]); the count must match.
     */
    public Param set(float... values) {
        if (values == null) throw new IllegalArgumentException(name + ".set: the values are null");
        if (values.length != value.size()) {
            throw new IllegalArgumentException(name + ".set: " + name + value.shapeString() + " holds " + value.size() + " values, got " + values.length);
        }
        value.backend().upload(values, 0, value);
        return this;
    }

    public int size() { return value.size(); }

    /** Optimizer state slot {@code i} (0 or 1), zero-filled on first use. */
    public Tensor slot(int i) {
        if (i < 0 || i >= slots.length) throw new IllegalArgumentException(name + ".slot(" + i + "): a parameter has optimizer slots 0 and 1");
        if (slots[i] == null) slots[i] = value.backend().zeros(value.shape());
        return slots[i];
    }

    /** Whether slot {@code i} was ever used (allocated). */
    public boolean hasSlot(int i) { return slots[i] != null; }

    /** How many optimizer slots a parameter has (0 and 1). */
    public static final int SLOTS = 2;

    /** Forgets the optimizer state (e.g. when a new optimizer takes over). */
    public void resetSlots() {
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] != null) slots[i].close();
            slots[i] = null;
        }
    }

    public boolean decay() { return decay; }

    public Param decay(boolean on) { this.decay = on; return this; }

    /** ∂E/∂value ← 0 (before the next batch accumulates into it). */
    public void zeroGrad() { value.backend().fill(grad, 0f); }

    @Override
    public String toString() { return name + value.shapeString(); }
}
