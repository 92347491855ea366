package dev.nabla.optim;

import dev.nabla.nn.Param;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam (seed 001's menu), as torch.optim.Adam with L2 weight decay (not AdamW): at step t = 1, 2, …
 * g' = g + λw; m ← β₁m + (1 − β₁)g'; v ← β₂v + (1 − β₂)g'²; w ← w − (η/(1 − β₁ᵗ))·m/(√v/√(1 − β₂ᵗ) + ε).
 * m lives in {@link Param#slot(int) slot 0}, v in slot 1; t is counted per parameter, as PyTorch does, and starts
 * again with the slots (a parameter {@link Param#freeze() frozen} and unfrozen, or {@link Param#resetSlots() reset}).
 */
public final class Adam implements Optimizer {
    private final float lr, beta1, beta2, eps, weightDecay;
    private final Map<Param, Integer> steps = new IdentityHashMap<>();

    /** PyTorch's defaults: η = 0.001, β₁ = 0.9, β₂ = 0.999, ε = 1e-8. */
    public Adam() { this(1e-3f); }

    public Adam(float lr) { this(lr, 0.9f, 0.999f, 1e-8f, 0f); }

    public Adam(float lr, float beta1, float beta2, float eps, float weightDecay) {
        this.lr = Hyper.learningRate("Adam", lr);
        this.beta1 = Hyper.rate("Adam", "β₁", beta1);
        this.beta2 = Hyper.rate("Adam", "β₂", beta2);
        this.eps = Hyper.epsilon("Adam", eps);
        this.weightDecay = Hyper.weightDecay("Adam", weightDecay);
    }

    @Override
    public void step(List<Param> params) {
        for (Param p : Hyper.params(name(), params)) {
            if (p.frozen()) continue;                                   // a frozen parameter: no update, no m, v or t
            if (!p.hasSlot(0)) steps.remove(p);                         // fresh slots (new, or unfrozen): t starts again
            int t = steps.merge(p, 1, Integer::sum);
            p.backend().adamStep(p.value(), p.grad(), p.slot(0), p.slot(1), lr, beta1, beta2, eps, p.decay() ? weightDecay : 0f, t);
        }
    }

    /** "t.i" = the step count t of parameter i. */
    @Override
    public java.util.Map<String, String> state(List<Param> params) {
        java.util.Map<String, String> s = new java.util.LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) s.put("t." + i, Integer.toString(stepCount(params.get(i))));
        return s;
    }

    @Override
    public void restoreState(List<Param> params, java.util.Map<String, String> state) {
        steps.clear();
        for (int i = 0; i < params.size(); i++) {
            String t = state.get("t." + i);
            if (t == null) throw new IllegalArgumentException("Adam: the saved state has no step count t for parameter " + i + " (" + params.get(i) + ")");
            int v = Integer.parseInt(t);
            if (v > 0) steps.put(params.get(i), v);
        }
    }

    /** The step count t of a parameter: the age of its m and v (0 before its first update, and while it has no slots, e.g. frozen). */
    public int stepCount(Param p) { return p.hasSlot(0) ? steps.getOrDefault(p, 0) : 0; }

    @Override
    public float learningRate() { return lr; }

    @Override
    public String name() {
        return "Adam(η=" + lr + ", β₁=" + beta1 + ", β₂=" + beta2 + ", ε=" + eps + (weightDecay == 0 ? "" : ", λ=" + weightDecay) + ")";
    }
}
