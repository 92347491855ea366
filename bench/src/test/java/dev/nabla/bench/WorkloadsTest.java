package dev.nabla.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The throughput workloads really train: a few steps on their fixed batch lower the loss, and it stays finite — the
 * four of the peer comparison and sizes of the scaling table.
 */
class WorkloadsTest {
    @ParameterizedTest
    @ValueSource(strings = {"mlp", "lenet5", "rnn", "lstm", "mlp-b16-w512", "lenet5-b16", "lstm-h128-t16", "rnn-h64-t8"})
    void lossIsFiniteAndDecreases(String name) {
        try (Backend be = Backends.create("cpu")) {
            Workloads.Workload w = Workloads.create(name, be);
            float first = w.step(), last = first;
            for (int i = 0; i < 8; i++) {
                last = w.step();
                assertThat(last).as(name + " step " + (i + 2)).isFinite();
            }
            assertThat(first).as(name + " initial loss").isBetween(1f, 6f);   // ≈ ln 10 or ln 65 from a random start
            assertThat(last).as(name + " loss after 9 steps on one batch").isLessThan(first);
        }
    }

    @Test
    void anUnknownWorkloadIsRefusedWithTheNamesThatExist() {
        try (Backend be = Backends.create("ref")) {
            assertThatThrownBy(() -> Workloads.create("mlp-b16", be))
                    .hasMessageContaining("unknown workload 'mlp-b16'").hasMessageContaining("mlp-b<batch>-w<width>");
        }
    }
}
