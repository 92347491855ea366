package dev.nabla.samples;

import dev.nabla.backend.Backend;
import dev.nabla.data.Sequences;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.rnn.LstmLanguageModel;
import dev.nabla.nn.rnn.OneHot;
import dev.nabla.nn.rnn.VanillaRnn;
import dev.nabla.nn.rnn.VanillaRnn.Feedback;
import dev.nabla.nn.rnn.VanillaRnn.Recurrence;
import dev.nabla.optim.Adam;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Teacher forcing vs free running (seed 003), on the character task of {@code char-lstm}: the lecture's vanilla RNN with
 * <em>output recurrence</em>, h_t = tanh(U·x_t + W·ŷ_{t−1} + b), o_t = V·h_t + c, where the only thing a step passes
 * on is its output. Trained two ways:
 * <ul>
 *   <li><b>teacher forcing</b>: step t reads the true previous output y_{t−1} — for a next-character model the character
 *       it had to predict, which is the input x_t — so the steps decouple (no gradient through time) and the model
 *       sees only its current character;</li>
 *   <li><b>free running</b>: step t reads its own ŷ_{t−1} = softmax(o_{t−1}), and BPTT runs through the softmax: the
 *       soft prediction carries some of the past forward.</li>
 * </ul>
 * Each is then evaluated on held-out text both ways (teacher-forced: reading y_{t−1}; free running: reading ŷ_{t−1},
 * as in prediction), beside the <em>hidden</em>-recurrence RNN h_t = tanh(U·x_t + W·h_{t−1} + b) (the lecture's more
 * powerful variant) and the unigram baseline; then each generates text in a closed loop. Every model is a
 * {@link Sequential} [OneHot(K), VanillaRnn] trained by the {@link Trainer} (truncated BPTT, state carried, Adam, clipping).
 */
public final class TeacherForcingSample {
    private TeacherForcingSample() {}

    /** One trained model's figures (nats/char on the held-out text). */
    public record Row(String model, float teacherForcedLoss, float freeRunningLoss, String sample) {}

    public record Result(List<Row> rows, float unigram, double seconds) {}

    public static Result run(Backend ops, int steps, int hidden, int batch, int seqLen, float lr, long seed, int sampleLength, java.io.PrintStream log) {
        return run(ops, steps, hidden, batch, seqLen, lr, seed, sampleLength, log, null);
    }

    static final String[] SUFFIXES = {"teacher-forced", "free-running", "hidden"};

    static Result run(Backend ops, int steps, int hidden, int batch, int seqLen, float lr, long seed, int sampleLength, java.io.PrintStream log,
                      Options o) {
        String text = CharLstmSample.resource("/text/fortunes.txt");
        String[] fortunes = text.split("\n%\n");
        StringBuilder train = new StringBuilder(), held = new StringBuilder();
        for (int i = 0; i < fortunes.length; i++) (i % 10 == 9 ? held : train).append(fortunes[i]).append("\n%\n");
        java.util.TreeSet<Character> chars = new java.util.TreeSet<>();
        for (char ch : text.toCharArray()) chars.add(ch);
        char[] vocab = new char[chars.size()];
        int v = 0;
        for (char ch : chars) vocab[v++] = ch;
        int K = vocab.length;
        int[] trainTok = CharLstmSample.encode(train, vocab);
        int[] heldTok = CharLstmSample.encode(held.substring(0, Math.min(held.length(), 20_000)), vocab);
        float unigram = CharLstmSample.unigramLoss(trainTok, heldTok, K);
        Dataset data = Sequences.streams(trainTok, batch, seqLen), heldData = Sequences.streams(heldTok, batch, seqLen);
        SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
        if (log != null) {
            log.printf("fortunes: %,d training characters, %,d held out; K = %d; %d updates each, batch %d × %d steps, H = %d%n",
                    trainTok.length, heldTok.length, K, steps, batch, seqLen, hidden);
            log.printf("unigram baseline on the held-out text: %.3f nats/char%n", unigram);
        }
        long t0 = System.nanoTime();
        List<Row> rows = new ArrayList<>();
        List<List<double[]>> curves = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        String[] names = {"output recurrence, trained teacher-forced", "output recurrence, trained free-running", "hidden recurrence"};
        for (int m = 0; m < 3; m++) {
            VanillaRnn rnn = new VanillaRnn(K, hidden, K, m < 2 ? Recurrence.OUTPUT : Recurrence.HIDDEN, VanillaRnn.Output.MANY_TO_MANY);
            Sequential net = new Sequential(new OneHot(K), rnn).bind(ops, seed);
            if (m == 0) rnn.feedback(Feedback.TEACHER_FORCED);
            if (o != null && o.has("load")) {                                    // evaluate the one model of a file instead
                try {
                    net = dev.nabla.io.ModelFile.read(o.path("load"), ops);
                } catch (java.io.IOException e) {
                    throw Options.usage("--load " + o.path("load") + ": " + e.getMessage());
                }
                rnn = (VanillaRnn) net.layers().get(1);
                names[m] = "loaded " + o.path("load") + " (" + rnn.recurrence().name().toLowerCase(java.util.Locale.ROOT) + " recurrence)";
                m = rnn.recurrence() == Recurrence.HIDDEN ? 2 : rnn.feedback() == Feedback.TEACHER_FORCED ? 0 : 1;
                names[m] = "loaded " + o.path("load");
            }
            Trainer trainer = new Trainer().batchSize(batch).shuffle(false).carryState(true).clipNorm(5f)
                    .epochs(Integer.MAX_VALUE).maxSteps(Math.max(1, steps));
            int every = Math.max(1, steps / 60);
            List<double[]> curve = new ArrayList<>();                       // (step, mean training loss of the last `every` steps)
            double[] sum = {0};
            trainer.listener(new Trainer.Listener() {
                @Override public void onEpoch(Trainer.EpochStats s) {}

                @Override public void onStep(Trainer.Progress p) {
                    sum[0] += p.stepLoss();
                    if (p.globalStep() % every == 0) {
                        curve.add(new double[] {p.globalStep(), sum[0] / every});
                        sum[0] = 0;
                    }
                }
            });
            curves.add(curve);
            labels.add(m == 2 ? "hidden recurrence" : m == 0 ? "output rec., teacher-forced" : "output rec., free-running");
            if (steps > 0) trainer.fit(net, ce, new Adam(lr), data);
            float tf = Float.NaN, fr;
            if (m < 2) {
                rnn.feedback(Feedback.TEACHER_FORCED);
                tf = trainer.evaluate(net, ce, heldData).loss();                 // reading the true y_{t−1}
                rnn.feedback(Feedback.FREE_RUNNING);
            }
            fr = trainer.evaluate(net, ce, heldData).loss();                     // reading its own ŷ_{t−1} (or h_{t−1})
            if (m == 0) rnn.feedback(Feedback.TEACHER_FORCED);                   // generate as it was trained
            int[] out = LstmLanguageModel.sample(net, CharLstmSample.encode("%\n", vocab), sampleLength, 0.8f, new SplittableRandom(seed));
            StringBuilder s = new StringBuilder();
            for (int k : out) s.append(vocab[k]);
            rows.add(new Row(names[m], tf, fr, s.toString()));
            if (o != null && o.has("save")) {
                SavedModels.save(SavedModels.withSuffix(o.path("save"), SUFFIXES[m]), net, "teacher-forcing",
                        java.util.Map.of("batch", Integer.toString(batch), "seq", Integer.toString(seqLen)), log);
            }
            if (log != null) {
                log.printf("%-42s  held-out: teacher-forced %s  free-running %.3f nats/char%n", names[m],
                        Float.isNaN(tf) ? "   —  " : String.format("%.3f", tf), fr);
            }
            if (o != null && o.has("load")) break;
        }
        Figures f = Figures.of(o, log);
        if (f.on() && steps > 0) {
            List<dev.nabla.samples.plot.Plot.Series> series = new ArrayList<>();
            for (int m = 0; m < curves.size(); m++) {
                double[] x = curves.get(m).stream().mapToDouble(p -> p[0]).toArray(), y = curves.get(m).stream().mapToDouble(p -> p[1]).toArray();
                series.add(new dev.nabla.samples.plot.Plot.Series(labels.get(m), x, y));
            }
            f.lines("teacher-forcing-loss", "training loss per update, as each model is trained (nats/char)", "update", "nats/char", series, false);
        }
        return new Result(rows, unigram, (System.nanoTime() - t0) / 1e9);
    }

    static final Options.Spec OPTIONS = new Options.Spec("teacher-forcing",
            "seed 003: an output-recurrence RNN trained teacher-forced vs free-running, beside a hidden-recurrence RNN")
            .integer("steps", 1500, 0, 100_000_000, "training updates per model")
            .integer("hidden", 128, 1, 100_000, "hidden units H")
            .integer("batch", 32, 1, 100_000, "parallel streams of the text")
            .integer("seq", 32, 1, 100_000, "characters per chunk (truncated BPTT length)")
            .number("lr", 3e-3f, 0f, true, 10f, "Adam's learning rate η")
            .integer("sample-length", 240, 0, 1_000_000, "characters generated in a closed loop per model")
            .models("steps")
            .figures()
            .common();

    public static void main(String[] args) { Main.main(Main.withCommand("teacher-forcing", args)); }

    static void run(Options o, java.io.PrintStream out) {
        Backend ops = o.backend(out);
        Result r = run(ops, o.getInt("steps"), o.getInt("hidden"), o.getInt("batch"), o.getInt("seq"),
                o.getFloat("lr"), o.getLong("seed"), o.getInt("sample-length"), out, o);
        for (Row row : r.rows()) out.printf("%n--- %s, generated in a closed loop at temperature 0.8 ---%n%s%n", row.model(), row.sample());
        out.printf("%nunigram baseline %.3f nats/char; %.0f s in all%n", r.unigram(), r.seconds());
    }
}
