package dev.nabla.backend;

import static dev.nabla.backend.Checks.cols;
import static dev.nabla.backend.Checks.rows;

/**
 * Every op of {@link Backend} as plain scalar loops over {@code float[]}, written to be read: the executable
 * specification that every other backend is tested against. Nothing here is tuned for speed.
 *
 * <p>The sections are the op families, in the order every backend and kernel folder uses: memory ({@link HeapBackend}),
 * elementwise, gemm, bias, activations, loss, conv, pool, embed, recurrent, optim — the CPU backend's files
 * ({@code Elementwise.java} … {@code Optim.java}, with {@code Sgemm.java} for gemm) and {@code kernels/opencl/*.cl}
 * by the same names; {@link Backend}, {@link CheckedBackend} and the GPU backends' {@code DeviceBackend} have the same
 * sections in the same order.
 */
public class ReferenceBackend extends HeapBackend {

    @Override
    public String name() { return "ref"; }

    // ---------------------------------------------------------------- elementwise

    @Override
    protected void doFill(Tensor x, float v) {
        float[] xd = data(x);
        for (int i = 0; i < x.size(); i++) xd[x.offset() + i] = v;
    }

    @Override
    protected void doCopy(Tensor src, Tensor dst) {
        System.arraycopy(data(src), src.offset(), data(dst), dst.offset(), src.size());
    }

    @Override
    protected void doAxpy(float alpha, Tensor x, Tensor y) {
        float[] xd = data(x), yd = data(y);
        for (int i = 0; i < x.size(); i++) yd[y.offset() + i] += alpha * xd[x.offset() + i];
    }

    @Override
    protected void doScale(Tensor x, float alpha) {
        float[] xd = data(x);
        for (int i = 0; i < x.size(); i++) xd[x.offset() + i] *= alpha;
    }

    @Override
    protected void doMul(Tensor a, Tensor b, Tensor out) {
        float[] ad = data(a), bd = data(b), od = data(out);
        for (int i = 0; i < a.size(); i++) od[out.offset() + i] = ad[a.offset() + i] * bd[b.offset() + i];
    }

    @Override
    protected float doSumSquares(Tensor x) {
        float[] xd = data(x);
        double s = 0;
        for (int i = 0; i < x.size(); i++) s += (double) xd[x.offset() + i] * xd[x.offset() + i];
        return (float) s;
    }

    /**
     * A uniform number in [0, 1) from (seed, i): a counter-based hash (the 32-bit finaliser of MurmurHash3 applied
     * to seed and counter) so that CPU and GPU backends draw identical dropout masks without shared RNG state.
     * In 32-bit unsigned arithmetic: h = lo(seed) ^ (i · 0x9E3779B9); h = fmix(h ^ hi(seed)); h = fmix(h);
     * u = (h >>> 8) · 2⁻²⁴.
     */
    public static float uniform(long seed, int i) {
        int h = (int) seed ^ (i * 0x9E3779B9);
        h = fmix(h ^ (int) (seed >>> 32));
        h = fmix(h);
        return (h >>> 8) * 0x1.0p-24f;
    }

    private static int fmix(int h) {
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        h ^= h >>> 16;
        return h;
    }

    @Override
    protected void doDropoutMask(Tensor mask, float p, long seed) {
        float[] md = data(mask);
        float keep = 1f / (1f - p);
        for (int i = 0; i < mask.size(); i++) md[mask.offset() + i] = uniform(seed, i) >= p ? keep : 0f;
    }

    // ---------------------------------------------------------------- gemm

    @Override
    protected void doGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        float[] ad = data(a), bd = data(b), cd = data(c);
        int lda = cols(a), ldb = cols(b), oa = a.offset(), ob = b.offset(), oc = c.offset();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    float aip = transA ? ad[oa + p * lda + i] : ad[oa + i * lda + p];
                    float bpj = transB ? bd[ob + j * ldb + p] : bd[ob + p * ldb + j];
                    sum += (double) aip * bpj;
                }
                int ci = oc + i * n + j;
                cd[ci] = (float) (alpha * sum + (beta == 0f ? 0f : beta * cd[ci]));
            }
        }
    }

    // ---------------------------------------------------------------- bias

    @Override
    protected void doAddBias(Tensor x, Tensor b, int inner) {
        float[] xd = data(x), bd = data(b);
        int channels = b.size();
        for (int i = 0; i < x.size(); i++) xd[x.offset() + i] += bd[b.offset() + (i / inner) % channels];
    }

    @Override
    protected void doSumBias(Tensor dy, Tensor db, int inner, float beta) {
        float[] yd = data(dy), bd = data(db);
        int channels = db.size();
        double[] sums = new double[channels];
        for (int i = 0; i < dy.size(); i++) sums[(i / inner) % channels] += yd[dy.offset() + i];
        for (int ch = 0; ch < channels; ch++) {
            int bi = db.offset() + ch;
            bd[bi] = (float) (sums[ch] + (beta == 0f ? 0f : beta * bd[bi]));
        }
    }

    @Override
    protected void doSwapAxes01(Tensor x, Tensor y, int a, int b, int s) {
        float[] xd = data(x), yd = data(y);
        for (int i = 0; i < a; i++)
            for (int j = 0; j < b; j++)
                for (int k = 0; k < s; k++)
                    yd[y.offset() + (j * a + i) * s + k] = xd[x.offset() + (i * b + j) * s + k];
    }

    // ---------------------------------------------------------------- activations

    /**
     * f(net) of {@link Activation}, the formulas of seed 004's table. IEEE semantics, as PyTorch: NaN in gives NaN out
     * for every activation (a comparison alone would turn NaN into 0 or 1 and hide it).
     */
    public static float apply(Activation f, float net) {
        if (Float.isNaN(net)) return net;                       // NaN → NaN (relu, step, sign included)
        return switch (f) {
            case IDENTITY -> net;
            case STEP -> net >= 0 ? 1f : 0f;
            case SIGN -> net >= 0 ? 1f : -1f;
            case PIECEWISE_LINEAR -> net <= -0.5f ? 0f : net >= 0.5f ? 1f : net + 0.5f;
            case SIGMOID -> sigmoid(net);
            case TANH -> (float) Math.tanh(net);
            case RELU -> net > 0 ? net : 0f;
            // ln(1 + e^net), stable for large |net|: max(net, 0) + ln(1 + e^−|net|)
            case SOFTPLUS -> (float) (Math.max(net, 0) + Math.log1p(Math.exp(-Math.abs(net))));
        };
    }

    /**
     * f'(net), given net and y = f(net); NaN where net is NaN (for sigmoid and tanh, computed from y: NaN where y is),
     * so that dx = dy·f'(net) carries the NaN back instead of multiplying it by a 0 or 1 read from a comparison.
     */
    public static float derivative(Activation f, float net, float y) {
        if (Float.isNaN(net) && f != Activation.SIGMOID && f != Activation.TANH) return net;
        return switch (f) {
            case IDENTITY -> 1f;
            case STEP, SIGN -> 0f;
            case PIECEWISE_LINEAR -> net > -0.5f && net < 0.5f ? 1f : 0f;
            case SIGMOID -> y * (1 - y);
            case TANH -> 1 - y * y;
            case RELU -> net > 0 ? 1f : 0f;
            case SOFTPLUS -> sigmoid(net);
        };
    }

    /** σ(x) = 1/(1 + e^−x), computed without overflow for large |x|. */
    public static float sigmoid(float x) {
        if (x >= 0) return (float) (1 / (1 + Math.exp(-x)));
        double e = Math.exp(x);
        return (float) (e / (1 + e));
    }

    @Override
    protected void doActivation(Activation f, Tensor x, Tensor y) {
        float[] xd = data(x), yd = data(y);
        for (int i = 0; i < x.size(); i++) yd[y.offset() + i] = apply(f, xd[x.offset() + i]);
    }

    @Override
    protected void doActivationBackward(Activation f, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        float[] xd = data(x), yd = data(y), dyd = data(dy), dxd = data(dx);
        for (int i = 0; i < x.size(); i++) {
            dxd[dx.offset() + i] = dyd[dy.offset() + i] * derivative(f, xd[x.offset() + i], yd[y.offset() + i]);
        }
    }

    @Override
    protected void doPrelu(Tensor x, Tensor alpha, Tensor y, int inner) {
        float[] xd = data(x), ad = data(alpha), yd = data(y);
        int channels = alpha.size();
        for (int i = 0; i < x.size(); i++) {
            float v = xd[x.offset() + i];
            yd[y.offset() + i] = v > 0 ? v : ad[alpha.offset() + (i / inner) % channels] * v;
        }
    }

    @Override
    protected void doPreluBackward(Tensor x, Tensor alpha, Tensor dy, Tensor dx, Tensor dalpha, int inner) {
        float[] xd = data(x), ad = data(alpha), dyd = data(dy), dxd = data(dx), dad = data(dalpha);
        int channels = alpha.size();
        double[] da = new double[channels];
        for (int i = 0; i < x.size(); i++) {
            int ch = (i / inner) % channels;
            float v = xd[x.offset() + i], g = dyd[dy.offset() + i];
            dxd[dx.offset() + i] = v > 0 ? g : v <= 0 ? ad[alpha.offset() + ch] * g : v;   // ∂y/∂x (NaN where x is NaN)
            if (!(v > 0)) da[ch] += (double) g * v;                            // ∂y/∂α = x where x ≤ 0 (and NaN where x is)
        }
        for (int ch = 0; ch < channels; ch++) dad[dalpha.offset() + ch] += (float) da[ch];
    }

    @Override
    protected void doSoftmax(Tensor x, Tensor y) {
        float[] xd = data(x), yd = data(y);
        int n = cols(x);
        for (int r = 0; r < rows(x); r++) {
            int xo = x.offset() + r * n, yo = y.offset() + r * n;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) max = Math.max(max, xd[xo + j]);
            double sum = 0;
            for (int j = 0; j < n; j++) sum += Math.exp(xd[xo + j] - max);
            for (int j = 0; j < n; j++) yd[yo + j] = (float) (Math.exp(xd[xo + j] - max) / sum);
        }
    }

    @Override
    protected void doSoftmaxBackward(Tensor y, Tensor dy, Tensor dx) {
        float[] yd = data(y), dyd = data(dy), dxd = data(dx);
        int n = cols(y);
        for (int r = 0; r < rows(y); r++) {
            int yo = y.offset() + r * n, go = dy.offset() + r * n, xo = dx.offset() + r * n;
            double dot = 0;
            for (int j = 0; j < n; j++) dot += (double) dyd[go + j] * yd[yo + j];
            for (int j = 0; j < n; j++) dxd[xo + j] = (float) (yd[yo + j] * (dyd[go + j] - dot));
        }
    }

    // ---------------------------------------------------------------- loss

    /**
     * The class index in row {@code row}, or −1 if the row is ignored (any negative label). A label that is not a whole
     * number (or NaN), or not below {@code classes}, is an error naming the value and the row.
     */
    static int label(String op, float[] ld, Tensor labels, int row, int classes) {
        return Checks.classIndex(op, ld[labels.offset() + row], row, classes);
    }

    /** How many rows have a label ≥ 0 (validating every label). */
    private static int countedRows(String op, float[] ld, Tensor labels, int rows, int classes) {
        int counted = 0;
        for (int r = 0; r < rows; r++) if (label(op, ld, labels, r, classes) >= 0) counted++;
        return counted;
    }

    @Override
    protected float doSoftmaxCrossEntropy(Tensor logits, Tensor labels, Tensor dlogits) {
        float[] zd = data(logits), ld = data(labels);
        float[] gd = dlogits == null ? null : data(dlogits);
        int n = cols(logits), rows = rows(logits);
        int counted = countedRows("softmaxCrossEntropy", ld, labels, rows, n);
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            int zo = logits.offset() + r * n;
            int label = label("softmaxCrossEntropy", ld, labels, r, n);
            if (label < 0) {
                if (gd != null) for (int j = 0; j < n; j++) gd[dlogits.offset() + r * n + j] = 0;
                continue;
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) max = Math.max(max, zd[zo + j]);
            double sum = 0;
            for (int j = 0; j < n; j++) sum += Math.exp(zd[zo + j] - max);
            double logSumExp = max + Math.log(sum);
            loss += logSumExp - zd[zo + label];                     // −ln softmax(z)_label
            if (gd != null) {
                for (int j = 0; j < n; j++) {                        // ∂L/∂z_j = (p_j − [j = label]) / rows
                    double p = Math.exp(zd[zo + j] - logSumExp);
                    gd[dlogits.offset() + r * n + j] = (float) ((p - (j == label ? 1 : 0)) / counted);
                }
            }
        }
        return counted == 0 ? 0f : (float) (loss / counted);
    }

    @Override
    protected float doElementwiseLoss(ElementwiseLoss kind, Tensor y, Tensor target, Tensor dy) {
        float[] yd = data(y), td = data(target);
        float[] gd = dy == null ? null : data(dy);
        int n = y.size();
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double yi = yd[y.offset() + i], di = td[target.offset() + i], g;
            switch (kind) {
                case SQUARED_ERROR -> { loss += 0.5 * (di - yi) * (di - yi); g = yi - di; }
                case MSE -> { loss += (di - yi) * (di - yi) / n; g = 2 * (yi - di) / n; }
                case L1 -> { loss += Math.abs(di - yi) / n; g = Math.signum(yi - di) / n; }
                case BINARY_CROSS_ENTROPY -> {
                    double logY = Math.max(Math.log(yi), -100), log1mY = Math.max(Math.log(1 - yi), -100);
                    loss += -(di * logY + (1 - di) * log1mY) / n;
                    g = (yi - di) / (Math.max(yi * (1 - yi), 1e-12) * n);
                }
                default -> throw new AssertionError(kind);
            }
            if (gd != null) gd[dy.offset() + i] = (float) g;
        }
        return (float) loss;
    }

    @Override
    protected float doHinge(Tensor scores, Tensor labels, float margin, Tensor dscores) {
        float[] sd = data(scores), ld = data(labels);
        float[] gd = dscores == null ? null : data(dscores);
        int n = cols(scores), rows = rows(scores);
        int counted = countedRows("hinge", ld, labels, rows, n);
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            int so = scores.offset() + r * n, go = dscores == null ? 0 : dscores.offset() + r * n;
            int label = label("hinge", ld, labels, r, n);
            if (gd != null) for (int j = 0; j < n; j++) gd[go + j] = 0;
            if (label < 0) continue;
            for (int j = 0; j < n; j++) {
                if (j == label) continue;
                double m = (double) margin + sd[so + j] - sd[so + label];   // Δ + s_c − s (in double: no float overflow)
                if (m > 0) {
                    loss += m;
                    if (gd != null) {                                 // ∂J/∂s_c = 1, ∂J/∂s = −1 where the margin is violated
                        gd[go + j] += 1f / counted;
                        gd[go + label] -= 1f / counted;
                    }
                } else if (Double.isNaN(m)) {                         // a NaN score: the loss and both gradients are NaN
                    loss += m;
                    if (gd != null) {
                        gd[go + j] = Float.NaN;
                        gd[go + label] = Float.NaN;
                    }
                }
            }
        }
        return counted == 0 ? 0f : (float) (loss / counted);
    }

    @Override
    protected int doCountCorrect(Tensor scores, Tensor labels) {
        float[] sd = data(scores), ld = data(labels);
        int n = cols(scores), correct = 0;
        for (int r = 0; r < rows(scores); r++) {
            int label = label("countCorrect", ld, labels, r, n);
            if (label < 0) continue;
            int so = scores.offset() + r * n, best = 0;
            for (int j = 1; j < n; j++) if (beats(sd[so + j], sd[so + best])) best = j;   // arg-max: first maximum, NaN the largest
            if (best == label) correct++;
        }
        return correct;
    }

    // ---------------------------------------------------------------- conv

    @Override
    protected void doIm2col(Tensor x, ConvGeometry g, Tensor cols) {
        float[] xd = data(x), cd = data(cols);
        int oh = g.outH(), ow = g.outW(), ncols = g.colCols();
        for (int c = 0; c < g.channels(); c++)
            for (int ky = 0; ky < g.kernelH(); ky++)
                for (int kx = 0; kx < g.kernelW(); kx++) {
                    int row = (c * g.kernelH() + ky) * g.kernelW() + kx;
                    for (int n = 0; n < g.batch(); n++)
                        for (int oy = 0; oy < oh; oy++)
                            for (int ox = 0; ox < ow; ox++) {
                                int iy = oy * g.strideH() - g.padH() + ky, ix = ox * g.strideW() - g.padW() + kx;
                                boolean inside = iy >= 0 && iy < g.height() && ix >= 0 && ix < g.width();
                                int col = (n * oh + oy) * ow + ox;
                                cd[cols.offset() + row * ncols + col] = inside
                                        ? xd[x.offset() + ((n * g.channels() + c) * g.height() + iy) * g.width() + ix] : 0f;
                            }
                }
    }

    @Override
    protected void doCol2im(Tensor cols, ConvGeometry g, Tensor dx) {
        float[] xd = data(dx), cd = data(cols);
        fill(dx, 0f);
        int oh = g.outH(), ow = g.outW(), ncols = g.colCols();
        for (int c = 0; c < g.channels(); c++)
            for (int ky = 0; ky < g.kernelH(); ky++)
                for (int kx = 0; kx < g.kernelW(); kx++) {
                    int row = (c * g.kernelH() + ky) * g.kernelW() + kx;
                    for (int n = 0; n < g.batch(); n++)
                        for (int oy = 0; oy < oh; oy++)
                            for (int ox = 0; ox < ow; ox++) {
                                int iy = oy * g.strideH() - g.padH() + ky, ix = ox * g.strideW() - g.padW() + kx;
                                if (iy < 0 || iy >= g.height() || ix < 0 || ix >= g.width()) continue;
                                int col = (n * oh + oy) * ow + ox;
                                xd[dx.offset() + ((n * g.channels() + c) * g.height() + iy) * g.width() + ix]
                                        += cd[cols.offset() + row * ncols + col];
                            }
                }
    }

    /** x[n, c, iy, ix], or 0 outside the image (the zero padding). */
    private static float pixel(float[] xd, Tensor x, ConvGeometry g, int n, int c, int iy, int ix) {
        boolean inside = iy >= 0 && iy < g.height() && ix >= 0 && ix < g.width();
        return inside ? xd[x.offset() + ((n * g.channels() + c) * g.height() + iy) * g.width() + ix] : 0f;
    }

    // The direct formulas, summed in the order of im2col and the GEMM (taps k = (c·kH + ky)·kW + kx, then the bias), so the
    // numbers are those of the matrix form, bit for bit.
    @Override
    protected void doConv2d(Tensor x, Tensor w, Tensor b, ConvGeometry g, Tensor y) {
        float[] xd = data(x), wd = data(w), yd = data(y);
        int kh = g.kernelH(), kw = g.kernelW(), oh = g.outH(), ow = g.outW(), k = g.colRows(), cout = w.size() / k;
        for (int n = 0; n < g.batch(); n++)
            for (int o = 0; o < cout; o++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double net = 0;
                        for (int c = 0; c < g.channels(); c++)
                            for (int ky = 0; ky < kh; ky++)
                                for (int kx = 0; kx < kw; kx++) {
                                    float wv = wd[w.offset() + o * k + (c * kh + ky) * kw + kx];
                                    net += (double) wv * pixel(xd, x, g, n, c, oy * g.strideH() - g.padH() + ky, ox * g.strideW() - g.padW() + kx);
                                }
                        float v = (float) net;
                        yd[y.offset() + ((n * cout + o) * oh + oy) * ow + ox] = b == null ? v : v + data(b)[b.offset() + o];
                    }
    }

    @Override
    protected void doConv2dBackward(Tensor x, Tensor w, Tensor dy, ConvGeometry g, Tensor dw, Tensor db, Tensor dx) {
        float[] xd = data(x), wd = data(w), dd = data(dy);
        int kh = g.kernelH(), kw = g.kernelW(), oh = g.outH(), ow = g.outW(), k = g.colRows(), cout = w.size() / k, p = oh * ow;
        if (db != null) doSumBias(dy, db, p, 1f);                              // ∂E/∂b[o] += Σ_{n,y,x} δ[n, o, y, x]
        if (dw != null) {
            float[] gd = data(dw);
            for (int o = 0; o < cout; o++)
                for (int c = 0; c < g.channels(); c++)
                    for (int ky = 0; ky < kh; ky++)
                        for (int kx = 0; kx < kw; kx++) {
                            double sum = 0;                                 // Σ_{n,oy,ox} δ · the pixel tap (c, ky, kx) saw
                            for (int n = 0; n < g.batch(); n++)
                                for (int oy = 0; oy < oh; oy++)
                                    for (int ox = 0; ox < ow; ox++)
                                        sum += (double) dd[dy.offset() + (n * cout + o) * p + oy * ow + ox]
                                                * pixel(xd, x, g, n, c, oy * g.strideH() - g.padH() + ky, ox * g.strideW() - g.padW() + kx);
                            int gi = dw.offset() + o * k + (c * kh + ky) * kw + kx;
                            gd[gi] = (float) (sum + gd[gi]);
                        }
        }
        if (dx == null) return;
        float[] xg = data(dx);
        fill(dx, 0f);
        for (int c = 0; c < g.channels(); c++)                                  // each pixel receives its taps in order (ky, kx)
            for (int ky = 0; ky < kh; ky++)
                for (int kx = 0; kx < kw; kx++)
                    for (int n = 0; n < g.batch(); n++)
                        for (int oy = 0; oy < oh; oy++)
                            for (int ox = 0; ox < ow; ox++) {
                                int iy = oy * g.strideH() - g.padH() + ky, ix = ox * g.strideW() - g.padW() + kx;
                                if (iy < 0 || iy >= g.height() || ix < 0 || ix >= g.width()) continue;
                                double sum = 0;                             // Σ_o W[o, c, ky, kx] · δ[n, o, oy, ox]
                                for (int o = 0; o < cout; o++)
                                    sum += (double) wd[w.offset() + o * k + (c * kh + ky) * kw + kx] * dd[dy.offset() + (n * cout + o) * p + oy * ow + ox];
                                xg[dx.offset() + ((n * g.channels() + c) * g.height() + iy) * g.width() + ix] += (float) sum;
                            }
    }

    // ---------------------------------------------------------------- pool

    @Override
    protected void doMaxPool(Tensor x, ConvGeometry g, Tensor y, Tensor argmax) {
        int planes = g.batch() * g.channels(), oh = g.outH(), ow = g.outW(), hw = g.height() * g.width();
        float[] xd = data(x), yd = data(y), ad = data(argmax);
        for (int p = 0; p < planes; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    float best = Float.NEGATIVE_INFINITY;
                    int where = -1;
                    for (int ky = 0; ky < g.kernelH(); ky++)
                        for (int kx = 0; kx < g.kernelW(); kx++) {
                            int iy = oy * g.strideH() - g.padH() + ky, ix = ox * g.strideW() - g.padW() + kx;
                            if (iy < 0 || iy >= g.height() || ix < 0 || ix >= g.width()) continue;
                            float v = xd[x.offset() + p * hw + iy * g.width() + ix];
                            if (where < 0 || beats(v, best)) { best = v; where = iy * g.width() + ix; }
                        }
                    int o = (p * oh + oy) * ow + ox;
                    yd[y.offset() + o] = best;
                    ad[argmax.offset() + o] = where;
                }
    }

    /**
     * Whether {@code v} replaces {@code best} as the maximum in a left-to-right scan: it is greater, or it is the first
     * NaN (NaN counts as the largest value, as in PyTorch's max pooling and argmax, so a NaN input is never dropped).
     */
    public static boolean beats(float v, float best) {
        return v > best || (Float.isNaN(v) && !Float.isNaN(best));
    }

    @Override
    protected void doMaxPoolBackward(Tensor dy, Tensor argmax, ConvGeometry g, Tensor dx) {
        int planes = g.batch() * g.channels(), ohw = g.outH() * g.outW(), hw = g.height() * g.width();
        float[] gd = data(dy), ad = data(argmax), xd = data(dx);
        fill(dx, 0f);
        for (int p = 0; p < planes; p++)
            for (int o = 0; o < ohw; o++) {
                int where = Checks.argmaxPixel(ad[argmax.offset() + p * ohw + o], p, o, g);   // a pixel of o's window, or an error
                xd[dx.offset() + p * hw + where] += gd[dy.offset() + p * ohw + o];
            }
    }

    @Override
    protected void doAvgPool(Tensor x, ConvGeometry g, Tensor y) {
        int planes = g.batch() * g.channels(), oh = g.outH(), ow = g.outW(), hw = g.height() * g.width();
        float[] xd = data(x), yd = data(y);
        float area = g.kernelH() * g.kernelW();
        for (int p = 0; p < planes; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    double sum = 0;
                    for (int ky = 0; ky < g.kernelH(); ky++)
                        for (int kx = 0; kx < g.kernelW(); kx++) {
                            int iy = oy * g.strideH() - g.padH() + ky, ix = ox * g.strideW() - g.padW() + kx;
                            if (iy >= 0 && iy < g.height() && ix >= 0 && ix < g.width()) sum += xd[x.offset() + p * hw + iy * g.width() + ix];
                        }
                    yd[y.offset() + (p * oh + oy) * ow + ox] = (float) (sum / area);
                }
    }

    @Override
    protected void doAvgPoolBackward(Tensor dy, ConvGeometry g, Tensor dx) {
        int planes = g.batch() * g.channels(), oh = g.outH(), ow = g.outW(), hw = g.height() * g.width();
        float[] gd = data(dy), xd = data(dx);
        fill(dx, 0f);
        float area = g.kernelH() * g.kernelW();
        for (int p = 0; p < planes; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    float share = gd[dy.offset() + (p * oh + oy) * ow + ox] / area;
                    for (int ky = 0; ky < g.kernelH(); ky++)
                        for (int kx = 0; kx < g.kernelW(); kx++) {
                            int iy = oy * g.strideH() - g.padH() + ky, ix = ox * g.strideW() - g.padW() + kx;
                            if (iy >= 0 && iy < g.height() && ix >= 0 && ix < g.width()) xd[dx.offset() + p * hw + iy * g.width() + ix] += share;
                        }
                }
    }

    // ---------------------------------------------------------------- embed

    @Override
    protected void doScatterAddRows(Tensor dout, Tensor idx, Tensor dtable) {
        int v = rows(dtable), d = cols(dtable);
        float[] gd = data(dout), id = data(idx), td = data(dtable);
        for (int r = 0; r < idx.size(); r++) {
            int row = Checks.rowIndexOrSkip("scatterAddRows", id[idx.offset() + r], r, v);
            if (row < 0) continue;                                              // a negative whole number: padding
            for (int j = 0; j < d; j++) td[dtable.offset() + row * d + j] += gd[dout.offset() + r * d + j];
        }
    }

    // ---------------------------------------------------------------- recurrent

    @Override
    protected void doLstmCell(Tensor gates, Tensor cPrev, Tensor peep, Tensor c, Tensor tanhC, Tensor h) {
        int hid = cols(cPrev), batch = rows(cPrev);
        float[] a = data(gates), cp = data(cPrev), cd = data(c), td = data(tanhC), hd = data(h);
        float[] pd = peep == null ? null : data(peep);
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < hid; j++) {
                int gi = gates.offset() + b * 4 * hid + j;                      // a_i at gi, a_f at gi+H, a_g at gi+2H, a_o at gi+3H
                float cPrevJ = cp[cPrev.offset() + b * hid + j];
                // without peepholes there is no p⊙c term at all (0·c would make a NaN or ∞ in c a NaN gate)
                float i = sigmoid(a[gi] + peephole(pd, peep, j, cPrevJ));                  // i_t = σ(a_i + p_i⊙c_{t−1})
                float f = sigmoid(a[gi + hid] + peephole(pd, peep, hid + j, cPrevJ));      // f_t = σ(a_f + p_f⊙c_{t−1})
                float g = (float) Math.tanh(a[gi + 2 * hid]);                              // g_t = tanh(a_g)
                float ct = f * cPrevJ + i * g;                                             // c_t = f⊙c_{t−1} + i⊙g
                float o = sigmoid(a[gi + 3 * hid] + peephole(pd, peep, 2 * hid + j, ct));  // o_t = σ(a_o + p_o⊙c_t)
                float tc = (float) Math.tanh(ct);
                a[gi] = i; a[gi + hid] = f; a[gi + 2 * hid] = g; a[gi + 3 * hid] = o;
                cd[c.offset() + b * hid + j] = ct;
                td[tanhC.offset() + b * hid + j] = tc;
                hd[h.offset() + b * hid + j] = o * tc;                         // h_t = o⊙tanh(c_t)
            }
    }

    /** p[k]·v for peephole k (0 when there are no peepholes, without multiplying v: a NaN in v stays out). */
    private static float peephole(float[] pd, Tensor peep, int k, float v) {
        return pd == null ? 0f : pd[peep.offset() + k] * v;
    }

    @Override
    protected void doLstmCellBackward(Tensor acts, Tensor cPrev, Tensor c, Tensor tanhC, Tensor peep,
                                 Tensor dh, Tensor dc, Tensor dgates, Tensor dpeep) {
        int hid = cols(cPrev), batch = rows(cPrev);
        float[] ad = data(acts), cp = data(cPrev), cd = data(c), td = data(tanhC), dhd = data(dh), dcd = data(dc), dg = data(dgates);
        float[] pd = peep == null ? null : data(peep);
        float[] dpd = peep == null ? null : data(dpeep);
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < hid; j++) {
                int gi = acts.offset() + b * 4 * hid + j, di = dgates.offset() + b * 4 * hid + j, k = b * hid + j;
                float i = ad[gi], f = ad[gi + hid], g = ad[gi + 2 * hid], o = ad[gi + 3 * hid];
                float cPrevJ = cp[cPrev.offset() + k], ct = cd[c.offset() + k], tc = td[tanhC.offset() + k];
                float dhJ = dhd[dh.offset() + k];
                float dao = dhJ * tc * o * (1 - o);                             // ∂L/∂a_o = ∂L/∂h ⊙ tanh(c) ⊙ σ'
                float dct = dcd[dc.offset() + k] + dhJ * o * (1 - tc * tc)      // ∂L/∂c_t = from t+1 + ∂L/∂h ⊙ o ⊙ tanh'(c)
                        + peephole(pd, peep, 2 * hid + j, dao);                 //           + through the o-peephole
                float dai = dct * g * i * (1 - i);                              // ∂L/∂a_i = ∂L/∂c ⊙ g ⊙ σ'
                float daf = dct * cPrevJ * f * (1 - f);                         // ∂L/∂a_f = ∂L/∂c ⊙ c_{t−1} ⊙ σ'
                float dag = dct * i * (1 - g * g);                              // ∂L/∂a_g = ∂L/∂c ⊙ i ⊙ tanh'
                dg[di] = dai; dg[di + hid] = daf; dg[di + 2 * hid] = dag; dg[di + 3 * hid] = dao;
                dcd[dc.offset() + k] = dct * f + peephole(pd, peep, j, dai)     // ∂L/∂c_{t−1} = ∂L/∂c_t ⊙ f (+ peepholes)
                        + peephole(pd, peep, hid + j, daf);
                if (pd != null) {
                    dpd[dpeep.offset() + j] += dai * cPrevJ;
                    dpd[dpeep.offset() + hid + j] += daf * cPrevJ;
                    dpd[dpeep.offset() + 2 * hid + j] += dao * ct;
                }
            }
    }

    @Override
    protected void doGruCell(Tensor gx, Tensor gh, Tensor hPrev, Tensor h, Tensor acts) {
        int hid = cols(hPrev), batch = rows(hPrev);
        float[] xd = data(gx), hd = data(gh), hp = data(hPrev), ho = data(h), ad = data(acts);
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < hid; j++) {
                int g = b * 3 * hid + j, k = b * hid + j;
                float r = sigmoid(xd[gx.offset() + g] + hd[gh.offset() + g]);                          // r = σ(gx_r + gh_r)
                float z = sigmoid(xd[gx.offset() + g + hid] + hd[gh.offset() + g + hid]);              // z = σ(gx_z + gh_z)
                float n = (float) Math.tanh(xd[gx.offset() + g + 2 * hid] + r * hd[gh.offset() + g + 2 * hid]); // n = tanh(gx_n + r⊙gh_n)
                ad[acts.offset() + g] = r; ad[acts.offset() + g + hid] = z; ad[acts.offset() + g + 2 * hid] = n;
                ho[h.offset() + k] = (1 - z) * n + z * hp[hPrev.offset() + k];                          // h = (1−z)⊙n + z⊙h_{t−1}
            }
    }

    @Override
    protected void doGruCellBackward(Tensor acts, Tensor gh, Tensor hPrev, Tensor dh, Tensor dgx, Tensor dgh, Tensor dhPrev) {
        int hid = cols(hPrev), batch = rows(hPrev);
        float[] ad = data(acts), hd = data(gh), hp = data(hPrev), dhd = data(dh), dx = data(dgx), dhh = data(dgh), dp = data(dhPrev);
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < hid; j++) {
                int g = b * 3 * hid + j, k = b * hid + j;
                float r = ad[acts.offset() + g], z = ad[acts.offset() + g + hid], n = ad[acts.offset() + g + 2 * hid];
                float d = dhd[dh.offset() + k];
                float dan = d * (1 - z) * (1 - n * n);                          // ∂L/∂(gx_n + r⊙gh_n) = ∂L/∂h ⊙ (1−z) ⊙ tanh'
                float daz = d * (hp[hPrev.offset() + k] - n) * z * (1 - z);     // ∂L/∂a_z = ∂L/∂h ⊙ (h_{t−1} − n) ⊙ σ'
                float dar = dan * hd[gh.offset() + g + 2 * hid] * r * (1 - r);  // ∂L/∂a_r = ∂L/∂a_n ⊙ gh_n ⊙ σ'
                dx[dgx.offset() + g] = dar; dx[dgx.offset() + g + hid] = daz; dx[dgx.offset() + g + 2 * hid] = dan;
                dhh[dgh.offset() + g] = dar; dhh[dgh.offset() + g + hid] = daz; dhh[dgh.offset() + g + 2 * hid] = dan * r;
                dp[dhPrev.offset() + k] = d * z;                                // direct path ∂h_t/∂h_{t−1} = z
            }
    }

    // ---------------------------------------------------------------- optim

    @Override
    protected void doSgdStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, boolean nesterov, float weightDecay) {
        float[] wd = data(w), gd = data(g), vd = v == null ? null : data(v);
        for (int i = 0; i < w.size(); i++) {
            float gi = gd[g.offset() + i] + weightDecay * wd[w.offset() + i];   // g' = g + λw
            float step = gi;
            if (momentum != 0f) {
                float vi = momentum * vd[v.offset() + i] + gi;                  // v ← μv + g'
                if (Math.abs(vi) < Float.MIN_NORMAL) vi = 0f;                   //   a subnormal v is 0 (Backend.sgdStep)
                vd[v.offset() + i] = vi;
                step = nesterov ? gi + momentum * vi : vi;
            }
            wd[w.offset() + i] -= lr * step;                                    // w ← w − η·step
        }
    }

    @Override
    protected void doAdagradStep(Tensor w, Tensor g, Tensor sumSq, float lr, float eps, float weightDecay) {
        float[] wd = data(w), gd = data(g), sd = data(sumSq);
        for (int i = 0; i < w.size(); i++) {
            float gi = gd[g.offset() + i] + weightDecay * wd[w.offset() + i];
            float s = sd[sumSq.offset() + i] + gi * gi;                         // G ← G + g²
            sd[sumSq.offset() + i] = s;
            wd[w.offset() + i] -= lr * gi / ((float) Math.sqrt(s) + eps);       // w ← w − η g/(√G + ε)
        }
    }

    @Override
    protected void doRmspropStep(Tensor w, Tensor g, Tensor sqAvg, float lr, float rho, float eps, float weightDecay) {
        float[] wd = data(w), gd = data(g), sd = data(sqAvg);
        for (int i = 0; i < w.size(); i++) {
            float gi = gd[g.offset() + i] + weightDecay * wd[w.offset() + i];
            float s = rho * sd[sqAvg.offset() + i] + (1 - rho) * gi * gi;       // s ← ρs + (1−ρ)g²
            sd[sqAvg.offset() + i] = s;
            wd[w.offset() + i] -= lr * gi / ((float) Math.sqrt(s) + eps);       // w ← w − η g/(√s + ε)
        }
    }

    @Override
    protected void doAdadeltaStep(Tensor w, Tensor g, Tensor sqAvg, Tensor accDelta, float lr, float rho, float eps, float weightDecay) {
        float[] wd = data(w), gd = data(g), sd = data(sqAvg), ud = data(accDelta);
        for (int i = 0; i < w.size(); i++) {
            float gi = gd[g.offset() + i] + weightDecay * wd[w.offset() + i];
            float s = rho * sd[sqAvg.offset() + i] + (1 - rho) * gi * gi;       // s ← ρs + (1−ρ)g²
            sd[sqAvg.offset() + i] = s;
            float delta = (float) Math.sqrt(ud[accDelta.offset() + i] + eps) / (float) Math.sqrt(s + eps) * gi;
            ud[accDelta.offset() + i] = rho * ud[accDelta.offset() + i] + (1 - rho) * delta * delta;
            wd[w.offset() + i] -= lr * delta;
        }
    }

    @Override
    protected void doAdamStep(Tensor w, Tensor g, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps, float weightDecay, int t) {
        float[] wd = data(w), gd = data(g), md = data(m), vd = data(v);
        float bc1 = 1 - (float) Math.pow(beta1, t), bc2 = 1 - (float) Math.pow(beta2, t);
        float stepSize = lr / bc1, sqrtBc2 = (float) Math.sqrt(bc2);
        for (int i = 0; i < w.size(); i++) {
            float gi = gd[g.offset() + i] + weightDecay * wd[w.offset() + i];
            float mi = beta1 * md[m.offset() + i] + (1 - beta1) * gi;           // m ← β₁m + (1−β₁)g
            float vi = beta2 * vd[v.offset() + i] + (1 - beta2) * gi * gi;      // v ← β₂v + (1−β₂)g²
            md[m.offset() + i] = mi;
            vd[v.offset() + i] = vi;
            wd[w.offset() + i] -= stepSize * mi / ((float) Math.sqrt(vi) / sqrtBc2 + eps);
        }
    }
}
