package dev.nabla.samples;

import dev.nabla.backend.Backend;
import dev.nabla.data.Sequences;
import dev.nabla.data.Split;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.rnn.Embedding;
import dev.nabla.nn.rnn.LastStep;
import dev.nabla.nn.rnn.Lstm;
import dev.nabla.optim.Adam;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Many-to-one text classification (seed 000's sentiment analysis with an LSTM): an LSTM reads a whole fortune, word by
 * word, and its last state decides which of Debian's fortune collections it came from — computers, food, law, love,
 * politics or sports (the label is the file; see samples/src/main/resources/text/README.md):
 * <pre>
 *   words [T] → Embedding(V×E) → Dropout(0.5) → LSTM(E→H) → LastStep (h_T) → Dense(H→6) → softmax cross-entropy
 * </pre>
 * Texts are lower-cased words, the first 60 kept, pre-padded to the longest (so that every text ends at step T, where
 * {@link LastStep} reads it); words seen fewer than twice in the training texts become one unknown-word token. A fifth
 * of the fortunes, chosen by a seeded hold-out, is never trained on; the held-out accuracy is printed beside the
 * majority-class baseline (always answering the most frequent training category).
 */
public final class FortuneTopicSample {
    private FortuneTopicSample() {}

    static final int PAD = 0, UNKNOWN = 1;
    private static final Pattern WORD = Pattern.compile("[a-z0-9']+");

    /** The labelled fortunes: texts, their category indices, the category names. */
    public record Corpus(List<String> texts, int[] labels, List<String> categories) {}

    /** What a run measured. */
    public record Result(Sequential model, float heldOutAccuracy, float majorityBaseline, int vocabulary,
                         int[][] confusion, List<String> categories, List<Trainer.EpochStats> history) {}

    public static Corpus corpus() {
        String text = CharLstmSample.resource("/text/fortune-categories.txt");
        List<String> texts = new ArrayList<>(), cats = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (String block : text.split("\n%\n")) {
            int nl = block.indexOf('\n');
            if (!block.startsWith("@") || nl < 0) throw new IllegalStateException("fortune-categories.txt: a block without its @category line: " + block);
            String cat = block.substring(1, nl);
            if (!cats.contains(cat)) cats.add(cat);
            labels.add(cats.indexOf(cat));
            texts.add(block.substring(nl + 1));
        }
        return new Corpus(texts, labels.stream().mapToInt(Integer::intValue).toArray(), cats);
    }

    static List<String> words(String text) {
        List<String> w = new ArrayList<>();
        Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT));
        while (m.find()) w.add(m.group());
        return w;
    }

    /** The fixed split, encoded: training and held-out sets, the vocabulary size, the categories, the majority baseline. */
    record Data(Dataset train, Dataset test, int vocabulary, List<String> categories, int majority, float baseline) {}

    /** Trains on the fixed split and evaluates on the held-out fortunes; {@code log} prints progress (or is null). */
    public static Result train(Backend ops, int epochs, int embed, int hidden, float lr, float dropout, long seed, java.io.PrintStream log) {
        return train(ops, epochs, embed, hidden, lr, dropout, seed, log, null);
    }

    static Sequential model(int vocabulary, int embed, int hidden, float dropout, int classes) {
        return new Sequential(new Embedding(vocabulary, embed), new Dropout(dropout), new Lstm(embed, hidden), new LastStep(),
                new Dense(hidden, classes));
    }

    static Data data() {
        Corpus c = corpus();
        int n = c.texts().size(), maxWords = 60;
        Split split = Split.holdOut(n, n / 5, 2026);
        Map<String, Integer> counts = new HashMap<>();
        for (int i : split.train()) for (String w : words(c.texts().get(i))) counts.merge(w, 1, Integer::sum);
        Map<String, Integer> vocab = new HashMap<>();
        counts.entrySet().stream().filter(e -> e.getValue() >= 2).map(Map.Entry::getKey).sorted()
                .forEach(w -> vocab.put(w, vocab.size() + 2));                      // 0 = padding, 1 = unknown word
        int V = vocab.size() + 2, K = c.categories().size();
        Dataset train = encode(c, split.train(), vocab, maxWords), test = encode(c, split.test(), vocab, maxWords);
        int[] perClass = new int[K];
        for (int i : split.train()) perClass[c.labels()[i]]++;
        int majority = 0;
        for (int k = 1; k < K; k++) if (perClass[k] > perClass[majority]) majority = k;
        int hit = 0;
        for (int i : split.test()) if (c.labels()[i] == majority) hit++;
        float baseline = (float) hit / split.test().length;
        return new Data(train, test, V, c.categories(), majority, baseline);
    }

    static Result train(Backend ops, int epochs, int embed, int hidden, float lr, float dropout, long seed, java.io.PrintStream log, Options o) {
        Data d = data();
        Dataset train = d.train(), test = d.test();
        int V = d.vocabulary(), K = d.categories().size(), n = train.size() + test.size(), majority = d.majority();
        float baseline = d.baseline();
        Corpus c = new Corpus(List.of(), new int[0], d.categories());

        Sequential net = model(V, embed, hidden, dropout, K).bind(ops, seed);
        if (o != null) SavedModels.load(o, net, log);
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        if (log != null) {
            log.printf("%,d fortunes in %d categories %s; %,d train, %,d held out; vocabulary %,d words (seen ≥ 2 times) + padding + unknown%n",
                    n, K, c.categories(), train.size(), test.size(), V - 2);
            log.print(net.summary(train.sampleShape()));
            log.printf("majority-class baseline (always '%s'): %.1f%% of the held-out fortunes%n", c.categories().get(majority), 100 * baseline);
        }
        Trainer trainer = new Trainer().epochs(Math.max(1, epochs)).batchSize(32).seed(seed).clipNorm(5f).validation(test);
        if (log != null) trainer.listener(s -> log.printf(Locale.ROOT, "epoch %2d  loss %.4f  train accuracy %.1f%%  held-out accuracy %.1f%%  %,.0f texts/s%n",
                s.epoch(), s.trainLoss(), 100 * s.trainAccuracy(), 100 * s.valAccuracy(), s.samplesPerSecond()));
        List<Trainer.EpochStats> h = epochs > 0 ? trainer.fit(net, loss, new Adam(lr), train) : List.of();
        if (o != null) SavedModels.save(o, net, "fortune-topic", java.util.Map.of(), log);
        Figures.of(o, log).curves("fortune-topic", "fortune topics, LSTM", h);
        int[][] confusion = Evaluations.confusion(net, test, K);
        return new Result(net, Trainer.evaluate(net, loss, test, 200).accuracy(), baseline, V, confusion, c.categories(), h);
    }

    private static Dataset encode(Corpus c, int[] idx, Map<String, Integer> vocab, int maxWords) {
        List<int[]> seqs = new ArrayList<>();
        int[] labels = new int[idx.length];
        for (int j = 0; j < idx.length; j++) {
            List<String> w = words(c.texts().get(idx[j]));
            if (w.isEmpty()) w = List.of("?");
            int[] s = new int[w.size()];
            for (int t = 0; t < s.length; t++) s[t] = vocab.getOrDefault(w.get(t), UNKNOWN);
            seqs.add(s);
            labels[j] = c.labels()[idx[j]];
        }
        return Sequences.classification(seqs, labels, maxWords, PAD);
    }

    static final Options.Spec OPTIONS = new Options.Spec("fortune-topic",
            "an LSTM reads a fortune word by word and names its Debian collection (many-to-one classification)")
            .integer("epochs", 20, 0, 100_000, "epochs")
            .integer("embed", 64, 1, 100_000, "word embedding size E")
            .integer("hidden", 64, 1, 100_000, "LSTM hidden units H")
            .number("lr", 3e-3f, 0f, true, 10f, "Adam's learning rate η")
            .number("dropout", 0.5f, 0f, false, 0.99f, "dropout before the classifier (0: none)")
            .models("epochs")
            .figures()
            .common();

    public static void main(String[] args) { Main.main(Main.withCommand("fortune-topic", args)); }

    static void run(Options o, java.io.PrintStream out) {
        Backend ops = o.backend(out);
        long t0 = System.nanoTime();
        Result r = train(ops, o.getInt("epochs"), o.getInt("embed"), o.getInt("hidden"), o.getFloat("lr"),
                o.getFloat("dropout"), o.getLong("seed"), out, o);
        out.printf("held-out accuracy %.1f%% vs the majority-class baseline %.1f%%; %.0f s in all%n",
                100 * r.heldOutAccuracy(), 100 * r.majorityBaseline(), (System.nanoTime() - t0) / 1e9);
        out.print(Evaluations.formatConfusion(r.confusion(), r.categories()));
    }
}
