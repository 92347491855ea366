package dev.nabla.samples;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.loss.BinaryCrossEntropyWithLogits;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Adam;
import dev.nabla.optim.Sgd;
import dev.nabla.samples.plot.Plot;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seed 002, "Going from Shallow to Deep Neural Networks": "initializing the weights randomly and training all layers at
 * once does hardly work; instead we train layerwise on unannotated data (pre-training): train the first hidden layer;
 * fix the parameters for the first layer and train the second layer; fix the parameters for the first and second layer,
 * train the third layer; after the pre-training, train all layers using your annotated data." Measured here on the
 * bundled MNIST digits with a deep sigmoid MLP, 784 → h_1 → … → h_L → 10:
 * <pre>
 *   stage k = 1..L (the images only, no labels):  an autoencoder  x → [layers 1..k−1, frozen] → h_{k−1}
 *       → h_k = σ(W_k·h_{k−1} + b_k) → ĥ_{k−1} = σ(V_k·h_k + c_k),   E = BCE(ĥ_{k−1}, h_{k−1})   (h_0 = x, pixels in [0, 1])
 *       trains W_k, b_k (kept) and the decoder V_k, c_k (thrown away); layers 1..k−1 run forward only
 *   fine-tuning (the labels):  every layer unfrozen, + a random 10-way output layer, softmax cross-entropy
 * </pre>
 * beside the same network from random initialisation (the same seed: the initial weights the other started its
 * pretraining from, and the same shuffles) trained with the labels for every epoch the other spent pretraining and
 * fine-tuning: the same budget of epochs. Both are scored on the
 * 2,000 held-out digits, and ‖∂E/∂W_k‖ per layer is measured on the same labelled batch at the start of fine-tuning —
 * where the slide's argument (and the vanishing gradient of sigmoid stacks, seed 002) says the difference lies.
 *
 * <p>Options: --hidden 500,500,500,500 (the h_k), --pretrain-epochs N (per layer), --epochs N (fine-tuning), --batch N,
 * --lr η (SGD with momentum 0.9, both networks' supervised training), --ae-lr η (Adam, the autoencoders),
 * --limit N (the first N training digits), --backend NAME, --seed N, --save FILE (the fine-tuned network; the random
 * one to FILE-random; {@code nabla eval FILE} scores them).
 */
public final class PretrainSample {
    private PretrainSample() {}

    /** What to run. */
    public record Settings(int[] hidden, int pretrainEpochs, int epochs, int batch, float lr, float aeLr, long seed) {
        public Settings {
            if (hidden.length < 1) throw new IllegalArgumentException("pretrain: --hidden needs at least one hidden layer");
            for (int h : hidden) if (h < 1) throw new IllegalArgumentException("pretrain: hidden widths must be ≥ 1, got " + Arrays.toString(hidden));
            if (pretrainEpochs < 1 || epochs < 1) {
                throw new IllegalArgumentException("pretrain: --pretrain-epochs and --epochs must be ≥ 1, got " + pretrainEpochs + ", " + epochs);
            }
            hidden = hidden.clone();
        }

        /** Epochs of each network: L stages of pretraining + fine-tuning, or supervised epochs from random initialisation. */
        public int budget() { return hidden.length * pretrainEpochs + epochs; }
    }

    /**
     * What a run measured: held-out accuracy after fine-tuning and after the same budget from random initialisation,
     * each network's held-out accuracy after each of its supervised epochs, each stage's reconstruction loss on the
     * training images before and after its pretraining,
     * and ‖∂E/∂W_k‖ for k = 1..L+1 at the start of supervised training of each network.
     */
    public record Result(float pretrainedAccuracy, float randomAccuracy, float[] pretrainedCurve, float[] randomCurve,
                         float[][] reconstruction, double[] pretrainedNorms, double[] randomNorms) {}

    /** The deep sigmoid MLP 784 → hidden… → 10. */
    public static Sequential network(int[] hidden) {
        int[] widths = new int[hidden.length + 2];
        widths[0] = 784;
        System.arraycopy(hidden, 0, widths, 1, hidden.length);
        widths[widths.length - 1] = 10;
        return Sequential.mlp(ActivationLayer::sigmoid, widths);
    }

    /** The images of {@code data} with targets {@code targets} of width {@code width}: an unlabelled set for an autoencoder. */
    private static Dataset unlabelled(Dataset data, float[] targets, int width) {
        return new Dataset(data.features(), data.sampleShape(), targets, width);
    }

    /** h_k of every sample: the output of the first {@code layers} layers of {@code net}, in evaluation mode, batch by batch. */
    static float[] features(Sequential net, int layers, Dataset data, int width) {
        Backend ops = net.backend();
        int n = data.size(), per = data.sampleSize(), bs = 500;
        float[] out = new float[n * width];
        for (int s = 0; s < n; s += bs) {
            int m = Math.min(bs, n - s);
            try (Tensor x = ops.upload(Arrays.copyOfRange(data.features(), s * per, (s + m) * per), m, per)) {
                Tensor h = x;
                for (int l = 0; l < layers; l++) h = net.layers().get(l).forward(h, false);
                float[] part = ops.download(h);
                System.arraycopy(part, 0, out, s * width, m * width);
            }
        }
        return out;
    }

    /**
     * Greedy layer-wise pretraining of {@code net}'s hidden layers on {@code images} (their labels unused), as the class
     * comment says; returns each stage's reconstruction loss before and after. The hidden layers are left trained and
     * unfrozen; the output layer is untouched.
     */
    static float[][] pretrain(Sequential net, Dataset images, Settings s, PrintStream log) {
        float[][] recon = new float[s.hidden().length][];
        for (int k = 0; k < recon.length; k++) recon[k] = stage(net, k, images, s, log);
        net.unfreeze();                                                               // fine-tuning trains every layer
        return recon;
    }

    /**
     * Stage k + 1 (k = 0, 1, …): layers 1..k frozen, hidden layer k + 1 trained as the encoder of an autoencoder that
     * reconstructs h_k (the images for k = 0) through a decoder of its own; the reconstruction BCE before and after.
     * The frozen layers are left frozen.
     */
    static float[] stage(Sequential net, int k, Dataset images, Settings s, PrintStream log) {
        Backend ops = net.backend();
        List<Layer> layers = net.layers();
        int in = k == 0 ? 784 : s.hidden()[k - 1];
        for (int l = 0; l < 2 * k; l++) layers.get(l).freeze();                      // fix the parameters of layers 1..k
        Dense decoder = new Dense(s.hidden()[k], in);
        decoder.bind(ops, new SplittableRandom(s.seed() * 31 + k));
        List<Layer> ae = new ArrayList<>(layers.subList(0, 2 * k + 2));              // the frozen layers, W_{k+1} and its σ,
        ae.add(decoder);                                                              //   the decoder (its σ is in the loss)
        Sequential autoencoder = Sequential.ofBound(ops, ae);
        float[] target = k == 0 ? images.features() : features(net, 2 * k, images, in);   // h_k: what must be reconstructed
        Dataset data = unlabelled(images, target, in);
        BinaryCrossEntropyWithLogits bce = new BinaryCrossEntropyWithLogits();
        float before = Trainer.evaluate(autoencoder, bce, data, 500).loss();
        new Trainer().epochs(s.pretrainEpochs()).batchSize(s.batch()).seed(s.seed() * 1000 + k).fit(autoencoder, bce, new Adam(s.aeLr()), data);
        float after = Trainer.evaluate(autoencoder, bce, data, 500).loss();
        if (log != null) {
            log.printf("  stage %d: autoencoder %d → %d → %d over %d frozen layer(s): reconstruction BCE %.4f → %.4f in %d epoch(s)%n",
                    k + 1, in, s.hidden()[k], in, k, before, after, s.pretrainEpochs());
        }
        return new float[] {before, after};
    }

    /** ‖∂E/∂W_k‖ of every Dense layer for one labelled batch (the first {@code n} training samples), without an update. */
    static double[] gradientNorms(Sequential net, Dataset train, int n) {
        Backend ops = net.backend();
        n = Math.min(n, train.size());
        int per = train.sampleSize();
        net.zeroGrad();
        try (Tensor x = ops.upload(Arrays.copyOf(train.features(), n * per), n, per);
             Tensor y = ops.upload(Arrays.copyOf(train.targets(), n), n)) {
            Tensor out = net.forward(x, true);
            try (Tensor dy = ops.zeros(out.shape())) {
                new SoftmaxCrossEntropy().compute(out, y, dy);
                net.backwardParams(dy);
            }
        }
        List<Double> norms = new ArrayList<>();
        for (Layer l : net.layers()) if (l instanceof Dense d) norms.add(Math.sqrt(ops.sumSquares(d.weight().grad())));
        net.zeroGrad();
        return norms.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** {@code epochs} epochs of supervised training; the held-out accuracy after each. */
    private static float[] supervised(Sequential net, Dataset train, Dataset test, int epochs, Settings s, long seed, String who, PrintStream log) {
        SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
        float[] curve = new float[epochs];
        Sgd sgd = Sgd.momentum(s.lr(), 0.9f);
        for (int e = 0; e < epochs; e++) {
            Trainer.EpochStats st = new Trainer().epochs(1).batchSize(s.batch()).seed(seed * 1000 + e).fit(net, ce, sgd, train).getFirst();
            curve[e] = Trainer.evaluate(net, ce, test, 500).accuracy();
            if (log != null) {
                log.printf("  %s epoch %2d: loss %.4f, train accuracy %.2f%%, held-out accuracy %.2f%%%n", who, e + 1, st.trainLoss(),
                        100 * st.trainAccuracy(), 100 * curve[e]);
            }
        }
        return curve;
    }

    /** Both networks, as the class comment says. */
    public static Result run(Backend ops, Dataset train, Dataset test, Settings s, PrintStream log) { return run(ops, train, test, s, log, null); }

    /** As above; with --save FILE in {@code o}, the fine-tuned network goes to FILE and the randomly initialised one to FILE-random. */
    static Result run(Backend ops, Dataset train, Dataset test, Settings s, PrintStream log, Options o) {
        int batchForNorms = 1000;
        if (log != null) log.printf("greedy layer-wise pretraining (%d stages × %d epochs, Adam η = %s), on %,d images without labels%n",
                s.hidden().length, s.pretrainEpochs(), s.aeLr(), train.size());
        Sequential pre = network(s.hidden()).bind(ops, s.seed());
        float[][] recon = pretrain(pre, train, s, log);
        double[] preNorms = gradientNorms(pre, train, batchForNorms);
        if (log != null) log.printf("fine-tuning every layer with the labels (%d epochs, SGD η = %s, μ = 0.9)%n", s.epochs(), s.lr());
        float[] preCurve = supervised(pre, train, test, s.epochs(), s, s.seed(), "pretrained", log);

        Sequential rnd = network(s.hidden()).bind(ops, s.seed());
        double[] rndNorms = gradientNorms(rnd, train, batchForNorms);
        if (log != null) log.printf("the same network from random initialisation, trained with the labels for the same budget: %d epochs%n", s.budget());
        float[] rndCurve = supervised(rnd, train, test, s.budget(), s, s.seed(), "random    ", log);   // the same batches, then more
        if (o != null && o.has("save")) {
            java.nio.file.Path f = o.path("save");
            SavedModels.save(f, pre, "pretrain", java.util.Map.of("data", "mnist", "data-dir", ""), log);
            SavedModels.save(SavedModels.withSuffix(f, "random"), rnd, "pretrain", java.util.Map.of("data", "mnist", "data-dir", ""), log);
        }
        Figures fig = Figures.of(o, log);
        if (fig.on()) {
            double[] e1 = new double[preCurve.length], a1 = new double[preCurve.length], e2 = new double[rndCurve.length], a2 = new double[rndCurve.length];
            for (int i = 0; i < e1.length; i++) { e1[i] = i + 1; a1[i] = preCurve[i]; }
            for (int i = 0; i < e2.length; i++) { e2[i] = i + 1; a2[i] = rndCurve[i]; }
            fig.lines("pretrain-accuracy", "held-out accuracy per supervised epoch: pretrained vs random initialisation", "supervised epoch",
                    "held-out accuracy", List.of(new Plot.Series("pretrained + fine-tuned", e1, a1), new Plot.Series("random initialisation", e2, a2)), false);
            double[] layer = new double[preNorms.length];
            for (int k = 0; k < layer.length; k++) layer[k] = k + 1;
            fig.lines("pretrain-gradients", "‖∂E/∂W_k‖ at the start of supervised training", "layer k", "‖∂E/∂W_k‖",
                    List.of(new Plot.Series("pretrained", layer, preNorms), new Plot.Series("random", layer, rndNorms)), true);
        }
        return new Result(preCurve[preCurve.length - 1], rndCurve[rndCurve.length - 1], preCurve, rndCurve, recon, preNorms, rndNorms);
    }

    /** The report: both accuracies and the per-layer gradient norms side by side. */
    static void report(Result r, Settings s, PrintStream out) {
        int L = s.hidden().length;
        out.printf("%nheld-out accuracy after %d epochs each: pretrained + fine-tuned %.2f%%, random initialisation %.2f%% "
                        + "(random after %d supervised epochs, as many as the fine-tuning: %.2f%%)%n", s.budget(), 100 * r.pretrainedAccuracy(),
                100 * r.randomAccuracy(), s.epochs(), 100 * r.randomCurve()[s.epochs() - 1]);
        out.println("‖∂E/∂W_k‖ at the start of supervised training (one batch of 1,000 labelled digits):");
        out.printf("  %-8s %14s %14s%n", "layer", "pretrained", "random");
        for (int k = 0; k <= L; k++) {
            out.printf("  %-8s %14.4e %14.4e%n", (k + 1) + (k == L ? " (out)" : ""), r.pretrainedNorms()[k], r.randomNorms()[k]);
        }
        out.printf("  first/last %12.3e %14.3e%n", r.pretrainedNorms()[0] / r.pretrainedNorms()[L], r.randomNorms()[0] / r.randomNorms()[L]);
    }

    static final Options.Spec OPTIONS = new Options.Spec("pretrain",
            "seed 002's greedy layer-wise pretraining of a deep sigmoid MLP (autoencoders), against random initialisation")
            .integers("hidden", "500,500,500,500", 1, 100_000, "the hidden widths h_k")
            .integer("pretrain-epochs", 2, 1, 1_000, "autoencoder epochs per hidden layer")
            .integer("epochs", 4, 1, 1_000, "supervised fine-tuning epochs (the random network gets the whole budget)")
            .integer("batch", 32, 1, 100_000, "mini-batch size")
            .number("lr", 0.1f, 0f, true, 100f, "SGD's learning rate η for the supervised training (momentum 0.9)")
            .number("ae-lr", 1e-3f, 0f, true, 10f, "Adam's learning rate for the autoencoders")
            .integer("limit", 0, 0, Integer.MAX_VALUE, "use at most this many training digits (0: all 8,000)")
            .output("save", "save the fine-tuned network to this file and the random one to FILE-random")
            .figures()
            .common();

    public static void main(String[] args) { Main.main(Main.withCommand("pretrain", args)); }

    static void run(Options o, PrintStream out) {
        Settings s = new Settings(o.getInts("hidden"), o.getInt("pretrain-epochs"), o.getInt("epochs"),
                o.getInt("batch"), o.getFloat("lr"), o.getFloat("ae-lr"), o.getLong("seed"));
        Backend ops = o.backend(out);
        DigitData d = DigitData.mnist();
        Dataset train = d.train();
        int limit = o.getInt("limit");
        if (limit > 0 && limit < train.size()) train = train.range(0, limit);
        out.printf("layer-wise pretraining (seed 002) on %s: %,d training digits, %,d held out; sigmoid MLP 784-%s-10%n", d.name(),
                train.size(), d.test().size(), String.join("-", Arrays.stream(s.hidden()).mapToObj(Integer::toString).toList()));
        long t0 = System.nanoTime();
        Result r = run(ops, train, d.test(), s, out, o);
        report(r, s, out);
        out.printf("%.0f s in all%n", (System.nanoTime() - t0) / 1e9);
    }
}
