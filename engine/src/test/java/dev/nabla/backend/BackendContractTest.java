package dev.nabla.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The backend contract: every op of {@link Backend}, run on the backend under test and on the {@link ReferenceBackend}
 * with the same random inputs, must agree within the stated tolerance. Shapes include the awkward ones (1, 7, 33, 257,
 * non-square, transposed). Each backend module subclasses this with its {@link #backend()}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendContractTest {
    /** Relative tolerance for results that sum many products (gemm, reductions): |a − r| ≤ tol·(1 + |r|) scaled by √K. */
    protected static final float TOL = 1e-5f;

    protected final ReferenceBackend ref = new ReferenceBackend();
    protected Backend be;

    /** The backend under test (created once per test class). */
    protected abstract Backend backend();

    @BeforeAll
    void open() { be = backend(); }

    @AfterAll
    void shut() { be.close(); }

    // ---------------------------------------------------------------- helpers for subclasses and additions

    protected static float[] random(SplittableRandom rng, int n) {
        float[] a = new float[n];
        for (int k = 0; k < n; k++) a[k] = (float) rng.nextDouble(-1, 1);
        return a;
    }

    /** Asserts |actual − expected| ≤ tol·(1 + |expected|) elementwise, naming the op and the first index that differs. */
    protected static void assertClose(String op, float[] actual, float[] expected, float tol) {
        assertThat(actual.length).as(op + ": length").isEqualTo(expected.length);
        for (int k = 0; k < actual.length; k++) {
            float e = expected[k], a = actual[k];
            if (!(Math.abs(a - e) <= tol * (1 + Math.abs(e))) && !(Float.isNaN(e) && Float.isNaN(a)) && a != e) {
                throw new AssertionError(op + ": element " + k + " is " + a + ", reference " + e + " (tolerance " + tol + ")");
            }
        }
    }

    // ---------------------------------------------------------------- gemm

    @ParameterizedTest(name = "gemm {0}x{1}x{2} transA={3} transB={4}")
    @CsvSource({
        "1,1,1,false,false", "7,33,1,false,true", "33,7,257,true,false", "257,33,7,true,true",
        "64,64,64,false,false", "1,257,33,false,true", "33,1,7,true,false", "100,30,70,false,false",
    })
    void gemmMatchesReference(int m, int n, int k, boolean ta, boolean tb) {
        SplittableRandom rng = new SplittableRandom(m * 31L + n * 7L + k);
        float[] a = random(rng, m * k), b = random(rng, k * n), c = random(rng, m * n);
        int[] sa = ta ? new int[] {k, m} : new int[] {m, k};
        int[] sb = tb ? new int[] {n, k} : new int[] {k, n};
        for (float beta : new float[] {0f, 1f, 0.5f}) {
            Tensor rc = ref.upload(c, m, n);
            ref.gemm(ta, tb, 0.75f, ref.upload(a, sa), ref.upload(b, sb), beta, rc);
            Tensor bc = be.upload(c, m, n);
            be.gemm(ta, tb, 0.75f, be.upload(a, sa), be.upload(b, sb), beta, bc);
            assertClose("gemm beta=" + beta, be.download(bc), ref.download(rc), TOL * (float) Math.sqrt(k));
        }
    }
}
