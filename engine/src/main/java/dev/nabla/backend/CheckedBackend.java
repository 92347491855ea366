package dev.nabla.backend;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every backend's argument checks, written once: each op of {@link Backend} is a final method here that validates
 * its arguments — the backend is open, every tensor belongs to it and is not closed, the shapes fit — and then calls
 * the backend's implementation, the protected {@code do…} method of the same name. So the reference backend (the
 * specification) is exactly as strict as the fast ones, and a bad call fails with the same exception and message on
 * every backend. Implementations may assume their arguments are valid; what depends on the data (a label that is not
 * a class index, an embedding index out of range) they still check themselves, where the data is.
 *
 * <p>The sections follow {@link Backend}'s op families, in its order.
 */
public abstract class CheckedBackend implements Backend {
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /** Which backend of its name this is (1, 2, …): how a message tells two "cpu" backends apart. */
    private final int instance = INSTANCES.incrementAndGet();
    private volatile boolean closed;

    // ---------------------------------------------------------------- what every op checks first

    /**
     * Called by every op before anything else: the backend must be open, and each tensor given must be non-null,
     * belong to this backend and still be open. Device backends add their own condition (the owning thread).
     */
    protected void enter(String op, Tensor... tensors) {
        if (closed) throw new IllegalStateException(op + ": the '" + name() + "' backend is closed");
        for (int i = 0; i < tensors.length; i++) {
            Tensor t = tensors[i];
            if (t == null) throw new IllegalArgumentException(op + ": tensor argument " + (i + 1) + " is null");
            owned(op, t);
        }
    }

    /** A tensor argument that may be null (an optional output or state); if given, it must pass {@link #enter}'s checks. */
    protected final void optional(String op, Tensor t) {
        if (t != null) owned(op, t);
    }

    private void owned(String op, Tensor t) {
        if (t.backend() != this) {
            String other = t.backend().name();
            throw new IllegalArgumentException(op + ": " + t + (other.equals(name())
                    ? " belongs to another '" + other + "' backend (instance " + instanceOf(t.backend()) + "), not to this one (instance " + instance + ")"
                    : " belongs to backend '" + other + "', not '" + name() + "'"));
        }
        if (t.isClosed()) throw new IllegalStateException(op + ": " + t + " was closed (its storage went back to the backend)");
    }

    private static String instanceOf(Backend b) {
        return b instanceof CheckedBackend c ? String.valueOf(c.instance) : "?";
    }

    /** A non-tensor argument (an enum, a geometry) must be given. */
    private static void given(String op, Object v, String what) {
        if (v == null) throw new IllegalArgumentException(op + ": the " + what + " is null");
    }

    /** True once {@link #close()} was called. */
    protected final boolean isClosed() { return closed; }

    @Override
    public String toString() { return name() + " backend (instance " + instance + ")"; }

    // ---------------------------------------------------------------- memory

    @Override
    public final Tensor zeros(int... shape) {
        enter("zeros");
        Checks.shape("zeros", shape);
        return doZeros(shape.clone());
    }

    @Override
    public final Tensor upload(float[] data, int... shape) {
        enter("upload");
        if (data == null) throw new IllegalArgumentException("upload: the data array is null");
        if (data.length != Checks.shape("upload", shape)) {
            throw new IllegalArgumentException("upload: " + data.length + " values do not fill shape " + Arrays.toString(shape));
        }
        Tensor t = doAllocate(shape.clone());
        doUpload(data, 0, t);
        return t;
    }

    @Override
    public final void upload(float[] src, int srcOffset, Tensor dst) {
        enter("upload", dst);
        if (src == null) throw new IllegalArgumentException("upload: the source array is null");
        if (srcOffset < 0 || (long) srcOffset + dst.size() > src.length) {
            throw new IllegalArgumentException("upload: " + dst.size() + " values for " + dst + " from offset " + srcOffset
                    + " of an array of " + src.length);
        }
        doUpload(src, srcOffset, dst);
    }

    @Override
    public final void download(Tensor src, float[] dst) {
        enter("download", src);
        if (dst == null) throw new IllegalArgumentException("download: the destination array is null");
        if (dst.length < src.size()) {
            throw new IllegalArgumentException("download: " + src.size() + " values of " + src + " into an array of " + dst.length);
        }
        doDownload(src, dst);
    }

    @Override
    public final void release(Tensor t) {
        if (t == null) throw new IllegalArgumentException("release: the tensor is null");
        if (t.backend() != this) throw new IllegalArgumentException("release: " + t + " does not belong to the '" + name() + "' backend");
        doRelease(t);
    }

    @Override
    public final void close() {
        if (closed) return;
        closed = true;
        doClose();
    }

    /** A new zero-filled tensor of a valid shape. */
    protected abstract Tensor doZeros(int[] shape);

    /** A new tensor whose contents will be overwritten at once (by an upload); zero-filled unless overridden. */
    protected Tensor doAllocate(int[] shape) { return doZeros(shape); }

    /** Copies src[srcOffset ..] into the whole of dst (bounds checked). */
    protected abstract void doUpload(float[] src, int srcOffset, Tensor dst);

    /** Copies src to dst[0 .. src.size()) (dst long enough). */
    protected abstract void doDownload(Tensor src, float[] dst);

    /** Gives the storage of an owning tensor back (once per tensor: {@link Tensor#close()} calls this at most once). */
    protected abstract void doRelease(Tensor t);

    /** Frees what the backend holds (once). */
    protected void doClose() {}

    // ---------------------------------------------------------------- elementwise

    @Override
    public final void fill(Tensor x, float v) {
        enter("fill", x);
        doFill(x, v);
    }

    @Override
    public final void copy(Tensor src, Tensor dst) {
        enter("copy", src, dst);
        Checks.requireSameSize("copy", src, dst);
        doCopy(src, dst);
    }

    @Override
    public final void axpy(float alpha, Tensor x, Tensor y) {
        enter("axpy", x, y);
        Checks.requireSameSize("axpy", x, y);
        doAxpy(alpha, x, y);
    }

    @Override
    public final void scale(Tensor x, float alpha) {
        enter("scale", x);
        doScale(x, alpha);
    }

    @Override
    public final void mul(Tensor a, Tensor b, Tensor out) {
        enter("mul", a, b, out);
        Checks.requireSameSize("mul", a, b);
        Checks.requireSameSize("mul", a, out);
        doMul(a, b, out);
    }

    @Override
    public final float sumSquares(Tensor x) {
        enter("sumSquares", x);
        return doSumSquares(x);
    }

    @Override
    public final float[] sumSquaresEach(Tensor... xs) {
        if (xs == null) throw new IllegalArgumentException("sumSquaresEach: the tensor array is null");
        enter("sumSquaresEach", xs);
        return doSumSquaresEach(xs);
    }

    @Override
    public final float[] readWithSumSquares(Tensor values, Tensor... xs) {
        if (xs == null) throw new IllegalArgumentException("readWithSumSquares: the tensor array is null");
        enter("readWithSumSquares", values);
        enter("readWithSumSquares", xs);
        return doReadWithSumSquares(values, xs);
    }

    /** values' elements, then Σ x² of each of xs (checked); a backend with a queue reads them in one transfer. */
    protected float[] doReadWithSumSquares(Tensor values, Tensor[] xs) {
        float[] v = new float[values.size()], s = doSumSquaresEach(xs), all = new float[v.length + s.length];
        doDownload(values, v);
        System.arraycopy(v, 0, all, 0, v.length);
        System.arraycopy(s, 0, all, v.length, s.length);
        return all;
    }

    /** Σ x² of each tensor (checked); one {@link #doSumSquares} after another unless a backend can batch them. */
    protected float[] doSumSquaresEach(Tensor[] xs) {
        float[] s = new float[xs.length];
        for (int i = 0; i < xs.length; i++) s[i] = doSumSquares(xs[i]);
        return s;
    }

    protected abstract void doFill(Tensor x, float v);

    protected abstract void doCopy(Tensor src, Tensor dst);

    protected abstract void doAxpy(float alpha, Tensor x, Tensor y);

    protected abstract void doScale(Tensor x, float alpha);

    protected abstract void doMul(Tensor a, Tensor b, Tensor out);

    protected abstract float doSumSquares(Tensor x);

    @Override
    public final void dropoutMask(Tensor mask, float p, long seed) {
        enter("dropoutMask", mask);
        Checks.dropoutProbability(p);
        doDropoutMask(mask, p, seed);
    }

    // ---------------------------------------------------------------- gemm

    @Override
    public final void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        enter("gemm", a, b, c);
        int[] mnk = Checks.gemmDims(transA, transB, a, b, c);
        if (alpha == 0f || mnk[2] == 0) {                 // BLAS: nothing to multiply, A and B are not read: C ← β·C
            if (beta == 0f) doFill(c, 0f); else doScale(c, beta);
            return;
        }
        doGemm(transA, transB, mnk[0], mnk[1], mnk[2], alpha, a, b, beta, c);
    }

    /** C (m×n) ← α·op(A)·op(B) + β·C with op(A) m×k, op(B) k×n; the dimensions already checked, α ≠ 0 and k ≥ 1. */
    protected abstract void doGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a, Tensor b, float beta, Tensor c);

    @Override
    public final void gemmPack(boolean transB, Tensor b, Tensor packed) {
        enter("gemmPack", b, packed);
        int k = transB ? Checks.cols(b) : Checks.rows(b), n = transB ? Checks.rows(b) : Checks.cols(b);
        if (packed.rank() != 2 || packed.dim(0) != k || packed.dim(1) != n) {
            throw new IllegalArgumentException("gemmPack: op(B) is " + k + "x" + n + " (B " + b.shapeString()
                    + (transB ? "ᵀ" : "") + "), the packed tensor must be [" + k + ", " + n + "], got " + packed.shapeString());
        }
        doGemmPack(transB, k, n, b, packed);
    }

    /**
     * Packs op(B) (k×n) into {@code packed} [k, n]. The default is the plain layout, op(B) row-major, which the default
     * {@link #doGemmPacked} reads as an untransposed B: a backend with no layout of its own needs neither method.
     */
    protected void doGemmPack(boolean transB, int k, int n, Tensor b, Tensor packed) {
        if (transB) doSwapAxes01(b, packed, n, k, 1); else doCopy(b, packed);
    }

    @Override
    public final void gemmPacked(boolean transA, float alpha, Tensor a, Tensor packed, float beta, Tensor c) {
        enter("gemmPacked", a, packed, c);
        if (packed.rank() != 2) throw new IllegalArgumentException("gemmPacked: the packed B must be [K, N] (from gemmPack), got " + packed.shapeString());
        int[] mnk = Checks.gemmDims("gemmPacked", transA, false, a, packed, c);
        if (alpha == 0f || mnk[2] == 0) {                 // as gemm: A and B are not read
            if (beta == 0f) doFill(c, 0f); else doScale(c, beta);
            return;
        }
        doGemmPacked(transA, mnk[0], mnk[1], mnk[2], alpha, a, packed, beta, c);
    }

    /** C (m×n) ← α·op(A)·B + β·C for B packed by {@link #doGemmPack}; checked as {@link #doGemm}. Default: the plain layout. */
    protected void doGemmPacked(boolean transA, int m, int n, int k, float alpha, Tensor a, Tensor packed, float beta, Tensor c) {
        doGemm(transA, false, m, n, k, alpha, a, packed, beta, c);
    }

    // ---------------------------------------------------------------- bias

    @Override
    public final void addBias(Tensor x, Tensor b, int inner) {
        enter("addBias", x, b);
        Checks.bias("addBias", x, b, inner);
        doAddBias(x, b, inner);
    }

    @Override
    public final void sumBias(Tensor dy, Tensor db, int inner, float beta) {
        enter("sumBias", dy, db);
        Checks.bias("sumBias", dy, db, inner);
        doSumBias(dy, db, inner, beta);
    }

    @Override
    public final void swapAxes01(Tensor x, Tensor y, int a, int b, int s) {
        enter("swapAxes01", x, y);
        Checks.swapAxes01(x, y, a, b, s);
        doSwapAxes01(x, y, a, b, s);
    }

    protected abstract void doAddBias(Tensor x, Tensor b, int inner);

    protected abstract void doSumBias(Tensor dy, Tensor db, int inner, float beta);

    protected abstract void doSwapAxes01(Tensor x, Tensor y, int a, int b, int s);

    // ---------------------------------------------------------------- activations

    @Override
    public final void activation(Activation f, Tensor x, Tensor y) {
        enter("activation " + f, x, y);
        given("activation", f, "activation function");
        Checks.requireSameSize("activation " + f, x, y);
        doActivation(f, x, y);
    }

    @Override
    public final void activationBackward(Activation f, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        String op = "activationBackward " + f;
        enter(op, x, y, dy, dx);
        given(op, f, "activation function");
        Checks.requireSameSize(op, x, y);
        Checks.requireSameSize(op, x, dy);
        Checks.requireSameSize(op, x, dx);
        doActivationBackward(f, x, y, dy, dx);
    }

    @Override
    public final void prelu(Tensor x, Tensor alpha, Tensor y, int inner) {
        enter("prelu", x, alpha, y);
        Checks.bias("prelu", x, alpha, inner);
        Checks.requireSameSize("prelu", x, y);
        doPrelu(x, alpha, y, inner);
    }

    @Override
    public final void preluBackward(Tensor x, Tensor alpha, Tensor dy, Tensor dx, Tensor dalpha, int inner) {
        enter("preluBackward", x, alpha, dy, dx, dalpha);
        Checks.bias("preluBackward", x, alpha, inner);
        Checks.requireSameSize("preluBackward", x, dy);
        Checks.requireSameSize("preluBackward", x, dx);
        Checks.requireSameSize("preluBackward", alpha, dalpha);
        doPreluBackward(x, alpha, dy, dx, dalpha, inner);
    }

    @Override
    public final void softmax(Tensor x, Tensor y) {
        enter("softmax", x, y);
        Checks.requireSameSize("softmax", x, y);
        doSoftmax(x, y);
    }

    @Override
    public final void softmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        enter("softmaxBackward", y, dy, dx);
        Checks.requireSameSize("softmaxBackward", y, dy);
        Checks.requireSameSize("softmaxBackward", y, dx);
        doSoftmaxBackward(y, dy, dx);
    }

    protected abstract void doActivation(Activation f, Tensor x, Tensor y);

    protected abstract void doActivationBackward(Activation f, Tensor x, Tensor y, Tensor dy, Tensor dx);

    protected abstract void doPrelu(Tensor x, Tensor alpha, Tensor y, int inner);

    protected abstract void doPreluBackward(Tensor x, Tensor alpha, Tensor dy, Tensor dx, Tensor dalpha, int inner);

    protected abstract void doSoftmax(Tensor x, Tensor y);

    protected abstract void doSoftmaxBackward(Tensor y, Tensor dy, Tensor dx);

    // ---------------------------------------------------------------- loss

    @Override
    public final float softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor dlogits) {
        enter("softmaxCrossEntropy", logits, labels);
        optional("softmaxCrossEntropy", dlogits);
        Checks.labels("softmaxCrossEntropy", logits, labels);
        if (dlogits != null) Checks.requireSameSize("softmaxCrossEntropy", logits, dlogits);
        return doSoftmaxCrossEntropy(logits, labels, dlogits);
    }

    @Override
    public final float elementwiseLoss(ElementwiseLoss kind, Tensor y, Tensor target, Tensor dy) {
        String op = "elementwiseLoss " + kind;
        enter(op, y, target);
        given(op, kind, "loss kind");
        optional(op, dy);
        Checks.requireSameSize(op, y, target);
        if (dy != null) Checks.requireSameSize(op, y, dy);
        return doElementwiseLoss(kind, y, target, dy);
    }

    @Override
    public final float hinge(Tensor scores, Tensor labels, float margin, Tensor dscores) {
        enter("hinge", scores, labels);
        optional("hinge", dscores);
        Checks.labels("hinge", scores, labels);
        if (dscores != null) Checks.requireSameSize("hinge", scores, dscores);
        return doHinge(scores, labels, margin, dscores);
    }

    @Override
    public final void softmaxCrossEntropyInto(Tensor logits, Tensor labels, Tensor dlogits, Tensor e) {
        enter("softmaxCrossEntropyInto", logits, labels, e);
        optional("softmaxCrossEntropyInto", dlogits);
        Checks.labels("softmaxCrossEntropyInto", logits, labels);
        if (dlogits != null) Checks.requireSameSize("softmaxCrossEntropyInto", logits, dlogits);
        oneElement("softmaxCrossEntropyInto", e);
        doSoftmaxCrossEntropyInto(logits, labels, dlogits, e);
    }

    @Override
    public final void elementwiseLossInto(ElementwiseLoss kind, Tensor y, Tensor target, Tensor dy, Tensor e) {
        String op = "elementwiseLossInto " + kind;
        enter(op, y, target, e);
        given(op, kind, "loss kind");
        optional(op, dy);
        Checks.requireSameSize(op, y, target);
        if (dy != null) Checks.requireSameSize(op, y, dy);
        oneElement(op, e);
        doElementwiseLossInto(kind, y, target, dy, e);
    }

    @Override
    public final void hingeInto(Tensor scores, Tensor labels, float margin, Tensor dscores, Tensor e) {
        enter("hingeInto", scores, labels, e);
        optional("hingeInto", dscores);
        Checks.labels("hingeInto", scores, labels);
        if (dscores != null) Checks.requireSameSize("hingeInto", scores, dscores);
        oneElement("hingeInto", e);
        doHingeInto(scores, labels, margin, dscores, e);
    }

    private static void oneElement(String op, Tensor e) {
        if (e.size() != 1) throw new IllegalArgumentException(op + ": the loss tensor " + e.shapeString() + " must hold one element");
    }

    /** As {@link Backend#softmaxCrossEntropyInto}: the returning form and a fill unless a backend can keep E on its device. */
    protected void doSoftmaxCrossEntropyInto(Tensor logits, Tensor labels, Tensor dlogits, Tensor e) {
        doFill(e, doSoftmaxCrossEntropy(logits, labels, dlogits));
    }

    protected void doElementwiseLossInto(ElementwiseLoss kind, Tensor y, Tensor target, Tensor dy, Tensor e) {
        doFill(e, doElementwiseLoss(kind, y, target, dy));
    }

    protected void doHingeInto(Tensor scores, Tensor labels, float margin, Tensor dscores, Tensor e) {
        doFill(e, doHinge(scores, labels, margin, dscores));
    }

    @Override
    public final int countCorrect(Tensor scores, Tensor labels) {
        enter("countCorrect", scores, labels);
        Checks.labels("countCorrect", scores, labels);
        return doCountCorrect(scores, labels);
    }

    @Override
    public final void countCorrectInto(Tensor scores, Tensor labels, Tensor count) {
        enter("countCorrectInto", scores, labels, count);
        Checks.labels("countCorrectInto", scores, labels);
        if (count.size() != 1) throw new IllegalArgumentException("countCorrectInto: the count " + count.shapeString() + " must hold one element");
        doCountCorrectInto(scores, labels, count);
    }

    /** As {@link Backend#countCorrectInto}; the labels' values are checked here. */
    protected abstract void doCountCorrectInto(Tensor scores, Tensor labels, Tensor count);

    /** As {@link Backend#softmaxCrossEntropy}; the labels' values are checked here ({@link Checks#classIndex}). */
    protected abstract float doSoftmaxCrossEntropy(Tensor logits, Tensor labels, Tensor dlogits);

    protected abstract float doElementwiseLoss(ElementwiseLoss kind, Tensor y, Tensor target, Tensor dy);

    /** As {@link Backend#hinge}; the labels' values are checked here. */
    protected abstract float doHinge(Tensor scores, Tensor labels, float margin, Tensor dscores);

    /** As {@link Backend#countCorrect}; the labels' values are checked here. */
    protected abstract int doCountCorrect(Tensor scores, Tensor labels);

    // ---------------------------------------------------------------- conv

    private static int inputSize(String op, ConvGeometry g) {
        if (g == null) throw new IllegalArgumentException(op + ": the geometry is null");
        return g.batch() * g.channels() * g.height() * g.width();
    }

    private static int outputSize(ConvGeometry g) { return g.batch() * g.channels() * g.outH() * g.outW(); }

    @Override
    public final void im2col(Tensor x, ConvGeometry g, Tensor cols) {
        enter("im2col", x, cols);
        Checks.geometry("im2col", x, inputSize("im2col", g), "input", g);
        Checks.geometry("im2col", cols, g.colRows() * g.colCols(), "columns", g);
        doIm2col(x, g, cols);
    }

    @Override
    public final void col2im(Tensor cols, ConvGeometry g, Tensor dx) {
        enter("col2im", cols, dx);
        Checks.geometry("col2im", dx, inputSize("col2im", g), "input gradient", g);
        Checks.geometry("col2im", cols, g.colRows() * g.colCols(), "columns", g);
        doCol2im(cols, g, dx);
    }

    /** C_out of a kernel bank w for the geometry: w holds C_out·C·kH·kW elements. */
    private static int outChannels(String op, Tensor w, ConvGeometry g) {
        int k = g.colRows();
        if (w.size() == 0 || w.size() % k != 0) {
            throw new IllegalArgumentException(op + ": kernel bank " + w.shapeString() + " holds " + w.size()
                    + " elements, not C_out·" + g.channels() + "·" + g.kernelH() + "·" + g.kernelW() + " for geometry " + g);
        }
        return w.size() / k;
    }

    private static int convOutputSize(ConvGeometry g, int cout) { return g.batch() * cout * g.outH() * g.outW(); }

    @Override
    public final void conv2d(Tensor x, Tensor w, Tensor b, ConvGeometry g, Tensor y) {
        enter("conv2d", x, w, y);
        optional("conv2d", b);
        Checks.geometry("conv2d", x, inputSize("conv2d", g), "input", g);
        int cout = outChannels("conv2d", w, g);
        Checks.geometry("conv2d", y, convOutputSize(g, cout), "output", g);
        if (b != null) Checks.geometry("conv2d", b, cout, "bias", g);
        doConv2d(x, w, b, g, y);
    }

    @Override
    public final void conv2dBackward(Tensor x, Tensor w, Tensor dy, ConvGeometry g, Tensor dw, Tensor db, Tensor dx) {
        enter("conv2dBackward", x, w, dy);
        optional("conv2dBackward", dw);
        optional("conv2dBackward", db);
        optional("conv2dBackward", dx);
        Checks.geometry("conv2dBackward", x, inputSize("conv2dBackward", g), "input", g);
        int cout = outChannels("conv2dBackward", w, g);
        Checks.geometry("conv2dBackward", dy, convOutputSize(g, cout), "output gradient", g);
        if (dw != null) Checks.geometry("conv2dBackward", dw, w.size(), "kernel bank gradient", g);
        if (db != null) Checks.geometry("conv2dBackward", db, cout, "bias gradient", g);
        if (dx != null) Checks.geometry("conv2dBackward", dx, x.size(), "input gradient", g);
        doConv2dBackward(x, w, dy, g, dw, db, dx);
    }

    // ---------------------------------------------------------------- pool

    @Override
    public final void maxPool(Tensor x, ConvGeometry g, Tensor y, Tensor argmax) {
        enter("maxPool", x, y, argmax);
        Checks.geometry("maxPool", x, inputSize("maxPool", g), "input", g);
        Checks.geometry("maxPool", y, outputSize(g), "output", g);
        Checks.geometry("maxPool", argmax, outputSize(g), "argmax", g);
        Checks.poolPadding("maxPool", g);
        doMaxPool(x, g, y, argmax);
    }

    @Override
    public final void maxPoolBackward(Tensor dy, Tensor argmax, ConvGeometry g, Tensor dx) {
        enter("maxPoolBackward", dy, argmax, dx);
        Checks.geometry("maxPoolBackward", dx, inputSize("maxPoolBackward", g), "input gradient", g);
        Checks.geometry("maxPoolBackward", dy, outputSize(g), "output gradient", g);
        Checks.geometry("maxPoolBackward", argmax, outputSize(g), "argmax", g);
        doMaxPoolBackward(dy, argmax, g, dx);
    }

    @Override
    public final void avgPool(Tensor x, ConvGeometry g, Tensor y) {
        enter("avgPool", x, y);
        Checks.geometry("avgPool", x, inputSize("avgPool", g), "input", g);
        Checks.geometry("avgPool", y, outputSize(g), "output", g);
        doAvgPool(x, g, y);
    }

    @Override
    public final void avgPoolBackward(Tensor dy, ConvGeometry g, Tensor dx) {
        enter("avgPoolBackward", dy, dx);
        Checks.geometry("avgPoolBackward", dx, inputSize("avgPoolBackward", g), "input gradient", g);
        Checks.geometry("avgPoolBackward", dy, outputSize(g), "output gradient", g);
        doAvgPoolBackward(dy, g, dx);
    }

    protected abstract void doIm2col(Tensor x, ConvGeometry g, Tensor cols);

    protected abstract void doCol2im(Tensor cols, ConvGeometry g, Tensor dx);

    /** As {@link Backend#conv2d}: C_out = w.size() / (C·kH·kW), every size checked. */
    protected abstract void doConv2d(Tensor x, Tensor w, Tensor b, ConvGeometry g, Tensor y);

    /** As {@link Backend#conv2dBackward}: dw, db and dx each null or of its checked size. */
    protected abstract void doConv2dBackward(Tensor x, Tensor w, Tensor dy, ConvGeometry g, Tensor dw, Tensor db, Tensor dx);

    protected abstract void doMaxPool(Tensor x, ConvGeometry g, Tensor y, Tensor argmax);

    protected abstract void doMaxPoolBackward(Tensor dy, Tensor argmax, ConvGeometry g, Tensor dx);

    protected abstract void doAvgPool(Tensor x, ConvGeometry g, Tensor y);

    protected abstract void doAvgPoolBackward(Tensor dy, ConvGeometry g, Tensor dx);

    // ---------------------------------------------------------------- embed

    @Override
    public final void gatherRows(Tensor table, Tensor idx, Tensor out) {
        enter("gatherRows", table, idx, out);
        Checks.tableRows("gatherRows", idx, table, out, "an output");
        doGatherRows(table, idx, out);
    }

    @Override
    public final void scatterAddRows(Tensor dout, Tensor idx, Tensor dtable) {
        enter("scatterAddRows", dout, idx, dtable);
        Checks.tableRows("scatterAddRows", idx, dtable, dout, "a gradient");
        doScatterAddRows(dout, idx, dtable);
    }

    protected abstract void doDropoutMask(Tensor mask, float p, long seed);

    /** As {@link Backend#gatherRows}; an index outside the table is an error ({@link Checks#badIndex}). */
    protected abstract void doGatherRows(Tensor table, Tensor idx, Tensor out);

    /** As {@link Backend#scatterAddRows}; an index at or past the table's end is an error. */
    protected abstract void doScatterAddRows(Tensor dout, Tensor idx, Tensor dtable);

    // ---------------------------------------------------------------- recurrent

    @Override
    public final void lstmCell(Tensor gates, Tensor cPrev, Tensor peep, Tensor c, Tensor tanhC, Tensor h) {
        enter("lstmCell", gates, cPrev, c, tanhC, h);
        optional("lstmCell", peep);
        Checks.lstmGates(gates, cPrev);
        for (Tensor t : new Tensor[] {c, tanhC, h}) Checks.requireSameSize("lstmCell", cPrev, t);
        Checks.peepholes("lstmCell", peep, null, Checks.cols(cPrev), false);
        doLstmCell(gates, cPrev, peep, c, tanhC, h);
    }

    @Override
    public final void lstmCellBackward(Tensor acts, Tensor cPrev, Tensor c, Tensor tanhC, Tensor peep,
                                       Tensor dh, Tensor dc, Tensor dgates, Tensor dpeep) {
        enter("lstmCellBackward", acts, cPrev, c, tanhC, dh, dc, dgates);
        optional("lstmCellBackward", peep);
        optional("lstmCellBackward", dpeep);
        Checks.lstmActs(acts, dgates, cPrev);
        for (Tensor t : new Tensor[] {c, tanhC, dh, dc}) Checks.requireSameSize("lstmCellBackward", cPrev, t);
        Checks.peepholes("lstmCellBackward", peep, dpeep, Checks.cols(cPrev), true);
        doLstmCellBackward(acts, cPrev, c, tanhC, peep, dh, dc, dgates, dpeep);
    }

    @Override
    public final void gruCell(Tensor gx, Tensor gh, Tensor hPrev, Tensor h, Tensor acts) {
        enter("gruCell", gx, gh, hPrev, h, acts);
        Checks.gruGates(gx, gh, hPrev);
        Checks.requireSameSize("gruCell", hPrev, h);
        Checks.requireSameSize("gruCell", gx, acts);
        doGruCell(gx, gh, hPrev, h, acts);
    }

    @Override
    public final void gruCellBackward(Tensor acts, Tensor gh, Tensor hPrev, Tensor dh, Tensor dgx, Tensor dgh, Tensor dhPrev) {
        enter("gruCellBackward", acts, gh, hPrev, dh, dgx, dgh, dhPrev);
        Checks.gruActs(acts, gh, dgx, dgh, hPrev);
        Checks.requireSameSize("gruCellBackward", hPrev, dh);
        Checks.requireSameSize("gruCellBackward", hPrev, dhPrev);
        doGruCellBackward(acts, gh, hPrev, dh, dgx, dgh, dhPrev);
    }

    protected abstract void doLstmCell(Tensor gates, Tensor cPrev, Tensor peep, Tensor c, Tensor tanhC, Tensor h);

    protected abstract void doLstmCellBackward(Tensor acts, Tensor cPrev, Tensor c, Tensor tanhC, Tensor peep,
                                               Tensor dh, Tensor dc, Tensor dgates, Tensor dpeep);

    protected abstract void doGruCell(Tensor gx, Tensor gh, Tensor hPrev, Tensor h, Tensor acts);

    protected abstract void doGruCellBackward(Tensor acts, Tensor gh, Tensor hPrev, Tensor dh, Tensor dgx, Tensor dgh, Tensor dhPrev);

    // ---------------------------------------------------------------- optim

    @Override
    public final void sgdStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, boolean nesterov, float weightDecay) {
        enter("sgdStep", w, g);
        optional("sgdStep", v);
        if (momentum != 0f && v == null) throw new IllegalArgumentException("sgdStep: momentum " + momentum + " needs a velocity tensor");
        Checks.optimizerState("sgdStep", w, g, v);
        doSgdStep(w, g, momentum == 0f ? null : v, lr, momentum, nesterov, weightDecay);
    }

    @Override
    public final void adagradStep(Tensor w, Tensor g, Tensor sumSq, float lr, float eps, float weightDecay) {
        enter("adagradStep", w, g, sumSq);
        Checks.optimizerState("adagradStep", w, g, sumSq);
        doAdagradStep(w, g, sumSq, lr, eps, weightDecay);
    }

    @Override
    public final void rmspropStep(Tensor w, Tensor g, Tensor sqAvg, float lr, float rho, float eps, float weightDecay) {
        enter("rmspropStep", w, g, sqAvg);
        Checks.optimizerState("rmspropStep", w, g, sqAvg);
        doRmspropStep(w, g, sqAvg, lr, rho, eps, weightDecay);
    }

    @Override
    public final void adadeltaStep(Tensor w, Tensor g, Tensor sqAvg, Tensor accDelta, float lr, float rho, float eps, float weightDecay) {
        enter("adadeltaStep", w, g, sqAvg, accDelta);
        Checks.optimizerState("adadeltaStep", w, g, sqAvg, accDelta);
        doAdadeltaStep(w, g, sqAvg, accDelta, lr, rho, eps, weightDecay);
    }

    @Override
    public final void adamStep(Tensor w, Tensor g, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps, float weightDecay, int t) {
        enter("adamStep", w, g, m, v);
        Checks.adamStepCount(t);
        Checks.optimizerState("adamStep", w, g, m, v);
        doAdamStep(w, g, m, v, lr, beta1, beta2, eps, weightDecay, t);
    }

    /** As {@link Backend#sgdStep}; {@code v} is null exactly when μ = 0. */
    protected abstract void doSgdStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, boolean nesterov, float weightDecay);

    protected abstract void doAdagradStep(Tensor w, Tensor g, Tensor sumSq, float lr, float eps, float weightDecay);

    protected abstract void doRmspropStep(Tensor w, Tensor g, Tensor sqAvg, float lr, float rho, float eps, float weightDecay);

    protected abstract void doAdadeltaStep(Tensor w, Tensor g, Tensor sqAvg, Tensor accDelta, float lr, float rho, float eps, float weightDecay);

    protected abstract void doAdamStep(Tensor w, Tensor g, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps, float weightDecay, int t);
}
