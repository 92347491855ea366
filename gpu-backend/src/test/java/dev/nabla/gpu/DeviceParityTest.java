package dev.nabla.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.ConvGeometry;
import dev.nabla.backend.ElementwiseLoss;
import dev.nabla.backend.InvalidIndexException;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every op of a device backend (OpenCL, CUDA: one subclass each) against the {@link ReferenceBackend}, on shapes that hit the kernels' edges (1, 7,
 * 33, 257, non-square, transposed). Each input lives at an offset inside a larger buffer whose margins hold a
 * sentinel, so a kernel that reads or writes outside its tensor is caught: the whole buffer, margins included, must
 * match the reference after the op, and so must the number the op returns.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class DeviceParityTest {
    private static final int MARGIN = 5;
    private static final float SENTINEL = 7.25f;
    /** Elementwise ops: float kernels vs the reference's double-rounded math differ by a few ulps at most. */
    private static final float TOL = 1e-5f;

    private final ReferenceBackend ref = new ReferenceBackend();
    private DeviceBackend<?> cl;

    /** The device under test: "opencl" or "cuda". */
    protected abstract String device();

    /**
     * The GEMM tiles besides the default that this device's backend can run: any valid tile for OpenCL (built at run
     * time), the tiles kernels/cuda/gemm.cu compiles for CUDA. Every tile gemm.cu compiles is among OpenCL's, so
     * the arithmetic each CUDA tile runs is checked here on PoCL.
     */
    protected abstract List<String> otherGemmTiles();

    @BeforeAll
    void open() { cl = Devices.open(device()); }

    @AfterAll
    void shut() { if (cl != null) cl.close(); }

    /** An op under test: runs on one backend over the given tensors (null where the data was null) and returns its number (or NaN). */
    interface Op { float run(Backend b, Tensor[] t); }

    /** Runs op on both backends over the same data and compares every buffer (margins included) and the result. */
    private void check(String name, float tol, Op op, float[]... data) {
        Tensor[] rt = new Tensor[data.length], ct = new Tensor[data.length];
        Tensor[] rOwn = new Tensor[data.length], cOwn = new Tensor[data.length];
        for (int i = 0; i < data.length; i++) {
            if (data[i] == null) continue;
            float[] padded = new float[data[i].length + 2 * MARGIN];
            java.util.Arrays.fill(padded, SENTINEL);
            System.arraycopy(data[i], 0, padded, MARGIN, data[i].length);
            rOwn[i] = ref.upload(padded, padded.length);
            cOwn[i] = cl.upload(padded, padded.length);
            rt[i] = rOwn[i].view(MARGIN, data[i].length);
            ct[i] = cOwn[i].view(MARGIN, data[i].length);
        }
        float r = op.run(ref, rt), c = op.run(cl, ct);
        if (!(Float.isNaN(r) && Float.isNaN(c))) {
            assertThat(Math.abs(c - r)).as(name + ": result " + c + ", reference " + r).isLessThanOrEqualTo(tol * (1 + Math.abs(r)));
        }
        for (int i = 0; i < data.length; i++) {
            if (data[i] == null) continue;
            assertClose(name + " tensor " + i, cl.download(cOwn[i]), ref.download(rOwn[i]), tol);
            cOwn[i].close();
        }
    }

    static void assertClose(String what, float[] actual, float[] expected, float tol) {
        assertThat(actual.length).as(what + ": length").isEqualTo(expected.length);
        for (int k = 0; k < actual.length; k++) {
            float e = expected[k], a = actual[k];
            if (!(Math.abs(a - e) <= tol * (1 + Math.abs(e))) && !(Float.isNaN(e) && Float.isNaN(a)) && a != e) {
                throw new AssertionError(what + ": element " + k + " is " + a + ", reference " + e + " (tolerance " + tol + ")");
            }
        }
    }

    static float[] random(long seed, int n, double lo, double hi) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int k = 0; k < n; k++) a[k] = (float) rng.nextDouble(lo, hi);
        return a;
    }

    static float[] random(long seed, int n) { return random(seed, n, -1, 1); }

    /** Class labels in [0, classes), every third one −1 (ignored) if withIgnored. */
    static float[] labels(long seed, int rows, int classes, boolean withIgnored) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] l = new float[rows];
        for (int r = 0; r < rows; r++) l[r] = withIgnored && r % 3 == 1 ? -1 : rng.nextInt(classes);
        return l;
    }

    // ---------------------------------------------------------------- BLAS level 1

    @ParameterizedTest(name = "level-1 ops, n = {0}")
    @ValueSource(ints = {1, 7, 33, 257, 4099})
    void vectorOps(int n) {
        float[] x = random(n, n), y = random(n + 1, n);
        check("fill", 0, (b, t) -> { b.fill(t[0], -2.5f); return Float.NaN; }, x.clone());
        check("copy", 0, (b, t) -> { b.copy(t[0], t[1]); return Float.NaN; }, x, y);
        check("axpy", TOL, (b, t) -> { b.axpy(0.75f, t[0], t[1]); return Float.NaN; }, x, y);
        check("scale", TOL, (b, t) -> { b.scale(t[0], -1.5f); return Float.NaN; }, x);
        check("mul", TOL, (b, t) -> { b.mul(t[0], t[1], t[2]); return Float.NaN; }, x, y, new float[n]);
        check("mul aliasing out = a", TOL, (b, t) -> { b.mul(t[0], t[1], t[0]); return Float.NaN; }, x, y);
        check("sumSquares", TOL * (float) Math.sqrt(n), (b, t) -> b.sumSquares(t[0]), x);
    }

    @Test
    void sumSquaresOfALargeVectorUsesTwoPasses() {
        int n = 300_001;   // more than 64 work-groups of 256: the first pass is grid-strided, the second adds 64 partials
        check("sumSquares large", 1e-4f, (b, t) -> b.sumSquares(t[0]), random(5, n, -3, 3));
    }

    // ---------------------------------------------------------------- gemm

    @ParameterizedTest(name = "gemm {0}x{1}x{2} transA={3} transB={4}")
    @CsvSource({
        "1,1,1,false,false", "1,1,1,true,true", "7,33,1,false,true", "33,7,257,true,false", "257,33,7,true,true",
        "257,257,33,false,false", "1,257,33,false,true", "33,1,7,true,false", "65,63,17,false,false", "65,63,17,true,false",
        "65,63,17,false,true", "65,63,17,true,true", "128,64,64,false,false", "3,5,300,true,true",
        // split-K: one tile of C, long K (a convolution's weight gradient)
        "6,25,5000,false,true", "16,150,3001,false,true", "7,9,1031,true,false", "1,1,4096,true,true",
    })
    void gemm(int m, int n, int k, boolean ta, boolean tb) {
        float[] a = random(m * 31L + k, m * k), bb = random(n * 17L + k, k * n), c = random(m * 7L + n, m * n);
        int[] sa = ta ? new int[] {k, m} : new int[] {m, k};
        int[] sb = tb ? new int[] {n, k} : new int[] {k, n};
        float tol = TOL * (float) Math.sqrt(k);
        for (float beta : new float[] {0f, 1f, -0.5f}) {
            check("gemm beta=" + beta, tol, (b, t) -> {
                b.gemm(ta, tb, 1.25f, t[0].reshape(sa), t[1].reshape(sb), beta, t[2].reshape(m, n));
                return Float.NaN;
            }, a, bb, c);
        }
        float[] nan = new float[m * n];
        java.util.Arrays.fill(nan, Float.NaN);
        check("gemm beta=0 ignores NaN in C", tol, (b, t) -> {
            b.gemm(ta, tb, 1f, t[0].reshape(sa), t[1].reshape(sb), 0f, t[2].reshape(m, n));
            return Float.NaN;
        }, a, bb, nan);
    }

    @Test
    void gemmWithOtherTileSizes() {
        assertThat(otherGemmTiles()).isNotEmpty();
        for (String tile : otherGemmTiles()) gemmWithTile(tile);
    }

    private void gemmWithTile(String tile) {
        System.setProperty("nabla." + device() + ".gemmTile", tile);
        DeviceBackend<?> saved = cl;
        try (DeviceBackend<?> tuned = Devices.open(device())) {
            assertThat(tuned.gemmTile()).as("tile").containsExactly(java.util.Arrays.stream(tile.split("x")).mapToInt(Integer::parseInt).toArray());
            cl = tuned;
            for (boolean ta : new boolean[] {false, true})
                for (boolean tb : new boolean[] {false, true}) {
                    gemm(1, 1, 1, ta, tb);
                    gemm(257, 130, 33, ta, tb);
                    gemm(7, 300, 129, ta, tb);
                }
        } finally {
            cl = saved;
            System.clearProperty("nabla." + device() + ".gemmTile");
        }
    }

    @Test
    void splitKOnlyWhenCHasFewTilesAndKIsLong() {
        assertThat(DeviceBackend.gemmSplits(1, 25088, 264)).isEqualTo(98);    // 6×25 weight gradient, H100-sized wish
        assertThat(DeviceBackend.gemmSplits(1, 25088, 4)).isEqualTo(4);       // 2 compute units: 4 slices
        assertThat(DeviceBackend.gemmSplits(300, 25088, 264)).isEqualTo(1);   // enough tiles already
        assertThat(DeviceBackend.gemmSplits(1, 300, 264)).isEqualTo(1);       // K too short to be worth it
    }

    @Test
    void badGemmTilesAreRefused() {
        long nvidia = 48 << 10;                                                // NVIDIA's static shared memory per block
        assertThat(DeviceBackend.gemmTile(null, nvidia)).containsExactly(64, 64, 16);
        assertThat(DeviceBackend.gemmTile("128x128x8", nvidia)).containsExactly(128, 128, 8);
        assertThatThrownBy(() -> DeviceBackend.gemmTile("100x64x16", nvidia)).hasMessageContaining("multiples of 16");
        assertThatThrownBy(() -> DeviceBackend.gemmTile("64x64x6", nvidia)).hasMessageContaining("multiple of 4");
        assertThatThrownBy(() -> DeviceBackend.gemmTile("64x64", nvidia)).hasMessageContaining("expected MxNxK");
        // 256×256×32 needs 2·32·256·4 B = 64 KiB: fine on PoCL's 2 MiB, more than an NVIDIA block may have
        assertThat(DeviceBackend.gemmTile("256x256x32", 2 << 20)).containsExactly(256, 256, 32);
        assertThatThrownBy(() -> DeviceBackend.gemmTile("256x256x32", nvidia)).hasMessageContaining("65536 bytes of work-group memory")
                .hasMessageContaining("49152");
    }

    // ---------------------------------------------------------------- bias

    @ParameterizedTest(name = "bias ops [{0}, {1}, {2}]")
    @CsvSource({"1,1,1", "7,33,1", "2,3,49", "257,1,1", "3,16,33", "1,257,7"})
    void bias(int outer, int channels, int inner) {
        int n = outer * channels * inner;
        float[] x = random(n, n), bv = random(channels, channels), db = random(channels + 3, channels);
        check("addBias", TOL, (b, t) -> { b.addBias(t[0], t[1], inner); return Float.NaN; }, x, bv);
        float tol = TOL * (float) Math.sqrt(outer * inner);
        check("sumBias beta=0", tol, (b, t) -> { b.sumBias(t[0], t[1], inner, 0f); return Float.NaN; }, x, db);
        check("sumBias beta=1", tol, (b, t) -> { b.sumBias(t[0], t[1], inner, 1f); return Float.NaN; }, x, db);
        check("swapAxes01", 0, (b, t) -> { b.swapAxes01(t[0], t[1], outer, channels, inner); return Float.NaN; }, x, new float[n]);
    }

    // ---------------------------------------------------------------- activations

    /** Values around every kink: 0, ±½, and large magnitudes where σ and softplus saturate. */
    static float[] activationInputs(int n) {
        float[] x = random(n, n, -4, 4);
        float[] special = {0f, -0f, 0.5f, -0.5f, 30f, -30f, 100f, -100f, 1e-8f, -1e-8f};
        System.arraycopy(special, 0, x, 0, Math.min(n, special.length));
        return x;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Activation.class)
    void activations(Activation f) {
        for (int n : new int[] {1, 33, 257}) {
            float[] x = activationInputs(n), dy = random(n + 9, n);
            float[] y = new float[n];
            for (int i = 0; i < n; i++) y[i] = ReferenceBackend.apply(f, x[i]);
            check(f + " forward", TOL, (b, t) -> { b.activation(f, t[0], t[1]); return Float.NaN; }, x, new float[n]);
            check(f + " forward in place", TOL, (b, t) -> { b.activation(f, t[0], t[0]); return Float.NaN; }, x);
            check(f + " backward", TOL, (b, t) -> { b.activationBackward(f, t[0], t[1], t[2], t[3]); return Float.NaN; }, x, y, dy, new float[n]);
            check(f + " backward, dx aliasing dy", TOL, (b, t) -> { b.activationBackward(f, t[0], t[1], t[2], t[2]); return Float.NaN; }, x, y, dy);
        }
    }

    @ParameterizedTest(name = "prelu [{0}, {1}, {2}]")
    @CsvSource({"1,1,1", "7,1,33", "4,3,7", "2,33,9"})
    void prelu(int outer, int channels, int inner) {
        int n = outer * channels * inner;
        float[] x = random(n * 3L, n, -2, 2), alpha = random(channels, channels, 0, 0.5), dy = random(n + 1L, n), dalpha = random(5, channels);
        check("prelu", TOL, (b, t) -> { b.prelu(t[0], t[1], t[2], inner); return Float.NaN; }, x, alpha, new float[n]);
        check("preluBackward", TOL * (float) Math.sqrt(n), (b, t) -> {
            b.preluBackward(t[0], t[1], t[2], t[3], t[4], inner);
            return Float.NaN;
        }, x, alpha, dy, new float[n], dalpha);
        check("preluBackward dx aliasing dy", TOL * (float) Math.sqrt(n), (b, t) -> {
            b.preluBackward(t[0], t[1], t[2], t[2], t[3], inner);
            return Float.NaN;
        }, x, alpha, dy, dalpha);
    }

    @ParameterizedTest(name = "softmax {0}x{1}")
    @CsvSource({"1,1", "7,33", "257,10", "3,257"})
    void softmax(int rows, int n) {
        float[] x = random(rows * 7L + n, rows * n, -6, 6), dy = random(rows + n, rows * n);
        check("softmax", TOL, (b, t) -> { b.softmax(t[0].reshape(rows, n), t[1].reshape(rows, n)); return Float.NaN; }, x, new float[rows * n]);
        float[] y = new float[rows * n];
        ref.softmax(ref.upload(x, rows, n), ref.upload(y, rows, n));
        Tensor yt = ref.upload(x, rows, n), ys = ref.zeros(rows, n);
        ref.softmax(yt, ys);
        float[] probs = ref.download(ys);
        check("softmaxBackward", TOL * (float) Math.sqrt(n), (b, t) -> {
            b.softmaxBackward(t[0].reshape(rows, n), t[1].reshape(rows, n), t[2].reshape(rows, n));
            return Float.NaN;
        }, probs, dy, new float[rows * n]);
    }

    // ---------------------------------------------------------------- losses and metrics

    @ParameterizedTest(name = "softmax cross-entropy, hinge, count {0}x{1} ignored={2}")
    @CsvSource({"1,1,false", "7,33,true", "257,10,true", "64,10,false", "3,257,false"})
    void classificationLosses(int rows, int n, boolean ignored) {
        float[] z = random(rows * 3L + n, rows * n, -5, 5), lab = labels(rows, rows, n, ignored);
        float tol = TOL * (float) Math.sqrt(rows * n);
        check("softmaxCrossEntropy", tol, (b, t) -> b.softmaxCrossEntropy(t[0].reshape(rows, n), t[1], t[2].reshape(rows, n)), z, lab, new float[rows * n]);
        check("softmaxCrossEntropy, no gradient", tol, (b, t) -> b.softmaxCrossEntropy(t[0].reshape(rows, n), t[1], null), z, lab);
        check("hinge", tol, (b, t) -> b.hinge(t[0].reshape(rows, n), t[1], 1f, t[2].reshape(rows, n)), z, lab, random(1, rows * n));
        check("hinge, no gradient", tol, (b, t) -> b.hinge(t[0].reshape(rows, n), t[1], 0.5f, null), z, lab);
        check("countCorrect", 0, (b, t) -> b.countCorrect(t[0].reshape(rows, n), t[1]), z, lab);
        // a row whose arg-max is its label, and a tie resolved to the first maximum
        float[] tie = new float[rows * n];
        check("countCorrect on ties", 0, (b, t) -> b.countCorrect(t[0].reshape(rows, n), t[1]), tie, new float[rows]);
    }

    @Test
    void lossesOverOnlyIgnoredRowsAreZero() {
        float[] z = random(3, 4 * 5), lab = {-1, -1, -1, -1};
        check("softmaxCrossEntropy all ignored", 0, (b, t) -> b.softmaxCrossEntropy(t[0].reshape(4, 5), t[1], t[2].reshape(4, 5)), z, lab, random(4, 20));
        check("hinge all ignored", 0, (b, t) -> b.hinge(t[0].reshape(4, 5), t[1], 1f, t[2].reshape(4, 5)), z, lab, random(4, 20));
        check("countCorrect all ignored", 0, (b, t) -> b.countCorrect(t[0].reshape(4, 5), t[1]), z, lab);
    }

    @ParameterizedTest(name = "a bad label ({0}) is the reference's error")
    @ValueSource(floats = {3.5f, Float.NaN, 5f, 1e9f})
    void badLabelsAreRefusedWithTheReferenceMessage(float bad) {
        float[] z = random(1, 4 * 5), lab = {0, -1, bad, 1};
        for (String op : new String[] {"softmaxCrossEntropy", "hinge", "countCorrect"}) {
            String[] messages = new String[2];
            Backend[] bs = {ref, cl};
            for (int i = 0; i < 2; i++) {
                Backend b = bs[i];
                Tensor zt = b.upload(z, 4, 5), lt = b.upload(lab, 4), g = b.zeros(4, 5);
                try {
                    switch (op) {
                        case "softmaxCrossEntropy" -> b.softmaxCrossEntropy(zt, lt, g);
                        case "hinge" -> b.hinge(zt, lt, 1f, g);
                        default -> b.countCorrect(zt, lt);
                    }
                } catch (IllegalArgumentException e) {
                    messages[i] = e.getMessage();
                }
            }
            assertThat(messages[0]).as(op + " on the reference").contains("label " + bad + " in row 2");
            assertThat(messages[1]).as(op + " on OpenCL").isEqualTo(messages[0]);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ElementwiseLoss.class)
    void elementwiseLosses(ElementwiseLoss kind) {
        for (int n : new int[] {1, 7, 257, 5000}) {
            boolean bce = kind == ElementwiseLoss.BINARY_CROSS_ENTROPY;
            float[] y = bce ? random(n, n, 0.01, 0.99) : random(n, n, -2, 2);
            float[] d = bce ? random(n + 1, n, 0, 1) : random(n + 1, n, -2, 2);
            if (bce && n > 2) { y[0] = 0f; d[0] = 1f; y[1] = 1f; d[1] = 1f; }     // the clamped logs
            if (n > 3) d[3] = y[3];                                                // L1's sign(0) = 0
            float tol = TOL * (float) Math.sqrt(n) * (bce ? 10 : 1);
            check(kind + " n=" + n, tol, (b, t) -> b.elementwiseLoss(kind, t[0], t[1], t[2]), y, d, new float[n]);
            check(kind + " n=" + n + " no gradient", tol, (b, t) -> b.elementwiseLoss(kind, t[0], t[1], null), y, d);
        }
    }

    // ---------------------------------------------------------------- convolution and pooling

    @ParameterizedTest(name = "conv/pool N={0} C={1} {2}x{3} k={4}x{5} s={6}x{7} p={8}x{9}")
    @CsvSource({
        "1,1,1,1,1,1,1,1,0,0", "2,3,7,7,3,3,1,1,1,1", "2,2,7,7,3,3,2,2,0,0", "1,3,8,6,2,2,2,2,0,0",
        "3,2,9,7,3,2,2,1,1,0", "1,1,33,33,5,5,3,3,2,2", "2,1,5,5,5,5,1,1,0,0", "1,2,6,6,1,1,2,2,0,0",
    })
    void convAndPool(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw) {
        ConvGeometry g = new ConvGeometry(n, c, h, w, kh, kw, sh, sw, ph, pw);
        int in = n * c * h * w, outs = n * c * g.outH() * g.outW(), cols = g.colRows() * g.colCols();
        float[] x = random(in, in), dcols = random(cols, cols), dy = random(outs, outs);
        check("im2col", 0, (b, t) -> { b.im2col(t[0], g, t[1]); return Float.NaN; }, x, new float[cols]);
        check("col2im", TOL, (b, t) -> { b.col2im(t[0], g, t[1]); return Float.NaN; }, dcols, random(7, in));
        check("maxPool", 0, (b, t) -> { b.maxPool(t[0], g, t[1], t[2]); return Float.NaN; }, x, new float[outs], new float[outs]);
        Tensor xr = ref.upload(x, in), yr = ref.zeros(outs), am = ref.zeros(outs);
        ref.maxPool(xr, g, yr, am);
        check("maxPoolBackward", TOL, (b, t) -> { b.maxPoolBackward(t[0], t[1], g, t[2]); return Float.NaN; }, dy, ref.download(am), random(8, in));
        check("avgPool", TOL, (b, t) -> { b.avgPool(t[0], g, t[1]); return Float.NaN; }, x, new float[outs]);
        check("avgPoolBackward", TOL, (b, t) -> { b.avgPoolBackward(t[0], g, t[1]); return Float.NaN; }, dy, random(9, in));
    }

    @Test
    void maxPoolPicksTheFirstOfEqualMaxima() {
        ConvGeometry g = new ConvGeometry(1, 1, 4, 4, 2, 2, 2, 2, 0, 0);
        check("maxPool ties", 0, (b, t) -> { b.maxPool(t[0], g, t[1], t[2]); return Float.NaN; }, new float[16], new float[4], new float[4]);
    }

    // ---------------------------------------------------------------- dropout and embeddings

    @ParameterizedTest(name = "dropout mask p={0}")
    @ValueSource(floats = {0f, 0.1f, 0.5f, 0.9f})
    void dropoutMaskMatchesTheReferenceBitForBit(float p) {
        for (long seed : new long[] {0L, 1L, 42L, -1L, 0x1234_5678_9ABC_DEF0L, Long.MIN_VALUE}) {
            check("dropoutMask seed=" + seed, 0, (b, t) -> { b.dropoutMask(t[0], p, seed); return Float.NaN; }, new float[1031]);
        }
    }

    @ParameterizedTest(name = "embeddings V={0} D={1} R={2}")
    @CsvSource({"1,1,1", "10,7,33", "257,33,7", "5,1,257"})
    void embeddings(int v, int d, int r) {
        SplittableRandom rng = new SplittableRandom(v * 31L + r);
        float[] idx = new float[r];
        for (int i = 0; i < r; i++) idx[i] = rng.nextInt(v);          // with repeats when r > v
        float[] table = random(v, v * d), dout = random(r, r * d);
        check("gatherRows", 0, (b, t) -> { b.gatherRows(t[0].reshape(v, d), t[1], t[2].reshape(r, d)); return Float.NaN; }, table, idx, new float[r * d]);
        if (r > 1) idx[1] = -1;                                         // padding: skipped by the backward
        check("scatterAddRows", TOL * (float) Math.sqrt(r), (b, t) -> {
            b.scatterAddRows(t[0].reshape(r, d), t[1], t[2].reshape(v, d));
            return Float.NaN;
        }, dout, idx, table);
    }

    /**
     * A bad index is an error of the gather or scatter itself: the device flags it and the call reads the flag back (one
     * wait). countCorrectInto waits for nothing (the Trainer's hits stay on the device), so a bad label there is reported
     * by the next read, which names both calls.
     */
    @Test
    void aBadIndexIsAnErrorOfItsOwnCallAndABadLabelOfCountCorrectIntoOfTheNextRead() {
        Tensor table = cl.zeros(4, 3), out = cl.zeros(2, 3);
        assertThatThrownBy(() -> cl.gatherRows(table, cl.upload(new float[] {1, 4}, 2), out)).isInstanceOf(InvalidIndexException.class)
                .hasMessageStartingWith("gatherRows: index 4.0 at position 1").hasMessageContaining("[0, 4)");
        assertThatThrownBy(() -> cl.gatherRows(table, cl.upload(new float[] {-1, 0}, 2), out)).hasMessageContaining("index -1.0 at position 0");
        assertThatThrownBy(() -> cl.scatterAddRows(out, cl.upload(new float[] {0, 9}, 2), table)).isInstanceOf(InvalidIndexException.class)
                .hasMessageStartingWith("scatterAddRows: index 9.0 at position 1").hasMessageContaining("[0, 4)");
        long syncs = cl.hostSyncs();
        cl.gatherRows(table, cl.upload(new float[] {3, 0}, 2), out);   // the flag was reset: the backend goes on
        assertThat(cl.hostSyncs() - syncs).as("a gather of good indices: one wait, for its flag").isEqualTo(1);
        Tensor scores = cl.zeros(2, 3), count = cl.zeros(1);
        syncs = cl.hostSyncs();
        cl.countCorrectInto(scores, cl.upload(new float[] {0, 7}, 2), count);
        assertThat(cl.hostSyncs()).as("countCorrectInto waits for nothing").isEqualTo(syncs);
        assertThatThrownBy(cl::synchronize).isInstanceOf(InvalidIndexException.class)
                .hasMessageStartingWith("synchronize: countCorrectInto: label 7.0 in row 1").hasMessageContaining("found by synchronize");
        cl.synchronize();
        try (dev.nabla.backend.Backend.Scope s = cl.deferIndexChecks()) {   // as inside a Trainer's fit: found by the next read
            syncs = cl.hostSyncs();
            cl.gatherRows(table, cl.upload(new float[] {2, 5}, 2), out);
            assertThat(cl.hostSyncs()).as("a deferred gather waits for nothing").isEqualTo(syncs);
            assertThatThrownBy(() -> cl.sumSquares(out)).isInstanceOf(InvalidIndexException.class)
                    .hasMessageStartingWith("sumSquaresEach: gatherRows: index 5.0 at position 1").hasMessageContaining("found by sumSquaresEach");
        }
        cl.gatherRows(table, cl.upload(new float[] {3, 0}, 2), out);
        cl.synchronize();
    }

    // ---------------------------------------------------------------- recurrent cells

    @ParameterizedTest(name = "LSTM B={0} H={1} peepholes={2}")
    @CsvSource({"1,1,false", "1,1,true", "7,33,false", "7,33,true", "2,257,true"})
    void lstm(int batch, int hid, boolean peepholes) {
        int bh = batch * hid;
        float[] gates = random(bh, 4 * bh, -3, 3), cPrev = random(bh + 1, bh, -2, 2);
        float[] peep = peepholes ? random(hid, 3 * hid) : null;
        check("lstmCell", TOL, (b, t) -> {
            b.lstmCell(t[0].reshape(batch, 4 * hid), t[1].reshape(batch, hid), t[2], t[3].reshape(batch, hid),
                    t[4].reshape(batch, hid), t[5].reshape(batch, hid));
            return Float.NaN;
        }, gates, cPrev, peep, new float[bh], new float[bh], new float[bh]);
        // the backward from the reference's forward state
        Tensor a = ref.upload(gates, batch, 4 * hid), cp = ref.upload(cPrev, batch, hid), c = ref.zeros(batch, hid),
                tc = ref.zeros(batch, hid), h = ref.zeros(batch, hid);
        ref.lstmCell(a, cp, peep == null ? null : ref.upload(peep, 3 * hid), c, tc, h);
        float[] dpeep = peepholes ? random(3, 3 * hid) : null;
        check("lstmCellBackward", TOL * (float) Math.sqrt(batch), (b, t) -> {
            b.lstmCellBackward(t[0].reshape(batch, 4 * hid), t[1].reshape(batch, hid), t[2].reshape(batch, hid),
                    t[3].reshape(batch, hid), t[4], t[5].reshape(batch, hid), t[6].reshape(batch, hid),
                    t[7].reshape(batch, 4 * hid), t[8]);
            return Float.NaN;
        }, ref.download(a), cPrev, ref.download(c), ref.download(tc), peep, random(11, bh), random(12, bh), new float[4 * bh], dpeep);
    }

    @ParameterizedTest(name = "GRU B={0} H={1}")
    @CsvSource({"1,1", "7,33", "3,257"})
    void gru(int batch, int hid) {
        int bh = batch * hid;
        float[] gx = random(bh, 3 * bh, -2, 2), gh = random(bh + 1, 3 * bh, -2, 2), hPrev = random(bh + 2, bh);
        check("gruCell", TOL, (b, t) -> {
            b.gruCell(t[0].reshape(batch, 3 * hid), t[1].reshape(batch, 3 * hid), t[2].reshape(batch, hid),
                    t[3].reshape(batch, hid), t[4].reshape(batch, 3 * hid));
            return Float.NaN;
        }, gx, gh, hPrev, new float[bh], new float[3 * bh]);
        Tensor acts = ref.zeros(batch, 3 * hid);
        ref.gruCell(ref.upload(gx, batch, 3 * hid), ref.upload(gh, batch, 3 * hid), ref.upload(hPrev, batch, hid), ref.zeros(batch, hid), acts);
        check("gruCellBackward", TOL, (b, t) -> {
            b.gruCellBackward(t[0].reshape(batch, 3 * hid), t[1].reshape(batch, 3 * hid), t[2].reshape(batch, hid),
                    t[3].reshape(batch, hid), t[4].reshape(batch, 3 * hid), t[5].reshape(batch, 3 * hid), t[6].reshape(batch, hid));
            return Float.NaN;
        }, ref.download(acts), gh, hPrev, random(13, bh), new float[3 * bh], new float[3 * bh], new float[bh]);
    }

    // ---------------------------------------------------------------- optimizers

    @ParameterizedTest(name = "optimizers n={0}")
    @ValueSource(ints = {1, 7, 33, 257})
    void optimizers(int n) {
        float[] w = random(n, n), g = random(n + 1, n), s1 = random(n + 2, n, 0, 1), s2 = random(n + 3, n, 0, 1);
        for (int step = 0; step < 3; step++) {    // a few steps, so the state the kernels write feeds the next step
            check("sgd", TOL, (b, t) -> { b.sgdStep(t[0], t[1], null, 0.1f, 0f, false, 0f); return Float.NaN; }, w, g);
            check("sgd momentum+decay", TOL, (b, t) -> { b.sgdStep(t[0], t[1], t[2], 0.1f, 0.9f, false, 0.01f); return Float.NaN; }, w, g, s1);
            check("sgd nesterov", TOL, (b, t) -> { b.sgdStep(t[0], t[1], t[2], 0.1f, 0.9f, true, 0f); return Float.NaN; }, w, g, s1);
            check("adagrad", TOL, (b, t) -> { b.adagradStep(t[0], t[1], t[2], 0.1f, 1e-10f, 0.01f); return Float.NaN; }, w, g, s1);
            check("rmsprop", TOL, (b, t) -> { b.rmspropStep(t[0], t[1], t[2], 0.01f, 0.99f, 1e-8f, 0f); return Float.NaN; }, w, g, s1);
            check("adadelta", TOL, (b, t) -> { b.adadeltaStep(t[0], t[1], t[2], t[3], 1f, 0.9f, 1e-6f, 0.01f); return Float.NaN; }, w, g, s1, s2);
            int tStep = step + 1;
            check("adam t=" + tStep, TOL, (b, t) -> { b.adamStep(t[0], t[1], t[2], t[3], 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, tStep); return Float.NaN; }, w, g, s1, s2);
        }
    }

    // ---------------------------------------------------------------- memory

    @Test
    void uploadDownloadAtOffsetsAndErrors() {
        Tensor t = cl.upload(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertThat(cl.download(t.slice(1))).containsExactly(4, 5, 6);
        cl.upload(new float[] {9, 8, 7, 6}, 1, t.view(2, 3));
        assertThat(cl.download(t)).containsExactly(1, 2, 8, 7, 6, 6);
        assertThat(cl.zeros(0).size()).isZero();
        assertThatThrownBy(() -> cl.upload(new float[5], 2, 3)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("do not fill shape");
        assertThatThrownBy(() -> cl.copy(ref.zeros(3), cl.zeros(3))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("belongs to backend 'ref'");
        assertThatThrownBy(() -> cl.gemm(false, false, 1f, cl.zeros(2, 3), cl.zeros(2, 3), 0f, cl.zeros(2, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gemm: op(A) is 2x3, op(B) is 2x3");
    }
}
