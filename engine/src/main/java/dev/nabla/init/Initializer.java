package dev.nabla.init;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Fills a weight array on the host before it is uploaded (seed 001's menu of initialisations). All randomness comes
 * from the {@link RandomGenerator} passed in, so a seeded generator gives the same weights every run.
 *
 * <p>fanIn / fanOut: the inputs and outputs per unit, as PyTorch computes them ({@link #fans(int...)}): a dense
 * weight [out, in] has fanIn = in, fanOut = out; a convolution kernel [out, in, kH, kW] has fanIn = in·kH·kW and
 * fanOut = out·kH·kW.
 */
@FunctionalInterface
public interface Initializer {
    void fill(float[] w, int fanIn, int fanOut, RandomGenerator rng);

    /** Fills a weight of the given shape ([out, in] or [out, in, k…]), taking fanIn and fanOut from {@link #fans}. */
    default void fill(float[] w, int[] shape, RandomGenerator rng) {
        if (w.length != dev.nabla.backend.Tensor.sizeOf(shape)) {
            throw new IllegalArgumentException(this + ": " + w.length + " weights do not fill shape " + Arrays.toString(shape));
        }
        int[] f = fans(shape);
        fill(w, f[0], f[1], rng);
    }

    /**
     * {fanIn, fanOut} of a weight shaped [out, in, k₁, k₂, …]: fanIn = in·Πk, fanOut = out·Πk (PyTorch's
     * _calculate_fan_in_and_fan_out). A weight needs at least two axes.
     */
    static int[] fans(int... shape) {
        if (shape.length < 2) {
            throw new IllegalArgumentException("fan-in and fan-out need a weight shape [out, in, …] with ≥ 2 axes, got " + Arrays.toString(shape));
        }
        long receptive = 1;
        for (int k = 2; k < shape.length; k++) receptive *= shape[k];
        return new int[] {Math.toIntExact(shape[1] * receptive), Math.toIntExact(shape[0] * receptive)};
    }

    /** All zeros (biases; never for weights of hidden layers, which would then stay symmetric). */
    Initializer ZEROS = new Inits.Named("zeros", (w, fanIn, fanOut, rng) -> Arrays.fill(w, 0f));

    /** Glorot/Xavier uniform: U(−a, a) with a = √(6/(fanIn + fanOut)), so Var(w) = 2/(fanIn + fanOut). */
    Initializer GLOROT_UNIFORM = new Inits.Named("Glorot uniform", (w, fanIn, fanOut, rng) ->
            Inits.uniform(w, Math.sqrt(6.0 / Inits.fanSum("Glorot uniform", fanIn, fanOut)), rng));

    /** Glorot/Xavier normal: N(0, σ²) with σ = √(2/(fanIn + fanOut)). */
    Initializer GLOROT_NORMAL = new Inits.Named("Glorot normal", (w, fanIn, fanOut, rng) ->
            Inits.gaussian(w, Math.sqrt(2.0 / Inits.fanSum("Glorot normal", fanIn, fanOut)), rng));

    /** Kaiming/He uniform for ReLU: U(−a, a) with a = √(6/fanIn), so Var(w) = 2/fanIn. */
    Initializer KAIMING_UNIFORM = kaimingUniform(0f);

    /** Kaiming/He normal for ReLU: N(0, σ²) with σ = √(2/fanIn). */
    Initializer KAIMING_NORMAL = kaimingNormal(0f);

    /** U(−a, a) for a fixed a > 0 (seed 001's "uniform"). */
    static Initializer uniform(double a) {
        Inits.requirePositive("uniform", "bound a", a);
        return new Inits.Named("uniform(" + a + ")", (w, fanIn, fanOut, rng) -> Inits.uniform(w, a, rng));
    }

    /** N(0, σ²) for a fixed σ > 0 (seed 001's "gaussian"). */
    static Initializer gaussian(double sigma) {
        Inits.requirePositive("gaussian", "σ", sigma);
        return new Inits.Named("gaussian(" + sigma + ")", (w, fanIn, fanOut, rng) -> Inits.gaussian(w, sigma, rng));
    }

    /** Every weight = c (e.g. PReLU's initial slope 0.25). */
    static Initializer constant(float c) {
        return new Inits.Named("constant(" + c + ")", (w, fanIn, fanOut, rng) -> Arrays.fill(w, c));
    }

    /**
     * Kaiming/He uniform for a (leaky) ReLU of negative slope s: gain = √(2/(1 + s²)), U(−a, a) with
     * a = gain·√(3/fanIn) (PyTorch's kaiming_uniform_ with a = s, fan_in mode).
     */
    static Initializer kaimingUniform(float negativeSlope) {
        double gain = Inits.leakyReluGain(negativeSlope);
        String name = negativeSlope == 0 ? "Kaiming uniform" : "Kaiming uniform(slope " + negativeSlope + ")";
        return new Inits.Named(name, (w, fanIn, fanOut, rng) ->
                Inits.uniform(w, gain * Math.sqrt(3.0 / Inits.fan(name, "fanIn", fanIn)), rng));
    }

    /** Kaiming/He normal for a (leaky) ReLU of negative slope s: N(0, σ²) with σ = gain/√fanIn, gain = √(2/(1 + s²)). */
    static Initializer kaimingNormal(float negativeSlope) {
        double gain = Inits.leakyReluGain(negativeSlope);
        String name = negativeSlope == 0 ? "Kaiming normal" : "Kaiming normal(slope " + negativeSlope + ")";
        return new Inits.Named(name, (w, fanIn, fanOut, rng) ->
                Inits.gaussian(w, gain / Math.sqrt(Inits.fan(name, "fanIn", fanIn)), rng));
    }
}
