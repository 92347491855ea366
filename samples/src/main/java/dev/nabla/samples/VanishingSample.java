package dev.nabla.samples;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Sgd;
import dev.nabla.samples.plot.Plot;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Seed 002's vanishing gradient: ∂J/∂W⁽¹⁾ = (ŷ − y)·W⁽ᴸ⁾·σ'(z⁽ᴸ⁾)···W⁽²⁾·σ'(z⁽²⁾)·x, and σ'(z) = σ(z)(1 − σ(z)) ≤ ¼, so
 * in a deep sigmoid MLP the gradient shrinks layer by layer on its way down; with ReLU (f' = 1 where the unit is on)
 * it does not. The same deep MLP (same widths, same Glorot initial weights) with each activation, on real MNIST
 * digits: ‖∂E/∂W_l‖ for every layer l at the start and after training, and what each reaches.
 */
public final class VanishingSample {
    private VanishingSample() {}

    static final Options.Spec OPTIONS = new Options.Spec("vanishing",
            "seed 002's vanishing gradient: ‖∂E/∂W_l‖ layer by layer in a deep sigmoid MLP against the same MLP with ReLU")
            .integer("depth", 8, 1, 100, "hidden layers")
            .integer("width", 64, 1, 10_000, "units per hidden layer")
            .integer("epochs", 6, 0, 1_000, "epochs of SGD for each network (0: measure the initial gradients only)")
            .integer("digits", 2000, 64, 8000, "training digits (of the 8,000 bundled)")
            .number("lr", 0.02f, 0f, true, 10f, "SGD's learning rate η (momentum 0.9)")
            .figures()
            .common();

    public static void main(String[] args) { Main.main(Main.withCommand("vanishing", args)); }

    /** One network's measurements: ‖∂E/∂W_l‖ per layer l = 1 … L+1 at the start and at the end, and its test accuracy. */
    public record Run(String activation, double[] initialNorms, double[] finalNorms, float testAccuracy) {}

    static void run(Options o, PrintStream out) {
        Backend ops = o.backend(out);
        List<Run> runs = measure(ops, o.getInt("depth"), o.getInt("width"), o.getInt("epochs"), o.getInt("digits"), o.getFloat("lr"), o.getLong("seed"), out);
        Figures f = Figures.of(o, out);
        if (f.on()) {
            List<Plot.Series> s = new ArrayList<>();
            for (Run r : runs) {
                double[] layer = new double[r.initialNorms().length];
                for (int l = 0; l < layer.length; l++) layer[l] = l + 1;
                s.add(new Plot.Series(r.activation() + ", start", layer, r.initialNorms()));
                if (o.getInt("epochs") > 0) s.add(new Plot.Series(r.activation() + ", trained", layer, r.finalNorms()));
            }
            f.lines("vanishing", "‖∂E/∂W_l‖ per layer of a " + o.getInt("depth") + "-hidden-layer MLP (layer 1 next to the input)",
                    "layer l", "‖∂E/∂W_l‖", s, true);
        }
    }

    /** Builds, measures and trains the sigmoid and the ReLU network; prints the table to {@code out} (if not null). */
    public static List<Run> measure(Backend ops, int depth, int width, int epochs, int digits, float lr, long seed, PrintStream out) {
        DigitData d = DigitData.mnist();
        Dataset train = d.train().range(0, digits), test = d.test();
        List<Run> runs = new ArrayList<>();
        for (String act : new String[] {"sigmoid", "relu"}) {
            Supplier<Layer> f = act.equals("sigmoid") ? ActivationLayer::sigmoid : ActivationLayer::relu;
            Sequential net = model(depth, width, f).bind(ops, seed);
            double[] before = norms(net, train.range(0, 256));
            List<Trainer.EpochStats> h = epochs == 0 ? List.of()
                    : new Trainer().epochs(epochs).batchSize(32).seed(seed).fit(net, new SoftmaxCrossEntropy(), Sgd.momentum(lr, 0.9f), train);
            double[] after = epochs == 0 ? before : norms(net, train.range(0, 256));
            float acc = Trainer.evaluate(net, new SoftmaxCrossEntropy(), test, 500).accuracy();
            runs.add(new Run(act, before, after, acc));
            if (out != null) {
                out.printf(Locale.ROOT, "%s: %d hidden layers of %d, Glorot-uniform weights; %s%n", act, depth, width,
                        epochs == 0 ? "untrained" : String.format(Locale.ROOT, "after %d epochs on %,d digits: loss %.4f, test accuracy %.2f%%",
                                epochs, digits, h.getLast().trainLoss(), 100 * acc));
            }
        }
        if (out != null) {
            out.printf("%-6s  %16s  %16s  %16s  %16s%n", "layer", "sigmoid, start", "relu, start", "sigmoid, trained", "relu, trained");
            for (int l = runs.getFirst().initialNorms().length - 1; l >= 0; l--) {
                out.printf(Locale.ROOT, "%-6d  %16.3e  %16.3e  %16.3e  %16.3e%n", l + 1, runs.get(0).initialNorms()[l], runs.get(1).initialNorms()[l],
                        runs.get(0).finalNorms()[l], runs.get(1).finalNorms()[l]);
            }
            for (Run r : runs) {
                int top = r.initialNorms().length - 1;
                out.printf(Locale.ROOT, "%s: ‖∂E/∂W_1‖ / ‖∂E/∂W_%d‖ = %.1e at the start, %.1e trained%n", r.activation(), top + 1,
                        r.initialNorms()[0] / r.initialNorms()[top], r.finalNorms()[0] / r.finalNorms()[top]);
            }
        }
        return runs;
    }

    static Sequential model(int depth, int width, Supplier<Layer> activation) {
        List<Layer> layers = new ArrayList<>(List.of(new Flatten()));
        int in = 28 * 28;
        for (int l = 0; l < depth; l++) {
            layers.add(new Dense(in, width));
            layers.add(activation.get());
            in = width;
        }
        layers.add(new Dense(in, 10));
        return new Sequential(layers.toArray(Layer[]::new));
    }

    /** ‖∂E/∂W_l‖ of every Dense layer, input side first, for one batch (the mean loss over it). */
    static double[] norms(Sequential net, Dataset batch) {
        Backend ops = net.backend();
        List<Tensor> grads = new ArrayList<>();
        int[] shape = new int[batch.sampleShape().length + 1];
        shape[0] = batch.size();
        System.arraycopy(batch.sampleShape(), 0, shape, 1, shape.length - 1);
        try (Tensor x = ops.upload(batch.features(), shape); Tensor lab = ops.upload(batch.targets(), batch.size())) {
            net.zeroGrad();
            Tensor y = net.forward(x, true);
            try (Tensor dy = ops.zeros(y.shape())) {
                new SoftmaxCrossEntropy().compute(y, lab, dy);
                net.backwardParams(dy);
            }
        }
        for (Layer l : net.layers()) if (l instanceof Dense dense) grads.add(dense.weight().grad());
        float[] sq = ops.sumSquaresEach(grads.toArray(Tensor[]::new));
        double[] n = new double[sq.length];
        for (int i = 0; i < n.length; i++) n[i] = Math.sqrt(sq[i]);
        net.zeroGrad();
        return n;
    }
}
