package dev.nabla.cpu;

import static dev.nabla.cpu.Elementwise.GRAIN;
import static dev.nabla.cpu.Elementwise.ROW_BLOCK;
import static dev.nabla.cpu.Elementwise.addInto;
import static dev.nabla.cpu.Elementwise.addScalar;
import static dev.nabla.cpu.Elementwise.data;
import static dev.nabla.cpu.Elementwise.sum;

import dev.nabla.backend.Tensor;
import java.util.Arrays;

/**
 * The bias family of the CPU backend (kernels/opencl/bias.cl; the reference's "bias" section): x += b per channel,
 * ∂E/∂b as a sum over the batch and the pixels, and the [A, B, S] → [B, A, S] transpose the sequence layers use.
 */
final class Bias {
    private Bias() {}

    static void addBias(Tensor x, Tensor b, int inner) {
        float[] xd = data(x), bd = data(b);
        int channels = b.size(), xo = x.offset(), bo = b.offset(), plane = channels * inner, outer = x.size() / plane;
        Parallel.range(outer, Math.max(1, GRAIN / plane), (o0, o1) -> {
            for (int o = o0; o < o1; o++) {
                int base = xo + o * plane;
                if (inner == 1) {
                    addInto(bd, bo, xd, base, channels);          // row o += b
                } else {
                    for (int ch = 0; ch < channels; ch++) addScalar(xd, base + ch * inner, inner, bd[bo + ch]);
                }
            }
        });
    }

    static void sumBias(Tensor dy, Tensor db, int inner, float beta) {
        float[] yd = data(dy), bd = data(db);
        int channels = db.size(), yo = dy.offset(), plane = channels * inner, outer = dy.size() / plane;
        double[] sums = new double[channels];
        if (inner == 1) {                                         // column sums of [outer, C]: blocks of rows in float lanes
            float[] acc = new float[channels];
            for (int o0 = 0; o0 < outer; o0 += ROW_BLOCK) {
                Arrays.fill(acc, 0f);
                for (int o = o0; o < Math.min(outer, o0 + ROW_BLOCK); o++) addInto(yd, yo + o * plane, acc, 0, channels);
                for (int ch = 0; ch < channels; ch++) sums[ch] += acc[ch];
            }
        } else {
            for (int o = 0; o < outer; o++)
                for (int ch = 0; ch < channels; ch++) sums[ch] += sum(yd, yo + o * plane + ch * inner, inner);
        }
        for (int ch = 0; ch < channels; ch++) {
            int bi = db.offset() + ch;
            bd[bi] = (float) (sums[ch] + (beta == 0f ? 0f : beta * bd[bi]));
        }
    }

    /** Rows and columns per tile of a plain transpose (s = 1): a 32×32 tile of each side (8 KB) stays in L1. */
    static final int TILE = 32;

    static void swapAxes01(Tensor x, Tensor y, int a, int b, int s) {
        float[] xd = data(x), yd = data(y);
        int xo = x.offset(), yo = y.offset();
        if (s == 1) {            // a matrix transpose (e.g. a batch of tokens to time-major): tile by tile, not one
            Parallel.range(Math.ceilDiv(a, TILE), Math.max(1, GRAIN / (TILE * Math.max(1, b))), (t0, t1) -> {   // stride-a
                for (int i0 = t0 * TILE; i0 < Math.min(a, t1 * TILE); i0 += TILE)                              // write per
                    for (int j0 = 0; j0 < b; j0 += TILE)                                                        // element
                        for (int j = j0; j < Math.min(b, j0 + TILE); j++)
                            for (int i = i0; i < Math.min(a, i0 + TILE); i++) yd[yo + j * a + i] = xd[xo + i * b + j];
            });
            return;
        }
        Parallel.range(a, Math.max(1, GRAIN / Math.max(1, b * s)), (i0, i1) -> {
            for (int i = i0; i < i1; i++)
                for (int j = 0; j < b; j++) {
                    int src = xo + (i * b + j) * s, dst = yo + (j * a + i) * s;
                    if (s >= 16) System.arraycopy(xd, src, yd, dst, s);
                    else for (int k = 0; k < s; k++) yd[dst + k] = xd[src + k];
                }
        });
    }
}
