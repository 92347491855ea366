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

/**
 * XOR: not linearly separable, so no perceptron learns it (seed 002); a 2-8-2 MLP (a tanh hidden layer of 8, two
 * logits under softmax cross-entropy) does.
 */
public final class XorSample {
    static final Options.Spec OPTIONS = new Options.Spec("xor", "a 2-8-2 MLP learns XOR, which a perceptron cannot (seed 002)")
            .integer("epochs", 500, 0, 1_000_000, "epochs (one full batch of the four points each)")
            .integer("every", 50, 1, 1_000_000, "print the loss every N epochs")
            .models("epochs")
            .figures()
            .common();

    public static void main(String[] args) { Main.main(Main.withCommand("xor", args)); }

    static void run(Options o, java.io.PrintStream out) {
        Backend ops = o.backend(out);
        Dataset xor = data();
        Sequential model = model().bind(ops, o.getLong("seed"));
        SavedModels.load(o, model, out);
        int every = o.getInt("every");
        java.util.List<Trainer.EpochStats> history = java.util.List.of();
        if (o.getInt("epochs") > 0) history = new Trainer().epochs(o.getInt("epochs")).batchSize(4).seed(o.getLong("seed"))
                .listener(s -> {
                    if (s.epoch() % every == 0 || s.epoch() == 1) {
                        out.printf("epoch %4d  loss %.4f  accuracy %.2f%n", s.epoch(), s.trainLoss(), s.trainAccuracy());
                    }
                })
                .fit(model, new SoftmaxCrossEntropy(), Sgd.momentum(0.1f, 0.9f), xor);
        out.printf("accuracy on the four points: %.2f%n", Trainer.evaluate(model, new SoftmaxCrossEntropy(), xor, 4).accuracy());
        SavedModels.save(o, model, "xor", java.util.Map.of(), out);
        Figures f = Figures.of(o, out);
        if (f.on()) {
            // Rosenblatt's rule on the same four points, for the picture: its one line cannot separate them
            float[][] xs = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
            Perceptron p = new Perceptron(2, Activation.STEP, 0.1f, o.getLong("seed"));
            p.train(xs, new float[] {0, 1, 1, 0}, 100);
            f.regions("xor-perceptron", String.format("XOR: the perceptron after 100 epochs (accuracy %.2f): one line", p.accuracy(xs, new float[] {0, 1, 1, 0})),
                    p, -0.5f, 1.5f, xor);
            f.regions("xor-mlp", "XOR: the 2-8-2 tanh MLP's regions, P(class 1)", model, -0.5f, 1.5f, xor);
            f.curves("xor", "XOR, 2-8-2 MLP", history);
        }
    }

    static Dataset data() {
        return Dataset.classification(new float[] {0, 0, 0, 1, 1, 0, 1, 1}, new int[] {2}, new int[] {0, 1, 1, 0});
    }

    static Sequential model() { return new Sequential(new Dense(2, 8), ActivationLayer.tanh(), new Dense(8, 2)); }
}
