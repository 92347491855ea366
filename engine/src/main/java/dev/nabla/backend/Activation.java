package dev.nabla.backend;

/**
 * The elementwise activation functions y = f(net) of the lectures (seed 004's table, seed 001's menu), each with its
 * derivative f'(net). {@link dev.nabla.backend.ReferenceBackend} implements exactly these formulas; every other backend
 * is tested against it. (PReLU, with its learnable slope, and softmax, which couples a row, are separate ops.)
 */
public enum Activation {
    /** f(net) = net;  f' = 1. */
    IDENTITY,
    /** Heaviside unit step: f = 1 if net ≥ 0 else 0;  f' = 0 (almost everywhere). */
    STEP,
    /** Sign: f = 1 if net ≥ 0 else −1 (the perceptron's bipolar output);  f' = 0. */
    SIGN,
    /** Piecewise linear: f = 0 for net ≤ −½, net + ½ in between, 1 for net ≥ ½;  f' = 1 inside (−½, ½), 0 outside. */
    PIECEWISE_LINEAR,
    /** Logistic sigmoid: f = 1/(1 + e^−net);  f' = f(1 − f). */
    SIGMOID,
    /** Hyperbolic tangent: f = tanh(net);  f' = 1 − f². */
    TANH,
    /** Rectified linear: f = max(0, net);  f' = 1 if net > 0 else 0. */
    RELU,
    /** Softplus: f = ln(1 + e^net);  f' = σ(net). */
    SOFTPLUS
}
