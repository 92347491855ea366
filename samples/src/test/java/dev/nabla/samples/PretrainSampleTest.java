package dev.nabla.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Sequential;
import dev.nabla.train.Dataset;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The short CI version of {@code nabla pretrain} (seed 002's layer-wise pretraining): a slice of the bundled digits and
 * a small network, so it takes seconds; the README has the full run's figures. Checks the procedure rather than the
 * verdict: each stage trains one layer under frozen ones and lowers its reconstruction error, the labels are not used
 * before fine-tuning, both networks get the same budget of epochs, and the report carries both accuracies and the
 * per-layer gradient norms.
 */
class PretrainSampleTest {
    private static final PretrainSample.Settings SMALL = new PretrainSample.Settings(new int[] {48, 32}, 1, 2, 32, 0.1f, 1e-3f, 1);

    private static float[] w(Sequential net, int dense) { return ((Dense) net.layers().get(2 * dense)).weight().value().toArray(); }

    @Test
    void eachStageTrainsOneLayerUnderFrozenOnesAndLowersItsReconstructionError() {
        Backend ops = new ReferenceBackend();
        Dataset images = DigitData.mnist().train().range(0, 600);
        Sequential net = PretrainSample.network(SMALL.hidden()).bind(ops, 1);
        float[] w1 = w(net, 0), w2 = w(net, 1), out = w(net, 2);

        float[] r1 = PretrainSample.stage(net, 0, images, SMALL, null);
        assertThat(r1[1]).as("stage 1 reconstruction BCE, after vs before").isLessThan(r1[0]);
        float[] w1After = w(net, 0);
        assertThat(w1After).isNotEqualTo(w1);
        assertThat(w(net, 1)).isEqualTo(w2);

        float[] r2 = PretrainSample.stage(net, 1, images, SMALL, null);
        assertThat(r2[1]).as("stage 2 reconstruction BCE, after vs before").isLessThan(r2[0]);
        assertThat(net.layers().get(0).trainable()).as("layer 1 frozen in stage 2").isFalse();
        assertThat(w(net, 0)).as("layer 1 fixed while layer 2 trains").isEqualTo(w1After);
        assertThat(w(net, 1)).isNotEqualTo(w2);
        assertThat(w(net, 2)).as("the output layer waits for the labels").isEqualTo(out);
    }

    @Test
    void pretrainingNeverReadsTheLabels() {
        Backend ops = new ReferenceBackend();
        Dataset images = DigitData.mnist().train().range(0, 300);
        float[] scrambled = images.targets().clone();
        for (int i = 0; i < scrambled.length; i++) scrambled[i] = (scrambled[i] + 3) % 10;
        Sequential a = PretrainSample.network(SMALL.hidden()).bind(ops, 2), b = PretrainSample.network(SMALL.hidden()).bind(ops, 2);
        PretrainSample.pretrain(a, images, SMALL, null);
        PretrainSample.pretrain(b, new Dataset(images.features(), images.sampleShape(), scrambled, 1), SMALL, null);
        for (int k = 0; k < 3; k++) assertThat(w(b, k)).isEqualTo(w(a, k));
        assertThat(a.params()).noneMatch(dev.nabla.nn.Param::frozen);
    }

    @Test
    void theCommandPrintsBothAccuraciesAndThePerLayerGradientNormsFromOneRun() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = System.out;
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            PretrainSample.main(new String[] {"--hidden", "32,24", "--pretrain-epochs", "1", "--epochs", "2", "--limit", "800", "--backend", "ref"});
        } finally {
            System.setOut(out);
        }
        String s = buf.toString(StandardCharsets.UTF_8);
        System.out.print(s);
        assertThat(s).contains("stage 1: autoencoder 784 → 32 → 784 over 0 frozen layer(s)", "stage 2: autoencoder 32 → 24 → 32 over 1 frozen layer(s)",
                "held-out accuracy after 4 epochs each: pretrained + fine-tuned", "random initialisation",
                "‖∂E/∂W_k‖ at the start of supervised training", "3 (out)", "first/last");
        assertThat(s.lines().filter(l -> l.startsWith("  random     epoch")).count()).as("the random network's budget").isEqualTo(4);
        assertThat(s.lines().filter(l -> l.startsWith("  pretrained epoch")).count()).isEqualTo(2);
    }

    @Test
    void theResultHoldsTheSameBudgetForBothAndFiniteNorms() {
        Backend ops = new ReferenceBackend();
        DigitData d = DigitData.mnist();
        PretrainSample.Result r = PretrainSample.run(ops, d.train().range(0, 600), d.test().range(0, 300), SMALL, null);
        assertThat(r.pretrainedCurve()).hasSize(SMALL.epochs());
        assertThat(r.randomCurve()).hasSize(SMALL.budget()).hasSize(4);
        assertThat(java.util.Arrays.stream(r.pretrainedNorms()).boxed().toList()).hasSize(3).allMatch(v -> v > 0 && Double.isFinite(v));
        assertThat(java.util.Arrays.stream(r.randomNorms()).boxed().toList()).hasSize(3).allMatch(v -> v > 0 && Double.isFinite(v));
        assertThat(r.pretrainedAccuracy()).isEqualTo(r.pretrainedCurve()[SMALL.epochs() - 1]);
        assertThat(r.randomAccuracy()).isEqualTo(r.randomCurve()[SMALL.budget() - 1]);
        assertThat(r.reconstruction()).hasNumberOfRows(2);
    }
}
