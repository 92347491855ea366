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
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
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

    static final Options.Spec OPTIONS = new Options.Spec("eval",
            "held-out figures of a model a sample saved (nabla eval FILE, or --model FILE): accuracy, confusion, nats/char")
            .path("model", null, false, "the model file (safetensors) a sample saved with --save")
            .check(o -> {
                if (!o.has("model")) throw Options.usage("which model? nabla eval FILE (a model saved by a sample with --save FILE)");
            })
            .common();

    static void run(Options o, PrintStream out) {
        Path f = o.path("model");
        Backend ops = o.backend(out);
        Sequential model;
        Map<String, String> meta;
        try {
            meta = ModelFile.metadata(f);
            model = ModelFile.read(f, ops);
        } catch (IOException e) {
            throw Options.usage(f + ": " + e.getMessage());
        }
        String sample = meta.getOrDefault(SavedModels.SAMPLE, "");
        out.printf("%s: %s, %,d parameters, saved by '%s' (Nabla %s)%n", f, model.name(), model.parameterCount(), sample,
                meta.getOrDefault(ModelFile.VERSION, "?"));
        SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
        switch (sample) {
            case "xor" -> classify(model, XorSample.data(), List.of("0", "1"), "the four XOR points", out);
            case "spirals" -> classify(model, SpiralsSample.spirals(100, Long.parseLong(need(meta, "seed", f)) + 1000),
                    List.of("spiral 0", "spiral 1"), "200 held-out spiral points", out);
            case "lenet", "pretrain", "tiled" -> {
                String dir = meta.getOrDefault("nabla.data-dir", "");
                DigitData d = DigitData.load(meta.getOrDefault("nabla.data", "mnist"), dir.isEmpty() ? null : Path.of(dir));
                classify(model, d.test(), d.classes(), d.name() + " test images", out);
            }
            case "fortune-topic" -> {
                FortuneTopicSample.Data d = FortuneTopicSample.data();
                classify(model, d.test(), d.categories(), "held-out fortunes", out);
                out.printf("majority-class baseline: %.1f%%%n", 100 * d.baseline());
            }
            case "window" -> {
                WindowSample.Data d = WindowSample.data(Long.parseLong(need(meta, "seed", f)), Integer.parseInt(need(meta, "limit", f)));
                Trainer.Evaluation e = Trainer.evaluate(model, new MultiClassHinge(1f), d.held(), 500);
                out.printf("held-out ranking accuracy (s > s_c) %.1f%% on %,d pairs, J %.4f (chance 50%%, word frequency %.1f%%)%n",
                        100 * e.accuracy(), d.held().size(), e.loss(), 100 * d.frequencyBaseline());
                out.print(Evaluations.formatConfusion(Evaluations.confusion(model, d.held(), 2), List.of("true", "corrupted")));
            }
            case "caption" -> caption(model, Integer.parseInt(need(meta, "test-strips", f)), Long.parseLong(need(meta, "seed", f)), out);
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
                    out.printf("held-out %,d characters: teacher-forced %.3f nats/char (next-char accuracy %.1f%%), free-running %.3f (%.1f%%)%n",
                            held.size() * seq, tf.loss(), 100 * tf.accuracy(), fr.loss(), 100 * fr.accuracy());
                } else {
                    Trainer.Evaluation e = Trainer.evaluate(model, ce, held, batch, true);
                    out.printf("held-out %,d characters: %.3f nats/char, next-character accuracy %.1f%%%n", held.size() * seq, e.loss(), 100 * e.accuracy());
                }
                out.printf("unigram baseline %.3f nats/char%n", t.unigram());
            }
            case "gradient-flow" -> out.println("an untrained many-to-one LSTM of gradient-flow: measure it with "
                    + "`nabla gradient-flow --load " + f + "`; it is not a classifier with a data set");
            default -> throw Options.usage(f + " does not say which sample saved it (no " + SavedModels.SAMPLE
                    + " in its metadata), so eval does not know its data; the model itself reads fine");
        }
    }

    /** The setting {@code nabla.key} the saving sample recorded; a file without it is a usage error naming the file. */
    private static String need(Map<String, String> meta, String key, Path f) {
        String v = meta.get("nabla." + key);
        if (v == null) throw Options.usage(f + " has no nabla." + key + " in its metadata: it was not saved by this sample's --save");
        return v;
    }

    static void classify(Sequential model, Dataset test, List<String> classes, String what, PrintStream out) {
        Trainer.Evaluation e = Trainer.evaluate(model, new SoftmaxCrossEntropy(), test, 200);
        out.printf("accuracy %.2f%% on %s (%,d; loss %.4f)%n", 100 * e.accuracy(), what, test.size(), e.loss());
        out.print(Evaluations.formatConfusion(Evaluations.confusion(model, test, classes.size()), classes));
    }

    static void caption(Sequential model, int count, long seed, PrintStream out) {
        CaptionSample.Strips test = CaptionSample.testStrips(count, seed);
        int[][] decoded = CaptionSample.decode(model, test.data());
        CaptionSample.Accuracy a = CaptionSample.accuracy(decoded, test.captions());
        out.printf("greedy captions of %,d test strips: word accuracy %.1f%%, caption accuracy %.1f%% (chance 10%% per word)%n",
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
        out.print(sb);
    }
}
