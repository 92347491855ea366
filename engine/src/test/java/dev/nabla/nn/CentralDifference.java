package dev.nabla.nn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A small numerical gradient check for layer tests (central differences, as cs231n's gradient_check.py): with a fixed
 * random r and the scalar E = Σ y ⊙ r (so ∂E/∂y = r), compares the layer's backward pass against
 * ∂E/∂θ ≈ (E(θ + ε) − E(θ − ε)) / 2ε for every input element and every parameter element.
 * E is accumulated in double on the host, so float32 rounding stays far below the tolerance.
 */
final class CentralDifference {
    private CentralDifference() {}

    static final double EPS = 1e-2;
    static final double TOL = 2e-3;

    /** Called before every forward pass (e.g. to reseed a dropout layer so each pass draws the same mask). */
    interface BeforeForward {
        void run();
    }

    /**
     * Runs the check and returns one line per element whose analytic and numerical derivatives differ by more than
     * TOL·max(1, |a|, |n|); an empty list means the backward pass is right.
     */
    static List<String> mismatches(Layer layer, Backend ops, float[] xHost, int[] xShape, long seed, BeforeForward before) {
        Tensor x = ops.upload(xHost, xShape);
        before.run();
        Tensor y = layer.forward(x, true);
        SplittableRandom rng = new SplittableRandom(seed);
        float[] r = new float[y.size()];
        for (int i = 0; i < r.length; i++) r[i] = (float) rng.nextDouble(-1, 1);
        for (Param p : layer.params()) p.zeroGrad();
        float[] dx = layer.backward(ops.upload(r, y.shape())).toArray();

        List<String> bad = new ArrayList<>();
        float[] xs = xHost.clone();
        for (int i = 0; i < xs.length; i++) {
            double n = numeric(layer, ops, x, x, xs, i, r, before);
            compare("∂E/∂x[" + i + "]", dx[i], n, bad);
        }
        for (Param p : layer.params()) {
            float[] g = p.grad().toArray();
            float[] v = p.value().toArray();
            for (int i = 0; i < v.length; i++) {
                double n = numeric(layer, ops, x, p.value(), v, i, r, before);
                compare("∂E/∂" + p.name() + "[" + i + "]", g[i], n, bad);
            }
        }
        return bad;
    }

    /** (E(θ_i + ε) − E(θ_i − ε)) / 2ε, where θ is {@code target} (the input x or a parameter), held on the host in {@code host}. */
    private static double numeric(Layer layer, Backend ops, Tensor x, Tensor target, float[] host, int i, float[] r,
                                  BeforeForward before) {
        float keep = host[i];
        host[i] = (float) (keep + EPS);
        double plus = energy(layer, ops, x, target, host, r, before);
        host[i] = (float) (keep - EPS);
        double minus = energy(layer, ops, x, target, host, r, before);
        host[i] = keep;
        ops.upload(host, 0, target);
        return (plus - minus) / (2 * EPS);
    }

    /** E = Σ y ⊙ r in double, after a forward pass with {@code host} uploaded into {@code target}. */
    private static double energy(Layer layer, Backend ops, Tensor x, Tensor target, float[] host, float[] r, BeforeForward before) {
        ops.upload(host, 0, target);
        before.run();
        float[] y = layer.forward(x, true).toArray();
        double e = 0;
        for (int k = 0; k < y.length; k++) e += (double) y[k] * r[k];
        return e;
    }

    private static void compare(String what, double a, double n, List<String> bad) {
        if (Math.abs(a - n) > TOL * Math.max(1, Math.max(Math.abs(a), Math.abs(n)))) {
            bad.add(String.format("%s: backward %.6f, central difference %.6f", what, a, n));
        }
    }
}
