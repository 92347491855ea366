package dev.nabla.samples;

import dev.nabla.backend.Backend;
import dev.nabla.loss.MultiClassHinge;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.TimeDistributed;
import dev.nabla.nn.rnn.Embedding;
import dev.nabla.optim.Sgd;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seed 002's window classifier with its max-margin objective, on windows of real text (Debian's fortunes): is the word
 * in the middle of a window the one that was really there? Every window of five words of the text is a true window
 * x = [x_{t−2} x_{t−1} x_t x_{t+1} x_{t+2}]; its corrupted twin x_c has the centre word replaced by a word drawn from the
 * training text's word frequencies (so that word frequency alone cannot tell them apart). The label comes from the
 * text itself. Both are scored by the same network and trained with the ranking objective:
 * <pre>
 *   x_window = [E[w_{t−2}]; …; E[w_{t+2}]] ∈ ℝ^{5d}     z = W·x + b     a = f(z) (logistic)     s = Uᵀ·a
 *   J = max(0, 1 + s_c − s)                               ∂J/∂W = δ_c·x_cᵀ − δ·xᵀ with δ_i = U_i·f'(z_i)  (when J > 0)
 * </pre>
 * As a Sequential over a sample [2, 5] (true window, corrupted window): Embedding → TimeDistributed(Flatten → Dense(5d→8)
 * → logistic → Dense(8→1)) scores both windows with shared weights → [B, 2] → {@link MultiClassHinge} with label 0 is
 * exactly J (U's bias, which a {@link Dense} carries, cancels in s_c − s). Every 10th fortune is held out; the
 * held-out ranking accuracy (s > s_c) is printed beside chance (50%) and a word-frequency baseline.
 */
public final class WindowSample {
    private WindowSample() {}

    static final int UNKNOWN = 0, WIDTH = 5;

    /** What a run measured. */
    public record Result(Sequential model, float heldOutRanking, float frequencyBaseline, int trainWindows, int heldWindows,
                         int vocabulary, List<Trainer.EpochStats> history) {}

    public static Sequential model(int vocabulary, int dim, int hidden) {
        return new Sequential(
                new Embedding(vocabulary, dim),                                   // [B, 2, 5] → [B, 2, 5, d]
                new TimeDistributed(new Sequential(new Flatten(),                 // x_window ∈ ℝ^{5d}, each of the two
                        new Dense(WIDTH * dim, hidden), ActivationLayer.sigmoid(), // a = f(W·x + b)
                        new Dense(hidden, 1))),                                   // s = Uᵀ·a
                new Flatten());                                                   // [B, 2]: (s, s_c)
    }

    public static Result train(Backend ops, int epochs, int dim, int hidden, float lr, long seed, int maxWindows, java.io.PrintStream log) {
        return train(ops, epochs, dim, hidden, lr, seed, maxWindows, log, null);
    }

    /** Training and held-out pairs of a run with {@code seed}, the vocabulary size and the frequency baseline. */
    record Data(Dataset train, Dataset held, int vocabulary, float frequencyBaseline) {}

    static Data data(long seed, int maxWindows) {
        String[] fortunes = CharLstmSample.resource("/text/fortunes.txt").split("\n%\n");
        List<List<String>> trainTexts = new ArrayList<>(), heldTexts = new ArrayList<>();
        for (int i = 0; i < fortunes.length; i++) (i % 10 == 9 ? heldTexts : trainTexts).add(FortuneTopicSample.words(fortunes[i]));
        Map<String, Integer> counts = new HashMap<>();
        for (List<String> t : trainTexts) for (String w : t) counts.merge(w, 1, Integer::sum);
        Map<String, Integer> vocab = new HashMap<>();
        counts.entrySet().stream().filter(e -> e.getValue() >= 3).map(Map.Entry::getKey).sorted().forEach(w -> vocab.put(w, vocab.size() + 1));
        int V = vocab.size() + 1;
        long[] freq = new long[V];                                               // training frequencies, unknown words included
        List<Integer> unigram = new ArrayList<>();
        for (List<String> t : trainTexts) for (String w : t) { int k = vocab.getOrDefault(w, UNKNOWN); freq[k]++; unigram.add(k); }
        SplittableRandom rng = new SplittableRandom(seed);
        Dataset train = windows(trainTexts, vocab, unigram, rng, maxWindows), held = windows(heldTexts, vocab, unigram, rng, maxWindows);
        return new Data(train, held, V, frequencyBaseline(held, freq));
    }

    static Result train(Backend ops, int epochs, int dim, int hidden, float lr, long seed, int maxWindows, java.io.PrintStream log, Options o) {
        Data d = data(seed, maxWindows);
        Dataset train = d.train(), held = d.held();
        int V = d.vocabulary();
        float freqBaseline = d.frequencyBaseline();
        Sequential net = model(V, dim, hidden).bind(ops, seed);
        if (o != null) SavedModels.load(o, net, log);
        MultiClassHinge loss = new MultiClassHinge(1f);
        if (log != null) {
            log.printf("windows of %d words from Debian's fortunes: %,d training windows, %,d held out (every 10th fortune); vocabulary %,d words (seen ≥ 3 times) + unknown%n",
                    WIDTH, train.size(), held.size(), V - 1);
            log.print(net.summary(train.sampleShape()));
            log.printf("held-out baselines: chance 50.0%%, word frequency (score = count of the centre word) %.1f%%%n", 100 * freqBaseline);
        }
        Trainer trainer = new Trainer().epochs(Math.max(1, epochs)).batchSize(64).seed(seed).validation(held);
        if (log != null) trainer.listener(s -> log.printf(Locale.ROOT, "epoch %2d  J %.4f  train ranking %.1f%%  held-out ranking accuracy (s > s_c) %.1f%%  %,.0f pairs/s%n",
                s.epoch(), s.trainLoss(), 100 * s.trainAccuracy(), 100 * s.valAccuracy(), s.samplesPerSecond()));
        List<Trainer.EpochStats> h = epochs > 0 ? trainer.fit(net, loss, Sgd.momentum(lr, 0.9f), train) : List.of();
        if (o != null) SavedModels.save(o, net, "window", java.util.Map.of("seed", Long.toString(seed), "limit", Integer.toString(maxWindows)), log);
        Figures.of(o, log).curves("window", "window classifier (hinge ranking)", h);
        return new Result(net, Trainer.evaluate(net, loss, held, 500).accuracy(), freqBaseline, train.size(), held.size(), V, h);
    }

    /** Pairs [2, 5]: row 0 a true window, row 1 the same with the centre replaced by a unigram draw; label 0 (row 0 is true). */
    static Dataset windows(List<List<String>> texts, Map<String, Integer> vocab, List<Integer> unigram, SplittableRandom rng, int max) {
        List<int[]> pairs = new ArrayList<>();
        for (List<String> t : texts) {
            for (int c = WIDTH / 2; c + WIDTH / 2 < t.size(); c++) {
                int[] p = new int[2 * WIDTH];
                for (int k = 0; k < WIDTH; k++) p[k] = p[WIDTH + k] = vocab.getOrDefault(t.get(c - WIDTH / 2 + k), UNKNOWN);
                int corrupt;
                do corrupt = unigram.get(rng.nextInt(unigram.size())); while (corrupt == p[WIDTH / 2]);
                p[WIDTH + WIDTH / 2] = corrupt;                                  // x_c: "Not all museums in Paris"
                pairs.add(p);
            }
        }
        if (max > 0 && pairs.size() > max) {                                     // a seeded subset, for short runs
            java.util.Collections.shuffle(pairs, new java.util.Random(rng.nextLong()));
            pairs = pairs.subList(0, max);
        }
        float[] x = new float[pairs.size() * 2 * WIDTH];
        for (int i = 0; i < pairs.size(); i++) for (int k = 0; k < 2 * WIDTH; k++) x[i * 2 * WIDTH + k] = pairs.get(i)[k];
        return new Dataset(x, new int[] {2, WIDTH}, new float[pairs.size()], 1);
    }

    /** Held-out ranking accuracy of "the more frequent centre word is the true one" (ties count half). */
    static float frequencyBaseline(Dataset pairs, long[] freq) {
        double right = 0;
        for (int i = 0; i < pairs.size(); i++) {
            long a = freq[(int) pairs.features()[i * 2 * WIDTH + WIDTH / 2]], b = freq[(int) pairs.features()[i * 2 * WIDTH + WIDTH + WIDTH / 2]];
            right += a > b ? 1 : a == b ? 0.5 : 0;
        }
        return (float) (right / pairs.size());
    }

    static final Options.Spec OPTIONS = new Options.Spec("window",
            "seed 002's window classifier: s = Uᵀf(Wx + b) ranks a true 5-word window above a corrupted one (hinge loss)")
            .integer("epochs", 30, 0, 100_000, "epochs")
            .integer("dim", 16, 1, 100_000, "word vector size")
            .integer("hidden", 8, 1, 100_000, "hidden units of f(Wx + b)")
            .number("lr", 0.2f, 0f, true, 100f, "SGD's learning rate η (momentum 0.9)")
            .integer("limit", 0, 0, Integer.MAX_VALUE, "use at most this many windows of each split (0: all)")
            .models("epochs")
            .figures()
            .common();

    public static void main(String[] args) { Main.main(Main.withCommand("window", args)); }

    static void run(Options o, java.io.PrintStream out) {
        Backend ops = o.backend(out);
        long t0 = System.nanoTime();
        Result r = train(ops, o.getInt("epochs"), o.getInt("dim"), o.getInt("hidden"), o.getFloat("lr"), o.getLong("seed"),
                o.getInt("limit"), out, o);
        out.printf("held-out ranking accuracy %.1f%% (chance 50.0%%, word-frequency baseline %.1f%%); %.0f s in all%n",
                100 * r.heldOutRanking(), 100 * r.frequencyBaseline(), (System.nanoTime() - t0) / 1e9);
    }
}
