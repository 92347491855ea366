package dev.nabla.samples.playground;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.Optimizers;
import dev.nabla.samples.SpiralsSample;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** One training run of the playground: the data set, the model, the optimizer, and the epochs so far. */
final class Session implements AutoCloseable {
    /** The decision regions are drawn from the model's P(class 1) on a GRID×GRID lattice over [−EXTENT, EXTENT]². */
    static final int GRID = 48;
    static final float EXTENT = 1.5f;

    private final Settings s;
    private final Backend ops;
    private final Dataset data;
    private final Sequential model;
    private final Optimizer optimizer;
    private final SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
    private final Tensor lattice;
    private int epoch;

    Session(Settings s, Backend ops) {
        this.s = s;
        this.ops = ops;
        this.data = dataset(s.dataset(), s.seed());
        List<Layer> layers = new ArrayList<>();
        int in = 2;
        for (int h : s.hidden()) {
            layers.add(new Dense(in, h));
            layers.add(switch (s.activation()) {
                case "relu" -> ActivationLayer.relu();
                case "sigmoid" -> ActivationLayer.sigmoid();
                default -> ActivationLayer.tanh();
            });
            in = h;
        }
        layers.add(new Dense(in, 2));
        this.model = new Sequential(layers).bind(ops, s.seed());
        this.optimizer = Optimizers.create(s.optimizer(), s.lr());
        float[] grid = new float[GRID * GRID * 2];
        for (int r = 0; r < GRID; r++)
            for (int c = 0; c < GRID; c++) {
                grid[(r * GRID + c) * 2] = -EXTENT + 2 * EXTENT * (c + 0.5f) / GRID;          // x from left to right
                grid[(r * GRID + c) * 2 + 1] = EXTENT - 2 * EXTENT * (r + 0.5f) / GRID;        // y from top to bottom
            }
        this.lattice = ops.upload(grid, GRID * GRID, 2);
    }

    /** XOR (four noisy clusters), circles (a disc inside a ring) or two interleaved spirals; 200 points, labels 0/1. */
    static Dataset dataset(String name, long seed) {
        if (name.equals("spirals")) return SpiralsSample.spirals(100, seed);
        SplittableRandom r = new SplittableRandom(seed);
        int n = 200;
        float[] x = new float[2 * n];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            if (name.equals("xor")) {
                float a = r.nextBoolean() ? 0.5f : -0.5f, b = r.nextBoolean() ? 0.5f : -0.5f;
                x[2 * i] = a + (float) r.nextGaussian() * 0.15f;
                x[2 * i + 1] = b + (float) r.nextGaussian() * 0.15f;
                y[i] = a * b > 0 ? 0 : 1;
            } else {
                y[i] = i % 2;
                double radius = y[i] == 0 ? r.nextDouble() * 0.45 : 0.75 + r.nextDouble() * 0.35, angle = r.nextDouble() * 2 * Math.PI;
                x[2 * i] = (float) (radius * Math.cos(angle));
                x[2 * i + 1] = (float) (radius * Math.sin(angle));
            }
        }
        return Dataset.classification(x, new int[] {2}, y);
    }

    /** The data set and the network's shape, for the page's first drawing. */
    String describe() {
        StringBuilder layers = new StringBuilder("[2");
        for (int h : s.hidden()) layers.append(',').append(h);
        layers.append(",2]");
        return "\"points\":" + Json.numbers(data.features()) + ",\"labels\":" + Json.numbers(data.targets()) + ",\"layers\":" + layers
                + ",\"grid\":" + GRID + ",\"extent\":" + EXTENT + ",\"settings\":" + Json.string(s.toString());
    }

    /** {@code epochs} more epochs; then the loss, accuracy, regions and weights as JSON. */
    String step(int epochs) {
        List<Trainer.EpochStats> h = new Trainer().epochs(epochs).batchSize(s.batch()).seed(s.seed() * 7919 + epoch)
                .fit(model, loss, optimizer, data);
        epoch += h.size();
        Trainer.EpochStats last = h.getLast();
        Tensor logits = model.forward(lattice, false);
        float[] z = ops.download(logits), p1 = new float[GRID * GRID];
        for (int i = 0; i < p1.length; i++) p1[i] = (float) (1 / (1 + Math.exp(z[2 * i] - z[2 * i + 1])));   // softmax of 2 = σ(z₁ − z₀)
        StringBuilder weights = new StringBuilder("[");
        boolean first = true;
        for (Param p : model.params()) {
            if (p.value().rank() != 2) continue;                              // the weight matrices W [out, in]
            weights.append(first ? "" : ",").append(Json.numbers(ops.download(p.value())));
            first = false;
        }
        weights.append(']');
        return "{\"epoch\":" + epoch + ",\"loss\":" + Json.number(last.trainLoss()) + ",\"accuracy\":" + Json.number(last.trainAccuracy())
                + ",\"p1\":" + Json.numbers(p1) + ",\"weights\":" + weights + "}";
    }

    @Override
    public void close() { lattice.close(); }
}
