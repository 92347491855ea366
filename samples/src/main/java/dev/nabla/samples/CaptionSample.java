package dev.nabla.samples;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.init.Initializer;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.TimeDistributed;
import dev.nabla.nn.rnn.Embedding;
import dev.nabla.nn.rnn.EncoderDecoder;
import dev.nabla.nn.rnn.Lstm;
import dev.nabla.optim.Adam;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Image captioning (seeds 000/001: a CNN reads the image, an LSTM writes the words): strips of 2 to 4 real MNIST digits
 * side by side, 28×112 pixels, captioned with the digits' names — "seven two one".
 * <pre>
 *   strip 1×28×112 → conv 8@5×5 pad 2 → ReLU → max-pool 2 → conv 16@5×5 pad 2 → ReLU → max-pool 2 → flatten 3136
 *                  → dense 3136→H → tanh = h_0 of the decoder
 *   words: x_t = E[word_{t−1}] (word_0 = &lt;start&gt;) → LSTM(16→H) → dense H→12 at every step → softmax cross-entropy
 * </pre>
 * Trained with teacher forcing (the decoder reads the true previous word) over captions padded to 5 steps (label −1
 * after &lt;end&gt;), decoded greedily (arg-max word fed back, until &lt;end&gt;). Training strips are made of the
 * bundled training digits, test strips of the 2,000 held-out digits only. Chance is 10% per word.
 */
public final class CaptionSample {
    private CaptionSample() {}

    static final String[] WORDS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"};
    static final int START = 10, END = 11, VOCAB = 12, MAX_DIGITS = 4, STEPS = MAX_DIGITS + 1, HEIGHT = 28, WIDTH = 28 * MAX_DIGITS;
    static final int PIXELS = HEIGHT * WIDTH;

    /** Strips and their captions: features [PIXELS + STEPS] (image, then the teacher-forcing tokens), targets [STEPS]. */
    public record Strips(Dataset data, int[][] captions) {}

    /** {@code count} strips of 2..4 random digits of {@code digits}, left-aligned on a blank 28×112 strip. */
    public static Strips strips(Dataset digits, int count, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int row = PIXELS + STEPS;
        float[] x = new float[count * row], y = new float[count * STEPS];
        int[][] captions = new int[count][];
        for (int s = 0; s < count; s++) {
            int n = 2 + rng.nextInt(MAX_DIGITS - 1);
            int[] cap = new int[n];
            for (int d = 0; d < n; d++) {
                int i = rng.nextInt(digits.size());
                cap[d] = (int) digits.targets()[i];
                for (int r = 0; r < HEIGHT; r++) System.arraycopy(digits.features(), i * 784 + r * 28, x, s * row + r * WIDTH + d * 28, 28);
            }
            captions[s] = cap;
            for (int t = 0; t < STEPS; t++) {
                x[s * row + PIXELS + t] = t == 0 ? START : t <= n ? cap[t - 1] : END;   // input: <start> w1 … wn, then padding
                y[s * STEPS + t] = t < n ? cap[t] : t == n ? END : -1;                    // target: w1 … wn <end>, then ignored
            }
        }
        return new Strips(new Dataset(x, new int[] {row}, y, STEPS), captions);
    }

    /** The captioner: a small CNN encoder into h_0, an LSTM decoder, a dense head at every step. */
    public static Sequential model(int hidden) {
        Sequential encoder = new Sequential(
                new Conv2d(1, 8, 5).padding(2), ActivationLayer.relu(), new MaxPool2d(2),
                new Conv2d(8, 16, 5).padding(2), ActivationLayer.relu(), new MaxPool2d(2),
                new Flatten(), new Dense(16 * 7 * 28, hidden, Initializer.GLOROT_UNIFORM, Initializer.ZEROS), ActivationLayer.tanh());
        return new Sequential(
                new EncoderDecoder(new int[] {1, HEIGHT, WIDTH}, encoder, new Embedding(VOCAB, 16), new Lstm(16, hidden)),
                new TimeDistributed(new Dense(hidden, VOCAB)));
    }

    /** Greedy decoding: &lt;start&gt;, then each step's arg-max word is fed back, until &lt;end&gt; or STEPS words. */
    public static int[][] decode(Sequential model, Dataset strips) {
        Backend ops = model.backend();
        int n = strips.size(), row = PIXELS + 1, bs = 250;
        int[][] out = new int[n][];
        for (int start = 0; start < n; start += bs) {
            int B = Math.min(bs, n - start);
            float[] x = new float[B * row];
            for (int b = 0; b < B; b++) {
                System.arraycopy(strips.features(), (start + b) * (PIXELS + STEPS), x, b * row, PIXELS);
                x[b * row + PIXELS] = START;
            }
            int[][] words = new int[B][STEPS];
            int[] len = new int[B];
            boolean[] done = new boolean[B];
            model.resetState();
            model.carryState(true);                                        // one token per forward pass, the state carried
            try (Tensor xt = ops.zeros(B, row)) {
                for (int t = 0; t < STEPS; t++) {
                    ops.upload(x, 0, xt);
                    float[] logits = model.forward(xt, false).toArray();  // [B, 1, V]
                    for (int b = 0; b < B; b++) {
                        int best = 0;
                        for (int k = 1; k < VOCAB; k++) if (logits[b * VOCAB + k] > logits[b * VOCAB + best]) best = k;
                        if (!done[b]) {
                            if (best == END) done[b] = true;
                            else words[b][len[b]++] = best;
                        }
                        x[b * row + PIXELS] = best;                        // the decoded word is the next input
                    }
                }
            } finally {
                model.carryState(false);
            }
            for (int b = 0; b < B; b++) out[start + b] = java.util.Arrays.copyOf(words[b], len[b]);
        }
        return out;
    }

    /** Word accuracy (true words matched at their position) and sequence accuracy (whole caption right). */
    public record Accuracy(float word, float sequence) {}

    public static Accuracy accuracy(int[][] decoded, int[][] truth) {
        long words = 0, right = 0, seqs = 0;
        for (int s = 0; s < truth.length; s++) {
            for (int t = 0; t < truth[s].length; t++) {
                words++;
                if (t < decoded[s].length && decoded[s][t] == truth[s][t]) right++;
            }
            if (java.util.Arrays.equals(decoded[s], truth[s])) seqs++;
        }
        return new Accuracy((float) right / words, (float) seqs / truth.length);
    }

    static String caption(int[] words) {
        StringBuilder sb = new StringBuilder();
        for (int w : words) sb.append(sb.isEmpty() ? "" : " ").append(WORDS[w]);
        return sb.toString();
    }

    /** What a run measured. */
    public record Result(Sequential model, Accuracy test, List<Trainer.EpochStats> history, int[][] decoded, int[][] truth) {}

    public static Result train(Backend ops, int trainStrips, int testStrips, int epochs, int hidden, float lr, long seed, java.io.PrintStream log) {
        return train(ops, trainStrips, testStrips, epochs, hidden, lr, seed, log, null);
    }

    /** The test strips of a run with {@code seed}: made of the held-out digits only. */
    static Strips testStrips(int count, long seed) { return strips(DigitData.mnist().test(), count, seed + 1); }

    static Result train(Backend ops, int trainStrips, int testStrips, int epochs, int hidden, float lr, long seed, java.io.PrintStream log, Options o) {
        DigitData d = DigitData.mnist();
        Strips train = strips(d.train(), trainStrips, seed), test = testStrips(testStrips, seed);
        Sequential net = model(hidden).bind(ops, seed);
        if (o != null) SavedModels.load(o, net, log);
        if (log != null) {
            log.printf("%,d training strips of the 8,000 training digits, %,d test strips of the 2,000 held-out digits; 2–4 digits each%n",
                    trainStrips, testStrips);
            log.print(net.summary(train.data().sampleShape()));
        }
        Trainer trainer = new Trainer().epochs(Math.max(1, epochs)).batchSize(32).seed(seed).clipNorm(5f);
        if (log != null) trainer.listener(s -> {
            Accuracy a = accuracy(decode(net, test.data()), test.captions());
            log.printf(Locale.ROOT, "epoch %2d  loss %.4f  teacher-forced word accuracy %.1f%%  greedy on test strips: words %.1f%%, captions %.1f%%  %,.0f strips/s%n",
                    s.epoch(), s.trainLoss(), 100 * s.trainAccuracy(), 100 * a.word(), 100 * a.sequence(), s.samplesPerSecond());
        });
        List<Trainer.EpochStats> h = epochs > 0 ? trainer.fit(net, new SoftmaxCrossEntropy(), new Adam(lr), train.data()) : List.of();
        if (o != null) SavedModels.save(o, net, "caption", java.util.Map.of("seed", Long.toString(seed), "test-strips", Integer.toString(testStrips)), log);
        Figures.of(o, log).curves("caption", "captioning, CNN+LSTM (teacher-forced)", h);
        int[][] decoded = decode(net, test.data());
        return new Result(net, accuracy(decoded, test.captions()), h, decoded, test.captions());
    }

    static final Options.Spec OPTIONS = new Options.Spec("caption",
            "CNN+LSTM image captioning: strips of 2–4 real MNIST digits get their words (\"seven two one\")")
            .integer("strips", 6000, 1, 10_000_000, "training strips (made of the 8,000 training digits)")
            .integer("test-strips", 1000, 1, 10_000_000, "test strips (made of the 2,000 held-out digits only)")
            .integer("epochs", 6, 0, 100_000, "epochs")
            .integer("hidden", 128, 1, 100_000, "LSTM hidden units H (and the encoder's output)")
            .number("lr", 2e-3f, 0f, true, 10f, "Adam's learning rate η")
            .models("epochs")
            .figures()
            .common();

    public static void main(String[] args) { Main.main(Main.withCommand("caption", args)); }

    static void run(Options o, java.io.PrintStream out) {
        Backend ops = o.backend(out);
        long t0 = System.nanoTime();
        Result r = train(ops, o.getInt("strips"), o.getInt("test-strips"), o.getInt("epochs"), o.getInt("hidden"),
                o.getFloat("lr"), o.getLong("seed"), out, o);
        for (int s = 0; s < Math.min(6, r.truth().length); s++) {
            out.printf("  true: %-28s  greedy: %s%n", caption(r.truth()[s]), caption(r.decoded()[s]));
        }
        out.printf("test strips: word accuracy %.1f%%, caption (sequence) accuracy %.1f%% (chance: 10%% per word); %.0f s in all%n",
                100 * r.test().word(), 100 * r.test().sequence(), (System.nanoTime() - t0) / 1e9);
    }
}
