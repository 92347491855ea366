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
        train(ops, text, c, temps, true);
    }

    /** Trains on {@code text} (split 9:1 by fortune), printing progress if {@code verbose}, and returns what it reached. */
    public static Result train(Backend ops, String text, Config c, float[] temperatures, boolean verbose) {
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
        List<SequenceBatches.Batch> chunks = SequenceBatches.streams(trainTok, c.batch(), c.seqLen());
        List<SequenceBatches.Batch> evalChunks = SequenceBatches.streams(heldTok, Math.max(1, Math.min(16, heldTok.length / (c.seqLen() + 1))), c.seqLen());
        if (verbose) {
            System.out.printf("text: %,d characters (%,d fortunes), vocabulary %d; training %,d chars, held out %,d chars (every 10th fortune, %,d used)%n",
                    text.length(), fortunes.length, vocab.length, trainTok.length, held.length(), heldTok.length);
            System.out.printf("%s, %,d parameters; batch %d × %d steps (truncated BPTT), Adam η=%.0e, clip ‖g‖ at %.1f%n",
                    lm.name(), lm.parameterCount(), c.batch(), c.seqLen(), c.lr(), c.clip());
            System.out.printf("unigram baseline on the held-out text: %.3f nats/char (uniform: %.3f)%n", unigram, Math.log(vocab.length));
        }
        Adam adam = new Adam(c.lr());
        Tensor in = ops.zeros(c.seqLen(), c.batch()), lab = ops.zeros(c.seqLen() * c.batch());
        float first = evaluate(lm, evalChunks), held0 = first;
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
            if (step % c.evalEvery() == 0 || step == c.steps()) {
                held0 = evaluate(lm, evalChunks);
                double secs = (System.nanoTime() - t0) / 1e9;
                if (verbose) {
                    System.out.printf("step %5d  epoch %d (%.0f%%)  train %.3f  held-out %.3f nats/char  (unigram %.3f)  ‖g‖ %.2f  %,.0f chars/s%n",
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
            if (verbose) System.out.printf("%n--- sample, temperature %.1f ---%n%s%n", tau, s);
        }
        return new Result(c.steps(), held0, unigram, first, samples, secs);
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
