package dev.nabla.nn;

import dev.nabla.backend.Tensor;

/**
 * Average pooling: y = (1/(kH·kW)) Σ window (zero padding counts in the average, as PyTorch's default).
 * Backward: every input of the window contributed 1/(kH·kW) of y, so ∂E/∂x = ∂E/∂y/(kH·kW) spread evenly.
 */
public final class AvgPool2d extends Pool2d {

    /** A k×k window with stride k (non-overlapping). */
    public AvgPool2d(int k) { super(k, k); }

    /** A kH×kW window with stride kH×kW. */
    public AvgPool2d(int kernelH, int kernelW) { super(kernelH, kernelW); }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        prepare(x);
        ops.avgPool(x, g, y);                     // y = (1/(kH·kW)) Σ_{window} x
        return y;
    }

    @Override
    public Tensor backward(Tensor dy) {
        checkDelta(dy);
        ops.avgPoolBackward(dy, g, dx);           // ∂E/∂x += ∂E/∂y / (kH·kW) for every pixel of the window
        return dx;
    }
}
