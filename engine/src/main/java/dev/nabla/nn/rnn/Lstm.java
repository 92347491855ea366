package dev.nabla.nn.rnn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.Param;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Long short-term memory (seeds 000, 002, 003), gates in PyTorch's order (i, f, g, o):
 * <pre>
 *   a_t = W_x·x_t + W_h·h_{t−1} + b                      (pre-activations [B, 4H])
 *   i = σ(a_i + p_i⊙c_{t−1})   f = σ(a_f + p_f⊙c_{t−1})   g = tanh(a_g)   o = σ(a_o + p_o⊙c_t)
 *   c_t = f⊙c_{t−1} + i⊙g       h_t = o⊙tanh(c_t)
 * </pre>
 * The peepholes p_i, p_f, p_o (seed 003) are optional. W_x·x_t for all time steps is one GEMM before the loop; only
 * W_h·h_{t−1} is per step, and the gates are one fused backend pass ({@link Backend#lstmCell}). The forget-gate bias
 * starts at {@code forgetBias} (1 by default) so that f ≈ σ(1) ≈ 0.73 and the cell path carries gradient from the start.
 */
public final class Lstm extends RecurrentLayer<Lstm> {
    private final boolean peepholes;
    private final float forgetBias;
    private Param wx, wh, b, peep;
    // per forward pass: x, h[0..T], c[0..T], tanh(c)[1..T], gate activations [T, B, 4H]
    private Tensor h, c, tanhC, acts, dgates, dx, dh, dhNext, dc, peepScratch;
    private float[] hiddenGradNorms, cellGradNorms;
    private boolean recordNorms;

    public Lstm(int inputSize, int hiddenSize) { this(inputSize, hiddenSize, false, 1f); }

    public Lstm(int inputSize, int hiddenSize, boolean peepholes, float forgetBias) {
        super("LSTM", inputSize, hiddenSize, 2);
        if (!Float.isFinite(forgetBias)) throw new IllegalArgumentException("LSTM forget-gate bias must be a finite number, got " + forgetBias);
        this.peepholes = peepholes;
        this.forgetBias = forgetBias;
        initStates();                                                            // after peepholes: name() shows them
    }

    /** PyTorch's initialisation: every weight and bias U(−1/√H, 1/√H); then the forget-gate bias set to forgetBias. */
    @Override
    public void bind(Backend ops, RandomGenerator rng) {
        bindStates(ops);
        double a = 1 / Math.sqrt(hid);
        wx = new Param(name() + ".Wx", ops.upload(uniform(4 * hid * in, a, rng), 4 * hid, in));
        wh = new Param(name() + ".Wh", ops.upload(uniform(4 * hid * hid, a, rng), 4 * hid, hid));
        float[] bv = uniform(4 * hid, a, rng);
        for (int j = 0; j < hid; j++) bv[hid + j] = forgetBias;                 // b_f = forget bias
        b = new Param(name() + ".b", ops.upload(bv, 4 * hid));
        if (peepholes) peep = new Param(name() + ".p", ops.upload(uniform(3 * hid, a, rng), 3, hid));
    }

    static float[] uniform(int n, double a, RandomGenerator rng) {
        float[] w = new float[n];
        for (int k = 0; k < n; k++) w[k] = (float) rng.nextDouble(-a, a);
        return w;
    }

    public Param inputWeight() { return wx; }

    public Param recurrentWeight() { return wh; }

    public Param bias() { return b; }

    /** The peepholes [3, H] (rows p_i, p_f, p_o), or null. */
    public Param peepholes() { return peep; }

    /** Makes backward record ‖∂L/∂h_t‖ and ‖∂L/∂c_t‖ per step (for the gradient-flow demonstration; costs a sync per step). */
    public Lstm recordGradientNorms(boolean on) { recordNorms = on; return this; }

    /** ‖∂L/∂h_t‖ for t = 1..T (index t−1) from the last backward, if recorded. */
    public float[] hiddenGradientNorms() { return hiddenGradNorms; }

    /** ‖∂L/∂c_t‖ for t = 1..T (index t−1), the gradient on the cell path, if recorded. */
    public float[] cellGradientNorms() { return cellGradNorms; }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        checkInput(x);
        int T = x.dim(0), B = x.dim(1);
        allocate(T, B);
        this.x = x;
        int bh = B * hid, g4 = B * 4 * hid;
        states.load(B, h.view(0, B, hid), c.view(0, B, hid));
        Tensor x2 = x.reshape(T * B, in), a2 = acts.reshape(T * B, 4 * hid);
        ops.gemm(false, true, 1f, x2, wx.value(), 0f, a2);                     // a = W_x·x_t for all t at once  [T·B, 4H]
        ops.addBias(a2, b.value(), 1);                                          //   + b
        // W_hᵀ [H, 4H] packed once per sequence: with rows of h_{t−1} as rows of the [B, H] batch, a_t += W_h·h_{t−1}
        // is h_{t−1}·W_hᵀ, and all T products then read W_hᵀ in the layout the backend's GEMM wants, instead of
        // transposing or repacking W_h at every step
        Tensor whP = packed(4 * hid * hid).reshape(hid, 4 * hid);
        ops.gemmPack(true, wh.value(), whP);
        for (int t = 0; t < T; t++) {
            Tensor hPrev = h.view(t * bh, B, hid), cPrev = c.view(t * bh, B, hid);
            Tensor at = acts.view(t * g4, B, 4 * hid);
            ops.gemmPacked(false, 1f, hPrev, whP, 1f, at);                     // a_t += W_h·h_{t−1}
            ops.lstmCell(at, cPrev, peep == null ? null : peep.value(),        // gates, c_t = f⊙c_{t−1} + i⊙g, h_t = o⊙tanh(c_t)
                    c.view((t + 1) * bh, B, hid), tanhC.view(t * bh, B, hid), h.view((t + 1) * bh, B, hid));
        }
        states.store(B, finalState(0), finalState(1));
        return h.view(bh, T, B, hid);                                           // y_t = h_t, t = 1..T
    }

    private void allocate(int T, int B) {
        if (T == steps && B == batch) return;
        steps = T;
        batch = B;
        Tensor.closeAll(h, c, tanhC, acts, dgates, dx, dh, dhNext, dc);   // the previous shape's workspaces go back to the backend
        h = ops.zeros(T + 1, B, hid);
        c = ops.zeros(T + 1, B, hid);
        tanhC = ops.zeros(T, B, hid);
        acts = ops.zeros(T, B, 4 * hid);
        dgates = ops.zeros(T, B, 4 * hid);
        dx = ops.zeros(T, B, in);
        dh = ops.zeros(B, hid);
        dhNext = ops.zeros(B, hid);
        dc = ops.zeros(B, hid);
    }

    @Override
    Tensor backward(Tensor dy, boolean inputGradient) {
        int T = steps, B = batch, bh = B * hid, g4 = B * 4 * hid;
        if (recordNorms) { hiddenGradNorms = new float[T]; cellGradNorms = new float[T]; }
        // frozen peepholes: the fused cell op forms their gradient in the same pass, into a scratch tensor
        Tensor dpeep = peep == null ? null : !peep.frozen() ? peep.grad() : (peepScratch = Tensor.reuse(peepScratch, ops, 3, hid));
        ops.fill(dhNext, 0f);                                                   // nothing flows back from h_{T+1}
        ops.fill(dc, 0f);                                                       //   nor from c_{T+1}
        Tensor whP = packed(4 * hid * hid).reshape(4 * hid, hid);                // W_h [4H, H], packed once for the T steps
        ops.gemmPack(false, wh.value(), whP);
        for (int t = T - 1; t >= 0; t--) {
            Tensor at = acts.view(t * g4, B, 4 * hid), dgt = dgates.view(t * g4, B, 4 * hid);
            ops.copy(dy.view(t * bh, B, hid), dh);                              // ∂L/∂h_t = ∂L^{(t)}/∂h_t (this step's output)
            ops.axpy(1f, dhNext, dh);                                           //         + (∂h_{t+1}/∂h_t)ᵀ·∂L/∂h_{t+1}
            if (recordNorms) hiddenGradNorms[t] = (float) Math.sqrt(ops.sumSquares(dh));
            if (recordNorms) cellGradNorms[t] = cellGradientNorm(at, tanhC.view(t * bh, B, hid), dh, dc);   // ‖∂L/∂c_{t+1}‖, slot t
            ops.lstmCellBackward(at, c.view(t * bh, B, hid), c.view((t + 1) * bh, B, hid), tanhC.view(t * bh, B, hid),
                    peep == null ? null : peep.value(), dh, dc, dgt,            // ∂L/∂a_t (all four gates);
                    dpeep);                                                     // dc ← ∂L/∂c_{t−1} = ∂L/∂c_t ⊙ f  (no matrix product)
            ops.gemmPacked(false, 1f, dgt, whP, 0f, dhNext);                   // ∂L/∂h_{t−1} via the gates = ∂L/∂a_t·W_h
        }
        Tensor dg2 = dgates.reshape(T * B, 4 * hid);
        if (!wh.frozen()) ops.gemm(true, false, 1f, dg2, h.view(0, T * B, hid), 1f, wh.grad()); // ∂L/∂W_h += Σ_t ∂L/∂a_tᵀ·h_{t−1} (one GEMM)
        if (!wx.frozen()) ops.gemm(true, false, 1f, dg2, x.reshape(T * B, in), 1f, wx.grad());  // ∂L/∂W_x += Σ_t ∂L/∂a_tᵀ·x_t     (one GEMM)
        if (!b.frozen()) ops.sumBias(dg2, b.grad(), 1, 1f);                                     // ∂L/∂b   += Σ_t ∂L/∂a_t
        states.backward(B, dhNext, dc);                                         // ∂L/∂h_0, ∂L/∂c_0
        if (!inputGradient) return null;
        ops.gemm(false, false, 1f, dg2, wx.value(), 0f, dx.reshape(T * B, in)); // ∂L/∂x_t = ∂L/∂a_t·W_x            (one GEMM)
        return dx;
    }

    /**
     * ‖∂L/∂c_t‖ for the step whose activations are {@code acts}: what lstmCellBackward adds up first, the gradient from
     * step t+1 ({@code dc}) plus the path through h_t, ∂L/∂h_t ⊙ o ⊙ (1 − tanh² c_t), plus the o-peephole's ∂L/∂a_o ⊙ p_o.
     * (The cell op's output, ∂L/∂c_{t−1} through the forget gate alone, is the previous step's, and misses its h path.)
     * Computed on the host: a diagnostic, which syncs anyway.
     */
    private float cellGradientNorm(Tensor acts, Tensor tanhCt, Tensor dh, Tensor dc) {
        float[] a = acts.toArray(), tc = tanhCt.toArray(), g = dh.toArray(), from = dc.toArray();
        float[] p = peep == null ? null : peep.value().toArray();
        double s = 0;
        for (int k = 0; k < g.length; k++) {
            int b = k / hid, j = k % hid;
            float o = a[b * 4 * hid + 3 * hid + j], t = tc[k];
            float d = from[k] + g[k] * o * (1 - t * t);
            if (p != null) d += g[k] * t * o * (1 - o) * p[2 * hid + j];
            s += (double) d * d;
        }
        return (float) Math.sqrt(s);
    }

    @Override
    public Tensor finalState(int k) {
        checkFinalState(k);
        return (k == 0 ? h : c).view(steps * batch * hid, batch, hid);
    }

    @Override
    public java.util.Map<String, Object> spec() {
        return dev.nabla.nn.Layers.spec("LSTM", "in", in, "hidden", hid, "peepholes", peepholes, "forgetBias", forgetBias,
                "initialState", states.mode().name());
    }

    /**
     * nn.LSTM's names and layout (gates i, f, g, o): weight_ih_l0 = W_x [4H, D], weight_hh_l0 = W_h [4H, H], and its
     * two biases b_ih + b_hh for our one b: written as bias_ih_l0 = b, bias_hh_l0 = 0, read back as b = b_ih + b_hh.
     * Peepholes (weight_peep_l0 [3, H]) and a learned h0, c0 have no PyTorch counterpart.
     */
    @Override
    public dev.nabla.nn.StateDict stateDict() {
        dev.nabla.nn.StateDict sd = new dev.nabla.nn.StateDict().put("weight_ih_l0", wx).put("weight_hh_l0", wh).put("bias_ih_l0", b)
                .put("bias_hh_l0", new int[] {4 * hid}, new float[4 * hid]);
        if (peep != null) sd.put("weight_peep_l0", peep);
        states.putLearned(sd);
        return sd;
    }

    @Override
    public void loadStateDict(dev.nabla.nn.StateDict sd) {
        sd.set("weight_ih_l0", wx);
        sd.set("weight_hh_l0", wh);
        sd.setSummed("bias_ih_l0", "bias_hh_l0", b);
        if (peep != null) sd.set("weight_peep_l0", peep);
        states.loadLearned(sd);
    }

    @Override
    public List<Param> params() {
        List<Param> p = new ArrayList<>(List.of(wx, wh, b));
        if (peep != null) p.add(peep);
        p.addAll(states.params());
        return p;
    }

    @Override
    public String name() { return "LSTM(" + in + "→" + hid + (peepholes ? ", peepholes" : "") + ")"; }
}
