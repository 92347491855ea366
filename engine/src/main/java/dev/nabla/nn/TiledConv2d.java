package dev.nabla.nn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ConvGeometry;
import dev.nabla.backend.Tensor;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Tiled convolution (seed 003, "Convolution Variants"; Goodfellow, Bengio and Courville, <i>Deep Learning</i> §9.5):
 * between a convolution, which uses one filter bank at every output position, and a locally connected layer, which has
 * a bank of its own at every position, a tiled convolution learns tH×tW banks and uses them in turn across positions —
 * the output at (y, x) is made by bank (y mod tH, x mod tW):
 * <pre>
 *   net[n, o, y, x] = b[y mod tH, x mod tW, o]
 *                   + Σ_{c, i, j} W[y mod tH, x mod tW, o, c, i, j] · x[n, c, y·sH − pH + i, x·sW − pW + j]
 *
 *   the banks on a 4×5 output with tile 2×2          tile 1×1: one bank everywhere        = {@link Conv2d}
 *        x → 0  1  2  3  4                           tile = the output size: every
 *     y 0    A  B  A  B  A                                  position its own bank       = {@link LocallyConnected2d}
 *     ↓ 1    C  D  C  D  C
 *       2    A  B  A  B  A      neighbouring outputs see shifted windows through different filters,
 *       3    C  D  C  D  C      outputs tH rows (tW columns) apart share them
 * </pre>
 * Parameters: W [tH, tW, C_out, C_in, kH, kW] (bank (a, b) is W[a, b], a Conv2d kernel bank) and b [tH, tW, C_out]:
 * tH·tW·C_out·(C_in·kH·kW + 1) in all, tH·tW times a Conv2d's.
 *
 * <p>Computed from existing ops, as Conv2d is, with the positions grouped by bank (K = C_in·kH·kW, P = outH·outW,
 * P_j = the positions of bank j, j = a·tW + b):
 * <pre>
 *   forward                                                     backward (δ = ∂E/∂net)
 *   X_col = im2col(x)                 [K, N·P]                  δ_j = δ at bank j's positions (gathered)   [N, C_out, P_j]
 *   X_j   = X_col's columns of bank j [K, N·P_j]  (gathered)    ∂E/∂b_j += Σ_{n,p} δ_j
 *   net_j = W_j · X_j                 [C_out, N·P_j]            δcol_j = δ_j as [C_out, N·P_j]
 *   net_j as [N, C_out, P_j], + b_j on channel o                ∂E/∂W_j += δcol_j · X_jᵀ                  [C_out, K]
 *   net   = every net_j put back at its positions (gathered)    ∂E/∂X_j  = W_jᵀ · δcol_j                  [K, N·P_j]
 *                                                               ∂E/∂X_col = the ∂E/∂X_j put back; ∂E/∂x = col2im(∂E/∂X_col)
 * </pre>
 * A "gather" is one {@link Backend#gatherRows} of single elements through an index computed once per input shape
 * (entries are floats, so a batch's K·N·P and C_out·N·P must stay below 2²⁴). With one bank (tile 1×1) the layer is a
 * Conv2d and runs Conv2d's ops, {@link Backend#conv2d} and {@link Backend#conv2dBackward}: Conv2d's numbers bit for bit.
 */
public final class TiledConv2d extends ConvLayer<TiledConv2d> {
    private static final int EXACT_INDEX = 1 << 24;

    private final int tH, tW;
    /** What {@link #name()} returns when a {@link LocallyConnected2d} wraps this layer (null: the TiledConv2d name). */
    private String label;

    private ConvGeometry g;
    private int[] bankSize, bankStart;                   // P_j and Σ_{j' < j} P_j'
    // workspaces and indices, made once per input shape
    private Tensor x, cols, banked, netColsB, netB, net, colIdx, colBack, netIdx, netBack, deltaB, dcolB, dbanked, dcols, dx;

    /** tile×tile banks of C_out filters k×k, stride 1, no padding. */
    public TiledConv2d(int inChannels, int outChannels, int kernel, int tile) {
        this(inChannels, outChannels, kernel, kernel, tile, tile);
    }

    /** tileH×tileW banks of C_out filters kernelH×kernelW, stride 1, no padding. */
    public TiledConv2d(int inChannels, int outChannels, int kernelH, int kernelW, int tileH, int tileW) {
        if (inChannels < 1 || outChannels < 1 || kernelH < 1 || kernelW < 1 || tileH < 1 || tileW < 1) {
            throw new IllegalArgumentException("TiledConv2d needs channels ≥ 1, a kernel ≥ 1x1 and a tile ≥ 1x1, got " + inChannels + "→"
                    + outChannels + ", " + kernelH + "x" + kernelW + ", tile " + tileH + "x" + tileW);
        }
        super(inChannels, outChannels, kernelH, kernelW);
        this.tH = tileH;
        this.tW = tileW;
    }

    /** For {@link LocallyConnected2d}: its name, for messages and parameter names. */
    TiledConv2d named(String name) {
        config().label = name;
        return this;
    }

    /** Banks tH×tW. */
    public int[] tile() { return new int[] {tH, tW}; }

    public int banks() { return tH * tW; }

    /** Kaiming uniform like Conv2d (fan-in C_in·kH·kW), all banks drawn in one pass: a 1×1 tile draws Conv2d's weights. */
    @Override
    public void bind(Backend ops, RandomGenerator rng) {
        bindParams(ops, rng, banks(), new int[] {tH, tW, cout, cin, kH, kW}, new int[] {tH, tW, cout});
    }

    /** tH·tW·C_out·(C_in·kH·kW + 1), or without the + 1 when there is no bias. */
    public long parameterCount() { return (long) banks() * cout * ((long) cin * kH * kW + (hasBias ? 1 : 0)); }

    @Override
    public java.util.Map<String, Object> spec() {
        return Layers.spec("TiledConv2d", "in", cin, "out", cout, "kernel", List.of(kH, kW), "tile", List.of(tH, tW),
                "stride", List.of(sH, sW), "padding", List.of(pH, pW), "floor", floor, "bias", hasBias);
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        SpatialSize.requireChw(name(), inputShape, cin);
        int oh = outH(inputShape[1], inputShape[2]), ow = outW(inputShape[1], inputShape[2]);
        requireTileFits(oh, ow);
        return new int[] {cout, oh, ow};
    }

    /** A bank that no position uses would be parameters that never learn: the tile must fit in the output. */
    private void requireTileFits(int oh, int ow) {
        if (tH > oh || tW > ow) {
            throw new IllegalArgumentException(name() + ": the tile " + tH + "x" + tW + " is larger than the " + oh + "x" + ow
                    + " output, so some banks would never be used (a tile of the output size is the locally connected layer)");
        }
    }

    /** Bank of output position p = y·outW + x: (y mod tH)·tW + (x mod tW). */
    private int bankOf(int p, int ow) { return (p / ow % tH) * tW + p % ow % tW; }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Layers.input(this, ops, x);
        SpatialSize.requireNchw(name(), x.shape(), cin);
        int n = x.dim(0), h = x.dim(2), wd = x.dim(3);
        if (g == null || g.batch() != n || g.height() != h || g.width() != wd) allocate(n, h, wd);
        this.x = x;
        if (banks() == 1) {                                                   // one bank: a Conv2d
            convolve(x, g, net);
            return net;
        }
        int k = g.colRows();
        ops.im2col(x, g, cols);                                               // X_col = im2col(x)                [K, N·P]
        ops.gatherRows(cols.reshape(cols.size(), 1), colIdx, banked);         // X_j = bank j's columns, j = 0, 1, …
        for (int j = 0; j < banks(); j++) {
            int pj = bankSize[j], at = bankStart[j];
            Tensor xj = banked.view(k * n * at, k, n * pj), netColJ = netColsB.view(cout * n * at, cout, n * pj);
            Tensor netJ = netB.view(cout * n * at, n, cout, pj);
            ops.gemm(false, false, 1f, weightOf(j), xj, 0f, netColJ);         // net_j = W_j · X_j                [C_out, N·P_j]
            ops.swapAxes01(netColJ, netJ, cout, n, pj);                       //   as [N, C_out, P_j]
            if (hasBias) ops.addBias(netJ, b.value().view(j * cout, cout), pj);   //   + b_j[o] on channel o
        }
        ops.gatherRows(netB.reshape(netB.size(), 1), netBack, net);           // net = every net_j at its positions [N, C_out, outH, outW]
        return net;
    }

    /** W_j, bank j's kernels read as a matrix [C_out, C_in·kH·kW]. */
    private Tensor weightOf(int j) { return w.value().view(j * cout * g.colRows(), cout, g.colRows()); }

    @Override
    public Tensor backward(Tensor delta) {
        if (banks() == 1) {
            convGradients(x, g, net, delta, dx);
            return dx;
        }
        paramGradients(delta);                                                // leaves δcol_j in dcolB
        int n = g.batch(), k = g.colRows();
        for (int j = 0; j < banks(); j++) {
            int pj = bankSize[j], at = bankStart[j];
            ops.gemm(true, false, 1f, weightOf(j), dcolB.view(cout * n * at, cout, n * pj),   // ∂E/∂X_j = W_jᵀ · δcol_j   [K, N·P_j]
                    0f, dbanked.view(k * n * at, k, n * pj));
        }
        ops.gatherRows(dbanked.reshape(dbanked.size(), 1), colBack, dcols);  // ∂E/∂X_col: the ∂E/∂X_j put back  [K, N·P]
        ops.col2im(dcols, g, dx);                                             // ∂E/∂x = col2im(∂E/∂X_col)
        return dx;
    }

    /** The first layer's case: ∂E/∂W and ∂E/∂b only, no input gradient. */
    @Override
    public void backwardParams(Tensor delta) {
        if (banks() == 1) convGradients(x, g, net, delta, null);
        else paramGradients(delta);
    }

    private void paramGradients(Tensor delta) {
        requireGradient(x, net, delta);
        int n = g.batch(), k = g.colRows();
        ops.gatherRows(delta.reshape(delta.size(), 1), netIdx, deltaB);      // δ_j = δ at bank j's positions   [N, C_out, P_j]
        for (int j = 0; j < banks(); j++) {
            int pj = bankSize[j], at = bankStart[j];
            Tensor dj = deltaB.view(cout * n * at, n, cout, pj), dcolJ = dcolB.view(cout * n * at, cout, n * pj);
            if (hasBias && !b.frozen()) ops.sumBias(dj, b.grad().view(j * cout, cout), pj, 1f);   // ∂E/∂b_j[o] += Σ_{n,p} δ_j[n, o, p]
            ops.swapAxes01(dj, dcolJ, n, cout, pj);                                                 // δcol_j = δ_j as [C_out, N·P_j]
            if (!w.frozen()) ops.gemm(false, true, 1f, dcolJ, banked.view(k * n * at, k, n * pj),  // ∂E/∂W_j += δcol_j · X_jᵀ
                    1f, w.grad().view(j * cout * k, cout, k));
        }
    }

    /**
     * Workspaces and the four gather indices for batches of n×C_in×h×wd. Entry (k, n, m) of bank j's X_j sits at
     * K·N·start_j + k·N·P_j + n·P_j + m and comes from X_col[k, n·P + p_j(m)]; entry (n, o, m) of net_j sits at
     * C_out·N·start_j + n·C_out·P_j + o·P_j + m and goes to net[n, o, p_j(m)].
     */
    private void allocate(int n, int h, int wd) {
        int oh = outH(h, wd), ow = outW(h, wd);
        requireTileFits(oh, ow);
        ConvGeometry geometry = new ConvGeometry(n, cin, h, wd, kH, kW, sH, sW, pH, pW);
        if (geometry.outH() != oh || geometry.outW() != ow) throw new AssertionError(geometry + " disagrees with " + oh + "x" + ow);
        int k = geometry.colRows(), p = oh * ow;
        long colEntries = (long) k * n * p, netEntries = (long) cout * n * p;
        if (banks() > 1 && (colEntries >= EXACT_INDEX || netEntries >= EXACT_INDEX)) {   // checked before anything changes
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "%s: a batch of %d %dx%d inputs has K·N·P = %d·%d·%d = %,d "
                    + "patch entries and C_out·N·P = %,d outputs; the gathers index them with floats, exact below 2^24 = %,d: use a smaller batch",
                    name(), n, h, wd, k, n, p, colEntries, netEntries, EXACT_INDEX));
        }
        g = geometry;
        Tensor.closeAll(cols, banked, netColsB, netB, net, colIdx, colBack, netIdx, netBack, deltaB, dcolB, dbanked, dcols, dx);
        cols = banked = netColsB = netB = colIdx = colBack = netIdx = netBack = deltaB = dcolB = dbanked = dcols = null;
        net = ops.zeros(n, cout, oh, ow);
        dx = ops.zeros(n, cin, h, wd);
        if (banks() == 1) return;                                             // a Conv2d: no gathers
        bankSize = new int[banks()];
        bankStart = new int[banks()];
        int[] slot = new int[p];                                              // position p is the slot[p]-th of its bank
        for (int q = 0; q < p; q++) slot[q] = bankSize[bankOf(q, ow)]++;
        for (int j = 1; j < banks(); j++) bankStart[j] = bankStart[j - 1] + bankSize[j - 1];
        float[] ci = new float[k * n * p], cb = new float[k * n * p], ni = new float[cout * n * p], nb = new float[cout * n * p];
        for (int q = 0; q < p; q++) {
            int j = bankOf(q, ow), pj = bankSize[j], m = slot[q];
            for (int s = 0; s < n; s++) {
                for (int r = 0; r < k; r++) {
                    int inBank = k * n * bankStart[j] + r * n * pj + s * pj + m, inPlace = r * n * p + s * p + q;
                    ci[inBank] = inPlace;                                     // X_j's entry ← X_col's
                    cb[inPlace] = inBank;                                     // and back
                }
                for (int o = 0; o < cout; o++) {
                    int inBank = cout * n * bankStart[j] + s * cout * pj + o * pj + m, inPlace = s * cout * p + o * p + q;
                    ni[inBank] = inPlace;                                     // δ_j's entry ← δ's
                    nb[inPlace] = inBank;                                     // net's entry ← net_j's
                }
            }
        }
        cols = ops.zeros(k, n * p);
        banked = ops.zeros(k * n * p, 1);
        dbanked = ops.zeros(k * n * p, 1);
        dcols = ops.zeros(k, n * p);
        netColsB = ops.zeros(cout * n * p);
        netB = ops.zeros(cout * n * p, 1);
        deltaB = ops.zeros(cout * n * p, 1);
        dcolB = ops.zeros(cout * n * p);
        colIdx = ops.upload(ci, ci.length);
        colBack = ops.upload(cb, cb.length);
        netIdx = ops.upload(ni, ni.length);
        netBack = ops.upload(nb, nb.length);
    }

    /** The geometry of the last batch (null before the first forward). */
    public ConvGeometry geometry() { return g; }

    @Override
    public String name() {
        if (label != null) return label;
        StringBuilder sb = new StringBuilder("TiledConv2d(").append(cin).append("→").append(cout).append(", ").append(kH).append('x').append(kW);
        sb.append(", tile ").append(tH).append('x').append(tW);
        if (sH != 1 || sW != 1) sb.append(", stride ").append(sH == sW ? String.valueOf(sH) : sH + "x" + sW);
        if (pH != 0 || pW != 0) sb.append(", pad ").append(pH == pW ? String.valueOf(pH) : pH + "x" + pW);
        if (floor) sb.append(", floor");
        return sb.append(')').toString();
    }
}
