package dev.nabla.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.ConvGeometry;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.check.GradientCheck;
import dev.nabla.io.ModelFileException;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.rnn.Embedding;
import dev.nabla.nn.rnn.Lstm;
import dev.nabla.optim.Adam;
import dev.nabla.optim.Sgd;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Freezing (issue 19, item 1) on the reference backend: what a frozen {@link Param} and a frozen layer promise, and the
 * work the backward pass skips, counted op by op. {@code FrozenTrainingTest} (every backend) checks whole training runs.
 */
class FreezeTest {
    @TempDir Path dir;

    /** Counts the backward-pass ops a backend is asked for. */
    static final class Counting extends ReferenceBackend {
        int gemms, sumBiases, activationBackwards, convWeightGrads, convInputGrads, scatters, cellBackwards;

        void reset() { gemms = sumBiases = activationBackwards = convWeightGrads = convInputGrads = scatters = cellBackwards = 0; }

        @Override
        protected void doGemm(boolean ta, boolean tb, int m, int n, int k, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
            gemms++;
            super.doGemm(ta, tb, m, n, k, alpha, a, b, beta, c);
        }

        @Override
        protected void doSumBias(Tensor dy, Tensor db, int inner, float beta) {
            sumBiases++;
            super.doSumBias(dy, db, inner, beta);
        }

        @Override
        protected void doActivationBackward(Activation f, Tensor x, Tensor y, Tensor dy, Tensor dx) {
            activationBackwards++;
            super.doActivationBackward(f, x, y, dy, dx);
        }

        @Override
        protected void doConv2dBackward(Tensor x, Tensor w, Tensor dy, ConvGeometry g, Tensor dw, Tensor db, Tensor dx) {
            if (dw != null) convWeightGrads++;
            if (dx != null) convInputGrads++;
            super.doConv2dBackward(x, w, dy, g, dw, db, dx);
        }

        @Override
        protected void doScatterAddRows(Tensor dout, Tensor idx, Tensor dtable) {
            scatters++;
            super.doScatterAddRows(dout, idx, dtable);
        }

        @Override
        protected void doLstmCellBackward(Tensor acts, Tensor cPrev, Tensor c, Tensor tanhC, Tensor peep, Tensor dh, Tensor dc,
                                          Tensor dgates, Tensor dpeep) {
            cellBackwards++;
            super.doLstmCellBackward(acts, cPrev, c, tanhC, peep, dh, dc, dgates, dpeep);
        }
    }

    private static Tensor randn(Backend ops, long seed, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[Tensor.sizeOf(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return ops.upload(v, shape);
    }

    /** Runs forward, then backwardParams with δ = 1, counting only the backward's ops. */
    private static void backwardOnly(Counting ops, Sequential m, Tensor x) {
        Tensor y = m.forward(x, true);
        Tensor dy = ops.zeros(y.shape());
        ops.fill(dy, 1f);
        ops.reset();
        m.backwardParams(dy);
    }

    @Test
    void aFrozenParamDropsItsSlotsZeroesItsGradientAndSaysSo() {
        Backend ops = new ReferenceBackend();
        Param p = new Param("w", ops.upload(new float[] {1, 2}, 2));
        ops.fill(p.grad(), 3f);
        p.slot(0);
        p.slot(1);
        assertThat(p.freeze()).isSameAs(p);
        assertThat(p.frozen()).isTrue();
        assertThat(p.hasSlot(0) || p.hasSlot(1)).isFalse();
        assertThat(p.grad().toArray()).containsExactly(0f, 0f);
        assertThat(p.toString()).isEqualTo("w[2] (frozen)");
        p.unfreeze();
        assertThat(p.frozen()).isFalse();
        assertThat(p.toString()).isEqualTo("w[2]");
        assertThat(Param.trainable(List.of(p, new Param("f", ops.zeros(1)).freeze()))).containsExactly(p);
    }

    @Test
    void freezingAContainerFreezesEveryParameterInside() {
        Dense a = new Dense(3, 4), b = new Dense(4, 2);
        Sequential inner = new Sequential(a, ActivationLayer.sigmoid());
        Sequential m = new Sequential(inner, b).bind(new ReferenceBackend(), 1);
        assertThat(m.trainable()).isTrue();
        assertThat(inner.freeze()).isSameAs(inner);
        assertThat(a.weight().frozen() && a.bias().frozen()).isTrue();
        assertThat(b.weight().frozen()).isFalse();
        assertThat(inner.trainable()).isFalse();
        assertThat(ActivationLayer.sigmoid().trainable()).as("a layer without parameters has nothing to train").isFalse();
        m.freeze();
        assertThat(m.trainable()).isFalse();
        m.unfreeze();
        assertThat(m.params()).noneMatch(Param::frozen);
        inner.freeze();
        assertThat(m.summary(new int[] {3})).contains("Sequential[Dense(3→4), Sigmoid]").contains("(frozen)");
    }

    @Test
    void belowTheLowestTrainableLayerNoBackwardRunsAndAFrozenLayerComputesNoWeightGradient() {
        Counting ops = new Counting();
        Tensor x = randn(ops, 1, 5, 6);
        Sequential m = Sequential.mlp(ActivationLayer::sigmoid, 6, 7, 8, 3).bind(ops, 2);
        backwardOnly(ops, m, x);                                    // nothing frozen: Dense3 ∂W, ∂x; Dense2 ∂W, ∂x; Dense1 ∂W
        assertThat(ops.gemms).isEqualTo(5);
        assertThat(ops.sumBiases).isEqualTo(3);
        assertThat(ops.activationBackwards).isEqualTo(2);

        m.layers().get(0).freeze();                                 // first layer frozen: nothing runs below Dense2
        backwardOnly(ops, m, x);
        assertThat(ops.gemms).isEqualTo(3);                         // Dense3 ∂W, ∂x; Dense2 ∂W only
        assertThat(ops.sumBiases).isEqualTo(2);
        assertThat(ops.activationBackwards).isEqualTo(1);           // the sigmoid under Dense2 runs no backward

        m.unfreeze();
        m.layers().get(2).freeze();                                 // middle layer frozen: it passes δ down, no ∂W, ∂b
        backwardOnly(ops, m, x);
        assertThat(ops.gemms).isEqualTo(4);                         // Dense3 ∂W, ∂x; Dense2 ∂x; Dense1 ∂W
        assertThat(ops.sumBiases).isEqualTo(2);
        assertThat(ops.activationBackwards).isEqualTo(2);

        m.freeze();                                                 // all frozen: a backward pass does nothing
        backwardOnly(ops, m, x);
        assertThat(ops.gemms + ops.sumBiases + ops.activationBackwards).isZero();
    }

    @Test
    void aFrozenConvolutionPassesItsDeltaDownWithoutAWeightGradient() {
        Counting ops = new Counting();
        Tensor x = randn(ops, 3, 2, 1, 6, 6);
        Conv2d c1 = new Conv2d(1, 2, 3), c2 = new Conv2d(2, 3, 2);
        Sequential m = new Sequential(c1, ActivationLayer.tanh(), c2, new Flatten(), new Dense(27, 2)).bind(ops, 3);
        c2.freeze();
        backwardOnly(ops, m, x);
        assertThat(ops.gemms).isEqualTo(2);                         // Dense ∂W, ∂x
        assertThat(ops.convWeightGrads).isEqualTo(1);               // c1 ∂W only; c2, frozen, none
        assertThat(ops.convInputGrads).isEqualTo(1);                // c2 passes its ∂x down; c1 computes none
        assertThat(c2.weight().grad().toArray()).containsOnly(0f);
        m.unfreeze();
        c1.freeze();
        backwardOnly(ops, m, x);
        assertThat(ops.gemms).isEqualTo(2);                         // Dense ∂W, ∂x
        assertThat(ops.convWeightGrads).isEqualTo(1);               // c2 ∂W only (the lowest trainable)
        assertThat(ops.convInputGrads).isZero();
        assertThat(ops.activationBackwards).isZero();
    }

    @Test
    void aFrozenLstmStillRunsItsBackpropagationThroughTimeForTheLayerBelowButNoWeightGradients() {
        Counting ops = new Counting();
        Lstm lstm = new Lstm(4, 5, true, 1f);
        Embedding e = new Embedding(6, 4);
        Sequential m = new Sequential(e, lstm, new TimeDistributed(new Dense(5, 6))).bind(ops, 4);
        Tensor tokens = ops.upload(new float[] {0, 1, 2, 3, 4, 5, 1, 2, 3}, 3, 3);
        backwardOnly(ops, m, tokens);
        int all = ops.gemms;
        lstm.freeze();
        backwardOnly(ops, m, tokens);
        assertThat(ops.cellBackwards).isEqualTo(3);                 // BPTT still runs: the embedding needs ∂L/∂x_t
        assertThat(ops.scatters).isEqualTo(1);
        assertThat(ops.gemms).isEqualTo(all - 2);                   // no ∂L/∂W_h, ∂L/∂W_x
        assertThat(lstm.peepholes().grad().toArray()).containsOnly(0f);
        e.freeze();
        backwardOnly(ops, m, tokens);                               // only the head is trainable now
        assertThat(ops.cellBackwards + ops.scatters).isZero();
        assertThat(ops.gemms).isEqualTo(1);                         // the head's ∂W
    }

    /** Gradients of every parameter after one backwardParams of an image-captioning model with {@code part} (0–2) frozen. */
    private static java.util.List<float[]> captionGradients(Counting ops, int part) {
        int P = 6, T = 3, B = 2, H = 4, V = 5;
        Sequential encoder = new Sequential(new Dense(P, H), ActivationLayer.tanh());
        dev.nabla.nn.rnn.EncoderDecoder ed = new dev.nabla.nn.rnn.EncoderDecoder(new int[] {P}, encoder, new Embedding(V, 3), new Lstm(3, H));
        Sequential net = new Sequential(ed, new TimeDistributed(new Dense(H, V))).bind(ops, 19);
        if (part >= 0) ed.children().get(part).freeze();
        SplittableRandom rng = new SplittableRandom(20);
        float[] xv = new float[B * (P + T)];
        for (int b = 0; b < B; b++) {
            for (int i = 0; i < P; i++) xv[b * (P + T) + i] = (float) rng.nextDouble(-1, 1);
            for (int t = 0; t < T; t++) xv[b * (P + T) + P + t] = rng.nextInt(V);
        }
        backwardOnly(ops, net, ops.upload(xv, B, P + T));
        java.util.List<float[]> g = new java.util.ArrayList<>();
        for (Param p : net.params()) g.add(p.grad().toArray());
        return g;
    }

    @Test
    void anEncoderDecoderSkipsWhatItsFrozenPartsDoNotNeedAndTheRestGetsTheSameGradients() {
        Counting ops = new Counting();
        java.util.List<float[]> all = captionGradients(ops, -1);
        int gemms = ops.gemms, scatters = ops.scatters;
        int[] sizes = {2, 1, 3};                                     // parameters of the encoder, the embedding, the decoder
        for (int part = 0; part < 3; part++) {
            java.util.List<float[]> g = captionGradients(ops, part);
            int from = 0;
            for (int k = 0; k < part; k++) from += sizes[k];
            for (int i = 0; i < all.size(); i++) {
                boolean frozen = i >= from && i < from + sizes[part];
                if (frozen) assertThat(g.get(i)).as("part " + part + ", parameter " + i).containsOnly(0f);
                else assertThat(g.get(i)).as("part " + part + ", parameter " + i).isEqualTo(all.get(i));
            }
            if (part == 0) assertThat(ops.gemms).isEqualTo(gemms - 1);   // the frozen encoder runs no backward (its one ∂W)
            if (part == 1) {
                assertThat(ops.scatters).isZero();                       // the frozen table gets nothing,
                assertThat(ops.gemms).isEqualTo(gemms - 1);              //   and the decoder computes no ∂L/∂x_t for it
            }
            if (part == 2) assertThat(ops.scatters).isEqualTo(scatters);
        }
    }

    @Test
    void adamStartsItsStepCountAgainWhenAParameterIsUnfrozen() {
        Backend ops = new ReferenceBackend();
        Param p = new Param("w", ops.upload(new float[] {1, -1}, 2));
        Adam adam = new Adam(0.1f);
        for (int s = 0; s < 3; s++) {
            ops.fill(p.grad(), 0.5f);
            adam.step(List.of(p));
        }
        assertThat(adam.stepCount(p)).isEqualTo(3);
        p.freeze();
        float[] before = p.value().toArray();
        adam.step(List.of(p));
        assertThat(p.value().toArray()).isEqualTo(before);
        assertThat(adam.stepCount(p)).isZero();
        assertThat(p.hasSlot(0)).isFalse();
        p.unfreeze();
        ops.fill(p.grad(), 0.5f);
        adam.step(List.of(p));
        assertThat(adam.stepCount(p)).isEqualTo(1);                 // m, v and t start afresh, as with a new optimizer
    }

    @Test
    void theGradientCheckChecksTheTrainableParametersOnly() {
        Backend ops = new ReferenceBackend();
        Dense d = new Dense(3, 2);
        d.bind(ops, new SplittableRandom(1));
        d.weight().freeze();
        GradientCheck.Result r = GradientCheck.layer(d, randn(ops, 5, 4, 3)).assertBelow(1e-2);
        assertThat(r.parts()).extracting(GradientCheck.Part::name).containsExactly("input", "Dense(3→2).b");
        assertThat(d.weight().grad().toArray()).containsOnly(0f);
    }

    private static Dataset blobs() {
        SplittableRandom rng = new SplittableRandom(3);
        float[] x = new float[60 * 4];
        int[] y = new int[60];
        for (int i = 0; i < 60; i++) {
            y[i] = i % 3;
            for (int j = 0; j < 4; j++) x[i * 4 + j] = (float) (rng.nextGaussian() * 0.7 + (j == y[i] ? 1.5 : 0));
        }
        return Dataset.classification(x, new int[] {4}, y);
    }

    private static Sequential mlp(Backend ops) { return Sequential.mlp(ActivationLayer::sigmoid, 4, 8, 6, 3).bind(ops, 7); }

    @Test
    void aTrainerRefusesAModelWithEveryParameterFrozenAndTrainsTheRestOtherwise() {
        Backend ops = new ReferenceBackend();
        Sequential m = mlp(ops).freeze();
        assertThatThrownBy(() -> new Trainer().epochs(1).fit(m, new SoftmaxCrossEntropy(), new Adam(), blobs()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("every one of its 6 parameters is frozen");
        m.unfreeze();
        m.layers().getFirst().freeze();
        float[] first = ((Dense) m.layers().getFirst()).weight().value().toArray();
        float[] second = ((Dense) m.layers().get(2)).weight().value().toArray();
        new Trainer().epochs(2).batchSize(16).fit(m, new SoftmaxCrossEntropy(), new Adam(0.01f), blobs());
        assertThat(((Dense) m.layers().getFirst()).weight().value().toArray()).isEqualTo(first);
        assertThat(((Dense) m.layers().get(2)).weight().value().toArray()).isNotEqualTo(second);
    }

    @Test
    void aCheckpointHoldsNoSlotsForFrozenParametersAndAResumeMustFreezeTheSame() throws Exception {
        Backend ops = new ReferenceBackend();
        Path ckpt = dir.resolve("run.ckpt");
        Sequential straight = mlp(ops);
        straight.layers().getFirst().freeze();
        new Trainer().epochs(3).batchSize(16).seed(5).fit(straight, new SoftmaxCrossEntropy(), Sgd.momentum(0.1f, 0.9f), blobs());

        Sequential stopped = mlp(ops);
        stopped.layers().getFirst().freeze();
        new Trainer().epochs(1).batchSize(16).seed(5).checkpoint(ckpt, 1).fit(stopped, new SoftmaxCrossEntropy(), Sgd.momentum(0.1f, 0.9f), blobs());
        var names = dev.nabla.io.SafeTensors.read(ckpt).tensors().keySet();
        assertThat(names).contains("optimizer.2.slot0", "optimizer.5.slot0").doesNotContain("optimizer.0.slot0", "optimizer.1.slot0");

        Sequential resumed = mlp(ops);
        resumed.layers().getFirst().freeze();
        new Trainer().epochs(3).batchSize(16).seed(5).resumeFrom(ckpt).fit(resumed, new SoftmaxCrossEntropy(), Sgd.momentum(0.1f, 0.9f), blobs());
        for (int i = 0; i < straight.params().size(); i++) {
            assertThat(resumed.params().get(i).value().toArray()).as("parameter " + i).isEqualTo(straight.params().get(i).value().toArray());
        }

        Sequential unfrozen = mlp(ops);
        assertThatThrownBy(() -> new Trainer().epochs(3).batchSize(16).seed(5).resumeFrom(ckpt)
                .fit(unfrozen, new SoftmaxCrossEntropy(), Sgd.momentum(0.1f, 0.9f), blobs()))
                .hasRootCauseInstanceOf(ModelFileException.class).rootCause().hasMessageContaining("parameters [0, 1] frozen, resumed with [] frozen");
    }
}
