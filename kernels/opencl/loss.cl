/*
 * loss.cl — the losses and metrics that return a number to the host, and the tree reductions
 * that make that number on the device (sums, Σx² for gradient-norm clipping). OpenCL C 1.2.
 *
 * A loss runs in three steps, none of which leaves the device until the end:
 *   1. a per-row (or per-element) kernel writes each row's loss term, whether the row counts (label ≥ 0), and the
 *      unscaled gradient;
 *   2. sum_reduce adds the terms and the counts (two passes: per-work-group partial sums, then one work-group);
 *   3. scale_by_count divides the gradient by the count, reading it from device memory.
 * The host then reads two floats. Rows are one work-item each: class counts are small (10 for MNIST, a few hundred
 * for a character model), and a training step has other kernels to overlap with.
 *
 * Reductions use a work-group of a power-of-two size L (256, or less if the device says so) and a __local scratch
 * of L floats passed by the host.
 */

/* ------------------------------------------------------------------ reductions */

/* out[oo + group] = Σ in[io + i] over the i this work-group strides across (grid-stride loop, then a tree). */
__kernel void sum_reduce(__global const float *in, int io, int n, __global float *out, int oo, SCRATCH_ARG) {
    SCRATCH_DECL;
    float s = 0.0f;
    for (int i = get_global_id(0); i < n; i += get_global_size(0)) s += in[io + i];
    float total = group_sum(s, scratch);
    if (get_local_id(0) == 0) out[oo + get_group_id(0)] = total;
}

/* partials[po + group] = Σ x² over this work-group's share: the first pass of ‖x‖² (sum_reduce finishes it). */
__kernel void sum_squares_partial(__global const float *x, int xo, int n, __global float *partials, int po, SCRATCH_ARG) {
    SCRATCH_DECL;
    float s = 0.0f;
    for (int i = get_global_id(0); i < n; i += get_global_size(0)) {
        float v = x[xo + i];
        s += v * v;
    }
    float total = group_sum(s, scratch);
    if (get_local_id(0) == 0) partials[po + get_group_id(0)] = total;
}

/* g[i] /= result[slot] — the count of rows that took part, computed on the device (0: leave g as it is, all zeros). */
__kernel void scale_by_count(__global float *g, int go, int n, __global const float *result, int slot) {
    int i = get_global_id(0);
    float count = result[slot];
    if (i < n && count > 0.0f) g[go + i] /= count;
}

/* ------------------------------------------------------------------ losses over labelled rows */

/*
 * The class of a row from its label v: −1 for an ignored row (a negative whole number), −2 for a label that is not a
 * class index in [0, n) (not whole, NaN, ±∞, too large) — an error the kernel reports by writing the row to
 * err[eo] — else (int) v.
 */
FN int class_index(float v, int n) {
    if (v < 0.0f) return (v == floor(v) && !isinf(v)) ? -1 : -2;
    if (!(v < (float) n) || v != floor(v)) return -2;          /* NaN fails v < n */
    return (int) v;
}

/*
 * Softmax cross-entropy of row r with label c (ignored if c < 0):
 *   loss_r = −ln softmax(z)_c = ln Σ_k e^{z_k − max} − (z_c − max)      (log-sum-exp, stable)
 *   ∂loss_r/∂z_j = softmax(z)_j − [j = c]                                (divided by the count later)
 * perRow[r] = loss_r, perRow[rows + r] = 1 if the row counts else 0.
 */
__kernel void softmax_xent_rows(__global const float *z, int zo, __global const float *labels, int lo, int rows, int n,
                                int hasGrad, __global float *g, int go, __global float *perRow, __global float *err, int eo) {
    int r = get_global_id(0);
    if (r >= rows) return;
    __global const float *zr = z + zo + r * n;
    int c = class_index(labels[lo + r], n);
    if (c == -2) err[eo] = (float) r;
    if (c < 0) {                                               /* padding row (or a bad label): no loss, no gradient */
        perRow[r] = 0.0f;
        perRow[rows + r] = 0.0f;
        if (hasGrad) for (int j = 0; j < n; j++) g[go + r * n + j] = 0.0f;
        return;
    }
    float max = -INFINITY;
    for (int j = 0; j < n; j++) max = fmax(max, zr[j]);
    float sum = 0.0f;
    for (int j = 0; j < n; j++) sum += exp(zr[j] - max);
    float logSum = log(sum);
    perRow[r] = logSum - (zr[c] - max);
    perRow[rows + r] = 1.0f;
    if (hasGrad) {
        for (int j = 0; j < n; j++) g[go + r * n + j] = exp(zr[j] - max - logSum) - (j == c ? 1.0f : 0.0f);
    }
}

/*
 * Multiclass hinge (seed 002): loss_r = Σ_{j≠c} max(0, Δ + s_j − s_c). Where the margin is violated,
 * ∂/∂s_j = +1 and ∂/∂s_c = −1 (divided by the count later). A NaN margin makes the loss, ∂/∂s_j and ∂/∂s_c NaN.
 */
__kernel void hinge_rows(__global const float *s, int so, __global const float *labels, int lo, int rows, int n,
                         int hasGrad, __global float *g, int go, __global float *perRow, __global float *err, int eo,
                         float margin) {
    int r = get_global_id(0);
    if (r >= rows) return;
    __global const float *sr = s + so + r * n;
    int c = class_index(labels[lo + r], n);
    if (c == -2) err[eo] = (float) r;
    if (hasGrad) for (int j = 0; j < n; j++) g[go + r * n + j] = 0.0f;
    if (c < 0) {
        perRow[r] = 0.0f;
        perRow[rows + r] = 0.0f;
        return;
    }
    float loss = 0.0f, violations = 0.0f;
    int nanRow = 0;
    for (int j = 0; j < n; j++) {
        if (j == c) continue;
        float m = margin + sr[j] - sr[c];                      /* Δ + s_j − s_c */
        if (m > 0.0f) {
            loss += m;
            violations += 1.0f;
            if (hasGrad) g[go + r * n + j] = 1.0f;
        } else if (isnan(m)) {
            loss += m;
            nanRow = 1;
            if (hasGrad) g[go + r * n + j] = NAN;
        }
    }
    if (hasGrad) g[go + r * n + c] = nanRow ? NAN : -violations;
    perRow[r] = loss;
    perRow[rows + r] = 1.0f;
}

/* hits[r] = 1 if the row counts (label ≥ 0) and its arg-max (first on ties, NaN the largest) is the label, else 0. */
__kernel void count_correct_rows(__global const float *s, int so, __global const float *labels, int lo, int rows, int n,
                                 __global float *hits, __global float *err, int eo) {
    int r = get_global_id(0);
    if (r >= rows) return;
    __global const float *sr = s + so + r * n;
    int c = class_index(labels[lo + r], n), best = 0;
    if (c == -2) err[eo] = (float) r;
    for (int j = 1; j < n; j++) if (sr[j] > sr[best] || (isnan(sr[j]) && !isnan(sr[best]))) best = j;
    hits[r] = (c >= 0 && best == c) ? 1.0f : 0.0f;
}

/* ------------------------------------------------------------------ elementwise losses */

/* The ids of dev.nabla.backend.ElementwiseLoss, in declaration order. */
#define LOSS_SQUARED_ERROR        0
#define LOSS_MSE                  1
#define LOSS_L1                   2
#define LOSS_BINARY_CROSS_ENTROPY 3

/*
 * terms[i] = the loss term of element i before the mean (the host divides the sum by n for MSE, L1 and BCE):
 *   SQUARED_ERROR ½(d − y)²          ∂/∂y = y − d
 *   MSE           (d − y)²           ∂/∂y = 2(y − d)/n
 *   L1            |d − y|            ∂/∂y = sign(y − d)/n
 *   BCE           −[d ln y + (1 − d) ln(1 − y)], logs clamped at −100     ∂/∂y = (y − d) / (max(y(1 − y), 1e-12)·n)
 */
__kernel void elementwise_loss(int kind, __global const float *y, int yo, __global const float *t, int to,
                               int hasGrad, __global float *g, int go, __global float *terms, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    float yi = y[yo + i], di = t[to + i], term, grad;
    switch (kind) {
        case LOSS_SQUARED_ERROR: term = 0.5f * (di - yi) * (di - yi); grad = yi - di; break;
        case LOSS_MSE:           term = (di - yi) * (di - yi);        grad = 2.0f * (yi - di) / n; break;
        case LOSS_L1:            term = fabs(di - yi);                grad = (isnan(yi - di) ? yi - di : sign(yi - di)) / n; break;
        case LOSS_BINARY_CROSS_ENTROPY: {
            float logY = log(yi), log1mY = log(1.0f - yi);     /* clamped at −100; NaN stays NaN (fmax would drop it) */
            if (logY < -100.0f) logY = -100.0f;
            if (log1mY < -100.0f) log1mY = -100.0f;
            term = -(di * logY + (1.0f - di) * log1mY);
            grad = (yi - di) / (fmax(yi * (1.0f - yi), 1e-12f) * n);
            break;
        }
        default: term = NAN; grad = NAN;
    }
    terms[i] = term;
    if (hasGrad) g[go + i] = grad;
}
