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
import java.nio.file.Path;
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
 * Options: --data mnist|fashion, --data-dir DIR (Fashion-MNIST), --epochs N, --batch N, --lr η, --decay d (η ← d·η
 * after each epoch), --momentum μ,
 * --limit N (train on the first N training images only), --backend NAME, --seed N.
 */
public final class LeNetSample {
    private LeNetSample() {}

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
        return train(model().bind(ops, seed), train, test, epochs, batch, lr, decay, momentum, seed, log);
    }

    /** As above, for a model already bound (and perhaps loaded from a file); 0 epochs only evaluates. */
    static Result train(Sequential net, Dataset train, Dataset test, int epochs, int batch, float lr, float decay,
                        float momentum, long seed, java.io.PrintStream log) {
        if (log != null) log.print(net.summary(train.sampleShape()));
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        List<Trainer.EpochStats> history = new ArrayList<>();
        for (int e = 1; e <= epochs; e++) {
            float lrE = (float) (lr * Math.pow(decay, e - 1));
            // one epoch per fit, each with its own shuffle; the momentum velocity lives in the Params and carries over
            Trainer.EpochStats s = new Trainer().epochs(1).batchSize(batch).seed(seed * 1_000 + e)
                    .fit(net, loss, Sgd.momentum(lrE, momentum), train).getFirst();
            history.add(s);
            if (log != null) {
                Trainer.Evaluation t = Trainer.evaluate(net, loss, test, 500);
                log.printf("epoch %2d  η %.4f  loss %.4f  train accuracy %.2f%%  test accuracy %.2f%%  %,.0f samples/s%n",
                        e, lrE, s.trainLoss(), 100 * s.trainAccuracy(), 100 * t.accuracy(), s.samplesPerSecond());
            }
        }
        Trainer.Evaluation t = Trainer.evaluate(net, loss, test, 500);
        return new Result(history, t.loss(), t.accuracy());
    }

    public static void main(String[] args) {
        Options o = new Options(args);
        String data = o.get("data", "mnist");
        DigitData d = DigitData.load(data, o.has("data-dir") ? Path.of(o.get("data-dir", null)) : null);
        Dataset train = d.train();
        int limit = o.getInt("limit", 0);
        if (limit > 0 && limit < train.size()) train = train.range(0, limit);
        int epochs = o.getInt("epochs", data.equals("mnist") ? 8 : 10);
        int batch = o.getInt("batch", 32);
        float lr = o.getFloat("lr", 0.04f), decay = o.getFloat("decay", 0.75f), momentum = o.getFloat("momentum", 0.9f);
        Backend ops = o.backend();
        System.out.printf("LeNet-5 on %s: %,d training images, %,d test images never trained on; %d epochs, batch %d, "
                        + "SGD η = %s (×%s per epoch), momentum %s%n", d.name(), train.size(), d.test().size(), epochs, batch, lr,
                decay, momentum);
        long t0 = System.nanoTime();
        Sequential net = model().bind(ops, o.getInt("seed", 1));
        SavedModels.load(o, net);
        Result r = train(net, train, d.test(), epochs, batch, lr, decay, momentum, o.getInt("seed", 1), System.out);
        System.out.printf("test accuracy %.2f%% (loss %.4f) on %,d images; %.0f s in all%n", 100 * r.testAccuracy(), r.testLoss(),
                d.test().size(), (System.nanoTime() - t0) / 1e9);
        SavedModels.save(o, net, "lenet", java.util.Map.of("data", data, "data-dir", o.get("data-dir", "")));
    }
}
