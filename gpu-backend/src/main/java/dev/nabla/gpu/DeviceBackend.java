package dev.nabla.gpu;

import static dev.nabla.backend.Checks.cols;
import static dev.nabla.backend.Checks.rows;

import dev.nabla.backend.Activation;
import dev.nabla.backend.CheckedBackend;
import dev.nabla.backend.Checks;
import dev.nabla.backend.InvalidIndexException;
import dev.nabla.backend.ConvGeometry;
import dev.nabla.backend.ElementwiseLoss;
import dev.nabla.backend.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * A GPU backend written once over a {@link DeviceRuntime}: every op of {@link dev.nabla.backend.Backend} is one or a
 * few launches of our own kernels ({@code kernels/opencl/*.cl}, compiled by OpenCL or, behind the CUDA dialect, by
 * nvcc) on the runtime's one in-order queue. The OpenCL and CUDA backends are this class with their runtime; nothing
 * here knows which API is underneath.
 *
 * <p>Tensors live on the device (storage: a pooled device buffer, {@link BufferPool.Storage}, plus the tensor's element
 * offset, passed to each kernel), so a training step runs with no host round trip: batches go up without waiting,
 * and only the ops whose signature returns a number (losses, norms, counts) wait for the queue and read a few
 * floats back, reduced on the device. Those reads also bring back the flags the kernels raise for data they cannot
 * use — a label that is not a class index, an embedding index outside the table — so such checks cost no extra
 * round trip; {@link #synchronize()} and downloads check them too.
 *
 * <p>Threads: a backend belongs to the first thread that uses it; another thread is refused with an
 * {@link IllegalStateException} until that thread has ended. Backends are independent of each other (each has its own
 * queue, kernel objects and buffer pool), so one backend per thread is safe.
 *
 * @param <B> the runtime's device buffer handle
 */
public abstract class DeviceBackend<B> extends CheckedBackend {
    /** The result slots: two sums, then the data flags (NaN = nothing flagged). */
    private static final int SUM0 = 0, SUM1 = 1, LABEL_FLAG = 3, GATHER_FLAG = 4, SCATTER_FLAG = 5, SLOTS = 6;
    /** The default GEMM tile TS_M×TS_N×TS_K (see gemm.cl). */
    private static final int[] DEFAULT_TILE = {64, 64, 16};
    /** Work-items per side of a GEMM work-group (gemm.cl's RTS_M = RTS_N). */
    private static final int GEMM_THREADS = 16;

    protected final DeviceRuntime<B> rt;
    private final BufferPool<B> pool;
    private final BufferPool.Storage<B> result;
    /** Work-group size of the tree reductions: a power of two ≤ 256 that the device accepts. */
    private final int reduceLocal;
    /** Work-group size of the one-work-item-per-element kernels (128: four NVIDIA warps, two AMD wavefronts). */
    private final int elementLocal;
    /** GEMM tile (TS_M, TS_N, TS_K) and the build variant that gives it to gemm.cl ("" for the default). */
    private final int[] gemmTile;
    private final String gemmVariant;
    private volatile Thread owner;
    /** The last op that checked labels on the device since the flags were read: for the message if one was bad. */
    private String labelOp;
    private Tensor labelTensor;
    private int labelClasses;
    /** The index tensors and table sizes of the last gather and scatter since the flags were read: for the message. */
    private Tensor gatherIdx, scatterIdx;
    private int gatherRows, scatterRows;
    /** Whether an op that may raise a flag was queued since the flags were last read. */
    private boolean flagsPending;
    /** Open {@link #deferIndexChecks} scopes: gather and scatter leave their flags to the next read. */
    private int deferringIndexChecks;

    protected DeviceBackend(DeviceRuntime<B> rt) {
        this.rt = rt;
        long limit = Long.getLong("nabla." + rt.name() + ".poolLimitMiB", rt.globalMemBytes() * 3 / 4 / (1 << 20)) << 20;
        this.pool = new BufferPool<>(rt, limit);
        this.result = pool.take(SLOTS);
        int l = 1;
        while (l * 2 <= Math.min(256, rt.maxWorkGroupSize())) l *= 2;
        this.reduceLocal = l;
        this.elementLocal = Math.min(128, l);
        this.gemmTile = gemmTile(System.getProperty("nabla." + rt.name() + ".gemmTile"), rt.maxLocalMemBytes());
        this.gemmVariant = Arrays.equals(gemmTile, DEFAULT_TILE) ? ""
                : "TS_M=" + gemmTile[0] + " TS_N=" + gemmTile[1] + " TS_K=" + gemmTile[2];
        run("fill", SLOTS, result.mem, 0, SLOTS, Float.NaN);
    }

    @Override
    public final String name() { return rt.name(); }

    /** The device this backend runs on. */
    public String deviceDescription() { return rt.deviceDescription(); }

    /** True if the device is a GPU (not a CPU implementation such as PoCL). */
    public boolean onGpu() { return rt.isGpu(); }

    /** Device memory held by this backend's buffer pool (in use + free), in bytes. */
    public long allocatedBytes() { return pool.allocatedBytes(); }

    /** Device memory in tensors not yet released, in bytes. */
    public long inUseBytes() { return pool.inUseBytes(); }

    /** How many device buffers were allocated from the driver (pool misses). */
    public long buffersCreated() { return pool.buffersCreated(); }

    /** How many buffers of tensors nobody closed the GC's cleaner gave back (0 in a leak-free training loop). */
    public long buffersReclaimedByGc() { return pool.reclaimedByGc(); }

    /** How many times this backend waited for the device (downloads, scalar results, synchronize). */
    public long hostSyncs() { return rt.hostSyncs(); }

    /** The GEMM tile in use, TS_M×TS_N×TS_K. */
    public int[] gemmTile() { return gemmTile.clone(); }

    // ---------------------------------------------------------------- the owning thread

    @Override
    protected void enter(String op, Tensor... tensors) {
        super.enter(op, tensors);
        ownedByThisThread(op);
    }

    private void ownedByThisThread(String op) {
        Thread me = Thread.currentThread(), o = owner;
        if (o == me) return;
        synchronized (this) {
            o = owner;
            if (o == null || !o.isAlive()) {
                owner = me;
                return;
            }
        }
        throw new IllegalStateException(op + ": the '" + name() + "' backend (" + this + ") is driven by thread '" + o.getName()
                + "'; thread '" + me.getName() + "' may not use it at the same time (create one backend per thread)");
    }

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
        if (dst.size() > 0) rt.upload(src, srcOffset, mem(dst), dst.offset(), dst.size());
    }

    @Override
    protected void doDownload(Tensor src, float[] dst) {
        int n = src.size();
        if (!flagsPending) {
            if (n > 0) rt.download(mem(src), src.offset(), dst, n);
            return;
        }
        BufferPool.Storage<B> both = pool.take(n + SLOTS);              // a flag raised since the last read is an error now:
        if (n > 0) run("copy", n, mem(src), src.offset(), both.mem, 0, n);   // read it with the data, in the same wait
        run("copy", SLOTS, result.mem, 0, both.mem, n, SLOTS);
        float[] all = new float[n + SLOTS];
        rt.download(both.mem, 0, all, all.length);
        both.release();
        System.arraycopy(all, 0, dst, 0, n);
        checkFlags(Arrays.copyOfRange(all, n, all.length), "download");
    }

    @Override
    protected void doRelease(Tensor t) {
        storage(t).release();
    }

    @Override
    public void synchronize() {
        if (isClosed()) return;
        ownedByThisThread("synchronize");
        if (flagsPending) readResults("synchronize");
        else rt.finish();
    }

    @Override
    protected void doClose() {
        Thread o = owner;
        if (o != null && o != Thread.currentThread() && o.isAlive()) {
            throw new IllegalStateException("close: the '" + name() + "' backend is driven by thread '" + o.getName() + "'");
        }
        rt.finish();
        result.release();
        pool.close();
        rt.close();
    }

    @SuppressWarnings("unchecked")
    private static <B> BufferPool.Storage<B> storage(Tensor t) {
        return (BufferPool.Storage<B>) t.storage();
    }

    private B mem(Tensor t) { return DeviceBackend.<B>storage(t).mem; }

    /**
     * Queues a one-dimensional launch of at least n work-items (none if n = 0) in work-groups of {@link #elementLocal};
     * the kernels return early past n. A fixed work-group size also means one compiled variant per kernel on PoCL,
     * which otherwise specialises (and compiles) a kernel anew for every work-group size it picks.
     */
    private void run(String kernel, int n, Object... args) {
        if (n <= 0) return;
        long global = (n + elementLocal - 1L) / elementLocal * elementLocal;
        rt.launch(kernel, "", new long[] {global}, new long[] {elementLocal}, args);
    }

    /** Queues `groups` work-groups of {@link #reduceLocal} work-items with a local scratch of that many floats appended. */
    private void runGroups(String kernel, int groups, Object... args) {
        Object[] all = Arrays.copyOf(args, args.length + 1);
        all[args.length] = new DeviceRuntime.Local((long) reduceLocal * Float.BYTES);
        rt.launch(kernel, "", new long[] {(long) groups * reduceLocal}, new long[] {reduceLocal}, all);
    }

    /** Work-groups for a reduction over n elements: enough to fill the device, at most 64 partial sums. */
    private int reduceGroups(int n) {
        return Math.max(1, Math.min(64, (n + reduceLocal - 1) / reduceLocal));
    }

    /** Sums n floats of (src, off) on the device into result[slot]: one or two passes of a tree reduction. */
    private void sumInto(B src, int off, int n, int slot) {
        int groups = reduceGroups(n);
        if (groups == 1) {
            runGroups("sum_reduce", 1, src, off, n, result.mem, slot);
            return;
        }
        BufferPool.Storage<B> partials = pool.take(groups);
        runGroups("sum_reduce", groups, src, off, n, partials.mem, 0);
        runGroups("sum_reduce", 1, partials.mem, 0, groups, result.mem, slot);
        partials.release();
    }

    /**
     * Waits for the queue and reads the result slots; throws the error of any flag a kernel raised since the last read
     * (after clearing it, so the backend stays usable). {@code call} is the public call that reads: an error an earlier
     * queued op raised is reported as found by it.
     */
    private float[] readResults(String call) {
        float[] r = new float[SLOTS];
        rt.download(result.mem, 0, r, SLOTS);
        return checkFlags(r, call);
    }

    /** The result slots {@code r} just read: throws the error of a raised flag (clearing it), else returns them. */
    private float[] checkFlags(float[] r, String call) {
        flagsPending = false;
        if (Float.isNaN(r[LABEL_FLAG]) && Float.isNaN(r[GATHER_FLAG]) && Float.isNaN(r[SCATTER_FLAG])) return r;
        run("fill", SLOTS - LABEL_FLAG, result.mem, LABEL_FLAG, SLOTS - LABEL_FLAG, Float.NaN);
        InvalidIndexException e;
        if (!Float.isNaN(r[GATHER_FLAG])) {
            e = badIndex("gatherRows", gatherIdx, (int) r[GATHER_FLAG], gatherRows, false);
        } else if (!Float.isNaN(r[SCATTER_FLAG])) {
            e = badIndex("scatterAddRows", scatterIdx, (int) r[SCATTER_FLAG], scatterRows, true);
        } else {
            int row = (int) r[LABEL_FLAG];
            float[] v = readBack(labelTensor);
            int first = v == null ? -1 : Checks.firstBadLabel(v, labelClasses);  // the reference's message: the first bad
            if (first >= 0) row = first;                                        // label, whichever row a work-item flagged
            e = Checks.badLabel(labelOp, v == null ? Float.NaN : v[row], row, labelClasses);
        }
        throw e.op().equals(call) ? e : e.reportedBy(call);
    }

    /**
     * The reference's error for the first bad index of {@code idx} (read back: an error path only); {@code flagged} is the
     * position a work-item flagged, used if {@code idx} was closed before the flag was read.
     */
    private InvalidIndexException badIndex(String op, Tensor idx, int flagged, int rows, boolean negativeSkips) {
        float[] v = readBack(idx);
        if (v == null) return Checks.badIndex(op, Float.NaN, flagged, rows);
        try {
            for (int p = 0; p < v.length; p++) {
                if (negativeSkips) Checks.rowIndexOrSkip(op, v[p], p, rows);
                else Checks.rowIndex(op, v[p], p, rows);
            }
        } catch (InvalidIndexException e) {
            return e;
        }
        return Checks.badIndex(op, v[flagged], flagged, rows);             // cannot happen: the kernel and the host agree
    }

    /** The values of {@code t} read from the device, or null if it was closed since. */
    private float[] readBack(Tensor t) {
        if (t == null || t.isClosed()) return null;
        float[] v = new float[t.size()];
        if (v.length > 0) rt.download(mem(t), t.offset(), v, v.length);
        return v;
    }

    /** Notes which op's labels the device checks next (the label flag's message names it). */
    private void checkingLabels(String op, Tensor labels, int classes) {
        flagsPending = true;
        labelOp = op;
        labelTensor = labels;
        labelClasses = classes;
    }

    // ---------------------------------------------------------------- elementwise (elementwise.cl; the reductions of sumSquares are loss.cl's kernels)

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
        return doSumSquaresEach(new Tensor[] {x})[0];
    }

    /**
     * Σ x² of each tensor: every tensor's partial sums side by side in one buffer, each reduced into its own slot, then
     * one read of all the sums (the trainer's per-step gradient norm waits for the device once, not once per parameter).
     */
    @Override
    protected float[] doSumSquaresEach(Tensor[] xs) { return sumSquaresAfter(null, xs); }

    @Override
    protected float[] doReadWithSumSquares(Tensor values, Tensor[] xs) { return sumSquaresAfter(values, xs); }

    /**
     * values' elements (if not null) and Σ x² of each of xs, reduced on the device and read in one transfer — with the
     * result slots too when a kernel may have raised a flag since the last read (still one wait).
     */
    private float[] sumSquaresAfter(Tensor values, Tensor[] xs) {
        int nv = values == null ? 0 : values.size(), total = 0;
        for (Tensor x : xs) total += x.size() == 0 ? 0 : reduceGroups(x.size());
        boolean flags = flagsPending;
        int n = nv + xs.length + (flags ? SLOTS : 0);
        float[] all = new float[n];
        if (n > 0) {
            BufferPool.Storage<B> partials = total == 0 ? null : pool.take(total), sums = pool.take(n);
            if (nv > 0) run("copy", nv, mem(values), values.offset(), sums.mem, 0, nv);
            int at = 0;
            for (int i = 0; i < xs.length; i++) {
                Tensor x = xs[i];
                if (x.size() == 0) {
                    run("fill", 1, sums.mem, nv + i, 1, 0f);
                    continue;
                }
                int groups = reduceGroups(x.size());
                runGroups("sum_squares_partial", groups, mem(x), x.offset(), x.size(), partials.mem, at);
                runGroups("sum_reduce", 1, partials.mem, at, groups, sums.mem, nv + i);
                at += groups;
            }
            if (flags) run("copy", SLOTS, result.mem, 0, sums.mem, nv + xs.length, SLOTS);
            rt.download(sums.mem, 0, all, n);
            if (partials != null) partials.release();
            sums.release();
        }
        if (flags) checkFlags(Arrays.copyOfRange(all, nv + xs.length, n), values == null ? "sumSquaresEach" : "readWithSumSquares");
        return Arrays.copyOf(all, nv + xs.length);
    }

    @Override
    protected void doDropoutMask(Tensor mask, float p, long seed) {
        run("dropout_mask", mask.size(), mem(mask), mask.offset(), mask.size(), p, 1f / (1f - p), (int) seed, (int) (seed >>> 32));
    }

    // ---------------------------------------------------------------- gemm (gemm.cl)

    /**
     * The GEMM tile TS_M×TS_N×TS_K from {@code -Dnabla.<backend>.gemmTile=MxNxK} (default 64x64x16, see gemm.cl),
     * checked against gemm.cl's constraints and the device's work-group memory ({@code localMemBytes}).
     */
    public static int[] gemmTile(String spec, long localMemBytes) {
        String s = spec == null || spec.isBlank() ? "64x64x16" : spec.trim();
        String[] p = s.split("x");
        int[] t;
        try {
            if (p.length != 3) throw new NumberFormatException();
            t = new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("gemmTile=" + spec + ": expected MxNxK, e.g. 64x64x16");
        }
        if (t[0] < 16 || t[0] % 16 != 0 || t[1] < 16 || t[1] % 16 != 0 || t[2] < 4 || t[2] % 4 != 0) {
            throw new IllegalArgumentException("gemmTile=" + spec + ": TS_M and TS_N must be multiples of 16 "
                    + "(the 16×16 work-group) and TS_K a multiple of 4 (float4 staging)");
        }
        long bytes = (long) t[2] * (t[0] + t[1]) * Float.BYTES;
        if (bytes > localMemBytes) {
            throw new IllegalArgumentException("gemmTile=" + spec + ": its tiles need " + bytes + " bytes of work-group memory, the device gives "
                    + localMemBytes);
        }
        return t;
    }

    @Override
    protected void doGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        if (m == 0 || n == 0) return;
        int tilesN = (n + gemmTile[1] - 1) / gemmTile[1], tilesM = (m + gemmTile[0] - 1) / gemmTile[0];
        int splits = gemmSplits(tilesM * tilesN, k, 2 * rt.computeUnits());
        int kChunk = splits == 1 ? Math.max(k, 1) : (k + splits - 1) / splits;
        if (splits > 1) {
            kChunk = (kChunk + gemmTile[2] - 1) / gemmTile[2] * gemmTile[2];   // whole tiles per slice
            splits = (k + kChunk - 1) / kChunk;
        }
        long[] global = {(long) tilesN * GEMM_THREADS, (long) tilesM * GEMM_THREADS, splits};
        long[] local = {GEMM_THREADS, GEMM_THREADS, 1};
        if (splits == 1) {
            rt.launch("sgemm", gemmVariant, global, local, m, n, k, alpha, beta, transA ? 1 : 0, transB ? 1 : 0,
                    mem(a), a.offset(), mem(b), b.offset(), mem(c), c.offset(), kChunk, mem(c));
            return;
        }
        BufferPool.Storage<B> partial = pool.take((long) splits * m * n);
        rt.launch("sgemm", gemmVariant, global, local, m, n, k, alpha, beta, transA ? 1 : 0, transB ? 1 : 0,
                mem(a), a.offset(), mem(b), b.offset(), mem(c), c.offset(), kChunk, partial.mem);
        run("sgemm_reduce_splits", m * n, partial.mem, splits, m * n, mem(c), c.offset(), alpha, beta);
        partial.release();
    }

    /**
     * How many K-slices to run: 1 unless C has fewer tiles than the device wants work-groups ({@code wanted}) and K is
     * long (at least 256 per slice), e.g. a convolution's weight gradient [Cout, C·k·k] summed over N·H·W.
     */
    public static int gemmSplits(int tiles, int k, int wanted) {
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

    // ---------------------------------------------------------------- activations (activations.cl)

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
        runGroups("prelu_alpha_grad", channels, mem(x), x.offset(), mem(dy), dy.offset(), mem(dalpha), dalpha.offset(),
                channels, inner, outer);
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

    // ---------------------------------------------------------------- loss (loss.cl)

    /**
     * Per-row loss kernels write [loss_r …, counted_r …] into a scratch of 2·rows floats and the unscaled gradient;
     * the two sums land in result[0] and result[1], the gradient is divided by the count there (on the device),
     * and the host reads the slots back — with the flag where a kernel leaves the row of an invalid label.
     */
    private float meanOverCountedRows(String op, String kernel, Tensor scores, Tensor labels, Tensor grad, Object... extra) {
        sumOverCountedRows(op, kernel, scores, labels, grad, extra);
        float[] r = readResults(op);
        return r[SUM1] == 0 ? 0f : r[SUM0] / r[SUM1];
    }

    /**
     * The same, with the mean left on the device in e[0]: Σ terms / count there (a count of 0 leaves the sum, which is
     * then 0: uncounted rows add nothing). No wait; a bad label's flag goes with the next read.
     */
    private void meanOverCountedRowsInto(String op, String kernel, Tensor scores, Tensor labels, Tensor grad, Tensor e, Object... extra) {
        sumOverCountedRows(op, kernel, scores, labels, grad, extra);
        run("copy", 1, result.mem, SUM0, mem(e), e.offset(), 1);
        run("scale_by_count", 1, mem(e), e.offset(), 1, result.mem, SUM1);
    }

    /** The per-row kernel, then its terms summed into result[SUM0] and the counted rows into result[SUM1] (no read). */
    private void sumOverCountedRows(String op, String kernel, Tensor scores, Tensor labels, Tensor grad, Object... extra) {
        int rows = rows(scores), n = cols(scores);
        BufferPool.Storage<B> perRow = pool.take(2L * rows);
        Object[] args = new Object[12 + extra.length];
        int i = 0;
        args[i++] = mem(scores); args[i++] = scores.offset(); args[i++] = mem(labels); args[i++] = labels.offset();
        args[i++] = rows; args[i++] = n;
        args[i++] = grad == null ? 0 : 1; args[i++] = grad == null ? result.mem : mem(grad); args[i++] = grad == null ? 0 : grad.offset();
        args[i++] = perRow.mem; args[i++] = result.mem; args[i++] = LABEL_FLAG;
        System.arraycopy(extra, 0, args, i, extra.length);
        checkingLabels(op, labels, n);
        run(kernel, rows, args);
        sumInto(perRow.mem, 0, rows, SUM0);
        sumInto(perRow.mem, rows, rows, SUM1);
        if (grad != null) run("scale_by_count", grad.size(), mem(grad), grad.offset(), grad.size(), result.mem, SUM1);
        perRow.release();
    }

    @Override
    protected float doSoftmaxCrossEntropy(Tensor logits, Tensor labels, Tensor dlogits) {
        if (rows(logits) == 0) return 0f;
        return meanOverCountedRows("softmaxCrossEntropy", "softmax_xent_rows", logits, labels, dlogits);
    }

    @Override
    protected void doSoftmaxCrossEntropyInto(Tensor logits, Tensor labels, Tensor dlogits, Tensor e) {
        if (rows(logits) == 0) doFill(e, 0f);
        else meanOverCountedRowsInto("softmaxCrossEntropy", "softmax_xent_rows", logits, labels, dlogits, e);
    }

    @Override
    protected float doHinge(Tensor scores, Tensor labels, float margin, Tensor dscores) {
        if (rows(scores) == 0) return 0f;
        return meanOverCountedRows("hinge", "hinge_rows", scores, labels, dscores, margin);
    }

    @Override
    protected void doHingeInto(Tensor scores, Tensor labels, float margin, Tensor dscores, Tensor e) {
        if (rows(scores) == 0) doFill(e, 0f);
        else meanOverCountedRowsInto("hinge", "hinge_rows", scores, labels, dscores, e, margin);
    }

    @Override
    protected float doElementwiseLoss(ElementwiseLoss kind, Tensor y, Tensor target, Tensor dy) {
        int n = y.size();
        if (n == 0) return 0f;
        sumElementwiseLoss(kind, y, target, dy);
        float sum = readResults("elementwiseLoss")[SUM0];
        return kind == ElementwiseLoss.SQUARED_ERROR ? sum : sum / n;   // the mean losses divide once, here
    }

    @Override
    protected void doElementwiseLossInto(ElementwiseLoss kind, Tensor y, Tensor target, Tensor dy, Tensor e) {
        int n = y.size();
        if (n == 0) {
            doFill(e, 0f);
            return;
        }
        sumElementwiseLoss(kind, y, target, dy);
        run("copy", 1, result.mem, SUM0, mem(e), e.offset(), 1);
        if (kind != ElementwiseLoss.SQUARED_ERROR) {                     // the mean losses: Σ / n on the device
            run("fill", 1, result.mem, SUM1, 1, (float) n);
            run("scale_by_count", 1, mem(e), e.offset(), 1, result.mem, SUM1);
        }
    }

    /** The per-element kernel and its terms summed into result[SUM0] (no read). */
    private void sumElementwiseLoss(ElementwiseLoss kind, Tensor y, Tensor target, Tensor dy) {
        int n = y.size();
        BufferPool.Storage<B> terms = pool.take(n);
        run("elementwise_loss", n, kind.ordinal(), mem(y), y.offset(), mem(target), target.offset(),
                dy == null ? 0 : 1, dy == null ? result.mem : mem(dy), dy == null ? 0 : dy.offset(), terms.mem, n);
        sumInto(terms.mem, 0, n, SUM0);
        terms.release();
    }

    /** hits[r] for every row, summed on the device into {@code into} at element {@code at} (added to it when {@code add}). */
    private void countHits(Tensor scores, Tensor labels, String op, B into, int at, boolean add) {
        int rows = rows(scores);
        BufferPool.Storage<B> hits = pool.take(rows);
        checkingLabels(op, labels, cols(scores));
        run("count_correct_rows", rows, mem(scores), scores.offset(), mem(labels), labels.offset(), rows, cols(scores), hits.mem,
                result.mem, LABEL_FLAG);
        sumInto(hits.mem, 0, rows, SUM0);
        if (add) run("axpy", 1, 1f, result.mem, SUM0, into, at, 1);
        hits.release();
    }

    @Override
    protected int doCountCorrect(Tensor scores, Tensor labels) {
        if (rows(scores) == 0) return 0;
        countHits(scores, labels, "countCorrect", result.mem, SUM0, false);
        return Math.round(readResults("countCorrect")[SUM0]);
    }

    @Override
    protected void doCountCorrectInto(Tensor scores, Tensor labels, Tensor count) {
        if (rows(scores) > 0) countHits(scores, labels, "countCorrectInto", mem(count), count.offset(), true);
    }

    // ---------------------------------------------------------------- conv (conv.cl)

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

    // The convolution as its matrix form (as Conv2d's comment derives it), on pooled scratch buffers: the queue runs in
    // order, so a buffer released here is reused only by kernels queued after these.
    @Override
    protected void doConv2d(Tensor x, Tensor w, Tensor b, ConvGeometry g, Tensor y) {
        int k = g.colRows(), cout = w.size() / k, cc = g.colCols(), p = g.outH() * g.outW();
        try (Tensor cols = doAllocate(new int[] {k, cc}); Tensor net = doAllocate(new int[] {cout, cc})) {
            doIm2col(x, g, cols);                                           // X_col = im2col(x)     [C·kH·kW, N·P]
            doGemm(false, false, cout, cc, k, 1f, w.reshape(cout, k), cols, 0f, net);   // net_col = W · X_col
            doSwapAxes01(net, y, cout, g.batch(), p);                       // as NCHW
            if (b != null) doAddBias(y, b, p);
        }
    }

    @Override
    protected void doConv2dBackward(Tensor x, Tensor w, Tensor dy, ConvGeometry g, Tensor dw, Tensor db, Tensor dx) {
        int k = g.colRows(), cout = w.size() / k, cc = g.colCols(), p = g.outH() * g.outW();
        if (db != null) doSumBias(dy, db, p, 1f);
        if (dw == null && dx == null) return;
        try (Tensor delta = doAllocate(new int[] {cout, cc}); Tensor cols = doAllocate(new int[] {k, cc})) {
            doSwapAxes01(dy, delta, g.batch(), cout, p);                    // δ_col [C_out, N·P]
            if (dw != null) {
                doIm2col(x, g, cols);
                doGemm(false, true, cout, k, cc, 1f, delta, cols, 1f, dw.reshape(cout, k));   // ∂E/∂W += δ_col · X_colᵀ
            }
            if (dx != null) {
                doGemm(true, false, k, cc, cout, 1f, w.reshape(cout, k), delta, 0f, cols);   // ∂E/∂X_col = Wᵀ · δ_col
                doCol2im(cols, g, dx);
            }
        }
    }

    // ---------------------------------------------------------------- pool (pool.cl)

    @Override
    protected void doMaxPool(Tensor x, ConvGeometry g, Tensor y, Tensor argmax) {
        run("max_pool_forward", y.size(), concat(new Object[] {mem(x), x.offset(), mem(y), y.offset(), mem(argmax), argmax.offset()}, geo(g)));
    }

    @Override
    protected void doMaxPoolBackward(Tensor dy, Tensor argmax, ConvGeometry g, Tensor dx) {
        run("max_pool_backward", dx.size(), concat(new Object[] {mem(dy), dy.offset(), mem(argmax), argmax.offset(), mem(dx), dx.offset()}, geo(g)));
    }

    @Override
    protected void doAvgPool(Tensor x, ConvGeometry g, Tensor y) {
        run("avg_pool_forward", y.size(), concat(new Object[] {mem(x), x.offset(), mem(y), y.offset()}, geo(g)));
    }

    @Override
    protected void doAvgPoolBackward(Tensor dy, ConvGeometry g, Tensor dx) {
        run("avg_pool_backward", dx.size(), concat(new Object[] {mem(dy), dy.offset(), mem(dx), dx.offset()}, geo(g)));
    }

    // ---------------------------------------------------------------- embed (embed.cl)

    @Override
    public Scope deferIndexChecks() {
        ownedByThisThread("deferIndexChecks");
        deferringIndexChecks++;
        return () -> deferringIndexChecks--;
    }

    /**
     * A bad index raises the gather (scatter) flag on the device, read back at once (one wait each): a token that is not
     * a row is an error of this call, which the {@code Embedding} layer names, not of some later one. Inside a
     * {@link #deferIndexChecks} scope (a Trainer step) the flag waits for the next read instead.
     */
    @Override
    protected void doGatherRows(Tensor table, Tensor idx, Tensor out) {
        int v = rows(table), d = cols(table);
        gatherRows = v;
        gatherIdx = idx;
        flagsPending = true;
        run("gather_rows", out.size(), mem(table), table.offset(), v, d, mem(idx), idx.offset(), mem(out), out.offset(), idx.size(),
                result.mem, GATHER_FLAG);
        if (deferringIndexChecks == 0) readResults("gatherRows");
    }

    @Override
    protected void doScatterAddRows(Tensor dout, Tensor idx, Tensor dtable) {
        int v = rows(dtable), d = cols(dtable);
        scatterRows = v;
        scatterIdx = idx;
        flagsPending = true;
        run("scatter_add_rows", d, mem(dout), dout.offset(), mem(idx), idx.offset(), idx.size(), mem(dtable), dtable.offset(), v, d,
                result.mem, SCATTER_FLAG);
        if (deferringIndexChecks == 0) readResults("scatterAddRows");
    }

    // ---------------------------------------------------------------- recurrent (recurrent.cl)

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

    // ---------------------------------------------------------------- optim (optim.cl)

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
