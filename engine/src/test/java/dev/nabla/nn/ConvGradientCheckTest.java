package dev.nabla.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** Central-difference gradient checks of Conv2d, the poolings, Flatten and Dropout, and a negative test of the checker. */
class ConvGradientCheckTest {
    private final Backend ops = new ReferenceBackend();

    static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    /** Distinct values 0.05 apart in random order, so that no ε-step of the check changes a max-pool's arg-max. */
    static float[] distinct(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (i - n / 2) * 0.05f;
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            float t = a[i]; a[i] = a[j]; a[j] = t;
        }
        return a;
    }

    private List<String> check(Layer layer, int... shape) {
        return check(layer, gaussian(Tensor.sizeOf(shape), 7), shape);
    }

    private List<String> check(Layer layer, float[] x, int... shape) {
        layer.bind(ops, new SplittableRandom(3));
        if (layer instanceof Conv2d c && c.bias() != null) {   // a non-zero bias, so a dropped bias term shows
            ops.upload(gaussian(c.bias().size(), 5), 0, c.bias().value());
        }
        return CentralDifference.mismatches(layer, ops, x, shape, 11, () -> {});
    }

    @Test
    void convWithStrideTwoAndPadding() {
        assertThat(check(new Conv2d(3, 4, 3).stride(2).padding(1), 2, 3, 7, 7)).isEmpty();
    }

    @Test
    void convWithNonSquareKernelAndPerAxisStrideAndPadding() {
        assertThat(check(new Conv2d(2, 3, 2, 3).stride(2, 1).padding(1, 0), 2, 2, 6, 8)).isEmpty();
    }

    @Test
    void convWithSamePadding() {
        assertThat(check(new Conv2d(2, 2, 3, 5).same(), 1, 2, 5, 6)).isEmpty();
    }

    @Test
    void convWithFloorSemanticsAndNoBias() {
        Conv2d c = new Conv2d(1, 2, 3).stride(3).floor().withoutBias();
        assertThat(check(c, 2, 1, 7, 7)).isEmpty();
        assertThat(c.params()).hasSize(1);
    }

    @Test
    void convOneByOne() {
        assertThat(check(new Conv2d(4, 3, 1), 2, 4, 3, 3)).isEmpty();
    }

    @Test
    void maxPoolNonOverlapping() {
        assertThat(check(new MaxPool2d(2), distinct(2 * 3 * 6 * 6, 1), 2, 3, 6, 6)).isEmpty();
    }

    @Test
    void maxPoolOverlappingWithPaddingAndNonSquareWindow() {
        assertThat(check(new MaxPool2d(3).stride(2).padding(1), distinct(2 * 2 * 7 * 7, 2), 2, 2, 7, 7)).isEmpty();
        assertThat(check(new MaxPool2d(3, 2).stride(1, 2), distinct(1 * 2 * 5 * 6, 3), 1, 2, 5, 6)).isEmpty();
    }

    @Test
    void avgPool() {
        assertThat(check(new AvgPool2d(2), 2, 3, 6, 6)).isEmpty();
        assertThat(check(new AvgPool2d(3, 2).stride(2, 1).padding(1, 0), 2, 2, 5, 4)).isEmpty();
    }

    @Test
    void flatten() {
        assertThat(check(new Flatten(), 3, 2, 3, 4)).isEmpty();
    }

    @Test
    void dropoutInTrainingModeWithItsMaskHeldFixed() {
        Dropout d = new Dropout(0.4f);
        d.bind(ops, new SplittableRandom(1));
        List<String> bad = CentralDifference.mismatches(d, ops, gaussian(60, 9), new int[] {4, 15}, 3, () -> d.reseed(77));
        assertThat(bad).isEmpty();
    }

    @Test
    void aSmallCnnEndToEnd() {
        Sequential net = new Sequential(new Conv2d(2, 3, 3).padding(1), ActivationLayer.tanh(), new AvgPool2d(2),
                new Conv2d(3, 2, 2, 1), ActivationLayer.tanh(), new AvgPool2d(1, 2), new Flatten(), new Dense(2 * 1 * 1, 3));
        assertThat(check(net, distinct(2 * 2 * 4 * 4, 4), 2, 2, 4, 4)).isEmpty();
        // max pooling first, on distinct inputs: inside a net its inputs could tie within ε and make the check straddle a kink
        Sequential withMax = new Sequential(new MaxPool2d(2), new Conv2d(2, 3, 2).padding(1), ActivationLayer.tanh(),
                new Flatten(), new Dense(3 * 3 * 3, 2));
        assertThat(check(withMax, distinct(2 * 2 * 4 * 4, 5), 2, 2, 4, 4)).isEmpty();
    }

    /** The checker must catch a wrong backward pass: here a convolution whose ∂E/∂x is 1% too large, and one that drops ∂E/∂b. */
    @Test
    void theCheckerCatchesWrongGradients() {
        Layer tooLarge = new Broken(new Conv2d(2, 2, 3).padding(1), 1.01f, false);
        List<String> bad = check(tooLarge, 1, 2, 4, 4);
        assertThat(bad).isNotEmpty().allMatch(s -> s.startsWith("∂E/∂x"));

        Layer noBias = new Broken(new Conv2d(2, 2, 3).padding(1), 1f, true);
        bad = check(noBias, 1, 2, 4, 4);
        assertThat(bad).isNotEmpty().allMatch(s -> s.contains(".b["));
    }

    /** A convolution with a deliberately wrong backward pass. */
    private static final class Broken implements Layer {
        private final Conv2d inner;
        private final float scaleDx;
        private final boolean dropBiasGrad;

        Broken(Conv2d inner, float scaleDx, boolean dropBiasGrad) {
            this.inner = inner;
            this.scaleDx = scaleDx;
            this.dropBiasGrad = dropBiasGrad;
        }

        public void bind(Backend ops, RandomGenerator rng) {
            inner.bind(ops, rng);
            ops.upload(gaussian(inner.bias().size(), 5), 0, inner.bias().value());
        }

        public int[] outputShape(int[] s) { return inner.outputShape(s); }

        public Tensor forward(Tensor x, boolean training) { return inner.forward(x, training); }

        public Tensor backward(Tensor dy) {
            Tensor dx = inner.backward(dy);
            dx.backend().scale(dx, scaleDx);
            if (dropBiasGrad) dx.backend().fill(inner.bias().grad(), 0f);
            return dx;
        }

        public List<Param> params() { return inner.params(); }
    }
}
