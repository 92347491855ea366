package dev.nabla.cpu;

import java.util.concurrent.ForkJoinPool;

/**
 * The CPU backend's small shared thread pool: {@link #range} splits [0, n) into at most {@link #threads()} contiguous
 * chunks that the calling thread and the pool's workers claim one at a time, and returns when all are done. Work below
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
        int per0 = (n + chunks - 1) / chunks;
        int per = (per0 + align - 1) / align * align;
        int parts = (n + per - 1) / per;
        Job job = new Job(n, per, parts, body);
        for (int t = 1; t < parts; t++) POOL.execute(job::work);   // helpers: each claims chunks until none are left
        job.work();                                                 // the caller claims too, so it never waits for a
        job.await();                                                //   worker the OS has not scheduled yet
    }

    /**
     * One call's chunks, claimed one at a time from a counter: whoever comes first (caller or pool worker) runs the
     * next chunk; the caller then waits only for chunks already being computed. Boundaries are fixed up front.
     */
    private static final class Job {
        private final int n, per, parts;
        private final Range body;
        private final java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger(),
                done = new java.util.concurrent.atomic.AtomicInteger();
        private volatile Throwable failure;

        Job(int n, int per, int parts, Range body) { this.n = n; this.per = per; this.parts = parts; this.body = body; }

        void work() {
            for (int c; (c = next.getAndIncrement()) < parts; ) {
                try {
                    if (failure == null) body.run(c * per, Math.min(n, (c + 1) * per));
                } catch (Throwable e) {
                    if (failure == null) failure = e;
                } finally {
                    done.incrementAndGet();
                }
            }
        }

        void await() {
            for (int spins = 0; done.get() < parts; spins++) {
                if (spins < 1000) Thread.onSpinWait();
                else Thread.yield();                                // a worker descheduled mid-chunk: let it run
            }
            Throwable f = failure;
            if (f instanceof RuntimeException r) throw r;
            if (f instanceof Error e) throw e;
            if (f != null) throw new IllegalStateException(f);
        }
    }

    static void range(int n, int grain, Range body) { range(n, grain, 1, body); }
}
