package dev.nabla.gpu.opencl;

import static dev.nabla.backend.Checks.cols;
import static dev.nabla.backend.Checks.rows;
import static org.jocl.CL.*;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.CheckedBackend;
import dev.nabla.backend.Checks;
import dev.nabla.backend.ConvGeometry;
import dev.nabla.backend.ElementwiseLoss;
import dev.nabla.backend.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jocl.Pointer;
import org.jocl.cl_mem;

/**
 * The OpenCL backend: every op of {@link Backend} is one or a few launches of our own kernels
 * ({@code kernels/opencl/*.cl}) on one in-order queue. Tensors live on the device (storage: a pooled device buffer,
 * {@link BufferPool.Storage}, plus the tensor's element offset, passed to each kernel), so a training step runs with
 * no host round trip: the batch goes up with {@link #upload}, and only the ops whose signature returns a number
 * (losses, norms, counts) wait for the queue and bring back a scalar or two, reduced on the device.
 *
 * <p>Shape checks happen on the host before anything is enqueued, with the reference backend's messages.
 * Embedding lookups check their indices on the device and read back one flag (an out-of-range index is an error).
 */
public final class OpenClBackend extends CheckedBackend {
    private final ClRuntime cl;
    private final BufferPool pool;
    /** Scalar results of reductions (slots 0–2) and the index-error flag (slot 3). */
    private final BufferPool.Storage result;
    /** Work-group size of the tree reductions: a power of two ≤ 256 that the device accepts. */
    private final int reduceLocal;
    /** Work-group size of the one-work-item-per-element kernels (128: four NVIDIA warps, two AMD wavefronts). */
    private final int elementLocal;
    /** GEMM tile (TS_M, TS_N, TS_K) and the build options that give it to gemm.cl ("" for the default). */
    private final int[] gemmTile;
    private final String gemmOptions;

    /** A backend on the device chosen by {@code -Dnabla.opencl.device} / {@code NABLA_OPENCL_DEVICE} (default: first GPU, else first device). */
    public OpenClBackend() {
        this(ClRuntime.get());
    }

    OpenClBackend(ClRuntime cl) {
        this.cl = cl;
        long limit = Long.getLong("nabla.opencl.poolLimitMiB", cl.globalMemBytes * 3 / 4 / (1 << 20)) << 20;
        this.pool = new BufferPool(cl.context, limit);
        this.result = pool.take(4);
        int l = 1;
        while (l * 2 <= Math.min(256, cl.maxWorkGroupSize)) l *= 2;
        this.reduceLocal = l;
        this.elementLocal = Math.min(128, l);
        this.gemmTile = gemmTile(System.getProperty("nabla.opencl.gemmTile"));
        this.gemmOptions = Arrays.equals(gemmTile, new int[] {64, 64, 16}) ? ""
                : "-D TS_M=" + gemmTile[0] + " -D TS_N=" + gemmTile[1] + " -D TS_K=" + gemmTile[2];
    }

    @Override
    public String name() { return "opencl"; }

    /** The device this backend runs on, e.g. "0:0 pthread-… (Portable Computing Language, not a GPU)". */
    public String deviceDescription() { return cl.info.toString(); }

    /** True if the device is a GPU (not a CPU implementation such as PoCL). */
    public boolean onGpu() { return cl.info.gpu(); }

    /** Device memory held by this backend's buffer pool (in use + free), in bytes. */
    public long allocatedBytes() { return pool.allocatedBytes(); }

    /** Device memory in tensors not yet released, in bytes. */
    public long inUseBytes() { return pool.inUseBytes(); }

    /** How many device buffers were created (pool misses). */
    public long buffersCreated() { return pool.buffersCreated(); }

    /** How many buffers of tensors nobody closed the GC's cleaner gave back (0 in a leak-free training loop). */
    long buffersReclaimedByGc() { return pool.reclaimedByGc(); }

    // ---------------------------------------------------------------- memory

    @Override
    protected Tensor doZeros(int[] shape) {
        Tensor t = doAllocate(shape);
        doFill(t, 0f);
        return t;
    }

    @Override
    protected Tensor doAllocate(int[] shape) {
        return new Tensor(this, pool.take(Tensor.sizeOf(shape)), shape);
    }

    @Override
    protected void doUpload(float[] src, int srcOffset, Tensor dst) {
        if (dst.size() == 0) return;
        clEnqueueWriteBuffer(cl.queue, mem(dst), CL_TRUE, (long) dst.offset() * Float.BYTES, (long) dst.size() * Float.BYTES,
                Pointer.to(src).withByteOffset((long) srcOffset * Float.BYTES), 0, null, null);
    }

    @Override
    protected void doDownload(Tensor src, float[] dst) {
        if (src.size() == 0) return;
        clEnqueueReadBuffer(cl.queue, mem(src), CL_TRUE, (long) src.offset() * Float.BYTES, (long) src.size() * Float.BYTES,
                Pointer.to(dst), 0, null, null);
    }

    @Override
    protected void doRelease(Tensor t) {
        storage(t).release();
    }

    @Override
    public void synchronize() {
        if (!isClosed()) cl.finish();
    }

    @Override
    protected void doClose() {
        cl.finish();
        result.release();
        pool.close();
    }

    private static BufferPool.Storage storage(Tensor t) {
        return (BufferPool.Storage) t.storage();
    }

    private cl_mem mem(Tensor t) { return storage(t).mem; }

    /**
     * Enqueues a one-dimensional launch of at least n work-items (none if n = 0) in work-groups of {@link #elementLocal};
     * the kernels return early past n. A fixed work-group size also means one compiled variant per kernel on PoCL,
     * which otherwise specialises (and compiles) a kernel anew for every work-group size it picks.
     */
    private void run(String kernel, int n, Object... args) {
        if (n <= 0) return;
        long global = (n + elementLocal - 1L) / elementLocal * elementLocal;
        cl.launch(kernel, new long[] {global}, new long[] {elementLocal}, args);
    }

    /** Enqueues `groups` work-groups of {@link #reduceLocal} work-items with a local scratch of that many floats appended. */
    private void runGroups(String kernel, int groups, Object... args) {
        Object[] all = Arrays.copyOf(args, args.length + 1);
        all[args.length] = new ClRuntime.Local((long) reduceLocal * Float.BYTES);
        cl.launch(kernel, new long[] {(long) groups * reduceLocal}, new long[] {reduceLocal}, all);
    }

    /** Sums n floats of (src, off) on the device into result[slot]: one or two passes of a tree reduction. */
    private void sumInto(cl_mem src, int off, int n, int slot) {
        int groups = Math.max(1, Math.min(64, (n + reduceLocal - 1) / reduceLocal));
        if (groups == 1) {
            runGroups("sum_reduce", 1, src, off, n, result.mem, slot);
            return;
        }
        BufferPool.Storage partials = pool.take(groups);
        runGroups("sum_reduce", groups, src, off, n, partials.mem, 0);
        runGroups("sum_reduce", 1, partials.mem, 0, groups, result.mem, slot);
        partials.release();
    }

    /** Waits for the queue and reads result[0 .. count). */
    private float[] readResults(int count) {
        float[] r = new float[count];
        clEnqueueReadBuffer(cl.queue, result.mem, CL_TRUE, 0, (long) count * Float.BYTES, Pointer.to(r), 0, null, null);
        return r;
    }

    // ---------------------------------------------------------------- vector ops (elementwise.cl, loss.cl)

    @Override
    protected void doFill(Tensor x, float v) {
        run("fill", x.size(), mem(x), x.offset(), x.size(), v);
    }

    @Override
    protected void doCopy(Tensor src, Tensor dst) {
        run("copy", src.size(), mem(src), src.offset(), mem(dst), dst.offset(), src.size());
    }

    @Override
    protected void doAxpy(float alpha, Tensor x, Tensor y) {
        run("axpy", x.size(), alpha, mem(x), x.offset(), mem(y), y.offset(), x.size());
    }

    @Override
    protected void doScale(Tensor x, float alpha) {
        run("scale", x.size(), mem(x), x.offset(), x.size(), alpha);
    }

    @Override
    protected void doMul(Tensor a, Tensor b, Tensor out) {
        run("mul", a.size(), mem(a), a.offset(), mem(b), b.offset(), mem(out), out.offset(), a.size());
    }

    @Override
    protected float doSumSquares(Tensor x) {
        if (x.size() == 0) return 0f;
        int n = x.size();
        int groups = Math.max(1, Math.min(64, (n + reduceLocal - 1) / reduceLocal));
        BufferPool.Storage partials = pool.take(groups);
        runGroups("sum_squares_partial", groups, mem(x), x.offset(), n, partials.mem);
        runGroups("sum_reduce", 1, partials.mem, 0, groups, result.mem, 0);
        partials.release();
        return readResults(1)[0];
    }

    /** Σ x² of each tensor, every reduction queued before the one read of all the results (the trainer's per-step gradient norm). */
    @Override
    protected float[] doSumSquaresEach(Tensor[] xs) {
        float[] out = new float[xs.length];
        if (xs.length == 0) return out;
        BufferPool.Storage sums = pool.take(xs.length);
        run("fill", xs.length, sums.mem, 0, xs.length, 0f);
        List<BufferPool.Storage> partials = new ArrayList<>();
        for (int i = 0; i < xs.length; i++) {
            Tensor x = xs[i];
            int n = x.size();
            if (n == 0) continue;
            int groups = Math.max(1, Math.min(64, (n + reduceLocal - 1) / reduceLocal));
            BufferPool.Storage p = pool.take(groups);
            partials.add(p);
            runGroups("sum_squares_partial", groups, mem(x), x.offset(), n, p.mem);
            runGroups("sum_reduce", 1, p.mem, 0, groups, sums.mem, i);
        }
        clEnqueueReadBuffer(cl.queue, sums.mem, CL_TRUE, 0, (long) xs.length * Float.BYTES, Pointer.to(out), 0, null, null);
        for (BufferPool.Storage p : partials) p.release();
        sums.release();
        return out;
    }

    // ---------------------------------------------------------------- gemm (gemm.cl)

    /** Work-items per side of a GEMM work-group (gemm.cl's RTS_M = RTS_N). */
    private static final int GEMM_THREADS = 16;

    /**
     * The GEMM tile TS_M×TS_N×TS_K from {@code -Dnabla.opencl.gemmTile=MxNxK} (default 64x64x16, see gemm.cl),
     * checked against gemm.cl's constraints.
     */
    static int[] gemmTile(String spec) {
        String s = spec == null || spec.isBlank() ? "64x64x16" : spec.trim();
        String[] p = s.split("x");
        int[] t;
        try {
            if (p.length != 3) throw new NumberFormatException();
            t = new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("nabla.opencl.gemmTile=" + spec + ": expected MxNxK, e.g. 64x64x16");
        }
        if (t[0] < 16 || t[0] % 16 != 0 || t[1] < 16 || t[1] % 16 != 0 || t[2] < 4 || t[2] % 4 != 0) {
            throw new IllegalArgumentException("nabla.opencl.gemmTile=" + spec + ": TS_M and TS_N must be multiples of 16 "
                    + "(the 16×16 work-group) and TS_K a multiple of 4 (float4 staging)");
        }
        return t;
    }

    @Override
    protected void doGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        if (m == 0 || n == 0) return;
        int tilesN = (n + gemmTile[1] - 1) / gemmTile[1], tilesM = (m + gemmTile[0] - 1) / gemmTile[0];
        int splits = gemmSplits(tilesM * tilesN, k, gemmTile[2], 2 * cl.computeUnits);
        int kChunk = splits == 1 ? Math.max(k, 1) : (k + splits - 1) / splits;
        if (splits > 1) {
            kChunk = (kChunk + gemmTile[2] - 1) / gemmTile[2] * gemmTile[2];   // whole tiles per slice
            splits = (k + kChunk - 1) / kChunk;
        }
        long[] global = {(long) tilesN * GEMM_THREADS, (long) tilesM * GEMM_THREADS, splits};
        long[] local = {GEMM_THREADS, GEMM_THREADS, 1};
        if (splits == 1) {
            cl.launchVariant("sgemm", gemmOptions, global, local, m, n, k, alpha, beta, transA ? 1 : 0, transB ? 1 : 0,
                    mem(a), a.offset(), mem(b), b.offset(), mem(c), c.offset(), kChunk, mem(c));
            return;
        }
        BufferPool.Storage partial = pool.take((long) splits * m * n);
        cl.launchVariant("sgemm", gemmOptions, global, local, m, n, k, alpha, beta, transA ? 1 : 0, transB ? 1 : 0,
                mem(a), a.offset(), mem(b), b.offset(), mem(c), c.offset(), kChunk, partial.mem);
        run("sgemm_reduce_splits", m * n, partial.mem, splits, m * n, mem(c), c.offset(), alpha, beta);
        partial.release();
    }

    /**
     * How many K-slices to run: 1 unless C has fewer tiles than the device wants work-groups ({@code wanted}) and K is
     * long (at least 256 per slice), e.g. a convolution's weight gradient [Cout, C·k·k] summed over N·H·W.
     */
    static int gemmSplits(int tiles, int k, int tileK, int wanted) {
        if (tiles >= wanted || k < 512) return 1;
        return Math.max(1, Math.min((wanted + tiles - 1) / tiles, k / 256));
    }

    // ---------------------------------------------------------------- bias (bias.cl)

    @Override
    protected void doAddBias(Tensor x, Tensor b, int inner) {
        run("add_bias", x.size(), mem(x), x.offset(), mem(b), b.offset(), b.size(), inner, x.size());
    }

    @Override
    protected void doSumBias(Tensor dy, Tensor db, int inner, float beta) {
        int channels = db.size(), outer = dy.size() / (channels * inner);
        runGroups("sum_bias", channels, mem(dy), dy.offset(), mem(db), db.offset(), channels, inner, outer, beta);
    }

    @Override
    protected void doSwapAxes01(Tensor x, Tensor y, int a, int b, int s) {
        run("swap_axes01", x.size(), mem(x), x.offset(), mem(y), y.offset(), a, b, s);
    }

    // ---------------------------------------------------------------- activations (elementwise.cl, bias.cl, loss.cl)

    @Override
    protected void doActivation(Activation f, Tensor x, Tensor y) {
        run("activation_forward", x.size(), f.ordinal(), mem(x), x.offset(), mem(y), y.offset(), x.size());
    }

    @Override
    protected void doActivationBackward(Activation f, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        run("activation_backward", x.size(), f.ordinal(), mem(x), x.offset(), mem(y), y.offset(), mem(dy), dy.offset(),
                mem(dx), dx.offset(), x.size());
    }

    @Override
    protected void doPrelu(Tensor x, Tensor alpha, Tensor y, int inner) {
        run("prelu_forward", x.size(), mem(x), x.offset(), mem(alpha), alpha.offset(), alpha.size(), inner, mem(y), y.offset(), x.size());
    }

    @Override
    protected void doPreluBackward(Tensor x, Tensor alpha, Tensor dy, Tensor dx, Tensor dalpha, int inner) {
        int channels = alpha.size(), outer = x.size() / (channels * inner);
        // dα first: dx may alias dy, and the reduction reads dy
        runGroups("prelu_alpha_grad", channels, mem(x), x.offset(), mem(dy), dy.offset(), mem(dalpha), dalpha.offset(), channels, inner, outer);
        run("prelu_backward_input", x.size(), mem(x), x.offset(), mem(alpha), alpha.offset(), channels, inner,
                mem(dy), dy.offset(), mem(dx), dx.offset(), x.size());
    }

    @Override
    protected void doSoftmax(Tensor x, Tensor y) {
        run("softmax_rows", rows(x), mem(x), x.offset(), mem(y), y.offset(), rows(x), cols(x));
    }

    @Override
    protected void doSoftmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        run("softmax_backward_rows", rows(y), mem(y), y.offset(), mem(dy), dy.offset(), mem(dx), dx.offset(), rows(y), cols(y));
    }

    // ---------------------------------------------------------------- losses and metrics (loss.cl)

    /**
     * Per-row loss kernels write [loss_r …, counted_r …] into a scratch of 2·rows floats and the unscaled gradient;
     * the two sums land in result[0] and result[1], the gradient is divided by the count there (on the device),
     * and the host reads the two numbers back — with result[3], where a kernel leaves the row of an invalid label.
     */
    private float meanOverCountedRows(String op, String kernel, Tensor scores, Tensor labels, Tensor grad, Object... extra) {
        int rows = rows(scores), n = cols(scores);
        BufferPool.Storage perRow = pool.take(2L * rows);
        run("fill", 1, result.mem, 3, 1, Float.NaN);
        Object[] args = new Object[12 + extra.length];
        int i = 0;
        args[i++] = mem(scores); args[i++] = scores.offset(); args[i++] = mem(labels); args[i++] = labels.offset();
        args[i++] = rows; args[i++] = n;
        args[i++] = grad == null ? 0 : 1; args[i++] = grad == null ? result.mem : mem(grad); args[i++] = grad == null ? 0 : grad.offset();
        args[i++] = perRow.mem; args[i++] = result.mem; args[i++] = 3;
        System.arraycopy(extra, 0, args, i, extra.length);
        run(kernel, rows, args);
        sumInto(perRow.mem, 0, rows, 0);
        sumInto(perRow.mem, rows, rows, 1);
        if (grad != null) run("scale_by_count", grad.size(), mem(grad), grad.offset(), grad.size(), result.mem, 1);
        perRow.release();
        float[] r = readResults(4);
        checkLabelFlag(op, r[3], labels, n);
        return r[1] == 0 ? 0f : r[0] / r[1];
    }

    /**
     * Throws the reference's error if a kernel flagged a label that is not a class index: reads the labels back (an
     * error path only) and reports the first bad one, as the reference does, whichever row a work-item flagged.
     */
    private void checkLabelFlag(String op, float flaggedRow, Tensor labels, int classes) {
        if (Float.isNaN(flaggedRow)) return;
        float[] v = new float[labels.size()];
        doDownload(labels, v);
        int row = Checks.firstBadLabel(v, classes);
        if (row < 0) row = (int) flaggedRow;                      // cannot happen: the kernel and the host agree on the rule
        throw Checks.badLabel(op, v[row], row, classes);
    }

    @Override
    protected float doSoftmaxCrossEntropy(Tensor logits, Tensor labels, Tensor dlogits) {
        if (rows(logits) == 0) return 0f;
        return meanOverCountedRows("softmaxCrossEntropy", "softmax_xent_rows", logits, labels, dlogits);
    }

    @Override
    protected float doHinge(Tensor scores, Tensor labels, float margin, Tensor dscores) {
        if (rows(scores) == 0) return 0f;
        return meanOverCountedRows("hinge", "hinge_rows", scores, labels, dscores, margin);
    }

    @Override
    protected float doElementwiseLoss(ElementwiseLoss kind, Tensor y, Tensor target, Tensor dy) {
        int n = y.size();
        if (n == 0) return 0f;
        BufferPool.Storage terms = pool.take(n);
        run("elementwise_loss", n, kind.ordinal(), mem(y), y.offset(), mem(target), target.offset(),
                dy == null ? 0 : 1, dy == null ? result.mem : mem(dy), dy == null ? 0 : dy.offset(), terms.mem, n);
        sumInto(terms.mem, 0, n, 0);
        terms.release();
        float sum = readResults(1)[0];
        return kind == ElementwiseLoss.SQUARED_ERROR ? sum : sum / n;   // the mean losses divide once, here
    }

    @Override
    protected int doCountCorrect(Tensor scores, Tensor labels) {
        int rows = rows(scores);
        if (rows == 0) return 0;
        BufferPool.Storage hits = pool.take(rows);
        run("fill", 1, result.mem, 3, 1, Float.NaN);
        run("count_correct_rows", rows, mem(scores), scores.offset(), mem(labels), labels.offset(), rows, cols(scores), hits.mem,
                result.mem, 3);
        sumInto(hits.mem, 0, rows, 0);
        hits.release();
        float[] r = readResults(4);
        checkLabelFlag("countCorrect", r[3], labels, cols(scores));
        return Math.round(r[0]);
    }

    // ---------------------------------------------------------------- convolution and pooling (conv.cl, pool.cl)

    /** The geometry as kernel arguments: N, C, H, W, kH, kW, sH, sW, pH, pW, outH, outW. */
    private static Object[] geo(ConvGeometry g) {
        return new Object[] {g.batch(), g.channels(), g.height(), g.width(), g.kernelH(), g.kernelW(),
                g.strideH(), g.strideW(), g.padH(), g.padW(), g.outH(), g.outW()};
    }

    private static Object[] concat(Object[] a, Object... b) {
        Object[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Override
    protected void doIm2col(Tensor x, ConvGeometry g, Tensor cols) {
        run("im2col", cols.size(), concat(new Object[] {mem(x), x.offset(), mem(cols), cols.offset()}, geo(g)));
    }

    @Override
    protected void doCol2im(Tensor cols, ConvGeometry g, Tensor dx) {
        run("col2im", dx.size(), concat(new Object[] {mem(cols), cols.offset(), mem(dx), dx.offset()}, geo(g)));
    }

    @Override
    protected void doMaxPool(Tensor x, ConvGeometry g, Tensor y, Tensor argmax) {
        int planes = g.batch() * g.channels(), outs = planes * g.outH() * g.outW();
        run("max_pool_forward", outs, concat(new Object[] {mem(x), x.offset(), mem(y), y.offset(), mem(argmax), argmax.offset()}, geo(g)));
    }

    @Override
    protected void doMaxPoolBackward(Tensor dy, Tensor argmax, ConvGeometry g, Tensor dx) {
        int planes = g.batch() * g.channels(), outs = planes * g.outH() * g.outW();
        run("max_pool_backward", dx.size(), concat(new Object[] {mem(dy), dy.offset(), mem(argmax), argmax.offset(), mem(dx), dx.offset()}, geo(g)));
    }

    @Override
    protected void doAvgPool(Tensor x, ConvGeometry g, Tensor y) {
        int planes = g.batch() * g.channels(), outs = planes * g.outH() * g.outW();
        run("avg_pool_forward", outs, concat(new Object[] {mem(x), x.offset(), mem(y), y.offset()}, geo(g)));
    }

    @Override
    protected void doAvgPoolBackward(Tensor dy, ConvGeometry g, Tensor dx) {
        int planes = g.batch() * g.channels(), outs = planes * g.outH() * g.outW();
        run("avg_pool_backward", dx.size(), concat(new Object[] {mem(dy), dy.offset(), mem(dx), dx.offset()}, geo(g)));
    }

    // ---------------------------------------------------------------- dropout and embeddings (elementwise.cl, embed.cl)

    @Override
    protected void doDropoutMask(Tensor mask, float p, long seed) {
        run("dropout_mask", mask.size(), mem(mask), mask.offset(), mask.size(), p, 1f / (1f - p), (int) seed, (int) (seed >>> 32));
    }

    /**
     * Reads the flag an embedding kernel leaves in result[3]: NaN if every index was fine, else the position of a bad
     * one; then reads the indices back and throws the reference's error for the first bad index.
     */
    private void checkIndexFlag(String op, Tensor idx, int rows, boolean negativeSkips) {
        float flagged = readResults(4)[3];
        if (Float.isNaN(flagged)) return;
        float[] v = new float[idx.size()];
        doDownload(idx, v);
        for (int r = 0; r < v.length; r++) {
            if (negativeSkips) Checks.rowIndexOrSkip(op, v[r], r, rows);
            else Checks.rowIndex(op, v[r], r, rows);
        }
        int r = (int) flagged;
        throw Checks.badIndex(op, v[r], r, rows);                 // cannot happen: the kernel and the host agree on the rule
    }

    @Override
    protected void doGatherRows(Tensor table, Tensor idx, Tensor out) {
        int v = rows(table), d = cols(table);
        if (out.size() == 0) return;
        run("fill", 1, result.mem, 3, 1, Float.NaN);
        run("gather_rows", out.size(), mem(table), table.offset(), v, d, mem(idx), idx.offset(), mem(out), out.offset(), idx.size(), result.mem, 3);
        checkIndexFlag("gatherRows", idx, v, false);
    }

    @Override
    protected void doScatterAddRows(Tensor dout, Tensor idx, Tensor dtable) {
        int v = rows(dtable), d = cols(dtable);
        if (dout.size() == 0) return;
        run("fill", 1, result.mem, 3, 1, Float.NaN);
        run("scatter_add_rows", d, mem(dout), dout.offset(), mem(idx), idx.offset(), idx.size(), mem(dtable), dtable.offset(), v, d, result.mem, 3);
        checkIndexFlag("scatterAddRows", idx, v, true);
    }

    // ---------------------------------------------------------------- fused recurrent cells (recurrent.cl)

    @Override
    protected void doLstmCell(Tensor gates, Tensor cPrev, Tensor peep, Tensor c, Tensor tanhC, Tensor h) {
        int hid = cols(cPrev), batch = rows(cPrev);
        run("lstm_cell_forward", batch * hid, mem(gates), gates.offset(), mem(cPrev), cPrev.offset(),
                peep == null ? 0 : 1, peep == null ? result.mem : mem(peep), peep == null ? 0 : peep.offset(),
                mem(c), c.offset(), mem(tanhC), tanhC.offset(), mem(h), h.offset(), batch, hid);
    }

    @Override
    protected void doLstmCellBackward(Tensor acts, Tensor cPrev, Tensor c, Tensor tanhC, Tensor peep,
                                 Tensor dh, Tensor dc, Tensor dgates, Tensor dpeep) {
        int hid = cols(cPrev), batch = rows(cPrev);
        boolean hasPeep = peep != null;
        run("lstm_cell_backward", batch * hid, mem(acts), acts.offset(), mem(cPrev), cPrev.offset(), mem(c), c.offset(),
                mem(tanhC), tanhC.offset(), hasPeep ? 1 : 0, hasPeep ? mem(peep) : result.mem, hasPeep ? peep.offset() : 0,
                mem(dh), dh.offset(), mem(dc), dc.offset(), mem(dgates), dgates.offset(), batch, hid);
        if (hasPeep) {
            run("lstm_peephole_grad", hid, mem(dgates), dgates.offset(), mem(cPrev), cPrev.offset(), mem(c), c.offset(),
                    mem(dpeep), dpeep.offset(), batch, hid);
        }
    }

    @Override
    protected void doGruCell(Tensor gx, Tensor gh, Tensor hPrev, Tensor h, Tensor acts) {
        int hid = cols(hPrev), batch = rows(hPrev);
        run("gru_cell_forward", batch * hid, mem(gx), gx.offset(), mem(gh), gh.offset(), mem(hPrev), hPrev.offset(),
                mem(h), h.offset(), mem(acts), acts.offset(), batch, hid);
    }

    @Override
    protected void doGruCellBackward(Tensor acts, Tensor gh, Tensor hPrev, Tensor dh, Tensor dgx, Tensor dgh, Tensor dhPrev) {
        int hid = cols(hPrev), batch = rows(hPrev);
        run("gru_cell_backward", batch * hid, mem(acts), acts.offset(), mem(gh), gh.offset(), mem(hPrev), hPrev.offset(),
                mem(dh), dh.offset(), mem(dgx), dgx.offset(), mem(dgh), dgh.offset(), mem(dhPrev), dhPrev.offset(), batch, hid);
    }

    // ---------------------------------------------------------------- optimizers (optim.cl)

    @Override
    protected void doSgdStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, boolean nesterov, float weightDecay) {
        boolean useV = v != null;
        run("sgd_step", w.size(), mem(w), w.offset(), mem(g), g.offset(), useV ? mem(v) : result.mem, useV ? v.offset() : 0,
                lr, momentum, nesterov ? 1 : 0, weightDecay, w.size());
    }

    @Override
    protected void doAdagradStep(Tensor w, Tensor g, Tensor sumSq, float lr, float eps, float weightDecay) {
        run("adagrad_step", w.size(), mem(w), w.offset(), mem(g), g.offset(), mem(sumSq), sumSq.offset(), lr, eps, weightDecay, w.size());
    }

    @Override
    protected void doRmspropStep(Tensor w, Tensor g, Tensor sqAvg, float lr, float rho, float eps, float weightDecay) {
        run("rmsprop_step", w.size(), mem(w), w.offset(), mem(g), g.offset(), mem(sqAvg), sqAvg.offset(), lr, rho, eps, weightDecay, w.size());
    }

    @Override
    protected void doAdadeltaStep(Tensor w, Tensor g, Tensor sqAvg, Tensor accDelta, float lr, float rho, float eps, float weightDecay) {
        run("adadelta_step", w.size(), mem(w), w.offset(), mem(g), g.offset(), mem(sqAvg), sqAvg.offset(),
                mem(accDelta), accDelta.offset(), lr, rho, eps, weightDecay, w.size());
    }

    @Override
    protected void doAdamStep(Tensor w, Tensor g, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps, float weightDecay, int t) {
        // the bias corrections are per step, not per element: computed here exactly as the reference does
        float bc1 = 1 - (float) Math.pow(beta1, t), bc2 = 1 - (float) Math.pow(beta2, t);
        float stepSize = lr / bc1, sqrtBc2 = (float) Math.sqrt(bc2);
        run("adam_step", w.size(), mem(w), w.offset(), mem(g), g.offset(), mem(m), m.offset(), mem(v), v.offset(),
                stepSize, beta1, beta2, eps, weightDecay, sqrtBc2, w.size());
    }
}
