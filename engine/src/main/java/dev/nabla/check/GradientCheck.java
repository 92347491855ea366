package dev.nabla.check;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.loss.Loss;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Param;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * Numerical gradient check by central differences: the test that a layer's hand-written backward pass is the
 * derivative of its forward pass (cs231n's {@code gradient_check.py}, as public API for the classroom).
 *
 * <p>For a layer, the checker turns the output y into a scalar with a fixed random projection r,
 * L(x, θ) = Σ_i r_i · y_i, so that ∂L/∂y = r. One backward pass with δ = r gives the analytic gradients ∂L/∂x and
 * ∂L/∂θ for every {@link Param} θ; then every element v of x and of each θ is nudged both ways and
 * <pre>
 *     ∂L/∂v ≈ (L(v + h) − L(v − h)) / 2h          (error O(h²), against O(h) for a one-sided difference)
 * </pre>
 * Tensors are float32, so the forward passes run in float; everything the checker computes itself runs in double:
 * L is summed in double, and 2h is the difference actually stored ({@code (double) float(v + h) − float(v − h)}),
 * not the h that was asked for. The comparison uses the relative error
 * <pre>
 *     |analytic − numeric| / max(|analytic|, |numeric|, floor)
 * </pre>
 * where the floor (default 1e-2) keeps float rounding on gradients near zero from reading as a large relative error.
 *
 * <p>Central differences assume the function is smooth within ±h of the point: choose inputs at least 2h away from
 * kinks (ReLU and PReLU at 0, piecewise-linear at ±½, step and sign at 0). The layer must be deterministic between
 * calls of {@code forward(x, true)} (a dropout layer must reuse its mask).
 *
 * <pre>{@code
 * GradientCheck.layer(new Dense(3, 2), ops.upload(x, 4, 3)).assertBelow(1e-2);
 * }</pre>
 *
 * <p>{@link Param#frozen() Frozen} parameters have no gradient by design (it stays 0): they are not checked; the input
 * and every trainable parameter are.
 */
public final class GradientCheck {
    private double step = 1e-2;
    private double floor = 1e-2;
    private int maxPerPart = Integer.MAX_VALUE;
    private long seed = 1234;

    /** A checker with h = 1e-2, floor 1e-2, every element checked, projection seed 1234. */
    public GradientCheck() {}

    /** The finite-difference step h (default 1e-2, a good compromise for float32 forward passes). */
    public GradientCheck step(double h) {
        if (!(h > 0) || !Double.isFinite(h)) throw new IllegalArgumentException("gradient check step must be > 0, got " + h);
        this.step = h; return this;
    }

    /** The denominator floor of the relative error (default 1e-2). */
    public GradientCheck floor(double f) {
        if (!(f > 0)) throw new IllegalArgumentException("gradient check floor must be > 0, got " + f);
        this.floor = f; return this;
    }

    /** Checks at most n elements of each tensor (an evenly strided subset), for large layers. */
    public GradientCheck maxPerPart(int n) {
        if (n < 1) throw new IllegalArgumentException("maxPerPart must be ≥ 1, got " + n);
        this.maxPerPart = n; return this;
    }

    /** Seed of the random projection r. */
    public GradientCheck seed(long s) { this.seed = s; return this; }

    /** How one tensor's analytic gradient compared with the numeric one. */
    public record Part(String name, int checked, double maxRelError, int worstIndex, double analytic, double numeric) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s: max rel. error %.3e at [%d] (analytic %.6g, numeric %.6g; %d checked)",
                    name, maxRelError, worstIndex, analytic, numeric, checked);
        }
    }

    /** The outcome of one check: one {@link Part} per tensor (the input, then each parameter). */
    public record Result(String subject, List<Part> parts) {
        public Result {
            parts = List.copyOf(parts);
        }

        /** The largest relative error over all parts (0 if nothing was checked). */
        public double maxRelError() {
            double m = 0;
            for (Part p : parts) m = Math.max(m, p.maxRelError());
            return m;
        }

        /** The part of that name: "input" (a layer), "output" (a loss) or a parameter's name such as "Dense(3→2).W". */
        public Part part(String name) {
            for (Part p : parts) if (p.name().equals(name)) return p;
            throw new IllegalArgumentException("no part '" + name + "' in " + this);
        }

        /** Throws an {@link AssertionError} naming every part whose maximum relative error is not below {@code tol}. */
        public Result assertBelow(double tol) {
            List<String> bad = new ArrayList<>();
            for (Part p : parts) if (!(p.maxRelError() < tol)) bad.add(p.toString());
            if (!bad.isEmpty()) {
                throw new AssertionError("gradient check of " + subject + " failed (tolerance " + tol + "):\n  "
                        + String.join("\n  ", bad));
            }
            return this;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("gradient check of ").append(subject);
            for (Part p : parts) sb.append("\n  ").append(p);
            return sb.toString();
        }
    }

    /** {@code new GradientCheck().checkLayer(layer, x)}. */
    public static Result layer(Layer layer, Tensor x) { return new GradientCheck().checkLayer(layer, x); }

    /** {@code new GradientCheck().checkLoss(loss, y, target)}. */
    public static Result loss(Loss loss, Tensor y, Tensor target) { return new GradientCheck().checkLoss(loss, y, target); }

    /**
     * Checks ∂L/∂x and ∂L/∂θ of a layer that is already bound to x's backend. Restores x and every parameter
     * afterwards; leaves each parameter's gradient holding the analytic gradient of L.
     */
    public Result checkLayer(Layer layer, Tensor x) {
        Backend ops = x.backend();
        Tensor y0 = layer.forward(x, true);
        float[] r = projection(y0.size());
        Tensor dy = ops.upload(r, y0.shape());
        List<Param> params = Param.trainable(layer.params());
        for (Param p : params) p.zeroGrad();
        Tensor dx = layer.backward(dy);                               // analytic: δ = ∂L/∂y = r
        if (dx.size() != x.size()) {
            throw new IllegalStateException(layer.name() + ".backward returned " + dx.shapeString() + " for input " + x.shapeString());
        }
        float[] analyticX = dx.toArray();
        List<float[]> analyticP = new ArrayList<>();
        for (Param p : params) analyticP.add(p.grad().toArray());
        dy.close();                                                   // on the host now (dx may be a view of dy)

        List<Part> parts = new ArrayList<>();
        parts.add(compare("input", x, analyticX, () -> project(layer.forward(x, true), r)));
        for (int k = 0; k < params.size(); k++) {
            Param p = params.get(k);
            parts.add(compare(p.name(), p.value(), analyticP.get(k), () -> project(layer.forward(x, true), r)));
        }
        layer.forward(x, true);                                       // leave the layer's caches matching x
        return new Result(layer.name(), parts);
    }

    /** {@code new GradientCheck().checkNetwork(model, loss, x, target)}. */
    public static Result network(Layer model, Loss loss, Tensor x, Tensor target) {
        return new GradientCheck().checkNetwork(model, loss, x, target);
    }

    /**
     * End to end: checks ∂E/∂x and every ∂E/∂θ of E = loss(model(x), target), the loss's own δ starting the backward
     * pass exactly as in training. Restores x and every parameter afterwards.
     */
    public Result checkNetwork(Layer model, Loss loss, Tensor x, Tensor target) {
        Backend ops = x.backend();
        Tensor y0 = model.forward(x, true);
        Tensor dy = ops.zeros(y0.shape());
        loss.compute(y0, target, dy);                                 // δ = ∂E/∂y
        List<Param> params = Param.trainable(model.params());
        for (Param p : params) p.zeroGrad();
        Tensor dx = model.backward(dy);
        if (dx.size() != x.size()) {
            throw new IllegalStateException(model.name() + ".backward returned " + dx.shapeString() + " for input " + x.shapeString());
        }
        float[] analyticX = dx.toArray();
        List<float[]> analyticP = new ArrayList<>();
        for (Param p : params) analyticP.add(p.grad().toArray());
        dy.close();                                                   // on the host now (dx may be a view of dy)
        DoubleSupplier e = () -> loss.compute(model.forward(x, true), target, null);
        List<Part> parts = new ArrayList<>();
        parts.add(compare("input", x, analyticX, e));
        for (int k = 0; k < params.size(); k++) parts.add(compare(params.get(k).name(), params.get(k).value(), analyticP.get(k), e));
        model.forward(x, true);
        return new Result(model.name() + " with " + loss.name(), parts);
    }

    /** Checks ∂E/∂y of a loss at output y against target; y is restored afterwards. */
    public Result checkLoss(Loss loss, Tensor y, Tensor target) {
        Backend ops = y.backend();
        Tensor dy = ops.zeros(y.shape());
        loss.compute(y, target, dy);                                  // analytic ∂E/∂y
        float[] analytic = dy.toArray();
        dy.close();
        Part part = compare("output", y, analytic, () -> loss.compute(y, target, null));
        return new Result(loss.name(), List.of(part));
    }

    /**
     * Checks a gradient obtained some other way: {@code analytic} = ∂f/∂t for any scalar objective f of any tensor t —
     * for what is not one {@link Layer}: a recurrent layer's initial state, a language model's embedding under its
     * loss over every time step, an independent loss computed on the host. {@code objective} must run the forward pass
     * itself (it is called after every nudge of t). t is restored afterwards.
     */
    public Result checkTensor(String name, Tensor t, float[] analytic, DoubleSupplier objective) {
        if (analytic.length != t.size()) {
            throw new IllegalArgumentException("gradient check of " + name + ": " + analytic.length + " analytic values for tensor "
                    + t.shapeString() + " (" + t.size() + " elements)");
        }
        return new Result(name, List.of(compare(name, t, analytic, objective)));
    }

    /** Central differences for each (or each strided) element of {@code t}, against {@code analytic}. */
    private Part compare(String name, Tensor t, float[] analytic, DoubleSupplier f) {
        Backend ops = t.backend();
        float[] v = t.toArray();
        int n = v.length;
        int stride = n <= maxPerPart ? 1 : (int) Math.ceil((double) n / maxPerPart);
        double worst = 0, worstA = 0, worstN = 0;
        int worstI = -1, checked = 0;
        for (int i = 0; i < n; i += stride) {
            float orig = v[i];
            float plus = (float) (orig + step), minus = (float) (orig - step);
            v[i] = plus;
            ops.upload(v, 0, t);
            double fPlus = f.getAsDouble();
            v[i] = minus;
            ops.upload(v, 0, t);
            double fMinus = f.getAsDouble();
            v[i] = orig;
            ops.upload(v, 0, t);
            double numeric = (fPlus - fMinus) / ((double) plus - (double) minus);
            double a = analytic[i];
            double err = Math.abs(a - numeric) / Math.max(Math.max(Math.abs(a), Math.abs(numeric)), floor);
            if (Double.isNaN(err)) err = Double.POSITIVE_INFINITY;
            checked++;
            if (err > worst || worstI < 0) { worst = err; worstI = i; worstA = a; worstN = numeric; }
        }
        return new Part(name, checked, worst, worstI, worstA, worstN);
    }

    /** r: fixed random weights in [−1, 1) that make the layer's output a scalar. */
    private float[] projection(int n) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] r = new float[n];
        for (int i = 0; i < n; i++) r[i] = (float) rng.nextDouble(-1, 1);
        return r;
    }

    /** L = Σ r_i·y_i, summed in double. */
    private static double project(Tensor y, float[] r) {
        float[] yv = y.toArray();
        if (yv.length != r.length) throw new IllegalStateException("output size changed between forward passes: " + y.shapeString());
        double s = 0;
        for (int i = 0; i < r.length; i++) s += (double) r[i] * yv[i];
        return s;
    }
}
