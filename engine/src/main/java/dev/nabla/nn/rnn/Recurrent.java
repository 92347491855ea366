package dev.nabla.nn.rnn;

import dev.nabla.backend.Tensor;
import dev.nabla.nn.Layer;
import java.util.Arrays;

/**
 * A recurrent layer over whole sequences, time-major: x [T, B, D] → y [T, B, out] (y_t = h_t, the hidden state). It is
 * a {@link Layer}, so it goes into a {@link dev.nabla.nn.Sequential} like any other: put an
 * {@link Embedding} (tokens [T, B] → [T, B, E]) below it, and on top a {@link LastStep} (many-to-one: keep h_T) or a
 * {@link dev.nabla.nn.TimeDistributed} head (many-to-many: o_t = V·h_t + c at every step), or stack another one.
 *
 * <p>Time-major so that step t of a batch is the contiguous view {@code x.view(t·B·D, B, D)}. {@link #backward} is
 * backpropagation through time: it takes ∂L/∂y_t for every step (zero where a step has no loss, e.g. all but the last
 * step of a many-to-one model), <em>adds</em> the parameter gradients and returns ∂L/∂x. Afterwards
 * {@link #stateGradient(int)} holds ∂L/∂h^{(0)} (and ∂L/∂c^{(0)} for an LSTM), and after a forward pass
 * {@link #finalState(int)} holds h^{(T)} (and c^{(T)}): the two ends of a chunk that truncated BPTT connects.
 */
public interface Recurrent extends Layer {

    int inputSize();

    /** Features per time step of the output (H, or 2H for a bidirectional pair). */
    int outputSize();

    /** How many state tensors a step carries: 1 (h) for RNN and GRU, 2 (h, c) for LSTM. */
    int stateCount();

    /** A sequence sample [T, D] gives [T, outputSize]. */
    @Override
    default int[] outputShape(int[] inputShape) {
        if (inputShape.length != 2 || inputShape[1] != inputSize()) {
            throw new IllegalArgumentException(name() + " expects sequence samples [T, " + inputSize() + "], got " + Arrays.toString(inputShape));
        }
        return new int[] {inputShape[0], outputSize()};
    }

    /** Runs the whole sequence: x [T, B, D] → [T, B, outputSize]. */
    @Override
    Tensor forward(Tensor x, boolean training);

    /** BPTT: dy [T, B, outputSize] = ∂L/∂y_t → ∂L/∂x [T, B, D]; parameter gradients are added. */
    @Override
    Tensor backward(Tensor dy);

    /** Chooses where h^{(0)} comes from (default {@link InitialState#ZERO}). */
    Recurrent initialState(InitialState mode);

    /** For {@link InitialState#GIVEN}: the initial states [B, H] (h, then c for an LSTM), copied on each forward pass. */
    void givenState(Tensor... states);

    /**
     * Truncated BPTT: when on, each forward pass starts from the final state of the previous one (a copy — the gradient
     * stops at the chunk boundary), as long as the batch size is unchanged.
     */
    @Override
    Recurrent carryState(boolean on);

    /** Forgets a carried state (start of a new text/epoch). */
    @Override
    void resetState();

    /** After {@link #backward}: ∂L/∂(state k at t = 0), [B, H] (k = 0: h, k = 1: c). */
    Tensor stateGradient(int k);

    /** After {@link #forward}: the final state k, [B, H] (a view into the layer's buffers, valid until the next forward). */
    Tensor finalState(int k);
}
