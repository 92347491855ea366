package dev.nabla.nn;

import java.util.Arrays;

/**
 * The output-size rule of seed 002 for a window of size F slid with stride S over N inputs padded by P on each side:
 * out = (N − F + 2P)/S + 1. When S does not divide N − F + 2P the window does not fit ("7x7 input, 3x3 filter,
 * stride 3: doesn't fit!"): convolution and pooling layers reject that unless the caller asked for floor semantics
 * (PyTorch's behaviour: the last, incomplete windows are dropped).
 */
final class SpatialSize {
    private SpatialSize() {}

    /** out = (n − f + 2p)/s + 1, or an exception naming the layer and showing the arithmetic. */
    static int of(String layer, String input, String axis, int n, int f, int p, int s, boolean floor) {
        int span = n - f + 2 * p;
        if (span < 0) {
            throw new IllegalArgumentException(layer + " does not fit " + input + ": the " + axis + " window " + f
                    + " is larger than the padded input " + n + " + 2·" + p + " = " + (n + 2 * p));
        }
        if (span % s != 0 && !floor) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "%s does not fit %s: %s (N − F + 2P)/S + 1 = (%d − %d + 2·%d)/%d + 1 = %.2f is not an integer; "
                            + "change the padding or stride, or ask for floor semantics (floor())",
                    layer, input, axis, n, f, p, s, (double) span / s + 1));
        }
        return span / s + 1;
    }

    /** Checks a per-sample input shape [C, H, W] against the expected channel count. */
    static void requireChw(String layer, int[] inputShape, int channels) {
        if (inputShape.length != 3 || (channels > 0 && inputShape[0] != channels)) {
            throw new IllegalArgumentException(layer + " expects a per-sample input [" + (channels > 0 ? channels : "C")
                    + ", H, W], got " + Arrays.toString(inputShape));
        }
        for (int d : inputShape) {
            if (d < 1) throw new IllegalArgumentException(layer + ": input " + Arrays.toString(inputShape) + " is empty (every extent of [C, H, W] must be ≥ 1)");
        }
    }

    /** Checks a batch tensor shape [N, C, H, W]. */
    static void requireNchw(String layer, int[] shape, int channels) {
        if (shape.length != 4 || (channels > 0 && shape[1] != channels)) {
            throw new IllegalArgumentException(layer + " expects input [N, " + (channels > 0 ? channels : "C")
                    + ", H, W], got " + Arrays.toString(shape));
        }
        for (int d : shape) {
            if (d < 1) throw new IllegalArgumentException(layer + ": input " + Arrays.toString(shape) + " is empty (every extent of [N, C, H, W] must be ≥ 1)");
        }
    }
}
