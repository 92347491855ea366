package dev.nabla.optim;

import dev.nabla.nn.Param;
import java.util.List;

/**
 * Stochastic gradient descent w ← w − η·∂E/∂w (seed 001), optionally with momentum μ (classic or Nesterov) and
 * L2 weight decay λ, exactly as torch.optim.SGD (dampening 0): g' = g + λw; v ← μv + g';
 * step = g' + μv (Nesterov) or v (classic); w ← w − η·step. See {@link dev.nabla.backend.Backend#sgdStep}.
 * Velocity v lives in {@link Param#slot(int) slot 0}.
 */
public final class Sgd implements Optimizer {
    private final float lr, momentum, weightDecay;
    private final boolean nesterov;

    public Sgd(float lr) { this(lr, 0f, false, 0f); }

    public Sgd(float lr, float momentum, boolean nesterov, float weightDecay) {
        String name = "SGD";
        this.lr = Hyper.learningRate(name, lr);
        this.momentum = Hyper.rate(name, "momentum μ", momentum);
        this.weightDecay = Hyper.weightDecay(name, weightDecay);
        if (nesterov && momentum == 0) throw new IllegalArgumentException("SGD: Nesterov momentum needs momentum μ > 0, got " + momentum);
        this.nesterov = nesterov;
    }

    public static Sgd momentum(float lr, float momentum) { return new Sgd(lr, momentum, false, 0f); }

    public static Sgd nesterov(float lr, float momentum) { return new Sgd(lr, momentum, true, 0f); }

    /** The same optimizer with L2 weight decay λ. */
    public Sgd weightDecay(float lambda) { return new Sgd(lr, momentum, nesterov, lambda); }

    @Override
    public void step(List<Param> params) {
        for (Param p : Hyper.params(name(), params)) {
            if (p.frozen()) continue;                                   // a frozen parameter: no update, no velocity
            p.backend().sgdStep(p.value(), p.grad(), momentum == 0 ? null : p.slot(0), lr, momentum, nesterov,
                    p.decay() ? weightDecay : 0f);
        }
    }

    @Override
    public float learningRate() { return lr; }

    @Override
    public String name() {
        return "SGD(η=" + lr + (momentum == 0 ? "" : (nesterov ? ", Nesterov μ=" : ", μ=") + momentum)
                + (weightDecay == 0 ? "" : ", λ=" + weightDecay) + ")";
    }
}
