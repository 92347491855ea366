package dev.nabla.samples;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.Perceptron;
import dev.nabla.nn.Sequential;
import dev.nabla.samples.plot.Plot;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A sample's figures, written to {@code --plot DIR} (nothing without it): each figure as SVG, the pictures (regions,
 * filters) also as PNG; every file written is named on the sample's output.
 */
final class Figures {
    private final Path dir;
    private final PrintStream out;

    private Figures(Path dir, PrintStream out) {
        this.dir = dir;
        this.out = out;
    }

    /** The figures of a run: to the directory of {@code --plot}, or none (also when {@code o} is null: a library call). */
    static Figures of(Options o, PrintStream out) {
        return new Figures(o != null && o.has("plot") ? o.path("plot") : null, out);
    }

    /** Whether figures are written (work done only for a figure is skipped otherwise). */
    boolean on() { return dir != null; }

    private void wrote(Path p) { if (out != null) out.println("figure: " + p); }

    /** A line chart {@code name}.svg. */
    void lines(String name, String title, String xLabel, String yLabel, List<Plot.Series> series, boolean logY) {
        if (on()) wrote(Plot.write(dir, name + ".svg", Plot.lines(title, xLabel, yLabel, series, logY)));
    }

    /**
     * {@code name}-loss.svg and {@code name}-accuracy.svg: the training loss and accuracy per epoch, with the validation
     * (held-out) figures beside them where the run had a validation set; the accuracy chart only for a classifier.
     */
    void curves(String name, String what, List<Trainer.EpochStats> history) {
        if (!on() || history.isEmpty()) return;
        int n = history.size();
        double[] e = new double[n], loss = new double[n], val = new double[n], acc = new double[n], valAcc = new double[n];
        for (int i = 0; i < n; i++) {
            Trainer.EpochStats s = history.get(i);
            e[i] = s.epoch();
            loss[i] = s.trainLoss();
            val[i] = s.valLoss();
            acc[i] = s.trainAccuracy();
            valAcc[i] = s.valAccuracy();
        }
        List<Plot.Series> l = new ArrayList<>(List.of(new Plot.Series("training", e, loss)));
        if (Double.isFinite(val[n - 1])) l.add(new Plot.Series("held out", e, val));
        lines(name + "-loss", what + ": loss per epoch", "epoch", "loss (per sample)", l, false);
        if (!Double.isFinite(acc[n - 1])) return;
        List<Plot.Series> a = new ArrayList<>(List.of(new Plot.Series("training", e, acc)));
        if (Double.isFinite(valAcc[n - 1])) a.add(new Plot.Series("held out", e, valAcc));
        lines(name + "-accuracy", what + ": accuracy per epoch", "epoch", "accuracy", a, false);
    }

    /** The lattice's side: n×n points over [lo, hi]². */
    private static final int N = 100;

    /** {@code name}.svg and .png: the regions of a two-class model (P(class 1) = softmax of its two logits) with the data. */
    void regions(String name, String title, Sequential model, float lo, float hi, Dataset data) {
        if (!on()) return;
        Backend ops = model.backend();
        float[] p1;
        try (Tensor x = ops.upload(lattice(lo, hi), N * N, 2)) {
            float[] logits = model.forward(x, false).toArray();
            p1 = new float[N * N];
            for (int i = 0; i < p1.length; i++) p1[i] = (float) (1 / (1 + Math.exp(logits[2 * i] - logits[2 * i + 1])));  // softmax's p₁
        }
        regions(name, title, p1, lo, hi, data);
    }

    /** The same for Rosenblatt's perceptron: its one line, y = step(wᵀx) on each side. */
    void regions(String name, String title, Perceptron p, float lo, float hi, Dataset data) {
        if (!on()) return;
        float[] grid = lattice(lo, hi), p1 = new float[N * N];
        for (int i = 0; i < p1.length; i++) p1[i] = p.predict(new float[] {grid[2 * i], grid[2 * i + 1]});
        regions(name, title, p1, lo, hi, data);
    }

    private void regions(String name, String title, float[] p1, float lo, float hi, Dataset data) {
        float[] labels = data.targets();
        wrote(Plot.write(dir, name + ".svg", Plot.regions(title, p1, N, lo, hi, data.features(), labels)));
        wrote(Plot.write(dir, name + ".png", Plot.regionsPng(p1, N, lo, hi, data.features(), labels, 4)));
    }

    /** Lattice points (x, y), row 0 at the top (y = hi), as Plot.regions draws them. */
    private static float[] lattice(float lo, float hi) {
        float[] g = new float[2 * N * N];
        for (int r = 0; r < N; r++)
            for (int c = 0; c < N; c++) {
                g[2 * (r * N + c)] = lo + (hi - lo) * (c + 0.5f) / N;
                g[2 * (r * N + c) + 1] = hi - (hi - lo) * (r + 0.5f) / N;
            }
        return g;
    }

    /** {@code name}.svg and .png: small images side by side (a convolution's filters), each scaled to its own range. */
    void images(String name, String title, float[][] images, int h, int w, List<String> captions) {
        if (!on()) return;
        wrote(Plot.write(dir, name + ".svg", Plot.images(title, images, h, w, captions)));
        wrote(Plot.write(dir, name + ".png", Plot.imagesPng(images, h, w, 12)));
    }
}
