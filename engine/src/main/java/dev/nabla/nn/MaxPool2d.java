package dev.nabla.nn;

import dev.nabla.backend.Tensor;

/**
 * Max pooling: y = max over the window (padding counts as −∞). Backward: the window's maximum is the only input
 * that influenced y, so ∂E/∂x is ∂E/∂y at the arg-max and 0 elsewhere (a pixel that wins several overlapping windows
 * collects all their gradients).
 */
public final class MaxPool2d extends Pool2d {
    private Tensor argmax;

    /** A k×k window with stride k (non-overlapping). */
    public MaxPool2d(int k) { super(k, k); }

    /** A kH×kW window with stride kH×kW. */
    public MaxPool2d(int kernelH, int kernelW) { super(kernelH, kernelW); }

    @Override
    void allocateMore() {
        if (argmax != null) argmax.close();
        argmax = ops.zeros(y.shape());
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        prepare(x);
        ops.maxPool(x, g, y, argmax);             // y = max_{window} x, remembering where the max was
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        checkDelta(dy);
        ops.maxPoolBackward(dy, argmax, g, dx);   // ∂E/∂x[argmax] += ∂E/∂y; 0 for every other pixel
        return dx;
    }
}
