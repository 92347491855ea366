/*
 * embed.cl — embedding lookups: gather rows of a table [V, D] by index, and the backward, adding gradient rows back
 * into the table. Indices travel as floats holding integers (exact below 2²⁴). OpenCL C 1.2.
 * A bad index is not silently clamped: the kernel writes it to err[eo] (which the host set to NaN) and the host
 * raises an IndexOutOfBoundsException naming it.
 */

/* out[r, j] ← table[idx[r], j]; one work-item per output element */
__kernel void gather_rows(__global const float *table, int to, int V, int D, __global const float *idx, int io,
                          __global float *out, int oo, int R, __global float *err, int eo) {
    int e = get_global_id(0);
    if (e >= R * D) return;
    int r = e / D, j = e % D;
    int row = (int) idx[io + r];
    if (row < 0 || row >= V) {
        err[eo] = (float) row;
        return;
    }
    out[oo + e] = table[to + row * D + j];
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
        int row = (int) idx[io + r];
        if (row < 0) continue;
        if (row >= V) {
            if (j == 0) err[eo] = (float) row;
            continue;
        }
        dtable[dto + row * D + j] += dout[doo + r * D + j];
    }
}
