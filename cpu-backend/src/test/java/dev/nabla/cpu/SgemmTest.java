package dev.nabla.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Sgemm against a naive triple loop in double precision. */
class SgemmTest {

    /** C ← α·op(A)·op(B) + β·C by the definition, accumulated in double. */
    static void naive(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int ao, int lda,
                      float[] b, int bo, int ldb, float beta, float[] c, int co, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double x = ta ? a[ao + p * lda + i] : a[ao + i * lda + p];
                    double y = tb ? b[bo + j * ldb + p] : b[bo + p * ldb + j];
                    s += x * y;
                }
                int ci = co + i * ldc + j;
                c[ci] = (float) (alpha * s + (beta == 0f ? 0.0 : (double) beta * c[ci]));
            }
        }
    }

    static float[] random(SplittableRandom r, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }

    /** Runs one case with padding (offsets, leading dims larger than needed) and compares every element of C's storage. */
    static void check(boolean ta, boolean tb, int m, int n, int k, float alpha, float beta, int pad, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int aRows = ta ? k : m, aCols = ta ? m : k;
        int bRows = tb ? n : k, bCols = tb ? k : n;
        int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
        int ao = pad * 3, bo = pad * 5, co = pad * 7;
        float[] a = random(r, ao + aRows * lda + pad);
        float[] b = random(r, bo + bRows * ldb + pad);
        float[] c0 = random(r, co + m * ldc + pad);
        if (beta == 0f && n > 0) { // β = 0 must ignore NaN in C
            for (int i = 0; i < m; i++) c0[co + i * ldc] = Float.NaN;
        }
        float[] expected = c0.clone();
        float[] actual = c0.clone();
        // padding of C outside the m×n block must stay untouched: naive leaves it as is
        naive(ta, tb, m, n, k, alpha, a, ao, lda, b, bo, ldb, beta, expected, co, ldc);
        Sgemm.sgemm(ta, tb, m, n, k, alpha, a, ao, lda, b, bo, ldb, beta, actual, co, ldc);
        float tol = 1e-5f * Math.max(1, k) + 1e-5f;
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i], g = actual[i];
            if (!(Math.abs(e - g) <= tol * Math.max(1f, Math.abs(e)))) {
                throw new AssertionError(String.format(
                        "sgemm(ta=%b, tb=%b, m=%d, n=%d, k=%d, α=%s, β=%s, pad=%d): element %d expected %s got %s",
                        ta, tb, m, n, k, alpha, beta, pad, i, e, g));
            }
        }
    }

    static final int[][] SHAPES = {
            {1, 1, 1}, {1, 7, 1}, {7, 1, 7}, {7, 7, 7}, {1, 33, 7}, {33, 1, 33}, {33, 33, 33}, {17, 31, 5},
            {257, 7, 33}, {7, 257, 33}, {33, 33, 257}, {64, 64, 64}, {100, 3, 200}, {3, 100, 200},
            {257, 257, 257}, {48, 96, 16}, {31, 65, 129}, {130, 514, 70},
            // B read in place vs packed (an L1-hostile row stride of 1024 or 64 floats), n beyond one NC strip,
            // a transposed A with a hostile stride, columns split between threads
            {9, 1024, 20}, {40, 64, 300}, {9, 1100, 5}, {64, 40, 300},
            // (≥ 100³ multiply-adds, so multithreaded) columns split, rows split in place
            {20, 2200, 100}, {600, 40, 200},
            // a short k over a wide C (LeNet conv2's ∂L/∂x): rows split, B read in place; a transposed A packed
            // into several panels and an edge
            {150, 2000, 16}, {150, 300, 40},
            // a small C with a long k: split over k between threads, partial Cs summed
            {6, 25, 30000}, {1, 1, 2000}, {15, 40, 7000},
            // NT as dot products (at most MR rows, long k): edge rows and columns of the 4×4 tiles, k % 16 ≠ 0,
            // more than one k-slice
            {5, 9, 1100}, {8, 3, 2085},
            // B read in place at an L1-hostile stride (≤ 4 row panels); a transposed B split by columns
            {32, 1024, 40}, {64, 256, 300},
            // the narrow path (C one vector wide, 16-row tiles): LeNet conv2's ∂Wᵀ, an edge of rows, two k-slices
            {150, 16, 100}, {70, 16, 300}, {16, 10, 84}, {64, 10, 84},
    };

    @Test
    void allTransposesAndShapes() {
        long seed = 1;
        for (int[] s : SHAPES) {
            for (int t = 0; t < 4; t++) {
                check((t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 1f, 0f, 0, seed++);
            }
        }
    }

    @Test
    void alphaBetaAndPadding() {
        float[][] ab = {{1f, 1f}, {0.5f, -2f}, {-1.5f, 0f}, {0f, 0.25f}, {2f, 1f}};
        long seed = 100;
        for (float[] x : ab) {
            for (int[] s : new int[][] {{7, 33, 7}, {33, 7, 257}, {65, 70, 33}, {1, 257, 7}}) {
                for (int t = 0; t < 4; t++) {
                    check((t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], x[0], x[1], 3, seed++);
                }
            }
        }
    }

    @Test
    void largeSquareRunsMultithreaded() {
        for (int t = 0; t < 4; t++) check((t & 1) != 0, (t & 2) != 0, 520, 390, 300, 1f, 0.5f, 1, 7 + t);
    }

    @Test
    void concurrentCallersShareThePoolSafely() throws Exception {
        // a caller that finds the pool busy runs on its own thread: every result must still be exact
        Thread[] ts = new Thread[3];
        Throwable[] failure = new Throwable[1];
        for (int t = 0; t < ts.length; t++) {
            int id = t;
            ts[t] = new Thread(() -> {
                try {
                    for (int rep = 0; rep < 3; rep++) check(id == 1, id == 2, 260 + id, 200, 120, 1f, 0f, 0, 50 + id * 10 + rep);
                } catch (Throwable e) {
                    synchronized (failure) { failure[0] = e; }
                }
            });
            ts[t].start();
        }
        for (Thread t : ts) t.join();
        if (failure[0] != null) throw new AssertionError(failure[0]);
    }

    @Test
    void everyWayOfSplittingBetweenThreadsIsExercised() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Sgemm.THREADS > 1,
                "one core: Sgemm never splits a call (run with -Dnabla.threads=2 to test the pool)");
        long rows = Sgemm.SPLITS.get(0), cols = Sgemm.SPLITS.get(1), ks = Sgemm.SPLITS.get(2);
        check(false, false, 600, 40, 200, 1f, 0f, 0, 3);  // rows
        check(false, true, 20, 2200, 100, 1f, 0f, 0, 4);  // columns
        check(true, true, 6, 25, 30000, 1f, 0.5f, 0, 5);  // k
        long rows2 = Sgemm.SPLITS.get(0);
        check(true, false, 150, 2000, 16, 1f, 0f, 0, 6); // rows, though C is wider than tall: k is short
        assertThat(Sgemm.SPLITS.get(0)).isGreaterThan(rows2);
        assertThat(Sgemm.SPLITS.get(0)).isGreaterThan(rows);
        assertThat(Sgemm.SPLITS.get(1)).isGreaterThan(cols);
        assertThat(Sgemm.SPLITS.get(2)).isGreaterThan(ks);
    }

    @Test
    void dotProductPathGivesTheSameBitsBeforeAndAfterTheJitCompilesIt() {
        // the reduction is lanewise adds in a fixed tree: interpreted, C1- and C2-compiled code must agree bit for bit
        SplittableRandom r = new SplittableRandom(9);
        int m = 6, n = 25, k = 1040;
        float[] a = random(r, m * k), b = random(r, n * k), first = new float[m * n], c = new float[m * n];
        assertThat(Sgemm.dots(false, true, m, k)).isTrue();
        Sgemm.sgemm(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, first, 0, n);
        for (int rep = 0; rep < 3000; rep++) {
            Sgemm.sgemm(false, true, m, n, k, 1f, a, 0, k, b, 0, k, 0f, c, 0, n);
            if (!Arrays.equals(c, first)) throw new AssertionError("call " + rep + " differs from the first call's bits");
        }
    }

    @Test
    void l1SetsCountsTheSetsARowStrideReaches() {
        assertThat(Sgemm.l1Sets(1024)).isEqualTo(1);   // 4 KiB apart: every row in one set
        assertThat(Sgemm.l1Sets(256)).isEqualTo(4);
        assertThat(Sgemm.l1Sets(784)).isEqualTo(64);   // 49 lines apart, coprime with 64
        assertThat(Sgemm.l1Sets(65)).isEqualTo(64);    // not a whole number of lines
    }

    @Test
    void rejectsNegativeSizes() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Sgemm.sgemm(false, false, -1, 2, 2, 1f,
                new float[4], 0, 2, new float[4], 0, 2, 0f, new float[4], 0, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("m=-1");
    }

    @Test
    void emptyDimensionsAreNoOps() {
        check(false, false, 0, 5, 5, 1f, 0f, 0, 1);
        check(false, false, 5, 0, 5, 1f, 0f, 0, 1);
        // k = 0: C ← β·C
        check(false, true, 5, 5, 0, 1f, 0.5f, 0, 1);
        check(true, false, 5, 5, 0, 1f, 0f, 0, 1);
    }

    @Test
    void naiveMatchesAHandExample() {
        // [1 2; 3 4]·[5 6; 7 8] = [19 22; 43 50]
        float[] c = new float[4];
        Sgemm.sgemm(false, false, 2, 2, 2, 1f, new float[] {1, 2, 3, 4}, 0, 2, new float[] {5, 6, 7, 8}, 0, 2, 0f, c, 0, 2);
        assertThat(c).containsExactly(19, 22, 43, 50);
        Arrays.fill(c, 1f);
        Sgemm.sgemm(true, true, 2, 2, 2, 2f, new float[] {1, 3, 2, 4}, 0, 2, new float[] {5, 7, 6, 8}, 0, 2, 1f, c, 0, 2);
        assertThat(c).containsExactly(39, 45, 87, 101);
    }

    /**
     * op(B) packed once ({@link Sgemm#pack}) gives sgemm's own bits, on the recurrent layers' shapes (an LSTM's
     * 32×1024×256 forward and 32×256×1024 backward step) and on edges: partial panels of rows and columns, k over
     * several KC slices, a transposed A, β = 0 over NaN, both threads and one (a C below PARALLEL_MIN).
     */
    @Test
    void packedBGivesSgemmsBits() {
        int[][] cases = {{32, 1024, 256}, {32, 256, 1024}, {32, 768, 256}, {1, 1, 1}, {7, 33, 300}, {70, 33, 513},
                {129, 65, 257}, {5, 96, 31}, {200, 40, 600}};
        SplittableRandom r = new SplittableRandom(11);
        for (int[] cs : cases) {
            int m = cs[0], n = cs[1], k = cs[2];
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    float[] a = random(r, m * k), b = random(r, k * n), p = new float[k * n], c0 = random(r, m * n);
                    Sgemm.pack(tb, k, n, b, 0, tb ? k : n, p, 0);
                    for (float beta : new float[] {0f, 0.5f}) {
                        if (beta == 0f) c0[0] = Float.NaN;
                        float[] want = c0.clone(), got = c0.clone();
                        Sgemm.sgemm(ta, tb, m, n, k, 0.75f, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, want, 0, n);
                        Sgemm.packed(ta, m, n, k, 0.75f, a, 0, ta ? m : k, p, 0, beta, got, 0, n);
                        assertThat(got).as("packed %dx%dx%d ta=%b tb=%b β=%s", m, n, k, ta, tb, beta).containsExactly(want);
                    }
                }
            }
        }
    }

    /**
     * The narrow path (C at most one vector wide, in tiles of 16 rows) gives each element the bits of the general
     * path's tiles: C's n columns against the first n of a product whose B has 2·NR columns (its full tiles, the same
     * FMA chain along k and, for β ∈ {0, 1}, the same α and β), on edges of rows and over two k-slices.
     */
    @Test
    void narrowPathGivesTheGeneralPathsBits() {
        int[][] cases = {{150, 16, 100}, {16, 1, 7}, {33, 10, 300}, {64, 10, 84}, {17, 16, 513}};
        SplittableRandom r = new SplittableRandom(12);
        int wide = 2 * Sgemm.NR;
        for (int[] cs : cases) {
            int m = cs[0], n = cs[1], k = cs[2];
            assertThat(Sgemm.narrow(false, m, n, k)).isTrue();
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    float[] a = random(r, m * k), bw = random(r, k * wide), b = new float[k * n];
                    for (int p = 0; p < k; p++) {
                        for (int j = 0; j < n; j++) b[tb ? j * k + p : p * n + j] = bw[tb ? j * k + p : p * wide + j];
                    }
                    for (float beta : new float[] {0f, 1f}) {
                        float[] cw = random(r, m * wide), c = new float[m * n];
                        for (int i = 0; i < m; i++) System.arraycopy(cw, i * wide, c, i * n, n);
                        Sgemm.blocked(new Sgemm.Buffers(), ta, tb, m, wide, k, 0.75f, a, 0, ta ? m : k, bw, 0, tb ? k : wide, beta, cw, 0, wide);
                        Sgemm.blocked(new Sgemm.Buffers(), ta, tb, m, n, k, 0.75f, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, c, 0, n);
                        for (int i = 0; i < m; i++) {
                            assertThat(Arrays.copyOfRange(c, i * n, (i + 1) * n))
                                    .as("narrow %dx%dx%d ta=%b tb=%b β=%s row %d", m, n, k, ta, tb, beta, i)
                                    .containsExactly(Arrays.copyOfRange(cw, i * wide, i * wide + n));
                        }
                    }
                }
            }
        }
    }
}
