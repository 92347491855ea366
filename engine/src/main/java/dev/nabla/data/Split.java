package dev.nabla.data;

import dev.nabla.train.Dataset;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A fixed train/test split of n samples that never leaks: a seeded permutation of 0..n−1 cut in two, so the two
 * index sets are disjoint by construction, cover every sample once, and are the same on every machine for a seed.
 * Indices are kept sorted (the trainer shuffles on its own).
 */
public record Split(int[] train, int[] test) {

    public Split {
        train = train.clone();
        test = test.clone();
    }

    @Override
    public int[] train() { return train.clone(); }

    @Override
    public int[] test() { return test.clone(); }

    /** Holds out {@code testCount} of {@code n} samples, chosen by a Fisher–Yates shuffle seeded with {@code seed}. */
    public static Split holdOut(int n, int testCount, long seed) {
        if (testCount < 1 || testCount >= n) {
            throw new IllegalArgumentException("a hold-out split needs 1 ≤ test count < n, got " + testCount + " of " + n);
        }
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i]; p[i] = p[j]; p[j] = t;
        }
        int[] test = Arrays.copyOfRange(p, 0, testCount), train = Arrays.copyOfRange(p, testCount, n);
        Arrays.sort(test);
        Arrays.sort(train);
        return new Split(train, test);
    }

    public Dataset train(Dataset all) { return all.subset(train); }

    public Dataset test(Dataset all) { return all.subset(test); }
}
