package dev.nabla.nn.rnn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;

/**
 * What {@link Rnn}, {@link Gru} and {@link Lstm} share: the sizes, the initial and carried states ({@link States}),
 * the last forward pass's input, length T and batch B, and the checks before a backward pass. A subclass writes its
 * forward pass and {@link #backward(Tensor, boolean)}, and calls {@link #initStates()} at the end of its constructor.
 *
 * @param <L> the layer itself, so that {@code initialState} and {@code carryState} return it for chaining
 */
abstract class RecurrentLayer<L extends RecurrentLayer<L>> implements Recurrent {
    final int in, hid;
    private final int stateCount;
    /** Made by {@link #initStates()} once the subclass's fields (and so its {@link #name()}) are set. */
    States states;
    Backend ops;
    /** The last forward pass's input [T, B, in]. */
    Tensor x;
    int steps, batch;
    /** The recurrent weight packed for the per-step products ({@link Backend#gemmPack}), forward and backward in turn. */
    private Tensor packedWeight;

    RecurrentLayer(String kind, int inputSize, int hiddenSize, int stateCount) {
        if (inputSize < 1 || hiddenSize < 1) throw new IllegalArgumentException(kind + " needs input ≥ 1 and hidden ≥ 1, got " + inputSize + "→" + hiddenSize);
        this.in = inputSize;
        this.hid = hiddenSize;
        this.stateCount = stateCount;
    }

    /**
     * A workspace of {@code size} floats for {@link Backend#gemmPack}, shared by the forward pass (W_hᵀ) and the
     * backward pass (W_h), which each pack their own operand before their T steps; the caller reshapes it.
     */
    final Tensor packed(int size) { return packedWeight = Tensor.reuse(packedWeight, ops, size); }

    final void initStates() { states = new States(name(), stateCount, hid); }

    /** Keeps the backend and binds the initial states to it (the subclass then makes its parameters). */
    final void bindStates(Backend ops) {
        dev.nabla.nn.Layers.bindOnce(name(), this.ops, ops);
        this.ops = ops;
        states.bind(ops);
    }

    @SuppressWarnings("unchecked")
    private L self() { return (L) this; }

    @Override public int inputSize() { return in; }

    @Override public int outputSize() { return hid; }

    @Override public int stateCount() { return stateCount; }

    @Override
    public L initialState(InitialState mode) { states.mode(mode); return self(); }

    @Override
    public void givenState(Tensor... s) { states.given(s); }

    @Override
    public L carryState(boolean on) { states.carry = on; if (!on) states.reset(); return self(); }

    @Override
    public void resetState() { states.reset(); }

    @Override
    public Tensor stateGradient(int k) { return states.gradient(k); }

    @Override
    public final Tensor backward(Tensor dy) { return checkedBackward(dy, true); }

    /** Backward without ∂L/∂x_t (input fed with data, e.g. one-hot characters): skips the GEMM with the input weights. */
    @Override
    public final void backwardParams(Tensor dy) { checkedBackward(dy, false); }

    private Tensor checkedBackward(Tensor dy, boolean inputGradient) {
        dev.nabla.nn.Layers.gradient(this, ops, x != null, dy);
        States.requireShape(name(), "output gradient", dy, steps, batch, hid);
        return backward(dy, inputGradient);
    }

    /** Checks a forward input: bound, given, on this backend, [T, B, in] with T ≥ 1 and B ≥ 1. */
    final void checkInput(Tensor x) {
        dev.nabla.nn.Layers.input(this, ops, x);
        States.requireSequence(name(), x, in);
    }

    /** Checks {@code finalState(k)}: a forward pass came first, and k names one of the states. */
    final void checkFinalState(int k) {
        if (k < 0 || k >= stateCount) {
            throw new IllegalArgumentException(name() + " has " + (stateCount == 1 ? "one state, 0 (h)" : "states 0 (h) and 1 (c)") + ", not " + k);
        }
        if (x == null) throw new IllegalStateException(name() + ": finalState(" + k + ") before any forward pass");
    }

    /** BPTT over the last forward pass (dy checked: [T, B, H]); returns ∂L/∂x if inputGradient, else null. */
    abstract Tensor backward(Tensor dy, boolean inputGradient);
}
