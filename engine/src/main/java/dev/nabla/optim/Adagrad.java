package dev.nabla.optim;

import dev.nabla.nn.Param;
import java.util.List;

/**
 * Adagrad (seed 001's menu), as torch.optim.Adagrad (no learning-rate decay, initial accumulator 0):
 * g' = g + λw; G ← G + g'²; w ← w − η·g'/(√G + ε). Each weight's step shrinks with the sum of its squared gradients.
 * G lives in {@link Param#slot(int) slot 0}.
 */
public final class Adagrad implements Optimizer {
    private final float lr, eps, weightDecay;

    /** PyTorch's defaults: η = 0.01, ε = 1e-10. */
    public Adagrad() { this(0.01f); }

    public Adagrad(float lr) { this(lr, 1e-10f, 0f); }

    public Adagrad(float lr, float eps, float weightDecay) {
        this.lr = Hyper.learningRate("Adagrad", lr);
        this.eps = Hyper.epsilon("Adagrad", eps);
        this.weightDecay = Hyper.weightDecay("Adagrad", weightDecay);
    }

    @Override
    public void step(List<Param> params) {
        for (Param p : Hyper.params(name(), params)) {
            if (p.frozen()) continue;                                   // a frozen parameter: no update, no state
            p.backend().adagradStep(p.value(), p.grad(), p.slot(0), lr, eps, p.decay() ? weightDecay : 0f);
        }
    }

    @Override
    public float learningRate() { return lr; }

    @Override
    public String name() { return "Adagrad(η=" + lr + ", ε=" + eps + (weightDecay == 0 ? "" : ", λ=" + weightDecay) + ")"; }
}
