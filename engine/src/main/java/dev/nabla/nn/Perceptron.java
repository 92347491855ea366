package dev.nabla.nn;

import dev.nabla.backend.Activation;
import dev.nabla.backend.ReferenceBackend;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Rosenblatt's perceptron (seeds 002 and 004): one threshold unit trained by the perceptron learning rule, on the host.
 * <pre>
 *   z = w₀x₀ + w₁x₁ + … + w_m x_m = wᵀx     with the bias unit x₀ = 1 (w₀ = −θ, the threshold brought to the left)
 *   y = φ(z)                                 step: 1 if z ≥ 0 else 0;   sign: 1 if z ≥ 0 else −1
 *   w ← w + η (d − y) x                      for each sample; nothing changes when y = d
 * </pre>
 * The rule needs no derivative (φ has none worth the name), and by the perceptron convergence theorem it finds a
 * separating hyperplane in finitely many updates whenever the classes are linearly separable (AND, OR, NOT,
 * majority). XOR is not linearly separable, so no weight vector classifies all four points and the rule never
 * settles (Minsky and Papert, 1969) — that takes a hidden layer and backprop.
 */
public final class Perceptron {
    private final Activation phi;
    private final float eta;
    private final float[] w;                                     // w[0] is the bias weight w₀, for x₀ = 1

    /** A perceptron over {@code inputs} inputs with all weights zero. */
    public Perceptron(int inputs, Activation output, float eta) {
        this(inputs, output, eta, null);
    }

    /** A perceptron over {@code inputs} inputs with weights drawn uniformly from [−½, ½) with {@code seed}. */
    public Perceptron(int inputs, Activation output, float eta, long seed) {
        this(inputs, output, eta, new SplittableRandom(seed));
    }

    private Perceptron(int inputs, Activation output, float eta, SplittableRandom rng) {
        if (inputs < 1) throw new IllegalArgumentException("Perceptron needs ≥ 1 input, got " + inputs);
        if (output != Activation.STEP && output != Activation.SIGN) {
            throw new IllegalArgumentException("Perceptron output must be STEP or SIGN, got " + output);
        }
        if (!(eta > 0) || !Float.isFinite(eta)) throw new IllegalArgumentException("Perceptron learning rate η must be > 0, got " + eta);
        this.phi = output;
        this.eta = eta;
        this.w = new float[inputs + 1];
        if (rng != null) for (int i = 0; i < w.length; i++) w[i] = (float) rng.nextDouble(-0.5, 0.5);
    }

    public int inputs() { return w.length - 1; }

    public Activation output() { return phi; }

    /** A copy of (w₀, w₁, …, w_m), w₀ being the bias weight. */
    public float[] weights() { return w.clone(); }

    /** z = w₀·1 + Σ_i w_i x_i. */
    public float net(float[] x) {
        if (x.length != inputs()) {
            throw new IllegalArgumentException("Perceptron(" + inputs() + " inputs) got a sample of " + x.length + " values: " + Arrays.toString(x));
        }
        float z = w[0];                                          // w₀x₀ with x₀ = 1
        for (int i = 0; i < x.length; i++) z += w[i + 1] * x[i];
        return z;
    }

    /** y = φ(z): 0/1 for step, −1/1 for sign. */
    public float predict(float[] x) { return ReferenceBackend.apply(phi, net(x)); }

    /** One application of the learning rule; returns true if the sample was misclassified (and the weights moved). */
    public boolean learn(float[] x, float d) {
        checkTarget(d);
        float y = predict(x);
        if (y == d) return false;
        float c = eta * (d - y);                                 // η (d − y)
        w[0] += c;                                               // w₀ ← w₀ + η (d − y)·1
        for (int i = 0; i < x.length; i++) w[i + 1] += c * x[i]; // w_i ← w_i + η (d − y) x_i
        return true;
    }

    /** One pass over the samples in order; returns how many were misclassified when presented. */
    public int epoch(float[][] xs, float[] ds) {
        return epoch(xs, ds, null);
    }

    /**
     * One pass over the samples in an order shuffled by {@code rng} (in order if null); returns how many were
     * misclassified when presented. Shuffle when the samples come sorted by class: in order, the rule chases the last
     * run of one class and ends each epoch tilted towards it.
     */
    public int epoch(float[][] xs, float[] ds, SplittableRandom rng) {
        if (xs.length != ds.length) throw new IllegalArgumentException("Perceptron: " + xs.length + " samples but " + ds.length + " targets");
        if (xs.length == 0) throw new IllegalArgumentException("Perceptron: no samples to learn from");
        int[] order = new int[xs.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        if (rng != null) {
            for (int i = order.length - 1; i > 0; i--) {               // Fisher–Yates
                int j = rng.nextInt(i + 1), t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        int errors = 0;
        for (int p : order) if (learn(xs[p], ds[p])) errors++;
        return errors;
    }

    /**
     * Runs epochs until one makes no mistake (converged) or {@code maxEpochs} have run; returns the number of
     * mistakes of every epoch, so {@code log.getLast() == 0} means converged.
     */
    public List<Integer> train(float[][] xs, float[] ds, int maxEpochs) {
        if (maxEpochs < 1) throw new IllegalArgumentException("maxEpochs must be ≥ 1, got " + maxEpochs);
        List<Integer> log = new ArrayList<>();
        for (int e = 0; e < maxEpochs; e++) {
            int errors = epoch(xs, ds);
            log.add(errors);
            if (errors == 0) break;
        }
        return log;
    }

    /** The fraction of samples the current weights classify correctly. */
    public float accuracy(float[][] xs, float[] ds) {
        if (xs.length != ds.length || xs.length == 0) throw new IllegalArgumentException("Perceptron: " + xs.length + " samples, " + ds.length + " targets");
        int ok = 0;
        for (int p = 0; p < xs.length; p++) if (predict(xs[p]) == ds[p]) ok++;
        return (float) ok / xs.length;
    }

    private void checkTarget(float d) {
        boolean ok = phi == Activation.STEP ? (d == 0 || d == 1) : (d == -1 || d == 1);
        if (!ok) {
            throw new IllegalArgumentException("Perceptron with " + phi + " output needs targets " + (phi == Activation.STEP ? "0 or 1" : "−1 or 1")
                    + ", got " + d);
        }
    }

    @Override
    public String toString() { return "Perceptron(" + inputs() + " inputs, " + phi + ", η = " + eta + ", w = " + Arrays.toString(w) + ")"; }
}
