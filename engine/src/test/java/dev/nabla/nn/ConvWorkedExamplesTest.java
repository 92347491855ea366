package dev.nabla.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The lectures' worked examples of convolution, pooling and sizing (seeds 002 and 004), and the size rule's errors. */
class ConvWorkedExamplesTest {
    private final Backend ops = new ReferenceBackend();

    private Conv2d kernel(float[] k, int kh, int kw) {
        Conv2d c = new Conv2d(1, 1, kh, kw);
        c.bind(ops, new SplittableRandom(0));
        ops.upload(k, 0, c.weight().value());
        ops.fill(c.bias().value(), 0f);
        return c;
    }

    @Test
    void theSobelLikeKernelOnAThreeByThreePatchGivesTwo() {
        Conv2d c = kernel(new float[] {-1, 0, 1, -2, 0, 2, -1, 0, 1}, 3, 3);
        Tensor y = c.forward(ops.upload(new float[] {3, 2, 1, 1, 2, 3, 1, 1, 1}, 1, 1, 3, 3), false);
        assertThat(y.shape()).containsExactly(1, 1, 1, 1);
        assertThat(y.item()).isEqualTo(2f);     // −3 + 1 − 2 + 6 − 1 + 1
    }

    @Test
    void theXKernelOnTheFiveByFiveBinaryImage() {
        Conv2d c = kernel(new float[] {1, 0, 1, 0, 1, 0, 1, 0, 1}, 3, 3);
        float[] image = {
                1, 1, 1, 0, 0,
                0, 1, 1, 1, 0,
                0, 0, 1, 1, 1,
                0, 0, 1, 1, 0,
                0, 1, 1, 0, 0};
        Tensor y = c.forward(ops.upload(image, 1, 1, 5, 5), false);
        assertThat(y.shape()).containsExactly(1, 1, 3, 3);
        assertThat(y.toArray()).containsExactly(4, 3, 4, 2, 4, 3, 2, 3, 4);
    }

    @Test
    void twoByTwoMaxPoolingOfTheSingleDepthSlice() {
        MaxPool2d pool = new MaxPool2d(2);
        pool.bind(ops, null);
        Tensor y = pool.forward(ops.upload(new float[] {1, 1, 2, 4, 5, 6, 7, 8, 3, 2, 1, 0, 1, 2, 3, 4}, 1, 1, 4, 4), false);
        assertThat(y.toArray()).containsExactly(6, 8, 3, 4);
        // backward: each gradient goes to its window's maximum (6 at (1,1), 8 at (1,3), 3 at (2,0), 4 at (3,3))
        Tensor dx = pool.backward(ops.upload(new float[] {10, 20, 30, 40}, 1, 1, 2, 2));
        assertThat(dx.toArray()).containsExactly(0, 0, 0, 0, 0, 10, 0, 20, 30, 0, 0, 0, 0, 0, 0, 40);
    }

    @Test
    void twoByTwoAveragePoolingSpreadsTheGradientEvenly() {
        AvgPool2d pool = new AvgPool2d(2);
        pool.bind(ops, null);
        Tensor y = pool.forward(ops.upload(new float[] {1, 1, 2, 4, 5, 6, 7, 8, 3, 2, 1, 0, 1, 2, 3, 4}, 1, 1, 4, 4), false);
        assertThat(y.toArray()).containsExactly(3.25f, 5.25f, 2f, 2f);
        Tensor dx = pool.backward(ops.upload(new float[] {4, 8, 12, 16}, 1, 1, 2, 2));
        assertThat(dx.toArray()).containsExactly(1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4);
    }

    @Test
    void theWorkedCnnSizes() {
        // 10 filters 5×5, stride 1, on a 32×32×1 image → 28×28×10, (25 + 1)·10 = 260 parameters; 2×2 max pool → 14×14×10
        Conv2d conv = new Conv2d(1, 10, 5);
        MaxPool2d pool = new MaxPool2d(2);
        Sequential cnn = new Sequential(conv, ActivationLayer.relu(), pool).bind(ops, 1);
        assertThat(conv.outputShape(new int[] {1, 32, 32})).containsExactly(10, 28, 28);
        assertThat(cnn.outputShape(new int[] {1, 32, 32})).containsExactly(10, 14, 14);
        assertThat(cnn.parameterCount()).isEqualTo(260);
        assertThat(cnn.forward(ops.zeros(2, 1, 32, 32), false).shape()).containsExactly(2, 10, 14, 14);
        // and the lecture's padded example: 10 filters 5×5, stride 1, pad 2 on 32×32×3 → 32×32×10
        assertThat(new Conv2d(3, 10, 5).padding(2).outputShape(new int[] {3, 32, 32})).containsExactly(10, 32, 32);
        // N = 7, F = 3: stride 1 → 5, stride 2 → 3; pad 1 with stride 1 keeps 7
        assertThat(new Conv2d(1, 1, 3).outputShape(new int[] {1, 7, 7})).containsExactly(1, 5, 5);
        assertThat(new Conv2d(1, 1, 3).stride(2).outputShape(new int[] {1, 7, 7})).containsExactly(1, 3, 3);
        assertThat(new Conv2d(1, 1, 3).padding(1).outputShape(new int[] {1, 7, 7})).containsExactly(1, 7, 7);
        assertThat(new Conv2d(1, 1, 7).same().outputShape(new int[] {1, 7, 7})).containsExactly(1, 7, 7);
    }

    @Test
    void aThreeByThreeFilterWithStrideThreeDoesNotFitASevenBySevenInput() {
        assertThatThrownBy(() -> new Conv2d(1, 1, 3).stride(3).outputShape(new int[] {1, 7, 7}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Conv2d(1→1, 3x3, stride 3) does not fit a 7x7 input")
                .hasMessageContaining("(7 − 3 + 2·0)/3 + 1 = 2.33")
                .hasMessageContaining("floor()");
        Conv2d c = new Conv2d(1, 1, 3).stride(3);
        c.bind(ops, new SplittableRandom(0));
        assertThatThrownBy(() -> c.forward(ops.zeros(1, 1, 7, 7), true)).hasMessageContaining("2.33");
        // unless floor semantics are asked for: ⌊2.33⌋ = 2
        Conv2d floor = new Conv2d(1, 1, 3).stride(3).floor();
        floor.bind(ops, new SplittableRandom(0));
        assertThat(floor.forward(ops.zeros(1, 1, 7, 7), true).shape()).containsExactly(1, 1, 2, 2);
        // pooling follows the same rule
        assertThatThrownBy(() -> new MaxPool2d(2).outputShape(new int[] {3, 7, 7}))
                .hasMessageContaining("MaxPool2d(2x2) does not fit a 7x7 input").hasMessageContaining("(7 − 2 + 2·0)/2 + 1 = 3.50");
        assertThat(new MaxPool2d(2).floor().outputShape(new int[] {3, 7, 7})).containsExactly(3, 3, 3);
    }

    @Test
    void badConfigurationsAndInputsAreRejectedClearly() {
        assertThatThrownBy(() -> new Conv2d(1, 1, 2, 3).same()).hasMessageContaining("odd kernel");
        Conv2d strided = new Conv2d(1, 1, 3).same().stride(2);
        assertThatThrownBy(() -> strided.bind(ops, new SplittableRandom(0))).hasMessageContaining("stride 1");
        assertThatThrownBy(() -> new Conv2d(1, 1, 5).outputShape(new int[] {1, 3, 3}))
                .hasMessageContaining("window 5 is larger than the padded input 3");
        Conv2d c = new Conv2d(3, 2, 3);
        c.bind(ops, new SplittableRandom(0));
        assertThatThrownBy(() -> c.forward(ops.zeros(2, 1, 5, 5), true))
                .hasMessageContaining("Conv2d(3→2, 3x3) expects input [N, 3, H, W], got [2, 1, 5, 5]");
        assertThatThrownBy(() -> c.stride(2)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new MaxPool2d(2).padding(2)).hasMessageContaining("half the window");
        assertThatThrownBy(() -> new Conv2d(0, 1, 3)).hasMessageContaining("channels");
    }

    @Test
    void theConvolutionHandlesChangingBatchSizes() {
        Conv2d c = new Conv2d(2, 3, 3).padding(1);
        c.bind(ops, new SplittableRandom(4));
        float[] one = ConvGradientCheckTest.gaussian(2 * 4 * 4, 1);
        float[] two = new float[2 * one.length];
        System.arraycopy(one, 0, two, 0, one.length);
        System.arraycopy(one, 0, two, one.length, one.length);
        float[] y2 = c.forward(ops.upload(two, 2, 2, 4, 4), false).toArray();
        float[] y1 = c.forward(ops.upload(one, 1, 2, 4, 4), false).toArray();
        for (int i = 0; i < y1.length; i++) {
            assertThat(y2[i]).isEqualTo(y1[i]);
            assertThat(y2[y1.length + i]).isEqualTo(y1[i]);
        }
    }
}
