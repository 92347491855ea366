package dev.nabla.train;

import java.util.Arrays;

/**
 * Samples held on the host: {@code features} is n samples of {@code sampleShape} each, row after row; {@code targets}
 * is n rows of {@code targetWidth} floats (width 1 holding the class index for classification).
 */
public record Dataset(float[] features, int[] sampleShape, float[] targets, int targetWidth) {

    public Dataset {
        int per = sampleSize(sampleShape);
        if (per == 0 || features.length % per != 0) {
            throw new IllegalArgumentException(features.length + " feature values are not a whole number of samples of shape "
                    + Arrays.toString(sampleShape));
        }
        if (targetWidth < 1 || targets.length != (features.length / per) * targetWidth) {
            throw new IllegalArgumentException(features.length / per + " samples need " + (features.length / per) * targetWidth
                    + " target values (width " + targetWidth + "), got " + targets.length);
        }
        sampleShape = sampleShape.clone();
    }

    /** A classification data set: one class index per sample. */
    public static Dataset classification(float[] features, int[] sampleShape, int[] labels) {
        float[] t = new float[labels.length];
        for (int i = 0; i < labels.length; i++) t[i] = labels[i];
        return new Dataset(features, sampleShape, t, 1);
    }

    private static int sampleSize(int[] shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    public int size() { return features.length / sampleSize(); }

    public int sampleSize() { return sampleSize(sampleShape); }

    @Override
    public int[] sampleShape() { return sampleShape.clone(); }

    /** The samples at {@code indices}, in that order. */
    public Dataset subset(int[] indices) {
        int per = sampleSize();
        float[] f = new float[indices.length * per];
        float[] t = new float[indices.length * targetWidth];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(features, indices[i] * per, f, i * per, per);
            System.arraycopy(targets, indices[i] * targetWidth, t, i * targetWidth, targetWidth);
        }
        return new Dataset(f, sampleShape, t, targetWidth);
    }

    /** Samples [from, to). */
    public Dataset range(int from, int to) {
        int per = sampleSize();
        return new Dataset(Arrays.copyOfRange(features, from * per, to * per), sampleShape,
                Arrays.copyOfRange(targets, from * targetWidth, to * targetWidth), targetWidth);
    }
}
