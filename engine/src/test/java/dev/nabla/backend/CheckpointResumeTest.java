package dev.nabla.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.data.Sequences;
import dev.nabla.io.ModelFile;
import dev.nabla.loss.Loss;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.rnn.Embedding;
import dev.nabla.nn.rnn.LastStep;
import dev.nabla.nn.rnn.Lstm;
import dev.nabla.nn.rnn.LstmLanguageModel;
import dev.nabla.optim.Adam;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.Sgd;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoint and resume on a backend (issue 12): a run stopped at any epoch, or in the middle of one, and resumed from
 * its checkpoint ends with the weights of the run that never stopped — bit for bit where {@link #weightTolerance()} is
 * 0 (the reference and CPU backends), within the training-parity tolerance otherwise (OpenCL). Also: a model saved on
 * this backend loads on the reference and back, with the same values bit for bit. Each backend module subclasses this.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class CheckpointResumeTest {
    protected Backend be;
    @TempDir Path dir;

    protected abstract Backend backend();

    /** Tolerance on resumed weights relative to each tensor's max |w|; 0 demands bit-identical weights. */
    protected float weightTolerance() { return 0f; }

    @BeforeAll
    void open() { be = backend(); }

    @AfterAll
    void shut() { if (be != null) be.close(); }

    /** A training set-up: model, loss, optimizer, data, and the trainer settings (epochs set by the test). */
    record Setup(Supplier<Sequential> model, Loss loss, Supplier<Optimizer> optimizer, Dataset data, Supplier<Trainer> trainer) {}

    private static Dataset blobs() {
        SplittableRandom rng = new SplittableRandom(3);
        int n = 90;
        float[] x = new float[n * 4];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
            for (int j = 0; j < 4; j++) x[i * 4 + j] = (float) (rng.nextGaussian() * 0.7 + (j == y[i] ? 1.5 : 0));
        }
        return Dataset.classification(x, new int[] {4}, y);
    }

    /** MLP with dropout, Adam (two slots and t per parameter), shuffled batches of 16 with a ragged last one, a validation split. */
    private Setup mlp() {
        return new Setup(() -> new Sequential(new Dense(4, 16), ActivationLayer.relu(), new Dropout(0.25f), new Dense(16, 3)).bind(be, 7),
                new SoftmaxCrossEntropy(), () -> new Adam(0.01f), blobs(),
                () -> new Trainer().batchSize(16).seed(11).validationSplit(0.2f));
    }

    /** LSTM language model over streams, state carried, SGD with momentum, clipping. */
    private Setup languageModel() {
        int[] text = new int[4 * 61];
        int[] period = {0, 1, 2, 3, 4, 2, 1};
        for (int i = 0; i < text.length; i++) text[i] = period[i % period.length];
        return new Setup(() -> LstmLanguageModel.create(5, 4, 8, 1, 1f).bind(be, 3), new SoftmaxCrossEntropy(),
                () -> Sgd.momentum(0.3f, 0.9f), Sequences.streams(text, 4, 6),
                () -> new Trainer().batchSize(4).shuffle(false).carryState(true).clipNorm(1f));
    }

    /** Many-to-one LSTM over pre-padded token sequences, truncated BPTT, Adam. */
    private Setup sequenceClassifier() {
        SplittableRandom rng = new SplittableRandom(5);
        List<int[]> seqs = new ArrayList<>();
        int[] labels = new int[40];
        for (int i = 0; i < labels.length; i++) {
            int[] s = new int[3 + rng.nextInt(5)];
            for (int t = 0; t < s.length; t++) s[t] = rng.nextInt(4);
            seqs.add(s);
            labels[i] = s[0] % 2;
        }
        return new Setup(() -> new Sequential(new Embedding(5, 3), new Lstm(3, 6), new LastStep(), new Dense(6, 2)).bind(be, 9),
                new SoftmaxCrossEntropy(), () -> new Adam(0.02f), Sequences.classification(seqs, labels, 10, 4),
                () -> new Trainer().batchSize(8).seed(13).truncatedBptt(4));
    }

    private float[] uninterrupted(Setup s, int epochs) {
        Sequential m = s.model().get();
        s.trainer().get().epochs(epochs).fit(m, s.loss(), s.optimizer().get(), s.data());
        return values(m);
    }

    /** Stops after {@code stopAt} epochs (checkpoint every epoch), then resumes in a fresh model and optimizer. */
    private float[] stoppedAndResumed(Setup s, int stopAt, int epochs) {
        Path ck = dir.resolve("run.ckpt");
        Sequential first = s.model().get();
        s.trainer().get().epochs(stopAt).checkpoint(ck, 1).fit(first, s.loss(), s.optimizer().get(), s.data());
        Sequential second = s.model().get();
        for (Param p : second.params()) be.fill(p.value(), 0.5f);                   // the checkpoint, not the init, decides
        s.trainer().get().epochs(epochs).resumeFrom(ck).fit(second, s.loss(), s.optimizer().get(), s.data());
        return values(second);
    }

    private float[] values(Sequential m) {
        List<Float> v = new ArrayList<>();
        for (Param p : m.params()) for (float f : be.download(p.value())) v.add(f);
        float[] a = new float[v.size()];
        for (int i = 0; i < a.length; i++) a[i] = v.get(i);
        return a;
    }

    private void assertSame(String what, float[] resumed, float[] straight) {
        assertThat(resumed).hasSameSizeAs(straight);
        float tol = weightTolerance(), scale = 0;
        for (float f : straight) scale = Math.max(scale, Math.abs(f));
        for (int i = 0; i < straight.length; i++) {
            if (tol == 0) {
                assertThat(Float.floatToRawIntBits(resumed[i])).as("%s: weight %d bit for bit (%s vs %s)", what, i, resumed[i], straight[i])
                        .isEqualTo(Float.floatToRawIntBits(straight[i]));
            } else {
                assertThat(Math.abs(resumed[i] - straight[i])).as("%s: weight %d", what, i).isLessThanOrEqualTo(tol * scale);
            }
        }
    }

    @Test
    void aRunStoppedAtAnyEpochAndResumedEndsWithTheSameWeights() {
        for (var named : List.of(java.util.Map.entry("MLP + dropout + Adam", mlp()), java.util.Map.entry("LSTM LM, carried state", languageModel()),
                java.util.Map.entry("many-to-one LSTM, truncated BPTT", sequenceClassifier()))) {
            Setup s = named.getValue();
            float[] straight = uninterrupted(s, 4);
            for (int stop = 1; stop <= 3; stop++) assertSame(named.getKey() + ", stopped after epoch " + stop, stoppedAndResumed(s, stop, 4), straight);
        }
    }

    @Test
    void aRunStoppedInTheMiddleOfAnEpochAndResumedEndsWithTheSameWeights() {
        for (Setup s : List.of(mlp(), sequenceClassifier())) {
            float[] straight = uninterrupted(s, 3);
            Path ck = dir.resolve("mid.ckpt");
            Sequential first = s.model().get();
            s.trainer().get().epochs(3).maxSteps(7).checkpointEverySteps(ck, 3).fit(first, s.loss(), s.optimizer().get(), s.data());
            Sequential second = s.model().get();
            s.trainer().get().epochs(3).resumeFrom(ck).fit(second, s.loss(), s.optimizer().get(), s.data());
            assertSame("resumed at step 6", values(second), straight);
        }
    }

    @Test
    void aResumeWithAnotherSetUpIsRefused() throws IOException {
        Setup s = mlp();
        Path ck = dir.resolve("a.ckpt");
        s.trainer().get().epochs(1).checkpoint(ck, 1).fit(s.model().get(), s.loss(), s.optimizer().get(), s.data());
        assertThatThrownBy(() -> s.trainer().get().seed(12).epochs(2).resumeFrom(ck).fit(s.model().get(), s.loss(), s.optimizer().get(), s.data()))
                .hasMessageContaining("seed 11").hasMessageContaining("seed 12");
        assertThatThrownBy(() -> s.trainer().get().epochs(2).resumeFrom(ck).fit(s.model().get(), s.loss(), new Sgd(0.1f), s.data()))
                .hasMessageContaining("Adam").hasMessageContaining("SGD");
        Sequential other = new Sequential(new Dense(4, 8), ActivationLayer.relu(), new Dense(8, 3)).bind(be, 1);
        assertThatThrownBy(() -> s.trainer().get().epochs(2).resumeFrom(ck).fit(other, s.loss(), s.optimizer().get(), s.data()))
                .hasMessageContaining("another architecture");
        byte[] bytes = Files.readAllBytes(ck);
        bytes[bytes.length - 5] ^= 1;
        Files.write(ck, bytes);
        assertThatThrownBy(() -> s.trainer().get().epochs(2).resumeFrom(ck).fit(s.model().get(), s.loss(), s.optimizer().get(), s.data()))
                .hasMessageContaining("checksum mismatch");
    }

    /** Files hold float32 values and no backend: saved here, loaded on the reference, and back, the values bit for bit. */
    @Test
    void aModelSavedOnThisBackendLoadsOnTheReferenceAndBack() throws IOException {
        Setup s = mlp();
        Sequential here = s.model().get();
        s.trainer().get().epochs(2).fit(here, s.loss(), s.optimizer().get(), s.data());
        Path f = dir.resolve("here.safetensors");
        ModelFile.save(here, f);
        ReferenceBackend ref = new ReferenceBackend();
        Sequential there = ModelFile.read(f, ref);
        float[] mine = values(here);
        List<Float> v = new ArrayList<>();
        for (Param p : there.params()) for (float x : p.value().toArray()) v.add(x);
        for (int i = 0; i < mine.length; i++) assertThat(Float.floatToRawIntBits(v.get(i))).isEqualTo(Float.floatToRawIntBits(mine[i]));
        Trainer.Evaluation a = Trainer.evaluate(here, s.loss(), s.data(), 30), b = Trainer.evaluate(there, s.loss(), s.data(), 30);
        assertThat(b.accuracy()).isEqualTo(a.accuracy());
        assertThat(b.loss()).isCloseTo(a.loss(), org.assertj.core.data.Offset.offset(1e-4f * (1 + a.loss())));
        Path g = dir.resolve("ref.safetensors");
        ModelFile.save(there, g);
        Sequential back = s.model().get();
        ModelFile.load(back, g);
        float[] again = values(back);
        for (int i = 0; i < mine.length; i++) assertThat(Float.floatToRawIntBits(again[i])).isEqualTo(Float.floatToRawIntBits(mine[i]));
    }
}
