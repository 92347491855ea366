package dev.nabla.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.AvgPool2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.rnn.Gru;
import dev.nabla.nn.rnn.Lstm;
import dev.nabla.nn.rnn.Recurrent;
import dev.nabla.optim.Sgd;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The backend contract: every op of {@link Backend}, run on the backend under test and on the {@link ReferenceBackend}
 * with the same random inputs, must agree within the stated tolerance. Shapes include the awkward ones (1, 7, 33, 257,
 * non-square, transposed). Each backend module subclasses this with its {@link #backend()}.
 *
 * <p>Every tensor handed to an op is a view at an odd offset into a larger storage whose margins hold a sentinel, and
 * the margins are checked after each op: an op that writes outside its tensor (a vector tail, a wrong offset) fails.
 *
 * <p>Tolerances, |actual − reference| ≤ tol·(1 + |reference|) elementwise, come in four {@link Precision} classes;
 * a subclass may override {@link #tolerance(Precision)} (a bit-exact CPU backend tightens ARITHMETIC to 0; a GPU's
 * fast math may loosen TRANSCENDENTAL). Whole training steps must agree as well: an MLP, LeNet-5 (two variants) and a
 * strided CNN, LSTM (with and without peepholes) and GRU sequence models, several steps of SGD with momentum each.
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

    /** How closely a class of ops must match the reference. */
    protected enum Precision {
        /** Data movement, comparisons and single IEEE operations (copy, im2col, max pooling, dropout masks, mul): bit-exact. */
        EXACT,
        /** Elementwise arithmetic without transcendental functions (optimizer steps, cell backward passes, col2im sums). */
        ARITHMETIC,
        /** Anything with exp, log or tanh (activations, softmax, cell forward passes, losses). */
        TRANSCENDENTAL,
        /** Sums of many terms (gemm, bias sums, norms): multiplied by √terms where used. */
        REDUCTION,
        /** Losses and parameters after several whole training steps of a model on both backends. */
        TRAINING
    }

    /** The tolerance of a precision class; override to tighten or loosen. */
    protected float tolerance(Precision p) {
        return switch (p) {
            case EXACT -> 0f;
            case ARITHMETIC -> 1e-6f;
            case TRANSCENDENTAL -> 1e-5f;
            case REDUCTION -> TOL;
            case TRAINING -> 1e-4f;
        };
    }

    // ---------------------------------------------------------------- helpers for subclasses and additions

    protected static float[] random(SplittableRandom rng, int n) {
        float[] a = new float[n];
        for (int k = 0; k < n; k++) a[k] = (float) rng.nextDouble(-1, 1);
        return a;
    }

    protected static float[] random(SplittableRandom rng, int n, double lo, double hi) {
        float[] a = new float[n];
        for (int k = 0; k < n; k++) a[k] = (float) rng.nextDouble(lo, hi);
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

    /** Storage margin on each side of every test tensor (odd, so vectors start misaligned). */
    protected static final int MARGIN = 5;
    private static final float SENTINEL = -1234.5f;
    private final Map<Tensor, Tensor> parents = new IdentityHashMap<>();

    @BeforeEach
    void forgetParents() { parents.clear(); }

    /** A tensor of backend {@code b} holding {@code data}: a view at offset {@link #MARGIN} into a sentinel-filled storage. */
    protected Tensor put(Backend b, float[] data, int... shape) {
        float[] all = new float[data.length + 2 * MARGIN];
        Arrays.fill(all, SENTINEL);
        System.arraycopy(data, 0, all, MARGIN, data.length);
        Tensor whole = b.upload(all, all.length);
        Tensor view = whole.view(MARGIN, shape);
        parents.put(view, whole);
        return view;
    }

    /** The contents of a tensor made by {@link #put}, after checking that nothing was written into its margins. */
    protected float[] get(String op, Tensor t) {
        Tensor whole = parents.get(t);
        float[] all = t.backend().download(whole);
        for (int k = 0; k < all.length; k++) {
            if ((k < MARGIN || k >= all.length - MARGIN) && Float.floatToRawIntBits(all[k]) != Float.floatToRawIntBits(SENTINEL)) {
                throw new AssertionError(op + " on " + t.backend().name() + " wrote " + all[k] + " outside its tensor "
                        + t.shapeString() + " (storage index " + k + ")");
            }
        }
        return Arrays.copyOfRange(all, MARGIN, all.length - MARGIN);
    }

    /** An op run on one backend, given its tensors; returns the op's number (or 0). */
    @FunctionalInterface
    protected interface Op {
        float run(Backend b, Tensor[] t);
    }

    /**
     * Runs {@code op} on both backends with the same inputs (data[i] shaped shapes[i], null data = a null tensor),
     * then compares every tensor (inputs included: many ops write in place) at {@code tol}; returns {reference, actual}
     * of the op's number.
     */
    protected float[] compare(String name, float tol, Op op, float[][] data, int[]... shapes) {
        Tensor[] rt = new Tensor[data.length], bt = new Tensor[data.length];
        for (int i = 0; i < data.length; i++) {
            if (data[i] == null) continue;
            rt[i] = put(ref, data[i], shapes[i]);
            bt[i] = put(be, data[i], shapes[i]);
        }
        float r = op.run(ref, rt), a = op.run(be, bt);
        lastReference = new float[data.length][];
        for (int i = 0; i < data.length; i++) {
            if (data[i] == null) continue;
            lastReference[i] = get(name, rt[i]);
            assertClose(name + " tensor " + i, get(name, bt[i]), lastReference[i], tol);
        }
        return new float[] {r, a};
    }

    /** The reference's tensors after the last {@link #compare} (null for a null tensor): what the specification computed. */
    protected float[][] lastReference;

    /** Both backends reject the same bad call with the same exception type. */
    protected void bothThrow(Class<? extends Throwable> type, String messagePart, Op op, float[][] data, int[]... shapes) {
        for (Backend b : List.of(ref, be)) {
            Tensor[] t = new Tensor[data.length];
            for (int i = 0; i < data.length; i++) if (data[i] != null) t[i] = put(b, data[i], shapes[i]);
            assertThatThrownBy(() -> op.run(b, t)).as(b.name()).isInstanceOf(type).hasMessageContaining(messagePart);
        }
    }

    private static void assertScalarClose(String op, float[] refAndActual, float tol) {
        assertClose(op + " (returned value)", new float[] {refAndActual[1]}, new float[] {refAndActual[0]}, tol);
    }

    private static int[] s(int... shape) { return shape; }

    private static float[][] d(float[]... data) { return data; }

    // ---------------------------------------------------------------- vector ops

    @ParameterizedTest(name = "vector ops n={0}")
    @ValueSource(ints = {1, 7, 16, 33, 257, 70_003})
    void vectorOpsMatchReference(int n) {
        SplittableRandom rng = new SplittableRandom(n);
        float[] x = random(rng, n), y = random(rng, n);
        float exact = tolerance(Precision.EXACT), arith = tolerance(Precision.ARITHMETIC);
        compare("fill", exact, (b, t) -> { b.fill(t[0], 0.25f); return 0; }, d(x), s(n));
        compare("copy", exact, (b, t) -> { b.copy(t[0], t[1]); return 0; }, d(x, y), s(n), s(1, n));
        compare("axpy", arith, (b, t) -> { b.axpy(-0.7f, t[0], t[1]); return 0; }, d(x, y), s(n), s(n));
        compare("scale", exact, (b, t) -> { b.scale(t[0], 1.3f); return 0; }, d(x), s(n));
        compare("mul", exact, (b, t) -> { b.mul(t[0], t[1], t[2]); return 0; }, d(x, y, new float[n]), s(n), s(n), s(n));
        compare("mul in place", exact, (b, t) -> { b.mul(t[0], t[1], t[0]); return 0; }, d(x, y), s(n), s(n));
        assertScalarClose("sumSquares", compare("sumSquares", exact, (b, t) -> b.sumSquares(t[0]), d(x), s(n)),
                tolerance(Precision.REDUCTION) * (float) Math.sqrt(n));
        // several at once (the trainer's gradient norm): each as sumSquares gives it, in order, NaN and empty ones included
        float[] z = x.clone();
        z[0] = Float.NaN;
        Tensor[] mine = {be.upload(x, n), be.upload(y, n), be.zeros(0), be.upload(z, n)};
        float[] each = be.sumSquaresEach(mine);
        assertThat(each).hasSize(4);
        assertClose("sumSquaresEach", new float[] {each[0], each[1], each[2]},
                new float[] {ref.sumSquares(ref.upload(x, n)), ref.sumSquares(ref.upload(y, n)), 0f}, tolerance(Precision.REDUCTION) * (float) Math.sqrt(n));
        assertThat(each[3]).isNaN();
        assertThat(be.sumSquaresEach()).isEmpty();
        Tensor.closeAll(mine);
    }

    /**
     * The losses that leave E on the device (the Trainer's one read per step) agree with the forms that return it, on
     * this backend: the same gradient bits, the same loss (bit for bit on the heap backends; a device divides by the
     * count on the device, so within one rounding), and {@code readWithSumSquares} is a download and sumSquaresEach in
     * one — ignored rows, all rows ignored, a NaN score and an empty gradient list included.
     */
    @Test
    void lossesIntoATensorAgreeWithTheLossesThatReturn() {
        SplittableRandom rng = new SplittableRandom(17);
        int rows = 9, classes = 5;
        float[] z = random(rng, rows * classes, -3, 3), t = random(rng, rows * classes, 0.05, 0.95);
        float[] labels = new float[rows];
        for (int r = 0; r < rows; r++) labels[r] = r == 4 ? -1 : rng.nextInt(classes);
        float[] nanZ = z.clone();
        nanZ[7] = Float.NaN;
        float[] ignored = new float[rows];
        Arrays.fill(ignored, -1f);
        float div = tolerance(Precision.ARITHMETIC);
        try (Tensor y = be.upload(z, rows, classes); Tensor yn = be.upload(nanZ, rows, classes); Tensor target = be.upload(t, rows, classes);
             Tensor lab = be.upload(labels, rows); Tensor none = be.upload(ignored, rows); Tensor d1 = be.zeros(rows, classes);
             Tensor d2 = be.zeros(rows, classes); Tensor e = be.zeros(1)) {
            for (Tensor scores : new Tensor[] {y, yn}) {
                for (Tensor l : new Tensor[] {lab, none}) {
                    String what = (scores == yn ? "NaN score, " : "") + (l == none ? "every row ignored" : "one row ignored");
                    float e1 = be.softmaxCrossEntropy(scores, l, d1);
                    be.softmaxCrossEntropyInto(scores, l, d2, e);
                    assertClose("softmaxCrossEntropyInto (" + what + ")", be.download(e), new float[] {e1}, div);
                    assertThat(be.download(d2)).as("softmaxCrossEntropyInto's gradient (" + what + ")").isEqualTo(be.download(d1));
                    e1 = be.hinge(scores, l, 1f, d1);
                    be.hingeInto(scores, l, 1f, d2, e);
                    assertClose("hingeInto (" + what + ")", be.download(e), new float[] {e1}, div);
                    assertThat(be.download(d2)).as("hingeInto's gradient (" + what + ")").isEqualTo(be.download(d1));
                }
            }
            for (ElementwiseLoss kind : ElementwiseLoss.values()) {
                Tensor out = kind == ElementwiseLoss.BINARY_CROSS_ENTROPY ? target : y;   // BCE's y is a probability
                float e1 = be.elementwiseLoss(kind, out, target, d1);
                be.elementwiseLossInto(kind, out, target, d2, e);
                assertClose("elementwiseLossInto " + kind, be.download(e), new float[] {e1}, div);
                assertThat(be.download(d2)).as("elementwiseLossInto " + kind + "'s gradient").isEqualTo(be.download(d1));
                be.elementwiseLossInto(kind, out, target, null, e);                          // no gradient wanted
                assertClose("elementwiseLossInto " + kind + " without a gradient", be.download(e), new float[] {e1}, div);
            }
            float[] both = be.readWithSumSquares(e, y, target, be.zeros(0));
            float[] sq = be.sumSquaresEach(y, target);
            assertThat(both).hasSize(4);
            assertThat(both[0]).isEqualTo(be.download(e)[0]);
            assertThat(new float[] {both[1], both[2], both[3]}).isEqualTo(new float[] {sq[0], sq[1], 0f});
            assertThat(be.readWithSumSquares(e)).containsExactly(be.download(e)[0]);
            assertThatThrownBy(() -> be.softmaxCrossEntropyInto(y, lab, d1, d1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("softmaxCrossEntropyInto").hasMessageContaining("one element");
        }
    }

    @Test
    void vectorOpsRejectMismatchedSizes() {
        bothThrow(IllegalArgumentException.class, "axpy", (b, t) -> { b.axpy(1f, t[0], t[1]); return 0; },
                d(new float[7], new float[8]), s(7), s(8));
        bothThrow(IllegalArgumentException.class, "copy", (b, t) -> { b.copy(t[0], t[1]); return 0; },
                d(new float[7], new float[6]), s(7), s(6));
    }

    // ---------------------------------------------------------------- gemm

    @ParameterizedTest(name = "gemm and gemmPacked {0}x{1}x{2} transA={3} transB={4}")
    @CsvSource({
        "1,1,1,false,false", "7,33,1,false,true", "33,7,257,true,false", "257,33,7,true,true",
        "64,64,64,false,false", "1,257,33,false,true", "33,1,7,true,false", "100,30,70,false,false",
        "257,257,33,false,false", "33,257,257,false,true", "7,7,257,true,true", "64,256,784,false,true",
        "256,784,64,true,false", "17,1,1,true,true", "1,1,257,false,false", "129,65,31,true,false",
        "32,1024,256,false,true", "32,256,1024,false,false",          // an LSTM's recurrent products, forward and back
    })
    void gemmMatchesReference(int m, int n, int k, boolean ta, boolean tb) {
        SplittableRandom rng = new SplittableRandom(m * 31L + n * 7L + k);
        float[] a = random(rng, m * k), b = random(rng, k * n), c = random(rng, m * n);
        int[] sa = ta ? new int[] {k, m} : new int[] {m, k};
        int[] sb = tb ? new int[] {n, k} : new int[] {k, n};
        Tensor packed = be.zeros(k, n);                               // op(B) packed once for the gemmPacked products
        be.gemmPack(tb, be.upload(b, sb), packed);
        for (float beta : new float[] {0f, 1f, 0.5f}) {
            Tensor rc = ref.upload(c, m, n);
            ref.gemm(ta, tb, 0.75f, ref.upload(a, sa), ref.upload(b, sb), beta, rc);
            Tensor bc = be.upload(c, m, n);
            be.gemm(ta, tb, 0.75f, be.upload(a, sa), be.upload(b, sb), beta, bc);
            assertClose("gemm beta=" + beta, be.download(bc), ref.download(rc), TOL * (float) Math.sqrt(k));
            Tensor pc = be.upload(c, m, n);
            be.gemmPacked(ta, 0.75f, be.upload(a, sa), packed, beta, pc);
            assertClose("gemmPacked beta=" + beta, be.download(pc), ref.download(rc), TOL * (float) Math.sqrt(k));
            // the same product on views at odd offsets, A read as a rank-3 tensor
            int[] sa3 = ta ? new int[] {1, k, m} : new int[] {m, 1, k};
            if (!ta && m > 1) sa3 = new int[] {1, m, k};
            final int[] sa3f = sa3;
            compare("gemm at offsets beta=" + beta, tolerance(Precision.REDUCTION) * (float) Math.sqrt(k),
                    (bk, t) -> { bk.gemm(ta, tb, -1.25f, t[0], t[1], beta, t[2]); return 0; }, d(a, b, c), sa3f, sb, s(m, n));
        }
    }

    @Test
    void gemmWithBetaZeroIgnoresNaNInC() {
        SplittableRandom rng = new SplittableRandom(5);
        float[] a = random(rng, 7 * 33), b = random(rng, 33 * 9), c = new float[7 * 9];
        Arrays.fill(c, Float.NaN);
        compare("gemm beta=0 over NaN", TOL * 6, (bk, t) -> { bk.gemm(false, false, 1f, t[0], t[1], 0f, t[2]); return 0; },
                d(a, b, c), s(7, 33), s(33, 9), s(7, 9));
        Tensor bc = be.upload(c, 7, 9);
        be.gemm(false, false, 1f, be.upload(a, 7, 33), be.upload(b, 33, 9), 0f, bc);
        for (float v : be.download(bc)) assertThat(v).isFinite();
    }

    @Test
    void gemmRejectsMismatchedShapes() {
        bothThrow(IllegalArgumentException.class, "gemm", (bk, t) -> { bk.gemm(false, false, 1f, t[0], t[1], 0f,
                t[2]); return 0; },
                d(new float[6], new float[12], new float[8]), s(2, 3), s(4, 3), s(2, 4));
    }

    @Test
    void gemmPackRejectsAPackedTensorOfTheWrongShapeAndGemmPackedAMismatchedA() {
        bothThrow(IllegalArgumentException.class, "gemmPack", (bk, t) -> { bk.gemmPack(true, t[0], t[1]); return 0; },
                d(new float[12], new float[12]), s(4, 3), s(4, 3));                  // op(B) = Bᵀ is 3x4
        bothThrow(IllegalArgumentException.class, "gemmPacked", (bk, t) -> { bk.gemmPacked(false, 1f, t[0], t[1], 0f,
                t[2]); return 0; }, d(new float[6], new float[12], new float[8]), s(2, 3), s(4, 3), s(2, 3));
    }

    // ---------------------------------------------------------------- bias and axes

    @ParameterizedTest(name = "bias outer={0} C={1} inner={2}")
    @CsvSource({"1,1,1", "7,33,1", "3,7,33", "2,257,7", "33,1,257", "64,10,1", "300,257,1", "2,6,784"})
    void biasOpsMatchReference(int outer, int channels, int inner) {
        SplittableRandom rng = new SplittableRandom(outer * 1000 + channels * 10 + inner);
        int n = outer * channels * inner;
        float[] x = random(rng, n), bias = random(rng, channels), db = random(rng, channels);
        compare("addBias", tolerance(Precision.EXACT), (b, t) -> { b.addBias(t[0], t[1], inner); return 0; },
                d(x, bias), s(outer, channels * inner), s(channels));
        float sumTol = tolerance(Precision.REDUCTION) * (float) Math.sqrt(outer * inner);
        for (float beta : new float[] {0f, 1f, 0.5f}) {
            compare("sumBias beta=" + beta, sumTol, (b, t) -> { b.sumBias(t[0], t[1], inner, beta); return 0; },
                    d(x, db), s(outer, channels, inner), s(channels));
        }
        float[] nan = new float[channels];
        Arrays.fill(nan, Float.NaN);
        compare("sumBias beta=0 over NaN", sumTol, (b, t) -> { b.sumBias(t[0], t[1], inner, 0f); return 0; },
                d(x, nan), s(outer, channels, inner), s(channels));
        compare("swapAxes01", tolerance(Precision.EXACT), (b, t) -> { b.swapAxes01(t[0], t[1], outer, channels,
                inner); return 0; },
                d(x, new float[n]), s(outer, channels, inner), s(channels, outer, inner));
    }

    @Test
    void biasOpsRejectMismatchedLayouts() {
        bothThrow(IllegalArgumentException.class, "addBias", (b, t) -> { b.addBias(t[0], t[1], 1); return 0; },
                d(new float[10], new float[3]), s(2, 5), s(3));
        bothThrow(IllegalArgumentException.class, "sumBias", (b, t) -> { b.sumBias(t[0], t[1], 2, 0f); return 0; },
                d(new float[10], new float[2]), s(10), s(2));
        // an empty bias is a layout error too (the reference used to divide by zero here)
        bothThrow(IllegalArgumentException.class, "cannot be read as [outer, 0, 1]",
                (b, t) -> { b.addBias(t[0], t[1], 1); return 0; }, d(new float[10], new float[0]), s(2, 5), s(0));
    }

    // ---------------------------------------------------------------- activations

    /** Random inputs in [−6, 6] led by the special values every backend must treat as the reference does. */
    private static float[] activationInputs(SplittableRandom rng, int n) {
        float[] x = random(rng, n, -6, 6);
        float[] special = {0f, -0f, 0.5f, -0.5f, 1e-8f, -1e-8f, 30f, -30f, 100f, -100f, Float.POSITIVE_INFINITY,
                           Float.NEGATIVE_INFINITY, Float.NaN};
        System.arraycopy(special, 0, x, 0, Math.min(n, special.length));
        return x;
    }

    private float activationTolerance(Activation f) {
        return switch (f) {
            case SIGMOID, TANH, SOFTPLUS -> tolerance(Precision.TRANSCENDENTAL);
            default -> tolerance(Precision.EXACT);
        };
    }

    @ParameterizedTest(name = "activation {0}")
    @EnumSource(Activation.class)
    void activationsMatchReference(Activation f) {
        for (int n : new int[] {1, 7, 13, 33, 257, 40_000}) {
            SplittableRandom rng = new SplittableRandom(n + f.ordinal());
            float[] x = activationInputs(rng, n), dy = random(rng, n);
            compare(f + " n=" + n, activationTolerance(f), (b, t) -> { b.activation(f, t[0], t[1]); return 0; },
                    d(x, new float[n]), s(n), s(n));
            compare(f + " in place n=" + n, activationTolerance(f), (b, t) -> { b.activation(f, t[0],
                    t[0]); return 0; }, d(x), s(n));
            // the backward pass from the reference's y, so the derivative alone is compared
            Tensor ry = ref.upload(x, n);
            ref.activation(f, ry, ry);
            float[] yRef = ref.download(ry);
            float backTol = f == Activation.SOFTPLUS ? tolerance(Precision.TRANSCENDENTAL) : tolerance(Precision.ARITHMETIC);
            compare(f + "' n=" + n, backTol, (b, t) -> { b.activationBackward(f, t[0], t[1], t[2], t[3]); return 0; },
                    d(x, yRef, dy, new float[n]), s(n), s(n), s(n), s(n));
            compare(f + "' in place n=" + n, backTol, (b, t) -> { b.activationBackward(f, t[0], t[1], t[2], t[2]); return 0; },
                    d(x, yRef, dy), s(n), s(n), s(n));
        }
    }

    @ParameterizedTest(name = "prelu outer={0} C={1} inner={2}")
    @CsvSource({"1,1,1", "7,33,1", "3,7,33", "2,1,257", "300,65,1", "2,6,784"})
    void preluMatchesReference(int outer, int channels, int inner) {
        SplittableRandom rng = new SplittableRandom(outer + 17L * channels + inner);
        int n = outer * channels * inner;
        float[] x = random(rng, n), alpha = random(rng, channels, 0, 0.5), dy = random(rng, n), dalpha = random(rng, channels);
        compare("prelu", tolerance(Precision.EXACT), (b, t) -> { b.prelu(t[0], t[1], t[2], inner); return 0; },
                d(x, alpha, new float[n]), s(outer, channels, inner), s(channels), s(n));
        compare("preluBackward", tolerance(Precision.REDUCTION) * (float) Math.sqrt(outer * inner),
                (b, t) -> { b.preluBackward(t[0], t[1], t[2], t[3], t[4], inner); return 0; },
                d(x, alpha, dy, new float[n], dalpha), s(outer, channels, inner), s(channels), s(n), s(n), s(channels));
    }

    @ParameterizedTest(name = "softmax {0}x{1}")
    @CsvSource({"1,1", "1,7", "7,33", "33,257", "257,7", "2,1000", "64,10", "300,65"})
    void softmaxMatchesReference(int rows, int cols) {
        SplittableRandom rng = new SplittableRandom(rows * 1000L + cols);
        int n = rows * cols;
        float[] x = random(rng, n, -20, 20), dy = random(rng, n);
        compare("softmax", tolerance(Precision.TRANSCENDENTAL), (b, t) -> { b.softmax(t[0], t[1]); return 0; },
                d(x, new float[n]), s(rows, cols), s(rows, cols));
        Tensor ry = ref.zeros(rows, cols);
        ref.softmax(ref.upload(x, rows, cols), ry);
        compare("softmaxBackward", tolerance(Precision.REDUCTION) * (float) Math.sqrt(cols),
                (b, t) -> { b.softmaxBackward(t[0], t[1], t[2]); return 0; },
                d(ref.download(ry), dy, new float[n]), s(rows, cols), s(rows, cols), s(rows, cols));
    }

    // ---------------------------------------------------------------- losses and metrics

    /** Labels in [0, classes), every fifth row ignored (−1). */
    private static float[] labels(SplittableRandom rng, int rows, int classes) {
        float[] l = new float[rows];
        for (int r = 0; r < rows; r++) l[r] = r % 5 == 3 ? -1 : rng.nextInt(classes);
        return l;
    }

    @ParameterizedTest(name = "classification losses {0}x{1}")
    @CsvSource({"1,1", "1,7", "7,33", "33,257", "257,7", "64,10", "4,2"})
    void classificationLossesMatchReference(int rows, int classes) {
        SplittableRandom rng = new SplittableRandom(rows * 7919L + classes);
        int n = rows * classes;
        float[] z = random(rng, n, -8, 8), lab = labels(rng, rows, classes);
        float trans = tolerance(Precision.TRANSCENDENTAL), red = tolerance(Precision.REDUCTION) * (float) Math.sqrt(rows);
        assertScalarClose("softmaxCrossEntropy", compare("softmaxCrossEntropy", trans,
                (b, t) -> b.softmaxCrossEntropy(t[0], t[1], t[2]), d(z, lab, new float[n]), s(rows, classes), s(rows),
                        s(n)), red);
        assertScalarClose("softmaxCrossEntropy without gradient", compare("softmaxCrossEntropy", trans,
                (b, t) -> b.softmaxCrossEntropy(t[0], t[1], null), d(z, lab, null), s(rows, classes), s(rows), null), red);
        for (float margin : new float[] {1f, 0.3f}) {
            assertScalarClose("hinge", compare("hinge margin " + margin, trans,
                    (b, t) -> b.hinge(t[0], t[1], margin, t[2]), d(z, lab, new float[n]), s(rows, classes), s(rows), s(n)), red);
            assertScalarClose("hinge without gradient", compare("hinge", trans,
                    (b, t) -> b.hinge(t[0], t[1], margin, null), d(z, lab, null), s(rows, classes), s(rows), null), red);
        }
        assertScalarClose("countCorrect", compare("countCorrect", 0f, (b, t) -> b.countCorrect(t[0], t[1]),
                d(z, lab), s(rows, classes), s(rows)), 0f);
        float[] ignored = new float[rows];
        Arrays.fill(ignored, -1f);
        float[] none = compare("softmaxCrossEntropy, every row ignored", 0f, (b, t) -> b.softmaxCrossEntropy(t[0], t[1], t[2]),
                d(z, ignored, random(rng, n)), s(rows, classes), s(rows), s(n));
        assertThat(none).containsExactly(0f, 0f);
        assertThat(compare("hinge, every row ignored", 0f, (b, t) -> b.hinge(t[0], t[1], 1f, t[2]),
                d(z, ignored, random(rng, n)), s(rows, classes), s(rows), s(n))).containsExactly(0f, 0f);
    }

    @Test
    void countCorrectTakesTheFirstMaximumOnTies() {
        SplittableRandom rng = new SplittableRandom(11);
        int rows = 200, classes = 7;
        float[] z = new float[rows * classes], lab = new float[rows];
        for (int i = 0; i < z.length; i++) z[i] = rng.nextInt(3);           // many ties
        for (int r = 0; r < rows; r++) lab[r] = rng.nextInt(classes);
        z[5 * classes] = Float.NaN;                                         // NaN counts as the largest: the first NaN wins
        z[6 * classes + 2] = Float.NaN;
        float[] both = compare("countCorrect with ties", 0f, (b, t) -> b.countCorrect(t[0], t[1]), d(z, lab), s(rows,
                classes), s(rows));
        assertThat(both[1]).isEqualTo(both[0]);
        assertThat(both[0]).isGreaterThan(0f);
    }

    @Test
    void labelsOutsideTheClassesAreRejected() {
        float[] z = new float[3 * 4];
        for (float bad : new float[] {4f, 9f, 1.5f, Float.NaN, -0.5f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY}) {
            float[] lab = {0, bad, 1};
            String says = "label " + bad + " in row 1 is not a class index in [0, 4)";
            bothThrow(InvalidIndexException.class, "softmaxCrossEntropy: " + says, (b, t) -> b.softmaxCrossEntropy(t[0], t[1], t[2]),
                    d(z, lab, new float[12]), s(3, 4), s(3), s(12));
            bothThrow(InvalidIndexException.class, "hinge: " + says, (b, t) -> b.hinge(t[0], t[1], 1f, null), d(z, lab), s(3, 4), s(3));
            bothThrow(InvalidIndexException.class, "countCorrect: " + says, (b, t) -> b.countCorrect(t[0], t[1]), d(z, lab), s(3, 4), s(3));
        }
        // the first bad label is reported on every backend; negative whole numbers (any of them) are ignored rows
        bothThrow(InvalidIndexException.class, "label 0.5 in row 1", (b, t) -> b.softmaxCrossEntropy(t[0], t[1], null),
                d(z, new float[] {-3, 0.5f, NAN}), s(3, 4), s(3));
        float[] counted = compare("negative whole labels are ignored rows", tolerance(Precision.TRANSCENDENTAL),
                (b, t) -> b.softmaxCrossEntropy(t[0], t[1], null), d(random(new SplittableRandom(4), 12), new float[] {-1, 2, -7}), s(3, 4), s(3));
        assertThat(counted[0]).isEqualTo(counted[1]).isPositive();
        bothThrow(IllegalArgumentException.class, "labels", (b, t) -> b.softmaxCrossEntropy(t[0], t[1], null),
                d(z, new float[4]), s(3, 4), s(4));
    }

    @ParameterizedTest(name = "elementwise loss {0}")
    @EnumSource(ElementwiseLoss.class)
    void elementwiseLossesMatchReference(ElementwiseLoss kind) {
        for (int n : new int[] {1, 7, 33, 257, 5000}) {
            SplittableRandom rng = new SplittableRandom(n * 3L + kind.ordinal());
            boolean bce = kind == ElementwiseLoss.BINARY_CROSS_ENTROPY;
            float[] y = bce ? random(rng, n, 0.001, 0.999) : random(rng, n, -3, 3);
            float[] target = bce ? random(rng, n, 0, 1) : random(rng, n, -3, 3);
            if (bce && n > 4) { y[0] = 0f; y[1] = 1f; target[0] = 0f; target[1] = 1f; target[2] = 1f; }
            if (!bce && n > 2) target[1] = y[1];                            // L1's derivative at y = d is 0
            float red = tolerance(Precision.REDUCTION) * (float) Math.sqrt(n);
            assertScalarClose(kind.name(), compare(kind.name(), tolerance(Precision.TRANSCENDENTAL),
                    (b, t) -> b.elementwiseLoss(kind, t[0], t[1], t[2]), d(y, target, new float[n]), s(n), s(n), s(n)), red);
            assertScalarClose(kind.name(), compare(kind.name(), 0f,
                    (b, t) -> b.elementwiseLoss(kind, t[0], t[1], null), d(y, target, null), s(n), s(n), null), red);
        }
    }

    // ---------------------------------------------------------------- convolution and pooling

    /**
     * batch, channels, H, W, kH, kW, sH, sW, pH, pW: LeNet-5's layers, odd sizes, non-square, 1×1, overlapping windows,
     * and rows wide enough for whole vectors of outputs (16 lanes) plus a tail, strided and tiled; a batch of 9 (the CPU
     * backend's 8 parts of the batch: 2 images each, the last 1) and 1,600 outputs per image (more columns than the CPU
     * backward's ∂E/∂X product takes for several images at once); 2×2 pooling of planes at most 16 wide (the CPU backend
     * pools two output rows per vector step there), with an odd number of output rows, an odd width and a full vector; and
     * an odd height of short rows, padded (its col2im sums input rows in pairs, the last alone).
     */
    private static final String GEOMETRIES = """
            2,1,28,28,5,5,1,1,2,2
            2,6,14,14,5,5,1,1,0,0
            1,3,7,7,3,3,2,2,1,1
            3,2,9,5,2,3,1,2,0,1
            2,4,6,6,1,1,1,1,0,0
            1,1,1,1,1,1,1,1,0,0
            2,3,33,17,3,3,1,1,1,1
            1,2,8,8,4,4,4,4,0,0
            2,2,11,13,3,2,3,1,2,1
            2,3,40,70,2,2,2,2,0,0
            1,2,9,50,3,3,2,2,1,1
            1,1,10,101,3,3,3,3,0,0
            3,2,28,28,2,2,2,2,0,0
            2,3,9,45,2,2,2,2,0,0
            9,2,12,12,3,3,1,1,1,1
            2,1,40,40,3,3,1,1,1,1
            2,16,10,10,2,2,2,2,0,0
            3,2,7,11,2,2,2,2,0,0
            2,3,6,16,2,2,2,2,0,0
            2,2,7,9,3,3,1,1,1,1
            """;

    private static List<ConvGeometry> geometries() {
        return GEOMETRIES.lines().map(l -> Arrays.stream(l.trim().split(",")).mapToInt(Integer::parseInt).toArray())
                .map(v -> new ConvGeometry(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9])).toList();
    }

    @Test
    void im2colAndCol2imMatchReference() {
        for (ConvGeometry g : geometries()) {
            SplittableRandom rng = new SplittableRandom(g.hashCode());
            int in = g.batch() * g.channels() * g.height() * g.width(), cols = g.colRows() * g.colCols();
            compare("im2col " + g, tolerance(Precision.EXACT), (b, t) -> { b.im2col(t[0], g, t[1]); return 0; },
                    d(random(rng, in), random(rng, cols)), s(g.batch(), g.channels(), g.height(), g.width()),
                            s(g.colRows(), g.colCols()));
            compare("col2im " + g, tolerance(Precision.ARITHMETIC), (b, t) -> { b.col2im(t[0], g, t[1]); return 0; },
                    d(random(rng, cols), random(rng, in)), s(g.colRows(), g.colCols()), s(g.batch(), g.channels(),
                            g.height(), g.width()));
        }
    }

    /** conv2d and its backward pass, with and without bias, every combination of wanted gradients. */
    @Test
    void convolutionAndItsBackwardPassMatchReference() {
        for (ConvGeometry g : geometries()) {
            for (int cout : new int[] {1, 5}) {
                SplittableRandom rng = new SplittableRandom(g.hashCode() * 31L + cout);
                int in = g.batch() * g.channels() * g.height() * g.width(), k = g.colRows(),
                        out = g.batch() * cout * g.outH() * g.outW(), sums = g.batch() * g.outH() * g.outW();
                int[] xs = s(g.batch(), g.channels(), g.height(), g.width()), ws = s(cout, g.channels(), g.kernelH(), g.kernelW()),
                        ys = s(g.batch(), cout, g.outH(), g.outW());
                float[] x = random(rng, in), w = random(rng, cout * k), b = random(rng, cout), dy = random(rng, out);
                float fwd = tolerance(Precision.REDUCTION) * (float) Math.sqrt(k + 1);
                compare("conv2d " + g + " C_out " + cout, fwd, (be, t) -> { be.conv2d(t[0], t[1], t[2], g, t[3]); return 0; },
                        d(x, w, b, random(rng, out)), xs, ws, s(cout), ys);
                compare("conv2d without bias " + g + " C_out " + cout, fwd,
                        (be, t) -> { be.conv2d(t[0], t[1], null, g, t[2]); return 0; }, d(x, w, random(rng, out)), xs, ws, ys);
                float bwd = tolerance(Precision.REDUCTION) * (float) Math.sqrt(Math.max(sums, cout * g.kernelH() * g.kernelW()) + 1);
                float[] dw = random(rng, cout * k), db = random(rng, cout), dx = random(rng, in);
                for (int wanted = 1; wanted < 8; wanted++) {        // bit 0: ∂W, bit 1: ∂b, bit 2: ∂x
                    int m = wanted;
                    compare("conv2dBackward " + g + " C_out " + cout + " gradients " + m, bwd,
                            (be, t) -> { be.conv2dBackward(t[0], t[1], t[2], g, t[3], t[4], t[5]); return 0; },
                            d(x, w, dy, (m & 1) != 0 ? dw : null, (m & 2) != 0 ? db : null, (m & 4) != 0 ? dx : null),
                            xs, ws, ys, ws, s(cout), xs);
                }
            }
        }
    }

    @Test
    void convolutionRejectsABankThatDoesNotFitTheGeometry() {
        ConvGeometry g = new ConvGeometry(2, 3, 6, 6, 3, 3, 1, 1, 0, 0);
        bothThrow(IllegalArgumentException.class, "kernel bank [2, 26] holds 52 elements, not C_out·3·3·3",
                (b, t) -> { b.conv2d(t[0], t[1], null, g, t[2]); return 0; }, d(new float[216], new float[52], new float[64]),
                s(2, 3, 6, 6), s(2, 26), s(2, 2, 4, 4));
        bothThrow(IllegalArgumentException.class, "conv2d: output [2, 3, 4, 4] holds 96 elements",
                (b, t) -> { b.conv2d(t[0], t[1], null, g, t[2]); return 0; }, d(new float[216], new float[54], new float[96]),
                s(2, 3, 6, 6), s(2, 27), s(2, 3, 4, 4));
        bothThrow(IllegalArgumentException.class, "conv2dBackward: bias gradient [3] holds 3 elements",
                (b, t) -> { b.conv2dBackward(t[0], t[1], t[2], g, null, t[3], null); return 0; },
                d(new float[216], new float[54], new float[64], new float[3]), s(2, 3, 6, 6), s(2, 27), s(2, 2, 4, 4), s(3));
    }

    @Test
    void poolingMatchesReference() {
        for (ConvGeometry g : geometries()) {
            if (g.padH() * 2 > g.kernelH() || g.padW() * 2 > g.kernelW()) continue;   // a window wholly in the padding has no maximum
            SplittableRandom rng = new SplittableRandom(g.hashCode() + 1);
            int in = g.batch() * g.channels() * g.height() * g.width(), out = g.batch() * g.channels() * g.outH() * g.outW();
            float[] x = random(rng, in);
            for (int i = 0; i < in; i += 3) x[i] = Math.round(x[i] * 2) / 2f;     // ties: the first maximum must win
            int[] xs = s(g.batch(), g.channels(), g.height(), g.width()), ys = s(g.batch(), g.channels(), g.outH(), g.outW());
            compare("maxPool " + g, tolerance(Precision.EXACT), (b, t) -> { b.maxPool(t[0], g, t[1], t[2]); return 0; },
                    d(x, new float[out], new float[out]), xs, ys, ys);
            Tensor ry = ref.zeros(ys), ra = ref.zeros(ys);
            ref.maxPool(ref.upload(x, xs), g, ry, ra);
            compare("maxPoolBackward " + g, tolerance(Precision.ARITHMETIC),
                    (b, t) -> { b.maxPoolBackward(t[0], t[1], g, t[2]); return 0; },
                    d(random(rng, out), ref.download(ra), random(rng, in)), ys, ys, xs);
            compare("avgPool " + g, tolerance(Precision.REDUCTION) * (float) Math.sqrt(g.kernelH() * g.kernelW()), (b,
                    t) -> { b.avgPool(t[0], g, t[1]); return 0; },
                    d(x, new float[out]), xs, ys);
            compare("avgPoolBackward " + g, tolerance(Precision.ARITHMETIC), (b, t) -> { b.avgPoolBackward(t[0], g,
                    t[1]); return 0; },
                    d(random(rng, out), random(rng, in)), ys, xs);
        }
    }

    @Test
    void convolutionOpsRejectWrongSizes() {
        ConvGeometry g = new ConvGeometry(1, 1, 4, 4, 2, 2, 2, 2, 0, 0);
        bothThrow(IllegalArgumentException.class, "im2col", (b, t) -> { b.im2col(t[0], g, t[1]); return 0; },
                d(new float[16], new float[15]), s(16), s(15));
        bothThrow(IllegalArgumentException.class, "maxPool", (b, t) -> { b.maxPool(t[0], g, t[1], t[2]); return 0; },
                d(new float[16], new float[5], new float[4]), s(16), s(5), s(4));
    }

    /** Max pooling with padding over half the window (PyTorch's rule) is refused: a window could hold only padding. */
    @Test
    void maxPoolRejectsPaddingOverHalfTheWindow() {
        ConvGeometry allPadding = new ConvGeometry(1, 1, 4, 4, 2, 2, 2, 2, 2, 2);      // the first window lies wholly in the padding
        int out = allPadding.outH() * allPadding.outW();
        bothThrow(IllegalArgumentException.class, "padding", (b, t) -> { b.maxPool(t[0], allPadding, t[1], t[2]); return 0; },
                d(new float[16], new float[out], new float[out]), s(16), s(out), s(out));
    }

    // ---------------------------------------------------------------- dropout and embeddings

    @Test
    void dropoutMasksAreIdentical() {
        for (int n : new int[] {1, 7, 33, 257, 70_003})
            for (float p : new float[] {0f, 0.1f, 0.5f, 0.9f})
                for (long seed : new long[] {0L, 42L, -7L, 0x1234_5678_9ABC_DEF0L}) {
                    compare("dropoutMask n=" + n + " p=" + p + " seed=" + seed, 0f,
                            (b, t) -> { b.dropoutMask(t[0], p, seed); return 0; }, d(new float[n]), s(n));
                }
        for (float bad : new float[] {1f, -0.1f, Float.NaN}) {
            bothThrow(IllegalArgumentException.class, "dropout", (b, t) -> { b.dropoutMask(t[0], bad, 1L); return 0; },
                    d(new float[4]), s(4));
        }
    }

    @ParameterizedTest(name = "gather/scatter V={0} D={1} rows={2}")
    @CsvSource({"1,1,1", "7,33,9", "65,257,33", "10,7,100"})
    void gatherAndScatterMatchReference(int v, int dim, int rows) {
        SplittableRandom rng = new SplittableRandom(v * 13L + dim + rows);
        float[] idx = new float[rows];
        for (int r = 0; r < rows; r++) idx[r] = rng.nextInt(v);            // repeats: scatter must add them all
        compare("gatherRows", 0f, (b, t) -> { b.gatherRows(t[0], t[1], t[2]); return 0; },
                d(random(rng, v * dim), idx, new float[rows * dim]), s(v, dim), s(rows), s(rows, dim));
        if (rows > 2) idx[1] = -1;                                          // skipped by scatter
        compare("scatterAddRows", tolerance(Precision.ARITHMETIC), (b, t) -> { b.scatterAddRows(t[0], t[1], t[2]); return 0; },
                d(random(rng, rows * dim), idx, random(rng, v * dim)), s(rows, dim), s(rows), s(v, dim));
        idx[0] = v;
        // an index outside the table is an error at the op, or on a GPU backend at the next wait for the device
        // (Backend#gatherRows), naming the op and the first bad index, as the reference does
        bothThrow(InvalidIndexException.class, "gatherRows: index " + (float) v + " at position 0",
                (b, t) -> { b.gatherRows(t[0], t[1], t[2]); b.synchronize(); return 0; },
                d(new float[v * dim], idx, new float[rows * dim]), s(v, dim), s(rows), s(rows, dim));
        bothThrow(InvalidIndexException.class, "scatterAddRows: index " + (float) v + " at position 0",
                (b, t) -> { b.scatterAddRows(t[0], t[1], t[2]); b.synchronize(); return 0; },
                d(new float[rows * dim], idx, new float[v * dim]), s(rows, dim), s(rows), s(v, dim));
    }

    /**
     * An index that is not a whole number in [0, V) — NaN, 2.7, −0.5, ±∞ — is refused, never truncated to a row: at the
     * op, or on a GPU backend at its next wait for the device (here: synchronize).
     */
    @Test
    void indicesThatAreNotWholeNumbersInRangeAreRefused() {
        int v = 5, dim = 3, rows = 4;
        for (float bad : new float[] {NAN, 2.7f, -0.5f, 0.5f, 4.999f, 5f, -1f, INF, -INF, 1e9f}) {
            float[] idx = {1, 0, bad, 2};
            bothThrow(InvalidIndexException.class, "gatherRows: index " + bad + " at position 2 is not a row of the table: a whole number in [0, 5)",
                    (b, t) -> { b.gatherRows(t[0], t[1], t[2]); b.synchronize(); return 0; }, d(new float[v * dim], idx, new float[rows * dim]), s(v, dim), s(rows), s(rows, dim));
            if (bad == -1f) continue;                                             // scatter skips padding (−1)
            bothThrow(InvalidIndexException.class, "scatterAddRows: index " + bad + " at position 2",
                    (b, t) -> { b.scatterAddRows(t[0], t[1], t[2]); b.synchronize(); return 0; }, d(new float[rows * dim], idx, new float[v * dim]), s(rows, dim), s(rows), s(v, dim));
        }
        // the first bad index is the one reported, on every backend
        bothThrow(InvalidIndexException.class, "index 0.5 at position 1", (b, t) -> { b.gatherRows(t[0], t[1], t[2]); b.synchronize(); return 0; },
                d(new float[v * dim], new float[] {0, 0.5f, 7, NAN}, new float[rows * dim]), s(v, dim), s(rows), s(rows, dim));
        // negative whole numbers are padding for scatter: skipped, whatever their size
        compare("scatterAddRows skips negative whole numbers", 0f, (b, t) -> { b.scatterAddRows(t[0], t[1], t[2]); return 0; },
                d(random(new SplittableRandom(3), rows * dim), new float[] {-1, 4, -7, 0}, new float[v * dim]), s(rows, dim), s(rows), s(v, dim));
    }

    /** The layer and the loss that read index tensors name themselves, the value and its position, on every backend. */
    @Test
    void tokensAndLabelsThatAreNotIndicesAreRefusedNamingTheLayerOrLoss() {
        dev.nabla.nn.rnn.Embedding emb = new dev.nabla.nn.rnn.Embedding(10, 4);
        emb.bind(be, new SplittableRandom(1));
        for (float bad : new float[] {NAN, 2.7f, -0.5f, -1f, 10f}) {
            Tensor tokens = be.upload(new float[] {3, 1, bad, 0, 9, 2}, 3, 2);
            assertThatThrownBy(() -> emb.forward(tokens, true)).as("token " + bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("Embedding(10×4): token " + bad + " at position 2 of the input [3, 2] is not in the vocabulary")
                    .hasMessageContaining("[0, 10)");
            tokens.close();
        }
        Tensor good = be.upload(new float[] {3, 1, 2, 0, 9, 2}, 3, 2);
        assertThat(emb.forward(good, true).shape()).containsExactly(3, 2, 4);
        Tensor logits = be.zeros(3, 5);
        for (float bad : new float[] {NAN, 1.5f, -0.5f, 5f, INF}) {
            Tensor labels = be.upload(new float[] {0, bad, 4}, 3);
            assertThatThrownBy(() -> new SoftmaxCrossEntropy().compute(logits, labels, null)).as("label " + bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("SoftmaxCrossEntropy: label " + bad + " in row 1 of the labels [3] is not a class index in [0, 5)");
            assertThatThrownBy(() -> new dev.nabla.loss.MultiClassHinge().compute(logits, labels, null))
                    .hasMessageStartingWith("MultiClassHinge(Δ=1.0): label " + bad + " in row 1");
        }
    }

    /** The trainer's checks run on this backend's numbers: a NaN gradient stops training at step 1, naming the parameter. */
    @Test
    void trainingStopsAtTheFirstNonFiniteGradientOrLossNamingStepAndParameter() {
        float[] x = random(new SplittableRandom(8), 24), lab = new float[12];
        for (int i = 0; i < 12; i++) lab[i] = i % 3;
        dev.nabla.train.Dataset data = new dev.nabla.train.Dataset(x, new int[] {2}, lab, 1);
        // ReLU'(x) · ∞ = NaN for the units that are off: a finite loss with a non-finite gradient
        Sequential poisoned = new Sequential(new Dense(2, 8), ActivationLayer.relu(), new Dense(8, 3)).bind(be, 3);
        Param w2 = poisoned.params().get(2);
        float[] big = new float[w2.size()];
        Arrays.fill(big, 1e38f);
        be.upload(big, 0, w2.value());
        assertThatThrownBy(() -> new dev.nabla.train.Trainer().epochs(2).batchSize(4).fit(poisoned, new SoftmaxCrossEntropy(),
                new Sgd(0.1f), data)).as(be.name())
                .isInstanceOf(dev.nabla.train.TrainingDivergedException.class).hasMessageContaining("epoch 1, step 1");
        float[] nanX = x.clone();
        nanX[7] = NAN;
        assertThatThrownBy(() -> new dev.nabla.train.Trainer().fit(new Sequential(new Dense(2, 3)).bind(be, 1), new SoftmaxCrossEntropy(),
                new Sgd(0.1f), new dev.nabla.train.Dataset(nanX, new int[] {2}, lab, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("feature 1 of sample 3 (of 12, shape [2]) is NaN");
    }

    /** Layer instances misused and empty sequences are refused on this backend as on every other (issue 17, items 3–5). */
    @Test
    void layerMisuseAndEmptySequencesAreRefusedNamingTheLayer() {
        ActivationLayer relu = ActivationLayer.relu();
        assertThatThrownBy(() -> new Sequential(new Dense(2, 4), relu, new Dense(4, 4), relu)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the same Relu instance is at positions 1 and 3");
        Dense shared = new Dense(2, 3);
        new Sequential(shared).bind(be, 1);
        assertThatThrownBy(() -> new Sequential(shared, ActivationLayer.relu()).bind(be, 2)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Dense(2→3) is already bound to the '" + be.name() + "' backend");
        assertThatThrownBy(() -> shared.forward(ref.zeros(4, 2), true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Dense(2→3).forward: the input Tensor[4, 2]@ref belongs to");
        for (Recurrent r : List.<Recurrent>of(new Lstm(3, 4), new Gru(3, 4))) {
            assertThatThrownBy(() -> r.finalState(0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("before any forward pass");
            r.bind(be, new SplittableRandom(1));
            assertThatThrownBy(() -> r.forward(be.zeros(0, 2, 3), true)).as(r.name()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("zero-length sequence");
            assertThatThrownBy(() -> r.forward(be.zeros(4, 0, 3), true)).as(r.name()).hasMessageContaining("empty batch");
        }
    }

    /**
     * Integer arguments whose products overflow or turn positive (found by the fuzz: on OpenCL, swapAxes01 with two
     * negative extents wrote outside its tensor — on PoCL into the host heap, which aborted the JVM).
     */
    @Test
    void extentsThatMultiplyToAFittingSizeByAccidentAreRefused() {
        bothThrow(IllegalArgumentException.class, "swapAxes01", (b, t) -> { b.swapAxes01(t[0], t[1], -1, -1, 6); return 0; },
                d(new float[6], new float[6]), s(6), s(6));
        bothThrow(IllegalArgumentException.class, "swapAxes01", (b, t) -> { b.swapAxes01(t[0], t[1], 0, 3, 2); return 0; },
                d(new float[6], new float[6]), s(6), s(6));
        bothThrow(IllegalArgumentException.class, "addBias", (b, t) -> { b.addBias(t[0], t[1], Integer.MAX_VALUE); return 0; },
                d(new float[6], new float[2]), s(6), s(2));
        assertThatThrownBy(() -> new ConvGeometry(1 << 16, 1 << 16, 4, 4, 2, 2, 2, 2, 0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("geometry too large");
        assertThatThrownBy(() -> new ConvGeometry(1, 1, Integer.MAX_VALUE, 3, 1, 1, 1, 1, Integer.MAX_VALUE, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** How many rounds of {@link ApiFuzz} to run (each round: every op, layer kind, loss, optimizer once); a slow device may run fewer. */
    protected int fuzzRounds() { return Integer.getInteger("nabla.fuzz.rounds", 400); }

    /**
     * The public API fuzzed on this backend: random shapes, values, nulls, foreign and closed tensors, call orders into
     * every op, layer, loss, optimizer, tensor method and the trainer — only IllegalArgumentException or
     * IllegalStateException naming the call, never another exception or a silent result.
     */
    @Test
    void thePublicApiOnlyEverThrowsNamedIllegalArgumentOrStateExceptions() {
        Backend other = be.name().equals("ref") ? new ReferenceBackend() : ref;
        ApiFuzz fuzz = new ApiFuzz(be, other, Long.getLong("nabla.fuzz.seed", 20261201L)).run(fuzzRounds());   // -D… to explore further
        assertThat(fuzz.failures()).as("of " + fuzz.calls() + " calls (" + fuzz.refused() + " refused): " + String.join("\n", fuzz.failures()
                .subList(0, Math.min(25, fuzz.failures().size())))).isEmpty();
        assertThat(fuzz.refused()).isPositive().isLessThan(fuzz.calls());          // it exercised both outcomes
    }

    /** Whether the backend throws for an arg-max that is not a pixel of its window (a device backend writes NaN instead). */
    protected boolean throwsForABadArgmax() { return true; }

    @Test
    void maxPoolBackwardNeverRoutesABadArgmaxSilently() {
        ConvGeometry g = new ConvGeometry(1, 1, 4, 4, 2, 2, 2, 2, 0, 0);          // windows {0,1,4,5}, {2,3,6,7}, {8,9,12,13}, {10,11,14,15}
        for (float bad : new float[] {16f, -1f, 4f, 10f, 6.5f, NAN}) {           // outside the plane, other windows' pixels, not whole
            float[] argmax = {0, bad, 8, 15};
            for (Backend b : List.of(ref, be)) {
                Tensor dy = put(b, new float[] {1, 2, 3, 4}, 4), am = put(b, argmax, 4), dx = put(b, new float[16], 16);
                if (b == ref || throwsForABadArgmax()) {
                    assertThatThrownBy(() -> b.maxPoolBackward(dy, am, g, dx)).as(b.name() + " arg-max " + bad)
                            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxPoolBackward: arg-max " + bad + " of output 1");
                } else {
                    b.maxPoolBackward(dy, am, g, dx);
                    float[] out = get("maxPoolBackward", dx);
                    for (int p : new int[] {2, 3, 6, 7}) assertThat(out[p]).as(b.name() + ": window 1's pixel " + p + ", arg-max " + bad).isNaN();
                    assertThat(out[0]).isEqualTo(1f);
                }
            }
        }
    }

    // ---------------------------------------------------------------- recurrent cells

    @ParameterizedTest(name = "lstm B={0} H={1} peepholes={2}")
    @CsvSource({"1,1,false", "1,1,true", "7,33,false", "7,33,true", "3,257,true", "33,7,false", "32,256,false", "32,256,true"})
    void lstmCellMatchesReference(int batch, int hid, boolean peepholes) {
        SplittableRandom rng = new SplittableRandom(batch * 100L + hid + (peepholes ? 1 : 0));
        int n = batch * hid;
        float[] gates = random(rng, 4 * n, -3, 3), cPrev = random(rng, n, -2, 2), peep = peepholes ? random(rng, 3 * hid) : null;
        float trans = tolerance(Precision.TRANSCENDENTAL);
        compare("lstmCell", trans, (b, t) -> { b.lstmCell(t[0], t[1], t[2], t[3], t[4], t[5]); return 0; },
                d(gates, cPrev, peep, new float[n], new float[n], new float[n]), s(batch, 4 * hid), s(batch, hid), s(3, hid),
                s(batch, hid), s(batch, hid), s(batch, hid));
        // backward from the reference's forward results, so only the backward arithmetic is compared
        Tensor acts = ref.upload(gates, batch, 4 * hid), c = ref.zeros(batch, hid), tanhC = ref.zeros(batch, hid),
                h = ref.zeros(batch, hid);
        ref.lstmCell(acts, ref.upload(cPrev, batch, hid), peep == null ? null : ref.upload(peep, 3, hid), c, tanhC, h);
        compare("lstmCellBackward", tolerance(Precision.ARITHMETIC),
                (b, t) -> { b.lstmCellBackward(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8]); return 0; },
                d(ref.download(acts), cPrev, ref.download(c), ref.download(tanhC), peep, random(rng, n), random(rng, n),
                        new float[4 * n], peepholes ? random(rng, 3 * hid) : null),
                s(batch, 4 * hid), s(batch, hid), s(batch, hid), s(batch, hid), s(3, hid), s(batch, hid), s(batch, hid),
                s(batch, 4 * hid), s(3, hid));
    }

    @ParameterizedTest(name = "gru B={0} H={1}")
    @CsvSource({"1,1", "7,33", "3,257", "33,7", "32,256"})
    void gruCellMatchesReference(int batch, int hid) {
        SplittableRandom rng = new SplittableRandom(batch * 100L + hid + 7);
        int n = batch * hid;
        float[] gx = random(rng, 3 * n, -3, 3), gh = random(rng, 3 * n, -3, 3), hPrev = random(rng, n);
        compare("gruCell", tolerance(Precision.TRANSCENDENTAL), (b, t) -> { b.gruCell(t[0], t[1], t[2], t[3], t[4]); return 0; },
                d(gx, gh, hPrev, new float[n], new float[3 * n]), s(batch, 3 * hid), s(batch, 3 * hid), s(batch, hid),
                        s(batch, hid),
                s(batch, 3 * hid));
        Tensor acts = ref.zeros(batch, 3 * hid);
        ref.gruCell(ref.upload(gx, batch, 3 * hid), ref.upload(gh, batch, 3 * hid), ref.upload(hPrev, batch, hid),
                ref.zeros(batch, hid), acts);
        compare("gruCellBackward", tolerance(Precision.ARITHMETIC),
                (b, t) -> { b.gruCellBackward(t[0], t[1], t[2], t[3], t[4], t[5], t[6]); return 0; },
                d(ref.download(acts), gh, hPrev, random(rng, n), new float[3 * n], new float[3 * n], new float[n]),
                s(batch, 3 * hid), s(batch, 3 * hid), s(batch, hid), s(batch, hid), s(batch, 3 * hid), s(batch,
                        3 * hid), s(batch, hid));
    }

    @Test
    void cellsRejectMismatchedGates() {
        bothThrow(IllegalArgumentException.class, "lstmCell", (b, t) -> { b.lstmCell(t[0], t[1], null, t[2], t[3],
                t[4]); return 0; },
                d(new float[12], new float[4], new float[4], new float[4], new float[4]), s(2, 6), s(2, 2), s(2, 2),
                        s(2, 2), s(2, 2));
        bothThrow(IllegalArgumentException.class, "gruCell", (b, t) -> { b.gruCell(t[0], t[1], t[2], t[3], t[4]); return 0; },
                d(new float[12], new float[12], new float[6], new float[6], new float[12]), s(2, 6), s(2, 6), s(2, 3),
                        s(2, 3), s(2, 6));
    }

    @Test
    void cellBackwardPassesRejectMismatchedShapes() {
        // ∂L/∂c of the wrong size (the reference used to read past it)
        bothThrow(IllegalArgumentException.class, "lstmCellBackward", (b, t) -> { b.lstmCellBackward(t[0], t[1], t[2], t[3],
                null, t[4], t[5], t[6], null); return 0; },
                d(new float[16], new float[4], new float[4], new float[4], new float[4], new float[3], new float[16]),
                s(2, 8), s(2, 2), s(2, 2), s(2, 2), s(2, 2), s(3), s(2, 8));
        // peepholes without their gradient
        bothThrow(IllegalArgumentException.class, "peepholes", (b, t) -> { b.lstmCellBackward(t[0], t[1], t[2], t[3],
                t[7], t[4], t[5], t[6], null); return 0; },
                d(new float[16], new float[4], new float[4], new float[4], new float[4], new float[4], new float[16], new float[6]),
                s(2, 8), s(2, 2), s(2, 2), s(2, 2), s(2, 2), s(2, 2), s(2, 8), s(3, 2));
        bothThrow(IllegalArgumentException.class, "gruCellBackward", (b, t) -> { b.gruCellBackward(t[0], t[1], t[2], t[3],
                t[4], t[5], t[6]); return 0; },
                d(new float[12], new float[12], new float[4], new float[4], new float[12], new float[12], new float[5]),
                s(2, 6), s(2, 6), s(2, 2), s(2, 2), s(2, 6), s(2, 6), s(5));
    }

    @Test
    void optimizerStatesOfTheWrongSizeAreRejected() {
        bothThrow(IllegalArgumentException.class, "adamStep: [5] does not match the parameter [6]", (b, t) -> {
            b.adamStep(t[0], t[1], t[2], t[3], 0.1f, 0.9f, 0.999f, 1e-8f, 0f, 1); return 0; },
                d(new float[6], new float[6], new float[6], new float[5]), s(6), s(6), s(6), s(5));
        bothThrow(IllegalArgumentException.class, "sgdStep: [7] does not match the parameter [6]", (b, t) -> {
            b.sgdStep(t[0], t[1], t[2], 0.1f, 0.9f, false, 0f); return 0; },
                d(new float[6], new float[6], new float[7]), s(6), s(6), s(7));
        bothThrow(IllegalArgumentException.class, "needs a velocity", (b, t) -> {
            b.sgdStep(t[0], t[1], null, 0.1f, 0.9f, false, 0f); return 0; }, d(new float[6], new float[6]), s(6), s(6));
        bothThrow(IllegalArgumentException.class, "adadeltaStep", (b, t) -> {
            b.adadeltaStep(t[0], t[1], t[2], t[3], 1f, 0.9f, 1e-6f, 0f); return 0; },
                d(new float[6], new float[6], new float[6], new float[2]), s(6), s(6), s(6), s(2));
    }

    // ---------------------------------------------------------------- NaN and ±∞ (IEEE semantics, as in PyTorch)

    private static final float NAN = Float.NaN, INF = Float.POSITIVE_INFINITY;

    /** Random values in [−1, 1) with NaN, +∞ and −∞ planted in turn at every {@code every}-th element from {@code start}. */
    private static float[] nonFinite(SplittableRandom rng, int n, int every, int start) {
        float[] x = random(rng, n);
        float[] special = {NAN, INF, -INF};
        for (int i = start, k = 0; i < n; i += every, k++) x[i] = special[k % 3];
        return x;
    }

    private static void assertNaN(String what, float v) {
        assertThat(v).as(what + " must be NaN").isNaN();
    }

    private static void assertAllNaN(String what, float[] v, int from, int to) {
        for (int i = from; i < to; i++) assertNaN(what + " [" + i + "]", v[i]);
    }

    @Test
    void nanAndInfinityPropagateThroughVectorOpsAndGemm() {
        SplittableRandom rng = new SplittableRandom(101);
        for (int n : new int[] {1, 7, 33, 257}) {
            float[] x = nonFinite(rng, n, 5, 0), y = nonFinite(rng, n, 7, 3);
            float exact = tolerance(Precision.EXACT), arith = tolerance(Precision.ARITHMETIC);
            compare("fill NaN", exact, (b, t) -> { b.fill(t[0], NAN); return 0; }, d(x), s(n));
            assertAllNaN("fill NaN", lastReference[0], 0, n);
            compare("copy", exact, (b, t) -> { b.copy(t[0], t[1]); return 0; }, d(x, y), s(n), s(n));
            assertNaN("copy of NaN", lastReference[1][0]);
            compare("axpy", arith, (b, t) -> { b.axpy(0.5f, t[0], t[1]); return 0; }, d(x, y), s(n), s(n));
            assertNaN("axpy of NaN", lastReference[1][0]);
            compare("scale", exact, (b, t) -> { b.scale(t[0], -2f); return 0; }, d(x), s(n));
            compare("scale by NaN", exact, (b, t) -> { b.scale(t[0], NAN); return 0; }, d(x), s(n));
            assertAllNaN("scale by NaN", lastReference[0], 0, n);
            compare("mul", exact, (b, t) -> { b.mul(t[0], t[1], t[2]); return 0; }, d(x, y, new float[n]), s(n), s(n), s(n));
            assertNaN("mul of NaN", lastReference[2][0]);
            float[] both = compare("sumSquares", exact, (b, t) -> b.sumSquares(t[0]), d(x), s(n));
            assertThat(both[0]).as("Σx² of a NaN").isNaN();
            assertThat(both[1]).as("Σx² of a NaN on " + be.name()).isNaN();
            float[] inf = random(rng, n);
            inf[n / 2] = -INF;
            both = compare("sumSquares ∞", exact, (b, t) -> b.sumSquares(t[0]), d(inf), s(n));
            assertThat(both).as("Σx² with −∞").containsExactly(INF, INF);
        }
        // gemm: a NaN in row i of A poisons row i of C, a NaN in column j of B poisons column j; ∞·0 = NaN
        int m = 7, k = 33, n = 9;
        float[] a = random(rng, m * k), b = random(rng, k * n), c = random(rng, m * n);
        a[2 * k + 5] = NAN;
        b[4 * n + 3] = INF;
        a[5 * k + 4] = 0f;                                                      // row 5 meets the ∞ of B with a 0: NaN at (5, 3)
        for (float beta : new float[] {0f, 1f}) {
            compare("gemm with NaN/∞ beta=" + beta, tolerance(Precision.REDUCTION) * (float) Math.sqrt(k),
                    (bk, t) -> { bk.gemm(false, false, 1f, t[0], t[1], beta, t[2]); return 0; }, d(a, b, c), s(m, k), s(k, n), s(m, n));
            float[] out = lastReference[2];
            assertAllNaN("gemm row with a NaN in A", out, 2 * n, 3 * n);
            assertNaN("gemm ∞·0", out[5 * n + 3]);
            assertThat(Math.abs(out[0 * n + 3])).as("gemm column with ∞ in B").isEqualTo(INF);
        }
        float[] nanA = a.clone();
        Arrays.fill(nanA, NAN);
        compare("gemm α = 0 reads neither A nor B", 0f, (bk, t) -> { bk.gemm(false, false, 0f, t[0], t[1], 0.5f, t[2]); return 0; },
                d(nanA, b, c), s(m, k), s(k, n), s(m, n));
        for (int i = 0; i < m * n; i++) assertThat(lastReference[2][i]).isEqualTo(0.5f * c[i]);
    }

    @Test
    void nanAndInfinityPropagateThroughBiasOps() {
        SplittableRandom rng = new SplittableRandom(102);
        int outer = 5, channels = 7, inner = 9, n = outer * channels * inner;
        float[] x = nonFinite(rng, n, 11, 2), bias = random(rng, channels);
        bias[3] = NAN;
        compare("addBias with NaN", 0f, (b, t) -> { b.addBias(t[0], t[1], inner); return 0; }, d(x, bias), s(outer, channels, inner), s(channels));
        assertNaN("addBias of a NaN bias", lastReference[0][3 * inner]);
        float[] dy = nonFinite(rng, n, 17, 1);
        compare("sumBias with NaN", tolerance(Precision.REDUCTION) * 7, (b, t) -> { b.sumBias(t[0], t[1], inner, 0f); return 0; },
                d(dy, new float[channels]), s(outer, channels, inner), s(channels));
        assertNaN("sumBias of channel 0, which holds the NaN at element 1", lastReference[1][0]);
        compare("swapAxes01 with NaN", 0f, (b, t) -> { b.swapAxes01(t[0], t[1], outer, channels, inner); return 0; },
                d(x, new float[n]), s(outer, channels, inner), s(channels, outer, inner));
        assertNaN("swapAxes01 moves NaN", lastReference[1][(0 * outer + 0) * inner + 2]);
    }

    /** f(+∞) and f(−∞) of each activation (the limits of the formulas). */
    private static float[] limits(Activation f) {
        return switch (f) {
            case IDENTITY -> new float[] {INF, -INF};
            case STEP, PIECEWISE_LINEAR, SIGMOID -> new float[] {1f, 0f};
            case SIGN, TANH -> new float[] {1f, -1f};
            case RELU, SOFTPLUS -> new float[] {INF, 0f};
        };
    }

    @ParameterizedTest(name = "activation {0} with NaN and ±∞")
    @EnumSource(Activation.class)
    void everyActivationPropagatesNaN(Activation f) {
        for (int n : new int[] {3, 17, 40}) {
            SplittableRandom rng = new SplittableRandom(n * 7L + f.ordinal());
            float[] x = random(rng, n, -3, 3), dy = random(rng, n, -1, 1);
            for (int i = 0; i < n; i += 6) {                                           // NaN, +∞, −∞, then three finite values
                x[i] = NAN;
                if (i + 1 < n) x[i + 1] = INF;
                if (i + 2 < n) x[i + 2] = -INF;
            }
            if (n > 10) dy[10] = NAN;                                                  // a NaN gradient at a finite input
            compare(f + " with NaN/∞", activationTolerance(f), (b, t) -> { b.activation(f, t[0], t[1]); return 0; },
                    d(x, new float[n]), s(n), s(n));
            float[] y = lastReference[1];
            for (int i = 0; i < n; i += 6) {
                assertNaN(f + "(NaN)", y[i]);
                if (i + 1 < n) assertThat(y[i + 1]).as(f + "(+∞)").isEqualTo(limits(f)[0]);
                if (i + 2 < n) assertThat(y[i + 2]).as(f + "(−∞)").isEqualTo(limits(f)[1]);
            }
            compare(f + "' with NaN/∞", f == Activation.SOFTPLUS ? tolerance(Precision.TRANSCENDENTAL) : tolerance(Precision.ARITHMETIC),
                    (b, t) -> { b.activationBackward(f, t[0], t[1], t[2], t[3]); return 0; }, d(x, y, dy, new float[n]), s(n), s(n), s(n), s(n));
            float[] dx = lastReference[3];
            for (int i = 0; i < n; i += 6) assertNaN(f + "' at NaN", dx[i]);
            if (n > 10) assertNaN(f + "' of a NaN gradient", dx[10]);
        }
    }

    @Test
    void preluPropagatesNaN() {
        SplittableRandom rng = new SplittableRandom(103);
        int outer = 4, channels = 3, inner = 5, n = outer * channels * inner;
        float[] x = nonFinite(rng, n, 4, 1), alpha = random(rng, channels, 0, 0.5), dy = random(rng, n);
        compare("prelu with NaN/∞", 0f, (b, t) -> { b.prelu(t[0], t[1], t[2], inner); return 0; },
                d(x, alpha, new float[n]), s(outer, channels, inner), s(channels), s(n));
        assertNaN("prelu(NaN)", lastReference[2][1]);
        assertThat(lastReference[2][5]).as("prelu(+∞)").isEqualTo(INF);
        assertThat(lastReference[2][9]).as("prelu(−∞)").isEqualTo(-INF);
        compare("preluBackward with NaN/∞", tolerance(Precision.REDUCTION) * 5,
                (b, t) -> { b.preluBackward(t[0], t[1], t[2], t[3], t[4], inner); return 0; },
                d(x, alpha, dy, new float[n], new float[channels]), s(outer, channels, inner), s(channels), s(n), s(n), s(channels));
        assertNaN("prelu'(NaN)", lastReference[3][1]);
        assertNaN("∂/∂α of a channel with a NaN input", lastReference[4][(1 / inner) % channels]);
    }

    @Test
    void softmaxRowsWithNaNOrInfinityAreNaN() {
        SplittableRandom rng = new SplittableRandom(104);
        int rows = 6, cols = 33, n = rows * cols;
        float[] x = random(rng, n, -5, 5);
        x[1 * cols + 7] = NAN;                                                         // row 1: NaN → all NaN
        x[2 * cols + 3] = INF;                                                         // row 2: ∞ − ∞ → all NaN
        x[3 * cols + 4] = -INF;                                                        // row 3: −∞ is just e⁰·0 = 0
        Arrays.fill(x, 4 * cols, 5 * cols, -INF);                                      // row 4: all −∞ → NaN
        compare("softmax with NaN/∞", tolerance(Precision.TRANSCENDENTAL), (b, t) -> { b.softmax(t[0], t[1]); return 0; },
                d(x, new float[n]), s(rows, cols), s(rows, cols));
        float[] y = lastReference[1];
        assertAllNaN("softmax row with NaN", y, cols, 2 * cols);
        assertAllNaN("softmax row with +∞", y, 2 * cols, 3 * cols);
        assertThat(y[3 * cols + 4]).as("softmax(−∞)").isEqualTo(0f);
        assertThat(y[3 * cols + 5]).as("softmax next to −∞").isFinite();
        assertAllNaN("softmax row of −∞", y, 4 * cols, 5 * cols);
        assertThat(y[0]).isFinite();
        float[] dy = random(rng, n);
        dy[5 * cols + 2] = NAN;
        compare("softmaxBackward with NaN", tolerance(Precision.REDUCTION) * 6, (b, t) -> { b.softmaxBackward(t[0], t[1], t[2]); return 0; },
                d(y, dy, new float[n]), s(rows, cols), s(rows, cols), s(rows, cols));
        assertAllNaN("softmax' of a row holding a NaN gradient", lastReference[2], 5 * cols, 6 * cols);
        assertThat(lastReference[2][0]).isFinite();
    }

    @Test
    void classificationLossesAreNaNForNaNScores() {
        SplittableRandom rng = new SplittableRandom(105);
        int rows = 9, classes = 7, n = rows * classes;
        float[] z = random(rng, n, -3, 3), lab = labels(rng, rows, classes);
        lab[2] = 1;
        z[2 * classes + 4] = NAN;                                                      // a counted row with a NaN score
        float red = tolerance(Precision.REDUCTION) * 3, trans = tolerance(Precision.TRANSCENDENTAL);
        float[] both = compare("softmaxCrossEntropy with NaN", trans, (b, t) -> b.softmaxCrossEntropy(t[0], t[1], t[2]),
                d(z, lab, new float[n]), s(rows, classes), s(rows), s(n));
        assertThat(both).as("cross-entropy of a NaN logit").containsOnly(NAN);
        assertAllNaN("∂cross-entropy of the NaN row", lastReference[2], 2 * classes, 3 * classes);
        assertThat(lastReference[2][0]).isFinite();
        both = compare("hinge with NaN", trans, (b, t) -> b.hinge(t[0], t[1], 1f, t[2]), d(z, lab, new float[n]), s(rows, classes), s(rows), s(n));
        assertThat(both).as("hinge of a NaN score").containsOnly(NAN);
        assertNaN("∂hinge/∂s_j of the NaN score", lastReference[2][2 * classes + 4]);
        assertNaN("∂hinge/∂s_label of a row with a NaN score", lastReference[2][2 * classes + 1]);
        float[] zl = random(rng, n, -3, 3);
        zl[2 * classes + 1] = NAN;                                                     // the label's own score is NaN
        both = compare("hinge with a NaN label score", trans, (b, t) -> b.hinge(t[0], t[1], 0.5f, t[2]), d(zl, lab, new float[n]),
                s(rows, classes), s(rows), s(n));
        assertThat(both).containsOnly(NAN);
        // an ignored row's NaN does not count (PyTorch's ignore_index): the loss stays finite
        float[] zi = random(rng, n, -3, 3);
        zi[3 * classes] = NAN;
        both = compare("softmaxCrossEntropy, NaN in an ignored row", trans, (b, t) -> b.softmaxCrossEntropy(t[0], t[1], t[2]),
                d(zi, lab, new float[n]), s(rows, classes), s(rows), s(n));
        assertScalarClose("softmaxCrossEntropy, NaN in an ignored row", both, red);
        assertThat(both[0]).isFinite();
        // +∞ logits: ∞ − ∞ inside the log-sum-exp is NaN, as in PyTorch
        float[] zInf = random(rng, n, -3, 3);
        zInf[0] = INF;
        both = compare("softmaxCrossEntropy with +∞", trans, (b, t) -> b.softmaxCrossEntropy(t[0], t[1], null),
                d(zInf, lab, null), s(rows, classes), s(rows), null);
        assertThat(both).containsOnly(NAN);
    }

    @Test
    void countCorrectCountsNaNAsTheLargestScore() {
        float[] z = {0.1f, NAN, 0.9f,    NAN, 0.5f, NAN,    0.2f, INF, NAN,    -INF, -INF, -INF};
        float[] lab = {1, 0, 2, 0};
        float[] both = compare("countCorrect NaN rows", 0f, (b, t) -> b.countCorrect(t[0], t[1]), d(z, lab), s(4, 3), s(4));
        // row 0: first NaN at 1 = label ✓; row 1: first NaN at 0 = label ✓; row 2: NaN at 2 beats ∞ = label ✓; row 3: ties → 0 = label ✓
        assertThat(both).containsExactly(4f, 4f);
        float[] wrong = {0, 1, 0, 1};
        both = compare("countCorrect NaN rows, other labels", 0f, (b, t) -> b.countCorrect(t[0], t[1]), d(z, wrong), s(4, 3), s(4));
        assertThat(both).containsExactly(0f, 0f);
    }

    @ParameterizedTest(name = "elementwise loss {0} with NaN and ±∞")
    @EnumSource(ElementwiseLoss.class)
    void elementwiseLossesAreNaNForNaNInputs(ElementwiseLoss kind) {
        SplittableRandom rng = new SplittableRandom(106 + kind.ordinal());
        boolean bce = kind == ElementwiseLoss.BINARY_CROSS_ENTROPY;
        for (int n : new int[] {1, 7, 33}) {
            float[] y = bce ? random(rng, n, 0.01, 0.99) : random(rng, n, -2, 2), target = bce ? random(rng, n, 0, 1) : random(rng, n);
            y[0] = NAN;
            float[] both = compare(kind + " with NaN", tolerance(Precision.TRANSCENDENTAL), (b, t) -> b.elementwiseLoss(kind, t[0], t[1], t[2]),
                    d(y, target, new float[n]), s(n), s(n), s(n));
            assertThat(both).as(kind + " of a NaN output").containsOnly(NAN);
            assertNaN(kind + "' at the NaN output", lastReference[2][0]);
            float[] t2 = target.clone();
            t2[n - 1] = NAN;                                                           // a NaN target
            y[0] = bce ? 0.5f : 1f;
            both = compare(kind + " with a NaN target", tolerance(Precision.TRANSCENDENTAL), (b, t) -> b.elementwiseLoss(kind, t[0], t[1], null),
                    d(y, t2, null), s(n), s(n), null);
            assertThat(both).as(kind + " of a NaN target").containsOnly(NAN);
            if (!bce) {
                float[] yi = y.clone(), ti = target.clone();
                yi[0] = INF;
                ti[0] = INF;                                                           // ∞ − ∞ = NaN
                both = compare(kind + " ∞ − ∞", tolerance(Precision.TRANSCENDENTAL), (b, t) -> b.elementwiseLoss(kind, t[0], t[1], t[2]),
                        d(yi, ti, new float[n]), s(n), s(n), s(n));
                assertThat(both).containsOnly(NAN);
            }
        }
    }

    @Test
    void convolutionAndPoolingPropagateNaN() {
        for (ConvGeometry g : geometries()) {
            if (g.padH() * 2 > g.kernelH() || g.padW() * 2 > g.kernelW()) continue;
            SplittableRandom rng = new SplittableRandom(g.hashCode() + 7);
            int in = g.batch() * g.channels() * g.height() * g.width(), out = g.batch() * g.channels() * g.outH() * g.outW();
            int cols = g.colRows() * g.colCols();
            int[] xs = s(g.batch(), g.channels(), g.height(), g.width()), ys = s(g.batch(), g.channels(), g.outH(), g.outW());
            float[] x = nonFinite(rng, in, 13, 4);
            compare("im2col with NaN " + g, 0f, (b, t) -> { b.im2col(t[0], g, t[1]); return 0; }, d(x, new float[cols]), xs,
                    s(g.colRows(), g.colCols()));
            compare("col2im with NaN " + g, tolerance(Precision.ARITHMETIC), (b, t) -> { b.col2im(t[0], g, t[1]); return 0; },
                    d(nonFinite(rng, cols, 29, 3), new float[in]), s(g.colRows(), g.colCols()), xs);
            compare("maxPool with NaN/∞ " + g, 0f, (b, t) -> { b.maxPool(t[0], g, t[1], t[2]); return 0; },
                    d(x, new float[out], new float[out]), xs, ys, ys);
            float[] argmax = lastReference[2];
            compare("maxPoolBackward after NaN " + g, tolerance(Precision.ARITHMETIC),
                    (b, t) -> { b.maxPoolBackward(t[0], t[1], g, t[2]); return 0; }, d(random(rng, out), argmax, new float[in]), ys, ys, xs);
            compare("avgPool with NaN/∞ " + g, tolerance(Precision.REDUCTION) * g.kernelW(), (b, t) -> { b.avgPool(t[0], g, t[1]); return 0; },
                    d(x, new float[out]), xs, ys);
            compare("avgPoolBackward with NaN " + g, tolerance(Precision.ARITHMETIC), (b, t) -> { b.avgPoolBackward(t[0], g, t[1]); return 0; },
                    d(nonFinite(rng, out, 7, 2), new float[in]), ys, xs);
        }
    }

    @Test
    void maxPoolingNeverDropsANaN() {
        // a NaN at every position of the plane: every window that covers it is NaN, wherever in the window it lies
        for (ConvGeometry g : List.of(new ConvGeometry(1, 1, 4, 4, 2, 2, 2, 2, 0, 0), new ConvGeometry(2, 3, 7, 7, 3, 3, 2, 2, 1, 1),
                new ConvGeometry(1, 2, 6, 40, 2, 2, 2, 2, 0, 0), new ConvGeometry(1, 1, 5, 5, 3, 2, 1, 2, 1, 0),
                new ConvGeometry(1, 2, 6, 10, 2, 2, 2, 2, 0, 0))) {
            int hw = g.height() * g.width(), in = g.batch() * g.channels() * hw, out = g.batch() * g.channels() * g.outH() * g.outW();
            int[] xs = s(g.batch(), g.channels(), g.height(), g.width()), ys = s(g.batch(), g.channels(), g.outH(), g.outW());
            for (int pixel = 0; pixel < Math.min(hw, 60); pixel++) {
                float[] x = random(new SplittableRandom(pixel), in, -1, 1);
                x[pixel] = NAN;                                                        // plane 0
                compare("maxPool, NaN at pixel " + pixel + " " + g, 0f, (b, t) -> { b.maxPool(t[0], g, t[1], t[2]); return 0; },
                        d(x, new float[out], new float[out]), xs, ys, ys);
                int iy = pixel / g.width(), ix = pixel % g.width();
                for (int oy = 0; oy < g.outH(); oy++)
                    for (int ox = 0; ox < g.outW(); ox++) {
                        int y0 = oy * g.strideH() - g.padH(), x0 = ox * g.strideW() - g.padW();
                        boolean covers = iy >= y0 && iy < y0 + g.kernelH() && ix >= x0 && ix < x0 + g.kernelW();
                        int o = oy * g.outW() + ox;
                        if (covers) {
                            assertNaN("maxPool window (" + oy + ", " + ox + ") over the NaN at " + pixel + " " + g, lastReference[1][o]);
                            assertThat(lastReference[2][o]).as("its arg-max").isEqualTo(pixel);
                        } else {
                            assertThat(lastReference[1][o]).as("a window without the NaN").isFinite();
                        }
                    }
            }
        }
    }

    @Test
    void embeddingsCarryNaN() {
        SplittableRandom rng = new SplittableRandom(107);
        int v = 7, dim = 33, rows = 9;
        float[] idx = new float[rows];
        for (int r = 0; r < rows; r++) idx[r] = r % v;
        float[] table = nonFinite(rng, v * dim, 10, 0);
        compare("gatherRows with NaN/∞", 0f, (b, t) -> { b.gatherRows(t[0], t[1], t[2]); return 0; },
                d(table, idx, new float[rows * dim]), s(v, dim), s(rows), s(rows, dim));
        assertNaN("gathered NaN", lastReference[2][0]);
        compare("scatterAddRows with NaN/∞", tolerance(Precision.ARITHMETIC), (b, t) -> { b.scatterAddRows(t[0], t[1], t[2]); return 0; },
                d(nonFinite(rng, rows * dim, 10, 0), idx, random(rng, v * dim)), s(rows, dim), s(rows), s(v, dim));
        assertNaN("scattered NaN", lastReference[2][0]);
    }

    @Test
    void recurrentCellsPropagateNaN() {
        SplittableRandom rng = new SplittableRandom(108);
        int batch = 3, hid = 17, n = batch * hid;
        for (boolean peepholes : new boolean[] {false, true}) {
            float[] gates = random(rng, 4 * n, -3, 3), cPrev = random(rng, n), peep = peepholes ? random(rng, 3 * hid) : null;
            gates[0] = NAN;                                                            // a_i of (0, 0)
            gates[4 * hid + 2 * hid + 1] = INF;                                        // a_g of (1, 1): tanh(∞) = 1
            cPrev[2 * hid + 5] = NAN;                                                  // c_{t−1} of (2, 5)
            compare("lstmCell with NaN/∞", tolerance(Precision.TRANSCENDENTAL), (b, t) -> { b.lstmCell(t[0], t[1], t[2], t[3], t[4], t[5]); return 0; },
                    d(gates, cPrev, peep, new float[n], new float[n], new float[n]), s(batch, 4 * hid), s(batch, hid), s(3, hid),
                    s(batch, hid), s(batch, hid), s(batch, hid));
            assertNaN("lstm c of a NaN gate", lastReference[3][0]);
            assertNaN("lstm h of a NaN gate", lastReference[5][0]);
            assertNaN("lstm h of a NaN c_{t−1}", lastReference[5][2 * hid + 5]);
            assertThat(lastReference[5][hid + 1]).isFinite();
            float[][] fwd = lastReference.clone();
            float[] dh = random(rng, n), dc = random(rng, n);
            dh[hid + 3] = NAN;
            compare("lstmCellBackward with NaN", tolerance(Precision.ARITHMETIC),
                    (b, t) -> { b.lstmCellBackward(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8]); return 0; },
                    d(fwd[0], cPrev, fwd[3], fwd[4], peep, dh, dc, new float[4 * n], peepholes ? new float[3 * hid] : null),
                    s(batch, 4 * hid), s(batch, hid), s(batch, hid), s(batch, hid), s(3, hid), s(batch, hid), s(batch, hid),
                    s(batch, 4 * hid), s(3, hid));
            assertNaN("lstm ∂L/∂a_o of a NaN ∂L/∂h", lastReference[7][4 * hid + 3 * hid + 3]);
        }
        float[] gx = random(rng, 3 * n), gh = random(rng, 3 * n), hPrev = random(rng, n);
        gx[1] = NAN;
        gh[3 * hid + 2 * hid] = INF;                                                   // r·∞ inside tanh
        hPrev[2 * hid + 4] = NAN;
        compare("gruCell with NaN/∞", tolerance(Precision.TRANSCENDENTAL), (b, t) -> { b.gruCell(t[0], t[1], t[2], t[3], t[4]); return 0; },
                d(gx, gh, hPrev, new float[n], new float[3 * n]), s(batch, 3 * hid), s(batch, 3 * hid), s(batch, hid), s(batch, hid), s(batch, 3 * hid));
        assertNaN("gru h of a NaN gate", lastReference[3][1]);
        assertNaN("gru h of a NaN h_{t−1}", lastReference[3][2 * hid + 4]);
        float[] acts = lastReference[4];
        float[] dh = random(rng, n);
        dh[5] = NAN;
        compare("gruCellBackward with NaN", tolerance(Precision.ARITHMETIC),
                (b, t) -> { b.gruCellBackward(t[0], t[1], t[2], t[3], t[4], t[5], t[6]); return 0; },
                d(acts, gh, hPrev, dh, new float[3 * n], new float[3 * n], new float[n]),
                s(batch, 3 * hid), s(batch, 3 * hid), s(batch, hid), s(batch, hid), s(batch, 3 * hid), s(batch, 3 * hid), s(batch, hid));
        assertNaN("gru ∂L/∂h_{t−1} of a NaN ∂L/∂h", lastReference[6][5]);
    }

    @Test
    void optimizerStepsCarryANaNGradientIntoTheWeight() {
        SplittableRandom rng = new SplittableRandom(109);
        int n = 37;
        float[] w = random(rng, n), g = nonFinite(rng, n, 6, 1);
        float arith = tolerance(Precision.ARITHMETIC);
        List<Op> steps = List.of(
                (b, t) -> { b.sgdStep(t[0], t[1], null, 0.1f, 0f, false, 0f); return 0; },
                (b, t) -> { b.sgdStep(t[0], t[1], t[2], 0.1f, 0.9f, true, 0.01f); return 0; },
                (b, t) -> { b.adagradStep(t[0], t[1], t[2], 0.1f, 1e-10f, 0f); return 0; },
                (b, t) -> { b.rmspropStep(t[0], t[1], t[2], 0.01f, 0.99f, 1e-8f, 0f); return 0; },
                (b, t) -> { b.adadeltaStep(t[0], t[1], t[2], t[3], 1f, 0.9f, 1e-6f, 0f); return 0; },
                (b, t) -> { b.adamStep(t[0], t[1], t[2], t[3], 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 1); return 0; });
        String[] names = {"sgd", "nesterov", "adagrad", "rmsprop", "adadelta", "adam"};
        for (int k = 0; k < steps.size(); k++) {
            compare(names[k] + " with a NaN/∞ gradient", arith, steps.get(k), d(w, g, new float[n], new float[n]), s(n), s(n), s(n), s(n));
            assertNaN(names[k] + ": the weight of a NaN gradient", lastReference[0][1]);
        }
    }

    // ---------------------------------------------------------------- what every op checks first (CheckedBackend)

    @Test
    void aClosedTensorAndItsViewsAreRefused() {
        Tensor t = be.zeros(2, 3), other = be.zeros(6), view = t.view(3, 3);
        t.close();
        t.close();                                                            // a second close is harmless
        assertThat(t.isClosed()).isTrue();
        assertThat(view.isClosed()).isTrue();
        assertThatThrownBy(() -> be.fill(t, 1f)).isInstanceOf(IllegalStateException.class).hasMessageContaining("fill")
                .hasMessageContaining("was closed");
        assertThatThrownBy(() -> be.copy(other, view)).isInstanceOf(IllegalStateException.class).hasMessageContaining("copy");
        assertThatThrownBy(() -> be.download(t)).isInstanceOf(IllegalStateException.class).hasMessageContaining("download");
        Tensor fresh = be.zeros(2, 3);                                         // a GPU pool may hand out t's buffer again
        be.fill(fresh, 2f);
        assertThat(be.download(fresh)).containsOnly(2f);
        Tensor.closeAll(fresh, other);
    }

    @Test
    void aClosedBackendRefusesItsTensors() {
        Backend second = backend();
        Tensor t = second.upload(new float[] {1, 2, 3}, 3);
        second.close();
        second.close();
        assertThatThrownBy(() -> second.scale(t, 2f)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("scale").hasMessageContaining("'" + second.name() + "' backend is closed");
        assertThatThrownBy(() -> second.download(t)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> second.zeros(2)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aTensorOfAnotherInstanceOfTheSameBackendIsRefusedSayingSo() {
        Backend second = backend();
        try {
            Tensor t = second.zeros(4);
            assertThatThrownBy(() -> be.fill(t, 1f)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("fill").hasMessageContaining("another '" + be.name() + "' backend");
            if (!be.name().equals("ref")) {
                assertThatThrownBy(() -> be.fill(ref.zeros(2), 1f)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("belongs to backend 'ref', not '" + be.name() + "'");
            }
        } finally {
            second.close();
        }
    }

    @Test
    void nullTensorsAndArraysAreRefused() {
        Tensor x = be.zeros(3);
        assertThatThrownBy(() -> be.axpy(1f, x, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("axpy: tensor argument 2 is null");
        assertThatThrownBy(() -> be.upload(null, 0, x)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("upload");
        assertThatThrownBy(() -> be.download(x, new float[2])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("download: 3 values");
        assertThatThrownBy(() -> be.upload(new float[4], 2, x)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("from offset 2 of an array of 4");
        assertThatThrownBy(() -> be.upload(new float[5], 2, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("5 values do not fill shape [2, 2]");
        x.close();
    }

    // ---------------------------------------------------------------- optimizers

    /** One optimizer update on tensors {w, g, state…} at step t ≥ 1. */
    @FunctionalInterface
    protected interface StepOp {
        void run(Backend b, Tensor[] t, int step);
    }

    /** Five steps of an update, with fresh gradients each step, comparing the weights and every state tensor. */
    private void optimizerSteps(String name, int n, int states, StepOp step) {
        SplittableRandom rng = new SplittableRandom(n * 31L + name.hashCode());
        float[][] data = new float[2 + states][];
        int[][] shapes = new int[2 + states][];
        data[0] = random(rng, n);
        for (int i = 0; i < shapes.length; i++) shapes[i] = s(n);
        for (int i = 2; i < data.length; i++) data[i] = new float[n];
        Tensor[] rt = new Tensor[data.length], bt = new Tensor[data.length];
        for (int i = 0; i < data.length; i++) {
            float[] init = i == 1 ? new float[n] : data[i];
            rt[i] = put(ref, init, shapes[i]);
            bt[i] = put(be, init, shapes[i]);
        }
        for (int t = 1; t <= 5; t++) {
            float[] g = random(rng, n);
            ref.upload(g, 0, rt[1]);
            be.upload(g, 0, bt[1]);
            step.run(ref, rt, t);
            step.run(be, bt, t);
            for (int i = 0; i < data.length; i++) {
                if (i == 1) continue;
                assertClose(name + " n=" + n + " step " + t + " tensor " + i, get(name, bt[i]), get(name, rt[i]),
                        tolerance(Precision.ARITHMETIC));
            }
        }
    }

    @ParameterizedTest(name = "optimizers n={0}")
    @ValueSource(ints = {1, 7, 33, 257, 70_003})
    void optimizerStepsMatchReference(int n) {
        optimizerSteps("sgd", n, 0, (b, t, step) -> b.sgdStep(t[0], t[1], null, 0.1f, 0f, false, 0f));
        optimizerSteps("sgd+decay", n, 0, (b, t, step) -> b.sgdStep(t[0], t[1], null, 0.1f, 0f, false, 0.01f));
        optimizerSteps("sgd momentum", n, 1, (b, t, step) -> b.sgdStep(t[0], t[1], t[2], 0.05f, 0.9f, false, 0f));
        optimizerSteps("sgd nesterov+decay", n, 1, (b, t, step) -> b.sgdStep(t[0], t[1], t[2], 0.05f, 0.9f, true, 1e-3f));
        optimizerSteps("adagrad", n, 1, (b, t, step) -> b.adagradStep(t[0], t[1], t[2], 0.1f, 1e-10f, 0.01f));
        optimizerSteps("rmsprop", n, 1, (b, t, step) -> b.rmspropStep(t[0], t[1], t[2], 0.01f, 0.99f, 1e-8f, 0f));
        optimizerSteps("adadelta", n, 2, (b, t, step) -> b.adadeltaStep(t[0], t[1], t[2], t[3], 1f, 0.9f, 1e-6f, 0.01f));
        optimizerSteps("adam", n, 2, (b, t, step) -> b.adamStep(t[0], t[1], t[2], t[3], 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, step));
    }

    @Test
    void sgdFlushesAVelocityThatDecaysBelowTheNormalRangeToZero() {
        // a unit whose gradient is 0 (a dead ReLU): v ← μv decays; once below 2^-126 it is 0 on every backend, as the
        // specification says, and its weight stops moving; the other velocities and weights follow PyTorch's update
        int n = 37;                                                       // a vector body and a tail
        float[] v0 = new float[n], w0 = new float[n], g0 = new float[n];
        for (int i = 0; i < n; i++) {
            v0[i] = i % 3 == 0 ? 1.2e-38f : i % 3 == 1 ? -3e-39f : 0.25f; // 0.9·1.2e−38 < 1.18e−38; −3e−39 is subnormal already
            w0[i] = 1f + i;
            g0[i] = i % 3 == 2 ? 0.5f : 0f;
        }
        for (boolean nesterov : new boolean[] {false, true}) {
            Tensor w = put(be, w0, n), g = put(be, g0, n), v = put(be, v0, n);
            Tensor rw = put(ref, w0, n), rg = put(ref, g0, n), rv = put(ref, v0, n);
            be.sgdStep(w, g, v, 0.1f, 0.9f, nesterov, 0f);
            ref.sgdStep(rw, rg, rv, 0.1f, 0.9f, nesterov, 0f);
            float[] vv = get("sgdStep", v), ww = get("sgdStep", w), rvv = get("sgdStep", rv), rww = get("sgdStep", rw);
            for (int i = 0; i < n; i++) {
                String at = (nesterov ? "Nesterov " : "") + "element " + i;
                if (i % 3 != 2) {
                    assertThat(Float.floatToRawIntBits(vv[i])).as(be.name() + " v, " + at).isEqualTo(0);
                    assertThat(Float.floatToRawIntBits(rvv[i])).as("ref v, " + at).isEqualTo(0);
                    assertThat(ww[i]).as(be.name() + " w, " + at).isEqualTo(w0[i]);
                } else {
                    float vi = 0.9f * 0.25f + 0.5f;
                    assertThat(rvv[i]).as("ref v, " + at).isEqualTo(vi);
                    assertThat(rww[i]).as("ref w, " + at).isEqualTo(w0[i] - 0.1f * (nesterov ? 0.5f + 0.9f * vi : vi));
                }
            }
            assertClose("sgdStep v" + (nesterov ? " (Nesterov)" : ""), vv, rvv, tolerance(Precision.ARITHMETIC));
            assertClose("sgdStep w" + (nesterov ? " (Nesterov)" : ""), ww, rww, tolerance(Precision.ARITHMETIC));
        }
    }

    // ---------------------------------------------------------------- whole training steps

    /** A model as the training-agreement tests drive it: logits from an input, backward from ∂L/∂logits, its parameters. */
    protected interface Net {
        Tensor forward(Tensor x);

        void backward(Tensor dlogits);

        List<Param> params();
    }

    /** A {@link Sequential} as a {@link Net}. */
    protected static Net net(Sequential model) {
        return new Net() {
            public Tensor forward(Tensor x) { return model.forward(x, true); }
            public void backward(Tensor dlogits) { model.backward(dlogits); }
            public List<Param> params() { return model.params(); }
        };
    }

    /**
     * One LSTM step with peepholes worked out by hand (seed 003): D = 1, H = 2, one sample, the initial state given so
     * that c_{t−1} ≠ c_t. From a = W_x·x + W_h·h_0 + b (gates i, f, g, o per unit):
     * <pre>
     *   unit 0: a = (0.7, 1.1, 0.2, −0.52)   i = σ(0.7 + 0.3·(−1)) = 0.598688   f = σ(1.1 + 0.5·(−1)) = 0.645656
     *           g = tanh 0.2 = 0.197375      c_1 = f·c_0 + i·g = −0.527490
     *           o = σ(−0.52 + 2·c_1) = 0.171508                h_1 = o·tanh c_1 = −0.082917
     *   unit 1: a = (−0.28, 1.36, 0.56, 0.26) i = 0.391741  f = 0.842905  g = 0.507977  c_1 = 0.873319
     *           o = σ(0.26 − 1.5·c_1) = 0.259229                h_1 = 0.182253
     * </pre>
     * An output gate whose peephole read c_{t−1} instead of c_t would give h_1 = (−0.036002, 0.197489): this fails on it.
     */
    @Test
    void lstmPeepholeStepByHand() {
        Lstm lstm = new Lstm(1, 2, true, 1f);
        lstm.bind(be, new SplittableRandom(1));
        lstm.inputWeight().set(0.5f, -0.3f, 0.2f, 0.4f, 0.1f, 0.6f, -0.5f, 0.3f);                 // W_x [8, 1]: i0 i1 f0 f1 g0 g1 o0 o1
        lstm.recurrentWeight().set(0.1f, -0.2f, 0.3f, 0.1f, -0.1f, 0.2f, 0.2f, 0.2f,              // W_h [8, 2]
                0.4f, -0.3f, -0.2f, 0.5f, 0.1f, 0.1f, -0.3f, 0.2f);
        lstm.bias().set(0.1f, 0f, 1f, 1f, -0.1f, 0.2f, 0f, 0.1f);
        lstm.peepholes().set(0.3f, -0.2f, 0.5f, 0.4f, 2f, -1.5f);                                // rows p_i, p_f, p_o
        lstm.initialState(dev.nabla.nn.rnn.InitialState.GIVEN);
        lstm.givenState(be.upload(new float[] {0.2f, -0.4f}, 1, 2), be.upload(new float[] {-1f, 0.8f}, 1, 2));
        float[] h = lstm.forward(be.upload(new float[] {1f}, 1, 1, 1), true).toArray();
        float[] c = lstm.finalState(1).toArray();
        float tol = tolerance(Precision.TRANSCENDENTAL);
        assertThat(c[0]).as("c_1[0]").isCloseTo(-0.527490f, org.assertj.core.data.Offset.offset(2e-6f + tol));
        assertThat(c[1]).as("c_1[1]").isCloseTo(0.873319f, org.assertj.core.data.Offset.offset(2e-6f + tol));
        assertThat(h[0]).as("h_1[0] (o reads c_t)").isCloseTo(-0.082917f, org.assertj.core.data.Offset.offset(2e-6f + tol));
        assertThat(h[1]).as("h_1[1] (o reads c_t)").isCloseTo(0.182253f, org.assertj.core.data.Offset.offset(2e-6f + tol));
    }

    /**
     * A sequence classifier: a recurrent layer over x [T, B, D], then a dense layer on every step's h_t, giving logits
     * [T·B, classes] (one label per step, as a language model).
     */
    protected static Net sequenceNet(Backend b, Recurrent rnn, int classes, int steps, int batch) {
        SplittableRandom rng = new SplittableRandom(99);
        rnn.bind(b, rng);
        Dense out = new Dense(rnn.outputSize(), classes);
        out.bind(b, rng);
        return new Net() {
            public Tensor forward(Tensor x) {
                Tensor h = rnn.forward(x, true);
                return out.forward(h.reshape(steps * batch, rnn.outputSize()), true);
            }
            public void backward(Tensor dlogits) {
                Tensor dh = out.backward(dlogits);
                rnn.backward(dh.reshape(steps, batch, rnn.outputSize()));
            }
            public List<Param> params() {
                List<Param> all = new java.util.ArrayList<>(rnn.params());
                all.addAll(out.params());
                return all;
            }
        };
    }

    /**
     * Trains two copies of a model, one per backend, for {@code steps} steps of SGD with momentum 0.9 on the same random
     * batches (x of shape {@code xShape}, {@code rows} labels), and asserts that the losses and every parameter agree
     * (relative tolerance {@code tol}, see {@link Precision#TRAINING}) after every step.
     */
    protected void trainingAgrees(String name, Net onRef, Net onBe, int[] xShape, int rows, int classes, int steps, float tol) {
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        Sgd sgd = Sgd.momentum(0.05f, 0.9f);
        SplittableRandom rng = new SplittableRandom(name.hashCode());
        Tensor dyR = ref.zeros(rows, classes), dyB = be.zeros(rows, classes);
        for (int step = 1; step <= steps; step++) {
            float[] x = random(rng, Tensor.sizeOf(xShape)), lab = labels(rng, rows, classes);
            for (Param p : onRef.params()) p.zeroGrad();
            for (Param p : onBe.params()) p.zeroGrad();
            float lr = loss.compute(onRef.forward(ref.upload(x, xShape)), ref.upload(lab, rows), dyR);
            float lb = loss.compute(onBe.forward(be.upload(x, xShape)), be.upload(lab, rows), dyB);
            assertClose(name + " loss at step " + step, new float[] {lb}, new float[] {lr}, tol);
            onRef.backward(dyR);
            onBe.backward(dyB);
            sgd.step(onRef.params());
            sgd.step(onBe.params());
            List<Param> pr = onRef.params(), pb = onBe.params();
            for (int i = 0; i < pr.size(); i++) {
                assertClose(name + " " + pr.get(i).name() + " after step " + step, be.download(pb.get(i).value()),
                        ref.download(pr.get(i).value()), tol);
            }
        }
    }

    /** Builds the same MLP (same seed) on a backend. */
    private static Sequential mlp(Backend b, int in, int hidden1, int hidden2, int classes) {
        return new Sequential(new Dense(in, hidden1), ActivationLayer.relu(), new Dense(hidden1, hidden2), ActivationLayer.tanh(),
                new Dense(hidden2, classes)).bind(b, 1234);
    }

    @Test
    void mlpTrainingStepsAgree() {
        float tol = tolerance(Precision.TRAINING);
        trainingAgrees("mlp 20-33-17-7 b16", net(mlp(ref, 20, 33, 17, 7)), net(mlp(be, 20, 33, 17, 7)), s(16, 20), 16, 7, 8, tol);
        trainingAgrees("mlp 784-256-128-10 b64", net(mlp(ref, 784, 256, 128, 10)), net(mlp(be, 784, 256, 128, 10)),
                s(64, 784), 64, 10, 3, tol);
    }

    /** LeNet-5 as in the lenet sample (ReLU, max pooling), and a variant with tanh, average pooling and a strided conv. */
    private static Sequential lenet(Backend b, boolean classic) {
        Sequential m = classic
                ? new Sequential(new Conv2d(1, 6, 5).padding(2), ActivationLayer.tanh(), new AvgPool2d(2),
                        new Conv2d(6, 16, 5), ActivationLayer.tanh(), new AvgPool2d(2), new Flatten(),
                        new Dense(400, 120), ActivationLayer.tanh(), new Dense(120, 84), ActivationLayer.tanh(),
                                new Dense(84, 10))
                : new Sequential(new Conv2d(1, 6, 5).padding(2), ActivationLayer.relu(), new MaxPool2d(2),
                        new Conv2d(6, 16, 5), ActivationLayer.relu(), new MaxPool2d(2), new Flatten(),
                        new Dense(400, 120), ActivationLayer.relu(), new Dense(120, 84), ActivationLayer.relu(),
                                new Dense(84, 10));
        return m.bind(b, 5);
    }

    @Test
    void lenet5TrainingStepsAgree() {
        float tol = tolerance(Precision.TRAINING);
        trainingAgrees("lenet5 relu/max b8", net(lenet(ref, false)), net(lenet(be, false)), s(8, 1, 28, 28), 8, 10, 4, tol);
        trainingAgrees("lenet5 tanh/avg b8", net(lenet(ref, true)), net(lenet(be, true)), s(8, 1, 28, 28), 8, 10, 4, tol);
        Supplier<Sequential> strided = () -> new Sequential(new Conv2d(3, 4, 3).stride(2).padding(1), ActivationLayer.relu(),
                new Conv2d(4, 5, 3, 2), ActivationLayer.sigmoid(), new Flatten(), new Dense(5 * 7 * 9, 6));
        trainingAgrees("strided conv b3", net(strided.get().bind(ref, 8)), net(strided.get().bind(be, 8)), s(3, 3, 17,
                19), 3, 6, 4, tol);
    }

    @Test
    void recurrentTrainingStepsAgree() {
        float tol = tolerance(Precision.TRAINING);
        int t = 9, batch = 5, d = 13, h = 33, classes = 7;
        trainingAgrees("lstm h33 T9 b5", sequenceNet(ref, new Lstm(d, h), classes, t, batch),
                sequenceNet(be, new Lstm(d, h), classes, t, batch), s(t, batch, d), t * batch, classes, 5, tol);
        trainingAgrees("lstm peepholes", sequenceNet(ref, new Lstm(d, h, true, 1f), classes, t, batch),
                sequenceNet(be, new Lstm(d, h, true, 1f), classes, t, batch), s(t, batch, d), t * batch, classes, 5, tol);
        trainingAgrees("gru h33 T9 b5", sequenceNet(ref, new Gru(d, h), classes, t, batch),
                sequenceNet(be, new Gru(d, h), classes, t, batch), s(t, batch, d), t * batch, classes, 5, tol);
    }
}
