package dev.nabla.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * More of the lectures' worked examples, with the slides' own numbers (../shared/seeds/): seed 004's multi-channel
 * convolution and its pooling examples, seed 002's padding and stride examples, seed 003's softmax and face-pose
 * network, seed 004's CNN sizing. Where a slide prints a value that is wrong, the comment says so and the test asserts
 * the right one.
 */
class SlideNumbersTest {
    private final Backend ops = new ReferenceBackend();

    private Conv2d conv(int cin, int k, float[] weights, float bias) {
        Conv2d c = new Conv2d(cin, 1, k);
        c.bind(ops, new SplittableRandom(0));
        c.weight().set(weights);
        c.bias().set(bias);
        return c;
    }

    // ---------------------------------------------------------------- seed 004

    /**
     * Seed 004, "Convolution with Multiple Channels": a 3×3×3 kernel and bias 1 over the zero-padded top-left corner of
     * an RGB image. The slide works one output out (161 − 9 + 659 + 1 = 812) and shows the first 2×4 outputs.
     */
    @Test
    void theRgbConvolutionGivesTheSlidesFeatureMap() {
        float[][] rgb = {
                {156, 155, 156, 158, 158, 153, 154, 157, 159, 159, 149, 151, 155, 158, 159, 146, 146, 149, 153, 158, 145, 143, 143, 148, 158},
                {167, 166, 167, 169, 169, 164, 165, 168, 170, 170, 160, 162, 166, 169, 170, 156, 156, 159, 163, 168, 155, 153, 153, 158, 168},
                {163, 162, 163, 165, 165, 160, 161, 164, 166, 166, 156, 158, 162, 165, 166, 155, 155, 158, 162, 167, 154, 152, 152, 157, 167}};
        float[] image = new float[3 * 25];
        for (int c = 0; c < 3; c++) System.arraycopy(rgb[c], 0, image, c * 25, 25);
        float[] kernels = {
                -1, -1, 1, 0, 1, -1, 0, 1, 1,         // kernel channel #1 (red)
                1, 0, 0, 1, -1, -1, 1, 0, -1,         // #2 (green)
                0, 1, 1, 0, 1, 0, 1, -1, 1};          // #3 (blue)
        Conv2d c = new Conv2d(3, 1, 3).padding(1);  // the slide's image has a zero border: padding 1
        c.bind(ops, new SplittableRandom(0));
        c.weight().set(kernels);
        c.bias().set(1f);
        float[] y = c.forward(ops.upload(image, 1, 3, 5, 5), false).toArray();
        // the first two rows of the output (the slide shows four columns of each)
        assertThat(new float[] {y[0], y[1], y[2], y[3]}).containsExactly(-25, 466, 466, 475);
        assertThat(new float[] {y[5], y[6], y[7], y[8]}).containsExactly(295, 787, 798, 812);
        // the worked one, channel by channel: 161 (red) − 9 (green) + 659 (blue) + 1 (bias) = 812 at row 1, column 3
        float[] perChannel = new float[3];
        for (int ch = 0; ch < 3; ch++) {
            float[] one = new float[27];
            System.arraycopy(kernels, ch * 9, one, ch * 9, 9);
            c.weight().set(one);
            c.bias().set(0f);
            perChannel[ch] = c.forward(ops.upload(image, 1, 3, 5, 5), false).toArray()[8];
        }
        assertThat(perChannel).containsExactly(161, -9, 659);
    }

    /** Seed 004's pooling example: a 4×4 feature map, 2×2 windows, stride 2. */
    @Test
    void twoByTwoMaxAndAveragePoolingOfTheSlidesFeatureMap() {
        float[] map = {12, 20, 30, 0, 8, 12, 2, 0, 34, 70, 37, 4, 112, 100, 25, 12};
        MaxPool2d max = new MaxPool2d(2);
        max.bind(ops, null);
        assertThat(max.forward(ops.upload(map, 1, 1, 4, 4), false).toArray()).containsExactly(20, 30, 112, 37);
        AvgPool2d avg = new AvgPool2d(2);
        avg.bind(ops, null);
        // the slide prints 13, 8, 79, 20: (37 + 4 + 25 + 12)/4 is 19.5, which the slide rounds to 20
        assertThat(avg.forward(ops.upload(map, 1, 1, 4, 4), false).toArray()).containsExactly(13, 8, 79, 19.5f);
    }

    /** Seed 004: 3×3 max pooling with stride 1 over a 5×5 map gives a 3×3 map. */
    @Test
    void threeByThreeMaxPoolingWithStrideOne() {
        float[] map = {3, 3, 2, 1, 0, 0, 0, 1, 3, 1, 3, 1, 2, 2, 3, 2, 0, 0, 2, 2, 2, 0, 0, 0, 1};
        Pool2d pool = new MaxPool2d(3).stride(1);
        pool.bind(ops, null);
        Tensor y = pool.forward(ops.upload(map, 1, 1, 5, 5), false);
        assertThat(y.shape()).containsExactly(1, 1, 3, 3);
        assertThat(y.toArray()).containsExactly(3, 3, 3, 3, 3, 3, 3, 2, 3);
    }

    /**
     * Seed 004's worked CNN sizes: 10 filters 5×5, stride 1, on a 32×32 image: 26 weights per filter (with the bias),
     * 28×28 outputs each, 7,840 outputs, 26·10·28·28 = 203,840 connections; 2×2 pooling with stride 2 → 10 maps of
     * 14×14; a fully connected layer of 200 neurons with 10·14·14 = 1,960 inputs + 1 bias each: 392,200 weights.
     */
    @Test
    void theWorkedCnnSizingExample() {
        Conv2d conv = new Conv2d(1, 10, 5);
        MaxPool2d pool = new MaxPool2d(2);
        Dense fc = new Dense(10 * 14 * 14, 200);
        Sequential net = new Sequential(conv, ActivationLayer.relu(), pool, new Flatten(), fc).bind(ops, 1);
        int[] convOut = conv.outputShape(new int[] {1, 32, 32});
        assertThat(convOut).containsExactly(10, 28, 28);
        assertThat(Tensor.sizeOf(convOut)).isEqualTo(7_840);
        long convParams = conv.params().stream().mapToLong(Param::size).sum();
        assertThat(convParams).isEqualTo(26 * 10);
        assertThat(convParams / 10 * Tensor.sizeOf(convOut)).as("connections").isEqualTo(203_840);
        assertThat(pool.outputShape(convOut)).containsExactly(10, 14, 14);
        assertThat(fc.params().stream().mapToLong(Param::size).sum()).isEqualTo(392_200);
        assertThat(net.outputShape(new int[] {1, 32, 32})).containsExactly(200);
    }

    // ---------------------------------------------------------------- seed 002

    private static final float[] IMAGE = {1, 2, 0, 3, 1, 1, 0, 0, 2, 2, 2, 1, 2, 1, 1, 0, 0, 1, 0, 0, 1, 2, 1, 1, 1};
    private static final float[] KERNEL = {-1, 1, 2, 1, 1, 0, -1, -2, 0};

    /** Seed 002, "Convolution Settings – Padding": without padding the output shrinks to 3×3 (the slide's first value −2). */
    @Test
    void withoutPaddingTheOutputShrinks() {
        Tensor y = conv(1, 3, KERNEL, 0).forward(ops.upload(IMAGE, 1, 1, 5, 5), false);
        assertThat(y.shape()).containsExactly(1, 1, 3, 3);
        assertThat(y.toArray()).containsExactly(-2, -1, 3, 2, 5, 8, -2, 0, -1);
    }

    /** Seed 002: zero padding 1 keeps the 5×5 size; the slide's first value is −1. */
    @Test
    void withPaddingTheSizeIsKept() {
        Conv2d c = new Conv2d(1, 1, 3).padding(1);
        c.bind(ops, new SplittableRandom(0));
        c.weight().set(KERNEL);
        c.bias().set(0f);
        Tensor y = c.forward(ops.upload(IMAGE, 1, 1, 5, 5), false);
        assertThat(y.shape()).containsExactly(1, 1, 5, 5);
        assertThat(y.toArray()).containsExactly(-1, 2, 2, -1, -2, 2, -2, -1, 3, -1, 3, 2, 5, 8, 2, 2, -2, 0, -1, -3, 1, 5, 4, 1, 2);
    }

    /**
     * Seed 002, "Stride 2 Example – No Padding": a 2×2 output; the slide shows −2, 3 in the first row and 0 below the −2.
     * That 0 is a misprint: the window at rows 2–4, columns 0–2 gives 2·(−1) + 1·1 + 2·2 + 1·(−1) + 2·(−2) = −2.
     */
    @Test
    void strideTwoWithoutPadding() {
        Conv2d c = new Conv2d(1, 1, 3).stride(2);
        c.bind(ops, new SplittableRandom(0));
        c.weight().set(KERNEL);
        c.bias().set(0f);
        Tensor y = c.forward(ops.upload(IMAGE, 1, 1, 5, 5), false);
        assertThat(y.shape()).containsExactly(1, 1, 2, 2);
        assertThat(y.toArray()).containsExactly(-2, 3, -2, -1);
    }

    /** Seed 002, "Stride 2 Example – With Padding": a 3×3 output beginning −1, 2 / 3 as on the slide. */
    @Test
    void strideTwoWithPadding() {
        Conv2d c = new Conv2d(1, 1, 3).stride(2).padding(1);
        c.bind(ops, new SplittableRandom(0));
        c.weight().set(KERNEL);
        c.bias().set(0f);
        Tensor y = c.forward(ops.upload(IMAGE, 1, 1, 5, 5), false);
        assertThat(y.shape()).containsExactly(1, 1, 3, 3);
        assertThat(y.toArray()).containsExactly(-1, 2, -2, 3, 5, 2, 1, 4, 2);
    }

    // ---------------------------------------------------------------- seed 003

    /** Seed 003's softmax: logits [2.0, 1.0, 0.1] → p = [0.7, 0.2, 0.1] on the slide, which rounds 0.659, 0.242, 0.099. */
    @Test
    void theSoftmaxOfTwoOneAndATenth() {
        Softmax s = new Softmax();
        s.bind(ops, null);
        float[] p = s.forward(ops.upload(new float[] {2.0f, 1.0f, 0.1f}, 1, 3), false).toArray();
        assertThat(p[0]).isCloseTo(0.65900f, within(1e-5f));
        assertThat(p[1]).isCloseTo(0.24243f, within(1e-5f));
        assertThat(p[2]).isCloseTo(0.09857f, within(1e-5f));
        assertThat(new long[] {Math.round(p[0] * 10), Math.round(p[1] * 10), Math.round(p[2] * 10)}).as("to one digit, the slide's")
                .containsExactly(7, 2, 1);
    }

    /**
     * Seed 003, face pose recognition: "Find the total number of weights in this neural network solution." 30×32 = 960
     * inputs, 3 sigmoid hidden units, 4 sigmoid outputs: 960·3 + 3 + 3·4 + 4 = 2,899 weights with the biases (2,892 without).
     */
    @Test
    void theFacePoseNetworkHas2899Weights() {
        Sequential net = Sequential.mlp(ActivationLayer::sigmoid, 30 * 32, 3, 4).bind(ops, 1);
        assertThat(net.parameterCount()).isEqualTo(2_899);
        long biases = 3 + 4;
        assertThat(net.parameterCount() - biases).isEqualTo(2_892);
        assertThat(net.outputShape(new int[] {960})).containsExactly(4);
    }
}
