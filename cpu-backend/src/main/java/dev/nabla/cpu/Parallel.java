package dev.nabla.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * The CPU backend's small shared thread pool: {@link #range} splits [0, n) into at most {@link #threads()} contiguous
 * chunks, runs one on the calling thread and the others on the pool, and returns when all are done. Work below
 * {@code 2·grain} runs inline, so small tensors never pay for a hand-off. Chunk boundaries never change a result:
 * every op splits only where the outputs are independent (reductions use fixed chunks of their own).
 * The thread count is the number of cores, or {@code -Dnabla.threads=N}.
 */
final class Parallel {
    private Parallel() {}

    /** The body of a parallel loop over [from, to). */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    private static final int THREADS = Math.max(1, Integer.getInteger("nabla.threads", Runtime.getRuntime().availableProcessors()));

    /** Daemon workers (ForkJoinPool's are), one fewer than the threads: the caller runs a chunk itself. */
    private static final ForkJoinPool POOL = THREADS > 1 ? new ForkJoinPool(THREADS - 1) : null;

    static int threads() { return THREADS; }

    /**
     * Runs {@code body} over [0, n) in chunks of at least {@code grain} items, each chunk boundary a multiple of
     * {@code align} (so vector loops keep whole vectors).
     */
    static void range(int n, int grain, int align, Range body) {
        int chunks = Math.min(THREADS, n / Math.max(1, grain));
        if (chunks <= 1) {
            body.run(0, n);
            return;
        }
        int per = (n + chunks - 1) / chunks;
        per = (per + align - 1) / align * align;
        ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[chunks - 1];
        int started = 0;
        for (int t = 1; t < chunks; t++) {
            int from = t * per, to = Math.min(n, from + per);
            if (from >= to) break;
            tasks[started++] = POOL.submit(() -> body.run(from, to));
        }
        Throwable failure = null;
        try {
            body.run(0, Math.min(n, per));
        } catch (Throwable e) {
            failure = e;
        }
        for (int t = 0; t < started; t++) {
            try {
                tasks[t].join();
            } catch (Throwable e) {
                if (failure == null) failure = e;
            }
        }
        if (failure instanceof RuntimeException r) throw r;
        if (failure instanceof Error e) throw e;
        if (failure != null) throw new IllegalStateException(failure);
    }

    static void range(int n, int grain, Range body) { range(n, grain, 1, body); }
}
