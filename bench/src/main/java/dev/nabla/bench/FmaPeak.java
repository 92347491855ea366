package dev.nabla.bench;

import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's float FMA peak as the JVM reaches it: each thread runs {@value #CHAINS} independent chains
 * acc_i ← acc_i·a + b of the widest float vectors (enough in flight to cover an FMA's latency on two FMA pipes), 2
 * FLOPs per lane per FMA, on 1 thread and on every core at once. The fraction-of-peak figures in
 * {@code bench/RESULTS.md} divide by these numbers.
 * <pre>
 *   bench/fma-peak.sh            # prints GFLOP/s for 1 thread and for all cores, best of 5 rounds
 * </pre>
 */
public final class FmaPeak {
    private FmaPeak() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int CHAINS = 12;
    static final long ITERATIONS = 200_000_000;                        // ≈ 0.3 s a round on one Zen 5 core

    public static void main(String[] args) throws InterruptedException {
        int cores = Runtime.getRuntime().availableProcessors();
        for (int round = 0; round < 3; round++) run(1, ITERATIONS / 10);              // warm-up: C2 compiles chains()
        double one = 0, all = 0;
        for (int round = 0; round < 5; round++) {
            one = Math.max(one, run(1, ITERATIONS));
            all = Math.max(all, run(cores, ITERATIONS));
        }
        System.out.printf(Locale.ROOT, "fma-peak %d-bit floats, %d chains: 1 thread %.1f GFLOP/s, %d threads %.1f GFLOP/s (best of 5)%n",
                S.vectorBitSize(), CHAINS, one, cores, all);
    }

    /** GFLOP/s of {@code threads} threads each running {@code n} iterations of the chains. */
    static double run(int threads, long n) throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        Thread[] ts = new Thread[threads];
        float[] sink = new float[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts[t] = new Thread(() -> {
                try { start.await(); } catch (InterruptedException e) { throw new IllegalStateException(e); }
                sink[id] = chains(n);
            });
            ts[t].start();
        }
        long t0 = System.nanoTime();
        start.countDown();
        for (Thread t : ts) t.join();
        double seconds = (System.nanoTime() - t0) / 1e9;
        float keep = 0;
        for (float s : sink) keep += s;
        if (keep == 42.4242f) System.out.println();                      // the results are used: C2 cannot drop the loop
        return 2.0 * S.length() * CHAINS * n * threads / seconds / 1e9;
    }

    static float chains(long n) {
        FloatVector a = FloatVector.broadcast(S, 0.999999f), b = FloatVector.broadcast(S, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(S, 1), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0,
                c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < n; i++) {
            c0 = c0.fma(a, b); c1 = c1.fma(a, b); c2 = c2.fma(a, b); c3 = c3.fma(a, b);
            c4 = c4.fma(a, b); c5 = c5.fma(a, b); c6 = c6.fma(a, b); c7 = c7.fma(a, b);
            c8 = c8.fma(a, b); c9 = c9.fma(a, b); c10 = c10.fma(a, b); c11 = c11.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(VectorOperators.ADD);
    }
}
