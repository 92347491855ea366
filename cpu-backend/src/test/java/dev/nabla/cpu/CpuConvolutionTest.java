package dev.nabla.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ConvGeometry;
import dev.nabla.backend.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The CPU backend's conv2d — image by image, directly (LeNet's conv1 and conv2) or as im2col and a GEMM per image — gives the
 * numbers of the batch-wide matrix form (im2col, one GEMM, the swap to NCHW, the bias) bit for bit, wherever the
 * kernel bank fits one of the GEMM's k-slices: every path runs the same FMAs in the same order.
 */
class CpuConvolutionTest {
    final Backend be = new CpuBackend();

    @Test
    void everyPathIsTheMatrixFormBitForBit() {
        int[][] cases = {              // N, C, H, W, k, stride, pad, C_out
            {64, 1, 28, 28, 5, 1, 2, 6},   // LeNet conv1: the direct path, rows of two vectors
            {64, 6, 14, 14, 5, 1, 0, 16},  // LeNet conv2: direct, two passes of 8 channels, two rows of 10 at a time
            {3, 2, 9, 33, 3, 1, 1, 8},     // the direct path's limits: an output row of 33 > 2L: GEMM
            {3, 2, 9, 30, 3, 1, 1, 8},     // 8 channels, 30 wide: direct
            {3, 2, 9, 30, 3, 1, 1, 9},     // 9 channels: direct, a second pass of one channel
            {3, 2, 9, 12, 3, 1, 1, 17},    // 17 channels: GEMM
            {2, 3, 11, 7, 3, 1, 0, 5},     // rows shorter than a vector, an odd number of them (9): a last row alone
            {2, 2, 10, 16, 3, 1, 1, 12},   // rows of exactly one vector (16), an even number
            {2, 7, 8, 8, 6, 1, 0, 3},      // C·kH·kW = 252, 3 rows of 3
            {2, 3, 12, 12, 3, 2, 1, 4},    // stride 2: GEMM
        };
        for (int[] c : cases) {
            ConvGeometry g = new ConvGeometry(c[0], c[1], c[2], c[3], c[4], c[4], c[5], c[5], c[6], c[6]);
            int n = g.batch(), k = g.colRows(), cout = c[7], p = g.outH() * g.outW();
            SplittableRandom rng = new SplittableRandom(g.hashCode());
            Tensor x = be.upload(SgemmTest.random(rng, n * g.channels() * g.height() * g.width()), n, g.channels(), g.height(), g.width());
            Tensor w = be.upload(SgemmTest.random(rng, cout * k), cout, k), b = be.upload(SgemmTest.random(rng, cout), cout);
            Tensor cols = be.zeros(k, g.colCols()), net = be.zeros(cout, g.colCols()), y = be.zeros(n, cout, g.outH(), g.outW());
            be.im2col(x, g, cols);
            be.gemm(false, false, 1f, w, cols, 0f, net);
            be.swapAxes01(net, y, cout, n, p);
            Tensor noBias = be.zeros(y.shape());
            be.copy(y, noBias);
            be.addBias(y, b, p);
            Tensor conv = be.zeros(y.shape()), convNoBias = be.zeros(y.shape());
            be.conv2d(x, w, b, g, conv);
            be.conv2d(x, w, null, g, convNoBias);
            String what = g + " C_out " + cout + (Conv.direct(g, cout) ? " (direct)" : " (GEMM per image)");
            assertThat(conv.toArray()).as(what).containsExactly(y.toArray());
            assertThat(convNoBias.toArray()).as(what + " without bias").containsExactly(noBias.toArray());
        }
        assertThat(Conv.direct(new ConvGeometry(64, 1, 28, 28, 5, 5, 1, 1, 2, 2), 6)).as("LeNet conv1 runs directly").isTrue();
        assertThat(Conv.direct(new ConvGeometry(64, 6, 14, 14, 5, 5, 1, 1, 0, 0), 16)).as("LeNet conv2 runs directly").isTrue();
    }
}
