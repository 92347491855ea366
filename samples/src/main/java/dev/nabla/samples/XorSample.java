package dev.nabla.samples;

import dev.nabla.backend.Backend;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Dense;
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
            .common();

    public static void main(String[] args) { Main.main(Main.withCommand("xor", args)); }

    static void run(Options o, java.io.PrintStream out) {
        Backend ops = o.backend(out);
        Dataset xor = data();
        Sequential model = model().bind(ops, o.getLong("seed"));
        SavedModels.load(o, model, out);
        int every = o.getInt("every");
        if (o.getInt("epochs") > 0) new Trainer().epochs(o.getInt("epochs")).batchSize(4).seed(o.getLong("seed"))
                .listener(s -> {
                    if (s.epoch() % every == 0 || s.epoch() == 1) {
                        out.printf("epoch %4d  loss %.4f  accuracy %.2f%n", s.epoch(), s.trainLoss(), s.trainAccuracy());
                    }
                })
                .fit(model, new SoftmaxCrossEntropy(), Sgd.momentum(0.1f, 0.9f), xor);
        out.printf("accuracy on the four points: %.2f%n", Trainer.evaluate(model, new SoftmaxCrossEntropy(), xor, 4).accuracy());
        SavedModels.save(o, model, "xor", java.util.Map.of(), out);
    }

    static Dataset data() {
        return Dataset.classification(new float[] {0, 0, 0, 1, 1, 0, 1, 1}, new int[] {2}, new int[] {0, 1, 1, 0});
    }

    static Sequential model() { return new Sequential(new Dense(2, 8), ActivationLayer.tanh(), new Dense(8, 2)); }
}
