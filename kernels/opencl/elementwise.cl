/*
 * elementwise.cl — BLAS level-1 ops and the dropout mask (the activation functions are in activations.cl).
 * OpenCL C 1.2.
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
