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
 *
 * <p>The constructor checks the layout (every extent ≥ 1, a whole number of samples, one target row per sample); the
 * values are checked by {@link #requireFinite()}, which the {@link Trainer} calls before it trains or evaluates: one
 * NaN feature would otherwise train every later step on NaN.
 */
public record Dataset(float[] features, int[] sampleShape, float[] targets, int targetWidth, boolean timeMajor) {

    /** A batch-major data set: a batch of B is staged [B, sampleShape…]. */
    public Dataset(float[] features, int[] sampleShape, float[] targets, int targetWidth) {
        this(features, sampleShape, targets, targetWidth, false);
    }

    public Dataset {
        if (features == null || sampleShape == null || targets == null) {
            throw new IllegalArgumentException("Dataset: " + (features == null ? "features" : sampleShape == null ? "sampleShape" : "targets")
                    + " is null");
        }
        if (timeMajor && (sampleShape.length < 1 || sampleShape[0] < 1)) {
            throw new IllegalArgumentException("a sequence data set needs samples [T, …] with T ≥ 1, got " + Arrays.toString(sampleShape));
        }
        int per = sampleSize(sampleShape);
        if (features.length % per != 0) {
            throw new IllegalArgumentException("Dataset: " + features.length + " feature values are not a whole number of samples of shape "
                    + Arrays.toString(sampleShape) + " (" + per + " values each)");
        }
        if (targetWidth < 1 || targets.length != (long) (features.length / per) * targetWidth) {
            throw new IllegalArgumentException("Dataset: " + features.length / per + " samples need " + (long) (features.length / per) * targetWidth
                    + " target values (width " + targetWidth + "), got " + targets.length);
        }
        sampleShape = sampleShape.clone();
    }

    /** A classification data set: one class index per sample. */
    public static Dataset classification(float[] features, int[] sampleShape, int[] labels) {
        if (labels == null) throw new IllegalArgumentException("Dataset: labels is null");
        float[] t = new float[labels.length];
        for (int i = 0; i < labels.length; i++) t[i] = labels[i];
        return new Dataset(features, sampleShape, t, 1);
    }

    /** Values per sample: the product of the extents, each of which must be ≥ 1 (a negative pair would multiply to a positive). */
    private static int sampleSize(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 1) throw new IllegalArgumentException("Dataset: sample shape " + Arrays.toString(shape) + " has an extent " + d + " < 1");
            n *= d;
            if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("Dataset: sample shape " + Arrays.toString(shape) + " is too large");
        }
        return (int) n;
    }

    public int size() { return features.length / sampleSize(); }

    /** T, the steps per sample of a sequence data set. */
    public int steps() {
        if (!timeMajor) throw new IllegalStateException("not a sequence data set: samples are " + Arrays.toString(sampleShape));
        return sampleShape[0];
    }

    /** True for a sequence data set whose targets are one per step (staged [T, B]). */
    public boolean perStepTargets() { return timeMajor && targetWidth == sampleShape[0]; }

    /** The shape a batch of {@code rows} samples is staged in: [B, …], or [T, B, …] for a sequence data set. */
    public int[] batchShape(int rows) { return batchShape(sampleShape, timeMajor, rows); }

    /** {@link #batchShape(int)} for samples of {@code sampleShape}. */
    public static int[] batchShape(int[] sampleShape, boolean timeMajor, int rows) {
        int[] xs = new int[sampleShape.length + 1];
        if (timeMajor) {                                                  // [T, B, …]
            xs[0] = sampleShape[0];
            xs[1] = rows;
            System.arraycopy(sampleShape, 1, xs, 2, sampleShape.length - 1);
        } else {                                                          // [B, …]
            xs[0] = rows;
            System.arraycopy(sampleShape, 0, xs, 1, sampleShape.length);
        }
        return xs;
    }

    /** The shape the targets of a batch of {@code rows} samples are staged in: [T, B] per step, [B] or [B, width]. */
    public int[] targetShape(int rows) { return targetShape(sampleShape, targetWidth, timeMajor, rows); }

    /** {@link #targetShape(int)} for samples of {@code sampleShape} with targets of {@code targetWidth}. */
    public static int[] targetShape(int[] sampleShape, int targetWidth, boolean timeMajor, int rows) {
        if (timeMajor && targetWidth == sampleShape[0]) return new int[] {targetWidth, rows};
        return targetWidth == 1 ? new int[] {rows} : new int[] {rows, targetWidth};
    }

    public int sampleSize() { return sampleSize(sampleShape); }

    @Override
    public int[] sampleShape() { return sampleShape.clone(); }

    /** The index into {@link #features()} of the first NaN or ±∞, or −1 if every feature is finite. */
    public int firstNonFiniteFeature() { return firstNonFinite(features); }

    /** The index into {@link #targets()} of the first NaN or ±∞, or −1 if every target is finite. */
    public int firstNonFiniteTarget() { return firstNonFinite(targets); }

    private static int firstNonFinite(float[] a) {
        for (int i = 0; i < a.length; i++) if (!Float.isFinite(a[i])) return i;
        return -1;
    }

    /**
     * Checks every feature and target value up front: a NaN or ±∞ is an error naming the sample, the position inside it
     * and the value. Returns this data set.
     */
    public Dataset requireFinite() {
        int f = firstNonFiniteFeature();
        if (f >= 0) {
            int per = sampleSize();
            throw new IllegalArgumentException("Dataset: feature " + f % per + " of sample " + f / per + " (of " + size() + ", shape "
                    + Arrays.toString(sampleShape) + ") is " + features[f] + "; every feature must be a finite number");
        }
        int t = firstNonFiniteTarget();
        if (t >= 0) {
            throw new IllegalArgumentException("Dataset: target " + t % targetWidth + " of sample " + t / targetWidth + " is " + targets[t]
                    + "; every target must be a finite number (a negative whole number for an ignored class label)");
        }
        return this;
    }

    /** The samples at {@code indices}, in that order. */
    public Dataset subset(int[] indices) {
        if (indices == null) throw new IllegalArgumentException("Dataset.subset: indices is null");
        int per = sampleSize(), n = size();
        float[] f = new float[indices.length * per];
        float[] t = new float[indices.length * targetWidth];
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= n) {
                throw new IllegalArgumentException("Dataset.subset: index " + indices[i] + " (position " + i + ") is not a sample in [0, " + n + ")");
            }
            System.arraycopy(features, indices[i] * per, f, i * per, per);
            System.arraycopy(targets, indices[i] * targetWidth, t, i * targetWidth, targetWidth);
        }
        return new Dataset(f, sampleShape, t, targetWidth, timeMajor);
    }

    /** Samples [from, to). */
    public Dataset range(int from, int to) {
        if (from < 0 || to < from || to > size()) {
            throw new IllegalArgumentException("Dataset.range: [" + from + ", " + to + ") is not a range of the " + size() + " samples");
        }
        int per = sampleSize();
        return new Dataset(Arrays.copyOfRange(features, from * per, to * per), sampleShape,
                Arrays.copyOfRange(targets, from * targetWidth, to * targetWidth), targetWidth, timeMajor);
    }
}
