/*
 * recurrent.cl — the fused elementwise part of one LSTM or GRU time step, forward and backward (seed 003).
 * The matrix products (W·x_t for all steps at once, U·h_{t−1} per step) are GEMMs; what is left per step is a
 * handful of sigmoids, tanhs and products per hidden unit, fused here into one launch instead of a dozen.
 * One work-item per (batch row b, hidden unit j); gate blocks are laid out [B, kH] with gate k at columns kH..(k+1)H.
 * OpenCL C 1.2.
 */

/*
 * LSTM step, gates in PyTorch's order (i, f, g, o). In: gates = a (pre-activations), c_{t−1}, optional peepholes
 * p = [p_i; p_f; p_o] ([3, H]). Out: gates ← (i, f, g, o), c_t, tanh(c_t), h_t.
 */
__kernel void lstm_cell_forward(__global float *gates, int go, __global const float *cPrev, int cpo,
                                int hasPeep, __global const float *peep, int po,
                                __global float *c, int co, __global float *tanhC, int tco, __global float *h, int ho,
                                int batch, int hid) {
    int e = get_global_id(0);
    if (e >= batch * hid) return;
    int b = e / hid, j = e % hid;
    __global float *a = gates + go + b * 4 * hid + j;          /* a_i at a[0], a_f at a[H], a_g at a[2H], a_o at a[3H] */
    float cp = cPrev[cpo + e];
    float pi = hasPeep ? peep[po + j] : 0.0f;
    float pf = hasPeep ? peep[po + hid + j] : 0.0f;
    float pO = hasPeep ? peep[po + 2 * hid + j] : 0.0f;
    /* without peepholes there is no p⊙c term at all (0·c would turn a NaN or ∞ in c into a NaN gate) */
    float i = sigmoid_f(hasPeep ? a[0] + pi * cp : a[0]);      /* i_t = σ(a_i + p_i⊙c_{t−1}) */
    float f = sigmoid_f(hasPeep ? a[hid] + pf * cp : a[hid]);  /* f_t = σ(a_f + p_f⊙c_{t−1}) */
    float g = tanh(a[2 * hid]);                                /* g_t = tanh(a_g) */
    float ct = f * cp + i * g;                                 /* c_t = f⊙c_{t−1} + i⊙g */
    float o = sigmoid_f(hasPeep ? a[3 * hid] + pO * ct : a[3 * hid]); /* o_t = σ(a_o + p_o⊙c_t) */
    float tc = tanh(ct);
    a[0] = i; a[hid] = f; a[2 * hid] = g; a[3 * hid] = o;
    c[co + e] = ct;
    tanhC[tco + e] = tc;
    h[ho + e] = o * tc;                                        /* h_t = o⊙tanh(c_t) */
}

/*
 * LSTM backward. In: acts = (i, f, g, o), c_{t−1}, c_t, tanh(c_t), peepholes, ∂L/∂h_t, and in dc ∂L/∂c_t from
 * step t+1. Out: dgates = ∂L/∂a, dc ← ∂L/∂c_{t−1}. (The peephole gradients are lstm_peephole_grad's.)
 */
__kernel void lstm_cell_backward(__global const float *acts, int ao, __global const float *cPrev, int cpo,
                                 __global const float *c, int co, __global const float *tanhC, int tco,
                                 int hasPeep, __global const float *peep, int po,
                                 __global const float *dh, int dho, __global float *dc, int dco,
                                 __global float *dgates, int dgo, int batch, int hid) {
    int e = get_global_id(0);
    if (e >= batch * hid) return;
    int b = e / hid, j = e % hid;
    __global const float *act = acts + ao + b * 4 * hid + j;
    __global float *dg = dgates + dgo + b * 4 * hid + j;
    float i = act[0], f = act[hid], g = act[2 * hid], o = act[3 * hid];
    float cp = cPrev[cpo + e], tc = tanhC[tco + e], dhe = dh[dho + e];
    float pi = hasPeep ? peep[po + j] : 0.0f;
    float pf = hasPeep ? peep[po + hid + j] : 0.0f;
    float pO = hasPeep ? peep[po + 2 * hid + j] : 0.0f;
    float dao = dhe * tc * o * (1.0f - o);                     /* ∂L/∂a_o = ∂L/∂h ⊙ tanh(c) ⊙ σ' */
    float dct = dc[dco + e] + dhe * o * (1.0f - tc * tc);      /* ∂L/∂c_t = from t+1 + ∂L/∂h ⊙ o ⊙ tanh'(c) */
    if (hasPeep) dct += dao * pO;                              /*           + through the o-peephole */
    float dai = dct * g * i * (1.0f - i);                      /* ∂L/∂a_i = ∂L/∂c ⊙ g ⊙ σ' */
    float daf = dct * cp * f * (1.0f - f);                     /* ∂L/∂a_f = ∂L/∂c ⊙ c_{t−1} ⊙ σ' */
    float dag = dct * i * (1.0f - g * g);                      /* ∂L/∂a_g = ∂L/∂c ⊙ i ⊙ tanh' */
    dg[0] = dai; dg[hid] = daf; dg[2 * hid] = dag; dg[3 * hid] = dao;
    dc[dco + e] = hasPeep ? dct * f + dai * pi + daf * pf      /* ∂L/∂c_{t−1} = ∂L/∂c_t ⊙ f (+ peepholes) */
                          : dct * f;
    (void) c; (void) co;                                       /* c_t enters only the peephole gradient */
}

/*
 * Peephole gradients, summed over the batch: dp_i += Σ_b ∂L/∂a_i ⊙ c_{t−1}, dp_f += Σ_b ∂L/∂a_f ⊙ c_{t−1},
 * dp_o += Σ_b ∂L/∂a_o ⊙ c_t. One work-item per hidden unit, adding the rows in order (as the reference does).
 */
__kernel void lstm_peephole_grad(__global const float *dgates, int dgo, __global const float *cPrev, int cpo,
                                 __global const float *c, int co, __global float *dpeep, int dpo, int batch, int hid) {
    int j = get_global_id(0);
    if (j >= hid) return;
    float si = dpeep[dpo + j], sf = dpeep[dpo + hid + j], so = dpeep[dpo + 2 * hid + j];
    for (int b = 0; b < batch; b++) {
        __global const float *dg = dgates + dgo + b * 4 * hid + j;
        float cp = cPrev[cpo + b * hid + j];
        si += dg[0] * cp;
        sf += dg[hid] * cp;
        so += dg[3 * hid] * c[co + b * hid + j];
    }
    dpeep[dpo + j] = si; dpeep[dpo + hid + j] = sf; dpeep[dpo + 2 * hid + j] = so;
}

/*
 * GRU step in PyTorch's formulation, gates (r, z, n): gx = W_i·x_t + b_i, gh = W_h·h_{t−1} + b_h,
 * r = σ(gx_r + gh_r), z = σ(gx_z + gh_z), n = tanh(gx_n + r⊙gh_n), h_t = (1 − z)⊙n + z⊙h_{t−1}; acts ← (r, z, n).
 */
__kernel void gru_cell_forward(__global const float *gx, int gxo, __global const float *gh, int gho,
                               __global const float *hPrev, int hpo, __global float *h, int ho,
                               __global float *acts, int ao, int batch, int hid) {
    int e = get_global_id(0);
    if (e >= batch * hid) return;
    int b = e / hid, j = e % hid, k = b * 3 * hid + j;
    float r = sigmoid_f(gx[gxo + k] + gh[gho + k]);                          /* r = σ(gx_r + gh_r) */
    float z = sigmoid_f(gx[gxo + k + hid] + gh[gho + k + hid]);              /* z = σ(gx_z + gh_z) */
    float n = tanh(gx[gxo + k + 2 * hid] + r * gh[gho + k + 2 * hid]);       /* n = tanh(gx_n + r⊙gh_n) */
    acts[ao + k] = r; acts[ao + k + hid] = z; acts[ao + k + 2 * hid] = n;
    h[ho + e] = (1.0f - z) * n + z * hPrev[hpo + e];                         /* h = (1−z)⊙n + z⊙h_{t−1} */
}

/*
 * GRU backward from ∂L/∂h_t: dgx = ∂L/∂gx, dgh = ∂L/∂gh, dhPrev = ∂L/∂h_t ⊙ z (the direct path; the caller adds
 * dgh·W_h for the path through the gates).
 */
__kernel void gru_cell_backward(__global const float *acts, int ao, __global const float *gh, int gho,
                                __global const float *hPrev, int hpo, __global const float *dh, int dho,
                                __global float *dgx, int dgxo, __global float *dgh, int dgho,
                                __global float *dhPrev, int dhpo, int batch, int hid) {
    int e = get_global_id(0);
    if (e >= batch * hid) return;
    int b = e / hid, j = e % hid, k = b * 3 * hid + j;
    float r = acts[ao + k], z = acts[ao + k + hid], n = acts[ao + k + 2 * hid];
    float d = dh[dho + e];
    float dan = d * (1.0f - z) * (1.0f - n * n);                             /* ∂L/∂(gx_n + r⊙gh_n) = ∂L/∂h ⊙ (1−z) ⊙ tanh' */
    float daz = d * (hPrev[hpo + e] - n) * z * (1.0f - z);                   /* ∂L/∂a_z = ∂L/∂h ⊙ (h_{t−1} − n) ⊙ σ' */
    float dar = dan * gh[gho + k + 2 * hid] * r * (1.0f - r);                /* ∂L/∂a_r = ∂L/∂a_n ⊙ gh_n ⊙ σ' */
    dgx[dgxo + k] = dar; dgx[dgxo + k + hid] = daz; dgx[dgxo + k + 2 * hid] = dan;
    dgh[dgho + k] = dar; dgh[dgho + k + hid] = daz; dgh[dgho + k + 2 * hid] = dan * r;
    dhPrev[dhpo + e] = d * z;                                                /* direct path ∂h_t/∂h_{t−1} = z */
}
