package dev.nabla.cpu;

import static dev.nabla.backend.Checks.cols;
import static dev.nabla.backend.Checks.rows;
import static dev.nabla.cpu.Activations.expShifted;
import static dev.nabla.cpu.Elementwise.CHUNK;
import static dev.nabla.cpu.Elementwise.GRAIN_HEAVY;
import static dev.nabla.cpu.Elementwise.L;
import static dev.nabla.cpu.Elementwise.ONE;
import static dev.nabla.cpu.Elementwise.S;
import static dev.nabla.cpu.Elementwise.ZERO;
import static dev.nabla.cpu.Elementwise.data;
import static dev.nabla.cpu.Elementwise.max;
import static dev.nabla.cpu.Elementwise.scaleRow;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.IS_NAN;
import static jdk.incubator.vector.VectorOperators.LT;
import static jdk.incubator.vector.VectorOperators.MAX;

import dev.nabla.backend.Checks;
import dev.nabla.backend.ElementwiseLoss;
import dev.nabla.backend.Tensor;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The loss family of the CPU backend (kernels/opencl/loss.cl; the reference's "loss" section): softmax cross-entropy,
 * the elementwise losses, the multiclass hinge and the count of correct arg-maxes. Labels are checked where they are
 * read ({@link Checks#classIndex}).
 */
final class Loss {
    private Loss() {}

    static float softmaxCrossEntropy(Tensor logits, Tensor labels, Tensor dlogits) {
        float[] zd = data(logits), ld = data(labels);
        float[] gd = dlogits == null ? null : data(dlogits);
        int n = cols(logits), rows = rows(logits), lo = labels.offset(), zo = logits.offset(),
                go = dlogits == null ? 0 : dlogits.offset();
        int counted = 0;
        int[] lab = new int[rows];
        for (int r = 0; r < rows; r++) if ((lab[r] = Checks.classIndex("softmaxCrossEntropy", ld[lo + r], r, n)) >= 0) counted++;
        float inv = counted == 0 ? 0f : 1f / counted;
        double[] loss = new double[rows];
        int cnt = counted;
        Parallel.range(rows, Math.max(1, GRAIN_HEAVY / Math.max(1, n)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int label = lab[r], zr = zo + r * n, gr = go + r * n;
                if (label < 0) {
                    if (gd != null) Arrays.fill(gd, gr, gr + n, 0f);
                    continue;
                }
                float max = max(zd, zr, n), zl = zd[zr + label];
                float sum;
                if (gd != null) {                                 // ∂L/∂z_j = (p_j − [j = label]) / rows, p_j = e^{z_j − max}/Σ
                    sum = expShifted(zd, zr, gd, gr, n, max);
                    scaleRow(gd, gr, n, inv / sum);
                    gd[gr + label] -= inv;
                } else {
                    sum = sumExpShifted(zd, zr, n, max);
                }
                loss[r] = max + Math.log(sum) - zl;               // −ln softmax(z)_label = log Σ e^z − z_label
            }
        });
        double total = 0;
        for (double l : loss) total += l;
        return cnt == 0 ? 0f : (float) (total / cnt);
    }

    private static float sumExpShifted(float[] x, int xo, int n, float shift) {
        FloatVector acc = ZERO;
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = S.indexInRange(i, n);
            acc = acc.add(VMath.exp(FloatVector.fromArray(S, x, xo + i, m).sub(shift)), m);
        }
        return VMath.sumLanes(acc);
    }

    static float elementwiseLoss(ElementwiseLoss kind, Tensor y, Tensor target, Tensor dy) {
        float[] yd = data(y), td = data(target);
        float[] gd = dy == null ? null : data(dy);
        int n = y.size(), yo = y.offset(), to = target.offset(), go = dy == null ? 0 : dy.offset();
        float fn = n;
        double loss = 0;
        for (int c = 0; c < n; c += CHUNK) {                      // float lanes per chunk, chunks summed in double
            int end = Math.min(n, c + CHUNK);
            FloatVector acc = ZERO;
            for (int i = c; i < end; i += L) {
                VectorMask<Float> m = S.indexInRange(i, end);
                FloatVector yi = FloatVector.fromArray(S, yd, yo + i, m), di = FloatVector.fromArray(S, td, to + i, m);
                FloatVector diff = yi.sub(di), term, g;
                switch (kind) {
                    case SQUARED_ERROR -> { term = diff.mul(diff).mul(0.5f); g = diff; }                 // ½(d − y)², y − d
                    case MSE -> { term = diff.mul(diff); g = diff.mul(2f).div(fn); }                     // (d − y)², 2(y − d)/n
                    case L1 -> {                                                                         // |d − y|, sign(y − d)/n
                        term = diff.abs();
                        g = ZERO.blend(1f, diff.compare(GT, 0f)).blend(-1f, diff.compare(LT, 0f)).blend(diff,
                                diff.test(IS_NAN)).div(fn);
                    }
                    case BINARY_CROSS_ENTROPY -> {                                                       // −[d ln y + (1 − d) ln(1 − y)]
                        FloatVector oneMinusY = ONE.sub(yi);
                        FloatVector logY = VMath.log(yi).lanewise(MAX, -100f),
                                log1mY = VMath.log(oneMinusY).lanewise(MAX, -100f);
                        term = di.mul(logY).add(ONE.sub(di).mul(log1mY)).neg();
                        g = diff.div(yi.mul(oneMinusY).lanewise(MAX, 1e-12f).mul(fn));
                    }
                    default -> throw new AssertionError(kind);
                }
                acc = acc.add(term, m);
                if (gd != null) g.intoArray(gd, go + i, m);
            }
            loss += VMath.sumLanes(acc);
        }
        return (float) (kind == ElementwiseLoss.SQUARED_ERROR ? loss : loss / n);
    }

    static float hinge(Tensor scores, Tensor labels, float margin, Tensor dscores) {
        float[] sd = data(scores), ld = data(labels);
        float[] gd = dscores == null ? null : data(dscores);
        int n = cols(scores), rows = rows(scores), counted = 0, so0 = scores.offset(),
                go0 = dscores == null ? 0 : dscores.offset();
        int[] lab = new int[rows];
        for (int r = 0; r < rows; r++) if ((lab[r] = Checks.classIndex("hinge", ld[labels.offset() + r], r, n)) >= 0) counted++;
        float inv = counted == 0 ? 0f : 1f / counted;
        double loss = 0;
        for (int r = 0; r < rows; r++) {
            int so = so0 + r * n, go = go0 + r * n, label = lab[r];
            if (label < 0) {
                if (gd != null) Arrays.fill(gd, go, go + n, 0f);
                continue;
            }
            float s = sd[so + label];
            FloatVector acc = ZERO;
            int violated = 0;
            boolean nanRow = false;
            for (int j = 0; j < n; j += L) {
                VectorMask<Float> m = S.indexInRange(j, n);
                FloatVector marg = FloatVector.fromArray(S, sd, so + j, m).add(margin).sub(s);   // Δ + s_c − s
                if (label >= j && label < j + L) m = m.andNot(VectorMask.fromLong(S, 1L << (label - j)));  // j ≠ label
                VectorMask<Float> hit = marg.compare(GT, 0f).and(m), nan = marg.test(IS_NAN).and(m);
                acc = acc.add(marg, hit.or(nan));                 // a NaN margin makes the loss NaN
                violated += hit.trueCount();
                nanRow |= nan.anyTrue();
                if (gd != null) {
                    ZERO.blend(inv, hit).blend(Float.NaN, nan).intoArray(gd, go + j, S.indexInRange(j, n)); // ∂J/∂s_c = 1 where violated
                }
            }
            loss += VMath.sumLanes(acc);
            if (gd != null) {
                float gl = 0f;
                for (int t = 0; t < violated; t++) gl -= inv;     // ∂J/∂s = −1 per violation (the reference's order of rounding)
                gd[go + label] = nanRow ? Float.NaN : gl;
            }
        }
        return counted == 0 ? 0f : (float) (loss / counted);
    }

    static int countCorrect(Tensor scores, Tensor labels) {
        float[] sd = data(scores), ld = data(labels);
        int n = cols(scores), correct = 0;
        for (int r = 0; r < rows(scores); r++) {
            int label = Checks.classIndex("countCorrect", ld[labels.offset() + r], r, n);
            if (label < 0) continue;
            int so = scores.offset() + r * n;
            float max = max(sd, so, n);
            int best = 0;
            if (Float.isNaN(max)) {                               // NaN counts as the largest: the first NaN wins
                while (!Float.isNaN(sd[so + best])) best++;
            } else {
                while (sd[so + best] != max) best++;              // arg-max, first on ties
            }
            if (best == label) correct++;
        }
        return correct;
    }
}
