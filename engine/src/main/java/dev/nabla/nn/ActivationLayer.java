package dev.nabla.nn;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import java.util.random.RandomGenerator;

/** y = f(net) elementwise for one of the {@link Activation}s; backward: ∂E/∂net = ∂E/∂y ⊙ f'(net). */
public final class ActivationLayer implements Layer {
    private final Activation f;
    private Backend ops;
    private Tensor net, y, dnet;

    public ActivationLayer(Activation f) { this.f = f; }

    public static ActivationLayer relu() { return new ActivationLayer(Activation.RELU); }

    public static ActivationLayer sigmoid() { return new ActivationLayer(Activation.SIGMOID); }

    public static ActivationLayer tanh() { return new ActivationLayer(Activation.TANH); }

    public Activation function() { return f; }

    @Override
    public void bind(Backend ops, RandomGenerator rng) { this.ops = ops; }

    @Override
    public int[] outputShape(int[] inputShape) { return inputShape; }

    @Override
    public Tensor forward(Tensor net, boolean training) {
        this.net = net;
        if (y == null || !y.sameShape(net)) y = ops.zeros(net.shape());
        ops.activation(f, net, y);                                // y = f(net)
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (dy.size() != net.size()) throw new IllegalArgumentException(name() + ": gradient " + dy.shapeString() + " for output " + y.shapeString());
        if (dnet == null || !dnet.sameShape(net)) dnet = ops.zeros(net.shape());
        ops.activationBackward(f, net, y, dy, dnet);              // ∂E/∂net = ∂E/∂y ⊙ f'(net)
        return dnet;
    }

    @Override
    public String name() {
        String n = f.name().toLowerCase(java.util.Locale.ROOT);
        return Character.toUpperCase(n.charAt(0)) + n.substring(1);
    }
}
