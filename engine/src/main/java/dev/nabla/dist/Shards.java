package dev.nabla.dist;

import dev.nabla.loss.Loss;
import dev.nabla.loss.SquaredError;

/** How a batch is cut into shards, and what share of the batch's gradient each shard's gradient is. */
public final class Shards {
    private Shards() {}

    /** {@code rows} rows over {@code n} shards as evenly as possible, the first ones one larger: 10 over 3 is 4, 3, 3. */
    public static int[] sizes(int rows, int n) {
        if (n < 1) throw new IllegalArgumentException("data-parallel training needs at least 1 replica, got " + n);
        int[] s = new int[n];
        for (int i = 0; i < n; i++) s[i] = rows / n + (i < rows % n ? 1 : 0);
        return s;
    }

    /**
     * The weight of a shard in a mean loss: the rows whose label counts (≥ 0) for a classification loss, the elements
     * for an elementwise mean (MSE, L1, BCE). Its share of the batch is weight / Σ weights.
     */
    public static double weight(Loss loss, float[] targets, int tOffset, int rows, int targetWidth) {
        if (!loss.classification()) return (double) rows * targetWidth;
        int counted = 0;
        for (int i = 0; i < rows * targetWidth; i++) if (targets[tOffset + i] >= 0) counted++;
        return counted;
    }

    /**
     * The factor a shard's δ is multiplied by so that the shards' gradients add up to the whole batch's: its share
     * weight / total of a mean loss, and 1 for a loss that sums over the batch (½Σ(d − y)², whose batch gradient is
     * the sum of the shards' already).
     */
    public static double scale(Loss loss, double weight, double total) {
        if (loss instanceof SquaredError) return 1.0;
        if (total == 0) throw new IllegalArgumentException(loss.name() + ": no row of the batch counts (every label is negative = ignored)");
        return weight / total;
    }
}
