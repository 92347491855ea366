package dev.nabla.samples;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.rnn.LstmLanguageModel;
import dev.nabla.nn.rnn.SequenceBatches;
import dev.nabla.optim.Adam;
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
 * <p>Every 10th fortune is held out. Training is teacher-forced truncated BPTT over B parallel streams of the text, T
 * characters per chunk, the LSTM state carried from chunk to chunk, gradient norm clipped per update, Adam. The loss is
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
            .integer("steps", 600, 1, 100_000_000, "training updates (chunks of batch × seq characters)")
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

    static void run(Options o, java.io.PrintStream out) {
        Backend ops = o.backend(out);
        String text = o.has("text") ? read(o.path("text")) : resource("/text/fortunes.txt");
        Config c = Config.from(o);
        float[] temps = {0.5f, 0.8f, 1.0f};
        if (o.has("temperature")) temps = new float[] {o.getFloat("temperature")};
        train(ops, text, c, temps, out, Progress.of(o, out));
    }

    /** Trains on {@code text} (split 9:1 by fortune), printing progress if {@code verbose}, and returns what it reached. */
    public static Result train(Backend ops, String text, Config c, float[] temperatures, boolean verbose) {
        return train(ops, text, c, temperatures, verbose ? System.out : null, null);
    }

    /**
     * As above, printing to {@code log} (or nothing, if null) and showing progress between the held-out measurements on
     * {@code progress} (or not, if null).
     */
    public static Result train(Backend ops, String text, Config c, float[] temperatures, java.io.PrintStream log, Progress progress) {
        boolean verbose = log != null;
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

        LstmLanguageModel lm = new LstmLanguageModel(vocab.length, c.embed(), c.hidden(), 1, 1f).bind(ops, c.seed()).carryState(true);
        // measured on a copy: evaluating the model itself would reset the state it carries along the training streams,
        // and every evaluation would restart them mid-text
        LstmLanguageModel probe = new LstmLanguageModel(vocab.length, c.embed(), c.hidden(), 1, 1f).bind(ops, c.seed());
        List<SequenceBatches.Batch> chunks = SequenceBatches.streams(trainTok, c.batch(), c.seqLen());
        List<SequenceBatches.Batch> evalChunks = SequenceBatches.streams(heldTok, Math.max(1, Math.min(16, heldTok.length / (c.seqLen() + 1))), c.seqLen());
        if (verbose) {
            log.printf("text: %,d characters (%,d fortunes), vocabulary %d; training %,d chars, held out %,d chars (every 10th fortune, %,d used)%n",
                    text.length(), fortunes.length, vocab.length, trainTok.length, held.length(), heldTok.length);
            log.printf("%s, %,d parameters; batch %d × %d steps (truncated BPTT), Adam η=%.0e, clip ‖g‖ at %.1f%n",
                    lm.name(), lm.parameterCount(), c.batch(), c.seqLen(), c.lr(), c.clip());
            log.printf("unigram baseline on the held-out text: %.3f nats/char (uniform: %.3f)%n", unigram, Math.log(vocab.length));
        }
        Adam adam = new Adam(c.lr());
        Tensor in = ops.zeros(c.seqLen(), c.batch()), lab = ops.zeros(c.seqLen() * c.batch());
        float first = evaluate(lm, probe, evalChunks), held0 = first;
        double lossSum = 0;
        int lossCount = 0, chunk = 0, epoch = 1;
        long t0 = System.nanoTime();
        for (int step = 1; step <= c.steps(); step++) {
            if (chunk == chunks.size()) { chunk = 0; epoch++; lm.resetState(); }
            SequenceBatches.Batch b = chunks.get(chunk++);
            ops.upload(b.inputs(), 0, in);
            ops.upload(b.labels(), 0, lab);
            lossSum += lm.trainStep(in, lab, adam, c.clip());                 // teacher forcing, BPTT, clipping, Adam
            lossCount++;
            if (progress != null) {
                double secs = (System.nanoTime() - t0) / 1e9, rate = (double) step * c.batch() * c.seqLen() / secs;
                progress.show("char-lstm", step, c.steps(), rate, "chars/s", lossSum / lossCount, secs * (c.steps() - step) / step);
            }
            if (step % c.evalEvery() == 0 || step == c.steps()) {
                if (progress != null) progress.done();
                held0 = evaluate(lm, probe, evalChunks);
                double secs = (System.nanoTime() - t0) / 1e9;
                if (verbose) {
                    log.printf("step %5d  epoch %d (%.0f%%)  train %.3f  held-out %.3f nats/char  (unigram %.3f)  ‖g‖ %.2f  %,.0f chars/s%n",
                            step, epoch, 100.0 * chunk / chunks.size(), lossSum / lossCount, held0, unigram,
                            lm.lastGradientNorm(), (double) step * c.batch() * c.seqLen() / secs);
                }
                lossSum = 0;
                lossCount = 0;
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        List<String> samples = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(c.seed());
        for (float tau : temperatures) {
            int[] out = lm.sample(encode("%\n", vocab), c.sampleLength(), tau, rng);
            StringBuilder s = new StringBuilder();
            for (int k : out) s.append(vocab[k]);
            samples.add(s.toString());
            if (verbose) log.printf("%n--- sample, temperature %.1f ---%n%s%n", tau, s);
        }
        return new Result(c.steps(), held0, unigram, first, samples, secs);
    }

    /**
     * Mean loss of {@code lm} over the held-out chunks, measured on {@code probe} (the same architecture): the weights are
     * copied into it, and its state is carried through the chunks — so {@code lm}'s own carried state, the place each
     * training stream has reached, is left as it was.
     */
    static float evaluate(LstmLanguageModel lm, LstmLanguageModel probe, List<SequenceBatches.Batch> chunks) {
        Backend ops = lm.backend();
        List<dev.nabla.nn.Param> from = lm.params(), to = probe.params();
        for (int i = 0; i < from.size(); i++) ops.copy(from.get(i).value(), to.get(i).value());
        return evaluate(probe.carryState(true), chunks);
    }

    /** Mean loss over the held-out chunks, the state carried through them (then forgotten). */
    static float evaluate(LstmLanguageModel lm, List<SequenceBatches.Batch> chunks) {
        Backend ops = lm.backend();
        lm.resetState();
        double sum = 0;
        for (SequenceBatches.Batch b : chunks) {
            try (Tensor in = ops.upload(b.inputs(), b.steps(), b.batch()); Tensor lab = ops.upload(b.labels(), b.steps() * b.batch())) {
                sum += lm.loss(in, lab);                                      // closed: device memory stays flat across evaluations
            }
        }
        lm.resetState();
        return (float) (sum / chunks.size());
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
