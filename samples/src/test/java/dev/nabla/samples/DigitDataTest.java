package dev.nabla.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.train.Dataset;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DigitDataTest {

    /** The pixels of sample i, as a key for set membership. */
    private static ByteBuffer image(Dataset d, int i) {
        int per = d.sampleSize();
        ByteBuffer b = ByteBuffer.allocate(per);
        for (int k = 0; k < per; k++) b.put((byte) Math.round(d.features()[i * per + k] * 255));
        return b.flip();
    }

    @Test
    void theBundledMnistSubsetHoldsTenThousandRealDigitsOfEveryClass() {
        Dataset all = DigitData.bundledMnist();
        assertThat(all.size()).isEqualTo(10_000);
        assertThat(all.sampleShape()).containsExactly(1, 28, 28);
        int[] perClass = new int[10];
        for (float t : all.targets()) perClass[(int) t]++;
        assertThat(perClass).containsExactly(1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978);
        float min = 1, max = 0;
        for (float v : all.features()) { min = Math.min(min, v); max = Math.max(max, v); }
        assertThat(min).isEqualTo(0f);
        assertThat(max).isEqualTo(1f);
    }

    @Test
    void theHeldOutDigitsNeverOccurInTraining() {
        DigitData d = DigitData.mnist();
        assertThat(d.train().size()).isEqualTo(8_000);
        assertThat(d.test().size()).isEqualTo(2_000);
        // by index: the split is a partition of the 10,000
        int[] train = DigitData.mnistSplit(10_000).train(), test = DigitData.mnistSplit(10_000).test();
        assertThat(Arrays.stream(test).filter(i -> Arrays.binarySearch(train, i) >= 0).count()).isZero();
        // and by content: no held-out image equals a training image pixel for pixel
        Set<ByteBuffer> seen = new HashSet<>();
        for (int i = 0; i < d.train().size(); i++) seen.add(image(d.train(), i));
        for (int i = 0; i < d.test().size(); i++) assertThat(seen).as("held-out image %d", i).doesNotContain(image(d.test(), i));
        // every class is held out
        Set<Float> classes = new HashSet<>();
        for (float t : d.test().targets()) classes.add(t);
        assertThat(classes).hasSize(10);
    }

    @Test
    void fashionMnistIsReadFromDebiansDirectoryWhenPresent() {
        boolean present = Files.isReadable(DigitData.FASHION_DIR.resolve("t10k-images-idx3-ubyte.gz"));
        if (!present) System.out.println("skipping the Fashion-MNIST check: " + DigitData.FASHION_DIR + " is absent (apt-get install dataset-fashion-mnist)");
        Assumptions.assumeTrue(present, DigitData.FASHION_DIR + " is absent");
        DigitData d = DigitData.fashion(DigitData.FASHION_DIR);
        assertThat(d.train().size()).isEqualTo(60_000);
        assertThat(d.test().size()).isEqualTo(10_000);
        assertThat(d.test().sampleShape()).containsExactly(1, 28, 28);
    }

    @Test
    void aMissingFashionDirectorySaysWhatToInstall(@TempDir Path empty) {
        assertThatThrownBy(() -> DigitData.load("fashion", empty))
                .hasMessageContaining("Fashion-MNIST not found")
                .hasMessageContaining("apt-get install dataset-fashion-mnist")
                .hasMessageContaining("--data-dir");
        assertThatThrownBy(() -> DigitData.load("cifar", null)).hasMessageContaining("unknown data set 'cifar'");
    }
}
