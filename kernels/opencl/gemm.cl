/*
 * gemm.cl — tiled single-precision matrix multiply, C ← α·op(A)·op(B) + β·C, row-major, op(X) = X or Xᵀ.
 * OpenCL C 1.2 (the newest that NVIDIA's driver compiles).
 *
 * op(A) is M×K, op(B) is K×N, C is M×N. Stored layouts (row-major, no padding, leading dimension = last extent):
 *   A: transA ? [K][M] : [M][K]        B: transB ? [N][K] : [K][N]        C: [M][N]
 *
 * The road taken (siboehm's / Cedric Nugteren's worklog, steps 1–4):
 *  1. Coalescing: neighbouring work-items (get_local_id(0)) own neighbouring columns of C, so their loads of B and
 *     stores of C touch consecutive addresses.
 *  2. Local-memory tiles: a work-group computes a TS_M×TS_N = 64×64 block of C. For each step of TS_K = 16 along K
 *     it stages a 64×16 tile of op(A) and a 16×64 tile of op(B) in local memory; every staged value is then read
 *     64 times from local memory instead of from global memory.
 *  3. Register blocking: the work-group is 16×16 = 256 work-items and each computes WPT_M×WPT_N = 4×4 outputs,
 *     held in 16 private accumulators. Per k it loads 4 values of A and 4 of B from local memory into registers and
 *     does 16 FMAs: 2 local loads per FMA become 0.5.
 *     Outputs are strided (rows ty, ty+16, ty+32, ty+48; likewise columns) rather than contiguous, so that at every
 *     step the 16 work-items of a row of the work-group read 16 consecutive local words — no bank conflicts.
 *  4. Vector loads: each work-item fetches exactly one float4 of A and one float4 of B per K-step
 *     (256 work-items × 4 = 1024 = 64×16 floats per tile). The four floats lie along the stored rows
 *     (contiguous in global memory) whatever the transposes; vload4 is used when all four are inside the matrix,
 *     scalar loads with zero fill at the ragged edges (M, N or K not a multiple of the tile).
 *
 * Why these sizes (the defaults): 64×64×16 needs 2·64·16·4 B = 8 KiB of local memory (fits every GPU's 32–48 KiB
 * with room for several resident work-groups), 256 work-items is a multiple of both NVIDIA's warp (32) and AMD's
 * wavefront (64), and 16 accumulators plus 8 operands stay well inside the register file without spilling.
 * The tile is a build option (-D TS_M=… -D TS_N=… -D TS_K=…; the host takes -Dnabla.opencl.gemmTile=MxNxK) so a GPU
 * can be tuned without editing this file: 128×128×8 gives each work-item an 8×8 block (64 accumulators, 4 local
 * loads per 64 FMAs), the next step on siboehm's road; double buffering would follow. Measured in bench/, not guessed.
 * Constraints: TS_M and TS_N multiples of 64 would be natural, the code needs only multiples of 16 (the work-group
 * side) and of 4 (float4 staging), and TS_K a multiple of 4.
 *
 * The transposes are runtime flags: the branch is uniform over the work-group and taken only while staging a tile,
 * so one readable kernel serves all four cases.
 *
 * Split-K: a weight gradient such as ∂E/∂W = δ·colsᵀ of a first convolution is 6×25 with K = N·H·W in the tens of
 * thousands — one tile of C, so one work-group would walk all of K while the rest of the device idles. The host then
 * launches S slices along the third grid dimension: slice z multiplies K-range [z·kChunk, (z+1)·kChunk) into its own
 * M×N plane of a workspace, and sgemm_reduce_splits adds the S planes in order (deterministic, no atomics) and applies
 * α and β. With S = 1 (the usual case) the kernel writes C directly.
 */

#ifndef TS_M
#define TS_M  64     /* rows of C per work-group */
#endif
#ifndef TS_N
#define TS_N  64     /* columns of C per work-group */
#endif
#ifndef TS_K
#define TS_K  16     /* depth of a staged tile */
#endif
#define RTS_M 16     /* work-items along M (local size 1) */
#define RTS_N 16     /* work-items along N (local size 0) */
#define THREADS (RTS_M * RTS_N)
#define WPT_M (TS_M / RTS_M)   /* outputs per work-item along M: 4 by default */
#define WPT_N (TS_N / RTS_N)   /* outputs per work-item along N: 4 by default */

/* Helpers and the split-K epilogue, once per program (kernels/cuda/gemm.cu builds sgemm again with other tiles). */
#ifndef NABLA_GEMM_ONCE
#define NABLA_GEMM_ONCE

/* Loads 4 consecutive floats p[0..3] of which only the first `valid` (0..4) exist; the rest read as 0. */
FN float4 load4(__global const float *p, int valid) {
    if (valid >= 4) return vload4(0, p);
    float4 v = FLOAT4(0.0f, 0.0f, 0.0f, 0.0f);
    if (valid > 0) v.x = p[0];
    if (valid > 1) v.y = p[1];
    if (valid > 2) v.z = p[2];
    return v;
}

/* Split-K epilogue: C[i] ← α·Σ_z partial[z][i] + β·C[i] over the S slices, in slice order; one work-item per element. */
__kernel void sgemm_reduce_splits(__global const float *partial, int S, int MN, __global float *C, int co,
                                  float alpha, float beta) {
    int i = get_global_id(0);
    if (i >= MN) return;
    float sum = 0.0f;
    for (int z = 0; z < S; z++) sum += partial[z * MN + i];
    __global float *c = C + co + i;
    *c = beta == 0.0f ? alpha * sum : alpha * sum + beta * *c;
}
#endif

__kernel WORK_GROUP(RTS_N, RTS_M, 1)
void sgemm(int M, int N, int K, float alpha, float beta, int transA, int transB,
           __global const float *A, int ao, __global const float *B, int bo, __global float *C, int co,
           int kChunk, __global float *partial) {
    const int tx = get_local_id(0);            /* 0..15, along N */
    const int ty = get_local_id(1);            /* 0..15, along M */
    const int t = ty * RTS_N + tx;             /* 0..255, the work-item's rank for staging tiles */
    const int m0 = get_group_id(1) * TS_M;     /* first row of this work-group's block of C */
    const int n0 = get_group_id(0) * TS_N;     /* first column */
    const int kBegin = get_group_id(2) * kChunk;   /* this slice's range of K (all of K without split-K) */
    const int kEnd = min(K, kBegin + kChunk);

    /* Asub[k][i] = op(A)[m0 + i][k0 + k],  Bsub[k][j] = op(B)[k0 + k][n0 + j] */
    __local float Asub[TS_K][TS_M];
    __local float Bsub[TS_K][TS_N];

    float acc[WPT_M][WPT_N];
    for (int wm = 0; wm < WPT_M; wm++)
        for (int wn = 0; wn < WPT_N; wn++) acc[wm][wn] = 0.0f;

    for (int k0 = kBegin; k0 < kEnd; k0 += TS_K) {
        /* ---- stage op(A)'s TS_M×TS_K tile as float4s along A's stored rows: float4 number q = t, t + 256, …
           (exactly one per work-item with the default 64×16 tile) */
        for (int q = t; q < TS_M * TS_K / 4; q += THREADS) {
            if (!transA) {                     /* A is [M][K]: 4 consecutive k of row i */
                int i = q / (TS_K / 4), k = (q % (TS_K / 4)) * 4;
                int gi = m0 + i, gk = k0 + k;
                float4 v = gi < M ? load4(A + ao + gi * K + gk, kEnd - gk) : FLOAT4(0.0f, 0.0f, 0.0f, 0.0f);
                Asub[k][i] = v.x; Asub[k + 1][i] = v.y; Asub[k + 2][i] = v.z; Asub[k + 3][i] = v.w;
            } else {                           /* A is [K][M]: 4 consecutive i of row k */
                int k = q / (TS_M / 4), i = (q % (TS_M / 4)) * 4;
                int gi = m0 + i, gk = k0 + k;
                float4 v = gk < kEnd ? load4(A + ao + gk * M + gi, M - gi) : FLOAT4(0.0f, 0.0f, 0.0f, 0.0f);
                Asub[k][i] = v.x; Asub[k][i + 1] = v.y; Asub[k][i + 2] = v.z; Asub[k][i + 3] = v.w;
            }
        }
        /* ---- stage op(B)'s TS_K×TS_N tile the same way */
        for (int q = t; q < TS_K * TS_N / 4; q += THREADS) {
            if (!transB) {                     /* B is [K][N]: 4 consecutive j of row k */
                int k = q / (TS_N / 4), j = (q % (TS_N / 4)) * 4;
                int gk = k0 + k, gj = n0 + j;
                float4 v = gk < kEnd ? load4(B + bo + gk * N + gj, N - gj) : FLOAT4(0.0f, 0.0f, 0.0f, 0.0f);
                Bsub[k][j] = v.x; Bsub[k][j + 1] = v.y; Bsub[k][j + 2] = v.z; Bsub[k][j + 3] = v.w;
            } else {                           /* B is [N][K]: 4 consecutive k of row j */
                int j = q / (TS_K / 4), k = (q % (TS_K / 4)) * 4;
                int gk = k0 + k, gj = n0 + j;
                float4 v = gj < N ? load4(B + bo + gj * K + gk, kEnd - gk) : FLOAT4(0.0f, 0.0f, 0.0f, 0.0f);
                Bsub[k][j] = v.x; Bsub[k + 1][j] = v.y; Bsub[k + 2][j] = v.z; Bsub[k + 3][j] = v.w;
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);

        /* ---- TS_K rank-1 updates of the WPT_M×WPT_N register block (zero-filled edges add nothing) */
        for (int k = 0; k < TS_K; k++) {
            float a[WPT_M], b[WPT_N];
            for (int wm = 0; wm < WPT_M; wm++) a[wm] = Asub[k][ty + wm * RTS_M];
            for (int wn = 0; wn < WPT_N; wn++) b[wn] = Bsub[k][tx + wn * RTS_N];
            for (int wm = 0; wm < WPT_M; wm++)
                for (int wn = 0; wn < WPT_N; wn++) acc[wm][wn] = fma(a[wm], b[wn], acc[wm][wn]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);          /* before the next tile overwrites Asub/Bsub */
    }

    /* ---- C ← α·acc + β·C (β = 0 ignores C's old contents, even NaN); with split-K, the raw sum to this slice's plane */
    const bool split = get_num_groups(2) > 1;
    for (int wm = 0; wm < WPT_M; wm++) {
        int gi = m0 + ty + wm * RTS_M;
        if (gi >= M) continue;
        for (int wn = 0; wn < WPT_N; wn++) {
            int gj = n0 + tx + wn * RTS_N;
            if (gj >= N) continue;
            if (split) {
                partial[(get_group_id(2) * M + gi) * N + gj] = acc[wm][wn];
            } else {
                __global float *c = C + co + gi * N + gj;
                *c = beta == 0.0f ? alpha * acc[wm][wn] : alpha * acc[wm][wn] + beta * *c;
            }
        }
    }
}
