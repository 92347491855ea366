package dev.nabla.nn.rnn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.check.GradientCheck;
import dev.nabla.data.Sequences;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.TimeDistributed;
import dev.nabla.optim.Adam;
import dev.nabla.optim.Sgd;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Recurrent layers as {@link dev.nabla.nn.Layer}s in a {@link Sequential}: many-to-one ({@link LastStep}), many-to-many
 * ({@link TimeDistributed} head), padding with ignored labels, truncated BPTT and carried state in the {@link Trainer};
 * and the tests that fail on a planted wiring error (Bidirectional's reversal, the truncated-BPTT boundary).
 */
class SequenceModelTest {
    private final Backend ops = new ReferenceBackend();

    private Tensor randomSequence(SplittableRandom rng, int T, int B, int D) {
        return ops.upload(GradCheck.random(rng, T * B * D, 1.0), T, B, D);
    }

    // ---------------------------------------------------------------- composition, gradients end to end

    @Test
    void manyToOneLstmInASequentialPassesTheGradientCheck() {
        Sequential net = new Sequential(new Lstm(3, 4, true, 1f), new LastStep(), new Dense(4, 3)).bind(ops, 5);
        assertThat(net.outputShape(new int[] {6, 3})).containsExactly(3);
        SplittableRandom rng = new SplittableRandom(6);
        Tensor x = randomSequence(rng, 6, 2, 3);
        assertThat(net.forward(x, true).shape()).containsExactly(2, 3);
        new GradientCheck().step(GradCheck.EPS).floor(GradCheck.FLOOR)
                .checkNetwork(net, new SoftmaxCrossEntropy(), x, ops.upload(new float[] {2, 0}, 2)).assertBelow(GradCheck.TOL);
    }

    @Test
    void manyToManyHeadsWithIgnoredLabelsPassTheGradientCheck() {
        SplittableRandom rng = new SplittableRandom(7);
        int T = 4, B = 2;
        float[] labels = {0, 2, 1, -1, 2, -1, 1, -1};                                // −1: padding, no loss at that step
        for (Sequential net : List.of(
                new Sequential(new Gru(3, 4), new TimeDistributed(new Dense(4, 3))),
                new Sequential(new Rnn(3, 4), new Lstm(4, 3), new TimeDistributed(new Dense(3, 3))),
                new Sequential(new Bidirectional(new Rnn(3, 4), new Rnn(3, 4)), new TimeDistributed(new Dense(8, 3))))) {
            net.bind(ops, 8);
            assertThat(net.outputShape(new int[] {T, 3})).containsExactly(T, 3);
            Tensor x = randomSequence(rng, T, B, 3);
            new GradientCheck().step(GradCheck.EPS).floor(GradCheck.FLOOR)
                    .checkNetwork(net, new SoftmaxCrossEntropy(), x, ops.upload(labels, T * B)).assertBelow(GradCheck.TOL);
        }
    }

    /** The output-recurrence RNN trained with teacher forcing reads x_t as y_{t−1}: ∂L/∂x_t has both the U and the W term. */
    @Test
    void teacherForcedOutputRecurrenceFromTheInputPassesTheGradientCheck() {
        int K = 4, T = 5, B = 2;
        VanillaRnn rnn = new VanillaRnn(K, 6, K, VanillaRnn.Recurrence.OUTPUT, VanillaRnn.Output.MANY_TO_MANY);
        Sequential net = new Sequential(rnn).bind(ops, 9);
        rnn.feedback(VanillaRnn.Feedback.TEACHER_FORCED);
        SplittableRandom rng = new SplittableRandom(10);
        Tensor x = randomSequence(rng, T, B, K);                                    // smooth stand-in for one-hot rows
        float[] labels = new float[T * B];
        for (int i = 0; i < labels.length; i++) labels[i] = rng.nextInt(K);
        new GradientCheck().step(GradCheck.EPS).floor(GradCheck.FLOOR)
                .checkNetwork(net, new SoftmaxCrossEntropy(), x, ops.upload(labels, T * B)).assertBelow(GradCheck.TOL);
        // and teacher forcing really reads the input: the outputs differ from the free-running ones
        float[] forced = net.forward(x, false).toArray();
        rnn.feedback(VanillaRnn.Feedback.FREE_RUNNING);
        assertThat(net.forward(x, false).toArray()).isNotEqualTo(forced);
        assertThatThrownBy(() -> new VanillaRnn(3, 4, 5, VanillaRnn.Recurrence.OUTPUT, VanillaRnn.Output.MANY_TO_MANY)
                .feedback(VanillaRnn.Feedback.TEACHER_FORCED)).hasMessageContaining("D = K = 5");
    }

    /**
     * The captioning composition: an encoder's output is the decoder's h_0, the decoder reads tokens, a head at every
     * step; every parameter and the image part of the input pass the gradient check through ∂L/∂h_0.
     */
    @Test
    void encoderDecoderPassesTheGradientCheckThroughTheInitialState() {
        int P = 6, T = 3, B = 2, H = 4, V = 5;
        Sequential encoder = new Sequential(new Dense(P, H), dev.nabla.nn.ActivationLayer.tanh());
        Sequential net = new Sequential(new EncoderDecoder(new int[] {P}, encoder, new Embedding(V, 3), new Lstm(3, H)),
                new TimeDistributed(new Dense(H, V))).bind(ops, 19);
        assertThat(net.outputShape(new int[] {P + T})).containsExactly(T, V);
        SplittableRandom rng = new SplittableRandom(20);
        float[] xv = new float[B * (P + T)];
        for (int b = 0; b < B; b++) {
            for (int i = 0; i < P; i++) xv[b * (P + T) + i] = (float) rng.nextDouble(-1, 1);
            for (int t = 0; t < T; t++) xv[b * (P + T) + P + t] = rng.nextInt(V);
        }
        Tensor x = ops.upload(xv, B, P + T);
        float[] labels = {1, 4, -1, 2, 0, 3};                                       // [B, T], batch-major
        SoftmaxCrossEntropy ce = new SoftmaxCrossEntropy();
        net.zeroGrad();
        Tensor y = net.forward(x, true);
        assertThat(y.shape()).containsExactly(B, T, V);
        Tensor dy = ops.zeros(y.shape());
        Tensor lab = ops.upload(labels, B * T);
        ce.compute(y, lab, dy);
        float[] dx = net.backward(dy).toArray();
        java.util.function.DoubleSupplier loss = () -> ce.compute(net.forward(x, true), lab, null);
        for (Param p : net.params()) GradCheck.check("∂L/∂" + p.name(), p.value(), p.grad().toArray(), loss, 40);
        for (int b = 0; b < B; b++) {                                                // the image part only: tokens are indices
            Tensor img = x.view(b * (P + T), P);
            GradCheck.check("∂L/∂image[" + b + "]", img, java.util.Arrays.copyOfRange(dx, b * (P + T), b * (P + T) + P), loss, P);
        }
    }

    @Test
    void aSequenceSampleThatDoesNotFitIsRefusedNamingTheLayer() {
        Sequential net = new Sequential(new Embedding(5, 3), new Lstm(4, 2), new LastStep(), new Dense(2, 2)).bind(ops, 1);
        assertThatThrownBy(() -> net.outputShape(new int[] {7}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("LSTM(4→2)").hasMessageContaining("[7, 3]");
    }

    // ---------------------------------------------------------------- teeth: Bidirectional reverses the backward direction

    /**
     * h_f^{(t)} depends on x_1..x_t only and h_b^{(t)} on x_t..x_T only: changing x_T must leave h_f^{(t<T)} alone and
     * change every h_b^{(t)}; changing x_1 must leave h_b^{(t>1)} alone. And h_b^{(t)} is the backward layer run alone on
     * x_T..x_1, read at position T−t. A Bidirectional that forgot to reverse the input, or the output back, fails.
     */
    @Test
    void bidirectionalReadsTheBackwardDirectionInReverse() {
        int T = 5, B = 2, D = 3, H = 4;
        Bidirectional bi = new Bidirectional(new Lstm(D, H), new Lstm(D, H));
        new Sequential(bi).bind(ops, 11);
        SplittableRandom rng = new SplittableRandom(12);
        float[] xv = GradCheck.random(rng, T * B * D, 1.0);
        float[] y = bi.forward(ops.upload(xv, T, B, D), false).toArray();

        float[] lastChanged = xv.clone();
        for (int i = (T - 1) * B * D; i < T * B * D; i++) lastChanged[i] += 0.5f;   // x_T changed
        float[] yLast = bi.forward(ops.upload(lastChanged, T, B, D), false).toArray();
        float[] firstChanged = xv.clone();
        for (int i = 0; i < B * D; i++) firstChanged[i] += 0.5f;                     // x_1 changed
        float[] yFirst = bi.forward(ops.upload(firstChanged, T, B, D), false).toArray();
        for (int t = 0; t < T; t++) {
            for (int b = 0; b < B; b++) {
                int row = (t * B + b) * 2 * H;
                for (int j = 0; j < H; j++) {
                    if (t < T - 1) assertThat(yLast[row + j]).as("h_f(%d) does not see x_T", t + 1).isEqualTo(y[row + j]);
                    if (t > 0) assertThat(yFirst[row + H + j]).as("h_b(%d) does not see x_1", t + 1).isEqualTo(y[row + H + j]);
                }
                assertThat(rowDiff(yLast, y, row + H, H)).as("h_b(%d) sees x_T", t + 1).isGreaterThan(1e-4);
                assertThat(rowDiff(yFirst, y, row, H)).as("h_f(%d) sees x_1", t + 1).isGreaterThan(1e-4);
            }
        }
        // h_b^{(t)} = the backward layer alone on the reversed sequence, at position T − t
        float[] rev = new float[xv.length];
        for (int t = 0; t < T; t++) System.arraycopy(xv, (T - 1 - t) * B * D, rev, t * B * D, B * D);
        float[] hbRev = bi.backwardLayer().forward(ops.upload(rev, T, B, D), false).toArray();
        for (int t = 0; t < T; t++)
            for (int b = 0; b < B; b++)
                for (int j = 0; j < H; j++)
                    assertThat(y[(t * B + b) * 2 * H + H + j]).as("h_b(%d)", t + 1).isEqualTo(hbRev[((T - 1 - t) * B + b) * H + j]);
    }

    private static double rowDiff(float[] a, float[] b, int from, int n) {
        double d = 0;
        for (int j = from; j < from + n; j++) d = Math.max(d, Math.abs(a[j] - b[j]));
        return d;
    }

    // ---------------------------------------------------------------- teeth: truncated BPTT stops at the chunk boundary

    /**
     * Many-to-one, T = 6 cut into chunks of 3 by the Trainer: the first chunk only carries the state forward, the second
     * has the loss. Its update must be exactly −η·∇ of the loss over steps 4..6 started from the (constant) state that
     * steps 1..3 ended in — the gradient flows through the chunk's three steps and stops at its boundary. It differs
     * from full BPTT over all six steps, and from starting the chunk at h = 0 (a Trainer that forgot to carry the state).
     */
    @Test
    void truncatedBpttStopsTheGradientAtTheChunkBoundaryAndCarriesTheState() {
        int T = 6, B = 2, D = 2, H = 3, K = 2, k = 3;
        float eta = 0.5f;
        SplittableRandom rng = new SplittableRandom(13);
        float[] xv = GradCheck.random(rng, B * T * D, 1.0);                           // batch-major host data [B, T, D]
        float[] labels = {1, 0};
        Dataset data = new Dataset(xv, new int[] {T, D}, labels, 1, true);

        Sequential trained = manyToOne(D, H, K);
        List<float[]> before = values(trained);
        new Trainer().batchSize(B).shuffle(false).epochs(1).truncatedBptt(k).fit(trained, new SoftmaxCrossEntropy(), new Sgd(eta), data);
        List<float[]> after = values(trained);

        Tensor x = ops.upload(timeMajor(xv, T, B, D), T, B, D);
        Tensor target = ops.upload(labels, B);
        float[] truncated = gradientFromChunk(x, target, T, B, D, H, K, k, true);   // from the carried state
        float[] fromZero = gradientFromChunk(x, target, T, B, D, H, K, k, false);   // from h = 0
        float[] full = fullGradient(x, target, D, H, K);
        float[] step = new float[truncated.length];
        int at = 0;
        for (int p = 0; p < before.size(); p++)
            for (int i = 0; i < before.get(p).length; i++) step[at++] = (before.get(p)[i] - after.get(p)[i]) / eta;
        for (int i = 0; i < step.length; i++) {
            assertThat(step[i]).as("update %d = η·∂L/∂θ over the last chunk", i).isCloseTo(truncated[i], org.assertj.core.data.Offset.offset(2e-5f));
        }
        assertThat(maxDiff(truncated, full)).as("truncated ≠ full BPTT").isGreaterThan(1e-3);
        assertThat(maxDiff(truncated, fromZero)).as("carried state ≠ zero state").isGreaterThan(1e-3);
    }

    private Sequential manyToOne(int D, int H, int K) {
        return new Sequential(new Lstm(D, H), new LastStep(), new Dense(H, K)).bind(ops, 14);
    }

    /** ∂L/∂θ of the loss on steps k..T−1 alone, started from the state after steps 0..k−1 (or from zero). */
    private float[] gradientFromChunk(Tensor x, Tensor target, int T, int B, int D, int H, int K, int k, boolean carried) {
        Sequential net = manyToOne(D, H, K);
        Lstm lstm = (Lstm) net.layers().getFirst();
        Tensor h0 = ops.zeros(B, H), c0 = ops.zeros(B, H);
        if (carried) {
            net.forward(x.view(0, k, B, D), true);
            ops.copy(lstm.finalState(0), h0);
            ops.copy(lstm.finalState(1), c0);
        }
        lstm.initialState(InitialState.GIVEN);
        lstm.givenState(h0, c0);
        return gradient(net, x.view(k * B * D, T - k, B, D), target);
    }

    private float[] fullGradient(Tensor x, Tensor target, int D, int H, int K) { return gradient(manyToOne(D, H, K), x, target); }

    private float[] gradient(Sequential net, Tensor x, Tensor target) {
        net.zeroGrad();
        Tensor y = net.forward(x, true);
        Tensor dy = ops.zeros(y.shape());
        new SoftmaxCrossEntropy().compute(y, target, dy);
        net.backward(dy);
        List<Float> g = new ArrayList<>();
        for (Param p : net.params()) for (float v : p.grad().toArray()) g.add(v);
        float[] a = new float[g.size()];
        for (int i = 0; i < a.length; i++) a[i] = g.get(i);
        return a;
    }

    private static List<float[]> values(Sequential net) {
        List<float[]> v = new ArrayList<>();
        for (Param p : net.params()) v.add(p.value().toArray());
        return v;
    }

    private static float[] timeMajor(float[] batchMajor, int T, int B, int D) {
        float[] out = new float[batchMajor.length];
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++) System.arraycopy(batchMajor, (b * T + t) * D, out, (t * B + b) * D, D);
        return out;
    }

    private static double maxDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
        return d;
    }

    // ---------------------------------------------------------------- the Trainer on sequence data sets

    /** Many-to-one over pre-padded sequences of different lengths: the class is the first token, read T steps earlier. */
    @Test
    void trainerLearnsAManyToOneTaskOnPrePaddedSequences() {
        SplittableRandom rng = new SplittableRandom(15);
        List<int[]> seqs = new ArrayList<>();
        int[] labels = new int[96];
        for (int i = 0; i < labels.length; i++) {
            int[] s = new int[3 + rng.nextInt(4)];
            for (int t = 0; t < s.length; t++) s[t] = rng.nextInt(3);
            seqs.add(s);
            labels[i] = s[0];
        }
        Dataset data = Sequences.classification(seqs, labels, 10, 3);               // token 3 = padding, at the front
        assertThat(data.sampleShape()).containsExactly(6);
        Sequential net = new Sequential(new Embedding(4, 4), new Lstm(4, 12), new LastStep(), new Dense(12, 3)).bind(ops, 16);
        List<Trainer.EpochStats> h = new Trainer().batchSize(16).epochs(40).seed(17)
                .fit(net, new SoftmaxCrossEntropy(), new Adam(0.03f), data);
        assertThat(h.getFirst().trainAccuracy()).isLessThan(0.6f);
        assertThat(h.getLast().trainAccuracy()).isGreaterThan(0.95f);
    }

    /** Accuracy and loss of a many-to-many model count only the steps whose label is ≥ 0. */
    @Test
    void manyToManyAccuracyCountsOnlyLabelledSteps() {
        List<int[]> seqs = List.of(new int[] {0, 1, 2, 0}, new int[] {1, 2}, new int[] {2, 0, 1});
        Dataset data = Sequences.nextToken(seqs, 0);
        assertThat(data.sampleShape()).containsExactly(3);
        assertThat(data.targets()).containsExactly(1, 2, 0, 2, -1, -1, 0, 1, -1);
        Sequential net = new Sequential(new Embedding(3, 2), new Gru(2, 3), new TimeDistributed(new Dense(3, 3))).bind(ops, 18);
        Trainer.Evaluation e = Trainer.evaluate(net, new SoftmaxCrossEntropy(), data, 3);
        // by hand: the same forward pass, arg-max over the 6 labelled rows (time-major: row t·B + b)
        Tensor x = ops.upload(new float[] {0, 1, 2, 1, 2, 0, 2, 0, 1}, 3, 3);
        float[] logits = net.forward(x, false).toArray();
        float[] lab = {1, 2, 0, 2, -1, 1, 0, -1, -1};
        int right = 0, counted = 0;
        for (int r = 0; r < 9; r++) {
            if (lab[r] < 0) continue;
            counted++;
            int best = 0;
            for (int j = 1; j < 3; j++) if (logits[r * 3 + j] > logits[r * 3 + best]) best = j;
            if (best == lab[r]) right++;
        }
        assertThat(counted).isEqualTo(6);
        assertThat(e.accuracy()).isEqualTo((float) right / counted);
        assertThat(e.loss()).isCloseTo((float) GradCheck.crossEntropy(net.forward(x, false), lab), org.assertj.core.data.Offset.offset(1e-5f));
    }

    /** Streams laid out for carried state: batch k+1 continues every stream of batch k. */
    @Test
    void streamsContinueFromBatchToBatch() {
        int[] text = new int[41];
        for (int i = 0; i < text.length; i++) text[i] = i;
        Dataset d = Sequences.streams(text, 2, 4);                                  // streams [0..19], [20..39]; 5 chunks
        assertThat(d.size()).isEqualTo(10);
        assertThat(java.util.Arrays.copyOfRange(d.features(), 0, 8)).containsExactly(0, 1, 2, 3, 20, 21, 22, 23);
        assertThat(java.util.Arrays.copyOfRange(d.features(), 8, 16)).containsExactly(4, 5, 6, 7, 24, 25, 26, 27);
        assertThat(java.util.Arrays.copyOfRange(d.targets(), 8, 12)).containsExactly(5, 6, 7, 8);
    }

    /** A language model as a Sequential, trained by the Trainer with carried state, samples the period it learned. */
    @Test
    void lstmLanguageModelTrainedByTheTrainerSamplesItsPeriod() {
        int[] text = new int[2000];
        int[] period = {0, 1, 2, 3, 4, 2, 1};
        for (int i = 0; i < text.length; i++) text[i] = period[i % period.length];
        Sequential lm = LstmLanguageModel.create(5, 4, 16, 1, 1f).bind(ops, 1);
        List<Trainer.EpochStats> h = new Trainer().batchSize(4).shuffle(false).carryState(true).clipNorm(5f).epochs(6)
                .fit(lm, new SoftmaxCrossEntropy(), Sgd.momentum(0.5f, 0.9f), Sequences.streams(text, 4, 10));
        assertThat(h.getLast().trainLoss()).isLessThan(0.05f);
        assertThat(lm.carryingState()).as("fit leaves carrying off").isFalse();
        int[] out = LstmLanguageModel.sample(lm, new int[] {0, 1, 2, 3}, 14, 0.3f, new SplittableRandom(2));
        assertThat(out).containsExactly(4, 2, 1, 0, 1, 2, 3, 4, 2, 1, 0, 1, 2, 3);
        assertThatThrownBy(() -> new Trainer().carryState(true).fit(lm, new SoftmaxCrossEntropy(), new Sgd(0.1f), Sequences.streams(text, 4, 10)))
                .hasMessageContaining("shuffle(false)");
    }
}
