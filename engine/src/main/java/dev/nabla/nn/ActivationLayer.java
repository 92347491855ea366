package dev.nabla.nn;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import java.util.random.RandomGenerator;

/**
 * y = f(net) elementwise, for one of the {@link Activation}s of seed 004's table (and seed 001's menu).
 * Forward and backward side by side:
 * <pre>
 *   forward:   y = f(net)
 *   backward:  δ = ∂E/∂net = ∂E/∂y ⊙ f'(net)          (seed 000: δ_j = ∂E/∂y_j · g'(net_j))
 * </pre>
 * with f and f' exactly as {@link dev.nabla.backend.ReferenceBackend#apply} and
 * {@link dev.nabla.backend.ReferenceBackend#derivative} define them:
 * <table>
 *   <caption>activations and their derivatives</caption>
 *   <tr><th>factory</th><th>f(net)</th><th>f'(net)</th></tr>
 *   <tr><td>{@link #identity()}</td><td>net</td><td>1</td></tr>
 *   <tr><td>{@link #step()}</td><td>1 if net ≥ 0 else 0 (Heaviside)</td><td>0 — no gradient flows (not straight-through)</td></tr>
 *   <tr><td>{@link #sign()}</td><td>1 if net ≥ 0 else −1</td><td>0 — no gradient flows (not straight-through)</td></tr>
 *   <tr><td>{@link #piecewiseLinear()}</td><td>0 for net ≤ −½, net + ½ between, 1 for net ≥ ½</td><td>1 inside (−½, ½), else 0</td></tr>
 *   <tr><td>{@link #sigmoid()}</td><td>1/(1 + e^−net)</td><td>y(1 − y)</td></tr>
 *   <tr><td>{@link #tanh()}</td><td>tanh(net)</td><td>1 − y²</td></tr>
 *   <tr><td>{@link #relu()}</td><td>max(0, net)</td><td>1 if net &gt; 0 else 0</td></tr>
 *   <tr><td>{@link #softplus()}</td><td>ln(1 + e^net)</td><td>σ(net)</td></tr>
 * </table>
 * Step and sign are the perceptron's outputs: their derivative is zero wherever it exists, so a network of them
 * cannot be trained by backprop (use {@link Perceptron}'s learning rule); at the kink (net = 0) the value is taken as
 * 0 too. PReLU (a learnable slope) is {@link PReLU}; softmax, which couples a row, is {@link Softmax}.
 */
public final class ActivationLayer implements Layer {
    private final Activation f;
    private Backend ops;
    private Tensor net, y, dnet;

    public ActivationLayer(Activation f) {
        if (f == null) throw new IllegalArgumentException("ActivationLayer needs an activation, got null");
        this.f = f;
    }

    /** f(net) = net. */
    public static ActivationLayer identity() { return new ActivationLayer(Activation.IDENTITY); }

    /** Heaviside unit step, f' = 0. */
    public static ActivationLayer step() { return new ActivationLayer(Activation.STEP); }

    /** Sign (bipolar step), f' = 0. */
    public static ActivationLayer sign() { return new ActivationLayer(Activation.SIGN); }

    /** Piecewise linear ramp from (−½, 0) to (½, 1). */
    public static ActivationLayer piecewiseLinear() { return new ActivationLayer(Activation.PIECEWISE_LINEAR); }

    /** Logistic sigmoid σ. */
    public static ActivationLayer sigmoid() { return new ActivationLayer(Activation.SIGMOID); }

    /** Hyperbolic tangent. */
    public static ActivationLayer tanh() { return new ActivationLayer(Activation.TANH); }

    /** Rectified linear unit. */
    public static ActivationLayer relu() { return new ActivationLayer(Activation.RELU); }

    /** Softplus, the smooth ReLU. */
    public static ActivationLayer softplus() { return new ActivationLayer(Activation.SOFTPLUS); }

    public Activation function() { return f; }

    @Override
    public void bind(Backend ops, RandomGenerator rng) {
        Layers.bindOnce(name(), this.ops, ops);
        this.ops = ops;
    }

    @Override
    public int[] outputShape(int[] inputShape) { return Layers.shape(name(), inputShape); }

    @Override
    public Tensor forward(Tensor net, boolean training) {
        Layers.input(this, ops, net);
        this.net = net;
        y = Tensor.reuse(y, ops, net.shape());
        ops.activation(f, net, y);                                // y = f(net)
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {                           // dy = ∂E/∂y
        Layers.gradient(this, ops, net != null, dy);
        if (dy.size() != net.size()) throw new IllegalArgumentException(name() + ": gradient " + dy.shapeString() + " for output " + y.shapeString());
        dnet = Tensor.reuse(dnet, ops, net.shape());
        ops.activationBackward(f, net, y, dy, dnet);              // δ = ∂E/∂net = ∂E/∂y ⊙ f'(net)
        return dnet;
    }

    @Override
    public String name() {
        String[] words = f.name().toLowerCase(java.util.Locale.ROOT).split("_");
        StringBuilder sb = new StringBuilder();
        for (String w : words) sb.append(Character.toUpperCase(w.charAt(0))).append(w.substring(1));
        return sb.toString();
    }

    @Override
    public java.util.Map<String, Object> spec() { return Layers.spec("Activation", "function", f.name()); }
}
