/*
 * optim.cl — the optimizer updates of the lectures' menu, PyTorch's exact formulas, one work-item per parameter.
 * λ is L2 weight decay (g' = g + λw), η the learning rate. OpenCL C 1.2.
 */

/* SGD: if μ ≠ 0: v ← μv + g' (a subnormal v, |v| < 2^-126, becomes 0: Backend.sgdStep), step = Nesterov ? g' + μv : v;
   else step = g';  w ← w − η·step */
__kernel void sgd_step(__global float *w, int wo, __global const float *g, int go, __global float *v, int vo,
                       float lr, float momentum, int nesterov, float weightDecay, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    float gi = g[go + i] + weightDecay * w[wo + i];            /* g' = g + λw */
    float step = gi;
    if (momentum != 0.0f) {
        float vi = momentum * v[vo + i] + gi;                  /* v ← μv + g' */
        if (fabs(vi) < 1.17549435e-38f) vi = 0.0f;             /*   below the smallest normal float: 0 */
        v[vo + i] = vi;
        step = nesterov ? gi + momentum * vi : vi;
    }
    w[wo + i] -= lr * step;                                    /* w ← w − η·step */
}

/* Adagrad: G ← G + g'²;  w ← w − η·g'/(√G + ε) */
__kernel void adagrad_step(__global float *w, int wo, __global const float *g, int go, __global float *sumSq, int so,
                           float lr, float eps, float weightDecay, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    float gi = g[go + i] + weightDecay * w[wo + i];
    float s = sumSq[so + i] + gi * gi;
    sumSq[so + i] = s;
    w[wo + i] -= lr * gi / (sqrt(s) + eps);
}

/* RMSProp: s ← ρs + (1 − ρ)g'²;  w ← w − η·g'/(√s + ε) */
__kernel void rmsprop_step(__global float *w, int wo, __global const float *g, int go, __global float *sqAvg, int so,
                           float lr, float rho, float eps, float weightDecay, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    float gi = g[go + i] + weightDecay * w[wo + i];
    float s = rho * sqAvg[so + i] + (1.0f - rho) * gi * gi;
    sqAvg[so + i] = s;
    w[wo + i] -= lr * gi / (sqrt(s) + eps);
}

/* Adadelta: s ← ρs + (1 − ρ)g'²;  Δ = √(u + ε)/√(s + ε)·g';  u ← ρu + (1 − ρ)Δ²;  w ← w − η·Δ */
__kernel void adadelta_step(__global float *w, int wo, __global const float *g, int go, __global float *sqAvg, int so,
                            __global float *accDelta, int uo, float lr, float rho, float eps, float weightDecay, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    float gi = g[go + i] + weightDecay * w[wo + i];
    float s = rho * sqAvg[so + i] + (1.0f - rho) * gi * gi;
    sqAvg[so + i] = s;
    float u = accDelta[uo + i];
    float delta = sqrt(u + eps) / sqrt(s + eps) * gi;
    accDelta[uo + i] = rho * u + (1.0f - rho) * delta * delta;
    w[wo + i] -= lr * delta;
}

/*
 * Adam at step t: m ← β₁m + (1 − β₁)g';  v ← β₂v + (1 − β₂)g'²;  w ← w − (η/(1 − β₁ᵗ))·m / (√v/√(1 − β₂ᵗ) + ε).
 * The per-step bias corrections come from the host: stepSize = η/(1 − β₁ᵗ), sqrtBc2 = √(1 − β₂ᵗ).
 */
__kernel void adam_step(__global float *w, int wo, __global const float *g, int go, __global float *m, int mo,
                        __global float *v, int vo, float stepSize, float beta1, float beta2, float eps, float weightDecay,
                        float sqrtBc2, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    float gi = g[go + i] + weightDecay * w[wo + i];
    float mi = beta1 * m[mo + i] + (1.0f - beta1) * gi;
    float vi = beta2 * v[vo + i] + (1.0f - beta2) * gi * gi;
    m[mo + i] = mi;
    v[vo + i] = vi;
    w[wo + i] -= stepSize * mi / (sqrt(vi) / sqrtBc2 + eps);
}
