package dev.nabla.samples;

import dev.nabla.backend.Backend;
import dev.nabla.init.Initializer;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Sgd;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.util.ArrayList;
import java.util.List;

/**
 * LeNet-5 (LeCun et al. 1998, with ReLU and max pooling as is usual today) on real 28×28 images (seeds 002–004:
 * convolution, ReLU, pooling, fully connected layers, softmax cross-entropy):
 * <pre>
 *   1×28×28 → conv 6@5×5 pad 2 → ReLU → max-pool 2 → 6×14×14
 *           → conv 16@5×5      → ReLU → max-pool 2 → 16×5×5 → flatten 400
 *           → dense 120 → ReLU → dense 84 → ReLU → dense 10 → softmax cross-entropy
 * </pre>
 * Options: {@code nabla help lenet}.
 */
public final class LeNetSample {
    private LeNetSample() {}

    static final Options.Spec OPTIONS = new Options.Spec("lenet", "LeNet-5 on real digits (bundled MNIST subset) or clothes (Fashion-MNIST), seeds 002-004")
            .choice("data", "mnist", "the images: mnist (10,000 bundled digits) or fashion (Fashion-MNIST)", "mnist", "fashion")
            .path("data-dir", DigitData.FASHION_DIR.toString(), true, "where the four Fashion-MNIST files are (with --data fashion)")
            .integer("epochs", "8 (mnist), 10 (fashion)", 0, 100_000, "epochs to train")
            .integer("batch", 32, 1, 1_000_000, "mini-batch size")
            .number("lr", 0.04f, 0f, true, 100f, "learning rate η of SGD with momentum")
            .number("decay", 0.75f, 0f, true, 1f, "η ← decay·η after each epoch")
            .number("momentum", 0.9f, 0f, false, 0.999f, "momentum μ")
            .integer("limit", 0, 0, Integer.MAX_VALUE, "train on the first N training images only (0: all)")
            .choice("spark", "off", "MASTER: train data-parallel on Apache Spark, e.g. local[2] (the ./nabla launcher runs it: dev.nabla.spark.SparkLeNet)",
                    "off")
            .models("epochs")
            .figures()
            .check(o -> {
                if (o.has("data-dir") && !o.get("data").equals("fashion")) throw Options.usage("--data-dir is for --data fashion");
                if (o.get("data").equals("fashion")) {
                    String missing = DigitData.fashionMissing(o.has("data-dir") ? o.path("data-dir") : DigitData.FASHION_DIR);
                    if (missing != null) throw Options.usage(missing);
                }
            })
            .common();

    public static void main(String[] args) { Main.main(Main.withCommand("lenet", args)); }

    /** The LeNet-5 layers for 1×28×28 inputs and 10 classes. */
    public static Sequential model() {
        return new Sequential(
                new Conv2d(1, 6, 5).padding(2), ActivationLayer.relu(), new MaxPool2d(2),
                new Conv2d(6, 16, 5), ActivationLayer.relu(), new MaxPool2d(2),
                new Flatten(),
                new Dense(16 * 5 * 5, 120, Initializer.KAIMING_UNIFORM, Initializer.ZEROS), ActivationLayer.relu(),
                new Dense(120, 84, Initializer.KAIMING_UNIFORM, Initializer.ZEROS), ActivationLayer.relu(),
                new Dense(84, 10));
    }

    /** What a run measured. */
    public record Result(List<Trainer.EpochStats> history, float testLoss, float testAccuracy) {}

    /**
     * Trains a fresh LeNet-5 on {@code train} with SGD + momentum, the learning rate decayed per epoch
     * (η_e = η·decay^(e−1)), and evaluates it on {@code test}; {@code log} prints the progress (or is null).
     */
    public static Result train(Backend ops, Dataset train, Dataset test, int epochs, int batch, float lr, float decay,
                               float momentum, long seed, java.io.PrintStream log) {
        return train(ops, train, test, epochs, batch, lr, decay, momentum, seed, log, null);
    }

    /** As above, showing progress within each epoch on {@code progress} (or not, if null). */
    public static Result train(Backend ops, Dataset train, Dataset test, int epochs, int batch, float lr, float decay,
                               float momentum, long seed, java.io.PrintStream log, Progress progress) {
        return train(model().bind(ops, seed), train, test, epochs, batch, lr, decay, momentum, seed, log, progress);
    }

    /** As above, for a model already bound (and perhaps loaded from a file); 0 epochs only evaluates. */
    static Result train(Sequential net, Dataset train, Dataset test, int epochs, int batch, float lr, float decay,
                        float momentum, long seed, java.io.PrintStream log, Progress progress) {
        if (log != null) log.print(net.summary(train.sampleShape()));
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        List<Trainer.EpochStats> history = new ArrayList<>();
        for (int e = 1; e <= epochs; e++) {
            float lrE = (float) (lr * Math.pow(decay, e - 1));
            // one epoch per fit, each with its own shuffle; the momentum velocity lives in the Params and carries over
            Trainer t0 = new Trainer().epochs(1).batchSize(batch).seed(seed * 1_000 + e);
            if (progress != null) t0.listener(progress.label("epoch " + e + "/" + epochs));
            Trainer.EpochStats s = t0.fit(net, loss, Sgd.momentum(lrE, momentum), train).getFirst();
            Trainer.Evaluation t = log == null ? new Trainer.Evaluation(Float.NaN, Float.NaN) : Trainer.evaluate(net, loss, test, 500);
            history.add(new Trainer.EpochStats(e, s.trainLoss(), s.trainAccuracy(), t.loss(), t.accuracy(), s.samplesPerSecond(), s.steps()));
            if (log != null) {
                log.printf("epoch %2d  η %.4f  loss %.4f  train accuracy %.2f%%  test accuracy %.2f%%  %,.0f samples/s%n",
                        e, lrE, s.trainLoss(), 100 * s.trainAccuracy(), 100 * t.accuracy(), s.samplesPerSecond());
            }
        }
        Trainer.Evaluation t = Trainer.evaluate(net, loss, test, 500);
        return new Result(history, t.loss(), t.accuracy());
    }

    static void run(Options o, java.io.PrintStream out) {
        String data = o.get("data");
        Backend ops = o.backend(out);
        DigitData d = DigitData.load(data, o.path("data-dir"));
        Dataset train = d.train();
        int limit = o.getInt("limit");
        if (limit > 0 && limit < train.size()) train = train.range(0, limit);
        int epochs = o.getInt("epochs", data.equals("mnist") ? 8 : 10);
        int batch = o.getInt("batch");
        float lr = o.getFloat("lr"), decay = o.getFloat("decay"), momentum = o.getFloat("momentum");
        out.printf("LeNet-5 on %s: %,d training images, %,d test images never trained on; %d epochs, batch %d, "
                        + "SGD η = %s (×%s per epoch), momentum %s%n", d.name(), train.size(), d.test().size(), epochs, batch, lr,
                decay, momentum);
        long t0 = System.nanoTime();
        Sequential net = model().bind(ops, o.getLong("seed"));
        SavedModels.load(o, net, out);
        Result r = train(net, train, d.test(), epochs, batch, lr, decay, momentum, o.getLong("seed"), out, Progress.of(o, out));
        out.printf("test accuracy %.2f%% (loss %.4f) on %,d images; %.0f s in all%n", 100 * r.testAccuracy(), r.testLoss(),
                d.test().size(), (System.nanoTime() - t0) / 1e9);
        SavedModels.save(o, net, "lenet", java.util.Map.of("data", data, "data-dir", o.has("data-dir") ? o.path("data-dir").toString() : ""), out);
        Figures f = Figures.of(o, out);
        f.curves("lenet", "LeNet-5 on " + d.name(), r.history());
        if (f.on()) {
            Conv2d c1 = (Conv2d) net.layers().getFirst();
            float[] w = c1.weight().value().toArray();                        // [6, 1, 5, 5]: one 5×5 kernel per feature map
            int k = c1.weight().value().dim(0), hw = w.length / k;
            float[][] filters = new float[k][];
            java.util.List<String> captions = new java.util.ArrayList<>();
            for (int i = 0; i < k; i++) {
                filters[i] = java.util.Arrays.copyOfRange(w, i * hw, (i + 1) * hw);
                captions.add("map " + (i + 1));
            }
            int side = (int) Math.round(Math.sqrt(hw));
            f.images("lenet-conv1-filters", "LeNet-5's first layer after training: its " + k + " learned 5×5 filters (black low, white high)",
                    filters, side, side, captions);
        }
    }
}
