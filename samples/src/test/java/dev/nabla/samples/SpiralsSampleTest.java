package dev.nabla.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.ReferenceBackend;
import dev.nabla.train.Dataset;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SpiralsSampleTest {
    @Test
    void perceptronFailsMlpLearnsTheSpirals() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        SpiralsSample.Result r = SpiralsSample.run(new ReferenceBackend(), 1, 300, 50, new PrintStream(buf, true, StandardCharsets.UTF_8));
        assertThat(r.perceptronAccuracy()).isLessThan(0.65f);              // a line: about chance
        assertThat(r.mlpTrainAccuracy()).isGreaterThanOrEqualTo(0.97f);
        assertThat(r.mlpTestAccuracy()).isGreaterThanOrEqualTo(0.97f);     // fresh points of the same spirals
        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("epoch    1  loss", "epoch  300  loss", "accuracy", "held-out 200 points");
    }

    @Test
    void spiralsAreSeededAndBalanced() {
        Dataset a = SpiralsSample.spirals(50, 3), b = SpiralsSample.spirals(50, 3);
        assertThat(a.features()).containsExactly(b.features());
        assertThat(SpiralsSample.spirals(50, 4).features()).isNotEqualTo(a.features());
        int ones = 0;
        for (float t : a.targets()) ones += (int) t;
        assertThat(ones).isEqualTo(50);
        assertThat(a.size()).isEqualTo(100);
    }
}
