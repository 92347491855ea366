package dev.nabla.nn.rnn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.Param;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A bidirectional pair (seed 003): a forward layer reads x_1..x_T, a backward layer reads x_T..x_1, and step t's output
 * is the concatenation [h_f^{(t)}; h_b^{(t)}], so that an output layer V·[h_f; h_b] + c is the lecture's
 * ŷ^{(t)} = softmax(V_f·h_f^{(t)} + V_b·h_b^{(t)} + c). Its input gradient is the sum of both directions' ∂L/∂x_t.
 *
 * <p>Padding at the end of shorter sequences would reach the backward direction first: group bidirectional batches by
 * length ({@link SequenceBatches#groupByLength}).
 */
public final class Bidirectional implements Recurrent {
    private final Recurrent fwd, bwd;
    private final int in, hid;
    private Backend ops;
    private Tensor xRev, stack, out, dstack, dyRev, dx;
    private int steps, batch;

    public Bidirectional(Recurrent forward, Recurrent backward) {
        if (forward.inputSize() != backward.inputSize() || forward.outputSize() != backward.outputSize()) {
            throw new IllegalArgumentException("Bidirectional needs two layers of the same sizes, got " + forward.name() + " and " + backward.name());
        }
        this.fwd = forward;
        this.bwd = backward;
        this.in = forward.inputSize();
        this.hid = forward.outputSize();
    }

    @Override
    public void bind(Backend ops, RandomGenerator rng) {
        dev.nabla.nn.Layers.bindOnce(name(), this.ops, ops);
        this.ops = ops;
        fwd.bind(ops, rng);
        bwd.bind(ops, rng);
    }

    public Recurrent forwardLayer() { return fwd; }

    public Recurrent backwardLayer() { return bwd; }

    @Override public int inputSize() { return in; }

    @Override public int outputSize() { return 2 * hid; }

    @Override public int stateCount() { return fwd.stateCount(); }

    @Override
    public Bidirectional initialState(InitialState mode) { fwd.initialState(mode); bwd.initialState(mode); return this; }

    /** The forward direction's initial states, then the backward direction's. */
    @Override
    public void givenState(Tensor... s) {
        int k = fwd.stateCount();
        if (s.length != 2 * k) throw new IllegalArgumentException(name() + " needs " + 2 * k + " initial states (forward's, then backward's), got " + s.length);
        fwd.givenState(java.util.Arrays.copyOfRange(s, 0, k));
        bwd.givenState(java.util.Arrays.copyOfRange(s, k, 2 * k));
    }

    @Override
    public java.util.List<dev.nabla.nn.Layer> children() { return java.util.List.of(fwd, bwd); }

    @Override
    public Bidirectional carryState(boolean on) {
        if (on) throw new UnsupportedOperationException(name() + ": the backward direction sees the future, so its state cannot be carried across chunks");
        return this;
    }

    @Override
    public void resetState() {}

    /** Reverses the time axis: dst[t] = src[T−1−t] for [T, B, F] tensors. */
    private void reverse(Tensor src, Tensor dst, int T, int rowSize) {
        for (int t = 0; t < T; t++) ops.copy(src.view(t * rowSize, rowSize), dst.view((T - 1 - t) * rowSize, rowSize));
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        dev.nabla.nn.Layers.input(this, ops, x);
        States.requireSequence(name(), x, in);
        int T = x.dim(0), B = x.dim(1), n = T * B * hid;
        if (T != steps || B != batch) {
            steps = T;
            batch = B;
            Tensor.closeAll(xRev, stack, dstack, out, dyRev, dx);
            xRev = ops.zeros(T, B, in);
            stack = ops.zeros(2, T * B, hid);
            dstack = ops.zeros(2, T * B, hid);
            out = ops.zeros(T, B, 2 * hid);
            dyRev = ops.zeros(T, B, hid);
            dx = ops.zeros(T, B, in);
        }
        Tensor hf = fwd.forward(x, training);                                   // h_f^{(t)}, reading x_1 .. x_T
        reverse(x, xRev, T, B * in);
        Tensor hbRev = bwd.forward(xRev, training);                             // h_b, reading x_T .. x_1
        ops.copy(hf, stack.view(0, T, B, hid));
        reverse(hbRev, stack.view(n, T, B, hid), T, B * hid);                   // h_b^{(t)} back in time order
        ops.swapAxes01(stack, out, 2, T * B, hid);                              // [2, T·B, H] → [T·B, 2, H] = [h_f; h_b]
        return out;
    }

    @Override
    public Tensor backward(Tensor dy) {
        dev.nabla.nn.Layers.gradient(this, ops, steps > 0, dy);
        int T = steps, B = batch, n = T * B * hid;
        States.requireShape(name(), "output gradient", dy, T, B, 2 * hid);
        ops.swapAxes01(dy, dstack, T * B, 2, hid);                              // split ∂L/∂[h_f; h_b] into the two halves
        Tensor dxf = fwd.backward(dstack.view(0, T, B, hid));
        ops.copy(dxf, dx);
        reverse(dstack.view(n, T, B, hid), dyRev, T, B * hid);
        Tensor dxbRev = bwd.backward(dyRev);
        for (int t = 0; t < T; t++) {                                           // ∂L/∂x_t = forward's + backward's (time-reversed)
            ops.axpy(1f, dxbRev.view((T - 1 - t) * B * in, B * in), dx.view(t * B * in, B * in));
        }
        return dx;
    }

    /** Without ∂L/∂x: each direction that has a trainable parameter accumulates its gradients, a frozen one runs nothing. */
    @Override
    public void backwardParams(Tensor dy) {
        int T = steps, B = batch, n = T * B * hid;
        States.requireShape(name(), "output gradient", dy, T, B, 2 * hid);
        ops.swapAxes01(dy, dstack, T * B, 2, hid);                              // split ∂L/∂[h_f; h_b] into the two halves
        if (fwd.trainable()) fwd.backwardParams(dstack.view(0, T, B, hid));
        if (bwd.trainable()) {
            reverse(dstack.view(n, T, B, hid), dyRev, T, B * hid);
            bwd.backwardParams(dyRev);
        }
    }

    /** k-th state gradient of the forward direction; k + stateCount() for the backward direction. */
    @Override
    public Tensor stateGradient(int k) {
        int s = fwd.stateCount();
        if (k < 0 || k >= 2 * s) throw new IllegalArgumentException(name() + " has state gradients 0.." + (2 * s - 1) + ", not " + k);
        return k < s ? fwd.stateGradient(k) : bwd.stateGradient(k - s);
    }

    /** The forward direction's final state k (after x_T); k + stateCount() for the backward direction's (after x_1). */
    @Override
    public Tensor finalState(int k) {
        int s = fwd.stateCount();
        if (k < 0 || k >= 2 * s) throw new IllegalArgumentException(name() + " has final states 0.." + (2 * s - 1) + ", not " + k);
        if (steps == 0) throw new IllegalStateException(name() + ": finalState(" + k + ") before any forward pass");
        return k < s ? fwd.finalState(k) : bwd.finalState(k - s);
    }

    @Override
    public java.util.Map<String, Object> spec() {
        return dev.nabla.nn.Layers.spec("Bidirectional", "forward", fwd.spec(), "backward", bwd.spec());
    }

    /** PyTorch's bidirectional names: the forward direction's as they are, the backward direction's with "_reverse". */
    @Override
    public dev.nabla.nn.StateDict stateDict() {
        dev.nabla.nn.StateDict sd = new dev.nabla.nn.StateDict().putAll("", fwd.stateDict());
        dev.nabla.nn.StateDict b = bwd.stateDict();
        for (String n : b.names()) sd.put(n + "_reverse", b.get(n).shape(), b.get(n).values());
        return sd;
    }

    @Override
    public void loadStateDict(dev.nabla.nn.StateDict sd) {
        dev.nabla.nn.StateDict f = new dev.nabla.nn.StateDict();
        for (String n : sd.names()) if (!n.endsWith("_reverse")) f.put(n, sd.get(n).shape(), sd.get(n).values());
        fwd.loadStateDict(f);
        bwd.loadStateDict(sd.withSuffix("_reverse"));
    }

    @Override
    public List<Param> params() { return States.concat(fwd.params(), bwd.params()); }

    @Override
    public String name() { return "Bidirectional(" + fwd.name() + ", " + bwd.name() + ")"; }
}
