package dev.nabla.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Backends;
import dev.nabla.dist.Replica;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Adam;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.Sgd;
import dev.nabla.samples.LeNetSample;
import dev.nabla.train.Dataset;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 15 on a real Spark, {@code local[2]} (two executor threads, up to 4 attempts per task): the steps are the
 * single model's within the parity tolerance, a task that fails and is retried changes nothing, and two runs are
 * bit-identical.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SparkDataParallelTest {
    private static final float TOLERANCE = 1e-4f;
    private JavaSparkContext sc;

    @BeforeAll
    void start() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2,4]").setAppName("nabla-test").set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1"));
        sc.setLogLevel("ERROR");
    }

    @AfterAll
    void stop() { if (sc != null) sc.close(); }

    static Dataset blobs(int n, int dim, int classes) {
        SplittableRandom r = new SplittableRandom(5);
        float[] x = new float[n * dim];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(classes);
            for (int j = 0; j < dim; j++) x[i * dim + j] = (float) (r.nextGaussian() * 0.7 + (j % classes == y[i] ? 1 : 0));
        }
        return Dataset.classification(x, new int[] {dim}, y);
    }

    static final ModelSpec MLP = new ModelSpec("mlp-test", () -> Sequential.mlp(ActivationLayer::tanh, 10, 16, 4), "cpu", 3,
            "cross-entropy", new int[] {10}, 1);

    /** The same epochs on one model, as the Trainer runs its steps (same permutation as SparkDataParallel#fit). */
    static float[][] alone(ModelSpec spec, Optimizer opt, Dataset d, int epochs, int batch, long seed) {
        Backend ops = Backends.create(spec.backend());
        Sequential model = spec.architecture().get().bind(ops, spec.seed());
        Replica r = new Replica(model, new SoftmaxCrossEntropy(), spec.sampleShape(), 1, false);
        int per = d.sampleSize();
        for (int[] order : dev.nabla.train.Trainer.epochOrders(d.size(), seed, epochs)) {
            for (int start = 0; start < d.size(); start += batch) {
                int n = Math.min(batch, d.size() - start);
                int[] idx = Arrays.copyOfRange(order, start, start + n);
                Arrays.sort(idx);                                              // Spark's shards come in index order
                float[] x = new float[n * per], t = new float[n];
                for (int i = 0; i < n; i++) {
                    System.arraycopy(d.features(), idx[i] * per, x, i * per, per);
                    t[i] = d.targets()[idx[i]];
                }
                r.gradient(x, 0, t, 0, n, 1.0, false);
                opt.step(r.params());
            }
        }
        float[][] w = r.weights();
        ops.close();
        return w;
    }

    float[][] onSpark(ModelSpec spec, Supplier<Optimizer> opt, Dataset d, int epochs, int batch, long seed) {
        try (SparkDataParallel dp = new SparkDataParallel(sc, spec, opt.get(), SparkDataParallel.parallelize(sc, d, 2))) {
            dp.fit(d.size(), epochs, batch, seed);
            return dp.master().weights();
        }
    }

    static float maxRelDiff(float[][] a, float[][] b) {
        float worst = 0;
        for (int p = 0; p < a.length; p++)
            for (int j = 0; j < a[p].length; j++) worst = Math.max(worst, Math.abs(a[p][j] - b[p][j]) / (1 + Math.abs(b[p][j])));
        return worst;
    }

    @Test
    void theStepsAreTheSingleModelsWithinTolerance() {
        Dataset d = blobs(90, 10, 4);
        for (Supplier<Optimizer> opt : java.util.List.<Supplier<Optimizer>>of(() -> Sgd.momentum(0.1f, 0.9f), () -> new Adam(0.01f))) {
            float diff = maxRelDiff(onSpark(MLP, opt, d, 3, 16, 11), alone(MLP, opt.get(), d, 3, 16, 11));
            System.out.printf("[spark] MLP, %s, local[2] vs one model after 3 epochs: max rel. weight difference %.2e%n", opt.get().name(), diff);
            assertThat(diff).isLessThanOrEqualTo(TOLERANCE);
        }
    }

    @Test
    void leNet5OnSparkIsLeNet5OnOneMachine() {
        SplittableRandom r = new SplittableRandom(9);
        float[] x = new float[40 * 784];
        int[] y = new int[40];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble();
        for (int i = 0; i < y.length; i++) y[i] = r.nextInt(10);
        Dataset d = Dataset.classification(x, new int[] {1, 28, 28}, y);
        ModelSpec lenet = new ModelSpec("lenet-test", LeNetSample::model, "cpu", 1, "cross-entropy", new int[] {1, 28, 28}, 1);
        float diff = maxRelDiff(onSpark(lenet, () -> Sgd.momentum(0.04f, 0.9f), d, 2, 10, 4), alone(lenet, Sgd.momentum(0.04f, 0.9f), d, 2, 10, 4));
        System.out.printf("[spark] LeNet-5, local[2] vs one model after 8 steps: max rel. weight difference %.2e%n", diff);
        assertThat(diff).isLessThanOrEqualTo(TOLERANCE);
    }

    /** Not a model of the Trainer's loop but the Trainer itself: the same batches, the same updates, within tolerance. */
    @Test
    void sparkWalksTheTrainersBatchesAndEndsWhereTheTrainerEnds() {
        Dataset d = blobs(90, 10, 4);
        for (Supplier<Optimizer> opt : java.util.List.<Supplier<Optimizer>>of(() -> Sgd.momentum(0.1f, 0.9f), () -> new Adam(0.01f))) {
            try (Backend ops = Backends.create(MLP.backend())) {
                Sequential model = MLP.architecture().get().bind(ops, MLP.seed());
                new dev.nabla.train.Trainer().epochs(3).batchSize(16).seed(7).fit(model, new SoftmaxCrossEntropy(), opt.get(), d);
                float[][] trainer = new float[model.params().size()][];
                for (int p = 0; p < trainer.length; p++) trainer[p] = model.params().get(p).value().toArray();
                float diff = maxRelDiff(onSpark(MLP, opt, d, 3, 16, 7), trainer);
                System.out.printf("[spark] local[2] vs the Trainer, 3 epochs of 6 steps, %s: max relative difference %.2e%n", opt.get().name(), diff);
                assertThat(diff).isLessThanOrEqualTo(TOLERANCE);
            }
        }
    }

    @Test
    void aTaskThatFailsAndIsRetriedChangesNothing() {
        Dataset d = blobs(64, 10, 4);
        float[][] clean = onSpark(MLP, () -> new Adam(0.01f), d, 2, 16, 2);
        SparkDataParallel.failPartition = 1;
        SparkDataParallel.failStep = 3;
        int before = SparkDataParallel.failuresInjected.get();
        float[][] retried;
        try {
            retried = onSpark(MLP, () -> new Adam(0.01f), d, 2, 16, 2);
        } finally {
            SparkDataParallel.failPartition = -1;
            SparkDataParallel.failStep = -1;
        }
        assertThat(SparkDataParallel.failuresInjected.get() - before).as("the task of partition 1 failed once at step 3").isEqualTo(1);
        for (int p = 0; p < clean.length; p++) assertThat(retried[p]).as("parameter " + p + " after a retried task").isEqualTo(clean[p]);
    }

    @Test
    void twoRunsAreBitIdentical() {
        Dataset d = blobs(64, 10, 4);
        float[][] a = onSpark(MLP, () -> Sgd.momentum(0.1f, 0.9f), d, 2, 16, 2), b = onSpark(MLP, () -> Sgd.momentum(0.1f, 0.9f), d, 2, 16, 2);
        for (int p = 0; p < a.length; p++) assertThat(a[p]).isEqualTo(b[p]);
    }

    @Test
    void aStepMovesTheWeightsOutAndTheGradientsBack() {
        try (SparkDataParallel dp = new SparkDataParallel(sc, MLP, Sgd.momentum(0.1f, 0.9f), SparkDataParallel.parallelize(sc, blobs(8, 10, 4), 2))) {
            long params = dp.master().params().stream().mapToLong(Param::size).sum();
            assertThat(dp.bytesPerStep()).isEqualTo(2 * params * 4 * 2);
        }
    }
}
