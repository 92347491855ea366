package dev.nabla.spark;

import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.optim.Sgd;
import dev.nabla.samples.DigitData;
import dev.nabla.samples.LeNetSample;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * {@code ./nabla lenet --spark MASTER}: LeNet-5 on the bundled MNIST digits, trained data-parallel on a Spark cluster
 * ({@code local[2]}, or any master URL; with {@code spark-submit} the master comes from there), with the same
 * schedule as the single-machine sample (SGD η = 0.04 ×0.75 per epoch, momentum 0.9, batch 32, 8 epochs).
 * Prints each epoch's loss, the held-out accuracy and the time per step.
 */
public final class SparkLeNet {
    private SparkLeNet() {}

    static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("spark", "(from spark-submit)");
        DEFAULTS.put("epochs", "8");
        DEFAULTS.put("batch", "32");
        DEFAULTS.put("lr", "0.04");
        DEFAULTS.put("decay", "0.75");
        DEFAULTS.put("momentum", "0.9");
        DEFAULTS.put("partitions", "2");
        DEFAULTS.put("limit", "0");
        DEFAULTS.put("seed", "1");
        DEFAULTS.put("backend", "cpu");
    }

    private static void usage(String why) {
        System.err.println("nabla lenet --spark: " + why);
        System.err.println("options (default): " + DEFAULTS);
        System.exit(2);
    }

    public static void main(String[] args) {
        Map<String, String> o = new LinkedHashMap<>(DEFAULTS);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || !DEFAULTS.containsKey(a.substring(2))) usage("unknown option '" + a + "'");
            if (i + 1 >= args.length) usage(a + " needs a value");
            o.put(a.substring(2), args[++i]);
        }
        int epochs = 0, batch = 0, partitions = 0, limit = 0;
        long seed = 0;
        float lr = 0, decay = 0, momentum = 0;
        try {
            epochs = Integer.parseInt(o.get("epochs"));
            batch = Integer.parseInt(o.get("batch"));
            partitions = Integer.parseInt(o.get("partitions"));
            limit = Integer.parseInt(o.get("limit"));
            seed = Long.parseLong(o.get("seed"));
            lr = Float.parseFloat(o.get("lr"));
            decay = Float.parseFloat(o.get("decay"));
            momentum = Float.parseFloat(o.get("momentum"));
        } catch (NumberFormatException e) {
            usage("not a number: " + e.getMessage());
        }
        if (epochs < 1 || batch < 1 || partitions < 1 || limit < 0 || !(lr > 0)) usage("--epochs, --batch, --partitions and --lr must be > 0");
        DigitData d = DigitData.mnist();
        Dataset train = limit > 0 && limit < d.train().size() ? d.train().range(0, limit) : d.train();
        SparkConf conf = new SparkConf().setAppName("nabla-lenet").set("spark.ui.enabled", "false");
        if (!o.get("spark").startsWith("(")) conf.setMaster(o.get("spark"));
        ModelSpec spec = new ModelSpec("lenet5", LeNetSample::model, o.get("backend"), seed, "cross-entropy", train.sampleShape(), 1);
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("WARN");
            System.out.printf("LeNet-5 on %s, data-parallel on Spark %s (master %s, %d partitions, replicas on '%s'): %,d training "
                    + "images, %,d held out; %d epochs, batch %d, SGD η = %s (×%s per epoch), momentum %s%n", d.name(), sc.version(),
                    sc.master(), partitions, o.get("backend"), train.size(), d.test().size(), epochs, batch, lr, decay, momentum);
            try (SparkDataParallel dp = new SparkDataParallel(sc, spec, Sgd.momentum(lr, momentum), SparkDataParallel.parallelize(sc, train, partitions))) {
                System.out.printf("a step moves %,d bytes (the weights to each partition, a gradient back from each)%n", dp.bytesPerStep());
                long t0 = System.nanoTime();
                int steps = 0;
                for (int e = 1; e <= epochs; e++) {
                    float lrE = (float) (lr * Math.pow(decay, e - 1));
                    dp.optimizer(Sgd.momentum(lrE, momentum));
                    long te = System.nanoTime();
                    List<Float> loss = dp.fit(train.size(), 1, batch, seed * 1_000 + e);
                    steps += (train.size() + batch - 1) / batch;
                    Trainer.Evaluation t = Trainer.evaluate(dp.master().model(), new SoftmaxCrossEntropy(), d.test(), 500);
                    System.out.printf("epoch %2d  η %.4f  loss %.4f  test accuracy %.2f%%  %.1f ms/step%n", e, lrE, loss.getFirst(),
                            100 * t.accuracy(), (System.nanoTime() - te) / 1e6 / ((train.size() + batch - 1) / batch));
                }
                Trainer.Evaluation t = Trainer.evaluate(dp.master().model(), new SoftmaxCrossEntropy(), d.test(), 500);
                System.out.printf("test accuracy %.2f%% (loss %.4f) on %,d images; %d steps in %.0f s (%.1f ms/step)%n", 100 * t.accuracy(),
                        t.loss(), d.test().size(), steps, (System.nanoTime() - t0) / 1e9, (System.nanoTime() - t0) / 1e6 / steps);
            }
        }
    }

}
