package dev.nabla.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * SGEMM, C ← α·op(A)·op(B) + β·C on row-major arrays, as numbered variants — each step on the road from the
 * definition to the production {@link Sgemm}, kept as code (as llm.c keeps its kernels in {@code dev/cuda/}) rather
 * than as switches in the production class. {@code SgemmVariantsTest} checks every variant against the reference
 * backend's gemm; {@code SgemmVariantsBench} times them side by side ({@code bench/sgemm-variants.sh}). Each is
 * one thread's algorithm; production {@link Sgemm#sgemm} runs variant 5 on each thread's block of C (its split over
 * the pool is measured against OpenBLAS by {@code bench/gemm.sh}).
 *
 * <ol>
 *   <li><b>naive</b>: the definition, i–j–p loops, one float accumulator per element.
 *   <li><b>vector rows</b>: i–p–j, C[i, :] += α·op(A)[i, p]·op(B)[p, :] with vector FMAs along the row (a transposed B
 *       is transposed once first); no blocking, so B streams from memory once per row of C.
 *   <li><b>packed</b>: Goto/BLIS blocking with {@link Sgemm#MR}×{@link Sgemm#NR} register tiles — B packed in KC×NC
 *       blocks of NR-column panels, A in MC×KC blocks of MR-row panels, the 8×32 micro-kernel on the packed panels; a
 *       transposed B packed by scalar loops.
 *   <li><b>packed, gathered</b>: as 3, a transposed B packed by production's {@code Sgemm.packB}: 16 rows at a time by
 *       vector gathers (about 3× a copy instead of a strided scalar loop) until 2026-12-02, since then in 16×16 blocks
 *       transposed in registers (2.3× the gathers for an MLP's [256, 784] W), the gathers left for the last k mod 16.
 *   <li><b>production</b> ({@link Sgemm#blocked}): as 4, plus op(A) read in place (not packed) for a C of at most 4
 *       column panels and op(B) for a C of at most 64 rows, where a packed panel would meet too few others to pay
 *       for its copy (an L1-hostile row stride still packs), and C ← A·Bᵀ with at most MR rows and k ≥ 1024 (LeNet
 *       conv1's ∂W) as 4×4 blocks of dot products along k, with nothing packed.
 * </ol>
 */
public final class SgemmVariants {
    private SgemmVariants() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int V = S.length(), MR = Sgemm.MR, NR = Sgemm.NR, KC = Sgemm.KC, MC = Sgemm.MC, NC = Sgemm.NC;

    /** The variants' names, index = number − 1. */
    public static final String[] NAMES = {"naive", "vector rows", "packed", "packed, gathered", "production"};

    private static final ThreadLocal<Sgemm.Buffers> BUFFERS = ThreadLocal.withInitial(Sgemm.Buffers::new);

    /** Variant {@code v} (1 … {@link #NAMES}.length) of C ← α·op(A)·op(B) + β·C; β = 0 ignores C (even NaN). */
    public static void sgemm(int v, boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                             float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        if (v < 1 || v > NAMES.length) throw new IllegalArgumentException("no SGEMM variant " + v + " (1 … " + NAMES.length + ")");
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) {                             // nothing to multiply: C ← β·C (BLAS)
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) c[cOff + i * ldc + j] = beta == 0f ? 0f : beta * c[cOff + i * ldc + j];
            return;
        }
        switch (v) {
            case 1 -> naive(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            case 2 -> vectorRows(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            case 3 -> packed(false, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            case 4 -> packed(true, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            case 5 -> Sgemm.blocked(BUFFERS.get(), ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            default -> throw new AssertionError(v);
        }
    }

    // ------------------------------------------------------------------ 1: naive

    static void naive(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) {
                    s += (ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p]) * (tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j]);
                }
                int ci = cOff + i * ldc + j;
                c[ci] = alpha * s + (beta == 0f ? 0f : beta * c[ci]);
            }
    }

    // ------------------------------------------------------------------ 2: vector rows

    static void vectorRows(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                           float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        if (tb) {                                                // op(B) = Bᵀ: transpose it once, rows of op(B) contiguous
            float[] bt = new float[k * n];
            for (int j = 0; j < n; j++) for (int p = 0; p < k; p++) bt[p * n + j] = b[bOff + j * ldb + p];
            b = bt; bOff = 0; ldb = n;
        }
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            for (int j = 0; j < n; j += V) {                     // C[i, :] ← β·C[i, :]
                VectorMask<Float> mk = S.indexInRange(j, n);
                (beta == 0f ? FloatVector.zero(S) : FloatVector.fromArray(S, c, ci + j, mk).mul(beta)).intoArray(c, ci + j, mk);
            }
            for (int p = 0; p < k; p++) {                        // C[i, :] += α·op(A)[i, p]·op(B)[p, :]
                FloatVector x = FloatVector.broadcast(S, alpha * (ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p]));
                int bi = bOff + p * ldb, j = 0;
                for (int bound = S.loopBound(n); j < bound; j += V) {
                    x.fma(FloatVector.fromArray(S, b, bi + j), FloatVector.fromArray(S, c, ci + j)).intoArray(c, ci + j);
                }
                if (j < n) {
                    VectorMask<Float> mk = S.indexInRange(j, n);
                    x.fma(FloatVector.fromArray(S, b, bi + j, mk), FloatVector.fromArray(S, c, ci + j, mk)).intoArray(c, ci + j, mk);
                }
            }
        }
    }

    // ------------------------------------------------------------------ 3 and 4: packed

    /** Goto/BLIS with every panel packed; {@code gather}: a transposed B packed by Sgemm.packB (see variant 4 above). */
    static void packed(boolean gather, boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                       float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        Sgemm.Buffers buf = BUFFERS.get();
        float[] ap = buf.ap, bp = buf.bp, tile = buf.tile;
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                if (gather || !tb) Sgemm.packB(buf, tb, b, bOff, ldb, pc, jc, kc, nc, bp, 0);
                else packTransposedB(b, bOff, ldb, pc, jc, kc, nc, bp);
                float bet = pc == 0 ? beta : 1f;                  // later k-slices add onto the first one's result
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    Sgemm.packA(ta, a, aOff, lda, ic, pc, mc, kc, ap);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
                        for (int ir = 0; ir < mc; ir += MR) {
                            int mr = Math.min(MR, mc - ir), ci = cOff + (ic + ir) * ldc + jc + jr;
                            if (mr == MR && nr == NR) {
                                Sgemm.kernelP(kc, ap, ir * kc, bp, jr * kc, c, ci, ldc, alpha, bet);
                                continue;
                            }
                            Sgemm.kernelP(kc, ap, ir * kc, bp, jr * kc, tile, 0, NR, alpha, 0f);   // an edge: tile, then C
                            for (int i = 0; i < mr; i++)
                                for (int j = 0; j < nr; j++) {
                                    int x = ci + i * ldc + j;
                                    c[x] = bet == 0f ? tile[i * NR + j] : tile[i * NR + j] + bet * c[x];
                                }
                        }
                    }
                }
            }
        }
    }

    /** op(B) = Bᵀ[pc .. pc+kc, jc .. jc+nc] into NR-column panels, by scalar loops along the rows of b. */
    static void packTransposedB(float[] b, int bOff, int ldb, int pc, int jc, int kc, int nc, float[] bp) {
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr), dst = jr * kc, src = bOff + (jc + jr) * ldb + pc;
            for (int j = 0; j < NR; j++) {
                int s = src + j * ldb;
                for (int p = 0; p < kc; p++) bp[dst + p * NR + j] = j < nr ? b[s + p] : 0f;
            }
        }
    }
}
