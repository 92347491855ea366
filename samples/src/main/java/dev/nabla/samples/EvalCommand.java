package dev.nabla.samples;

import dev.nabla.backend.Backend;
import dev.nabla.data.Sequences;
import dev.nabla.io.ModelFile;
import dev.nabla.loss.MultiClassHinge;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.rnn.VanillaRnn;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code nabla eval FILE}: builds the model a file records ({@link ModelFile#read}), finds the data of the sample that
 * saved it ({@code nabla.sample} in the file's metadata) and reports its held-out figures: accuracy and a confusion
 * matrix for the classifiers (xor, spirals, lenet, fortune-topic, window), word and caption accuracy with a word
 * confusion matrix for caption, nats per character and next-character accuracy for the language models.
 */
final class EvalCommand {
    private EvalCommand() {}

    static void main(String[] args) {
        if (args.length == 0 || args[0].startsWith("--")) {
            System.err.println("usage: nabla eval FILE [--backend NAME]   (a model saved by a sample with --save FILE)");
            System.exit(2);
        }
        Path f = Path.of(args[0]);
        Options o = new Options(Arrays.copyOfRange(args, 1, args.length));
        Backend ops = o.backend();
        Sequential model;
        Map<String, String> meta;
        try {
            meta = ModelFile.metadata(f);
            model = ModelFile.read(f, ops);
        } catch (IOException e) {
            System.err.println("nabla: " + e.getMessage());
            System.exit(2);
            return;
        }
        String sample = meta.getOrDefault(SavedModels.SAMPLE, "");
        System.out.printf("%s: %s, %,d parameters, saved by '%s' (Nabla %s)%n", f, model.name(), model.parameterCount(), sample,
                meta.getOrDefault(ModelFile.VERSION, "?"));
        SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
        switch (sample) {
            case "xor" -> classify(model, XorSample.data(), List.of("0", "1"), "the four XOR points");
            case "spirals" -> classify(model, SpiralsSample.spirals(100, Long.parseLong(meta.get("nabla.seed")) + 1000),
                    List.of("spiral 0", "spiral 1"), "200 held-out spiral points");
            case "lenet", "pretrain", "tiled" -> {
                String dir = meta.getOrDefault("nabla.data-dir", "");
                DigitData d = DigitData.load(meta.getOrDefault("nabla.data", "mnist"), dir.isEmpty() ? null : Path.of(dir));
                classify(model, d.test(), d.classes(), d.name() + " test images");
            }
            case "fortune-topic" -> {
                FortuneTopicSample.Data d = FortuneTopicSample.data();
                classify(model, d.test(), d.categories(), "held-out fortunes");
                System.out.printf("majority-class baseline: %.1f%%%n", 100 * d.baseline());
            }
            case "window" -> {
                WindowSample.Data d = WindowSample.data(Long.parseLong(meta.get("nabla.seed")), Integer.parseInt(meta.get("nabla.limit")));
                Trainer.Evaluation e = Trainer.evaluate(model, new MultiClassHinge(1f), d.held(), 500);
                System.out.printf("held-out ranking accuracy (s > s_c) %.1f%% on %,d pairs, J %.4f (chance 50%%, word frequency %.1f%%)%n",
                        100 * e.accuracy(), d.held().size(), e.loss(), 100 * d.frequencyBaseline());
                System.out.print(Evaluations.formatConfusion(Evaluations.confusion(model, d.held(), 2), List.of("true", "corrupted")));
            }
            case "caption" -> caption(model, Integer.parseInt(meta.get("nabla.test-strips")), Long.parseLong(meta.get("nabla.seed")));
            case "char-lstm", "teacher-forcing" -> {
                String text = meta.getOrDefault("nabla.text", "");
                CharLstmSample.Text t = CharLstmSample.prepare(text.isEmpty() ? CharLstmSample.resource("/text/fortunes.txt")
                        : CharLstmSample.read(Path.of(text)), Integer.parseInt(meta.getOrDefault("nabla.eval-chars", "20000")));
                int batch = Integer.parseInt(meta.getOrDefault("nabla.batch", "32")), seq = Integer.parseInt(meta.getOrDefault("nabla.seq", "64"));
                Dataset held = Sequences.streams(t.held(), batch, Math.min(seq, (t.held().length - 1) / batch));
                VanillaRnn v = model.layers().size() > 1 && model.layers().get(1) instanceof VanillaRnn r ? r : null;
                if (v != null && v.recurrence() == VanillaRnn.Recurrence.OUTPUT) {
                    VanillaRnn.Feedback saved = v.feedback();
                    v.feedback(VanillaRnn.Feedback.TEACHER_FORCED);
                    Trainer.Evaluation tf = Trainer.evaluate(model, ce, held, batch, true);
                    v.feedback(VanillaRnn.Feedback.FREE_RUNNING);
                    Trainer.Evaluation fr = Trainer.evaluate(model, ce, held, batch, true);
                    v.feedback(saved);
                    System.out.printf("held-out %,d characters: teacher-forced %.3f nats/char (next-char accuracy %.1f%%), free-running %.3f (%.1f%%)%n",
                            held.size() * seq, tf.loss(), 100 * tf.accuracy(), fr.loss(), 100 * fr.accuracy());
                } else {
                    Trainer.Evaluation e = Trainer.evaluate(model, ce, held, batch, true);
                    System.out.printf("held-out %,d characters: %.3f nats/char, next-character accuracy %.1f%%%n", held.size() * seq, e.loss(), 100 * e.accuracy());
                }
                System.out.printf("unigram baseline %.3f nats/char%n", t.unigram());
            }
            case "gradient-flow" -> System.out.println("an untrained many-to-one LSTM of gradient-flow: measure it with "
                    + "`nabla gradient-flow --load " + f + "`; it is not a classifier with a data set");
            default -> {
                System.err.println("nabla: " + f + " does not say which sample saved it (no " + SavedModels.SAMPLE + " in its metadata), so eval "
                        + "does not know its data; the model itself reads fine");
                System.exit(2);
            }
        }
    }

    static void classify(Sequential model, Dataset test, List<String> classes, String what) {
        Trainer.Evaluation e = Trainer.evaluate(model, new SoftmaxCrossEntropy(), test, 200);
        System.out.printf("accuracy %.2f%% on %s (%,d; loss %.4f)%n", 100 * e.accuracy(), what, test.size(), e.loss());
        System.out.print(Evaluations.formatConfusion(Evaluations.confusion(model, test, classes.size()), classes));
    }

    static void caption(Sequential model, int count, long seed) {
        CaptionSample.Strips test = CaptionSample.testStrips(count, seed);
        int[][] decoded = CaptionSample.decode(model, test.data());
        CaptionSample.Accuracy a = CaptionSample.accuracy(decoded, test.captions());
        System.out.printf("greedy captions of %,d test strips: word accuracy %.1f%%, caption accuracy %.1f%% (chance 10%% per word)%n",
                count, 100 * a.word(), 100 * a.sequence());
        int[][] m = new int[10][11];                                             // true word × word written at its place (10 = none)
        for (int s = 0; s < decoded.length; s++)
            for (int t = 0; t < test.captions()[s].length; t++) m[test.captions()[s][t]][t < decoded[s].length ? decoded[s][t] : 10]++;
        List<String> rows = new ArrayList<>(List.of(CaptionSample.WORDS));
        StringBuilder sb = new StringBuilder("word confusion (rows: true word, columns: the word written in its place; '—': none)\n");
        sb.append(String.format("%-6s", ""));
        for (String w : rows) sb.append(String.format("%6s", w.length() > 5 ? w.substring(0, 5) : w));
        sb.append(String.format("%6s%n", "—"));
        for (int i = 0; i < 10; i++) {
            sb.append(String.format("%-6s", rows.get(i).length() > 5 ? rows.get(i).substring(0, 5) : rows.get(i)));
            for (int j = 0; j < 11; j++) sb.append(String.format("%6d", m[i][j]));
            sb.append('\n');
        }
        System.out.print(sb);
    }
}
