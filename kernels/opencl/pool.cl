/*
 * pool.cl — max and average pooling, forward and backward, over NCHW planes. OpenCL C 1.2.
 * Geometry arguments as in conv.cl. Forward: one work-item per output. Backward: one work-item per input pixel,
 * gathering from the outputs whose windows cover it (in row-major output order, as the reference adds them), so
 * overlapping windows need no atomics and results are deterministic.
 */
#define GEOMETRY int N, int C, int H, int W, int kH, int kW, int sH, int sW, int pH, int pW, int oH, int oW

/* The first output index whose window (size k, stride s, padding p) covers input coordinate i. */
FN int first_window(int i, int k, int s, int p) {
    int num = i + p - k + 1;                      /* o·s − p + k − 1 ≥ i  ⇔  o ≥ (i + p − k + 1)/s */
    return num <= 0 ? 0 : (num + s - 1) / s;
}

/* The last output index (clamped to the output size) whose window covers input coordinate i. */
FN int last_window(int i, int s, int p, int outSize) {
    return min(outSize - 1, (i + p) / s);         /* o·s − p ≤ i */
}

/*
 * y[n, c, oy, ox] = max over the window (padding counts as −∞); argmax[…] = iy·W + ix of the first maximum in
 * row-major window order (stored as a float: exact below 2²⁴). NaN counts as the largest value: the first NaN wins.
 */
__kernel void max_pool_forward(__global const float *x, int xo, __global float *y, int yo, __global float *argmax, int amo,
                               GEOMETRY) {
    int e = get_global_id(0);
    if (e >= N * C * oH * oW) return;
    int ox = e % oW, oy = (e / oW) % oH, p = e / (oW * oH);
    __global const float *plane = x + xo + p * H * W;
    float best = -INFINITY;
    int where = -1;
    for (int ky = 0; ky < kH; ky++) {
        int iy = oy * sH - pH + ky;
        if (iy < 0 || iy >= H) continue;
        for (int kx = 0; kx < kW; kx++) {
            int ix = ox * sW - pW + kx;
            if (ix < 0 || ix >= W) continue;
            float v = plane[iy * W + ix];
            if (where < 0 || v > best || (isnan(v) && !isnan(best))) { best = v; where = iy * W + ix; }
        }
    }
    y[yo + e] = best;
    argmax[amo + e] = (float) where;
}

/*
 * dx[pixel] = Σ dy[o] over the outputs o whose window's arg-max is this pixel. An arg-max that is not a pixel of its
 * own window (not maxPool's output) would route its gradient nowhere: every pixel of that window gets NaN instead,
 * which the trainer's gradient check reports (the host backends throw; a queued kernel cannot).
 */
__kernel void max_pool_backward(__global const float *dy, int dyo, __global const float *argmax, int amo,
                                __global float *dx, int dxo, GEOMETRY) {
    int e = get_global_id(0);
    if (e >= N * C * H * W) return;
    int pixel = e % (H * W), p = e / (H * W), ix = pixel % W, iy = pixel / W;
    float sum = 0.0f;
    for (int oy = first_window(iy, kH, sH, pH); oy <= last_window(iy, sH, pH, oH); oy++)
        for (int ox = first_window(ix, kW, sW, pW); ox <= last_window(ix, sW, pW, oW); ox++) {
            int o = (p * oH + oy) * oW + ox;
            float a = argmax[amo + o];
            int ay = (int) a / W, ax = (int) a % W, y0 = oy * sH - pH, x0 = ox * sW - pW;
            if (!(a >= 0.0f && a < (float) (H * W)) || a != floor(a) || ay < y0 || ay >= y0 + kH || ax < x0 || ax >= x0 + kW)
                sum = NAN;                                          /* not a pixel of o's window */
            else if ((int) a == pixel) sum += dy[dyo + o];
        }
    dx[dxo + e] = sum;
}

/* y = (1 / (kH·kW)) Σ window, padding counted as zeros (PyTorch's count_include_pad = true) */
__kernel void avg_pool_forward(__global const float *x, int xo, __global float *y, int yo, GEOMETRY) {
    int e = get_global_id(0);
    if (e >= N * C * oH * oW) return;
    int ox = e % oW, oy = (e / oW) % oH, p = e / (oW * oH);
    __global const float *plane = x + xo + p * H * W;
    float sum = 0.0f;
    for (int ky = 0; ky < kH; ky++) {
        int iy = oy * sH - pH + ky;
        if (iy < 0 || iy >= H) continue;
        for (int kx = 0; kx < kW; kx++) {
            int ix = ox * sW - pW + kx;
            if (ix >= 0 && ix < W) sum += plane[iy * W + ix];
        }
    }
    y[yo + e] = sum / (float) (kH * kW);
}

/* dx[pixel] = Σ dy[o] / (kH·kW) over every output o whose window covers the pixel */
__kernel void avg_pool_backward(__global const float *dy, int dyo, __global float *dx, int dxo, GEOMETRY) {
    int e = get_global_id(0);
    if (e >= N * C * H * W) return;
    int pixel = e % (H * W), p = e / (H * W), ix = pixel % W, iy = pixel / W;
    float area = (float) (kH * kW), sum = 0.0f;
    for (int oy = first_window(iy, kH, sH, pH); oy <= last_window(iy, sH, pH, oH); oy++)
        for (int ox = first_window(ix, kW, sW, pW); ox <= last_window(ix, sW, pW, oW); ox++)
            sum += dy[dyo + (p * oH + oy) * oW + ox] / area;
    dx[dxo + e] = sum;
}
