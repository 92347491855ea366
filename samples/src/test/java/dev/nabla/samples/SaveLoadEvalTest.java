package dev.nabla.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.ReferenceBackend;
import dev.nabla.io.ModelFile;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.Sequential;
import dev.nabla.train.Trainer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's round trip: a sample saves with --save, `nabla eval FILE` reports it, --load --epochs 0 only evaluates. */
class SaveLoadEvalTest {
    @TempDir Path dir;

    @Test
    void spiralsSavedEvaluatedAndLoadedAgain() {
        Path f = dir.resolve("spirals.safetensors");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        SpiralsSample.Result trained = SpiralsSample.run(new ReferenceBackend(), 1, 40, 100, quiet,
                SpiralsSample.OPTIONS.parse(new String[] {"--save", f.toString()}));
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        assertThat(Main.run(new String[] {"eval", f.toString(), "--backend", "ref"}, new PrintStream(buf, true, StandardCharsets.UTF_8), quiet))
                .as("exit status").isZero();
        String report = buf.toString(StandardCharsets.UTF_8);
        assertThat(report).contains(String.format("accuracy %.2f%% on 200 held-out spiral points", 100 * trained.mlpTestAccuracy()))
                .contains("confusion matrix").contains("saved by 'spirals'");
        SpiralsSample.Result loaded = SpiralsSample.run(new ReferenceBackend(), 1, 0, 100, quiet,
                SpiralsSample.OPTIONS.parse(new String[] {"--load", f.toString(), "--epochs", "0"}));
        assertThat(loaded.mlpTestAccuracy()).isEqualTo(trained.mlpTestAccuracy());
    }

    @Test
    void aLeNetSavedOnTheCpuBackendPredictsTheSameOnTheReference() throws Exception {
        DigitData d = DigitData.mnist();
        try (var cpu = dev.nabla.backend.Backends.create("cpu")) {
            Sequential net = LeNetSample.model().bind(cpu, 1);
            LeNetSample.train(net, d.train().range(0, 300), d.test().range(0, 200), 1, 32, 0.03f, 0.75f, 0.9f, 1, null, null);
            Path f = dir.resolve("lenet.safetensors");
            ModelFile.save(net, f);
            Sequential ref = ModelFile.read(f, new ReferenceBackend());
            Trainer.Evaluation a = Trainer.evaluate(net, new SoftmaxCrossEntropy(), d.test().range(0, 200), 100);
            Trainer.Evaluation b = Trainer.evaluate(ref, new SoftmaxCrossEntropy(), d.test().range(0, 200), 100);
            assertThat(b.accuracy()).isEqualTo(a.accuracy());
            assertThat(b.loss()).isCloseTo(a.loss(), org.assertj.core.data.Offset.offset(1e-4f));
        }
    }
}
