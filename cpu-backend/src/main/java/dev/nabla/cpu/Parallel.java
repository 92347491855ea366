package dev.nabla.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * The CPU backend's one thread pool, shared by {@link Sgemm} and every other op: {@link #run} computes parts 0 … n−1
 * of a job on the calling thread and {@link #threads()} − 1 daemon workers, and returns when all are done.
 *
 * <p>Parts are claimed one at a time from a shared claim word, so the caller never waits for a worker the OS has not
 * scheduled yet: it takes over the unclaimed parts and waits only for parts already being computed. Workers spin
 * briefly for the next job before parking — a training step's ops come back to back, and waking a parked thread
 * costs tens of microseconds in a VM, as long as a small op. One job at a time: a call made while the pool is busy
 * (from inside a part, or from another thread) runs its parts one after another on its own thread, so the parts
 * and hence every result are the same either way.
 *
 * <p>{@link #range} splits [0, n) into contiguous chunks; chunk boundaries never change a result, since every op
 * splits only where the outputs are independent (reductions use fixed chunks of their own).
 * The thread count is the number of cores, or {@code -Dnabla.threads=N}.
 */
final class Parallel {
    private Parallel() {}

    /** The body of a parallel loop over [from, to). */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    static final int THREADS = Math.max(1, Integer.getInteger("nabla.threads", Runtime.getRuntime().availableProcessors()));
    /** Busy-wait this many pause instructions (≈ 50 µs) for the next job before parking. */
    static final int SPINS = Integer.getInteger("nabla.spins", 1000);

    /** The most parts one job can have (the claim word's 20-bit field). */
    static final int MAX_PARTS = (1 << 20) - 1;

    private static final Pool POOL = THREADS > 1 ? new Pool(THREADS - 1) : null;

    static int threads() { return THREADS; }

    /** body(0), …, body(parts − 1) on the pool; rethrows the first failure. */
    static void run(int parts, IntConsumer body) {
        if (parts <= 1 || POOL == null || !POOL.lock.tryLock()) {
            for (int p = 0; p < parts; p++) body.accept(p);
            return;
        }
        try {
            POOL.execute(parts, body);
        } finally {
            POOL.lock.unlock();
        }
    }

    /**
     * Runs {@code body} over [0, n) in chunks of at least {@code grain} items, each chunk boundary a multiple of
     * {@code align} (so vector loops keep whole vectors). Work below {@code 2·grain} runs inline.
     */
    static void range(int n, int grain, int align, Range body) {
        // up to 4 chunks per thread, claimed one at a time: a worker that starts late (woken from a park) then
        // leaves the caller fewer of its chunks to wait for
        int chunks = Math.min(THREADS == 1 ? 1 : 4 * THREADS, n / Math.max(1, grain));
        if (chunks <= 1) {
            body.run(0, n);
            return;
        }
        int per0 = (n + chunks - 1) / chunks;
        int per = (per0 + align - 1) / align * align;
        int parts = (n + per - 1) / per;
        run(parts, c -> body.run(c * per, Math.min(n, (c + 1) * per)));
    }

    static void range(int n, int grain, Range body) { range(n, grain, 1, body); }

    /** The workers and the current job. */
    private static final class Pool {
        private static final int BITS = 20;
        private static final long MASK = (1L << BITS) - 1;
        final ReentrantLock lock = new ReentrantLock();
        /** (job id << 40) | (parts << 20) | next unclaimed part: a part is claimed by a CAS that also checks the job. */
        private final AtomicLong claim = new AtomicLong();
        private final AtomicInteger completed = new AtomicInteger();
        private final Thread[] workers;
        private long jobId;
        private volatile Thread caller;
        private volatile Throwable failure;
        /** The job: written before the claim word is published, stable while any of its parts is outstanding. */
        private IntConsumer body;

        Pool(int n) {
            workers = new Thread[n];
            for (int w = 0; w < n; w++) {
                workers[w] = new Thread(this::workerLoop, "nabla-cpu-" + (w + 1));
                workers[w].setDaemon(true);
                workers[w].start();
            }
        }

        void execute(int parts, IntConsumer job) {
            if (parts > MAX_PARTS) throw new IllegalArgumentException("too many parts: " + parts);
            body = job;
            failure = null;
            caller = Thread.currentThread();
            completed.set(0);
            jobId = (jobId + 1) & 0xFFFFFF;
            claim.set(jobId << 40 | (long) parts << BITS);             // volatile write: publishes the job
            for (int w = 0; w < Math.min(workers.length, parts - 1); w++) LockSupport.unpark(workers[w]);
            Throwable mine = null;
            try {
                work();
            } catch (Throwable e) {
                mine = e;
            }
            for (int spin = 0; completed.get() < parts; spin++) {     // the caller has nothing else to do: spin longer
                if (spin < 50 * SPINS) Thread.onSpinWait(); else LockSupport.park(this);
            }
            body = null;
            if (mine == null) mine = failure;
            if (mine instanceof RuntimeException re) throw re;
            if (mine instanceof Error er) throw er;
            if (mine != null) throw new IllegalStateException(mine);
        }

        /** Claims and computes parts of the current job until none is left; false if there was none to claim. */
        private boolean work() {
            boolean any = false;
            while (true) {
                long w = claim.get();
                int parts = (int) (w >>> BITS & MASK), next = (int) (w & MASK);
                if (next >= parts) return any;
                if (!claim.compareAndSet(w, w + 1)) continue;
                any = true;
                try {
                    if (failure == null) body.accept(next);
                } catch (Throwable e) {
                    failure = e;
                }
                if (completed.incrementAndGet() == parts) LockSupport.unpark(caller);
            }
        }

        /** A worker computes whatever parts it can claim, spins briefly for the next job, then parks until unparked. */
        private void workerLoop() {
            while (true) {
                if (work()) continue;
                for (int spin = 0; ; spin++) {
                    long w = claim.get();
                    if ((w & MASK) < (w >>> BITS & MASK)) break;
                    if (spin < SPINS) Thread.onSpinWait(); else LockSupport.park(this);
                }
            }
        }
    }
}
