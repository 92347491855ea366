/*
 * activations.cl — the activation functions y = f(net) of seed 004's table and their derivatives, PReLU (forward,
 * ∂x and the per-channel ∂α) and the row-wise softmax with its backward pass. OpenCL C 1.2; the conventions are
 * elementwise.cl's (a tensor is a (buffer, offset) pair, one work-item per element unless a kernel says otherwise,
 * the formulas are dev.nabla.backend.ReferenceBackend's "activations" section).
 */

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

/* dx ← dy ⊙ (x > 0 ? 1 : α_c), NaN where x is NaN — the per-channel dα reduction is prelu_alpha_grad below */
__kernel void prelu_backward_input(__global const float *x, int xo, __global const float *alpha, int ao, int channels,
                                   int inner, __global const float *dy, int dyo, __global float *dx, int dxo, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    float v = x[xo + i], g = dy[dyo + i];
    dx[dxo + i] = v > 0.0f ? g : (isnan(v) ? v : alpha[ao + (i / inner) % channels] * g);
}

/* dα[c] += Σ dy ⊙ x over the elements of channel c where x ≤ 0 or NaN (∂y/∂α = x there); one work-group per channel */
__kernel void prelu_alpha_grad(__global const float *x, int xo, __global const float *dy, int dyo, __global float *dalpha, int dao,
                               int channels, int inner, int outer, SCRATCH_ARG) {
    SCRATCH_DECL;
    int c = get_group_id(0), m = outer * inner;
    float s = 0.0f;
    for (int e = get_local_id(0); e < m; e += get_local_size(0)) {
        int k = ((e / inner) * channels + c) * inner + e % inner;
        float v = x[xo + k];
        if (!(v > 0.0f)) s += dy[dyo + k] * v;
    }
    float total = group_sum(s, scratch);
    if (get_local_id(0) == 0) dalpha[dao + c] += total;
}

/* ------------------------------------------------------------------ softmax, one work-item per row of n */

/* y_j = e^{x_j − max} / Σ_k e^{x_k − max} */
__kernel void softmax_rows(__global const float *x, int xo, __global float *y, int yo, int rows, int n) {
    int r = get_global_id(0);
    if (r >= rows) return;
    __global const float *xr = x + xo + r * n;
    __global float *yr = y + yo + r * n;
    float max = -INFINITY;
    for (int j = 0; j < n; j++) max = fmax(max, xr[j]);
    float sum = 0.0f;
    for (int j = 0; j < n; j++) sum += exp(xr[j] - max);
    for (int j = 0; j < n; j++) yr[j] = exp(xr[j] - max) / sum;
}

/* dx_j = y_j (dy_j − Σ_k dy_k y_k) */
__kernel void softmax_backward_rows(__global const float *y, int yo, __global const float *dy, int dyo,
                                    __global float *dx, int dxo, int rows, int n) {
    int r = get_global_id(0);
    if (r >= rows) return;
    __global const float *yr = y + yo + r * n, *gr = dy + dyo + r * n;
    __global float *xr = dx + dxo + r * n;
    float dot = 0.0f;
    for (int j = 0; j < n; j++) dot += gr[j] * yr[j];
    for (int j = 0; j < n; j++) xr[j] = yr[j] * (gr[j] - dot);
}
