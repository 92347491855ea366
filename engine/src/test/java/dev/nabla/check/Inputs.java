package dev.nabla.check;

import java.util.SplittableRandom;

/** Seeded test inputs that keep clear of the kinks where central differences are meaningless. */
public final class Inputs {
    private Inputs() {}

    /** n values uniform in [lo, hi), each at least {@code margin} away from every kink. */
    public static float[] awayFrom(long seed, int n, float lo, float hi, float margin, float... kinks) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            float x;
            boolean ok;
            do {
                x = (float) rng.nextDouble(lo, hi);
                ok = true;
                for (float k : kinks) if (Math.abs(x - k) < margin) ok = false;
            } while (!ok);
            v[i] = x;
        }
        return v;
    }

    /** n values uniform in [lo, hi). */
    public static float[] uniform(long seed, int n, float lo, float hi) {
        return awayFrom(seed, n, lo, hi, 0f);
    }
}
