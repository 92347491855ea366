package dev.nabla.cpu;

import static dev.nabla.cpu.Elementwise.GRAIN;
import static dev.nabla.cpu.Elementwise.L;
import static dev.nabla.cpu.Elementwise.S;
import static dev.nabla.cpu.Elementwise.data;

import dev.nabla.backend.ConvGeometry;
import dev.nabla.backend.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The conv family of the CPU backend (kernels/opencl/conv.cl; the reference's "conv" section): im2col and col2im, the
 * data movement that turns a convolution into GEMMs, and the convolution itself ({@link #conv2d},
 * {@link #conv2dBackward}) as those steps image by image in cache, or as a direct convolution where the kernel bank is
 * small. They move runs of 10–28 floats for LeNet-sized images, where {@code System.arraycopy} and plain loops measured
 * faster than masked vectors or gathers, except that a row of at most one or two vectors is one or two vector loads or
 * adds. Loops here are written to run long and without a branch per row: on JDK 25's C2 a loop of 5–10 trips, a
 * vector chosen by a branch, or a division per row (ConvGeometry's outH and outW divide) each measured as costly as
 * the copying itself.
 */
final class Conv {
    private Conv() {}

    /** First output position o with 0 ≤ o·stride − pad + k (the window's tap k inside the input). */
    private static int firstInside(int stride, int pad, int k) {
        return Math.max(0, stride == 1 ? pad - k : Math.ceilDiv(pad - k, stride));   // a division costs ~a dozen cycles
    }

    /** One past the last output position o (below {@code out}) with o·stride − pad + k < size. */
    private static int endInside(int size, int stride, int pad, int k, int out) {
        return Math.min(out, (stride == 1 ? size - 1 + pad - k : Math.floorDiv(size - 1 + pad - k, stride)) + 1);
    }

    static void im2col(Tensor x, ConvGeometry g, Tensor cols) {
        float[] xd = data(x), cd = data(cols);
        Parallel.range(g.colRows(), Math.max(1, GRAIN / Math.max(1, g.colCols())),
                (r0, r1) -> im2colRows(xd, x.offset(), g, cd, cols.offset(), r0, r1));
    }

    /** Rows [r0, r1) of im2col's matrix for the images of g, read at xo, written at co. */
    private static void im2colRows(float[] xd, int xo, ConvGeometry g, float[] cd, int co, int r0, int r1) {
        int oh = g.outH(), ow = g.outW(), ncols = g.colCols(), kh = g.kernelH(), kw = g.kernelW(), w = g.width();
        int sw = g.strideW(), pw = g.padW();
        // row = (c·kH + ky)·kW + kx, counted on rather than divided out (per row, not per element: see firstInside)
        for (int row = r0, c = row / (kh * kw), ky = row / kw % kh, kx = row % kw; row < r1; row++) {
            int ox0 = Math.min(ow, firstInside(sw, pw, kx)), ox1 = Math.max(ox0, endInside(w, sw, pw, kx, ow));
            if (sw == 1 && ow <= L) {                          // an output row fits one vector (LeNet conv2's 10)
                im2colShortRows(xd, cd, g, oh, ow, ncols, row, c, ky, kx, ox0, ox1, xo, co);
            } else if (sw == 1 && ow <= 2 * L) {               // two vectors (LeNet conv1's 28)
                im2colTwoVectorRows(xd, cd, g, oh, ow, ncols, row, c, ky, kx, ox0, ox1, xo, co);
            } else im2colRow(xd, cd, g, oh, ow, ncols, row, c, ky, kx, ox0, ox1, xo, co);
            if (++kx == kw) {
                kx = 0;
                if (++ky == kh) {
                    ky = 0;
                    c++;
                }
            }
        }
    }

    /** im2col's row {@code row} = (c, ky, kx) in general: runs copied or filled, strided taps one by one. */
    private static void im2colRow(float[] xd, float[] cd, ConvGeometry g, int oh, int ow, int ncols, int row, int c, int ky,
            int kx, int ox0, int ox1, int xo, int co) {
        int h = g.height(), w = g.width(), sh = g.strideH(), sw = g.strideW(), ph = g.padH();
        // short runs: System.arraycopy and Arrays.fill are intrinsics that beat masked vectors on 10–28 floats
        for (int n = 0; n < g.batch(); n++) {
            int plane = xo + (n * g.channels() + c) * h * w;
            for (int oy = 0; oy < oh; oy++) {
                int iy = oy * sh - ph + ky, dst = co + row * ncols + (n * oh + oy) * ow;
                if (iy < 0 || iy >= h) {
                    Arrays.fill(cd, dst, dst + ow, 0f);
                    continue;
                }
                for (int i = dst; i < dst + ox0; i++) cd[i] = 0f;   // the 0–2 padded taps: a loop beats fill's setup
                int src = plane + iy * w - g.padW() + kx;     // x[.., iy, ox·sW − pW + kx]
                if (sw == 1) System.arraycopy(xd, src + ox0, cd, dst + ox0, ox1 - ox0);
                else for (int ox = ox0; ox < ox1; ox++) cd[dst + ox] = xd[src + ox * sw];
                for (int i = dst + ox1; i < dst + ow; i++) cd[i] = 0f;
            }
        }
    }

    /**
     * im2col's row {@code row} = (c, ky, kx) for stride 1 and outW ≤ L: each output row is one masked load of the
     * taps inside the input (lanes [ox0, ox1), the others read as the padding's 0) and one store of outW lanes — a plain
     * store of L lanes where the row has room, since the next output row overwrites the rest: masked stores measured
     * about 10× slower than plain ones on the 2-core Zen 5 box (4.2 against 0.44 ns per 16-float row, 2026-12-02).
     */
    private static void im2colShortRows(float[] xd, float[] cd, ConvGeometry g, int oh, int ow, int ncols, int row, int c,
            int ky, int kx, int ox0, int ox1, int xo, int co) {
        int h = g.height(), w = g.width(), ph = g.padH(), pw = g.padW();
        long inside = (1L << ox1) - (1L << ox0), out = (1L << ow) - 1;      // masks made where used: see col2imShortRows
        int rowEnd = co + (row + 1) * ncols;
        for (int n = 0; n < g.batch(); n++) {
            int plane = xo + (n * g.channels() + c) * h * w;
            for (int oy = 0; oy < oh; oy++) {
                int iy = oy * g.strideH() - ph + ky, dst = co + row * ncols + (n * oh + oy) * ow;
                FloatVector v = iy < 0 || iy >= h || ox0 >= ox1 ? FloatVector.zero(S)
                        : FloatVector.fromArray(S, xd, plane + iy * w - pw + kx, VectorMask.fromLong(S, inside));
                if (dst + L <= rowEnd) v.intoArray(cd, dst);                // a plain store where the row has room (above)
                else v.intoArray(cd, dst, VectorMask.fromLong(S, out));
            }
        }
    }

    /** As {@link #im2colShortRows} for L < outW ≤ 2L: each output row is two masked loads and two stores. */
    private static void im2colTwoVectorRows(float[] xd, float[] cd, ConvGeometry g, int oh, int ow, int ncols, int row, int c,
            int ky, int kx, int ox0, int ox1, int xo, int co) {
        int h = g.height(), w = g.width(), ph = g.padH(), pw = g.padW();
        long inside = (1L << ox1) - (1L << ox0), in0 = inside & ((1L << L) - 1), in1 = inside >>> L, out1 = (1L << (ow - L)) - 1;
        int rowEnd = co + (row + 1) * ncols;
        for (int n = 0; n < g.batch(); n++) {                               // masks made where used: see col2imShortRows
            int plane = xo + (n * g.channels() + c) * h * w;
            for (int oy = 0; oy < oh; oy++) {
                int iy = oy * g.strideH() - ph + ky, dst = co + row * ncols + (n * oh + oy) * ow;
                if (iy < 0 || iy >= h || ox0 >= ox1) {
                    FloatVector.zero(S).intoArray(cd, dst);
                    if (dst + 2 * L <= rowEnd) FloatVector.zero(S).intoArray(cd, dst + L);
                    else FloatVector.zero(S).intoArray(cd, dst + L, VectorMask.fromLong(S, out1));
                } else {
                    int src = plane + iy * w - pw + kx;
                    FloatVector.fromArray(S, xd, src, VectorMask.fromLong(S, in0)).intoArray(cd, dst);
                    FloatVector v = FloatVector.fromArray(S, xd, src + L, VectorMask.fromLong(S, in1));
                    if (dst + 2 * L <= rowEnd) v.intoArray(cd, dst + L);
                    else v.intoArray(cd, dst + L, VectorMask.fromLong(S, out1));
                }
            }
        }
    }

    static void col2im(Tensor cols, ConvGeometry g, Tensor dx) {
        float[] xd = data(dx), cd = data(cols);
        int ch = g.channels(), nb = g.batch(), hw = g.height() * g.width();
        // one (n, c) plane per task; each pixel receives its taps in the reference's order (ky, kx), so sums are identical.
        // Planes of one-vector rows go c-major: consecutive tasks read on along cols' rows.
        boolean cMajor = oneVectorRows(g);
        Parallel.range(nb * ch, Math.max(1, GRAIN / (hw * g.kernelH() * g.kernelW())), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int n = cMajor ? p % nb : p / ch, c = cMajor ? p / nb : p % ch;
                col2imPlane(cd, cols.offset(), g, n, c, xd, dx.offset() + (n * ch + c) * hw);
            }
        });
    }

    private static boolean oneVectorRows(ConvGeometry g) { return g.strideW() == 1 && g.strideH() == 1 && g.width() <= L; }

    /**
     * Plane (n, c) of col2im: the columns read at co, the plane written at {@code plane}. A run of at most L floats
     * (LeNet's 10) is one masked vector add; longer runs a plain loop, which C2 vectorises.
     */
    private static void col2imPlane(float[] cd, int co, ConvGeometry g, int n, int c, float[] xd, int plane) {
        if (oneVectorRows(g)) {
            col2imShortRows(cd, co, g, n, c, xd, plane);
            return;
        }
        int oh = g.outH(), ow = g.outW(), ncols = g.colCols(), kh = g.kernelH(), kw = g.kernelW(), h = g.height(), w = g.width();
        int sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW();
        Arrays.fill(xd, plane, plane + h * w, 0f);
        for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++) {
                int row = (c * kh + ky) * kw + kx;
                int ox0 = firstInside(sw, pw, kx), ox1 = endInside(w, sw, pw, kx, ow);
                if (ox0 >= ox1) continue;
                int oy0 = firstInside(sh, ph, ky), oyEnd = endInside(h, sh, ph, ky, oh);
                if (sw == 1 && ox1 - ox0 <= L) {                // a run fits one vector: one masked add per row
                    VectorMask<Float> m = S.indexInRange(0, ox1 - ox0);
                    for (int oy = oy0; oy < oyEnd; oy++) {
                        int src = co + row * ncols + (n * oh + oy) * ow + ox0,
                                dst = plane + (oy * sh - ph + ky) * w - pw + kx + ox0;
                        FloatVector.fromArray(S, xd, dst, m).add(FloatVector.fromArray(S, cd, src, m)).intoArray(xd, dst, m);
                    }
                    continue;
                }
                for (int oy = oy0; oy < oyEnd; oy++) {
                    int src = co + row * ncols + (n * oh + oy) * ow, dst = plane + (oy * sh - ph + ky) * w - pw + kx;
                    if (sw == 1) for (int ox = ox0; ox < ox1; ox++) xd[dst + ox] += cd[src + ox];
                    else for (int ox = ox0; ox < ox1; ox++) xd[dst + ox * sw] += cd[src + ox];
                }
            }
    }

    /**
     * col2im of one (n, c) plane for stride 1 and a row of at most L pixels (LeNet conv2's 14): each input row is summed
     * in one vector register — tap (ky, kx) adds one masked load of its output row's run of the columns, shifted by kx
     * lanes — and stored once. The taps arrive in the reference's order (ky, kx) and each sum starts from +0, so the
     * bits are the reference's. Measured against col2im's general loop (one thread, batch 64, 2-core Zen 5): 488–498
     * against 622–644 µs; adding each run into memory tap by tap instead measured 615–625. Rows go in pairs, two
     * independent sums: one row's chain of kH·kW dependent additions left the adder waiting (LeNet conv2 per image,
     * one thread, 2026-12-02: 3.4 µs one row at a time).
     */
    private static void col2imShortRows(float[] cd, int co, ConvGeometry g, int n, int c, float[] xd, int plane) {
        int oh = g.outH(), ow = g.outW(), ncols = g.colCols(), kh = g.kernelH(), kw = g.kernelW(), h = g.height(), w = g.width();
        int ph = g.padH(), pw = g.padW();
        // the taps of input row iy: ky from kyFirst(iy) (the last output row bounds it) to kyEnd(iy) (the first does);
        // tap (ky, kx) of row iy reads output row oy = iy + pH − ky at column base(ky, kx) + oy·outW
        int rowBase = co + c * kh * kw * ncols + n * oh * ow + pw;
        // Vectors and masks are made inside the loops: hoisted masks and a static zero measured boxed here (144 KB allocated
        // per LeNet conv2 image, 14 against 3.8 µs, JDK 25 C2, 2026-12-02)
        int iy = 0;
        for (; iy + 1 < h; iy += 2) {                          // rows iy and iy + 1: row iy's taps start and end first
            int first0 = Math.max(0, iy + ph - oh + 1), end0 = Math.min(kh, iy + ph + 1);
            int first1 = Math.max(0, iy + 1 + ph - oh + 1), end1 = Math.min(kh, iy + ph + 2);
            FloatVector acc0 = FloatVector.zero(S), acc1 = FloatVector.zero(S);
            for (int ky = first0; ky < Math.min(first1, end0); ky++) {               // row iy alone
                int at = rowBase + ky * kw * ncols + (iy + ph - ky) * ow;
                for (int kx = 0; kx < kw; kx++) {
                    int lo = Math.max(0, kx - pw), hi = Math.min(w, kx - pw + ow);
                    if (lo >= hi) continue;
                    acc0 = acc0.add(FloatVector.fromArray(S, cd, at + kx * ncols - kx, VectorMask.fromLong(S, (1L << hi) - (1L << lo))));
                }
            }
            for (int ky = first1; ky < end0; ky++) {                                  // both rows: tap ky of row iy + 1
                int at = rowBase + ky * kw * ncols + (iy + ph - ky) * ow;             //   reads one output row further
                for (int kx = 0; kx < kw; kx++) {
                    int lo = Math.max(0, kx - pw), hi = Math.min(w, kx - pw + ow);
                    if (lo >= hi) continue;
                    acc0 = acc0.add(FloatVector.fromArray(S, cd, at + kx * ncols - kx, VectorMask.fromLong(S, (1L << hi) - (1L << lo))));
                    acc1 = acc1.add(FloatVector.fromArray(S, cd, at + ow + kx * ncols - kx, VectorMask.fromLong(S, (1L << hi) - (1L << lo))));
                }
            }
            for (int ky = Math.max(first1, end0); ky < end1; ky++) {                 // row iy + 1 alone
                int at = rowBase + ky * kw * ncols + (iy + 1 + ph - ky) * ow;
                for (int kx = 0; kx < kw; kx++) {
                    int lo = Math.max(0, kx - pw), hi = Math.min(w, kx - pw + ow);
                    if (lo >= hi) continue;
                    acc1 = acc1.add(FloatVector.fromArray(S, cd, at + kx * ncols - kx, VectorMask.fromLong(S, (1L << hi) - (1L << lo))));
                }
            }
            acc0.intoArray(xd, plane + iy * w, VectorMask.fromLong(S, (1L << w) - 1));
            acc1.intoArray(xd, plane + (iy + 1) * w, VectorMask.fromLong(S, (1L << w) - 1));
        }
        for (; iy < h; iy++) {                                                      // an odd height's last row
            FloatVector acc = FloatVector.zero(S);
            for (int ky = Math.max(0, iy + ph - oh + 1); ky < Math.min(kh, iy + ph + 1); ky++) {
                int at = rowBase + ky * kw * ncols + (iy + ph - ky) * ow;
                for (int kx = 0; kx < kw; kx++) {
                    // lane ix ← cols[(c, ky, kx), (n, oy, ox = ix + pW − kx)] for the ox inside [0, outW)
                    int lo = Math.max(0, kx - pw), hi = Math.min(w, kx - pw + ow);
                    if (lo >= hi) continue;
                    acc = acc.add(FloatVector.fromArray(S, cd, at + kx * ncols - kx, VectorMask.fromLong(S, (1L << hi) - (1L << lo))));
                }
            }
            acc.intoArray(xd, plane + iy * w, VectorMask.fromLong(S, (1L << w) - 1));
        }
    }

    // ---- the convolution, image by image

    /**
     * One thread's columns of one image ([C·kH·kW, outH·outW]) and their gradient, and the calling thread's copy of
     * the kernel bank and tap offsets for the direct convolution or its per-part ∂W sums; grown as needed, so a step
     * allocates nothing.
     */
    private static final class Scratch {
        float[] cols = new float[0], dcols = new float[0], dpart = new float[0], bank = new float[0], wt = new float[0],
                pad = new float[0];
        int[] taps = new int[0];

        /** cols with room for n floats. */
        Scratch size(int n) {
            cols = atLeast(cols, n);
            return this;
        }

        /** a, or a new array of n floats if a is shorter. */
        private static float[] atLeast(float[] a, int n) { return a.length < n ? new float[n] : a; }

        /** At least n floats (not zeroed) for the columns' gradient of a part of the batch. */
        float[] dcols(int n) { return dcols = atLeast(dcols, n); }

        /** At least n floats (not zeroed) for δ of a part of the batch, gathered as [C_out, images·P]. */
        float[] dpart(int n) { return dpart = atLeast(dpart, n); }

        /** bank[0, n) zeroed. */
        float[] bank(int n) {
            if (bank.length < n) bank = new float[n];
            else Arrays.fill(bank, 0, n, 0f);
            return bank;
        }

        /** At least n floats (not zeroed) for an image zero-padded by {@link #padImage}. */
        float[] pad(int n) { return pad = atLeast(pad, n); }

        /** At least n ints (not zeroed) for tap offsets: the direct convolution's, im2colImage's. */
        int[] taps(int n) {
            if (taps.length < n) taps = new int[n];
            return taps;
        }

        /** At least n floats (not zeroed) for ∂E/∂W turned into ∂E/∂Wᵀ's layout. */
        float[] wt(int n) { return wt = atLeast(wt, n); }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** The geometry of one image of g's batch. */
    private static ConvGeometry oneImage(ConvGeometry g) { return withBatch(g, 1); }

    /** g for a batch of n images. */
    private static ConvGeometry withBatch(ConvGeometry g, int n) {
        return g.batch() == n ? g : new ConvGeometry(n, g.channels(), g.height(), g.width(), g.kernelH(), g.kernelW(),
                g.strideH(), g.strideW(), g.padH(), g.padW());
    }

    /**
     * y = conv(x, W) + b as im2col and a GEMM per image, the images split over the threads: image n's columns
     * X_n [C·kH·kW, P] stay in the thread's cache, and net_n = W · X_n [C_out, P] is already image n of y in NCHW — no
     * batch-wide column matrix (LeNet conv1's is 5 MB at batch 64), no swap of the axes, and no GEMM too small to split.
     */
    static void conv2d(Tensor x, Tensor w, Tensor b, ConvGeometry g, Tensor y) {
        float[] xd = data(x), wd = data(w), yd = data(y), bd = b == null ? null : data(b);
        int k = g.colRows(), cout = w.size() / k, p = g.outH() * g.outW(), in = g.channels() * g.height() * g.width();
        ConvGeometry g1 = oneImage(g);
        if (direct(g, cout)) {                                                     // LeNet conv1 and conv2: no columns
            int groups = Math.ceilDiv(cout, DIRECT_OUT);
            float[] w8 = SCRATCH.get().bank(groups * k * DIRECT_OUT);      // W as [C_out / 8][C·kH·kW][8], padded with 0
            for (int o = 0; o < cout; o++) {
                for (int t = 0; t < k; t++) w8[((o / DIRECT_OUT) * k + t) * DIRECT_OUT + o % DIRECT_OUT] = wd[w.offset() + o * k + t];
            }
            int padded = g.channels() * (g.outH() + g.kernelH()) * directRowLength(g) + 2 * DIRECT_OUT * L;
            int[] taps = tapOffsets(g, g.outH() + g.kernelH(), SCRATCH.get().taps(k));   // directImage's padded rows
            Parallel.range(g.batch(), 1, (n0, n1) -> {
                Scratch s = SCRATCH.get().size(padded);
                for (int n = n0; n < n1; n++)
                    directImage(xd, x.offset() + n * in, g1, w8, taps, bd, b == null ? 0 : b.offset(), cout, s.cols, yd, y.offset() + n * cout * p);
            });
            return;
        }
        Parallel.range(g.batch(), 1, (n0, n1) -> {
            Scratch s = SCRATCH.get().size(k * p);
            Sgemm.Buffers buf = Sgemm.LOCAL.get();
            for (int n = n0; n < n1; n++) {
                im2colRows(xd, x.offset() + n * in, g1, s.cols, 0, 0, k);             // X_n = im2col(x_n)  [C·kH·kW, P]
                int yn = y.offset() + n * cout * p;
                if (bd != null) for (int o = 0; o < cout; o++) Arrays.fill(yd, yn + o * p, yn + (o + 1) * p, bd[b.offset() + o]);
                Sgemm.blocked(buf, false, false, cout, p, k, 1f, wd, w.offset(), k, s.cols, 0, p,   // net_n = W · X_n (+ b)
                        bd == null ? 0f : 1f, yd, yn, p);
            }
        });
    }

    /** The output channels of the direct convolution per pass over an image: 8 channels × 2 vectors are its 16 accumulators. */
    static final int DIRECT_OUT = 8;

    /** The most output channels of the direct convolution (two passes of {@link #DIRECT_OUT}). */
    static final int DIRECT_MAX_OUT = 2 * DIRECT_OUT;

    /**
     * Whether image by image a direct convolution replaces im2col and the GEMM: stride 1, at most
     * {@link #DIRECT_MAX_OUT} output channels, an output row of at most two vectors, and C·kH·kW within one of the
     * GEMM's k-slices ({@link Sgemm#KC}) — LeNet's conv1 (1→6, 5×5 on 28×28) and conv2 (6→16, 5×5 on 14×14).
     */
    static boolean direct(ConvGeometry g, int cout) {
        return g.strideH() == 1 && g.strideW() == 1 && cout <= DIRECT_MAX_OUT && g.outW() <= 2 * L && g.colRows() <= Sgemm.KC;
    }

    /** A row of the direct convolution's zero-padded image: the taps of two vectors (one row wider than L) or one. */
    private static int directRowLength(ConvGeometry g) { return (g.outW() > L ? 2 * L : L) + g.kernelW() - 1; }

    /**
     * One image of a direct convolution: the image is copied once into a zero-padded buffer ({@link #directRowLength},
     * and one spare row of zeros), then for each 8 output channels each output row — or, for rows of at most one vector,
     * each two output rows — is 8 channels × 2 vectors of accumulators, one FMA per tap (c, ky, kx) in the order of k =
     * (c·kH + ky)·kW + kx from +0, then + b: the very operations of the GEMM's micro-kernel on im2col's columns, so the
     * bits are the matrix form's. For LeNet conv1 a row costs 25 taps × 2 loads and 16 FMAs, where im2col wrote 25 rows
     * of columns and the GEMM, with 6 of its 8 rows used, read them back; conv2's forward per image (one thread,
     * 2-core Zen 5, 2026-12-02): im2col + GEMM 9.7 µs, direct 4.1 µs (conv1's 3.6 → 2.3 µs once the taps ran as one
     * loop over precomputed offsets: nested loops of kW = 5 trips measured 1.6–1.7× slower).
     */
    private static void directImage(float[] xd, int xo, ConvGeometry g, float[] w8, int[] tapsAt, float[] bd, int bo, int cout, float[] pad,
            float[] yd, int yo) {
        int ch = g.channels(), h = g.height(), w = g.width(), kh = g.kernelH(), kw = g.kernelW(), oh = g.outH(), ow = g.outW();
        int hp = oh + kh, wp = directRowLength(g), p = oh * ow, k = ch * kh * kw;
        boolean twoRows = ow <= L;                    // the second vector: the next output row, or the row's lanes L ..
        int second = twoRows ? wp : L, step = twoRows ? 2 : 1;
        int[] taps = tapsAt;
        padImage(xd, xo, g, hp, wp, pad);
        for (int o0 = 0; o0 < cout; o0 += DIRECT_OUT)
            for (int oy = 0; oy < oh; oy += step) {
                FloatVector a00 = FloatVector.zero(S), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00,
                        a40 = a00, a41 = a00, a50 = a00, a51 = a00, a60 = a00, a61 = a00, a70 = a00, a71 = a00;
                for (int t = 0, wt = o0 * k, base = oy * wp; t < k; t++, wt += DIRECT_OUT) {
                    int at = base + taps[t];
                    FloatVector v0 = FloatVector.fromArray(S, pad, at), v1 = FloatVector.fromArray(S, pad, at + second), q;
                    q = FloatVector.broadcast(S, w8[wt]); a00 = q.fma(v0, a00); a01 = q.fma(v1, a01);
                    q = FloatVector.broadcast(S, w8[wt + 1]); a10 = q.fma(v0, a10); a11 = q.fma(v1, a11);
                    q = FloatVector.broadcast(S, w8[wt + 2]); a20 = q.fma(v0, a20); a21 = q.fma(v1, a21);
                    q = FloatVector.broadcast(S, w8[wt + 3]); a30 = q.fma(v0, a30); a31 = q.fma(v1, a31);
                    q = FloatVector.broadcast(S, w8[wt + 4]); a40 = q.fma(v0, a40); a41 = q.fma(v1, a41);
                    q = FloatVector.broadcast(S, w8[wt + 5]); a50 = q.fma(v0, a50); a51 = q.fma(v1, a51);
                    q = FloatVector.broadcast(S, w8[wt + 6]); a60 = q.fma(v0, a60); a61 = q.fma(v1, a61);
                    q = FloatVector.broadcast(S, w8[wt + 7]); a70 = q.fma(v0, a70); a71 = q.fma(v1, a71);
                }
                // the 16 accumulators through a row buffer (vectors passed to a method were boxed), then + b and stored
                float[] acc = pad;
                int at = ch * hp * wp;
                a00.intoArray(acc, at); a01.intoArray(acc, at + L); a10.intoArray(acc, at + 2 * L); a11.intoArray(acc, at + 3 * L);
                a20.intoArray(acc, at + 4 * L); a21.intoArray(acc, at + 5 * L); a30.intoArray(acc, at + 6 * L); a31.intoArray(acc, at + 7 * L);
                a40.intoArray(acc, at + 8 * L); a41.intoArray(acc, at + 9 * L); a50.intoArray(acc, at + 10 * L); a51.intoArray(acc, at + 11 * L);
                a60.intoArray(acc, at + 12 * L); a61.intoArray(acc, at + 13 * L); a70.intoArray(acc, at + 14 * L); a71.intoArray(acc, at + 15 * L);
                int oc = Math.min(DIRECT_OUT, cout - o0), out = yo + o0 * p + oy * ow;
                directRows(acc, at, bd, bo + o0, oc, yd, out, p, ow, oh - oy, twoRows);
            }
    }

    /**
     * taps[t] for t = (c·kH + ky)·kW + kx: where tap (c, ky, kx) of output (0, 0) lies in an image padded by
     * {@link #padImage} into planes of hp rows of {@link #directRowLength} floats, (c·hp + ky)·row + kx. Returns taps.
     */
    private static int[] tapOffsets(ConvGeometry g, int hp, int[] taps) {
        int kh = g.kernelH(), kw = g.kernelW(), wp = directRowLength(g);
        for (int t = 0, c = 0, ky = 0, kx = 0; t < g.colRows(); t++) {
            taps[t] = (c * hp + ky) * wp + kx;
            if (++kx == kw) { kx = 0; if (++ky == kh) { ky = 0; c++; } }
        }
        return taps;
    }

    /**
     * Image xd[xo ..] of g copied into pad[0, C·hp·wp) as C planes of hp rows of wp floats, the input at (padH, padW) of
     * each plane and zeros around it — rows kH − 1 + outH ≤ hp and a row of wp ≥ kW − 1 + the lanes read hold every tap.
     */
    private static void padImage(float[] xd, int xo, ConvGeometry g, int hp, int wp, float[] pad) {
        int ch = g.channels(), h = g.height(), w = g.width();
        Arrays.fill(pad, 0, ch * hp * wp, 0f);
        for (int c = 0; c < ch; c++)
            for (int iy = 0; iy < h; iy++) {
                int r = iy + g.padH();
                if (r < hp) System.arraycopy(xd, xo + (c * h + iy) * w, pad, (c * hp + r) * wp + g.padW(), Math.min(w, wp - g.padW()));
            }
    }

    /**
     * im2col of image xd[xo ..] of g into s.cols, for stride 1 and an output row of at most 2L: the image zero-padded
     * once ({@link #padImage}, into s.pad), then each output row of each tap row (c, ky, kx) is one or two plain loads
     * and stores — no padded tap to mask and no branch per row. A plain store spills into the next output row, which
     * overwrites it; the stores at the end of a tap row are masked; output row by output row, each loop runs over all
     * C·kH·kW tap rows. LeNet's columns per image, one thread, 2-core Zen 5 (2026-12-02): conv2 2.4 µs against
     * im2colRows' 5.1, conv1 1.8 against 2.6.
     */
    private static void im2colImage(float[] xd, int xo, ConvGeometry g, Scratch s) {
        int oh = g.outH(), ow = g.outW(), p = oh * ow, k = g.colRows(), hp = oh + g.kernelH() - 1, wp = directRowLength(g);
        float[] pad = s.pad(g.channels() * hp * wp), cd = s.cols;
        padImage(xd, xo, g, hp, wp, pad);
        int[] taps = tapOffsets(g, hp, s.taps(k));
        // output row oy of every tap row in turn, so that each loop runs over all C·kH·kW tap rows
        boolean one = ow <= L;
        long lastLanes = (1L << (one ? ow : ow - L)) - 1;
        int reach = one ? L : 2 * L;                                  // a plain store of run oy ends at oy·outW + reach
        for (int oy = 0; oy < oh; oy++) {
            int src = oy * wp, dst = oy * ow;
            boolean plain = dst + reach <= p;
            if (one && plain) for (int t = 0; t < k; t++) FloatVector.fromArray(S, pad, taps[t] + src).intoArray(cd, t * p + dst);
            else if (one) {
                for (int t = 0; t < k; t++) {
                    FloatVector.fromArray(S, pad, taps[t] + src).intoArray(cd, t * p + dst, VectorMask.fromLong(S, lastLanes));
                }
            } else if (plain) {
                for (int t = 0; t < k; t++) {
                    FloatVector.fromArray(S, pad, taps[t] + src).intoArray(cd, t * p + dst);
                    FloatVector.fromArray(S, pad, taps[t] + src + L).intoArray(cd, t * p + dst + L);
                }
            } else {
                for (int t = 0; t < k; t++) {
                    FloatVector.fromArray(S, pad, taps[t] + src).intoArray(cd, t * p + dst);
                    FloatVector.fromArray(S, pad, taps[t] + src + L).intoArray(cd, t * p + dst + L, VectorMask.fromLong(S, lastLanes));
                }
            }
        }
    }

    /**
     * The output rows of channels o < oc from the row buffer at {@code at} (2L floats per channel; {@code left} = outH − oy
     * rows remain): + b[o] as the GEMM adds its β·C (b·1 + acc), then either lanes [0, L) and [L, outW) of row oy (a row
     * wider than L) or rows oy and oy + 1 ({@code twoRows}), each stored plain where the channel's later rows, written
     * after it, take the whole spill (L − outW lanes, or 2L − outW), masked where they would not.
     */
    private static void directRows(float[] acc, int at, float[] bd, int bo, int oc, float[] yd, int out, int p, int ow, int left,
            boolean twoRows) {
        for (int o = 0; o < oc; o++) {
            FloatVector lo = FloatVector.fromArray(S, acc, at + 2 * o * L), hi = FloatVector.fromArray(S, acc, at + (2 * o + 1) * L);
            if (bd != null) {
                lo = lo.add(bd[bo + o]);
                hi = hi.add(bd[bo + o]);
            }
            int y = out + o * p;
            if (!twoRows) {
                lo.intoArray(yd, y);
                if (left > 1) hi.intoArray(yd, y + L);
                else hi.intoArray(yd, y + L, VectorMask.fromLong(S, (1L << (ow - L)) - 1));
                continue;
            }
            if (left * ow >= L) lo.intoArray(yd, y);
            else lo.intoArray(yd, y, VectorMask.fromLong(S, (1L << ow) - 1));
            if (left < 2) continue;
            if ((left - 1) * ow >= L) hi.intoArray(yd, y + ow);
            else hi.intoArray(yd, y + ow, VectorMask.fromLong(S, (1L << ow) - 1));
        }
    }

    /** The shortest k = outH·outW for which ∂E/∂W's product runs as dot products (LeNet conv1's 784; conv2's 100 does not). */
    static final int DOTS_MIN_P = 512;

    /** The most columns (images · outH·outW) of one ∂E/∂X product in the backward pass: 8 of LeNet conv2's 100. */
    static final int PART_COLUMNS = 1024;

    /** The parts of the batch whose ∂E/∂W are summed apart: a fixed number, so the bits do not depend on the threads. */
    static final int PARTS = 8;

    /**
     * The backward pass image by image, as {@link #conv2d}, the batch split over the threads in {@link #PARTS} fixed
     * parts; δ_n [C_out, P] is image n of δ as it lies. ∂E/∂W += δ_n · X_nᵀ with X_n recomputed in cache
     * ({@link #im2colImage} where it applies) — a product of two row-major matrices along P: as dot products when P is
     * long ({@link #DOTS_MIN_P}), else as its transpose ∂E/∂Wᵀ += X_n · δ_nᵀ, which packs δ_n's C_out·P floats instead
     * of transposing X_n's C·kH·kW·P, and for C_out ≤ 16 is the GEMM's narrow path (LeNet conv2's ∂W per image, one
     * thread, 2-core Zen 5, 2026-12-02: 7.6 → 3.5 µs). Summed per part and then the parts in order: the same bits for
     * any number of threads, and either form's bits are the other's (each entry the same FMA chain along P).
     * ∂E/∂x_n = col2im(Wᵀ · δ_n).
     */
    static void conv2dBackward(Tensor x, Tensor w, Tensor dy, ConvGeometry g, Tensor dw, Tensor dx) {
        if (dw == null && dx == null) return;
        float[] xd = data(x), wd = data(w), dd = data(dy), xg = dx == null ? null : data(dx);
        int k = g.colRows(), cout = w.size() / k, p = g.outH() * g.outW(), ch = g.channels(), hw = g.height() * g.width();
        int per = Math.ceilDiv(g.batch(), Math.min(g.batch(), PARTS)), parts = Math.ceilDiv(g.batch(), per);
        int ck = cout * k;                                                       // part q's ∂W sums at partial[q·ck ..]
        boolean dots = p >= DOTS_MIN_P;                                          // else as ∂E/∂Wᵀ = Σ X_n · δ_nᵀ [C·kH·kW, C_out]
        Scratch s0 = SCRATCH.get();
        float[] partial = dw == null ? null : s0.bank(parts * ck);
        ConvGeometry g1 = oneImage(g);
        boolean padded = g.strideH() == 1 && g.strideW() == 1 && g.outW() <= 2 * L;            // im2colImage's case
        boolean whole = per * p <= PART_COLUMNS;
        ConvGeometry gPer = withBatch(g, per), gLast = withBatch(g, g.batch() - (parts - 1) * per);
        Parallel.run(parts, part -> {
            Scratch s = SCRATCH.get().size(k * p);
            Sgemm.Buffers buf = Sgemm.LOCAL.get();
            int n0 = part * per, n1 = Math.min(g.batch(), n0 + per);
            for (int n = n0; partial != null && n < n1; n++) {
                int dn = dy.offset() + n * cout * p;
                if (padded) im2colImage(xd, x.offset() + n * ch * hw, g1, s);                  // X_n
                else im2colRows(xd, x.offset() + n * ch * hw, g1, s.cols, 0, 0, k);
                if (dots) Sgemm.longNT(buf, cout, k, p, 1f, dd, dn, p, s.cols, 0, p, 1f, partial, part * ck, k);
                else Sgemm.blocked(buf, false, true, k, cout, p, 1f, s.cols, 0, p, dd, dn, p, 1f, partial, part * ck, cout);
            }
            if (xg == null) return;
            // ∂E/∂X of the part's images as one GEMM, Wᵀ · [δ_n0 … δ_n1−1], where their columns fit PART_COLUMNS:
            // per image a k of C_out = 16 over P = 100 columns left the last of 4 column panels nearly empty and
            // packed Wᵀ every time (LeNet conv2 per image, one thread, 2-core Zen 5, 2026-12-02: GEMM 4.6 → 2.9 µs).
            // Each element the same sum over C_out, the same bits.
            int step = whole ? per : 1;
            for (int j0 = n0; j0 < n1; j0 += step) {
                int cnt = Math.min(step, n1 - j0), np = cnt * p;
                float[] dp = s.dpart(cout * np), dc = s.dcols(k * np);
                for (int j = 0; j < cnt; j++)
                    for (int o = 0; o < cout; o++) System.arraycopy(dd, dy.offset() + ((j0 + j) * cout + o) * p, dp, o * np + j * p, p);
                Sgemm.blocked(buf, true, false, k, np, cout, 1f, wd, w.offset(), k, dp, 0, np, 0f, dc, 0, np);
                ConvGeometry gp = !whole ? g1 : cnt == per ? gPer : gLast;      // the columns: cnt images wide
                for (int j = 0; j < cnt; j++)
                    for (int c = 0; c < ch; c++) col2imPlane(dc, 0, gp, j, c, xg, dx.offset() + ((j0 + j) * ch + c) * hw);
            }
        });
        if (partial == null) return;
        float[] gd = data(dw);
        int go = dw.offset();
        if (!dots) {                                             // ∂E/∂W's entries summed in ∂E/∂Wᵀ's order, then back
            float[] t = s0.wt(ck);
            for (int o = 0; o < cout; o++) for (int j = 0; j < k; j++) t[j * cout + o] = gd[go + o * k + j];
            sumParts(t, 0, partial, parts, ck);
            for (int o = 0; o < cout; o++) for (int j = 0; j < k; j++) gd[go + o * k + j] = t[j * cout + o];
        } else sumParts(gd, go, partial, parts, ck);
    }

    /** g[go ..+ n) += part q's sums, q = 0, 1, … in order. */
    private static void sumParts(float[] g, int go, float[] partial, int parts, int n) {
        for (int q = 0; q < parts; q++) {
            int i = 0, po = q * n;
            for (; i < S.loopBound(n); i += L) {
                FloatVector.fromArray(S, g, go + i).add(FloatVector.fromArray(S, partial, po + i)).intoArray(g, go + i);
            }
            for (; i < n; i++) g[go + i] += partial[po + i];
        }
    }
}
