/*
 * embed.cl — embedding lookups: gather rows of a table [V, D] by index, and the backward, adding gradient rows back
 * into the table. Indices travel as floats holding integers (exact below 2²⁴). OpenCL C 1.2.
 * A bad index (not a whole number in [0, V): NaN, 2.7, −0.5, V) is not silently truncated or clamped: the kernel
 * writes its position to err[eo] (which the host set to NaN), and the host reads the indices back and raises the
 * reference's error for the first bad one.
 */

/* out[r, j] ← table[idx[r], j]; one work-item per output element */
__kernel void gather_rows(__global const float *table, int to, int V, int D, __global const float *idx, int io,
                          __global float *out, int oo, int R, __global float *err, int eo) {
    int e = get_global_id(0);
    if (e >= R * D) return;
    int r = e / D, j = e % D;
    float v = idx[io + r];
    if (!(v >= 0.0f && v < (float) V) || v != floor(v)) {      /* NaN fails v >= 0 */
        err[eo] = (float) r;
        return;
    }
    out[oo + e] = table[to + (int) v * D + j];
}

/*
 * dtable[idx[r], j] += dout[r, j] for every r (negative indices skipped: padding). One work-item per column j
 * walks the rows in order, so a row index that repeats is accumulated without atomics and in the reference's order.
 */
__kernel void scatter_add_rows(__global const float *dout, int doo, __global const float *idx, int io, int R,
                               __global float *dtable, int dto, int V, int D, __global float *err, int eo) {
    int j = get_global_id(0);
    if (j >= D) return;
    for (int r = 0; r < R; r++) {
        float v = idx[io + r];
        if (v < 0.0f && v == floor(v) && !isinf(v)) continue;  /* a negative whole number: padding */
        if (!(v >= 0.0f && v < (float) V) || v != floor(v)) {
            if (j == 0) err[eo] = (float) r;
            continue;
        }
        dtable[dto + (int) v * D + j] += dout[doo + r * D + j];
    }
}
