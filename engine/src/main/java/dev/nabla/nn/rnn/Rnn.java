package dev.nabla.nn.rnn;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.Param;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The recurrent layer of the vanilla RNN (seed 003, hidden recurrence): h_t = tanh(U·x_t + W·h_{t−1} + b), emitting
 * every h_t. Put an output layer on top (a {@link dev.nabla.nn.Dense} on [T·B, H]), stack it, or wrap it in
 * {@link Bidirectional}. {@link VanillaRnn} is the lecture's whole model (with V, c and the loss) in one file.
 */
public final class Rnn extends RecurrentLayer<Rnn> {
    private Param u, w, b;
    private Tensor a, h, da, dx, dh, dhNext;
    private float[] gradNorms;
    private boolean recordNorms;

    public Rnn(int inputSize, int hiddenSize) {
        super("RNN", inputSize, hiddenSize, 1);
        initStates();
    }

    /** PyTorch's initialisation: U, W, b ~ U(−1/√H, 1/√H). */
    @Override
    public void bind(Backend ops, RandomGenerator rng) {
        bindStates(ops);
        double s = 1 / Math.sqrt(hid);
        u = new Param(name() + ".U", ops.upload(Lstm.uniform(hid * in, s, rng), hid, in));
        w = new Param(name() + ".W", ops.upload(Lstm.uniform(hid * hid, s, rng), hid, hid));
        b = new Param(name() + ".b", ops.upload(Lstm.uniform(hid, s, rng), hid));
    }

    public Param inputWeight() { return u; }

    public Param recurrentWeight() { return w; }

    public Param bias() { return b; }

    /** Makes backward record ‖∂L/∂h_t‖ per step (costs a sync per step). */
    public Rnn recordGradientNorms(boolean on) { recordNorms = on; return this; }

    /** ‖∂L/∂h_t‖ for t = 1..T (index t−1) from the last backward, if recorded. */
    public float[] hiddenGradientNorms() { return gradNorms; }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        checkInput(x);
        int T = x.dim(0), B = x.dim(1), bh = B * hid;
        allocate(T, B);
        this.x = x;
        states.load(B, h.view(0, B, hid));
        Tensor a2 = a.reshape(T * B, hid);
        ops.gemm(false, true, 1f, x.reshape(T * B, in), u.value(), 0f, a2);    // a_t = U·x_t for all t   [T·B, H]
        ops.addBias(a2, b.value(), 1);                                          //     + b
        Tensor wP = packed(hid * hid).reshape(hid, hid);
        ops.gemmPack(true, w.value(), wP);                                      // Wᵀ packed once per sequence (see Lstm.forward)
        for (int t = 0; t < T; t++) {
            Tensor at = a.view(t * bh, B, hid);
            ops.gemmPacked(false, 1f, h.view(t * bh, B, hid), wP, 1f, at);     // a_t += W·h_{t−1}
            ops.activation(Activation.TANH, at, h.view((t + 1) * bh, B, hid));    // h_t = tanh(a_t)
        }
        states.store(B, finalState(0));
        return h.view(bh, T, B, hid);
    }

    private void allocate(int T, int B) {
        if (T == steps && B == batch) return;
        steps = T;
        batch = B;
        Tensor.closeAll(a, h, da, dx, dh, dhNext);   // the previous shape's workspaces go back to the backend
        a = ops.zeros(T, B, hid);
        h = ops.zeros(T + 1, B, hid);
        da = ops.zeros(T, B, hid);
        dx = ops.zeros(T, B, in);
        dh = ops.zeros(B, hid);
        dhNext = ops.zeros(B, hid);
    }

    @Override
    Tensor backward(Tensor dy, boolean inputGradient) {
        int T = steps, B = batch, bh = B * hid;
        if (recordNorms) gradNorms = new float[T];
        ops.fill(dhNext, 0f);                                                   // nothing flows back from h_{T+1}
        Tensor wP = packed(hid * hid).reshape(hid, hid);                        // W, packed once for the T steps
        ops.gemmPack(false, w.value(), wP);
        for (int t = T - 1; t >= 0; t--) {
            Tensor dat = da.view(t * bh, B, hid);
            ops.copy(dy.view(t * bh, B, hid), dh);                              // ∂L/∂h_t = ∂L^{(t)}/∂h_t (from the output)
            ops.axpy(1f, dhNext, dh);                                           //         + Wᵀ·∂L/∂a_{t+1} (from h_{t+1})
            if (recordNorms) gradNorms[t] = (float) Math.sqrt(ops.sumSquares(dh));
            ops.activationBackward(Activation.TANH, a.view(t * bh, B, hid), h.view((t + 1) * bh, B, hid), dh, dat); // ∂L/∂a_t = ∂L/∂h_t ⊙ (1 − h_t²)
            ops.gemmPacked(false, 1f, dat, wP, 0f, dhNext);                    // Wᵀ·∂L/∂a_t → the ∂L/∂h_{t−1} term
        }
        Tensor da2 = da.reshape(T * B, hid);
        if (!w.frozen()) ops.gemm(true, false, 1f, da2, h.view(0, T * B, hid), 1f, w.grad()); // ∂L/∂W += Σ_t ∂L/∂a_t·h_{t−1}ᵀ
        if (!u.frozen()) ops.gemm(true, false, 1f, da2, x.reshape(T * B, in), 1f, u.grad());  // ∂L/∂U += Σ_t ∂L/∂a_t·x_tᵀ
        if (!b.frozen()) ops.sumBias(da2, b.grad(), 1, 1f);                                    // ∂L/∂b += Σ_t ∂L/∂a_t
        states.backward(B, dhNext);                                             // ∂L/∂h_0
        if (!inputGradient) return null;
        ops.gemm(false, false, 1f, da2, u.value(), 0f, dx.reshape(T * B, in)); // ∂L/∂x_t = Uᵀ·∂L/∂a_t
        return dx;
    }

    @Override
    public Tensor finalState(int k) {
        checkFinalState(k);
        return h.view(steps * batch * hid, batch, hid);
    }

    @Override
    public java.util.Map<String, Object> spec() {
        return dev.nabla.nn.Layers.spec("RNN", "in", in, "hidden", hid, "initialState", states.mode().name());
    }

    /**
     * nn.RNN's names: weight_ih_l0 = U [H, D], weight_hh_l0 = W [H, H], and its two biases b_ih + b_hh for our one b:
     * written as bias_ih_l0 = b, bias_hh_l0 = 0, read back as b = b_ih + b_hh. A learned h^{(0)} adds h0 (ours only).
     */
    @Override
    public dev.nabla.nn.StateDict stateDict() {
        dev.nabla.nn.StateDict sd = new dev.nabla.nn.StateDict().put("weight_ih_l0", u).put("weight_hh_l0", w).put("bias_ih_l0", b)
                .put("bias_hh_l0", new int[] {hid}, new float[hid]);
        states.putLearned(sd);
        return sd;
    }

    @Override
    public void loadStateDict(dev.nabla.nn.StateDict sd) {
        sd.set("weight_ih_l0", u);
        sd.set("weight_hh_l0", w);
        sd.setSummed("bias_ih_l0", "bias_hh_l0", b);
        states.loadLearned(sd);
    }

    @Override
    public List<Param> params() { return States.concat(List.of(u, w, b), states.params()); }

    @Override
    public String name() { return "RNN(" + in + "→" + hid + ")"; }
}
