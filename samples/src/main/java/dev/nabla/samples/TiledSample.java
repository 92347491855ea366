package dev.nabla.samples;

import dev.nabla.backend.Backend;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Layer;
import dev.nabla.nn.LocallyConnected2d;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.TiledConv2d;
import dev.nabla.optim.Sgd;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Seed 003's "Convolution Variants" side by side on the bundled MNIST digits: the same small network with its first layer
 * a convolution (one filter bank shared by every position), a tiled convolution (tile×tile banks used in turn,
 * {@link TiledConv2d}) or a locally connected layer (a bank per position, {@link LocallyConnected2d}):
 * <pre>
 *   1×28×28 → [variant] 8@5×5 → ReLU → max-pool 2 → 8×12×12 → flatten → dense 10
 * </pre>
 * It prints each variant's first-layer parameters (C_out·(C_in·5·5 + 1) times the number of banks), held-out accuracy and
 * time: how much parameter sharing saves, and what it costs or gains on this data. Options: --epochs N (default 3),
 * --tiles 2,4 (the tiled variants), --batch N, --lr η, --limit N (the first N training digits), --backend NAME, --seed N,
 * --save FILE (each variant to FILE-conv, FILE-tiled2, …, FILE-local; {@code nabla eval} scores them).
 */
public final class TiledSample {
    private TiledSample() {}

    /** One variant's figures. */
    public record Row(String layer, long firstLayerParams, long params, float accuracy, double seconds) {}

    /** The variants: Conv2d, TiledConv2d for each tile, LocallyConnected2d. */
    static List<Supplier<Layer>> variants(int[] tiles) {
        List<Supplier<Layer>> v = new ArrayList<>();
        v.add(() -> new Conv2d(1, 8, 5));
        for (int t : tiles) v.add(() -> new TiledConv2d(1, 8, 5, t));
        v.add(() -> new LocallyConnected2d(1, 8, 5, 28, 28));
        return v;
    }

    static Sequential model(Layer first) {
        return new Sequential(first, ActivationLayer.relu(), new MaxPool2d(2), new Flatten(), new Dense(8 * 12 * 12, 10));
    }

    /** Trains each variant from the same seed on {@code train} and scores it on {@code test}. */
    public static List<Row> run(Backend ops, Dataset train, Dataset test, int[] tiles, int epochs, int batch, float lr, long seed, PrintStream log) {
        return run(ops, train, test, tiles, epochs, batch, lr, seed, log, null);
    }

    /** As above; with --save FILE in {@code o}, variant i goes to FILE-conv, FILE-tiled2, …, FILE-local. */
    static List<Row> run(Backend ops, Dataset train, Dataset test, int[] tiles, int epochs, int batch, float lr, long seed, PrintStream log,
                         Options o) {
        List<Row> rows = new ArrayList<>();
        SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
        for (Supplier<Layer> make : variants(tiles)) {
            Layer first = make.get();
            Sequential net = model(first).bind(ops, seed);
            long t0 = System.nanoTime();
            new Trainer().epochs(epochs).batchSize(batch).seed(seed).fit(net, ce, Sgd.momentum(lr, 0.9f), train);
            double secs = (System.nanoTime() - t0) / 1e9;
            float acc = Trainer.evaluate(net, ce, test, 500).accuracy();
            long p1 = first.params().stream().mapToLong(dev.nabla.nn.Param::size).sum();
            Row r = new Row(first.name(), p1, net.parameterCount(), acc, secs);
            rows.add(r);
            if (o != null && o.has("save")) {
                String suffix = first instanceof Conv2d ? "conv" : first instanceof TiledConv2d t ? "tiled" + t.tile()[0] : "local";
                SavedModels.save(SavedModels.withSuffix(o.path("save"), suffix), net, "tiled",
                        java.util.Map.of("data", "mnist", "data-dir", ""), log);
            }
            if (log != null) log.printf("  %-40s %,10d %,9d   %7.2f%%  %5.1f s%n", r.layer(), r.firstLayerParams(), r.params(), 100 * r.accuracy(), r.seconds());
        }
        return rows;
    }

    static final Options.Spec OPTIONS = new Options.Spec("tiled",
            "seed 003's convolution variants: shared (conv), tiled 2×2 / 4×4 and locally connected first layers on MNIST")
            .integers("tiles", "2,4", 1, 24, "the tile sizes t (t×t filter banks) of the tiled variants")
            .integer("epochs", 3, 1, 1_000, "epochs for each variant")
            .integer("batch", 32, 1, 100_000, "mini-batch size")
            .number("lr", 0.02f, 0f, true, 100f, "SGD's learning rate η (momentum 0.9)")
            .integer("limit", 0, 0, Integer.MAX_VALUE, "use at most this many training digits (0: all 8,000)")
            .output("save", "save variant v to FILE-conv, FILE-tiled2, …, FILE-local")
            .common();

    public static void main(String[] args) { Main.main(Main.withCommand("tiled", args)); }

    static void run(Options o, PrintStream out) {
        int[] tiles = o.getInts("tiles");
        int epochs = o.getInt("epochs"), batch = o.getInt("batch");
        float lr = o.getFloat("lr");
        Backend ops = o.backend(out);
        DigitData d = DigitData.mnist();
        Dataset train = d.train();
        int limit = o.getInt("limit");
        if (limit > 0 && limit < train.size()) train = train.range(0, limit);
        out.printf("convolution variants (seed 003) on %s: %,d training digits, %,d held out; %d epochs, batch %d, SGD η = %s, μ = 0.9%n",
                d.name(), train.size(), d.test().size(), epochs, batch, lr);
        out.println("  1×28×28 → [first layer] 8@5×5 → ReLU → max-pool 2 → flatten → dense 10");
        out.printf("  %-40s %10s %9s   %8s  %7s%n", "first layer", "its params", "all", "held-out", "time");
        run(ops, train, d.test(), tiles, epochs, batch, lr, o.getLong("seed"), out, o);
    }
}
