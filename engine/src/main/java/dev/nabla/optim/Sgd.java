package dev.nabla.optim;

import dev.nabla.nn.Param;
import java.util.List;

/**
 * Stochastic gradient descent w ← w − η·∂E/∂w (seed 001), optionally with momentum μ (classic or Nesterov) and
 * L2 weight decay λ; formulas as {@link dev.nabla.backend.Backend#sgdStep}.
 */
public final class Sgd implements Optimizer {
    private final float lr, momentum, weightDecay;
    private final boolean nesterov;

    public Sgd(float lr) { this(lr, 0f, false, 0f); }

    public Sgd(float lr, float momentum, boolean nesterov, float weightDecay) {
        if (!(lr > 0) || !Float.isFinite(lr)) throw new IllegalArgumentException("SGD learning rate must be > 0, got " + lr);
        if (!(momentum >= 0 && momentum < 1)) throw new IllegalArgumentException("SGD momentum must be in [0, 1), got " + momentum);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("SGD weight decay must be ≥ 0, got " + weightDecay);
        if (nesterov && momentum == 0) throw new IllegalArgumentException("Nesterov momentum needs momentum > 0");
        this.lr = lr;
        this.momentum = momentum;
        this.nesterov = nesterov;
        this.weightDecay = weightDecay;
    }

    public static Sgd momentum(float lr, float momentum) { return new Sgd(lr, momentum, false, 0f); }

    public static Sgd nesterov(float lr, float momentum) { return new Sgd(lr, momentum, true, 0f); }

    @Override
    public void step(List<Param> params) {
        for (Param p : params) {
            p.backend().sgdStep(p.value(), p.grad(), momentum == 0 ? null : p.slot(0), lr, momentum, nesterov,
                    p.decay() ? weightDecay : 0f);
        }
    }

    @Override
    public float learningRate() { return lr; }
}
