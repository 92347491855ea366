package dev.nabla.init;

import java.util.random.RandomGenerator;

/** The sampling loops and checks behind {@link Initializer}'s menu. */
final class Inits {
    private Inits() {}

    /** An initializer with a name (for toString and error messages). */
    record Named(String name, Initializer body) implements Initializer {
        @Override
        public void fill(float[] w, int fanIn, int fanOut, RandomGenerator rng) { body.fill(w, fanIn, fanOut, rng); }

        @Override
        public String toString() { return name; }
    }

    /** w_i ~ U(−a, a). */
    static void uniform(float[] w, double a, RandomGenerator rng) {
        for (int i = 0; i < w.length; i++) w[i] = (float) rng.nextDouble(-a, a);
    }

    /** w_i ~ N(0, σ²). */
    static void gaussian(float[] w, double sigma, RandomGenerator rng) {
        for (int i = 0; i < w.length; i++) w[i] = (float) (sigma * rng.nextGaussian());
    }

    static int fan(String init, String which, int fan) {
        if (fan < 1) throw new IllegalArgumentException(init + " initializer needs " + which + " ≥ 1, got " + fan);
        return fan;
    }

    static int fanSum(String init, int fanIn, int fanOut) {
        return fan(init, "fanIn", fanIn) + fan(init, "fanOut", fanOut);
    }

    static void requirePositive(String init, String what, double v) {
        if (!(v > 0) || !Double.isFinite(v)) throw new IllegalArgumentException(init + " initializer needs " + what + " > 0, got " + v);
    }

    /** √(2/(1 + s²)): the gain that keeps a leaky ReLU's output variance equal to its input's. */
    static double leakyReluGain(float negativeSlope) {
        if (!Float.isFinite(negativeSlope)) throw new IllegalArgumentException("Kaiming initializer needs a finite negative slope, got " + negativeSlope);
        return Math.sqrt(2.0 / (1 + (double) negativeSlope * negativeSlope));
    }
}
