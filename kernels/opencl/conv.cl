/*
 * conv.cl — im2col and its adjoint col2im: a convolution becomes one GEMM (seed 002: each output pixel is the dot
 * product of a filter with the patch under it; unfolding every patch into a column makes all of them one matrix
 * product W·cols). OpenCL C 1.2.
 *
 * The geometry arguments, in this order for every kernel here and in pool.cl:
 *   N, C, H, W      batch, channels, input height and width (NCHW layout)
 *   kH, kW          kernel (window) size
 *   sH, sW, pH, pW  stride and zero padding
 *   oH, oW          output size ⌊(H − kH + 2pH)/sH⌋ + 1, ⌊(W − kW + 2pW)/sW⌋ + 1 (computed once on the host)
 */
#define GEOMETRY int N, int C, int H, int W, int kH, int kW, int sH, int sW, int pH, int pW, int oH, int oW

/*
 * cols[(c·kH + ky)·kW + kx, (n·oH + oy)·oW + ox] = x[n, c, oy·sH − pH + ky, ox·sW − pW + kx]  (0 in the padding).
 * One work-item per entry of cols [C·kH·kW, N·oH·oW]; neighbouring work-items fill neighbouring columns.
 */
__kernel void im2col(__global const float *x, int xo, __global float *cols, int co, GEOMETRY) {
    int e = get_global_id(0), ncols = N * oH * oW;
    if (e >= C * kH * kW * ncols) return;
    int row = e / ncols, col = e % ncols;
    int kx = row % kW, ky = (row / kW) % kH, c = row / (kW * kH);
    int ox = col % oW, oy = (col / oW) % oH, n = col / (oW * oH);
    int iy = oy * sH - pH + ky, ix = ox * sW - pW + kx;
    bool inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
    cols[co + e] = inside ? x[xo + ((n * C + c) * H + iy) * W + ix] : 0.0f;
}

/*
 * The adjoint of im2col: dx[n, c, iy, ix] = Σ of every column entry that was copied from that pixel.
 * Gathered, not scattered: one work-item per input pixel visits the (ky, kx) whose window position lands on it,
 * in the reference's order, so overlapping windows need no atomics and the sum is the reference's, bit for bit.
 */
__kernel void col2im(__global const float *cols, int co, __global float *dx, int dxo, GEOMETRY) {
    int e = get_global_id(0);
    if (e >= N * C * H * W) return;
    int ix = e % W, iy = (e / W) % H, c = (e / (W * H)) % C, n = e / (W * H * C);
    int ncols = N * oH * oW;
    float sum = 0.0f;
    for (int ky = 0; ky < kH; ky++) {
        int ty = iy + pH - ky;                                 /* = oy·sH for the window that puts ky on iy */
        if (ty < 0 || ty % sH != 0 || ty / sH >= oH) continue;
        int oy = ty / sH;
        for (int kx = 0; kx < kW; kx++) {
            int tx = ix + pW - kx;
            if (tx < 0 || tx % sW != 0 || tx / sW >= oW) continue;
            int ox = tx / sW;
            int row = (c * kH + ky) * kW + kx, col = (n * oH + oy) * oW + ox;
            sum += cols[co + row * ncols + col];
        }
    }
    dx[dxo + e] = sum;
}
