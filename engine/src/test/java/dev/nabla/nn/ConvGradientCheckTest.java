package dev.nabla.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.check.GradientCheck;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** Central-difference gradient checks ({@link GradientCheck}) of Conv2d, the poolings, Flatten and Dropout, and a negative test of the checker. */
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

    /**
     * The public {@link GradientCheck} with h = 1e-2 and the error scaled by max(1, |analytic|, |numeric|) (floor 1):
     * a part passes when |analytic − numeric| < {@link #TOL}·max(1, |analytic|, |numeric|) for each of its elements.
     */
    static final double TOL = 2e-3;

    private GradientCheck.Result check(Layer layer, int... shape) {
        return check(layer, gaussian(Tensor.sizeOf(shape), 7), shape);
    }

    private GradientCheck.Result check(Layer layer, float[] x, int... shape) {
        layer.bind(ops, new SplittableRandom(3));
        if (layer instanceof Conv2d c && c.bias() != null) {   // a non-zero bias, so a dropped bias term shows
            ops.upload(gaussian(c.bias().size(), 5), 0, c.bias().value());
        }
        return new GradientCheck().floor(1).seed(11).checkLayer(layer, ops.upload(x, shape));
    }

    /** The names of the parts (input, parameters) whose error is not below {@link #TOL}. */
    private static List<String> failing(GradientCheck.Result r) {
        return r.parts().stream().filter(p -> !(p.maxRelError() < TOL)).map(GradientCheck.Part::name).toList();
    }

    @Test
    void convWithStrideTwoAndPadding() {
        check(new Conv2d(3, 4, 3).stride(2).padding(1), 2, 3, 7, 7).assertBelow(TOL);
    }

    @Test
    void convWithNonSquareKernelAndPerAxisStrideAndPadding() {
        check(new Conv2d(2, 3, 2, 3).stride(2, 1).padding(1, 0), 2, 2, 6, 8).assertBelow(TOL);
    }

    @Test
    void convWithSamePadding() {
        check(new Conv2d(2, 2, 3, 5).same(), 1, 2, 5, 6).assertBelow(TOL);
    }

    @Test
    void convWithFloorSemanticsAndNoBias() {
        Conv2d c = new Conv2d(1, 2, 3).stride(3).floor().withoutBias();
        check(c, 2, 1, 7, 7).assertBelow(TOL);
        assertThat(c.params()).hasSize(1);
    }

    @Test
    void convOneByOne() {
        check(new Conv2d(4, 3, 1), 2, 4, 3, 3).assertBelow(TOL);
    }

    @Test
    void maxPoolNonOverlapping() {
        check(new MaxPool2d(2), distinct(2 * 3 * 6 * 6, 1), 2, 3, 6, 6).assertBelow(TOL);
    }

    @Test
    void maxPoolOverlappingWithPaddingAndNonSquareWindow() {
        check(new MaxPool2d(3).stride(2).padding(1), distinct(2 * 2 * 7 * 7, 2), 2, 2, 7, 7).assertBelow(TOL);
        check(new MaxPool2d(3, 2).stride(1, 2), distinct(1 * 2 * 5 * 6, 3), 1, 2, 5, 6).assertBelow(TOL);
    }

    @Test
    void avgPool() {
        check(new AvgPool2d(2), 2, 3, 6, 6).assertBelow(TOL);
        check(new AvgPool2d(3, 2).stride(2, 1).padding(1, 0), 2, 2, 5, 4).assertBelow(TOL);
    }

    @Test
    void flatten() {
        check(new Flatten(), 3, 2, 3, 4).assertBelow(TOL);
    }

    @Test
    void dropoutInTrainingModeWithItsMaskHeldFixed() {
        Dropout d = new Dropout(0.4f);
        d.bind(ops, new SplittableRandom(1));
        Layer reseeded = new Layer() {                         // the same mask on every forward pass of the check
            public void bind(Backend b, RandomGenerator rng) {}

            public int[] outputShape(int[] in) { return d.outputShape(in); }

            public Tensor forward(Tensor x, boolean training) { return d.reseed(77).forward(x, training); }

            public Tensor backward(Tensor dy) { return d.backward(dy); }
        };
        new GradientCheck().floor(1).seed(3).checkLayer(reseeded, ops.upload(gaussian(60, 9), 4, 15)).assertBelow(TOL);
    }

    @Test
    void aSmallCnnEndToEnd() {
        Sequential net = new Sequential(new Conv2d(2, 3, 3).padding(1), ActivationLayer.tanh(), new AvgPool2d(2),
                new Conv2d(3, 2, 2, 1), ActivationLayer.tanh(), new AvgPool2d(1, 2), new Flatten(), new Dense(2 * 1 * 1, 3));
        check(net, distinct(2 * 2 * 4 * 4, 4), 2, 2, 4, 4).assertBelow(TOL);
        // max pooling first, on distinct inputs: inside a net its inputs could tie within ε and make the check straddle a kink
        Sequential withMax = new Sequential(new MaxPool2d(2), new Conv2d(2, 3, 2).padding(1), ActivationLayer.tanh(),
                new Flatten(), new Dense(3 * 3 * 3, 2));
        check(withMax, distinct(2 * 2 * 4 * 4, 5), 2, 2, 4, 4).assertBelow(TOL);
    }

    /** The checker must catch a wrong backward pass: here a convolution whose ∂E/∂x is 1% too large, and one that drops ∂E/∂b. */
    @Test
    void theCheckerCatchesWrongGradients() {
        Layer tooLarge = new Broken(new Conv2d(2, 2, 3).padding(1), 1.01f, false);
        assertThat(failing(check(tooLarge, 1, 2, 4, 4))).containsExactly("input");

        Layer noBias = new Broken(new Conv2d(2, 2, 3).padding(1), 1f, true);
        assertThat(failing(check(noBias, 1, 2, 4, 4))).singleElement().asString().endsWith(".b");
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
