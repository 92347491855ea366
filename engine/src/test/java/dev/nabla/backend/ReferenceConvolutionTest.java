package dev.nabla.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The reference's convolution is its direct formula, summed in the order of the matrix form: im2col, one GEMM, the swap
 * to NCHW and the bias — and backward δ·X_colᵀ, Wᵀ·δ and col2im. Bit for bit, so the two descriptions of the slides
 * (the sum over the window; one matrix product) are one specification.
 */
class ReferenceConvolutionTest {
    final ReferenceBackend ref = new ReferenceBackend();

    @Test
    void theDirectSumsAreTheMatrixFormBitForBit() {
        for (ConvGeometry g : new ConvGeometry[] {new ConvGeometry(3, 2, 9, 7, 3, 2, 2, 1, 1, 1),
                new ConvGeometry(2, 1, 28, 28, 5, 5, 1, 1, 2, 2), new ConvGeometry(2, 6, 14, 14, 5, 5, 1, 1, 0, 0)}) {
            SplittableRandom rng = new SplittableRandom(g.hashCode());
            int cout = 4, k = g.colRows(), cc = g.colCols(), p = g.outH() * g.outW(), n = g.batch();
            Tensor x = ref.upload(BackendContractTest.random(rng, n * g.channels() * g.height() * g.width()), n, g.channels(), g.height(), g.width());
            Tensor w = ref.upload(BackendContractTest.random(rng, cout * k), cout, k), b = ref.upload(BackendContractTest.random(rng, cout), cout);
            Tensor dy = ref.upload(BackendContractTest.random(rng, n * cout * p), n, cout, g.outH(), g.outW());
            float[] dw0 = BackendContractTest.random(rng, cout * k), db0 = BackendContractTest.random(rng, cout);

            Tensor cols = ref.zeros(k, cc), net = ref.zeros(cout, cc), y = ref.zeros(n, cout, g.outH(), g.outW());
            ref.im2col(x, g, cols);
            ref.gemm(false, false, 1f, w, cols, 0f, net);
            ref.swapAxes01(net, y, cout, n, p);
            ref.addBias(y, b, p);
            Tensor direct = ref.zeros(n, cout, g.outH(), g.outW());
            ref.conv2d(x, w, b, g, direct);
            assertThat(direct.toArray()).as("conv2d " + g).containsExactly(y.toArray());

            Tensor delta = ref.zeros(cout, cc), dw = ref.upload(dw0, cout, k), db = ref.upload(db0, cout),
                    dcols = ref.zeros(k, cc), dx = ref.zeros(x.shape());
            ref.sumBias(dy, db, p, 1f);
            ref.swapAxes01(dy, delta, n, cout, p);
            ref.gemm(false, true, 1f, delta, cols, 1f, dw);
            ref.gemm(true, false, 1f, w, delta, 0f, dcols);
            ref.col2im(dcols, g, dx);
            Tensor dw2 = ref.upload(dw0, cout, k), db2 = ref.upload(db0, cout), dx2 = ref.zeros(x.shape());
            ref.conv2dBackward(x, w, dy, g, dw2, db2, dx2);
            assertThat(dw2.toArray()).as("∂W " + g).containsExactly(dw.toArray());
            assertThat(db2.toArray()).as("∂b " + g).containsExactly(db.toArray());
            assertThat(dx2.toArray()).as("∂x " + g).containsExactly(dx.toArray());
        }
    }
}
