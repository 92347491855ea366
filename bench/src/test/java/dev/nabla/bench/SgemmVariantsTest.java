package dev.nabla.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.cpu.SgemmVariants;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every SGEMM variant against the reference backend's gemm (the specification): all four transposes, α and β
 * (β = 0 ignoring a NaN in C), the awkward sizes and the shapes that take each of the production variant's paths
 * (in-place A or B, an L1-hostile stride, NT as dot products, several k-slices and column strips).
 */
class SgemmVariantsTest {
    static final int[][] SHAPES = {
            {1, 1, 1}, {7, 1, 7}, {1, 33, 7}, {33, 33, 33}, {17, 31, 5}, {257, 7, 33}, {7, 257, 33}, {31, 65, 129},
            {130, 514, 70}, {9, 1100, 5}, {40, 64, 300}, {32, 1024, 40}, {5, 9, 1100}, {8, 3, 2085}, {6, 25, 1030},
    };

    final ReferenceBackend ref = new ReferenceBackend();

    @ParameterizedTest(name = "variant {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5})
    void agreesWithTheReference(int variant) {
        long seed = 1;
        float[][] ab = {{1f, 0f}, {0.5f, -2f}, {-1.5f, 1f}};
        for (int[] s : SHAPES)
            for (int t = 0; t < 4; t++)
                for (float[] x : ab) check(variant, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], x[0], x[1], seed++);
    }

    @ParameterizedTest(name = "variant {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5})
    void alphaZeroOnlyScalesC(int variant) {
        check(variant, false, true, 5, 6, 4, 0f, 0.5f, 7);
        check(variant, true, false, 5, 6, 4, 0f, 0f, 8);
    }

    @org.junit.jupiter.api.Test
    void unknownVariantsAreRefused() {
        assertThatThrownBy(() -> SgemmVariants.sgemm(6, false, false, 1, 1, 1, 1f, new float[1], 0, 1, new float[1], 0, 1, 0f, new float[1], 0, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no SGEMM variant 6");
    }

    void check(int v, boolean ta, boolean tb, int m, int n, int k, float alpha, float beta, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = random(r, m * k), b = random(r, k * n), c0 = random(r, m * n);
        if (beta == 0f && m * n > 0) c0[0] = Float.NaN;                     // β = 0 must not read C
        Tensor ta_ = ta ? ref.upload(a, k, m) : ref.upload(a, m, k), tb_ = tb ? ref.upload(b, n, k) : ref.upload(b, k, n);
        Tensor tc = ref.upload(c0, m, n);
        ref.gemm(ta, tb, alpha, ta_, tb_, beta, tc);
        float[] expected = ref.download(tc), actual = c0.clone();
        SgemmVariants.sgemm(v, ta, tb, m, n, k, alpha, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, actual, 0, n);
        float tol = 1e-5f * Math.max(1, k) + 1e-5f;                         // as SgemmTest: float sums of k products
        for (int i = 0; i < expected.length; i++) {
            assertThat(Math.abs(actual[i] - expected[i]))
                    .as("variant %d %s%s %dx%dx%d α=%s β=%s element %d: %s vs reference %s", v, ta ? "T" : "N", tb ? "T" : "N",
                            m, n, k, alpha, beta, i, actual[i], expected[i])
                    .isLessThanOrEqualTo(tol * (1 + Math.abs(expected[i])));
        }
    }

    static float[] random(SplittableRandom r, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
        return x;
    }
}
