package dev.nabla.samples;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Perceptron;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Sgd;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.io.PrintStream;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Two interleaved spirals: the classic problem no hyperplane separates (seed 002: a perceptron is a linear
 * separator), learned by an MLP with two hidden ReLU layers. Prints loss and accuracy per epoch, then both models'
 * accuracy on a held-out set of fresh spiral points.
 */
public final class SpiralsSample {

    /** What one run measured. */
    public record Result(float perceptronAccuracy, float mlpTrainAccuracy, float mlpTestAccuracy, int epochs, double seconds) {}

    /**
     * {@code n} points per spiral, seeded: point p of spiral c at t = p/n has radius r = t and angle
     * θ = 3π·t + c·π (1.5 turns, the second spiral rotated by half a turn), plus Gaussian noise of σ = 0.02 on x and y.
     */
    public static Dataset spirals(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[4 * n];
        int[] labels = new int[2 * n];
        for (int c = 0; c < 2; c++) {
            for (int p = 0; p < n; p++) {
                double t = (p + rng.nextDouble()) / n;                 // a random position along the arm
                double r = t, theta = 3 * Math.PI * t + c * Math.PI;
                int i = c * n + p;
                x[2 * i] = (float) (r * Math.cos(theta) + 0.02 * rng.nextGaussian());
                x[2 * i + 1] = (float) (r * Math.sin(theta) + 0.02 * rng.nextGaussian());
                labels[i] = c;
            }
        }
        return Dataset.classification(x, new int[] {2}, labels);
    }

    /** Trains the perceptron and the MLP; prints to {@code out} every {@code every} epochs. */
    public static Result run(Backend ops, long seed, int epochs, int every, PrintStream out) { return run(ops, seed, epochs, every, out, null); }

    /** The MLP of {@link #run}. */
    static Sequential model() {
        return new Sequential(new Dense(2, 32), ActivationLayer.relu(), new Dense(32, 32), ActivationLayer.relu(), new Dense(32, 2));
    }

    /** As {@link #run}, with the {@code --load}/{@code --save} options (or null). */
    static Result run(Backend ops, long seed, int epochs, int every, PrintStream out, Options o) {
        long t0 = System.nanoTime();
        Dataset train = spirals(200, seed), test = spirals(100, seed + 1000);

        // 1. Rosenblatt's perceptron: a line through the plane, so about half the points stay on the wrong side
        float[][] xs = new float[train.size()][];
        float[] ds = new float[train.size()];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = new float[] {train.features()[2 * i], train.features()[2 * i + 1]};
            ds[i] = train.targets()[i];
        }
        Perceptron perceptron = new Perceptron(2, Activation.STEP, 0.1f, seed);
        SplittableRandom order = new SplittableRandom(seed);
        float best = 0;
        for (int e = 0; e < 100; e++) {
            perceptron.epoch(xs, ds, order);
            best = Math.max(best, perceptron.accuracy(xs, ds));
        }
        float perceptronAcc = perceptron.accuracy(xs, ds);
        out.printf(Locale.ROOT, "perceptron (Rosenblatt's rule, 100 epochs): accuracy %.3f (best epoch %.3f): no line separates two spirals%n",
                perceptronAcc, best);

        // 2. an MLP 2-32-32-2 with ReLU hidden units, softmax cross-entropy, mini-batch SGD with momentum
        Sequential mlp = model().bind(ops, seed);
        if (o != null) SavedModels.load(o, mlp, out);
        out.print(mlp.summary(new int[] {2}));
        var history = epochs == 0 ? java.util.List.of(new Trainer.EpochStats(0, Float.NaN, Float.NaN, Float.NaN, Float.NaN, 0, 0)) : new Trainer().epochs(epochs).batchSize(16).seed(seed).stopAtLoss(0.01f)
                .listener(s -> {
                    if (s.epoch() == 1 || s.epoch() % every == 0) {
                        out.printf(Locale.ROOT, "epoch %4d  loss %.4f  accuracy %.3f%n", s.epoch(), s.trainLoss(), s.trainAccuracy());
                    }
                })
                .fit(mlp, new SoftmaxCrossEntropy(), Sgd.momentum(0.05f, 0.9f), train);
        var last = history.getLast();
        Trainer.Evaluation ev = Trainer.evaluate(mlp, new SoftmaxCrossEntropy(), test, 64);
        double secs = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "MLP after %d epochs: train loss %.4f, train accuracy %.3f; held-out %d points: loss %.4f, accuracy %.3f  (%.1f s, backend %s)%n",
                last.epoch(), last.trainLoss(), last.trainAccuracy(), test.size(), ev.loss(), ev.accuracy(), secs, ops.name());
        if (o != null) SavedModels.save(o, mlp, "spirals", java.util.Map.of("seed", Long.toString(seed)), out);
        Figures f = Figures.of(o, out);
        f.regions("spirals-perceptron", String.format(Locale.ROOT, "spirals: Rosenblatt's perceptron, one line (accuracy %.2f)", perceptronAcc),
                perceptron, -1.2f, 1.2f, train);
        f.regions("spirals-mlp", String.format(Locale.ROOT, "spirals: the 2-32-32-2 ReLU MLP (held-out accuracy %.3f)", ev.accuracy()),
                mlp, -1.2f, 1.2f, train);
        if (epochs > 0) f.curves("spirals-mlp", "spirals, 2-32-32-2 MLP", history);
        return new Result(perceptronAcc, last.trainAccuracy(), ev.accuracy(), last.epoch(), secs);
    }

    static final Options.Spec OPTIONS = new Options.Spec("spirals", "two interleaved spirals: a perceptron fails, a 2-32-32-2 ReLU MLP separates them")
            .integer("epochs", 300, 0, 1_000_000, "at most this many epochs (training stops once the loss is below 0.01)")
            .integer("every", 10, 1, 1_000_000, "print the loss every N epochs")
            .models("epochs")
            .figures()
            .common();

    public static void main(String[] args) { Main.main(Main.withCommand("spirals", args)); }

    static void run(Options o, PrintStream out) {
        Backend ops = o.backend(out);
        run(ops, o.getLong("seed"), o.getInt("epochs"), o.getInt("every"), out, o);
    }
}
