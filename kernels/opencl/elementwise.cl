/*
 * elementwise.cl — BLAS level-1 ops, the activation functions y = f(net) and their derivatives, PReLU and the
 * dropout mask. OpenCL C 1.2.
 *
 * Conventions shared by every .cl file of Nabla:
 *  - a tensor travels as a (buffer, offset) pair: `x` is the whole device buffer, `xo` the index (in floats) of the
 *    tensor's first element, so a view into a larger buffer needs no sub-buffer;
 *  - one work-item per element unless the kernel says otherwise; `n` is the element count and every kernel returns
 *    early past it, so the host may round the global size up;
 *  - formulas are those of dev.nabla.backend.ReferenceBackend (the executable specification) — the comments quote it.
 */

/* ------------------------------------------------------------------ BLAS level 1 */

/* x ← v */
__kernel void fill(__global float *x, int xo, int n, float v) {
    int i = get_global_id(0);
    if (i < n) x[xo + i] = v;
}

/* dst ← src */
__kernel void copy(__global const float *src, int so, __global float *dst, int d_o, int n) {
    int i = get_global_id(0);
    if (i < n) dst[d_o + i] = src[so + i];
}

/* y ← α·x + y */
__kernel void axpy(float alpha, __global const float *x, int xo, __global float *y, int yo, int n) {
    int i = get_global_id(0);
    if (i < n) y[yo + i] += alpha * x[xo + i];
}

/* x ← α·x */
__kernel void scale(__global float *x, int xo, int n, float alpha) {
    int i = get_global_id(0);
    if (i < n) x[xo + i] *= alpha;
}

/* out ← a ⊙ b (out may alias a or b: each work-item reads its element before writing it) */
__kernel void mul(__global const float *a, int ao, __global const float *b, int bo, __global float *out, int oo, int n) {
    int i = get_global_id(0);
    if (i < n) out[oo + i] = a[ao + i] * b[bo + i];
}

/* ------------------------------------------------------------------ activations (seed 004's table) */

/* The ids of dev.nabla.backend.Activation, in its declaration order (the host passes ordinal()). */
#define ACT_IDENTITY          0
#define ACT_STEP              1
#define ACT_SIGN              2
#define ACT_PIECEWISE_LINEAR  3
#define ACT_SIGMOID           4
#define ACT_TANH              5
#define ACT_RELU              6
#define ACT_SOFTPLUS          7

/* f(net); NaN in, NaN out for every activation (IEEE, as the reference and PyTorch) */
FN float act_apply(int f, float net) {
    if (isnan(net)) return net;
    switch (f) {
        case ACT_IDENTITY:         return net;
        case ACT_STEP:             return net >= 0.0f ? 1.0f : 0.0f;
        case ACT_SIGN:             return net >= 0.0f ? 1.0f : -1.0f;
        case ACT_PIECEWISE_LINEAR: return net <= -0.5f ? 0.0f : (net >= 0.5f ? 1.0f : net + 0.5f);
        case ACT_SIGMOID:          return sigmoid_f(net);
        case ACT_TANH:             return tanh(net);
        case ACT_RELU:             return net > 0.0f ? net : 0.0f;
        case ACT_SOFTPLUS:         return fmax(net, 0.0f) + log1p(exp(-fabs(net)));   /* ln(1 + e^net), stable */
        default:                   return NAN;
    }
}

/* f'(net), given net and y = f(net); NaN where net is NaN (sigmoid and tanh: where y is) */
FN float act_derivative(int f, float net, float y) {
    if (isnan(net) && f != ACT_SIGMOID && f != ACT_TANH) return net;
    switch (f) {
        case ACT_IDENTITY:         return 1.0f;
        case ACT_STEP:
        case ACT_SIGN:             return 0.0f;
        case ACT_PIECEWISE_LINEAR: return (net > -0.5f && net < 0.5f) ? 1.0f : 0.0f;
        case ACT_SIGMOID:          return y * (1.0f - y);        /* σ' = σ(1 − σ) */
        case ACT_TANH:             return 1.0f - y * y;          /* tanh' = 1 − tanh² */
        case ACT_RELU:             return net > 0.0f ? 1.0f : 0.0f;
        case ACT_SOFTPLUS:         return sigmoid_f(net);        /* softplus' = σ */
        default:                   return NAN;
    }
}

/* y ← f(x) (y may alias x) */
__kernel void activation_forward(int f, __global const float *x, int xo, __global float *y, int yo, int n) {
    int i = get_global_id(0);
    if (i < n) y[yo + i] = act_apply(f, x[xo + i]);
}

/* dx ← dy ⊙ f'(x)  (δ = ∂E/∂y ⊙ f'(net); dx may alias dy) */
__kernel void activation_backward(int f, __global const float *x, int xo, __global const float *y, int yo,
                                  __global const float *dy, int dyo, __global float *dx, int dxo, int n) {
    int i = get_global_id(0);
    if (i < n) dx[dxo + i] = dy[dyo + i] * act_derivative(f, x[xo + i], y[yo + i]);
}

/* ------------------------------------------------------------------ PReLU, x read as [outer, C, inner] */

/* y = x if x > 0 else α_c·x with c = (i / inner) % C */
__kernel void prelu_forward(__global const float *x, int xo, __global const float *alpha, int ao, int channels, int inner,
                            __global float *y, int yo, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    float v = x[xo + i];
    y[yo + i] = v > 0.0f ? v : alpha[ao + (i / inner) % channels] * v;
}

/* dx ← dy ⊙ (x > 0 ? 1 : α_c), NaN where x is NaN — the per-channel dα reduction is prelu_alpha_grad in bias.cl */
__kernel void prelu_backward_input(__global const float *x, int xo, __global const float *alpha, int ao, int channels,
                                   int inner, __global const float *dy, int dyo, __global float *dx, int dxo, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    float v = x[xo + i], g = dy[dyo + i];
    dx[dxo + i] = v > 0.0f ? g : (isnan(v) ? v : alpha[ao + (i / inner) % channels] * g);
}

/* ------------------------------------------------------------------ dropout */

/* MurmurHash3's 32-bit finaliser: every input bit avalanches into every output bit. */
FN uint fmix32(uint h) {
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    h ^= h >> 16;
    return h;
}

/*
 * Inverted-dropout mask: mask[i] = keep = 1/(1 − p) if u_i ≥ p else 0, with u_i the counter-based uniform of
 * ReferenceBackend.uniform(seed, i) — the same 32-bit unsigned arithmetic, so the mask matches bit for bit:
 *   h = lo(seed) ^ (i · 0x9E3779B9); h = fmix(h ^ hi(seed)); h = fmix(h); u = (h >> 8) · 2⁻²⁴.
 */
__kernel void dropout_mask(__global float *mask, int mo, int n, float p, float keep, uint seedLo, uint seedHi) {
    int i = get_global_id(0);
    if (i >= n) return;
    uint h = seedLo ^ ((uint) i * 0x9E3779B9u);
    h = fmix32(h ^ seedHi);
    h = fmix32(h);
    float u = (float) (h >> 8) * 0x1.0p-24f;      /* 24 bits: exact in a float */
    mask[mo + i] = u >= p ? keep : 0.0f;
}
