package dev.nabla.samples;

import dev.nabla.backend.Backend;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Sgd;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;

/** XOR: not linearly separable, so no perceptron learns it (seed 002); a 2-8-2 MLP with one hidden layer does. */
public final class XorSample {
    public static void main(String[] args) {
        Options o = new Options(args);
        Backend ops = o.backend();
        Dataset xor = data();
        Sequential model = model().bind(ops, o.getInt("seed", 1));
        SavedModels.load(o, model);
        int every = 50, epochs = o.getInt("epochs", 500);
        if (epochs > 0) new Trainer().epochs(o.getInt("epochs", 500)).batchSize(4).seed(o.getInt("seed", 1))
                .listener(s -> {
                    if (s.epoch() % every == 0 || s.epoch() == 1) {
                        System.out.printf("epoch %4d  loss %.4f  accuracy %.2f%n", s.epoch(), s.trainLoss(), s.trainAccuracy());
                    }
                })
                .fit(model, new SoftmaxCrossEntropy(), Sgd.momentum(0.1f, 0.9f), xor);
        System.out.printf("accuracy on the four points: %.2f%n", Trainer.evaluate(model, new SoftmaxCrossEntropy(), xor, 4).accuracy());
        SavedModels.save(o, model, "xor", java.util.Map.of());
    }

    static Dataset data() {
        return Dataset.classification(new float[] {0, 0, 0, 1, 1, 0, 1, 1}, new int[] {2}, new int[] {0, 1, 1, 0});
    }

    static Sequential model() { return new Sequential(new Dense(2, 8), ActivationLayer.tanh(), new Dense(8, 2)); }
}
