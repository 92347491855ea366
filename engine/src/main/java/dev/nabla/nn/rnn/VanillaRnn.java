package dev.nabla.nn.rnn;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Param;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The lecture's vanilla RNN as one model (seed 003), with its output layer and backpropagation through time written
 * out in a single reverse loop:
 * <pre>
 *   hidden recurrence:  h_t = tanh(U·x_t + W·h_{t−1} + b)        o_t = V·h_t + c        ŷ_t = softmax(o_t)
 *   output recurrence:  h_t = tanh(U·x_t + W·ŷ_{t−1} + b)        (W is [H, K]; ŷ_0 is the initial state)
 * </pre>
 * {@link Output#MANY_TO_MANY} emits o_t at every step; {@link Output#MANY_TO_ONE} only o_T ("a single output for the
 * entire input sequence"). {@link #forward} returns the logits o (the softmax lives in the loss, e.g.
 * {@link Backend#softmaxCrossEntropy}, which also ignores steps labelled −1); {@link #backward} takes ∂L/∂o.
 *
 * <p>Teacher forcing (output recurrence): training feeds the true previous output y_{t−1} in place of ŷ_{t−1}
 * ({@link #forward(Tensor, Tensor)}); prediction feeds back the model's own ŷ_{t−1} ({@link #forward(Tensor, boolean)}).
 *
 * <p>As a {@link Layer} in a {@link dev.nabla.nn.Sequential} (x [T, B, D] → logits [T, B, K] or [B, K]), teacher forcing
 * is {@link #feedback(Feedback)}: for a next-token model whose input x_t is the one-hot of token t (D = K), the true
 * previous output y_{t−1} — the token that step t−1 had to predict — <em>is</em> x_t, so a teacher-forced step reads
 * x_t there and no second input is needed.
 */
public final class VanillaRnn implements Layer {
    /** Which signal the recurrence carries (seed 003, figures 6-1 and 6-2). */
    public enum Recurrence { HIDDEN, OUTPUT }

    /** One output per step, or one for the whole sequence (seed 003, figure 6-3). */
    public enum Output { MANY_TO_MANY, MANY_TO_ONE }

    /**
     * What an output-recurrence step reads as its previous output in {@link #forward(Tensor, boolean)} (seed 003's
     * "Teacher Forcing (Training)" and "(Prediction)").
     */
    public enum Feedback {
        /** ŷ_{t−1} = softmax(o_{t−1}), the model's own prediction: the closed loop of prediction (BPTT runs through it). */
        FREE_RUNNING,
        /** y_{t−1}, the true previous output = the one-hot input x_t of a next-token model (needs D = K). */
        TEACHER_FORCED
    }

    private final int in, hid, out, stateSize;
    private final Recurrence recurrence;
    private final Output output;
    private final States states;
    private Backend ops;
    private Param u, w, b, v, c;
    // s[t] is what step t+1 reads: h_t (hidden recurrence) or ŷ_t / y_t (output recurrence); s[0] = the initial state
    private Tensor x, a, h, s, o, da, dx, dot, dsm, dh, dsNext;
    private boolean teacherForced, autoregressive;
    private Feedback feedback = Feedback.FREE_RUNNING;
    private int steps, batch;
    private float[] gradNorms;
    private boolean recordNorms;

    public VanillaRnn(int inputSize, int hiddenSize, int outputSize) {
        this(inputSize, hiddenSize, outputSize, Recurrence.HIDDEN, Output.MANY_TO_MANY);
    }

    public VanillaRnn(int inputSize, int hiddenSize, int outputSize, Recurrence recurrence, Output output) {
        if (inputSize < 1 || hiddenSize < 1 || outputSize < 1) {
            throw new IllegalArgumentException("VanillaRnn needs sizes ≥ 1, got " + inputSize + "→" + hiddenSize + "→" + outputSize);
        }
        this.in = inputSize;
        this.hid = hiddenSize;
        this.out = outputSize;
        this.recurrence = recurrence;
        this.output = output;
        this.stateSize = recurrence == Recurrence.HIDDEN ? hiddenSize : outputSize;
        this.states = new States(name(), 1, stateSize);
    }

    /** U, W, b ~ U(−1/√H, 1/√H) (PyTorch's nn.RNN); V, c ~ U(−1/√H, 1/√H) (nn.Linear with H inputs). */
    @Override
    public void bind(Backend ops, RandomGenerator rng) {
        dev.nabla.nn.Layers.bindOnce(name(), this.ops, ops);
        this.ops = ops;
        states.bind(ops);
        double r = 1 / Math.sqrt(hid);
        u = new Param(name() + ".U", ops.upload(Lstm.uniform(hid * in, r, rng), hid, in));
        w = new Param(name() + ".W", ops.upload(Lstm.uniform(hid * stateSize, r, rng), hid, stateSize));
        b = new Param(name() + ".b", ops.upload(Lstm.uniform(hid, r, rng), hid));
        v = new Param(name() + ".V", ops.upload(Lstm.uniform(out * hid, r, rng), out, hid));
        c = new Param(name() + ".c", ops.upload(Lstm.uniform(out, r, rng), out));
    }

    /** {@link #bind} for chaining: {@code new VanillaRnn(…).bound(ops, rng).initialState(…)}. */
    public VanillaRnn bound(Backend ops, RandomGenerator rng) {
        bind(ops, rng);
        return this;
    }

    /** Which previous output an output-recurrence step reads in {@link #forward(Tensor, boolean)} (default free running). */
    public VanillaRnn feedback(Feedback f) {
        if (f == Feedback.TEACHER_FORCED && (recurrence != Recurrence.OUTPUT || in != out)) {
            throw new IllegalStateException(name() + ": teacher forcing from the input needs output recurrence and one-hot inputs of the "
                    + "output size (D = K = " + out + "), got D = " + in);
        }
        this.feedback = f;
        return this;
    }

    public Feedback feedback() { return feedback; }

    public Recurrence recurrence() { return recurrence; }

    public Output output() { return output; }

    /** A sequence sample [T, D] gives [T, K] (many-to-many) or [K] (many-to-one). */
    @Override
    public int[] outputShape(int[] inputShape) {
        if (inputShape.length != 2 || inputShape[1] != in) {
            throw new IllegalArgumentException(name() + " expects sequence samples [T, " + in + "], got " + Arrays.toString(inputShape));
        }
        return output == Output.MANY_TO_MANY ? new int[] {inputShape[0], out} : new int[] {out};
    }

    public Param u() { return u; }
    public Param w() { return w; }
    public Param b() { return b; }
    public Param v() { return v; }
    public Param c() { return c; }

    public VanillaRnn initialState(InitialState mode) { states.mode(mode); return this; }

    /** For {@link InitialState#GIVEN}: h_0 [B, H] (hidden recurrence) or ŷ_0 [B, K] (output recurrence). */
    public void givenState(Tensor s0) { states.given(s0); }

    /** Truncated BPTT: start each forward pass from the last state of the previous one (no gradient across). */
    @Override
    public VanillaRnn carryState(boolean on) { states.carry = on; if (!on) states.reset(); return this; }

    @Override
    public void resetState() { states.reset(); }

    /** After backward: ∂L/∂h_0 (or ∂L/∂ŷ_0), [B, S]. */
    public Tensor stateGradient() { return states.gradient(0); }

    /** Makes backward record ‖∂L/∂h_t‖ per step (costs a sync per step). */
    public VanillaRnn recordGradientNorms(boolean on) { recordNorms = on; return this; }

    /** ‖∂L/∂h_t‖ for t = 1..T (index t−1), if recorded. */
    public float[] hiddenGradientNorms() { return gradNorms; }

    @Override
    public java.util.Map<String, Object> spec() {
        return dev.nabla.nn.Layers.spec("VanillaRnn", "in", in, "hidden", hid, "out", out, "recurrence", recurrence.name(),
                "output", output.name(), "feedback", feedback.name(), "initialState", states.mode().name());
    }

    /** The lecture's names: U [H, D], W [H, S], b [H], V [K, H], c [K] (and h0 if learned); no PyTorch module has them. */
    @Override
    public dev.nabla.nn.StateDict stateDict() {
        dev.nabla.nn.StateDict sd = new dev.nabla.nn.StateDict().put("U", u).put("W", w).put("b", b).put("V", v).put("c", c);
        states.putLearned(sd);
        return sd;
    }

    @Override
    public void loadStateDict(dev.nabla.nn.StateDict sd) {
        sd.set("U", u);
        sd.set("W", w);
        sd.set("b", b);
        sd.set("V", v);
        sd.set("c", c);
        states.loadLearned(sd);
    }

    @Override
    public List<Param> params() { return States.concat(List.of(u, w, b, v, c), states.params()); }

    /**
     * x [T, B, D] → logits: hidden recurrence, or output recurrence reading ŷ_{t−1} (free running) or, with
     * {@link Feedback#TEACHER_FORCED}, the true y_{t−1} = x_t.
     */
    @Override
    public Tensor forward(Tensor x, boolean training) { return run(x, null, feedback == Feedback.TEACHER_FORCED); }

    /**
     * Teacher-forced forward pass of the output-recurrence model: step t+1 reads {@code targets[t]} (the one-hot y_t,
     * [T, B, K]) instead of ŷ_t.
     */
    public Tensor forward(Tensor x, Tensor targets) {
        if (recurrence != Recurrence.OUTPUT) throw new IllegalStateException(name() + ": teacher forcing feeds outputs back, it needs Recurrence.OUTPUT");
        return run(x, targets, false);
    }

    private Tensor run(Tensor x, Tensor targets, boolean fromInput) {
        dev.nabla.nn.Layers.input(this, ops, x);
        States.requireSequence(name(), x, in);
        int T = x.dim(0), B = x.dim(1);
        if (targets != null) States.requireShape(name(), "teacher-forcing targets", targets, T, B, out);
        allocate(T, B);
        this.x = x;
        this.teacherForced = targets != null || fromInput;
        this.autoregressive = fromInput;
        int bh = B * hid, bs = B * stateSize, bo = B * out;
        states.load(B, s.view(0, B, stateSize));                                   // s_0 = h_0 or ŷ_0
        if (fromInput) ops.copy(x, s.view(0, T, B, stateSize));                    // teacher forcing: step t reads y_{t−1} = x_t
        Tensor a2 = a.reshape(T * B, hid);
        ops.gemm(false, true, 1f, x.reshape(T * B, in), u.value(), 0f, a2);       // a_t = U·x_t for every t (one GEMM)
        ops.addBias(a2, b.value(), 1);                                             //     + b
        for (int t = 0; t < T; t++) {
            Tensor at = a.view(t * bh, B, hid), ht = h.view(t * bh, B, hid), ot = o.view(t * bo, B, out);
            ops.gemm(false, true, 1f, s.view(t * bs, B, stateSize), w.value(), 1f, at); // a_t += W·h_{t−1}  (or W·ŷ_{t−1})
            ops.activation(Activation.TANH, at, ht);                               // h_t = tanh(a_t)
            ops.gemm(false, true, 1f, ht, v.value(), 0f, ot);                     // o_t = V·h_t
            ops.addBias(ot, c.value(), 1);                                         //     + c
            Tensor next = s.view((t + 1) * bs, B, stateSize);
            if (recurrence == Recurrence.HIDDEN) ops.copy(ht, next);               // step t+1 reads h_t
            else if (fromInput) { if (t == T - 1) ops.softmax(ot, next); }         // (x_{t+1} is already there; s_T: for a carried state)
            else if (targets != null) ops.copy(targets.view(t * bo, B, out), next); // teacher forcing: reads y_t
            else ops.softmax(ot, next);                                            // free running: reads ŷ_t = softmax(o_t)
        }
        states.store(B, s.view(T * bs, B, stateSize));
        return output == Output.MANY_TO_MANY ? o : o.view((T - 1) * bo, B, out);
    }

    private void allocate(int T, int B) {
        if (T == steps && B == batch) return;
        steps = T;
        batch = B;
        Tensor.closeAll(a, h, s, o, da, dx, dot, dsm, dh, dsNext);   // the previous shape's workspaces go back to the backend
        a = ops.zeros(T, B, hid);
        h = ops.zeros(T, B, hid);
        s = ops.zeros(T + 1, B, stateSize);
        o = ops.zeros(T, B, out);
        da = ops.zeros(T, B, hid);
        dx = ops.zeros(T, B, in);
        dot = ops.zeros(B, out);
        dsm = ops.zeros(B, out);
        dh = ops.zeros(B, hid);
        dsNext = ops.zeros(B, stateSize);
    }

    /**
     * Backpropagation through time. {@code dlogits} = ∂L/∂o: [T, B, K] (many-to-many) or [B, K] (many-to-one).
     * Adds the parameter gradients and returns ∂L/∂x [T, B, D].
     */
    @Override
    public Tensor backward(Tensor dlogits) {
        dev.nabla.nn.Layers.gradient(this, ops, x != null, dlogits);
        int T = steps, B = batch, bh = B * hid, bs = B * stateSize, bo = B * out;
        if (output == Output.MANY_TO_MANY) States.requireShape(name(), "∂L/∂o", dlogits, T, B, out);
        else States.requireShape(name(), "∂L/∂o", dlogits, B, out);
        if (recordNorms) gradNorms = new float[T];
        ops.fill(dsNext, 0f);                                                      // nothing flows back from step T+1
        for (int t = T - 1; t >= 0; t--) {
            Tensor ht = h.view(t * bh, B, hid), dat = da.view(t * bh, B, hid);
            if (output == Output.MANY_TO_MANY) ops.copy(dlogits.view(t * bo, B, out), dot); // ∂L/∂o_t = ∂L^{(t)}/∂o_t (ŷ_t − y_t)
            else if (t == T - 1) ops.copy(dlogits, dot);                           //   many-to-one: only the last step has a loss
            else ops.fill(dot, 0f);
            if (recurrence == Recurrence.OUTPUT && !teacherForced) {               // output recurrence: ŷ_t also fed step t+1,
                ops.softmaxBackward(s.view((t + 1) * bs, B, out), dsNext, dsm);   //   so ∂L/∂o_t += J_softmaxᵀ·∂L/∂ŷ_t
                ops.axpy(1f, dsm, dot);
            }
            if (!v.frozen()) ops.gemm(true, false, 1f, dot, ht, 1f, v.grad());     // ∂L/∂V += ∂L/∂o_t·h_tᵀ
            if (!c.frozen()) ops.sumBias(dot, c.grad(), 1, 1f);                    // ∂L/∂c += ∂L/∂o_t
            ops.gemm(false, false, 1f, dot, v.value(), 0f, dh);                    // ∂L/∂h_t = Vᵀ·∂L/∂o_t           (the output's gradient)
            if (recurrence == Recurrence.HIDDEN) ops.axpy(1f, dsNext, dh);         //         + Wᵀ·∂L/∂a_{t+1}        (the one from h_{t+1})
            if (recordNorms) gradNorms[t] = (float) Math.sqrt(ops.sumSquares(dh));
            ops.activationBackward(Activation.TANH, a.view(t * bh, B, hid), ht, dh, dat); // ∂L/∂a_t = ∂L/∂h_t ⊙ (1 − h_t²)
            ops.gemm(false, false, 1f, dat, w.value(), 0f, dsNext);               // ∂L/∂s_{t−1} = Wᵀ·∂L/∂a_t  (s = h, or ŷ)
        }
        Tensor da2 = da.reshape(T * B, hid);
        if (!w.frozen()) ops.gemm(true, false, 1f, da2, s.view(0, T * B, stateSize), 1f, w.grad()); // ∂L/∂W = Σ_t ∂L/∂a_t·s_{t−1}ᵀ (one GEMM)
        if (!u.frozen()) ops.gemm(true, false, 1f, da2, x.reshape(T * B, in), 1f, u.grad());       // ∂L/∂U = Σ_t ∂L/∂a_t·x_tᵀ
        if (!b.frozen()) ops.sumBias(da2, b.grad(), 1, 1f);                                         // ∂L/∂b = Σ_t ∂L/∂a_t
        ops.gemm(false, false, 1f, da2, u.value(), 0f, dx.reshape(T * B, in));    // ∂L/∂x_t = Uᵀ·∂L/∂a_t
        if (autoregressive) ops.gemm(false, false, 1f, da2, w.value(), 1f, dx.reshape(T * B, in)); //  + Wᵀ·∂L/∂a_t (x_t was also y_{t−1})
        if (autoregressive) ops.fill(dsNext, 0f);                                  // s_0 was x_0, not the initial state
        states.backward(B, dsNext);                                                // ∂L/∂s_0
        return dx;
    }

    @Override
    public String name() {
        return "VanillaRnn(" + in + "→" + hid + "→" + out + ", " + recurrence.name().toLowerCase(java.util.Locale.ROOT)
                + " recurrence, " + output.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + ")";
    }
}
