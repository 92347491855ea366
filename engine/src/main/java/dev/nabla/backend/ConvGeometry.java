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
        if (height + 2 * padH < kernelH || width + 2 * padW < kernelW) {
            throw new IllegalArgumentException("kernel " + kernelH + "x" + kernelW + " is larger than the padded input "
                    + (height + 2 * padH) + "x" + (width + 2 * padW));
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
