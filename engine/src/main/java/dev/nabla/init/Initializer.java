package dev.nabla.init;

import java.util.random.RandomGenerator;

/**
 * Fills a weight array on the host before it is uploaded (seed 001's menu of initialisations).
 * fanIn / fanOut: inputs and outputs per unit (for a convolution, C_in·kH·kW and C_out·kH·kW).
 */
@FunctionalInterface
public interface Initializer {
    void fill(float[] w, int fanIn, int fanOut, RandomGenerator rng);

    /** All zeros (biases; never for weights of hidden layers, which would then stay symmetric). */
    Initializer ZEROS = (w, fanIn, fanOut, rng) -> java.util.Arrays.fill(w, 0f);

    /** Glorot/Xavier uniform: U(−a, a) with a = √(6/(fanIn + fanOut)). */
    Initializer GLOROT_UNIFORM = (w, fanIn, fanOut, rng) -> {
        double a = Math.sqrt(6.0 / (fanIn + fanOut));
        for (int i = 0; i < w.length; i++) w[i] = (float) rng.nextDouble(-a, a);
    };

    /** Kaiming/He uniform for ReLU: U(−a, a) with a = √(6/fanIn). */
    Initializer KAIMING_UNIFORM = (w, fanIn, fanOut, rng) -> {
        double a = Math.sqrt(6.0 / fanIn);
        for (int i = 0; i < w.length; i++) w[i] = (float) rng.nextDouble(-a, a);
    };
}
