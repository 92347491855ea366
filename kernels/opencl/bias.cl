/*
 * bias.cl — bias add, the per-channel reduction that is its backward (∂E/∂b = Σ δ), and the axis swap that turns a convolution's GEMM output [C, N·H·W] into NCHW. OpenCL C 1.2.
 *
 * A tensor x is read as [outer, C, inner]: inner = 1 for a dense layer's [batch, C], inner = H·W for a
 * convolution's [N, C, H, W]. Element e belongs to channel (e / inner) % C.
 *
 * sum_bias gives each channel one work-group of L work-items (L a power of two ≤ 256, chosen by the host):
 * the work-items stride over the channel's outer·inner elements, then add up their partial sums in a tree in
 * local memory. No atomics, so the result is the same on every run.
 */

/* x[o, c, i] += b[c]  (net = W·x + b) */
__kernel void add_bias(__global float *x, int xo, __global const float *b, int bo, int channels, int inner, int n) {
    int e = get_global_id(0);
    if (e < n) x[xo + e] += b[bo + (e / inner) % channels];
}

/* db[c] ← β·db[c] + Σ_{o,i} dy[o, c, i]  (∂E/∂b = Σ δ over the batch and the pixels); one work-group per channel */
__kernel void sum_bias(__global const float *dy, int dyo, __global float *db, int dbo, int channels, int inner, int outer,
                       float beta, SCRATCH_ARG) {
    SCRATCH_DECL;
    int c = get_group_id(0), m = outer * inner;
    float s = 0.0f;
    for (int e = get_local_id(0); e < m; e += get_local_size(0)) {
        int o = e / inner, i = e % inner;
        s += dy[dyo + (o * channels + c) * inner + i];
    }
    float total = group_sum(s, scratch);
    if (get_local_id(0) == 0) db[dbo + c] = beta == 0.0f ? total : total + beta * db[dbo + c];
}

/* y[b, a, s] ← x[a, b, s] for x read as [A, B, S]; one work-item per element, reads coalesced */
__kernel void swap_axes01(__global const float *x, int xo, __global float *y, int yo, int A, int B, int S) {
    int e = get_global_id(0);
    if (e >= A * B * S) return;
    int a = e / (B * S), b = (e / S) % B, s = e % S;
    y[yo + (b * A + a) * S + s] = x[xo + e];
}
