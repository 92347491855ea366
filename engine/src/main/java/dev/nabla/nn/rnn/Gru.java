package dev.nabla.nn.rnn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.Param;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Gated recurrent unit in PyTorch's formulation, gates in order (r, z, n):
 * <pre>
 *   gx_t = W_i·x_t + b_i      gh_t = W_h·h_{t−1} + b_h                      ([B, 3H] each)
 *   r = σ(gx_r + gh_r)   z = σ(gx_z + gh_z)   n = tanh(gx_n + r⊙gh_n)
 *   h_t = (1 − z)⊙n + z⊙h_{t−1}
 * </pre>
 * W_i·x_t for all steps is one GEMM; only W_h·h_{t−1} is per step; the gates are one fused pass ({@link Backend#gruCell}).
 */
public final class Gru extends RecurrentLayer<Gru> {
    private Param wi, bi, wh, bh;
    private Tensor h, gx, gh, acts, dgx, dgh, dx, dh, dhNext;

    public Gru(int inputSize, int hiddenSize) {
        super("GRU", inputSize, hiddenSize, 1);
        initStates();
    }

    /** PyTorch's initialisation: every weight and bias U(−1/√H, 1/√H). */
    @Override
    public void bind(Backend ops, RandomGenerator rng) {
        bindStates(ops);
        double a = 1 / Math.sqrt(hid);
        wi = new Param(name() + ".Wi", ops.upload(Lstm.uniform(3 * hid * in, a, rng), 3 * hid, in));
        wh = new Param(name() + ".Wh", ops.upload(Lstm.uniform(3 * hid * hid, a, rng), 3 * hid, hid));
        bi = new Param(name() + ".bi", ops.upload(Lstm.uniform(3 * hid, a, rng), 3 * hid));
        bh = new Param(name() + ".bh", ops.upload(Lstm.uniform(3 * hid, a, rng), 3 * hid));
    }

    public Param inputWeight() { return wi; }

    public Param inputBias() { return bi; }

    public Param recurrentWeight() { return wh; }

    public Param recurrentBias() { return bh; }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        checkInput(x);
        int T = x.dim(0), B = x.dim(1), bhid = B * hid, g3 = B * 3 * hid;
        allocate(T, B);
        this.x = x;
        states.load(B, h.view(0, B, hid));
        Tensor gx2 = gx.reshape(T * B, 3 * hid);
        ops.gemm(false, true, 1f, x.reshape(T * B, in), wi.value(), 0f, gx2);  // gx = W_i·x_t for all t  [T·B, 3H]
        ops.addBias(gx2, bi.value(), 1);                                         //    + b_i
        Tensor whP = packed(3 * hid * hid).reshape(hid, 3 * hid);
        ops.gemmPack(true, wh.value(), whP);                                    // W_hᵀ packed once per sequence (see Lstm.forward)
        for (int t = 0; t < T; t++) {
            Tensor hPrev = h.view(t * bhid, B, hid), ght = gh.view(t * g3, B, 3 * hid);
            ops.gemmPacked(false, 1f, hPrev, whP, 0f, ght);                     // gh_t = W_h·h_{t−1}
            ops.addBias(ght, bh.value(), 1);                                    //      + b_h
            ops.gruCell(gx.view(t * g3, B, 3 * hid), ght, hPrev,                // r, z, n; h_t = (1−z)⊙n + z⊙h_{t−1}
                    h.view((t + 1) * bhid, B, hid), acts.view(t * g3, B, 3 * hid));
        }
        states.store(B, finalState(0));
        return h.view(bhid, T, B, hid);
    }

    private void allocate(int T, int B) {
        if (T == steps && B == batch) return;
        steps = T;
        batch = B;
        Tensor.closeAll(h, gx, gh, acts, dgx, dgh, dx, dh, dhNext);   // the previous shape's workspaces go back to the backend
        h = ops.zeros(T + 1, B, hid);
        gx = ops.zeros(T, B, 3 * hid);
        gh = ops.zeros(T, B, 3 * hid);
        acts = ops.zeros(T, B, 3 * hid);
        dgx = ops.zeros(T, B, 3 * hid);
        dgh = ops.zeros(T, B, 3 * hid);
        dx = ops.zeros(T, B, in);
        dh = ops.zeros(B, hid);
        dhNext = ops.zeros(B, hid);
    }

    @Override
    Tensor backward(Tensor dy, boolean inputGradient) {
        int T = steps, B = batch, bhid = B * hid, g3 = B * 3 * hid;
        ops.fill(dhNext, 0f);                                                   // nothing flows back from h_{T+1}
        Tensor whP = packed(3 * hid * hid).reshape(3 * hid, hid);                // W_h [3H, H], packed once for the T steps
        ops.gemmPack(false, wh.value(), whP);
        for (int t = T - 1; t >= 0; t--) {
            Tensor dght = dgh.view(t * g3, B, 3 * hid);
            ops.copy(dy.view(t * bhid, B, hid), dh);                            // ∂L/∂h_t = ∂L^{(t)}/∂h_t
            ops.axpy(1f, dhNext, dh);                                           //         + from h_{t+1}
            ops.gruCellBackward(acts.view(t * g3, B, 3 * hid), gh.view(t * g3, B, 3 * hid), h.view(t * bhid, B, hid),
                    dh, dgx.view(t * g3, B, 3 * hid), dght, dhNext);            // ∂L/∂gx_t, ∂L/∂gh_t; dhNext = ∂L/∂h_t ⊙ z
            ops.gemmPacked(false, 1f, dght, whP, 1f, dhNext);                   // ∂L/∂h_{t−1} += ∂L/∂gh_t·W_h (through the gates)
        }
        Tensor dgx2 = dgx.reshape(T * B, 3 * hid), dgh2 = dgh.reshape(T * B, 3 * hid);
        if (!wh.frozen()) ops.gemm(true, false, 1f, dgh2, h.view(0, T * B, hid), 1f, wh.grad()); // ∂L/∂W_h += Σ_t ∂L/∂gh_tᵀ·h_{t−1}
        if (!bh.frozen()) ops.sumBias(dgh2, bh.grad(), 1, 1f);                                    // ∂L/∂b_h += Σ_t ∂L/∂gh_t
        if (!wi.frozen()) ops.gemm(true, false, 1f, dgx2, x.reshape(T * B, in), 1f, wi.grad());  // ∂L/∂W_i += Σ_t ∂L/∂gx_tᵀ·x_t
        if (!bi.frozen()) ops.sumBias(dgx2, bi.grad(), 1, 1f);                                    // ∂L/∂b_i += Σ_t ∂L/∂gx_t
        states.backward(B, dhNext);                                             // ∂L/∂h_0
        if (!inputGradient) return null;
        ops.gemm(false, false, 1f, dgx2, wi.value(), 0f, dx.reshape(T * B, in)); // ∂L/∂x_t = ∂L/∂gx_t·W_i
        return dx;
    }

    @Override
    public Tensor finalState(int k) {
        checkFinalState(k);
        return h.view(steps * batch * hid, batch, hid);
    }

    @Override
    public java.util.Map<String, Object> spec() {
        return dev.nabla.nn.Layers.spec("GRU", "in", in, "hidden", hid, "initialState", states.mode().name());
    }

    /** nn.GRU's names and layout exactly (gates r, z, n; two biases, as here). A learned h0 is ours only. */
    @Override
    public dev.nabla.nn.StateDict stateDict() {
        dev.nabla.nn.StateDict sd = new dev.nabla.nn.StateDict().put("weight_ih_l0", wi).put("weight_hh_l0", wh).put("bias_ih_l0", bi)
                .put("bias_hh_l0", bh);
        states.putLearned(sd);
        return sd;
    }

    @Override
    public void loadStateDict(dev.nabla.nn.StateDict sd) {
        sd.set("weight_ih_l0", wi);
        sd.set("weight_hh_l0", wh);
        sd.set("bias_ih_l0", bi);
        sd.set("bias_hh_l0", bh);
        states.loadLearned(sd);
    }

    @Override
    public List<Param> params() { return States.concat(List.of(wi, wh, bi, bh), states.params()); }

    @Override
    public String name() { return "GRU(" + in + "→" + hid + ")"; }
}
