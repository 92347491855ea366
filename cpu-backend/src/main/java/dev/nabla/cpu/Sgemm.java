package dev.nabla.cpu;

import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision GEMM on row-major arrays: C ← α·op(A)·op(B) + β·C, op(X) = X or Xᵀ.
 * op(A) is m×k, op(B) is k×n, C is m×n; β = 0 ignores C's old contents (even NaN).
 * The gemm family of the CPU backend (kernels/opencl/gemm.cl; the reference's "gemm" section), named for the BLAS
 * routine it implements.
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
 *
 * <p>Two shortcuts where packing does not pay: an operand is read in place when C is narrow (op(A)) or short (op(B))
 * enough that its panels meet few others ({@link #directA}, {@link #directB}), and C ← A·Bᵀ with a few rows and a long
 * k runs as dot products ({@link #dots}). And one operand packed once for many products ({@link #pack},
 * {@link #packed}: MKL's cblas_sgemm_pack and cblas_sgemm_compute), for the recurrent layers' W_h, which all T steps
 * multiply. This is variant 5 of the numbered variants in the bench module
 * ({@code dev.nabla.cpu.SgemmVariants}: 1 naive, 2 vector rows, 3 packed, 4 packed with packB's transposes, 5 this);
 * each is tested against the reference there and timed by one harness ({@code bench/sgemm-variants.sh}). The
 * blocking constants are this machine's measured best, not switches.
 */
public final class Sgemm {
    private Sgemm() {}

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Vector width in floats (16 with AVX-512, 8 with AVX2). */
    private static final int V = S.length();
    /** Micro-tile: MR rows × NR columns of C held in registers. */
    static final int MR = 8;
    static final int NR = 2 * V;
    /** Cache blocking: KC·NR (B micro-panel) in L1, MC·KC (A block) in L2, KC·NC (B block) in L2/L3. */
    static final int KC = 256, MC = 128, NC = 1024;
    /**
     * Below this many multiply-adds (m·n·k) a call runs on the calling thread alone. 100³: an RNN's recurrent step
     * (32×256×256, ≈ 40 µs on one core) gains from both cores now that the pool's workers spin between ops
     * (rnn-tanh training: 160k → 210–225k tokens/s); at 160³ it ran on one.
     */
    static final long PARALLEL_MIN = 100L * 100 * 100;
    /** Threads used by one call (the caller plus {@link Parallel}'s workers): the cores, or -Dnabla.threads. */
    public static final int THREADS = Parallel.THREADS;


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
        /** The dot-product path's 16 accumulators and their 16 sums. */
        final float[] acc = new float[17 * V];
        final int[] idx = new int[V];
    }

    static final ThreadLocal<Buffers> LOCAL = ThreadLocal.withInitial(Buffers::new);

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

    /** The widest C (4 column panels) whose op(A) is read in place, and the tallest (8 row panels) whose op(B) is. */
    static final int DIRECT_A_MAX_N = 4 * NR, DIRECT_B_MAX_M = 64;

    /**
     * Whether op(A) is read in place rather than packed: packing pays when each A panel meets many B panels (wide C)
     * and costs more than it saves on a narrow C. A transposed A with an L1-hostile row stride is always packed.
     */
    static boolean directA(boolean ta, int n, int k, int lda) {
        return n <= DIRECT_A_MAX_N && (!ta || Math.min(k, KC) <= 9 * l1Sets(lda));
    }

    /**
     * Whether op(B) is read in place: only untransposed, for a short C (each B panel meets few A panels). Up to 4 row
     * panels read B in place even at an L1-hostile stride (its rows then come from L2, which keeps up): packing
     * would copy all of B for at most 4 uses, e.g. an LSTM's recurrent step δ·W_hh, 32×256×1024, ran at 180 instead
     * of 113 GFLOP/s (one thread). With 5–8 panels such a B is packed (64×256×128: 123 packed, 111 in place).
     */
    static boolean directB(boolean tb, int m, int k, int ldb) {
        return !tb && m <= DIRECT_B_MAX_M && (m <= 4 * MR || 2 * Math.min(k, KC) <= 9 * l1Sets(ldb));
    }

    static void blocked(Buffers buf, boolean ta, boolean tb, int m, int n, int k, float alpha,
                        float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                        float beta, float[] c, int cOff, int ldc) {
        if (dots(ta, tb, m, k)) {
            dotNT(buf, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        if (narrow(ta, m, n, lda)) {
            narrowBlocked(buf, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        float[] ap = buf.ap, bp = buf.bp, tile = buf.tile;
        boolean directA = directA(ta, n, k, lda), directB = directB(tb, m, k, ldb);
        int ars = directA ? (ta ? 1 : lda) : 1, acs = directA ? (ta ? lda : 1) : MR;
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int ncFull = nc / NR * NR;
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                if (!directB) packB(buf, tb, b, bOff, ldb, pc, jc, kc, nc, bp, 0);
                else if (ncFull < nc) packB(buf, tb, b, bOff, ldb, pc, jc + ncFull, kc, nc - ncFull, bp, 0); // the edge panel only
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
                                storeTile(tile, mr, nr, bet, c, ci, ldc);
                            }
                        }
                    }
                }
            }
        }
    }

    /** Rows of C in one micro-tile of the narrow path ({@link #narrow}): 16 rows × one vector. */
    static final int NARROW_MR = 16;

    /**
     * Whether C is at most one vector wide (n ≤ V) and tall enough for 16-row tiles: the MR×NR tile would waste half its
     * registers or more on zero columns (a convolution's ∂Wᵀ with 16 output channels, a classifier's 10 outputs), so C
     * runs in tiles of 16 rows × one vector instead, op(A) read in place — unless its 16 row streams would share one L1
     * set ({@link #l1Sets}). Each element is the same sums in the same order as the edge tiles it replaces: the same bits.
     */
    static boolean narrow(boolean ta, int m, int n, int lda) {
        return n <= V && m >= NARROW_MR && (ta || l1Sets(lda) > 1);
    }

    /**
     * The narrow path on one thread: per k-slice op(B) packed as kc rows of V floats (lanes ≥ n zero), then
     * {@link #kernelN} on every 16 rows, the last m mod 16 as a tile of their own.
     */
    private static void narrowBlocked(Buffers buf, boolean ta, boolean tb, int m, int n, int k, float alpha,
                                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                      float beta, float[] c, int cOff, int ldc) {
        int ars = ta ? 1 : lda, acs = ta ? lda : 1;
        float[] bp = buf.bp;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            if (n < V) Arrays.fill(bp, 0, kc * V, 0f);
            for (int j = 0; j < n; j++)
                for (int p = 0; p < kc; p++) bp[p * V + j] = tb ? b[bOff + j * ldb + pc + p] : b[bOff + (pc + p) * ldb + j];
            float bet = pc == 0 ? beta : 1f;                   // later k-slices accumulate onto the first one's result
            for (int i = 0; i < m; i += NARROW_MR) {
                kernelN(kc, Math.min(NARROW_MR, m - i), a, ta ? aOff + pc * lda + i : aOff + i * lda + pc, ars, acs, bp,
                        buf.tile, c, cOff + i * ldc, ldc, n, alpha, bet);
            }
        }
    }

    /**
     * The narrow micro-kernel: mr ≤ 16 rows × one vector of C (A element (r, p) at ao + r·ars + p·acs, B row p at
     * bp[p·V]): tile ← Σ_p A[:, p] ⊗ B[p, :] (16 accumulators; per p one vector load of B, 16 broadcasts of A, 16
     * FMAs — rows past mr repeat row mr − 1 and are not stored), then row by row C ← α·tile + β·C as
     * {@link #storeTile} does for the edge tiles (a multiply and an add, not an FMA). The 16 broadcasts bound it: about
     * one FMA per cycle, against the MR×NR kernel's two (3.2 µs for 144×16×100, one thread, 2-core Zen 5, 2026-12-02).
     */
    static void kernelN(int kc, int mr, float[] a, int ao, int ars, int acs, float[] bp, float[] tile, float[] c, int ci,
                        int ldc, int n, float alpha, float beta) {
        int last = mr - 1, o1 = Math.min(1, last) * ars, o2 = Math.min(2, last) * ars, o3 = Math.min(3, last) * ars,
                o4 = Math.min(4, last) * ars, o5 = Math.min(5, last) * ars, o6 = Math.min(6, last) * ars,
                o7 = Math.min(7, last) * ars, o8 = Math.min(8, last) * ars, o9 = Math.min(9, last) * ars,
                o10 = Math.min(10, last) * ars, o11 = Math.min(11, last) * ars, o12 = Math.min(12, last) * ars,
                o13 = Math.min(13, last) * ars, o14 = Math.min(14, last) * ars, o15 = Math.min(15, last) * ars;
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0,
                c8 = c0, c9 = c0, c10 = c0, c11 = c0, c12 = c0, c13 = c0, c14 = c0, c15 = c0;
        for (int p = 0; p < kc; p++, ao += acs) {
            FloatVector x = FloatVector.fromArray(S, bp, p * V);
            c0 = FloatVector.broadcast(S, a[ao]).fma(x, c0);
            c1 = FloatVector.broadcast(S, a[ao + o1]).fma(x, c1);
            c2 = FloatVector.broadcast(S, a[ao + o2]).fma(x, c2);
            c3 = FloatVector.broadcast(S, a[ao + o3]).fma(x, c3);
            c4 = FloatVector.broadcast(S, a[ao + o4]).fma(x, c4);
            c5 = FloatVector.broadcast(S, a[ao + o5]).fma(x, c5);
            c6 = FloatVector.broadcast(S, a[ao + o6]).fma(x, c6);
            c7 = FloatVector.broadcast(S, a[ao + o7]).fma(x, c7);
            c8 = FloatVector.broadcast(S, a[ao + o8]).fma(x, c8);
            c9 = FloatVector.broadcast(S, a[ao + o9]).fma(x, c9);
            c10 = FloatVector.broadcast(S, a[ao + o10]).fma(x, c10);
            c11 = FloatVector.broadcast(S, a[ao + o11]).fma(x, c11);
            c12 = FloatVector.broadcast(S, a[ao + o12]).fma(x, c12);
            c13 = FloatVector.broadcast(S, a[ao + o13]).fma(x, c13);
            c14 = FloatVector.broadcast(S, a[ao + o14]).fma(x, c14);
            c15 = FloatVector.broadcast(S, a[ao + o15]).fma(x, c15);
        }
        // the 16 rows through the tile buffer (vectors handed to a method were boxed), then α, β and the store per row
        c0.intoArray(tile, 0); c1.intoArray(tile, V); c2.intoArray(tile, 2 * V); c3.intoArray(tile, 3 * V);
        c4.intoArray(tile, 4 * V); c5.intoArray(tile, 5 * V); c6.intoArray(tile, 6 * V); c7.intoArray(tile, 7 * V);
        c8.intoArray(tile, 8 * V); c9.intoArray(tile, 9 * V); c10.intoArray(tile, 10 * V); c11.intoArray(tile, 11 * V);
        c12.intoArray(tile, 12 * V); c13.intoArray(tile, 13 * V); c14.intoArray(tile, 14 * V); c15.intoArray(tile, 15 * V);
        for (int r = 0, row = ci; r < mr; r++, row += ldc) {
            FloatVector t = FloatVector.fromArray(S, tile, r * V);
            if (alpha != 1f) t = t.mul(alpha);
            if (n == V) {
                if (beta != 0f) t = FloatVector.fromArray(S, c, row).mul(beta).add(t);
                t.intoArray(c, row);
            } else {
                VectorMask<Float> m = S.indexInRange(0, n);
                if (beta != 0f) t = FloatVector.fromArray(S, c, row, m).mul(beta).add(t);
                t.intoArray(c, row, m);
            }
        }
    }

    /** C[ci + i·ldc + j] ← tile[i·NR + j] + β·C[…] for the mr×nr corner of an edge tile (β = 0: C is not read). */
    private static void storeTile(float[] tile, int mr, int nr, float beta, float[] c, int ci, int ldc) {
        for (int i = 0; i < mr; i++) {
            int row = ci + i * ldc, t = i * NR;
            if (nr == NR) { // a full-width row of an edge tile (m not a multiple of MR): vectors
                FloatVector t0 = FloatVector.fromArray(S, tile, t), t1 = FloatVector.fromArray(S, tile, t + V);
                if (beta != 0f) {
                    t0 = FloatVector.fromArray(S, c, row).mul(beta).add(t0); // tile + β·C, as the scalar path
                    t1 = FloatVector.fromArray(S, c, row + V).mul(beta).add(t1);
                }
                t0.intoArray(c, row);
                t1.intoArray(c, row + V);
            } else if (beta == 0f) {
                for (int j = 0; j < nr; j++) c[row + j] = tile[t + j];
            } else {
                for (int j = 0; j < nr; j++) c[row + j] = tile[t + j] + beta * c[row + j];
            }
        }
    }

    // ------------------------------------------------------------------ op(B) packed once, multiplied many times

    /**
     * Packs op(B) (k×n) once for many {@link #packed} products — MKL's cblas_sgemm_pack, for a recurrent layer's
     * W_h, which all T time steps multiply. k in slices of {@link #KC} (slice pc at p[pOff + pc·n ..]); in each slice
     * the full NR-column panels as {@link #packB} lays them out (panel r at r·NR·kc, row q at + q·NR), then the last
     * n mod NR columns row-major (at full·kc, row q at + q·(n − full)): k·n floats in all, op(B)'s own size.
     */
    static void pack(boolean tb, int k, int n, float[] b, int bOff, int ldb, float[] p, int pOff) {
        Buffers buf = LOCAL.get();
        int full = n / NR * NR, e = n - full;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc), base = pOff + pc * n, edge = base + full * kc;
            packB(buf, tb, b, bOff, ldb, pc, 0, kc, full, p, base);
            for (int q = 0; q < kc; q++) {
                for (int j = 0; j < e; j++) p[edge + q * e + j] = tb ? b[bOff + (full + j) * ldb + pc + q] : b[bOff + (pc + q) * ldb + full + j];
            }
        }
    }

    /**
     * C ← α·op(A)·B + β·C with B packed by {@link #pack} (cblas_sgemm_compute): every B micro-panel is read where it
     * lies, and A is packed per thread. The same sums in the same order as {@link #sgemm}'s packed path, so the same
     * bits wherever that path would have run (not the dot products, nor a C split along k).
     */
    static void packed(boolean ta, int m, int n, int k, float alpha, float[] a, int aOff, int lda, float[] p, int pOff,
                       float beta, float[] c, int cOff, int ldc) {
        boolean rows = m / MR >= n / NR;                               // split the longer side of C, as sgemm does
        int span = rows ? m : n, unit = rows ? MR : NR, units = (span + unit - 1) / unit;
        int parts = THREADS > 1 && (long) m * n * k >= PARALLEL_MIN ? Math.min(units, THREADS) : 1;
        int per = (units + parts - 1) / parts * unit;
        Parallel.run((span + per - 1) / per, q -> {
            int lo = q * per, hi = Math.min(span, lo + per);
            if (rows) packedBlock(LOCAL.get(), ta, lo, hi, 0, n, n, k, alpha, a, aOff, lda, p, pOff, beta, c, cOff, ldc);
            else packedBlock(LOCAL.get(), ta, 0, m, lo, hi, n, k, alpha, a, aOff, lda, p, pOff, beta, c, cOff, ldc);
        });
    }

    /** Rows [i0, i1) × columns [j0, j1) of {@link #packed}'s C (j0 a multiple of NR) on one thread. */
    private static void packedBlock(Buffers buf, boolean ta, int i0, int i1, int j0, int j1, int n, int k, float alpha,
                                    float[] a, int aOff, int lda, float[] p, int pOff, float beta, float[] c, int cOff, int ldc) {
        int full = n / NR * NR, e = n - full;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc), base = pOff + pc * n;
            float bet = pc == 0 ? beta : 1f;
            if (j1 > full) packB(buf, false, p, base + full * kc, e, 0, 0, kc, e, buf.bp, 0);  // the edge: one zero-padded panel
            for (int ic = i0; ic < i1; ic += MC) {
                int mc = Math.min(MC, i1 - ic);
                packA(ta, a, aOff, lda, ic, pc, mc, kc, buf.ap);
                for (int jr = j0; jr < j1; jr += NR) {
                    int nr = Math.min(NR, j1 - jr);
                    float[] bs = jr < full ? p : buf.bp;
                    int bo = jr < full ? base + jr * kc : 0;
                    for (int ir = 0; ir < mc; ir += MR) {
                        int mr = Math.min(MR, mc - ir), ci = cOff + (ic + ir) * ldc + jr;
                        if (mr == MR && nr == NR) {
                            kernelP(kc, buf.ap, ir * kc, bs, bo, c, ci, ldc, alpha, bet);
                        } else {
                            kernelP(kc, buf.ap, ir * kc, bs, bo, buf.tile, 0, NR, alpha, 0f);
                            storeTile(buf.tile, mr, nr, bet, c, ci, ldc);
                        }
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ NT as dot products

    /** The dot-product path: C of at most DOTS_MAX_M rows, k of at least DOTS_MIN_K. */
    static final int DOTS_MIN_K = 1024, DOTS_MAX_M = MR;
    /** The k-slice of the dot-product path: 4 rows of A and 4 of B (8·KD floats) stay in L1 while they meet. */
    static final int KD = 1024;

    /**
     * Whether C ← α·A·Bᵀ + β·C runs as dot products: A (m×k) and B (n×k) are both row-major along k, so each C[i, j]
     * is the dot product of two contiguous rows and nothing needs packing. Chosen for a C of at most MR rows with a long
     * k, LeNet conv1's ∂W = δ·colᵀ (6×25×50176): there the packed path gathers all of colᵀ to feed a micro-kernel whose
     * rows are 3/4 used, and the dots run 2.5× faster. With more rows or a k of a few hundred the packed path wins
     * (32×256×256: 49 against 91 GFLOP/s, one thread), since every 4×4 tile ends in a 16-vector reduction. Measured and
     * not taken (2-core Zen 5, 2026-12-02): 2·MR rows, which sends conv2's ∂W (16×150×6400) here — 136 against 76
     * GFLOP/s alone under JMH, but the whole LeNet-5 step 12 % slower (median of 9 alternating pairs of
     * {@code bench/profile.sh --workload lenet5}), conv1's unchanged ∂W with it: one compiled dot path serving both
     * shapes is worse for each.
     */
    static boolean dots(boolean ta, boolean tb, int m, int k) {
        return V == 16 && !ta && tb && k >= DOTS_MIN_K && m <= DOTS_MAX_M;
    }

    /**
     * C ← α·A·Bᵀ + β·C on one thread, for a caller that knows its k is long enough for the dot products (a few hundred)
     * whatever its rows: {@link #dotNT} where vectors have 16 lanes, the blocked path elsewhere.
     */
    static void longNT(Buffers buf, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                       float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        if (V == 16) dotNT(buf, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        else blocked(buf, false, true, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** Lane of the reduced vector that holds dot product (r, s) of a 4×4 tile, found once by running the reduction. */
    private static final int[] DOT_LANE = new int[16];
    /** Lanes with bit d set, d = 8, 4, 2, 1 (null where vectors are not 16 lanes wide); the swaps i ↔ i ^ d are VMath's. */
    private static final VectorMask<Float> M8 = bit(8), M4 = bit(4), M2 = bit(2), M1 = bit(1);

    private static VectorMask<Float> bit(int d) { return V == 16 ? VectorMask.fromLong(S, lanesWithBit(d)) : null; }

    private static long lanesWithBit(int d) {
        long bits = 0;
        for (int i = 0; i < 16; i++) if ((i & d) != 0) bits |= 1L << i;
        return bits;
    }

    static {
        if (V == 16) {
            float[] acc = new float[17 * V];
            for (int q = 0; q < 16; q++) java.util.Arrays.fill(acc, q * V, (q + 1) * V, q);
            reduce16(acc);
            for (int lane = 0; lane < 16; lane++) DOT_LANE[Math.round(acc[16 * V + lane] / V)] = lane;
        }
    }

    /**
     * x, y → one vector whose lanes with bit d clear hold x's pairwise sums x_i + x_{i^d}, those with bit d set y's
     * (d = 8, 4, 2, 1): one level of a tree that reduces 16 vectors of 16 lanes to one vector of 16 sums in 15 such
     * steps. Only lanewise adds in a fixed order, so the result has the same bits whether the JIT has compiled this
     * or not (reduceLanes may add in a different order once intrinsified). The masks and shuffles are read from the
     * constants here, not passed in: as parameters they stop the JIT from intrinsifying blend and rearrange (40× slower).
     */
    private static FloatVector pair8(FloatVector x, FloatVector y) { return x.blend(y, M8).add(y.blend(x, M8).rearrange(VMath.X8)); }
    private static FloatVector pair4(FloatVector x, FloatVector y) { return x.blend(y, M4).add(y.blend(x, M4).rearrange(VMath.X4)); }
    private static FloatVector pair2(FloatVector x, FloatVector y) { return x.blend(y, M2).add(y.blend(x, M2).rearrange(VMath.X2)); }
    private static FloatVector pair1(FloatVector x, FloatVector y) { return x.blend(y, M1).add(y.blend(x, M1).rearrange(VMath.X1)); }

    /**
     * C ← α·A·Bᵀ + β·C as dot products, 4 rows of A × 4 rows of B at a time (16 vector accumulators; per 16 values of
     * k: 8 loads and 16 FMAs), k in slices of {@link #KD} so the 8 rows stay in L1 while they meet. Edge tiles repeat
     * the last row of A or B and drop what they repeat; the last k % V products are added one by one.
     */
    static void dotNT(Buffers buf, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        float[] acc = buf.acc;
        for (int pc = 0; pc < k; pc += KD) {
            int kd = Math.min(KD, k - pc), full = kd / V * V;
            float bet = pc == 0 ? beta : 1f;
            for (int j = 0; j < n; j += 4) {
                int b0 = bOff + j * ldb + pc, b1 = bOff + Math.min(j + 1, n - 1) * ldb + pc,
                    b2 = bOff + Math.min(j + 2, n - 1) * ldb + pc, b3 = bOff + Math.min(j + 3, n - 1) * ldb + pc;
                for (int i = 0; i < m; i += 4) {
                    int a0 = aOff + i * lda + pc, a1 = aOff + Math.min(i + 1, m - 1) * lda + pc,
                        a2 = aOff + Math.min(i + 2, m - 1) * lda + pc, a3 = aOff + Math.min(i + 3, m - 1) * lda + pc;
                    dot4x4(full, a, a0, a1, a2, a3, b, b0, b1, b2, b3, acc);
                    reduce16(acc);
                    for (int r = 0; r < Math.min(4, m - i); r++) {
                        int ci = cOff + (i + r) * ldc + j, ar = r == 0 ? a0 : r == 1 ? a1 : r == 2 ? a2 : a3;
                        for (int s = 0; s < Math.min(4, n - j); s++) {
                            float dot = acc[16 * V + DOT_LANE[r * 4 + s]];
                            int bs = s == 0 ? b0 : s == 1 ? b1 : s == 2 ? b2 : b3;
                            for (int p = full; p < kd; p++) dot = Math.fma(a[ar + p], b[bs + p], dot); // the last k % V
                            float v = alpha * dot;
                            c[ci + s] = bet == 0f ? v : v + bet * c[ci + s];
                        }
                    }
                }
            }
        }
    }

    /** The 16 dot products of A rows at a0..a3 with B rows at b0..b3 over kd values (a multiple of V), as 16 vectors of partial sums into acc. */
    private static void dot4x4(int kd, float[] a, int a0, int a1, int a2, int a3, float[] b, int b0, int b1, int b2, int b3, float[] acc) {
        FloatVector s00 = FloatVector.zero(S), s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00, s13 = s00,
                s20 = s00, s21 = s00, s22 = s00, s23 = s00, s30 = s00, s31 = s00, s32 = s00, s33 = s00;
        for (int p = 0; p < kd; p += V) {
            FloatVector x0 = FloatVector.fromArray(S, a, a0 + p), x1 = FloatVector.fromArray(S, a, a1 + p),
                        x2 = FloatVector.fromArray(S, a, a2 + p), x3 = FloatVector.fromArray(S, a, a3 + p);
            FloatVector y = FloatVector.fromArray(S, b, b0 + p);
            s00 = x0.fma(y, s00); s10 = x1.fma(y, s10); s20 = x2.fma(y, s20); s30 = x3.fma(y, s30);
            y = FloatVector.fromArray(S, b, b1 + p);
            s01 = x0.fma(y, s01); s11 = x1.fma(y, s11); s21 = x2.fma(y, s21); s31 = x3.fma(y, s31);
            y = FloatVector.fromArray(S, b, b2 + p);
            s02 = x0.fma(y, s02); s12 = x1.fma(y, s12); s22 = x2.fma(y, s22); s32 = x3.fma(y, s32);
            y = FloatVector.fromArray(S, b, b3 + p);
            s03 = x0.fma(y, s03); s13 = x1.fma(y, s13); s23 = x2.fma(y, s23); s33 = x3.fma(y, s33);
        }
        // stored and reduced by a separate method: with the reduction inlined this method outgrows what the JIT compiles
        s00.intoArray(acc, 0); s01.intoArray(acc, V); s02.intoArray(acc, 2 * V); s03.intoArray(acc, 3 * V);
        s10.intoArray(acc, 4 * V); s11.intoArray(acc, 5 * V); s12.intoArray(acc, 6 * V); s13.intoArray(acc, 7 * V);
        s20.intoArray(acc, 8 * V); s21.intoArray(acc, 9 * V); s22.intoArray(acc, 10 * V); s23.intoArray(acc, 11 * V);
        s30.intoArray(acc, 12 * V); s31.intoArray(acc, 13 * V); s32.intoArray(acc, 14 * V); s33.intoArray(acc, 15 * V);
    }

    /** The 16 accumulators acc[0 .. 16·V) (dot product q in acc[q·V ..]) → their 16 sums in acc[16·V ..], lane {@link #DOT_LANE}[q]. */
    static void reduce16(float[] acc) {
        // The tree pair1(pair2(pair4(pair8(0, 1), pair8(2, 3)), …), …) level by level, each level's vectors written back
        // into acc (slot i ← pair(slot 2i, slot 2i + 1)): as one expression the 15 pairs outgrew what C2 inlines, and the
        // vectors it did not were boxed (6.7 KB allocated per LeNet conv1 ∂W product of one image, 3.3–3.8 → 2.4–2.8 µs).
        for (int i = 0; i < 8; i++) pair8(load(acc, 2 * i), load(acc, 2 * i + 1)).intoArray(acc, i * V);
        for (int i = 0; i < 4; i++) pair4(load(acc, 2 * i), load(acc, 2 * i + 1)).intoArray(acc, i * V);
        for (int i = 0; i < 2; i++) pair2(load(acc, 2 * i), load(acc, 2 * i + 1)).intoArray(acc, i * V);
        pair1(load(acc, 0), load(acc, 1)).intoArray(acc, 16 * V);
    }

    private static FloatVector load(float[] acc, int q) { return FloatVector.fromArray(S, acc, q * V); }

    /** Packs op(A)[ic .. ic+mc, pc .. pc+kc] into MR-row micro-panels: panel r, column p at r·MR·kc + p·MR + i. */
    static void packA(boolean ta, float[] a, int aOff, int lda, int ic, int pc, int mc, int kc, float[] ap) {
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int dst = ir * kc;
            if (ta) { // op(A)[i, p] = a[p·lda + i]: rows of a are contiguous in i
                int src = aOff + pc * lda + ic + ir;
                int p = 0;
                if (V == 2 * MR && ir + 2 * MR <= mc && src + (kc - 1) * lda + V <= a.length) {
                    // two panels at once, columns p and p + 1 of each: a 16-float load per row of a holds both panels'
                    // 8 floats — the whole 64-byte line, read once (rows of a at an L1-hostile stride, the LSTM's
                    // δ [T·B, 4H], no longer come back from L2 for the second panel) — and transpose16's last-stage
                    // shuffles join the two rows' low halves (panel ir) and high halves (panel ir + 8), stored plain.
                    // (It replaced 8-float vectors, which C2 left unintrinsified in the LSTM's step: boxed, 7 MB a step.)
                    int dst2 = dst + MR * kc;
                    for (; p + 1 < kc; p += 2, src += 2 * lda, dst += 2 * MR, dst2 += 2 * MR) {
                        FloatVector r0 = FloatVector.fromArray(S, a, src), r1 = FloatVector.fromArray(S, a, src + lda);
                        r0.rearrange(TLO8, r1).intoArray(ap, dst);
                        r0.rearrange(THI8, r1).intoArray(ap, dst2);
                    }
                    for (; p < kc; p++, src += lda, dst += MR, dst2 += MR) {
                        System.arraycopy(a, src, ap, dst, MR);
                        System.arraycopy(a, src + MR, ap, dst2, MR);
                    }
                    ir += MR;                                           // the second panel is done too
                    continue;
                }
                if (mr == MR) {
                    for (; p < kc; p++, src += lda, dst += MR) System.arraycopy(a, src, ap, dst, MR);
                } else {
                    for (; p < kc; p++, src += lda, dst += MR) {
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

    /** Packs op(B)[pc .. pc+kc, jc .. jc+nc] into NR-column micro-panels: panel r, row p at bpOff + r·NR·kc + p·NR + j. */
    static void packB(Buffers buf, boolean tb, float[] b, int bOff, int ldb, int pc, int jc, int kc, int nc, float[] bp, int bpOff) {
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            int dst = bpOff + jr * kc;
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
            } else if (nr == NR) { // op(B)[p, j] = b[j·ldb + p]: a transpose, 16×16 blocks in registers, the rest gathered
                int src = bOff + (jc + jr) * ldb + pc, src2 = src + V * ldb, p = 0;
                if (V == 16) {
                    for (; p + V <= kc; p += V, dst += V * NR) {
                        transpose16(b, src + p, ldb, bp, dst, NR);
                        transpose16(b, src2 + p, ldb, bp, dst + V, NR);
                    }
                }
                int[] idx = buf.idx;
                if (idx[1] != ldb) for (int j = 0; j < V; j++) idx[j] = j * ldb;
                for (; p < kc; p++, dst += NR) {
                    FloatVector.fromArray(S, b, src + p, idx, 0).intoArray(bp, dst);
                    FloatVector.fromArray(S, b, src2 + p, idx, 0).intoArray(bp, dst + V);
                }
            } else { // op(B)[p, j] = b[j·ldb + p]: a transpose, read along the rows of b
                int src = bOff + (jc + jr) * ldb + pc;
                int j0 = 0;
                if (nr >= V) { // the first V columns of a partial panel as the full panels'
                    int p = 0;
                    if (V == 16) for (; p + V <= kc; p += V) transpose16(b, src + p, ldb, bp, dst + p * NR, NR);
                    int[] idx = buf.idx;
                    if (idx[1] != ldb) for (int j = 0; j < V; j++) idx[j] = j * ldb;
                    for (; p < kc; p++) FloatVector.fromArray(S, b, src + p, idx, 0).intoArray(bp, dst + p * NR);
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
     * src[so + r·ld + q] → dst[d0 + q·dld + r] for r, q < 16: a 16×16 transpose in registers, four stages of
     * two-vector shuffles (stage d swaps bit d of the row and of the lane: rows r and r + d exchange their lanes with
     * bit d set and clear). For packB's transposed panels, where 16-lane gathers took 61–65 µs to pack a [256, 784]
     * W (an MLP's x·Wᵀ, 30 % of the product; one thread, 2-core Zen 5, 2026-12-02).
     */
    private static void transpose16(float[] src, int so, int ld, float[] dst, int d0, int dld) {
        FloatVector v0 = FloatVector.fromArray(S, src, so + 0 * ld), v1 = FloatVector.fromArray(S, src, so + 1 * ld),
                v2 = FloatVector.fromArray(S, src, so + 2 * ld), v3 = FloatVector.fromArray(S, src, so + 3 * ld),
                v4 = FloatVector.fromArray(S, src, so + 4 * ld), v5 = FloatVector.fromArray(S, src, so + 5 * ld),
                v6 = FloatVector.fromArray(S, src, so + 6 * ld), v7 = FloatVector.fromArray(S, src, so + 7 * ld),
                v8 = FloatVector.fromArray(S, src, so + 8 * ld), v9 = FloatVector.fromArray(S, src, so + 9 * ld),
                v10 = FloatVector.fromArray(S, src, so + 10 * ld), v11 = FloatVector.fromArray(S, src, so + 11 * ld),
                v12 = FloatVector.fromArray(S, src, so + 12 * ld), v13 = FloatVector.fromArray(S, src, so + 13 * ld),
                v14 = FloatVector.fromArray(S, src, so + 14 * ld), v15 = FloatVector.fromArray(S, src, so + 15 * ld), t;
        t = v0.rearrange(TLO8, v8); v8 = v0.rearrange(THI8, v8); v0 = t;
        t = v1.rearrange(TLO8, v9); v9 = v1.rearrange(THI8, v9); v1 = t;
        t = v2.rearrange(TLO8, v10); v10 = v2.rearrange(THI8, v10); v2 = t;
        t = v3.rearrange(TLO8, v11); v11 = v3.rearrange(THI8, v11); v3 = t;
        t = v4.rearrange(TLO8, v12); v12 = v4.rearrange(THI8, v12); v4 = t;
        t = v5.rearrange(TLO8, v13); v13 = v5.rearrange(THI8, v13); v5 = t;
        t = v6.rearrange(TLO8, v14); v14 = v6.rearrange(THI8, v14); v6 = t;
        t = v7.rearrange(TLO8, v15); v15 = v7.rearrange(THI8, v15); v7 = t;
        t = v0.rearrange(TLO4, v4); v4 = v0.rearrange(THI4, v4); v0 = t;
        t = v1.rearrange(TLO4, v5); v5 = v1.rearrange(THI4, v5); v1 = t;
        t = v2.rearrange(TLO4, v6); v6 = v2.rearrange(THI4, v6); v2 = t;
        t = v3.rearrange(TLO4, v7); v7 = v3.rearrange(THI4, v7); v3 = t;
        t = v8.rearrange(TLO4, v12); v12 = v8.rearrange(THI4, v12); v8 = t;
        t = v9.rearrange(TLO4, v13); v13 = v9.rearrange(THI4, v13); v9 = t;
        t = v10.rearrange(TLO4, v14); v14 = v10.rearrange(THI4, v14); v10 = t;
        t = v11.rearrange(TLO4, v15); v15 = v11.rearrange(THI4, v15); v11 = t;
        t = v0.rearrange(TLO2, v2); v2 = v0.rearrange(THI2, v2); v0 = t;
        t = v1.rearrange(TLO2, v3); v3 = v1.rearrange(THI2, v3); v1 = t;
        t = v4.rearrange(TLO2, v6); v6 = v4.rearrange(THI2, v6); v4 = t;
        t = v5.rearrange(TLO2, v7); v7 = v5.rearrange(THI2, v7); v5 = t;
        t = v8.rearrange(TLO2, v10); v10 = v8.rearrange(THI2, v10); v8 = t;
        t = v9.rearrange(TLO2, v11); v11 = v9.rearrange(THI2, v11); v9 = t;
        t = v12.rearrange(TLO2, v14); v14 = v12.rearrange(THI2, v14); v12 = t;
        t = v13.rearrange(TLO2, v15); v15 = v13.rearrange(THI2, v15); v13 = t;
        t = v0.rearrange(TLO1, v1); v1 = v0.rearrange(THI1, v1); v0 = t;
        t = v2.rearrange(TLO1, v3); v3 = v2.rearrange(THI1, v3); v2 = t;
        t = v4.rearrange(TLO1, v5); v5 = v4.rearrange(THI1, v5); v4 = t;
        t = v6.rearrange(TLO1, v7); v7 = v6.rearrange(THI1, v7); v6 = t;
        t = v8.rearrange(TLO1, v9); v9 = v8.rearrange(THI1, v9); v8 = t;
        t = v10.rearrange(TLO1, v11); v11 = v10.rearrange(THI1, v11); v10 = t;
        t = v12.rearrange(TLO1, v13); v13 = v12.rearrange(THI1, v13); v12 = t;
        t = v14.rearrange(TLO1, v15); v15 = v14.rearrange(THI1, v15); v14 = t;
        v0.intoArray(dst, d0 + 0 * dld); v1.intoArray(dst, d0 + 1 * dld);
        v2.intoArray(dst, d0 + 2 * dld); v3.intoArray(dst, d0 + 3 * dld);
        v4.intoArray(dst, d0 + 4 * dld); v5.intoArray(dst, d0 + 5 * dld);
        v6.intoArray(dst, d0 + 6 * dld); v7.intoArray(dst, d0 + 7 * dld);
        v8.intoArray(dst, d0 + 8 * dld); v9.intoArray(dst, d0 + 9 * dld);
        v10.intoArray(dst, d0 + 10 * dld); v11.intoArray(dst, d0 + 11 * dld);
        v12.intoArray(dst, d0 + 12 * dld); v13.intoArray(dst, d0 + 13 * dld);
        v14.intoArray(dst, d0 + 14 * dld); v15.intoArray(dst, d0 + 15 * dld);
    }

    /**
     * Stage d of {@link #transpose16}: lanes with bit d clear from the first vector, set from the second (TLO), and
     * back (THI). TLO8 and THI8 also join two 16-lane vectors' low and high halves (packA's two-panel columns).
     */
    private static final VectorShuffle<Float>
            TLO8 = VectorShuffle.fromOp(S, i -> (i & 8) == 0 ? i : V + i - 8), THI8 = VectorShuffle.fromOp(S, i -> (i & 8) == 0 ? i + 8 : V + i),
            TLO4 = VectorShuffle.fromOp(S, i -> (i & 4) == 0 ? i : V + i - 4), THI4 = VectorShuffle.fromOp(S, i -> (i & 4) == 0 ? i + 4 : V + i),
            TLO2 = VectorShuffle.fromOp(S, i -> (i & 2) == 0 ? i : V + i - 2), THI2 = VectorShuffle.fromOp(S, i -> (i & 2) == 0 ? i + 2 : V + i),
            TLO1 = VectorShuffle.fromOp(S, i -> (i & 1) == 0 ? i : V + i - 1), THI1 = VectorShuffle.fromOp(S, i -> (i & 1) == 0 ? i + 1 : V + i);

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

    private static final Pool POOL = new Pool();
    /** How many calls the pool has run split by rows, by columns and by k (for tests). */
    static final java.util.concurrent.atomic.AtomicLongArray SPLITS = new java.util.concurrent.atomic.AtomicLongArray(3);

    /**
     * How one call is cut into chunks for {@link Parallel}'s threads (the caller and the workers claim chunks one at a
     * time). One call at a time uses it: a concurrent caller that finds it busy runs single-threaded instead of waiting.
     */
    static final class Pool {
        private final ReentrantLock lock = new ReentrantLock();
        // the job: written before Parallel.run publishes it, stable while any of its chunks is outstanding
        private boolean ta, tb, splitRows, splitK;
        /** Split-k partial results, one per chunk; grown (rarely) to the largest small C seen. */
        private float[][] partials = new float[0][0];
        private int m, n, k, aOff, lda, bOff, ldb, cOff, ldc, chunk;
        private float alpha, beta;
        private float[] a, b, c;
        private final java.util.function.IntConsumer part = p -> part(LOCAL.get(), p);

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
                int threads = THREADS;
                // a short k over a wide C: row chunks read B in place and write each row of C front to back (streams
                // the prefetcher follows), where column chunks would write C in short pieces of many rows
                splitRows = m / MR >= n / NR || (k <= 32 && m / MR >= 2 * threads && directB(tb, DIRECT_B_MAX_M, k, ldb));
                if (splitRows && tb && n / NR >= threads && k > 32) splitRows = packCost(true, threads) <= packCost(false, threads);
                splitK = Math.max(m / MR, n / NR) < 2; // a C of one tile or so with a long k: split k, sum the partial Cs
                SPLITS.incrementAndGet(splitK ? 2 : splitRows ? 0 : 1);
                if (splitK) {
                    int parts = Math.min(2 * threads, (k + KC - 1) / KC);
                    chunk = (k + parts - 1) / parts;
                    parts = (k + chunk - 1) / chunk;
                    if (partials.length < parts || partials[0].length < m * n) partials = new float[Math.max(parts, partials.length)][Math.max(m * n, partials.length > 0 ? partials[0].length : 0)];
                    Parallel.run(parts, part);
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
                if (parts > Parallel.MAX_PARTS) { chunk = (splitRows ? m : n) / Parallel.MAX_PARTS + 1; parts = splitRows ? (m + chunk - 1) / chunk : (n + chunk - 1) / chunk; }
                Parallel.run(parts, part);
            } finally {
                this.a = null; this.b = null; this.c = null;
                lock.unlock();
            }
        }

        /**
         * Floats one thread packs when C is split by rows (each thread packs all of op(B) and its rows of op(A)) or by
         * columns (all of op(A), its columns of op(B)); a transposed B is weighed at three times a copy (measured so
         * when it was gathered; transposed in registers since 2026-12-02, the weight was left as it was). Splitting
         * by rows doubles the packing of a transposed B on two threads: the MLP's x·Wᵀ (64×256×784) ran at half its
         * speed once W no longer sat in both cores' caches.
         */
        private long packCost(boolean rows, int threads) {
            int mt = rows ? m / threads : m, nt = rows ? n : n / threads;
            long b = directB(tb, mt, k, ldb) ? 0 : (long) k * nt * (tb ? 3 : 1);
            long a = directA(ta, nt, k, lda) ? 0 : (long) mt * k;
            return a + b;
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

    }
}
