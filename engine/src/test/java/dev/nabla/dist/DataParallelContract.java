package dev.nabla.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.backend.Backend;
import dev.nabla.loss.Loss;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.loss.SquaredError;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Adam;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.Sgd;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Issue 15's parity, run by every backend module with its backend: data-parallel training with N replicas takes the
 * steps a single model takes on the whole batch. N = 1 is bit-identical to the single model; N = 2 and 4 agree with it
 * within {@link #TOLERANCE} after 50 steps of SGD with momentum and of Adam; an uneven split is handled; two runs with
 * the same N are bit-identical; and averaging parameters instead of gradients — a plausible wrong design — fails.
 */
public abstract class DataParallelContract {
    /** Relative tolerance on every weight after 50 steps: the shards' sums differ from the whole batch's in float rounding only. */
    static final float TOLERANCE = 1e-4f;
    static final int STEPS = 50;

    /** A fresh backend for one replica. */
    protected abstract Backend backend();

    /** The models to check: name → architecture, input sample shape, classes. */
    public record Model(String name, Supplier<Sequential> architecture, int[] sampleShape, int classes, int batch, int targetWidth,
                        boolean timeMajor) {
        public Model(String name, Supplier<Sequential> architecture, int[] sampleShape, int classes, int batch) {
            this(name, architecture, sampleShape, classes, batch, 1, false);
        }

        /** A language model over {@code steps} tokens of a vocabulary of {@code classes}: one label per step. */
        public static Model sequence(String name, Supplier<Sequential> architecture, int steps, int classes, int batch) {
            return new Model(name, architecture, new int[] {steps}, classes, batch, steps, true);
        }
    }

    protected List<Model> models() {
        return List.of(
                new Model("MLP", () -> Sequential.mlp(ActivationLayer::tanh, 12, 16, 5), new int[] {12}, 5, 10),
                new Model("CNN", () -> new Sequential(new Conv2d(1, 3, 3), ActivationLayer.relu(), new MaxPool2d(2), new Flatten(),
                        new Dense(3 * 3 * 3, 4)), new int[] {1, 8, 8}, 4, 10));
    }

    /** A fixed stream of batches: features uniform in [0, 1), labels uniform, a few rows ignored (−1). */
    static float[][] batch(Model m, int step) {
        SplittableRandom r = new SplittableRandom(1000 + step);
        int per = dev.nabla.backend.Tensor.sizeOf(m.sampleShape());
        float[] x = new float[m.batch() * per], t = new float[m.batch() * m.targetWidth()];
        for (int i = 0; i < x.length; i++) x[i] = m.timeMajor() ? r.nextInt(m.classes()) : (float) r.nextDouble();   // tokens, or features
        for (int i = 0; i < t.length; i++) t[i] = i % 7 == 3 ? -1 : r.nextInt(m.classes());
        return new float[][] {x, t};
    }

    /** The weights after {@link #STEPS} data-parallel steps with n replicas. */
    float[][] train(Model m, int n, Supplier<Optimizer> opt, Loss loss) {
        try (DataParallel dp = new DataParallel(m.architecture(), n, i -> backend(), 7, loss, opt.get(), m.sampleShape(), m.targetWidth(),
                m.timeMajor())) {
            for (int s = 0; s < STEPS; s++) {
                float[][] b = batch(m, s);
                dp.step(b[0], b[1], m.batch());
            }
            return new Replica(dp.model(), loss).weights();
        }
    }

    /** The same steps on one model, written out as the Trainer runs them. */
    float[][] trainAlone(Model m, Supplier<Optimizer> opt, Loss loss) {
        Backend ops = backend();
        Sequential model = m.architecture().get().bind(ops, 7);
        Optimizer o = opt.get();
        if (m.timeMajor()) {                                                 // staged time-major, as the Trainer does
            Replica r = new Replica(model, loss, m.sampleShape(), m.targetWidth(), true);
            for (int s = 0; s < STEPS; s++) {
                float[][] b = batch(m, s);
                r.gradient(b[0], 0, b[1], 0, m.batch(), 1.0, false);
                o.step(model.params());
            }
            float[][] w = r.weights();
            ops.close();
            return w;
        }
        int[] xs = new int[m.sampleShape().length + 1];
        xs[0] = m.batch();
        System.arraycopy(m.sampleShape(), 0, xs, 1, m.sampleShape().length);
        for (int s = 0; s < STEPS; s++) {
            float[][] b = batch(m, s);
            for (Param p : model.params()) p.zeroGrad();
            var y = model.forward(ops.upload(b[0], xs), true);
            var dy = ops.zeros(y.shape());
            loss.compute(y, ops.upload(b[1], m.batch()), dy);
            model.backwardParams(dy);
            o.step(model.params());
        }
        float[][] w = new Replica(model, loss).weights();
        ops.close();
        return w;
    }

    static List<Supplier<Optimizer>> optimizers() {
        return List.of(() -> Sgd.momentum(0.1f, 0.9f), () -> new Adam(0.01f));
    }

    static float maxRelDiff(float[][] a, float[][] b) {
        float worst = 0;
        for (int p = 0; p < a.length; p++)
            for (int j = 0; j < a[p].length; j++) worst = Math.max(worst, Math.abs(a[p][j] - b[p][j]) / (1 + Math.abs(b[p][j])));
        return worst;
    }

    @Test
    void oneReplicaIsTheSingleModelBitForBit() {
        for (Model m : models())
            for (Supplier<Optimizer> o : optimizers()) {
                float[][] dp = train(m, 1, o, new SoftmaxCrossEntropy()), alone = trainAlone(m, o, new SoftmaxCrossEntropy());
                for (int p = 0; p < dp.length; p++) assertThat(dp[p]).as(m.name() + " " + o.get().name() + " parameter " + p).isEqualTo(alone[p]);
            }
    }

    @Test
    void twoAndFourReplicasTakeTheSameStepsWithinTolerance() {
        for (Model m : models())
            for (Supplier<Optimizer> o : optimizers()) {
                float[][] one = train(m, 1, o, new SoftmaxCrossEntropy());
                for (int n : new int[] {2, 4}) {
                    float d = maxRelDiff(train(m, n, o, new SoftmaxCrossEntropy()), one);
                    System.out.printf("[dist] %s, %s, N=%d vs N=1 after %d steps: max rel. weight difference %.2e%n", m.name(), o.get().name(), n, STEPS, d);
                    assertThat(d).as(m.name() + " " + o.get().name() + " N=" + n).isLessThanOrEqualTo(TOLERANCE);
                }
            }
    }

    @Test
    void aBatchOfTenOverThreeReplicasIsSplitFourThreeThree() {
        assertThat(Shards.sizes(10, 3)).containsExactly(4, 3, 3);
        assertThat(Shards.sizes(2, 4)).containsExactly(1, 1, 0, 0);
        Model m = models().getFirst();
        float[][] one = train(m, 1, optimizers().getFirst(), new SoftmaxCrossEntropy());
        assertThat(maxRelDiff(train(m, 3, optimizers().getFirst(), new SoftmaxCrossEntropy()), one)).isLessThanOrEqualTo(TOLERANCE);
        // more replicas than rows: the empty shards add nothing
        Model tiny = new Model("MLP b2", m.architecture(), m.sampleShape(), m.classes(), 2);
        assertThat(maxRelDiff(train(tiny, 4, optimizers().getFirst(), new SoftmaxCrossEntropy()),
                train(tiny, 1, optimizers().getFirst(), new SoftmaxCrossEntropy()))).isLessThanOrEqualTo(TOLERANCE);
    }

    @Test
    void aSummedLossIsNotRescaled() {
        Model m = new Model("MLP regression", () -> Sequential.mlp(ActivationLayer::tanh, 12, 16, 1), new int[] {12}, 2, 10);
        Loss se = new SquaredError();     // ½Σ(d − y)²: targets 0/1 from batch()'s labels, the ignored rows as −1 targets
        Supplier<Optimizer> sgd = () -> new Sgd(0.01f);                     // a sum over the batch wants a smaller η
        float[][] one = train(m, 1, sgd, se);
        assertThat(maxRelDiff(train(m, 3, sgd, se), one)).isLessThanOrEqualTo(TOLERANCE);
    }

    @Test
    void twoRunsWithTheSameReplicasAreBitIdentical() {
        Model m = models().getFirst();
        float[][] a = train(m, 3, optimizers().get(1), new SoftmaxCrossEntropy()), b = train(m, 3, optimizers().get(1), new SoftmaxCrossEntropy());
        for (int p = 0; p < a.length; p++) assertThat(a[p]).isEqualTo(b[p]);
    }

    /**
     * The test has teeth: a wrong design — each replica steps its own Adam on its own shard, then the parameters are
     * averaged — is far outside the tolerance that the right one meets.
     */
    @Test
    void averagingParametersInsteadOfGradientsFails() {
        Model m = models().getFirst();
        Supplier<Optimizer> adam = optimizers().get(1);
        float[][] one = train(m, 1, adam, new SoftmaxCrossEntropy());
        int n = 2;
        Loss loss = new SoftmaxCrossEntropy();
        Sequential[] models = new Sequential[n];
        Optimizer[] opts = new Optimizer[n];
        for (int i = 0; i < n; i++) {
            models[i] = m.architecture().get().bind(backend(), 7);
            opts[i] = adam.get();
        }
        int per = dev.nabla.backend.Tensor.sizeOf(m.sampleShape());
        int[] sizes = Shards.sizes(m.batch(), n);
        for (int s = 0; s < STEPS; s++) {
            float[][] b = batch(m, s);
            float[][][] w = new float[n][][];
            for (int i = 0, at = 0; i < n; at += sizes[i], i++) {
                Replica r = new Replica(models[i], loss, m.sampleShape(), 1, false);
                r.gradient(b[0], at * per, b[1], at, sizes[i], 1.0, false);
                opts[i].step(r.params());                                  // each replica's own step on its own shard
                w[i] = r.weights();
            }
            for (int p = 0; p < w[0].length; p++)
                for (int j = 0; j < w[0][p].length; j++) {
                    float avg = 0;
                    for (int i = 0; i < n; i++) avg += w[i][p][j] / n;       // then the parameters averaged
                    for (int i = 0; i < n; i++) w[i][p][j] = avg;
                }
            for (int i = 0; i < n; i++) new Replica(models[i], loss).setWeights(w[i]);
        }
        float d = maxRelDiff(new Replica(models[0], loss).weights(), one);
        System.out.printf("[dist] parameter averaging with Adam, N=2 vs N=1: max rel. weight difference %.2e (tolerance %.0e)%n", d, TOLERANCE);
        assertThat(d).as("the wrong variant must fail the parity test").isGreaterThan(100 * TOLERANCE);
    }

    @Test
    void aBatchWhoseEveryLabelIsIgnoredIsRefused() {
        Model m = models().getFirst();
        try (DataParallel dp = new DataParallel(m.architecture(), 2, i -> backend(), 7, new SoftmaxCrossEntropy(), Sgd.momentum(0.1f, 0.9f),
                m.sampleShape(), 1)) {
            float[] t = new float[m.batch()];
            java.util.Arrays.fill(t, -1);
            assertThatThrownBy(() -> dp.step(batch(m, 0)[0], t, m.batch())).hasMessageContaining("every label is negative");
        }
    }
}
