package dev.nabla.optim;

/** Validation of optimizer hyperparameters: a bad value fails at construction, naming the optimizer and the value. */
final class Hyper {
    private Hyper() {}

    /** η: a finite number > 0. */
    static float learningRate(String opt, float lr) {
        if (!(lr > 0) || !Float.isFinite(lr)) {
            throw new IllegalArgumentException(opt + ": learning rate η must be a finite number > 0, got " + lr);
        }
        return lr;
    }

    /** A decay rate (momentum μ, ρ, β₁, β₂) in [0, 1). */
    static float rate(String opt, String what, float v) {
        if (!(v >= 0 && v < 1)) throw new IllegalArgumentException(opt + ": " + what + " must be in [0, 1), got " + v);
        return v;
    }

    /** ε: a finite number > 0 (ε = 0 would divide 0 by 0 where a gradient entry is 0). */
    static float epsilon(String opt, float eps) {
        if (!(eps > 0) || !Float.isFinite(eps)) throw new IllegalArgumentException(opt + ": ε must be a finite number > 0, got " + eps);
        return eps;
    }

    /** L2 weight decay λ: a finite number ≥ 0. */
    static float weightDecay(String opt, float wd) {
        if (!(wd >= 0) || !Float.isFinite(wd)) {
            throw new IllegalArgumentException(opt + ": weight decay λ must be a finite number ≥ 0, got " + wd);
        }
        return wd;
    }

    /** The parameters an optimizer is asked to update: a list without nulls. */
    static java.util.List<dev.nabla.nn.Param> params(String opt, java.util.List<dev.nabla.nn.Param> params) {
        if (params == null) throw new IllegalArgumentException(opt + ".step: the parameter list is null");
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i) == null) throw new IllegalArgumentException(opt + ".step: parameter " + i + " of " + params.size() + " is null");
        }
        return params;
    }
}
