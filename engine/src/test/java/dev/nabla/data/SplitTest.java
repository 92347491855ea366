package dev.nabla.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SplitTest {
    @Test
    void theHoldOutIsDisjointFromTrainingCoversEverySampleAndIsFixedBySeed() {
        Split s = Split.holdOut(1000, 200, 42);
        assertThat(s.test()).hasSize(200);
        assertThat(s.train()).hasSize(800);
        assertThat(IntStream.of(s.test()).filter(i -> Arrays.binarySearch(s.train(), i) >= 0).count()).isZero();
        int[] all = IntStream.concat(IntStream.of(s.train()), IntStream.of(s.test())).sorted().toArray();
        assertThat(all).isEqualTo(IntStream.range(0, 1000).toArray());
        assertThat(Split.holdOut(1000, 200, 42).test()).isEqualTo(s.test());
        assertThat(Split.holdOut(1000, 200, 43).test()).isNotEqualTo(s.test());
        // a random choice, not a block: the held-out indices are spread over the whole range
        assertThat(s.test()[0]).isLessThan(50);
        assertThat(s.test()[199]).isGreaterThan(950);
    }

    @Test
    void degenerateSplitsAreRefused() {
        assertThatThrownBy(() -> Split.holdOut(10, 10, 1)).hasMessageContaining("1 ≤ test count < n");
        assertThatThrownBy(() -> Split.holdOut(10, 0, 1)).hasMessageContaining("1 ≤ test count < n");
    }
}
