package dev.nabla.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Backend's javadoc says one CPU backend may serve several threads (on tensors no other thread writes): it does. */
class SharedBetweenThreadsTest {
    private static float[] work(Backend b, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] a = new float[257 * 129], w = new float[129 * 65];
        for (int i = 0; i < a.length; i++) a[i] = (float) rng.nextDouble(-1, 1);
        for (int i = 0; i < w.length; i++) w[i] = (float) rng.nextDouble(-1, 1);
        Tensor x = b.upload(a, 257, 129), y = b.upload(w, 129, 65), c = b.zeros(257, 65);
        for (int r = 0; r < 20; r++) {
            b.gemm(false, false, 1f, x, y, 0.5f, c);
            b.activation(Activation.TANH, c, c);
        }
        return b.download(c);
    }

    @Test
    void oneCpuBackendServesFourThreadsAtOnceAsItServesOne() throws Exception {
        try (Backend cpu = new CpuBackend()) {
            List<float[]> alone = new ArrayList<>();
            for (int t = 0; t < 4; t++) alone.add(work(cpu, t));
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[]>> together = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    long seed = t;
                    together.add(pool.submit(() -> work(cpu, seed)));
                }
                for (int t = 0; t < 4; t++) assertThat(together.get(t).get()).as("thread " + t).containsExactly(alone.get(t));
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
