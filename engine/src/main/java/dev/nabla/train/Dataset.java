package dev.nabla.train;

import java.util.Arrays;

/**
 * Samples held on the host: {@code features} is n samples of {@code sampleShape} each, row after row; {@code targets}
 * is n rows of {@code targetWidth} floats (width 1 holding the class index for classification).
 *
 * <p>A <em>sequence</em> data set ({@code timeMajor}) holds samples [T, …] (e.g. T token indices, or T feature
 * vectors) and is staged time-major, a batch of B as [T, B, …], the layout of the recurrent layers; targets of width T
 * (one label per step, −1 where a step has no loss, e.g. padding) are staged time-major too, [T, B], so that row t·B + b
 * of a [T, B, K] output meets its label; targets of any other width stay [B, width] (one label per sequence).
 * {@link dev.nabla.data.Sequences} builds them from token lists.
 */
public record Dataset(float[] features, int[] sampleShape, float[] targets, int targetWidth, boolean timeMajor) {

    /** A batch-major data set: a batch of B is staged [B, sampleShape…]. */
    public Dataset(float[] features, int[] sampleShape, float[] targets, int targetWidth) {
        this(features, sampleShape, targets, targetWidth, false);
    }

    public Dataset {
        if (timeMajor && (sampleShape.length < 1 || sampleShape[0] < 1)) {
            throw new IllegalArgumentException("a sequence data set needs samples [T, …] with T ≥ 1, got " + Arrays.toString(sampleShape));
        }
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

    /** T, the steps per sample of a sequence data set. */
    public int steps() {
        if (!timeMajor) throw new IllegalStateException("not a sequence data set: samples are " + Arrays.toString(sampleShape));
        return sampleShape[0];
    }

    /** True for a sequence data set whose targets are one per step (staged [T, B]). */
    public boolean perStepTargets() { return timeMajor && targetWidth == sampleShape[0]; }

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
        return new Dataset(f, sampleShape, t, targetWidth, timeMajor);
    }

    /** Samples [from, to). */
    public Dataset range(int from, int to) {
        int per = sampleSize();
        return new Dataset(Arrays.copyOfRange(features, from * per, to * per), sampleShape,
                Arrays.copyOfRange(targets, from * targetWidth, to * targetWidth), targetWidth, timeMajor);
    }
}
