package dev.nabla.optim;

import dev.nabla.nn.Param;
import java.util.List;

/**
 * RMSProp (seed 001's menu), as torch.optim.RMSprop (not centered, no momentum; PyTorch calls ρ "alpha"):
 * g' = g + λw; s ← ρs + (1 − ρ)g'²; w ← w − η·g'/(√s + ε). The running mean square s lives in {@link Param#slot(int) slot 0}.
 */
public final class RmsProp implements Optimizer {
    private final float lr, rho, eps, weightDecay;

    /** PyTorch's defaults: η = 0.01, ρ = 0.99, ε = 1e-8. */
    public RmsProp() { this(0.01f); }

    public RmsProp(float lr) { this(lr, 0.99f, 1e-8f, 0f); }

    public RmsProp(float lr, float rho, float eps, float weightDecay) {
        this.lr = Hyper.learningRate("RMSProp", lr);
        this.rho = Hyper.rate("RMSProp", "decay ρ", rho);
        this.eps = Hyper.epsilon("RMSProp", eps);
        this.weightDecay = Hyper.weightDecay("RMSProp", weightDecay);
    }

    @Override
    public void step(List<Param> params) {
        for (Param p : Hyper.params(name(), params)) {
            if (p.frozen()) continue;                                   // a frozen parameter: no update, no state
            p.backend().rmspropStep(p.value(), p.grad(), p.slot(0), lr, rho, eps, p.decay() ? weightDecay : 0f);
        }
    }

    @Override
    public float learningRate() { return lr; }

    @Override
    public String name() { return "RMSProp(η=" + lr + ", ρ=" + rho + ", ε=" + eps + (weightDecay == 0 ? "" : ", λ=" + weightDecay) + ")"; }
}
