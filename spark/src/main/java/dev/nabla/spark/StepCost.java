package dev.nabla.spark;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Backends;
import dev.nabla.dist.DataParallel;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.Param;
import dev.nabla.optim.Sgd;
import dev.nabla.samples.DigitData;
import dev.nabla.samples.LeNetSample;
import dev.nabla.train.Dataset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * What a data-parallel step of LeNet-5 costs on each transport, measured in one run on this machine: the single model
 * (DataParallel N = 1, which is the Trainer's step), in-process replicas (N = 2, a thread and a CPU backend each) and
 * Spark on {@code local[P]}, plus an empty Spark job (the scheduling floor every Spark step pays). Medians of
 * {@code --steps} steps after as many warm-up steps, batch {@code --batch}.
 * <pre>
 *   java @spark/jvm-options -cp "spark/target/nabla-spark-0.1.0-SNAPSHOT-all.jar:spark/target/lib/*" dev.nabla.spark.StepCost
 * </pre>
 */
public final class StepCost {
    private StepCost() {}

    public static void main(String[] args) {
        int steps = 60, batch = 32, partitions = 2;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--steps" -> steps = Integer.parseInt(args[i + 1]);
                case "--batch" -> batch = Integer.parseInt(args[i + 1]);
                case "--partitions" -> partitions = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("StepCost: unknown option " + args[i] + " (--steps N, --batch N, --partitions N)");
            }
        }
        Dataset train = DigitData.mnist().train().range(0, 4096);
        int per = train.sampleSize();
        System.out.printf(Locale.ROOT, "LeNet-5, batch %d, SGD momentum; median ms per step over %d steps after %d warm-up steps (%s, %d cores)%n",
                batch, steps, steps, System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors());
        for (int n : new int[] {1, 2}) {
            List<Backend> backends = new ArrayList<>();
            try (DataParallel dp = new DataParallel(LeNetSample::model, n, k -> { Backend b = Backends.create("cpu"); backends.add(b); return b; }, 1,
                    new SoftmaxCrossEntropy(), Sgd.momentum(0.01f, 0.9f), train.sampleShape(), 1)) {
                int b = batch;
                float[] x = Arrays.copyOf(train.features(), b * per), t = Arrays.copyOf(train.targets(), b);
                double ms = median(steps, () -> dp.step(x, t, b));
                System.out.printf(Locale.ROOT, "  in process, %d replica%s: %7.2f ms%n", n, n == 1 ? " (the Trainer's step)" : "s", ms);
            } finally {
                backends.forEach(Backend::close);
            }
        }
        SparkConf conf = new SparkConf().setAppName("nabla-step-cost").setMaster("local[" + partitions + "]").set("spark.ui.enabled", "false");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("WARN");
            var empty = sc.parallelize(List.of(1, 2, 3, 4), partitions).cache();
            double jobMs = median(steps, () -> empty.foreachPartition(it -> {}));
            ModelSpec spec = new ModelSpec("lenet5", LeNetSample::model, "cpu", 1, "cross-entropy", train.sampleShape(), 1);
            try (SparkDataParallel dp = new SparkDataParallel(sc, spec, Sgd.momentum(0.01f, 0.9f), SparkDataParallel.parallelize(sc, train, partitions))) {
                int[] idx = new int[batch];
                for (int i = 0; i < batch; i++) idx[i] = i;
                double ms = median(steps, () -> dp.step(idx));
                long params = dp.master().params().stream().mapToLong(Param::size).sum();
                System.out.printf(Locale.ROOT, "  Spark local[%d], %d partitions: %7.2f ms (an empty job: %.2f ms); %,d parameters, %,d bytes moved per step%n",
                        partitions, partitions, ms, jobMs, params, dp.bytesPerStep());
            }
        }
    }

    private static double median(int steps, Runnable step) {
        for (int i = 0; i < steps; i++) step.run();
        double[] t = new double[steps];
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            step.run();
            t[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(t);
        return t[steps / 2];
    }
}
