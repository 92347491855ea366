package dev.nabla.backend;

/**
 * The geometry shared by im2col/col2im and pooling: a batch of {@code batch} images of {@code channels} channels,
 * {@code height}×{@code width} each (NCHW layout), a kernel (window) kH×kW, stride and zero padding per axis.
 * Output size per axis (seed 002): (N − F + 2P)/S + 1, floored here; layers decide whether a non-integer fit is an error.
 */
public record ConvGeometry(int batch, int channels, int height, int width,
                           int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) {
    public ConvGeometry {
        if (batch < 1 || channels < 1 || height < 1 || width < 1 || kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1
                || padH < 0 || padW < 0) {
            // not "+ this": in a compact constructor the fields are not assigned yet, and toString() would print zeros
            throw new IllegalArgumentException("invalid geometry: batch " + batch + ", channels " + channels + ", input " + height + "x" + width
                    + ", kernel " + kernelH + "x" + kernelW + ", stride " + strideH + "x" + strideW + ", padding " + padH + "x" + padW
                    + " (batch, channels, input, kernel and stride must be ≥ 1, padding ≥ 0)");
        }
        if ((long) height + 2L * padH < kernelH || (long) width + 2L * padW < kernelW) {
            throw new IllegalArgumentException("kernel " + kernelH + "x" + kernelW + " is larger than the padded input "
                    + ((long) height + 2L * padH) + "x" + ((long) width + 2L * padW));
        }
        long oh = ((long) height - kernelH + 2L * padH) / strideH + 1, ow = ((long) width - kernelW + 2L * padW) / strideW + 1;
        fitsInt(product(batch, channels, height, width), product(batch, channels, oh, ow), product(channels, kernelH, kernelW),
                product(batch, oh, ow), product(channels, kernelH, kernelW, batch, oh, ow), (long) height + 2L * padH, (long) width + 2L * padW);
    }

    /** The product of positive factors, or Long.MAX_VALUE if it overflows. */
    private static long product(long... factors) {
        long p = 1;
        try {
            for (long f : factors) p = Math.multiplyExact(p, f);
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
        return p;
    }

    /** Every size the ops compute from a geometry fits an int (so no check can be fooled by an overflow). */
    private static void fitsInt(long... sizes) {
        for (long n : sizes) {
            if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("geometry too large: " + n + " elements do not fit a tensor (2^31 − 1 at most)");
        }
    }

    /** Output height ⌊(H − kH + 2·padH)/strideH⌋ + 1. */
    public int outH() { return (height - kernelH + 2 * padH) / strideH + 1; }

    /** Output width ⌊(W − kW + 2·padW)/strideW⌋ + 1. */
    public int outW() { return (width - kernelW + 2 * padW) / strideW + 1; }

    /** Rows of the im2col matrix: C·kH·kW. */
    public int colRows() { return channels * kernelH * kernelW; }

    /** Columns of the im2col matrix: N·outH·outW. */
    public int colCols() { return batch * outH() * outW(); }
}
