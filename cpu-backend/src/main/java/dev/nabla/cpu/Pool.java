package dev.nabla.cpu;

import static dev.nabla.cpu.Elementwise.GRAIN;
import static dev.nabla.cpu.Elementwise.L;
import static dev.nabla.cpu.Elementwise.S;
import static dev.nabla.cpu.Elementwise.ZERO;
import static dev.nabla.cpu.Elementwise.data;
import static jdk.incubator.vector.VectorOperators.EQ;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.NE;

import dev.nabla.backend.Checks;
import dev.nabla.backend.ConvGeometry;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;

/**
 * The pool family of the CPU backend (kernels/opencl/pool.cl; the reference's "pool" section): max and average
 * pooling, forward and backward. The 2×2, stride-2 window of LeNet-style nets de-interleaves the window columns with
 * vector shuffles; every other geometry runs the reference's loops.
 */
final class Pool {
    private Pool() {}

    /** Lane i ← lane 2i (EVEN) or 2i + 1 (ODD) of the 2L lanes of two vectors: de-interleaves the columns of a 2×2 window. */
    private static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(S, i -> 2 * i), ODD = VectorShuffle.fromOp(S,
            i -> 2 * i + 1);
    /** Lane i ← lane i/2 (DUP_LO) or L/2 + i/2 (DUP_HI): each value twice, the inverse layout. */
    private static final VectorShuffle<Float> DUP_LO = VectorShuffle.fromOp(S, i -> i / 2),
            DUP_HI = VectorShuffle.fromOp(S, i -> L / 2 + i / 2);

    /** The 2×2, stride 2, unpadded window of LeNet-style pooling, which gets a vector path (16 outputs per step). */
    private static boolean twoByTwo(ConvGeometry g) {
        return g.kernelH() == 2 && g.kernelW() == 2 && g.strideH() == 2 && g.strideW() == 2 && g.padH() == 0 && g.padW() == 0;
    }

    /**
     * One output row of 2×2, stride-2 max pooling: input rows at {@code r0} and {@code r0 + w} (plane index {@code at0}
     * of the first pixel), {@code ow} outputs; 2L input columns of two rows give L windows per step.
     */
    private static void maxPool2x2Row(float[] xd, int r0, int w, int at0, int ow, float[] yd, int yOut, float[] ad, int aOut,
            int room) {
        for (int ox = 0; ox < ow; ox += L) {
            int x0 = 2 * ox;
            maxPool2x2Step(xd, r0 + x0, r0 + x0 + L, w, EVEN, ODD, LANES_X2, at0 + x0, yd, yOut + ox, ad, aOut + ox,
                    Math.min(L, ow - ox), room - ox);
        }
    }

    /**
     * Output rows oy and oy + 1 of 2×2, stride-2 max pooling for a plane of at most L columns (LeNet's pool 2: 10), as
     * one step: input rows 2oy and 2oy + 2 (at {@code r0} and {@code r0 + 2w}) fill the two vectors that one row of
     * L windows would, and the shuffles of {@link #PAIRS} take each one's windows side by side — 2·outW outputs per step,
     * rows oy and oy + 1 as they lie in y, where one output row per step used outW of L lanes.
     */
    private static void maxPool2x2RowPair(float[] xd, int r0, int w, int at0, int ow, float[] yd, int yOut, float[] ad,
            int aOut, int room) {
        Pairs q = PAIRS[w];
        maxPool2x2Step(xd, r0, r0 + 2 * w, w, q.even, q.odd, q.at, at0, yd, yOut, ad, aOut, 2 * ow, room);
    }

    /**
     * One step of 2×2, stride-2 max pooling: the top rows of the windows are the lanes of (x[a] ‖ x[a2]) picked by
     * {@code even} and {@code odd}, their bottom rows the same lanes one row (w) further; lane i's top-left pixel is
     * plane index atBase + at[i]. Writes n outputs and their arg-max from yOut and aOut. Loads and stores are plain
     * where they can be (masked ones measured several times slower here, see Conv.im2colShortRows): the loads
     * wherever the array has room — lanes past a row only feed outputs that are not kept — and the stores where
     * {@code room} (the outputs this task writes from yOut on, in order) has L lanes left, later rows overwriting the
     * spill. 221 → 128 µs for LeNet's pool 1 at batch 64 on one thread, with the mask below written out.
     */
    private static void maxPool2x2Step(float[] xd, int a, int a2, int w, VectorShuffle<Float> even, VectorShuffle<Float> odd,
            float[] at, int atBase, float[] yd, int yOut, float[] ad, int aOut, int n, int room) {
        // near the array's end the loads are masked; else plain (no phi of vectors here: C2 boxed those)
        VectorMask<Float> m0 = S.indexInRange(a + w, xd.length), m1 = S.indexInRange(a2 + w, xd.length);
        FloatVector a0 = FloatVector.fromArray(S, xd, a, m0), a1 = FloatVector.fromArray(S, xd, a2, m1);
        FloatVector b0 = FloatVector.fromArray(S, xd, a + w, m0), b1 = FloatVector.fromArray(S, xd, a2 + w, m1);
        FloatVector where0 = FloatVector.fromArray(S, at, 0).add(atBase), where = where0;  // each window's top-left pixel
        FloatVector best = a0.rearrange(even, a1);
        // the taps in row-major order, a later one winning only if strictly greater or the first NaN (the first
        // maximum; ReferenceBackend.beats). Written out three times: as a method returning the mask, C2 did not inline
        // it and boxed the vectors — 1.3 MB allocated per call for LeNet's pool 1, 221 against 141 µs on one thread.
        FloatVector v = a0.rearrange(odd, a1);
        VectorMask<Float> gt = v.compare(GT, best).or(v.compare(NE, v).andNot(best.compare(NE, best)));
        best = best.blend(v, gt);
        where = where.blend(where0.add(1), gt);
        v = b0.rearrange(even, b1);
        gt = v.compare(GT, best).or(v.compare(NE, v).andNot(best.compare(NE, best)));
        best = best.blend(v, gt);
        where = where.blend(where0.add(w), gt);
        v = b0.rearrange(odd, b1);
        gt = v.compare(GT, best).or(v.compare(NE, v).andNot(best.compare(NE, best)));
        best = best.blend(v, gt);
        where = where.blend(where0.add(w + 1), gt);
        if (L <= room) {
            best.intoArray(yd, yOut);
            where.intoArray(ad, aOut);
        } else {
            VectorMask<Float> mo = S.indexInRange(0, n);
            best.intoArray(yd, yOut, mo);
            where.intoArray(ad, aOut, mo);
        }
    }

    /** Lanes 0, 2, 4, … : the top-left pixel of each window of one output row, relative to the row's first. */
    private static final float[] LANES_X2 = new float[L];
    static { for (int i = 0; i < L; i++) LANES_X2[i] = 2 * i; }

    /**
     * For a plane of width w ≤ L, two output rows per step ({@link #maxPool2x2RowPair}): lanes i < outW from the first
     * vector, lanes outW ≤ i < 2·outW from the second (the input row two further down); even and odd pick a window's
     * left and right column, at its top-left pixel relative to the pair's first. Lanes from 2·outW on repeat lane 0.
     */
    private record Pairs(VectorShuffle<Float> even, VectorShuffle<Float> odd, float[] at, VectorShuffle<Float> zipFirst,
            VectorShuffle<Float> zipSecond) {
        static Pairs of(int w) {
            int ow = w / 2;
            float[] at = new float[L];
            for (int i = 0; i < L; i++) at[i] = i < ow ? 2 * i : i < 2 * ow ? 2 * w + 2 * (i - ow) : 0;
            return new Pairs(VectorShuffle.fromOp(S, i -> i < ow ? 2 * i : i < 2 * ow ? L + 2 * (i - ow) : 0),
                    VectorShuffle.fromOp(S, i -> i < ow ? 2 * i + 1 : i < 2 * ow ? L + 2 * (i - ow) + 1 : 1), at,
                    // the backward's inverse: lane j of an input row ← lane j/2 of v·0 (j even) or of v·1 (j odd), the
                    // first row pair from lanes 0 … outW − 1, the second from outW on
                    VectorShuffle.fromOp(S, j -> ((j & 1) == 0 ? 0 : L) + j / 2),
                    VectorShuffle.fromOp(S, j -> ((j & 1) == 0 ? 0 : L) + Math.min(L - 1, ow + j / 2)));
        }
    }

    private static final Pairs[] PAIRS = new Pairs[L + 1];
    static { for (int w = 2; w <= L; w++) PAIRS[w] = Pairs.of(w); }

    /** One output row of 2×2, stride-2 average pooling: (x00 + x01 + x10 + x11)/4 in float. */
    private static void avgPool2x2Row(float[] xd, int r0, int w, int ow, float[] yd, int yOut) {
        for (int ox = 0; ox < ow; ox += L) {
            int x0 = 2 * ox, a = r0 + x0, b = a + w;
            VectorMask<Float> m0 = S.indexInRange(x0, w), m1 = S.indexInRange(x0 + L, w);
            FloatVector a0 = FloatVector.fromArray(S, xd, a, m0), a1 = FloatVector.fromArray(S, xd, a + L, m1);
            FloatVector b0 = FloatVector.fromArray(S, xd, b, m0), b1 = FloatVector.fromArray(S, xd, b + L, m1);
            a0.rearrange(EVEN, a1).add(a0.rearrange(ODD, a1)).add(b0.rearrange(EVEN, b1)).add(b0.rearrange(ODD, b1))
                    .div(4f).intoArray(yd, yOut + ox, S.indexInRange(ox, ow));
        }
    }

    /** One output row of the 2×2, stride-2 average pooling backward: each share dy/4 to its four pixels (lanes doubled). */
    private static void avgPool2x2BackwardRow(float[] gd, int gRow, int ow, float[] xd, int r0, int w) {
        for (int ox = 0; ox < ow; ox += L) {
            FloatVector share = FloatVector.fromArray(S, gd, gRow + ox, S.indexInRange(ox, ow)).div(4f);
            FloatVector lo = share.rearrange(DUP_LO), hi = share.rearrange(DUP_HI);
            VectorMask<Float> m0 = S.indexInRange(2 * ox, 2 * ow), m1 = S.indexInRange(2 * ox + L, 2 * ow);
            lo.intoArray(xd, r0 + 2 * ox, m0);
            hi.intoArray(xd, r0 + 2 * ox + L, m1);
            lo.intoArray(xd, r0 + w + 2 * ox, m0);
            hi.intoArray(xd, r0 + w + 2 * ox + L, m1);
        }
    }

    /** Lane i ← lane i/2 of a (i even) or of b (i odd), and the same from lane L/2 on: interleaves two vectors. */
    private static final VectorShuffle<Float> ZIP_LO = VectorShuffle.fromOp(S, i -> (i & 1) == 0 ? i / 2 : L + i / 2),
            ZIP_HI = VectorShuffle.fromOp(S, i -> (i & 1) == 0 ? L / 2 + i / 2 : L + L / 2 + i / 2);

    /**
     * One output row of the 2×2, stride-2 max pooling backward, for an even-sized input whose every pixel lies in
     * exactly one window and a row of at most L outputs: each window's four pixels get 0 + dy where the arg-max points
     * and 0 elsewhere (as the reference's zero fill and one addition), written as two input rows of interleaved
     * lanes. Returns false, writing nothing, if an arg-max is not a pixel of its window (the caller reports it).
     */
    private static boolean maxPool2x2BackwardRow(float[] gd, int gRow, float[] ad, int aRow, int ow, int oy, int w,
            float[] xd, int r0) {
        return maxPool2x2BackwardStep(gd, gRow, ad, aRow, ow, LANES_X2, 2 * oy * w, w, ZIP_LO, ZIP_HI, xd, r0, r0 + L, L);
    }

    /**
     * Output rows oy and oy + 1 of the backward pass as one step, for a plane of at most L columns (as
     * {@link #maxPool2x2RowPair}): dy's 2·outW values of the two rows, lane i < outW of a window in input rows 2oy and
     * 2oy + 1, lane outW + i in rows 2oy + 2 and 2oy + 3, each pair of rows written as the one-row step writes its.
     */
    private static boolean maxPool2x2BackwardRowPair(float[] gd, int gRow, float[] ad, int aRow, int ow, int oy, int w,
            float[] xd, int r0) {
        Pairs q = PAIRS[w];
        return maxPool2x2BackwardStep(gd, gRow, ad, aRow, 2 * ow, q.at, 2 * oy * w, w, q.zipFirst, q.zipSecond, xd, r0,
                r0 + 2 * w, w);
    }

    /**
     * n windows of the backward pass: dy and the arg-max from gRow and aRow, lane i's top-left pixel at plane index
     * atBase + at[i]; the four pixels' values v00, v01 (top row) and v10, v11 interleaved by {@code first} into the
     * top row at x0 (and v10, v11 into the row below), by {@code second} into the rows at x1 — each a masked store of
     * {@code span} lanes.
     */
    private static boolean maxPool2x2BackwardStep(float[] gd, int gRow, float[] ad, int aRow, int n, float[] at, int atBase,
            int w, VectorShuffle<Float> first, VectorShuffle<Float> second, float[] xd, int x0, int x1, int span) {
        VectorMask<Float> mo = S.indexInRange(0, n);
        FloatVector g = ZERO.add(FloatVector.fromArray(S, gd, gRow, mo)), a = FloatVector.fromArray(S, ad, aRow, mo);
        FloatVector tl = FloatVector.fromArray(S, at, 0).add(atBase);         // each window's top-left pixel, iy·W + ix
        VectorMask<Float> e00 = a.compare(EQ, tl), e01 = a.compare(EQ, tl.add(1f)), e10 = a.compare(EQ, tl.add(w)),
                e11 = a.compare(EQ, tl.add(w + 1f));
        if (e00.or(e01).or(e10).or(e11).and(mo).trueCount() != n) return false;
        FloatVector v00 = ZERO.blend(g, e00), v01 = ZERO.blend(g, e01), v10 = ZERO.blend(g, e10), v11 = ZERO.blend(g, e11);
        int lanes = 2 * n;                                      // the input pixels these windows cover, two rows of them
        VectorMask<Float> m0 = S.indexInRange(0, Math.min(span, lanes)), m1 = S.indexInRange(0, lanes - Math.min(span, lanes));
        v00.rearrange(first, v01).intoArray(xd, x0, m0);
        v00.rearrange(second, v01).intoArray(xd, x1, m1);
        v10.rearrange(first, v11).intoArray(xd, x0 + w, m0);
        v10.rearrange(second, v11).intoArray(xd, x1 + w, m1);
        return true;
    }

    static void maxPool(Tensor x, ConvGeometry g, Tensor y, Tensor argmax) {
        int planes = g.batch() * g.channels(), oh = g.outH(), ow = g.outW(), h = g.height(), w = g.width(), hw = h * w;
        float[] xd = data(x), yd = data(y), ad = data(argmax);
        int xo = x.offset(), yo = y.offset(), ao = argmax.offset();
        boolean fast = twoByTwo(g);
        Parallel.range(planes, Math.max(1, GRAIN / (oh * ow * g.kernelH() * g.kernelW())), (p0, p1) -> {
            for (int p = p0; p < p1; p++)
                for (int oy = 0; oy < oh; oy++) {
                    int out = (p * oh + oy) * ow;
                    if (!fast) {
                        for (int ox = 0; ox < ow; ox++) maxWindow(xd, xo + p * hw, h, w, g, oy, ox, yd, ad,
                                yo + out + ox, ao + out + ox);
                        continue;
                    }
                    if (w <= L && oy + 1 < oh) {                        // rows oy and oy + 1 in one step
                        maxPool2x2RowPair(xd, xo + p * hw + 2 * oy * w, w, 2 * oy * w, ow, yd, yo + out, ad, ao + out, p1 * oh * ow - out);
                        oy++;
                    } else maxPool2x2Row(xd, xo + p * hw + 2 * oy * w, w, 2 * oy * w, ow, yd, yo + out, ad, ao + out, p1 * oh * ow - out);
                }
        });
    }

    /** One max-pooling window the reference's way (any geometry; padding is −∞). */
    private static void maxWindow(float[] xd, int plane, int h, int w, ConvGeometry g, int oy, int ox, float[] yd,
            float[] ad, int yi, int ai) {
        int iy0 = Math.max(0, oy * g.strideH() - g.padH()), iy1 = Math.min(h, oy * g.strideH() - g.padH() + g.kernelH());
        int ix0 = Math.max(0, ox * g.strideW() - g.padW()), ix1 = Math.min(w, ox * g.strideW() - g.padW() + g.kernelW());
        float best = Float.NEGATIVE_INFINITY;
        int where = -1;
        for (int iy = iy0; iy < iy1; iy++)
            for (int ix = ix0; ix < ix1; ix++) {
                float v = xd[plane + iy * w + ix];
                if (where < 0 || ReferenceBackend.beats(v, best)) { best = v; where = iy * w + ix; }
            }
        yd[yi] = best;
        ad[ai] = where;
    }

    static void maxPoolBackward(Tensor dy, Tensor argmax, ConvGeometry g, Tensor dx) {
        int planes = g.batch() * g.channels(), ohw = g.outH() * g.outW(), hw = g.height() * g.width();
        float[] gd = data(dy), ad = data(argmax), xd = data(dx);
        int go = dy.offset(), ao = argmax.offset(), xo = dx.offset();
        int oh = g.outH(), ow = g.outW(), w = g.width();
        boolean fast = twoByTwo(g) && g.height() % 2 == 0 && w % 2 == 0 && ow <= L;   // every pixel in one window
        Parallel.range(planes, Math.max(1, GRAIN / (hw + ohw)), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                if (fast) {
                    for (int oy = 0; oy < oh; oy++) {
                        int at = p * ohw + oy * ow, rows = w <= L && oy + 1 < oh ? 2 : 1;    // two output rows per step where they fit
                        boolean ok = rows == 2
                                ? maxPool2x2BackwardRowPair(gd, go + at, ad, ao + at, ow, oy, w, xd, xo + p * hw + 2 * oy * w)
                                : maxPool2x2BackwardRow(gd, go + at, ad, ao + at, ow, oy, w, xd, xo + p * hw + 2 * oy * w);
                        if (!ok) for (int o = 0; o < rows * ow; o++) Checks.argmaxPixel(ad[ao + at + o], p, oy * ow + o, g);
                        oy += rows - 1;
                    }
                    continue;
                }
                Arrays.fill(xd, xo + p * hw, xo + (p + 1) * hw, 0f);
                for (int o = 0; o < ohw; o++) {
                    int where = Checks.argmaxPixel(ad[ao + p * ohw + o], p, o, g);   // a pixel of o's window, or an error
                    xd[xo + p * hw + where] += gd[go + p * ohw + o];
                }
            }
        });
    }

    static void avgPool(Tensor x, ConvGeometry g, Tensor y) {
        int planes = g.batch() * g.channels(), oh = g.outH(), ow = g.outW(), h = g.height(), w = g.width(), hw = h * w;
        float[] xd = data(x), yd = data(y);
        int kh = g.kernelH(), kw = g.kernelW(), sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW();
        int xo = x.offset(), yo = y.offset();
        float area = kh * kw;
        boolean fast = twoByTwo(g);
        Parallel.range(planes, Math.max(1, GRAIN / (oh * ow * kh * kw)), (p0, p1) -> {
            for (int p = p0; p < p1; p++)
                for (int oy = 0; oy < oh; oy++) {
                    int out = yo + (p * oh + oy) * ow;
                    if (fast) {
                        avgPool2x2Row(xd, xo + p * hw + 2 * oy * w, w, ow, yd, out);
                        continue;
                    }
                    int iy0 = Math.max(0, oy * sh - ph), iy1 = Math.min(h, oy * sh - ph + kh);
                    for (int ox = 0; ox < ow; ox++) {
                        int ix0 = Math.max(0, ox * sw - pw), ix1 = Math.min(w, ox * sw - pw + kw);
                        double sum = 0;                                   // padding counts as zeros
                        for (int iy = iy0; iy < iy1; iy++)
                            for (int ix = ix0; ix < ix1; ix++) sum += xd[xo + p * hw + iy * w + ix];
                        yd[out + ox] = (float) (sum / area);
                    }
                }
        });
    }

    static void avgPoolBackward(Tensor dy, ConvGeometry g, Tensor dx) {
        int planes = g.batch() * g.channels(), oh = g.outH(), ow = g.outW(), h = g.height(), w = g.width(), hw = h * w;
        float[] gd = data(dy), xd = data(dx);
        int kh = g.kernelH(), kw = g.kernelW(), sh = g.strideH(), sw = g.strideW(), ph = g.padH(), pw = g.padW();
        int go = dy.offset(), xo = dx.offset();
        float area = kh * kw;
        boolean fast = twoByTwo(g);
        Parallel.range(planes, Math.max(1, GRAIN / (hw + oh * ow * kh * kw)), (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                Arrays.fill(xd, xo + p * hw, xo + (p + 1) * hw, 0f);
                for (int oy = 0; oy < oh; oy++) {
                    if (fast) {
                        avgPool2x2BackwardRow(gd, go + (p * oh + oy) * ow, ow, xd, xo + p * hw + 2 * oy * w, w);
                        continue;
                    }
                    int iy0 = Math.max(0, oy * sh - ph), iy1 = Math.min(h, oy * sh - ph + kh);
                    for (int ox = 0; ox < ow; ox++) {
                        int ix0 = Math.max(0, ox * sw - pw), ix1 = Math.min(w, ox * sw - pw + kw);
                        float share = gd[go + (p * oh + oy) * ow + ox] / area;
                        for (int iy = iy0; iy < iy1; iy++)
                            for (int ix = ix0; ix < ix1; ix++) xd[xo + p * hw + iy * w + ix] += share;
                    }
                }
            }
        });
    }
}
