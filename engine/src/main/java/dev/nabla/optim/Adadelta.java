package dev.nabla.optim;

import dev.nabla.nn.Param;
import java.util.List;

/**
 * Adadelta (seed 001's menu), as torch.optim.Adadelta: g' = g + λw; s ← ρs + (1 − ρ)g'²;
 * Δ = √(u + ε)/√(s + ε)·g'; u ← ρu + (1 − ρ)Δ²; w ← w − η·Δ. The step's units come from the running mean of past
 * steps u, so η = 1 is the usual choice. s lives in {@link Param#slot(int) slot 0}, u in slot 1.
 */
public final class Adadelta implements Optimizer {
    private final float lr, rho, eps, weightDecay;

    /** PyTorch's defaults: η = 1, ρ = 0.9, ε = 1e-6. */
    public Adadelta() { this(1f); }

    public Adadelta(float lr) { this(lr, 0.9f, 1e-6f, 0f); }

    public Adadelta(float lr, float rho, float eps, float weightDecay) {
        this.lr = Hyper.learningRate("Adadelta", lr);
        this.rho = Hyper.rate("Adadelta", "decay ρ", rho);
        this.eps = Hyper.epsilon("Adadelta", eps);
        this.weightDecay = Hyper.weightDecay("Adadelta", weightDecay);
    }

    @Override
    public void step(List<Param> params) {
        for (Param p : Hyper.params(name(), params)) {
            if (p.frozen()) continue;                                   // a frozen parameter: no update, no state
            p.backend().adadeltaStep(p.value(), p.grad(), p.slot(0), p.slot(1), lr, rho, eps, p.decay() ? weightDecay : 0f);
        }
    }

    @Override
    public float learningRate() { return lr; }

    @Override
    public String name() { return "Adadelta(η=" + lr + ", ρ=" + rho + ", ε=" + eps + (weightDecay == 0 ? "" : ", λ=" + weightDecay) + ")"; }
}
