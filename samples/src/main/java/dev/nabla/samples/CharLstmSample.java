package dev.nabla.samples;

import dev.nabla.backend.Backend;
import dev.nabla.data.Sequences;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.rnn.LstmLanguageModel;
import dev.nabla.optim.Adam;
import dev.nabla.samples.plot.Plot;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.io.PrintStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * A character-level LSTM language model (seed 001's char-RNN) on real text: the fortune cookies of Debian's
 * {@code fortunes} package (BSD licence; see samples/src/main/resources/text/README.md), bundled as a resource.
 *
 * <p>Every 10th fortune is held out. The model is a {@link Sequential} (Embedding → LSTM → dense head at every step)
 * trained by the {@link Trainer}: teacher-forced truncated BPTT over B parallel streams of the text, T characters per
 * chunk, the LSTM state carried from chunk to chunk, gradient norm clipped per update, Adam. The loss is
 * reported in nats per character next to the unigram baseline (a model that knows only the character frequencies of
 * the training text), then text is sampled free-running at a few temperatures.
 */
public final class CharLstmSample {

    /** The settings of one run. */
    public record Config(int steps, int hidden, int embed, int batch, int seqLen, float lr, float clip,
                         int evalEvery, int evalChars, int sampleLength, long seed) {
        static Config from(Options o) {
            return new Config(o.getInt("steps"), o.getInt("hidden"), o.getInt("embed"), o.getInt("batch"),
                    o.getInt("seq"), o.getFloat("lr"), o.getFloat("clip"), o.getInt("eval-every"),
                    o.getInt("eval-chars"), o.getInt("sample-length"), o.getLong("seed"));
        }
    }

    static final Options.Spec OPTIONS = new Options.Spec("char-lstm",
            "a character-level LSTM language model on Debian's fortunes (truncated BPTT, clipping), then sampled text")
            .integer("steps", 600, 0, 100_000_000, "training updates (chunks of batch × seq characters)")
            .integer("hidden", 64, 1, 100_000, "LSTM hidden units H")
            .integer("embed", 32, 1, 100_000, "character embedding size E")
            .integer("batch", 32, 1, 100_000, "parallel streams of the text")
            .integer("seq", 64, 1, 100_000, "characters per chunk (truncated BPTT length)")
            .number("lr", 3e-3f, 0f, true, 10f, "Adam's learning rate η")
            .number("clip", 5f, 0f, false, Float.MAX_VALUE, "clip the gradient norm at this (0: no clipping)")
            .integer("eval-every", 100, 1, 100_000_000, "measure the held-out loss every N steps")
            .integer("eval-chars", 20_000, 2, Integer.MAX_VALUE, "held-out characters to measure the loss on")
            .integer("sample-length", 400, 0, 1_000_000, "characters to sample at each temperature")
            .number("temperature", "0.5, 0.8 and 1.0", 0f, true, 100f, "sample at this temperature only")
            .path("text", "the bundled fortunes", false, "train on this UTF-8 text file instead")
            .models("steps")
            .figures()
            .check(o -> {
                if (o.getInt("eval-chars") <= o.getInt("seq")) {
                    throw Options.usage("--eval-chars (" + o.getInt("eval-chars") + ") must exceed --seq (" + o.getInt("seq")
                            + "): the held-out loss needs at least one chunk");
                }
            })
            .common();

    /** What a run reached: held-out loss (nats/char) after {@code steps} updates, the unigram baseline, samples. */
    public record Result(int steps, float heldOutLoss, float unigramLoss, float firstHeldOutLoss, List<String> samples, double seconds) {}

    public static void main(String[] args) { Main.main(Main.withCommand("char-lstm", args)); }

    static void run(Options o, PrintStream out) {
        Backend ops = o.backend(out);
        String text = o.has("text") ? read(o.path("text")) : resource("/text/fortunes.txt");
        Config c = Config.from(o);
        float[] temps = {0.5f, 0.8f, 1.0f};
        if (o.has("temperature")) temps = new float[] {o.getFloat("temperature")};
        train(ops, text, c, temps, out, Progress.of(o, out), o);
    }

    /** Trains on {@code text} (split 9:1 by fortune), printing progress if {@code verbose}, and returns what it reached. */
    public static Result train(Backend ops, String text, Config c, float[] temperatures, boolean verbose) {
        return train(ops, text, c, temperatures, verbose ? System.out : null, null);
    }

    /**
     * As above, printing to {@code log} (or nothing, if null) and showing progress between the held-out measurements on
     * {@code progress} (or not, if null).
     */
    public static Result train(Backend ops, String text, Config c, float[] temperatures, PrintStream log, Progress progress) {
        return train(ops, text, c, temperatures, log, progress, null);
    }

    /** As above, with {@code --load}/{@code --save} ({@code o} may be null); {@code --steps 0} only evaluates a loaded model. */
    static Result train(Backend ops, String text, Config c, float[] temperatures, PrintStream log, Progress progress, Options o) {
        boolean verbose = log != null;
        Text t = prepare(text, c.evalChars());
        int[] heldTok = t.held();
        Sequential lm = LstmLanguageModel.create(t.vocab().length, c.embed(), c.hidden(), 1, 1f).bind(ops, c.seed());
        if (o != null) SavedModels.load(o, lm, log);                         // o comes with a log: run() passes both
        // measured on a copy: evaluating the model itself would reset the state it carries along the training streams,
        // and every evaluation would restart them mid-text
        Sequential probe = LstmLanguageModel.create(t.vocab().length, c.embed(), c.hidden(), 1, 1f).bind(ops, c.seed());
        Dataset chunks = Sequences.streams(t.train(), c.batch(), c.seqLen());
        int evalStreams = Math.max(1, Math.min(16, heldTok.length / (c.seqLen() + 1)));
        Dataset evalChunks = Sequences.streams(heldTok, evalStreams, c.seqLen());
        SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
        if (verbose) {
            log.printf("text: %,d characters, vocabulary %d; training %,d chars, held out %,d chars (every 10th fortune)%n",
                    text.length(), t.vocab().length, t.train().length, heldTok.length);
            log.printf("%s%n%,d parameters; batch %d × %d steps (truncated BPTT), Adam η=%.0e, clip ‖g‖ at %.1f%n",
                    lm.name(), lm.parameterCount(), c.batch(), c.seqLen(), c.lr(), c.clip());
            log.printf("unigram baseline on the held-out text: %.3f nats/char (uniform: %.3f)%n", t.unigram(), Math.log(t.vocab().length));
        }
        float first = evaluate(lm, probe, ce, evalChunks, evalStreams);
        float[] held0 = {first};
        List<double[]> curve = new ArrayList<>();                           // (step, training loss, held-out loss) per measurement
        curve.add(new double[] {0, Double.NaN, first});
        long t0 = System.nanoTime();
        long perEpoch = chunks.size() / c.batch();
        // teacher forcing over B streams, truncated BPTT with the state carried from chunk to chunk, clipping, Adam
        Trainer trainer = new Trainer().batchSize(c.batch()).shuffle(false).carryState(true).clipNorm(c.clip())
                .epochs(Integer.MAX_VALUE).maxSteps(Math.max(1, c.steps()));
        trainer.listener(new Trainer.Listener() {
            double lossSum;
            int lossCount;

            @Override public void onEpoch(Trainer.EpochStats s) {}

            @Override public void onStep(Trainer.Progress p) {
                lossSum += p.stepLoss();
                lossCount++;
                long step = p.globalStep();
                double secs = (System.nanoTime() - t0) / 1e9, rate = (double) step * c.batch() * c.seqLen() / secs;
                if (progress != null) progress.show("char-lstm", step, c.steps(), rate, "chars/s", lossSum / lossCount, secs * (c.steps() - step) / step);
                if (step % c.evalEvery() != 0 && step != c.steps()) return;
                if (progress != null) progress.done();
                held0[0] = evaluate(lm, probe, ce, evalChunks, evalStreams);
                curve.add(new double[] {step, lossSum / lossCount, held0[0]});
                if (verbose) {
                    log.printf("step %5d  epoch %d (%.0f%%)  train %.3f  held-out %.3f nats/char  (unigram %.3f)  ‖g‖ %.2f  %,.0f chars/s%n",
                            step, p.epoch(), 100.0 * p.step() / perEpoch, lossSum / lossCount, held0[0], t.unigram(),
                            p.gradientNorm(), rate);
                }
                lossSum = 0;
                lossCount = 0;
            }
        });
        if (c.steps() > 0) trainer.fit(lm, ce, new Adam(c.lr()), chunks);
        else if (verbose) log.printf("held-out %.3f nats/char (unigram %.3f)%n", first, t.unigram());
        if (o != null) SavedModels.save(o, lm, "char-lstm", Map.of("text", o.has("text") ? o.path("text").toString() : "",
                "eval-chars", Integer.toString(c.evalChars())), log);
        double secs = (System.nanoTime() - t0) / 1e9;
        Figures f = Figures.of(o, log);
        if (f.on() && curve.size() > 1) {
            double[] x = new double[curve.size()], tr = new double[x.length], ho = new double[x.length], uni = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = curve.get(i)[0];
                tr[i] = curve.get(i)[1];
                ho[i] = curve.get(i)[2];
                uni[i] = t.unigram();
            }
            f.lines("char-lstm-loss", "character LSTM on the fortunes: nats per character", "update", "nats/char",
                    List.of(new Plot.Series("training", x, tr), new Plot.Series("held out", x, ho), new Plot.Series("unigram baseline", x, uni)), false);
        }
        List<String> samples = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(c.seed());
        for (float tau : temperatures) {
            int[] out = LstmLanguageModel.sample(lm, encode("%\n", t.vocab()), c.sampleLength(), tau, rng);
            StringBuilder s = new StringBuilder();
            for (int k : out) s.append(t.vocab()[k]);
            samples.add(s.toString());
            if (verbose) log.printf("%n--- sample, temperature %.1f ---%n%s%n", tau, s);
        }
        return new Result(c.steps(), held0[0], t.unigram(), first, samples, secs);
    }

    /**
     * Mean loss of {@code lm} over the held-out chunks (B streams, the state carried through them), measured on
     * {@code probe} (the same architecture): the weights are copied into it, so {@code lm}'s own carried state, the place
     * each training stream has reached, is left as it was.
     */
    static float evaluate(Sequential lm, Sequential probe, SoftmaxCrossEntropy ce, Dataset chunks, int streams) {
        Backend ops = lm.backend();
        List<Param> from = lm.params(), to = probe.params();
        for (int i = 0; i < from.size(); i++) ops.copy(from.get(i).value(), to.get(i).value());
        return Trainer.evaluate(probe, ce, chunks, streams, true).loss();
    }

    /** A text split 9:1 by fortune: the vocabulary (every character of the whole text), training and held-out tokens. */
    record Text(char[] vocab, int[] train, int[] held, float unigram) {}

    /** The held-out part is cut to its first {@code evalChars} characters; the unigram baseline is measured on it. */
    static Text prepare(String text, int evalChars) {
        String[] fortunes = text.split("\n%\n");
        StringBuilder train = new StringBuilder(), held = new StringBuilder();
        for (int i = 0; i < fortunes.length; i++) (i % 10 == 9 ? held : train).append(fortunes[i]).append("\n%\n");
        TreeSet<Character> chars = new TreeSet<>();
        for (char ch : text.toCharArray()) chars.add(ch);
        char[] vocab = new char[chars.size()];
        int v = 0;
        for (char ch : chars) vocab[v++] = ch;
        int[] trainTok = encode(train, vocab), heldTok = encode(held.substring(0, Math.min(held.length(), evalChars)), vocab);
        return new Text(vocab, trainTok, heldTok, unigramLoss(trainTok, heldTok, vocab.length));
    }

    /** −(1/N) Σ ln p(c) on the held-out characters, p = add-one-smoothed character frequencies of the training text. */
    static float unigramLoss(int[] train, int[] held, int v) {
        double[] count = new double[v];
        for (int t : train) count[t]++;
        double total = train.length + v, loss = 0;
        for (int t : held) loss -= Math.log((count[t] + 1) / total);
        return (float) (loss / held.length);
    }

    static int[] encode(CharSequence s, char[] vocab) {
        int[] out = new int[s.length()];
        for (int i = 0; i < out.length; i++) {
            int k = java.util.Arrays.binarySearch(vocab, s.charAt(i));
            if (k < 0) throw new IllegalArgumentException("character '" + s.charAt(i) + "' is not in the vocabulary");
            out[i] = k;
        }
        return out;
    }

    static String resource(String path) {
        try (InputStream in = CharLstmSample.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("resource " + path + " is missing from the samples jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read --text " + p + ": " + e.getMessage(), e);
        }
    }
}
