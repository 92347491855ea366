package dev.nabla.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision GEMM on row-major arrays: C ← α·op(A)·op(B) + β·C, op(X) = X or Xᵀ.
 * op(A) is m×k, op(B) is k×n, C is m×n; β = 0 ignores C's old contents (even NaN).
 *
 * <p>The classic Goto/BLIS structure, read from the outside in:
 * <ol>
 *   <li>C is split into one block per thread (along its longer side); each thread runs the loops below on its block.
 *   <li>jc: columns of C in strips of {@link #NC}; pc: the k axis in slices of {@link #KC} — op(B)[pc.., jc..] is
 *       packed into micro-panels of {@link #NR} columns (row p of a panel = NR consecutive floats), sized for L2.
 *   <li>ic: rows of C in blocks of {@link #MC} — op(A)[ic.., pc..] is packed into micro-panels of {@link #MR} rows
 *       (column p of a panel = MR consecutive floats).
 *   <li>jr, ir: the micro-kernel computes an MR×NR tile of C in 2·MR vector registers: per p, two vector loads of
 *       B, MR broadcasts of A and 2·MR fused multiply-adds. The B micro-panel (KC·NR floats) stays in L1.
 * </ol>
 * Panels are zero-padded to whole MR/NR, so edges run the same vector kernel into a small tile buffer that is
 * then added into C: no scalar slow path. Packing buffers belong to the thread (no allocation per call).
 */
public final class Sgemm {
    private Sgemm() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Vector width in floats (16 with AVX-512, 8 with AVX2). */
    private static final int V = S.length();
    /** 8-float vectors for packing a transposed A's MR = 8 rows (null where the hardware has no 256-bit vectors). */
    private static final VectorSpecies<Float> S8 = V >= 8 ? FloatVector.SPECIES_256 : null;
    /** Micro-tile: MR rows × NR columns of C held in registers. */
    static final int MR = 8;
    static final int NR = 2 * V;
    /** Cache blocking: KC·NR (B micro-panel) in L1, MC·KC (A block) in L2, KC·NC (B block) in L2/L3. */
    static final int KC = Integer.getInteger("nabla.sgemm.kc", 256);
    static final int MC = roundUp(Integer.getInteger("nabla.sgemm.mc", 128), MR);
    static final int NC = roundUp(Integer.getInteger("nabla.sgemm.nc", 1024), NR);
    /** Below this many multiply-adds (m·n·k) a call runs on the calling thread alone. */
    static final long PARALLEL_MIN = Long.getLong("nabla.sgemm.parallelMin", 160L * 160 * 160);
    /** Threads used by one call (the caller plus a fixed pool): the cores, or -Dnabla.threads. */
    public static final int THREADS = Math.max(1, Integer.getInteger("nabla.threads", Runtime.getRuntime().availableProcessors()));

    private static int roundUp(int x, int to) { return (x + to - 1) / to * to; }

    /** C ← α·op(A)·op(B) + β·C on row-major arrays at the given offsets and leading dimensions (row strides). */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) throw new IllegalArgumentException("sgemm: negative size m=" + m + " n=" + n + " k=" + k);
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f) { // nothing to multiply: C ← β·C
            for (int i = 0; i < m; i++) {
                int ci = cOff + i * ldc;
                for (int j = 0; j < n; j++) c[ci + j] = beta == 0f ? 0f : beta * c[ci + j];
            }
            return;
        }
        if (THREADS > 1 && (long) m * n * k >= PARALLEL_MIN && (Math.max(m / MR, n / NR) >= 2 || k >= 2 * KC)) {
            POOL.run(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        } else {
            blocked(LOCAL.get(), transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    // ------------------------------------------------------------------ one thread's block

    /** Packing buffers and an edge tile, one set per thread. */
    static final class Buffers {
        final float[] ap = new float[MC * KC];
        final float[] bp = new float[KC * NC];
        final float[] tile = new float[MR * NR];
        final int[] idx = new int[V];
    }

    private static final ThreadLocal<Buffers> LOCAL = ThreadLocal.withInitial(Buffers::new);

    static final boolean DIRECT_A = Boolean.parseBoolean(System.getProperty("nabla.sgemm.directA", "true"));
    static final boolean GATHER = Boolean.parseBoolean(System.getProperty("nabla.sgemm.gather", "true"));
    static final boolean DIRECT_B = Boolean.parseBoolean(System.getProperty("nabla.sgemm.directB", "true"));

    /**
     * How many of L1's 64 sets (64-byte lines, 48 KiB 12-way here) the rows of a matrix with row stride ld floats
     * fall into: a stride of a large power of two maps every row to the same few sets, and reading B in place
     * would then thrash L1, so such a B is packed.
     */
    static int l1Sets(int ld) {
        if (ld % 16 != 0) return 64;
        int lines = (ld / 16) % 64;
        if (lines == 0) return 1;
        int g = 64, x = lines;
        while (x != 0) { int t = g % x; g = x; x = t; }
        return 64 / g;
    }

    static final int DIRECT_A_MAX_N = Integer.getInteger("nabla.sgemm.directAMaxN", 4 * NR);
    static final int DIRECT_B_MAX_M = Integer.getInteger("nabla.sgemm.directBMaxM", 64);

    /**
     * Whether op(A) is read in place rather than packed: packing pays when each A panel meets many B panels (wide C)
     * and costs more than it saves on a narrow C. A transposed A with an L1-hostile row stride is always packed.
     */
    static boolean directA(boolean ta, int n, int k, int lda) {
        return DIRECT_A && n <= DIRECT_A_MAX_N && (!ta || Math.min(k, KC) <= 9 * l1Sets(lda));
    }

    /** Whether op(B) is read in place: only untransposed, for a short C (each B panel meets few A panels), L1-friendly stride. */
    static boolean directB(boolean tb, int m, int k, int ldb) {
        return DIRECT_B && !tb && m <= DIRECT_B_MAX_M && 2 * Math.min(k, KC) <= 9 * l1Sets(ldb);
    }

    static void blocked(Buffers buf, boolean ta, boolean tb, int m, int n, int k, float alpha,
                        float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                        float beta, float[] c, int cOff, int ldc) {
        float[] ap = buf.ap, bp = buf.bp, tile = buf.tile;
        boolean directA = directA(ta, n, k, lda), directB = directB(tb, m, k, ldb);
        int ars = directA ? (ta ? 1 : lda) : 1, acs = directA ? (ta ? lda : 1) : MR;
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int ncFull = nc / NR * NR;
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                if (!directB) packB(buf, tb, b, bOff, ldb, pc, jc, kc, nc, bp);
                else if (ncFull < nc) packB(buf, tb, b, bOff, ldb, pc, jc + ncFull, kc, nc - ncFull, bp); // the edge panel only
                float bet = pc == 0 ? beta : 1f; // later k-slices accumulate onto the first one's result
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    int mcFull = mc / MR * MR;
                    if (!directA) packA(ta, a, aOff, lda, ic, pc, mc, kc, ap);
                    else if (mcFull < mc) packA(ta, a, aOff, lda, ic + mcFull, pc, mc - mcFull, kc, ap);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
                        float[] bs; int bo, brs;
                        if (!directB) { bs = bp; bo = jr * kc; brs = NR; }
                        else if (nr == NR) { bs = b; bo = bOff + pc * ldb + jc + jr; brs = ldb; }
                        else { bs = bp; bo = 0; brs = NR; }
                        for (int ir = 0; ir < mc; ir += MR) {
                            int mr = Math.min(MR, mc - ir);
                            float[] as; int ao, rs, cs;
                            if (!directA) { as = ap; ao = ir * kc; rs = 1; cs = MR; }
                            else if (mr == MR) { as = a; ao = ta ? aOff + pc * lda + ic + ir : aOff + (ic + ir) * lda + pc; rs = ars; cs = acs; }
                            else { as = ap; ao = 0; rs = 1; cs = MR; }
                            int ci = cOff + (ic + ir) * ldc + jc + jr;
                            if (mr == MR && nr == NR) {
                                if (cs == MR && brs == NR) kernelP(kc, as, ao, bs, bo, c, ci, ldc, alpha, bet);
                                else kernelS(kc, as, ao, rs, cs, bs, bo, brs, c, ci, ldc, alpha, bet);
                            } else {
                                if (cs == MR && brs == NR) kernelP(kc, as, ao, bs, bo, tile, 0, NR, alpha, 0f);
                                else kernelS(kc, as, ao, rs, cs, bs, bo, brs, tile, 0, NR, alpha, 0f);
                                for (int i = 0; i < mr; i++) {
                                    int row = ci + i * ldc, t = i * NR;
                                    if (bet == 0f) {
                                        for (int j = 0; j < nr; j++) c[row + j] = tile[t + j];
                                    } else {
                                        for (int j = 0; j < nr; j++) c[row + j] = tile[t + j] + bet * c[row + j];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** Packs op(A)[ic .. ic+mc, pc .. pc+kc] into MR-row micro-panels: panel r, column p at r·MR·kc + p·MR + i. */
    static void packA(boolean ta, float[] a, int aOff, int lda, int ic, int pc, int mc, int kc, float[] ap) {
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int dst = ir * kc;
            if (ta) { // op(A)[i, p] = a[p·lda + i]: rows of a are contiguous in i
                int src = aOff + pc * lda + ic + ir;
                if (mr == MR && S8 != null) { // one 8-float vector per column of the panel
                    for (int p = 0; p < kc; p++, src += lda, dst += MR) FloatVector.fromArray(S8, a, src).intoArray(ap, dst);
                } else if (mr == MR) {
                    for (int p = 0; p < kc; p++, src += lda, dst += MR) System.arraycopy(a, src, ap, dst, MR);
                } else {
                    for (int p = 0; p < kc; p++, src += lda, dst += MR) {
                        for (int i = 0; i < mr; i++) ap[dst + i] = a[src + i];
                        for (int i = mr; i < MR; i++) ap[dst + i] = 0f;
                    }
                }
            } else { // op(A)[i, p] = a[i·lda + p]
                int src = aOff + (ic + ir) * lda + pc;
                for (int i = 0; i < mr; i++) {
                    int s = src + i * lda;
                    for (int p = 0; p < kc; p++) ap[dst + p * MR + i] = a[s + p];
                }
                for (int i = mr; i < MR; i++) {
                    for (int p = 0; p < kc; p++) ap[dst + p * MR + i] = 0f;
                }
            }
        }
    }

    /** Packs op(B)[pc .. pc+kc, jc .. jc+nc] into NR-column micro-panels: panel r, row p at r·NR·kc + p·NR + j. */
    static void packB(Buffers buf, boolean tb, float[] b, int bOff, int ldb, int pc, int jc, int kc, int nc, float[] bp) {
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            int dst = jr * kc;
            if (!tb) { // op(B)[p, j] = b[p·ldb + j]: NR contiguous floats per row
                int src = bOff + pc * ldb + jc + jr;
                if (nr == NR) {
                    for (int p = 0; p < kc; p++, src += ldb, dst += NR) {
                        FloatVector.fromArray(S, b, src).intoArray(bp, dst);
                        FloatVector.fromArray(S, b, src + V).intoArray(bp, dst + V);
                    }
                } else {
                    for (int p = 0; p < kc; p++, src += ldb, dst += NR) {
                        for (int j = 0; j < nr; j++) bp[dst + j] = b[src + j];
                        for (int j = nr; j < NR; j++) bp[dst + j] = 0f;
                    }
                }
            } else if (nr == NR && GATHER) { // op(B)[p, j] = b[j·ldb + p]: a transpose, gathered 16 rows at a time
                int[] idx = buf.idx;
                if (idx[1] != ldb) for (int j = 0; j < V; j++) idx[j] = j * ldb;
                int src = bOff + (jc + jr) * ldb + pc, src2 = src + V * ldb;
                for (int p = 0; p < kc; p++, dst += NR) {
                    FloatVector.fromArray(S, b, src + p, idx, 0).intoArray(bp, dst);
                    FloatVector.fromArray(S, b, src2 + p, idx, 0).intoArray(bp, dst + V);
                }
            } else { // op(B)[p, j] = b[j·ldb + p]: a transpose, read along the rows of b
                int src = bOff + (jc + jr) * ldb + pc;
                int j0 = 0;
                if (nr >= V && GATHER) { // the first V columns of a partial panel gathered too
                    int[] idx = buf.idx;
                    if (idx[1] != ldb) for (int j = 0; j < V; j++) idx[j] = j * ldb;
                    for (int p = 0; p < kc; p++) FloatVector.fromArray(S, b, src + p, idx, 0).intoArray(bp, dst + p * NR);
                    j0 = V;
                }
                for (int j = j0; j < nr; j++) {
                    int s = src + j * ldb;
                    for (int p = 0; p < kc; p++) bp[dst + p * NR + j] = b[s + p];
                }
                for (int j = nr; j < NR; j++) {
                    for (int p = 0; p < kc; p++) bp[dst + p * NR + j] = 0f;
                }
            }
        }
    }

    /**
     * The micro-kernel on A and B read in place (strides: A element (r, p) at ao + r·ars + p·acs, B row p at
     * bo + p·brs): tile ← Σ_p A[:, p] ⊗ B[p, :] over kc steps (2·MR vector accumulators, per p two vector loads of B,
     * MR broadcasts of A, 2·MR FMAs), then C[ci + i·ldc + j] ← α·tile[i, j] + β·C[…] (β = 0: C is not read).
     */
    static void kernelS(int kc, float[] a, int ao, int ars, int acs, float[] b, int bo, int brs, float[] c, int ci, int ldc, float alpha, float beta) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        final int o1 = 1 * ars;
        final int o2 = 2 * ars;
        final int o3 = 3 * ars;
        final int o4 = 4 * ars;
        final int o5 = 5 * ars;
        final int o6 = 6 * ars;
        final int o7 = 7 * ars;
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + V);
            FloatVector x;
            x = FloatVector.broadcast(S, a[ao]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ao + o1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ao + o2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ao + o3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ao + o4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ao + o5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[ao + o6]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[ao + o7]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
            ao += acs;
            bo += brs;
        }
        if (alpha != 1f) {
            FloatVector va = FloatVector.broadcast(S, alpha);
            c00 = c00.mul(va); c01 = c01.mul(va);
            c10 = c10.mul(va); c11 = c11.mul(va);
            c20 = c20.mul(va); c21 = c21.mul(va);
            c30 = c30.mul(va); c31 = c31.mul(va);
            c40 = c40.mul(va); c41 = c41.mul(va);
            c50 = c50.mul(va); c51 = c51.mul(va);
            c60 = c60.mul(va); c61 = c61.mul(va);
            c70 = c70.mul(va); c71 = c71.mul(va);
        }
        if (beta == 0f) {
            c00.intoArray(c, ci + 0 * ldc); c01.intoArray(c, ci + 0 * ldc + V);
            c10.intoArray(c, ci + 1 * ldc); c11.intoArray(c, ci + 1 * ldc + V);
            c20.intoArray(c, ci + 2 * ldc); c21.intoArray(c, ci + 2 * ldc + V);
            c30.intoArray(c, ci + 3 * ldc); c31.intoArray(c, ci + 3 * ldc + V);
            c40.intoArray(c, ci + 4 * ldc); c41.intoArray(c, ci + 4 * ldc + V);
            c50.intoArray(c, ci + 5 * ldc); c51.intoArray(c, ci + 5 * ldc + V);
            c60.intoArray(c, ci + 6 * ldc); c61.intoArray(c, ci + 6 * ldc + V);
            c70.intoArray(c, ci + 7 * ldc); c71.intoArray(c, ci + 7 * ldc + V);
        } else {
            FloatVector vb = FloatVector.broadcast(S, beta);
            FloatVector.fromArray(S, c, ci + 0 * ldc).fma(vb, c00).intoArray(c, ci + 0 * ldc);
            FloatVector.fromArray(S, c, ci + 0 * ldc + V).fma(vb, c01).intoArray(c, ci + 0 * ldc + V);
            FloatVector.fromArray(S, c, ci + 1 * ldc).fma(vb, c10).intoArray(c, ci + 1 * ldc);
            FloatVector.fromArray(S, c, ci + 1 * ldc + V).fma(vb, c11).intoArray(c, ci + 1 * ldc + V);
            FloatVector.fromArray(S, c, ci + 2 * ldc).fma(vb, c20).intoArray(c, ci + 2 * ldc);
            FloatVector.fromArray(S, c, ci + 2 * ldc + V).fma(vb, c21).intoArray(c, ci + 2 * ldc + V);
            FloatVector.fromArray(S, c, ci + 3 * ldc).fma(vb, c30).intoArray(c, ci + 3 * ldc);
            FloatVector.fromArray(S, c, ci + 3 * ldc + V).fma(vb, c31).intoArray(c, ci + 3 * ldc + V);
            FloatVector.fromArray(S, c, ci + 4 * ldc).fma(vb, c40).intoArray(c, ci + 4 * ldc);
            FloatVector.fromArray(S, c, ci + 4 * ldc + V).fma(vb, c41).intoArray(c, ci + 4 * ldc + V);
            FloatVector.fromArray(S, c, ci + 5 * ldc).fma(vb, c50).intoArray(c, ci + 5 * ldc);
            FloatVector.fromArray(S, c, ci + 5 * ldc + V).fma(vb, c51).intoArray(c, ci + 5 * ldc + V);
            FloatVector.fromArray(S, c, ci + 6 * ldc).fma(vb, c60).intoArray(c, ci + 6 * ldc);
            FloatVector.fromArray(S, c, ci + 6 * ldc + V).fma(vb, c61).intoArray(c, ci + 6 * ldc + V);
            FloatVector.fromArray(S, c, ci + 7 * ldc).fma(vb, c70).intoArray(c, ci + 7 * ldc);
            FloatVector.fromArray(S, c, ci + 7 * ldc + V).fma(vb, c71).intoArray(c, ci + 7 * ldc + V);
        }
    }

    /** The micro-kernel on packed panels (constant strides MR and NR, so the JIT can hoist the bounds checks). */
    static void kernelP(int kc, float[] a, int ao, float[] b, int bo, float[] c, int ci, int ldc, float alpha, float beta) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S), c10 = FloatVector.zero(S), c11 = FloatVector.zero(S), c20 = FloatVector.zero(S), c21 = FloatVector.zero(S), c30 = FloatVector.zero(S), c31 = FloatVector.zero(S), c40 = FloatVector.zero(S), c41 = FloatVector.zero(S), c50 = FloatVector.zero(S), c51 = FloatVector.zero(S), c60 = FloatVector.zero(S), c61 = FloatVector.zero(S), c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR, ai = ao + p * MR;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + V);
            FloatVector x;
            x = FloatVector.broadcast(S, a[ai + 0]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ai + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ai + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ai + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ai + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ai + 5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[ai + 6]); c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[ai + 7]); c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        if (alpha != 1f) {
            FloatVector va = FloatVector.broadcast(S, alpha);
            c00 = c00.mul(va); c01 = c01.mul(va);
            c10 = c10.mul(va); c11 = c11.mul(va);
            c20 = c20.mul(va); c21 = c21.mul(va);
            c30 = c30.mul(va); c31 = c31.mul(va);
            c40 = c40.mul(va); c41 = c41.mul(va);
            c50 = c50.mul(va); c51 = c51.mul(va);
            c60 = c60.mul(va); c61 = c61.mul(va);
            c70 = c70.mul(va); c71 = c71.mul(va);
        }
        if (beta == 0f) {
            c00.intoArray(c, ci + 0 * ldc); c01.intoArray(c, ci + 0 * ldc + V);
            c10.intoArray(c, ci + 1 * ldc); c11.intoArray(c, ci + 1 * ldc + V);
            c20.intoArray(c, ci + 2 * ldc); c21.intoArray(c, ci + 2 * ldc + V);
            c30.intoArray(c, ci + 3 * ldc); c31.intoArray(c, ci + 3 * ldc + V);
            c40.intoArray(c, ci + 4 * ldc); c41.intoArray(c, ci + 4 * ldc + V);
            c50.intoArray(c, ci + 5 * ldc); c51.intoArray(c, ci + 5 * ldc + V);
            c60.intoArray(c, ci + 6 * ldc); c61.intoArray(c, ci + 6 * ldc + V);
            c70.intoArray(c, ci + 7 * ldc); c71.intoArray(c, ci + 7 * ldc + V);
        } else {
            FloatVector vb = FloatVector.broadcast(S, beta);
            FloatVector.fromArray(S, c, ci + 0 * ldc).fma(vb, c00).intoArray(c, ci + 0 * ldc);
            FloatVector.fromArray(S, c, ci + 0 * ldc + V).fma(vb, c01).intoArray(c, ci + 0 * ldc + V);
            FloatVector.fromArray(S, c, ci + 1 * ldc).fma(vb, c10).intoArray(c, ci + 1 * ldc);
            FloatVector.fromArray(S, c, ci + 1 * ldc + V).fma(vb, c11).intoArray(c, ci + 1 * ldc + V);
            FloatVector.fromArray(S, c, ci + 2 * ldc).fma(vb, c20).intoArray(c, ci + 2 * ldc);
            FloatVector.fromArray(S, c, ci + 2 * ldc + V).fma(vb, c21).intoArray(c, ci + 2 * ldc + V);
            FloatVector.fromArray(S, c, ci + 3 * ldc).fma(vb, c30).intoArray(c, ci + 3 * ldc);
            FloatVector.fromArray(S, c, ci + 3 * ldc + V).fma(vb, c31).intoArray(c, ci + 3 * ldc + V);
            FloatVector.fromArray(S, c, ci + 4 * ldc).fma(vb, c40).intoArray(c, ci + 4 * ldc);
            FloatVector.fromArray(S, c, ci + 4 * ldc + V).fma(vb, c41).intoArray(c, ci + 4 * ldc + V);
            FloatVector.fromArray(S, c, ci + 5 * ldc).fma(vb, c50).intoArray(c, ci + 5 * ldc);
            FloatVector.fromArray(S, c, ci + 5 * ldc + V).fma(vb, c51).intoArray(c, ci + 5 * ldc + V);
            FloatVector.fromArray(S, c, ci + 6 * ldc).fma(vb, c60).intoArray(c, ci + 6 * ldc);
            FloatVector.fromArray(S, c, ci + 6 * ldc + V).fma(vb, c61).intoArray(c, ci + 6 * ldc + V);
            FloatVector.fromArray(S, c, ci + 7 * ldc).fma(vb, c70).intoArray(c, ci + 7 * ldc);
            FloatVector.fromArray(S, c, ci + 7 * ldc + V).fma(vb, c71).intoArray(c, ci + 7 * ldc + V);
        }
    }


    // ------------------------------------------------------------------ the thread pool

    private static final Pool POOL = new Pool(THREADS);
    /** How many calls the pool has run split by rows, by columns and by k (for tests). */
    static final java.util.concurrent.atomic.AtomicLongArray SPLITS = new java.util.concurrent.atomic.AtomicLongArray(3);
    /** Busy-wait this many pause instructions (≈ 10 µs) for the next job before parking: GEMMs of a training step come back to back. */
    static final int SPINS = Integer.getInteger("nabla.sgemm.spins", 200);

    /**
     * A fixed set of THREADS − 1 daemon workers; the calling thread works too. C is cut into chunks that every thread
     * claims one at a time from a shared claim word, so the caller never waits for a worker the OS has not scheduled
     * yet: it takes over the unclaimed chunks and waits only for chunks already being computed. One call at a time
     * uses the pool (a concurrent caller that finds it busy runs single-threaded instead of waiting).
     */
    static final class Pool {
        private static final int BITS = 20;
        private static final long MASK = (1L << BITS) - 1;
        private final Worker[] workers;
        private final ReentrantLock lock = new ReentrantLock();
        /** (job id << 40) | (parts << 20) | next unclaimed chunk: a chunk is claimed by a CAS that also checks the job. */
        private final AtomicLong claim = new AtomicLong();
        private final AtomicInteger completed = new AtomicInteger();
        private long jobId;
        private volatile Thread caller;
        private volatile Throwable failure;
        // the job: written before the claim word is published, stable while any of its chunks is outstanding
        private boolean ta, tb, splitRows, splitK;
        /** Split-k partial results, one per chunk; grown (rarely) to the largest small C seen. */
        private float[][] partials = new float[0][0];
        private int m, n, k, aOff, lda, bOff, ldb, cOff, ldc, chunk;
        private float alpha, beta;
        private float[] a, b, c;

        Pool(int threads) {
            workers = new Worker[threads - 1];
            for (int w = 0; w < workers.length; w++) {
                workers[w] = new Worker(w + 1);
                workers[w].setDaemon(true);
                workers[w].start();
            }
        }

        void run(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                 float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
            if (!lock.tryLock()) {
                blocked(LOCAL.get(), ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
                return;
            }
            try {
                this.ta = ta; this.tb = tb; this.m = m; this.n = n; this.k = k; this.alpha = alpha; this.beta = beta;
                this.a = a; this.aOff = aOff; this.lda = lda; this.b = b; this.bOff = bOff; this.ldb = ldb;
                this.c = c; this.cOff = cOff; this.ldc = ldc;
                // split the longer side of C; several chunks per thread where the split costs no extra packing (the
                // other operand is read in place), else one chunk per thread
                int threads = workers.length + 1;
                // a short k over a wide C: row chunks read B in place and write each row of C front to back (streams
                // the prefetcher follows), where column chunks would write C in short pieces of many rows
                splitRows = m / MR >= n / NR || (k <= 32 && m / MR >= 2 * threads && directB(tb, DIRECT_B_MAX_M, k, ldb));
                splitK = Math.max(m / MR, n / NR) < 2; // a C of one tile or so with a long k: split k, sum the partial Cs
                SPLITS.incrementAndGet(splitK ? 2 : splitRows ? 0 : 1);
                if (splitK) {
                    int parts = Math.min(2 * threads, (k + KC - 1) / KC);
                    chunk = (k + parts - 1) / parts;
                    parts = (k + chunk - 1) / chunk;
                    if (partials.length < parts || partials[0].length < m * n) partials = new float[Math.max(parts, partials.length)][Math.max(m * n, partials.length > 0 ? partials[0].length : 0)];
                    execute(parts);
                    // C ← α·Σ partials + β·C
                    for (int i = 0; i < m; i++) {
                        int ci = cOff + i * ldc, pi = i * n;
                        for (int j = 0; j < n; j++) {
                            float sum = 0f;
                            for (int q = 0; q < parts; q++) sum += partials[q][pi + j];
                            c[ci + j] = alpha * sum + (beta == 0f ? 0f : beta * c[ci + j]);
                        }
                    }
                    return;
                }
                boolean inPlace = splitRows ? directB(tb, Math.min(m, DIRECT_B_MAX_M), k, ldb) : directA(ta, Math.min(n, DIRECT_A_MAX_N), k, lda);
                int units = splitRows ? (m + MR - 1) / MR : (n + NR - 1) / NR;
                int want = Math.min(units, inPlace ? 4 * threads : threads);
                chunk = (units + want - 1) / want * (splitRows ? MR : NR);
                if (inPlace) chunk = Math.min(chunk, splitRows ? DIRECT_B_MAX_M / MR * MR : DIRECT_A_MAX_N / NR * NR); // stay in place
                int parts = splitRows ? (m + chunk - 1) / chunk : (n + chunk - 1) / chunk;
                if (parts > MASK) { chunk = (splitRows ? m : n) / (int) MASK + 1; parts = splitRows ? (m + chunk - 1) / chunk : (n + chunk - 1) / chunk; }
                execute(parts);
            } finally {
                this.a = null; this.b = null; this.c = null;
                lock.unlock();
            }
        }

        /** Publishes the job as {@code parts} chunks, works on it with the workers, returns when every chunk is done. */
        private void execute(int parts) {
            failure = null;
            caller = Thread.currentThread();
            completed.set(0);
            jobId = (jobId + 1) & 0xFFFFFF;
            claim.set(jobId << 40 | (long) parts << BITS); // volatile write: publishes the job fields above
            for (int w = 0; w < Math.min(workers.length, parts - 1); w++) LockSupport.unpark(workers[w]);
            Throwable mine = null;
            try {
                work(LOCAL.get());
            } catch (Throwable e) {
                mine = e;
            }
            for (int spin = 0; completed.get() < parts; spin++) { // the caller has nothing else to do: spin longer
                if (spin < 50 * SPINS) Thread.onSpinWait(); else LockSupport.park(this);
            }
            if (mine == null) mine = failure;
            if (mine instanceof RuntimeException re) throw re;
            if (mine instanceof Error er) throw er;
        }

        /** Claims and computes chunks of the current job until none is left; false if there was none to claim. */
        private boolean work(Buffers buf) {
            boolean any = false;
            while (true) {
                long w = claim.get();
                int parts = (int) (w >>> BITS & MASK), next = (int) (w & MASK);
                if (next >= parts) return any;
                if (!claim.compareAndSet(w, w + 1)) continue;
                any = true;
                try {
                    part(buf, next);
                } catch (Throwable e) {
                    failure = e;
                }
                if (completed.incrementAndGet() == parts) LockSupport.unpark(caller);
            }
        }

        private void part(Buffers buf, int part) {
            int lo = part * chunk;
            if (splitK) { // k-range [lo, lo + chunk) into this chunk's own partial C (α, β applied when summing)
                int kk = Math.min(chunk, k - lo);
                int aStart = ta ? aOff + lo * lda : aOff + lo, bStart = tb ? bOff + lo : bOff + lo * ldb;
                blocked(buf, ta, tb, m, n, kk, 1f, a, aStart, lda, b, bStart, ldb, 0f, partials[part], 0, n);
            } else if (splitRows) {
                int rows = Math.min(chunk, m - lo);
                int aStart = ta ? aOff + lo : aOff + lo * lda;
                blocked(buf, ta, tb, rows, n, k, alpha, a, aStart, lda, b, bOff, ldb, beta, c, cOff + lo * ldc, ldc);
            } else {
                int cols = Math.min(chunk, n - lo);
                int bStart = tb ? bOff + lo * ldb : bOff + lo;
                blocked(buf, ta, tb, m, cols, k, alpha, a, aOff, lda, b, bStart, ldb, beta, c, cOff + lo, ldc);
            }
        }

        /** A worker computes whatever chunks it can claim, spins briefly for the next job, then parks until unparked. */
        private final class Worker extends Thread {
            Worker(int index) {
                super("nabla-sgemm-" + index);
            }

            @Override
            public void run() {
                Buffers buf = new Buffers();
                while (true) {
                    if (work(buf)) continue;
                    for (int spin = 0; ; spin++) {
                        long w = claim.get();
                        if ((w & MASK) < (w >>> BITS & MASK)) break;
                        if (spin < SPINS) Thread.onSpinWait(); else LockSupport.park(this);
                    }
                }
            }
        }
    }
}
