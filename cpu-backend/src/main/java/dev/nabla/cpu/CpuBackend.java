package dev.nabla.cpu;

import static dev.nabla.backend.Checks.cols;
import static dev.nabla.cpu.Elementwise.S;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.ConvGeometry;
import dev.nabla.backend.ElementwiseLoss;
import dev.nabla.backend.HeapBackend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;

/**
 * The CPU backend: every op of {@link Backend} on heap {@code float[]} storage (the same storage model as the
 * {@link ReferenceBackend}), written with the Vector API ({@code jdk.incubator.vector}, {@code FloatVector.SPECIES_PREFERRED}:
 * 16 lanes with AVX-512, 8 with AVX2). This class only routes each checked op ({@code do…}) to the file of its family;
 * the families, in the order every backend and kernel folder uses (the reference's sections, {@code kernels/opencl/*.cl}):
 * <ol>
 *   <li>memory — {@link HeapBackend} (shared with the reference)
 *   <li>elementwise — {@link Elementwise}: fill, copy, axpy, scale, mul, Σx², dropout masks; the range primitives the
 *       other families share (elementwise.cl)
 *   <li>gemm — {@link Sgemm}, named for the BLAS routine it implements (gemm.cl)
 *   <li>bias — {@link Bias}: bias add, bias sums, swapAxes01 (bias.cl)
 *   <li>activations — {@link Activations}: the activation functions, PReLU, softmax (activations.cl)
 *   <li>loss — {@link Loss}: softmax cross-entropy, elementwise losses, hinge, correct counts (loss.cl)
 *   <li>conv — {@link Conv}: im2col, col2im (conv.cl)
 *   <li>pool — {@link Pool}: max and average pooling (pool.cl)
 *   <li>embed — {@link Embed}: row gathers (in {@link HeapBackend}) and scatter-adds (embed.cl)
 *   <li>recurrent — {@link Recurrent}: the fused LSTM and GRU cells (recurrent.cl)
 *   <li>optim — {@link Optim}: the optimizer updates (optim.cl)
 * </ol>
 * beside {@link VMath} (e^x, tanh, ln on vectors) and {@link Parallel} (the one thread pool).
 *
 * <p>Loops run whole vectors and finish with one masked vector (or, for the fused cells and the optimizers, the scalar
 * formula of the reference); large tensors are split over {@link Parallel}'s pool where the outputs are independent,
 * so the thread count never changes a result. Semantics are the reference backend's, op by op (its source is the
 * specification). Where no transcendental function is involved the arithmetic follows the reference's order without
 * fused multiply-adds, so data movement, max pooling, optimizer updates, activation derivatives and the cell backward
 * passes are bit-for-bit identical; e^x, ln x and tanh x come from {@link VMath} (Cephes' float polynomials built from
 * exactly rounded vector operations, within 2 ulp, so the same bits on every run — the reference computes them in
 * double), and sums of many terms are blocked float sums added in double.
 */
public final class CpuBackend extends HeapBackend {

    @Override
    public String name() { return "cpu"; }

    @Override
    public String toString() { return "CpuBackend(" + S + ", " + Parallel.threads() + " threads)"; }

    // ---------------------------------------------------------------- elementwise

    @Override
    protected void doFill(Tensor x, float v) { Elementwise.fill(x, v); }

    @Override
    protected void doCopy(Tensor src, Tensor dst) { Elementwise.copy(src, dst); }

    @Override
    protected void doAxpy(float alpha, Tensor x, Tensor y) { Elementwise.axpy(alpha, x, y); }

    @Override
    protected void doScale(Tensor x, float alpha) { Elementwise.scale(x, alpha); }

    @Override
    protected void doMul(Tensor a, Tensor b, Tensor out) { Elementwise.mul(a, b, out); }

    @Override
    protected float doSumSquares(Tensor x) { return Elementwise.sumSquares(x); }

    @Override
    protected void doDropoutMask(Tensor mask, float p, long seed) { Elementwise.dropoutMask(mask, p, seed); }

    // ---------------------------------------------------------------- gemm

    @Override
    protected void doGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        if (m == 0 || n == 0) return;
        Sgemm.sgemm(transA, transB, m, n, k, alpha, data(a), a.offset(), cols(a), data(b), b.offset(), cols(b),
                beta, data(c), c.offset(), n);
    }

    @Override
    protected void doGemmPack(boolean transB, int k, int n, Tensor b, Tensor packed) {
        Sgemm.pack(transB, k, n, data(b), b.offset(), cols(b), data(packed), packed.offset());
    }

    @Override
    protected void doGemmPacked(boolean transA, int m, int n, int k, float alpha, Tensor a, Tensor packed, float beta, Tensor c) {
        if (m == 0 || n == 0) return;
        Sgemm.packed(transA, m, n, k, alpha, data(a), a.offset(), cols(a), data(packed), packed.offset(), beta, data(c), c.offset(), n);
    }

    // ---------------------------------------------------------------- bias

    @Override
    protected void doAddBias(Tensor x, Tensor b, int inner) { Bias.addBias(x, b, inner); }

    @Override
    protected void doSumBias(Tensor dy, Tensor db, int inner, float beta) { Bias.sumBias(dy, db, inner, beta); }

    @Override
    protected void doSwapAxes01(Tensor x, Tensor y, int a, int b, int s) { Bias.swapAxes01(x, y, a, b, s); }

    // ---------------------------------------------------------------- activations

    @Override
    protected void doActivation(Activation f, Tensor x, Tensor y) { Activations.activation(f, x, y); }

    @Override
    protected void doActivationBackward(Activation f, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        Activations.activationBackward(f, x, y, dy, dx);
    }

    @Override
    protected void doPrelu(Tensor x, Tensor alpha, Tensor y, int inner) { Activations.prelu(x, alpha, y, inner); }

    @Override
    protected void doPreluBackward(Tensor x, Tensor alpha, Tensor dy, Tensor dx, Tensor dalpha, int inner) {
        Activations.preluBackward(x, alpha, dy, dx, dalpha, inner);
    }

    @Override
    protected void doSoftmax(Tensor x, Tensor y) { Activations.softmax(x, y); }

    @Override
    protected void doSoftmaxBackward(Tensor y, Tensor dy, Tensor dx) { Activations.softmaxBackward(y, dy, dx); }

    // ---------------------------------------------------------------- loss

    @Override
    protected float doSoftmaxCrossEntropy(Tensor logits, Tensor labels, Tensor dlogits) {
        return Loss.softmaxCrossEntropy(logits, labels, dlogits);
    }

    @Override
    protected float doElementwiseLoss(ElementwiseLoss kind, Tensor y, Tensor target, Tensor dy) {
        return Loss.elementwiseLoss(kind, y, target, dy);
    }

    @Override
    protected float doHinge(Tensor scores, Tensor labels, float margin, Tensor dscores) {
        return Loss.hinge(scores, labels, margin, dscores);
    }

    @Override
    protected int doCountCorrect(Tensor scores, Tensor labels) { return Loss.countCorrect(scores, labels); }

    // ---------------------------------------------------------------- conv

    @Override
    protected void doIm2col(Tensor x, ConvGeometry g, Tensor cols) { Conv.im2col(x, g, cols); }

    @Override
    protected void doCol2im(Tensor cols, ConvGeometry g, Tensor dx) { Conv.col2im(cols, g, dx); }

    @Override
    protected void doConv2d(Tensor x, Tensor w, Tensor b, ConvGeometry g, Tensor y) { Conv.conv2d(x, w, b, g, y); }

    @Override
    protected void doConv2dBackward(Tensor x, Tensor w, Tensor dy, ConvGeometry g, Tensor dw, Tensor db, Tensor dx) {
        if (db != null) Bias.sumBias(dy, db, g.outH() * g.outW(), 1f);
        Conv.conv2dBackward(x, w, dy, g, dw, dx);
    }

    // ---------------------------------------------------------------- pool

    @Override
    protected void doMaxPool(Tensor x, ConvGeometry g, Tensor y, Tensor argmax) { Pool.maxPool(x, g, y, argmax); }

    @Override
    protected void doMaxPoolBackward(Tensor dy, Tensor argmax, ConvGeometry g, Tensor dx) {
        Pool.maxPoolBackward(dy, argmax, g, dx);
    }

    @Override
    protected void doAvgPool(Tensor x, ConvGeometry g, Tensor y) { Pool.avgPool(x, g, y); }

    @Override
    protected void doAvgPoolBackward(Tensor dy, ConvGeometry g, Tensor dx) { Pool.avgPoolBackward(dy, g, dx); }

    // ---------------------------------------------------------------- embed

    @Override
    protected void doScatterAddRows(Tensor dout, Tensor idx, Tensor dtable) { Embed.scatterAddRows(dout, idx, dtable); }

    // ---------------------------------------------------------------- recurrent

    @Override
    protected void doLstmCell(Tensor gates, Tensor cPrev, Tensor peep, Tensor c, Tensor tanhC, Tensor h) {
        Recurrent.lstmCell(gates, cPrev, peep, c, tanhC, h);
    }

    @Override
    protected void doLstmCellBackward(Tensor acts, Tensor cPrev, Tensor c, Tensor tanhC, Tensor peep,
                                      Tensor dh, Tensor dc, Tensor dgates, Tensor dpeep) {
        Recurrent.lstmCellBackward(acts, cPrev, c, tanhC, peep, dh, dc, dgates, dpeep);
    }

    @Override
    protected void doGruCell(Tensor gx, Tensor gh, Tensor hPrev, Tensor h, Tensor acts) {
        Recurrent.gruCell(gx, gh, hPrev, h, acts);
    }

    @Override
    protected void doGruCellBackward(Tensor acts, Tensor gh, Tensor hPrev, Tensor dh, Tensor dgx, Tensor dgh, Tensor dhPrev) {
        Recurrent.gruCellBackward(acts, gh, hPrev, dh, dgx, dgh, dhPrev);
    }

    // ---------------------------------------------------------------- optim

    @Override
    protected void doSgdStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, boolean nesterov, float weightDecay) {
        Optim.sgdStep(w, g, v, lr, momentum, nesterov, weightDecay);
    }

    @Override
    protected void doAdagradStep(Tensor w, Tensor g, Tensor sumSq, float lr, float eps, float weightDecay) {
        Optim.adagradStep(w, g, sumSq, lr, eps, weightDecay);
    }

    @Override
    protected void doRmspropStep(Tensor w, Tensor g, Tensor sqAvg, float lr, float rho, float eps, float weightDecay) {
        Optim.rmspropStep(w, g, sqAvg, lr, rho, eps, weightDecay);
    }

    @Override
    protected void doAdadeltaStep(Tensor w, Tensor g, Tensor sqAvg, Tensor accDelta, float lr, float rho, float eps,
                                  float weightDecay) {
        Optim.adadeltaStep(w, g, sqAvg, accDelta, lr, rho, eps, weightDecay);
    }

    @Override
    protected void doAdamStep(Tensor w, Tensor g, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                              float weightDecay, int t) {
        Optim.adamStep(w, g, m, v, lr, beta1, beta2, eps, weightDecay, t);
    }
}
