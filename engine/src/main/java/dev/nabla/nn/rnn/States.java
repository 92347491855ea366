package dev.nabla.nn.rnn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.Param;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The initial-state bookkeeping shared by the recurrent layers: zero, given, learned, or carried over from the previous
 * chunk (truncated BPTT); and the gradients ∂L/∂state^{(0)} after a backward pass.
 */
final class States {
    private final String layer;
    private final int count, size;
    private Backend ops;
    InitialState mode = InitialState.ZERO;
    boolean carry;
    private Param[] learned;
    private Tensor[] given, carried, grads;
    /** Whether {@link #carried} holds a chunk's final state (false after {@link #reset}; the buffers are kept for reuse). */
    private boolean hasCarried;
    private boolean fromCarry;

    States(String layer, int count, int size) {
        this.layer = layer;
        this.count = count;
        this.size = size;
    }

    /** Binds to {@code ops}; a learned initial state asked for before binding is made now. */
    void bind(Backend ops) {
        this.ops = ops;
        if (mode == InitialState.LEARNED) learn();
    }

    void mode(InitialState m) {
        if (m == null) throw new IllegalArgumentException(layer + ": the initial-state mode is null");
        this.mode = m;
        if (m == InitialState.LEARNED && ops != null) learn();
    }

    private void learn() {
        if (learned != null) return;
        learned = new Param[count];
        for (int k = 0; k < count; k++) learned[k] = new Param(layer + (k == 0 ? ".h0" : ".c0"), ops.zeros(size));
    }

    InitialState mode() { return mode; }

    /** The learned initial states (h, then c), or null unless {@link InitialState#LEARNED}. */
    Param[] learned() { return mode == InitialState.LEARNED ? learned : null; }

    void given(Tensor... states) {
        if (states == null) throw new IllegalArgumentException(layer + ": the initial states are null");
        for (Tensor s : states) if (s == null) throw new IllegalArgumentException(layer + ": an initial state tensor is null");
        if (states.length != count) throw new IllegalArgumentException(layer + " needs " + count + " initial state tensor(s), got " + states.length);
        for (Tensor s : states) {
            if (s.size() % size != 0 || s.dim(-1) != size) {
                throw new IllegalArgumentException(layer + ": initial state " + s.shapeString() + " is not [B, " + size + "]");
            }
        }
        this.given = states.clone();
    }

    List<Param> params() {
        return mode == InitialState.LEARNED ? List.of(learned) : List.of();
    }

    /** Writes state k at t = 0 for a batch of {@code batch} into {@code dst[k]} ([B, size] each). */
    void load(int batch, Tensor... dst) {
        fromCarry = carry && hasCarried && carried[0].dim(0) == batch;
        for (int k = 0; k < count; k++) {
            if (fromCarry) {
                ops.copy(carried[k], dst[k]);                     // truncated BPTT: continue from the last chunk
                continue;
            }
            switch (mode) {
                case ZERO -> ops.fill(dst[k], 0f);                // h^{(0)} = 0
                case GIVEN -> {
                    if (given == null) throw new IllegalStateException(layer + ": initial state GIVEN but givenState(...) was never called");
                    if (given[k].size() != batch * size) {
                        throw new IllegalArgumentException(layer + ": given initial state " + given[k].shapeString()
                                + " for a batch of " + batch + " (need [" + batch + ", " + size + "])");
                    }
                    ops.copy(given[k], dst[k]);                   // h^{(0)} predefined by the user
                }
                case LEARNED -> {                                 // h^{(0)} = a learned vector, one per batch row
                    ops.fill(dst[k], 0f);
                    ops.addBias(dst[k], learned[k].value(), 1);
                }
            }
        }
    }

    /** Remembers the final states (copies) for the next chunk, if carrying. */
    void store(int batch, Tensor... fin) {
        if (!carry) return;
        if (carried == null || carried[0].dim(0) != batch) {
            if (carried != null) Tensor.closeAll(carried);        // a new batch size: the old buffers go back first
            carried = new Tensor[count];
            for (int k = 0; k < count; k++) carried[k] = ops.zeros(batch, size);
        }
        for (int k = 0; k < count; k++) ops.copy(fin[k], carried[k]);
        hasCarried = true;
    }

    /** Forgets the carried state; keeps its buffers, so that resetting every epoch allocates nothing. */
    void reset() { hasCarried = false; }

    /** Records ∂L/∂state^{(0)} and, for a learned state, adds Σ over the batch to its gradient. */
    void backward(int batch, Tensor... dstate) {
        if (grads == null || grads[0].dim(0) != batch) {
            if (grads != null) Tensor.closeAll(grads);
            grads = new Tensor[count];
            for (int k = 0; k < count; k++) grads[k] = ops.zeros(batch, size);
        }
        for (int k = 0; k < count; k++) {
            ops.copy(dstate[k], grads[k]);
            if (mode == InitialState.LEARNED && !fromCarry && !learned[k].frozen()) ops.sumBias(dstate[k], learned[k].grad(), 1, 1f);
        }
    }

    Tensor gradient(int k) {
        if (k < 0 || k >= count) throw new IllegalArgumentException(layer + ": state gradient " + k + " does not exist (" + count + " state(s))");
        if (grads == null) throw new IllegalStateException(layer + ": no backward pass yet");
        return grads[k];
    }

    /** A learned initial state's tensors, "h0" (and "c0"), into a state dict. */
    void putLearned(dev.nabla.nn.StateDict sd) {
        if (mode != InitialState.LEARNED) return;
        for (int k = 0; k < count; k++) sd.put(k == 0 ? "h0" : "c0", learned[k]);
    }

    void loadLearned(dev.nabla.nn.StateDict sd) {
        if (mode != InitialState.LEARNED) return;
        for (int k = 0; k < count; k++) sd.set(k == 0 ? "h0" : "c0", learned[k]);
    }

    static List<Param> concat(List<Param> a, List<Param> b) {
        List<Param> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    static void requireSequence(String layer, Tensor x, int d) {
        if (x == null) throw new IllegalArgumentException(layer + ": the input sequence is null");
        if (x.rank() != 3 || x.dim(2) != d) {
            throw new IllegalArgumentException(layer + ": input " + x.shapeString() + " is not [T, B, " + d + "] (time-major)");
        }
        if (x.dim(0) == 0) throw new IllegalArgumentException(layer + ": a zero-length sequence, input " + x.shapeString() + " (T = 0)");
        if (x.dim(1) == 0) throw new IllegalArgumentException(layer + ": an empty batch, input " + x.shapeString() + " (B = 0)");
    }

    static void requireShape(String layer, String what, Tensor t, int... shape) {
        if (t.size() != Tensor.sizeOf(shape)) {
            throw new IllegalArgumentException(layer + ": " + what + " " + t.shapeString() + " does not match " + Arrays.toString(shape));
        }
    }
}
