package dev.nabla.nn.rnn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.Param;
import dev.nabla.optim.Sgd;
import dev.nabla.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The embedding → LSTM → dense language model, variable-length batches (masking, grouping), TBPTT streams, sampling. */
class LanguageModelTest {
    private final Backend ops = new ReferenceBackend();

    @Test
    void wholeModelGradientsIncludingTheEmbedding() {
        dev.nabla.nn.Sequential lm = LstmLanguageModel.create(7, 3, 4, 2, 1f).bind(ops, 3);
        SplittableRandom rng = new SplittableRandom(4);
        int T = 5, B = 2;
        float[] in = new float[T * B], lab = new float[T * B];
        for (int i = 0; i < in.length; i++) { in[i] = rng.nextInt(7); lab[i] = rng.nextInt(7); }
        lab[3] = -1;
        Tensor x = ops.upload(in, T, B);
        for (Param p : lm.params()) p.zeroGrad();
        Tensor logits = lm.forward(x, true);
        Tensor d = ops.zeros(logits.shape());
        ops.softmaxCrossEntropy(logits, ops.upload(lab, T * B), d);
        lm.backward(d);
        for (Param p : lm.params()) {
            GradCheck.check(lm.name() + " ∂L/∂" + p.name(), p.value(), p.grad().toArray(),
                    () -> GradCheck.crossEntropy(lm.forward(x, true), lab), 40);
        }
    }

    /**
     * Masking: a padded batch (label −1 after each sequence's end) gives the gradient of the mean loss over the real steps,
     * i.e. Σ_seq n_seq·∇L_seq / Σ n_seq, where ∇L_seq is the gradient of each sequence trained alone.
     */
    @Test
    void paddingWithIgnoredLabelsEqualsTrainingEachSequenceAlone() {
        List<int[]> seqs = List.of(new int[] {1, 2, 3}, new int[] {4, 0, 2, 5, 6, 1}, new int[] {3, 3, 1, 2});
        dev.nabla.nn.Sequential lm = LstmLanguageModel.create(7, 3, 4, 1, 1f).bind(ops, 8);
        SequenceBatches.Batch pad = SequenceBatches.padded(seqs, 0);
        assertThat(pad.steps()).isEqualTo(5);
        float[] padded = gradients(lm, pad);
        float[] expected = new float[padded.length];
        int total = 0;
        for (int[] s : seqs) {
            float[] g = gradients(lm, SequenceBatches.padded(List.of(s), 0));
            for (int k = 0; k < g.length; k++) expected[k] += (s.length - 1) * g[k];
            total += s.length - 1;
        }
        for (int k = 0; k < expected.length; k++) expected[k] /= total;
        for (int k = 0; k < expected.length; k++) assertThat(padded[k]).as("gradient " + k).isCloseTo(expected[k], org.assertj.core.data.Offset.offset(1e-6f));
    }

    private float[] gradients(dev.nabla.nn.Sequential lm, SequenceBatches.Batch b) {
        for (Param p : lm.params()) p.zeroGrad();
        Tensor logits = lm.forward(ops.upload(b.inputs(), b.steps(), b.batch()), true);
        Tensor d = ops.zeros(logits.shape());
        ops.softmaxCrossEntropy(logits, ops.upload(b.labels(), b.steps() * b.batch()), d);
        lm.backward(d);
        List<Float> all = new ArrayList<>();
        for (Param p : lm.params()) for (float v : p.grad().toArray()) all.add(v);
        float[] a = new float[all.size()];
        for (int k = 0; k < a.length; k++) a[k] = all.get(k);
        return a;
    }

    @Test
    void groupingByLengthNeedsNoPadding() {
        List<int[]> seqs = List.of(new int[] {1, 2, 3}, new int[] {4, 5}, new int[] {6, 7, 8}, new int[] {1, 1, 1}, new int[] {2, 2});
        List<SequenceBatches.Batch> bs = SequenceBatches.groupByLength(seqs, 2);
        assertThat(bs).extracting(SequenceBatches.Batch::steps).containsExactly(1, 2, 2);
        assertThat(bs).extracting(SequenceBatches.Batch::batch).containsExactly(2, 2, 1);
        for (SequenceBatches.Batch b : bs) for (float l : b.labels()) assertThat(l).isNotNegative();
        assertThat(bs.get(1).inputs()).containsExactly(1, 6, 2, 7);                   // time-major: t=0 of both, then t=1
        assertThat(bs.get(1).labels()).containsExactly(2, 7, 3, 8);
    }

    @Test
    void streamsContinueAcrossChunks() {
        int[] text = new int[41];
        for (int i = 0; i < text.length; i++) text[i] = i;
        List<SequenceBatches.Batch> cs = SequenceBatches.streams(text, 2, 4);   // streams of 20: [0..19], [20..39]
        assertThat(cs).hasSize(5);
        assertThat(cs.get(0).inputs()).containsExactly(0, 20, 1, 21, 2, 22, 3, 23);
        assertThat(cs.get(1).inputs()).containsExactly(4, 24, 5, 25, 6, 26, 7, 27);
        assertThat(cs.get(1).labels()).containsExactly(5, 25, 6, 26, 7, 27, 8, 28);
    }

    /** Teacher-forced training on a periodic sequence, then free-running sampling at low temperature continues the period. */
    @Test
    void learnsAndSamplesAPeriodicSequence() {
        int[] text = new int[2000];
        int[] period = {0, 1, 2, 3, 4, 2, 1};
        for (int i = 0; i < text.length; i++) text[i] = period[i % period.length];
        dev.nabla.nn.Sequential lm = LstmLanguageModel.create(5, 4, 16, 1, 1f).bind(ops, 1).carryState(true);
        List<SequenceBatches.Batch> cs = SequenceBatches.streams(text, 4, 10);
        float loss = Float.NaN;
        Sgd sgd = Sgd.momentum(0.5f, 0.9f);
        for (int epoch = 0; epoch < 6; epoch++) {
            lm.resetState();
            for (SequenceBatches.Batch b : cs) {
                loss = Trainer.step(lm, new dev.nabla.loss.SoftmaxCrossEntropy(), sgd, ops.upload(b.inputs(), b.steps(), b.batch()), ops.upload(b.labels(), b.steps() * b.batch()), 5f);
            }
        }
        assertThat(loss).isLessThan(0.05f);
        int[] out = LstmLanguageModel.sample(lm, new int[] {0, 1, 2, 3}, 14, 0.3f, new SplittableRandom(2));
        assertThat(out).containsExactly(4, 2, 1, 0, 1, 2, 3, 4, 2, 1, 0, 1, 2, 3);
    }
}
