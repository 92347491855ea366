package dev.nabla.samples;

import dev.nabla.backend.Backend;
import dev.nabla.data.Sequences;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.rnn.LstmLanguageModel;
import dev.nabla.optim.Adam;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
            return new Config(o.getInt("steps", 600), o.getInt("hidden", 64), o.getInt("embed", 32), o.getInt("batch", 32),
                    o.getInt("seq", 64), o.getFloat("lr", 3e-3f), o.getFloat("clip", 5f), o.getInt("eval-every", 100),
                    o.getInt("eval-chars", 20_000), o.getInt("sample-length", 400), o.getInt("seed", 1));
        }
    }

    /** What a run reached: held-out loss (nats/char) after {@code steps} updates, the unigram baseline, samples. */
    public record Result(int steps, float heldOutLoss, float unigramLoss, float firstHeldOutLoss, List<String> samples, double seconds) {}

    public static void main(String[] args) {
        Options o = new Options(args);
        Backend ops = o.backend();
        String text = o.has("text") ? read(Path.of(o.get("text", ""))) : resource("/text/fortunes.txt");
        Config c = Config.from(o);
        float[] temps = {0.5f, 0.8f, 1.0f};
        if (o.has("temperature")) temps = new float[] {o.getFloat("temperature", 0.8f)};
        train(ops, text, c, temps, true, o);
    }

    /** Trains on {@code text} (split 9:1 by fortune), printing progress if {@code verbose}, and returns what it reached. */
    public static Result train(Backend ops, String text, Config c, float[] temperatures, boolean verbose) {
        return train(ops, text, c, temperatures, verbose, null);
    }

    /** As above, with {@code --load}/{@code --save} ({@code o} may be null); {@code --steps 0} only evaluates a loaded model. */
    static Result train(Backend ops, String text, Config c, float[] temperatures, boolean verbose, Options o) {
        String[] fortunes = text.split("\n%\n");
        StringBuilder train = new StringBuilder(), held = new StringBuilder();
        for (int i = 0; i < fortunes.length; i++) (i % 10 == 9 ? held : train).append(fortunes[i]).append("\n%\n");
        TreeSet<Character> chars = new TreeSet<>();
        for (char ch : text.toCharArray()) chars.add(ch);
        char[] vocab = new char[chars.size()];
        int v = 0;
        for (char ch : chars) vocab[v++] = ch;
        int[] trainTok = encode(train, vocab);
        int[] heldTok = encode(held.substring(0, Math.min(held.length(), c.evalChars())), vocab);
        float unigram = unigramLoss(trainTok, heldTok, vocab.length);

        Sequential lm = LstmLanguageModel.create(vocab.length, c.embed(), c.hidden(), 1, 1f).bind(ops, c.seed());
        if (o != null) SavedModels.load(o, lm);
        Dataset chunks = Sequences.streams(trainTok, c.batch(), c.seqLen());
        Dataset evalChunks = Sequences.streams(heldTok, c.batch(), Math.min(c.seqLen(), (heldTok.length - 1) / c.batch()));
        SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
        // teacher forcing over B streams, truncated BPTT with the state carried from chunk to chunk, clipping, Adam
        Trainer trainer = new Trainer().batchSize(c.batch()).shuffle(false).carryState(true).clipNorm(c.clip())
                .epochs(Integer.MAX_VALUE).maxSteps(Math.max(1, c.steps()));
        if (verbose) {
            System.out.printf("text: %,d characters (%,d fortunes), vocabulary %d; training %,d chars, held out %,d chars (every 10th fortune, %,d used)%n",
                    text.length(), fortunes.length, vocab.length, trainTok.length, held.length(), heldTok.length);
            System.out.printf("%s%n%,d parameters; batch %d × %d steps (truncated BPTT), Adam η=%.0e, clip ‖g‖ at %.1f%n",
                    lm.name(), lm.parameterCount(), c.batch(), c.seqLen(), c.lr(), c.clip());
            System.out.printf("unigram baseline on the held-out text: %.3f nats/char (uniform: %.3f)%n", unigram, Math.log(vocab.length));
        }
        float first = trainer.evaluate(lm, ce, evalChunks).loss();
        float[] held0 = {first};
        long t0 = System.nanoTime();
        int perEpoch = chunks.size() / c.batch();
        trainer.listener(new Trainer.Listener() {
            double lossSum;
            int lossCount;

            @Override public void onEpoch(Trainer.EpochStats s) {}

            @Override public void onStep(Trainer.StepStats s) {
                lossSum += s.loss();
                lossCount++;
                if (s.step() % c.evalEvery() != 0 && s.step() != c.steps()) return;
                held0[0] = trainer.evaluate(lm, ce, evalChunks).loss();          // (the training state starts again from 0)
                double secs = (System.nanoTime() - t0) / 1e9;
                if (verbose) {
                    long inEpoch = (s.step() - 1) % perEpoch + 1;
                    System.out.printf("step %5d  epoch %d (%.0f%%)  train %.3f  held-out %.3f nats/char  (unigram %.3f)  ‖g‖ %.2f  %,.0f chars/s%n",
                            s.step(), s.epoch(), 100.0 * inEpoch / perEpoch, lossSum / lossCount, held0[0], unigram,
                            s.gradientNorm(), (double) s.step() * c.batch() * c.seqLen() / secs);
                }
                lossSum = 0;
                lossCount = 0;
            }
        });
        if (c.steps() > 0) trainer.fit(lm, ce, new Adam(c.lr()), chunks);
        else held0[0] = first;
        if (verbose && c.steps() == 0) System.out.printf("held-out %.3f nats/char (unigram %.3f)%n", first, unigram);
        if (o != null) SavedModels.save(o, lm, "char-lstm", java.util.Map.of("text", o.get("text", ""), "batch", Integer.toString(c.batch()),
                "seq", Integer.toString(c.seqLen()), "eval-chars", Integer.toString(c.evalChars())));
        double secs = (System.nanoTime() - t0) / 1e9;
        List<String> samples = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(c.seed());
        for (float tau : temperatures) {
            int[] out = LstmLanguageModel.sample(lm, encode("%\n", vocab), c.sampleLength(), tau, rng);
            StringBuilder s = new StringBuilder();
            for (int k : out) s.append(vocab[k]);
            samples.add(s.toString());
            if (verbose) System.out.printf("%n--- sample, temperature %.1f ---%n%s%n", tau, s);
        }
        return new Result(c.steps(), held0[0], unigram, first, samples, secs);
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
