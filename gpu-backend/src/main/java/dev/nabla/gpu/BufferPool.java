package dev.nabla.gpu;

import java.lang.ref.Cleaner;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Device buffers, pooled by size: a released tensor's buffer goes back to a free list keyed by its capacity and the
 * next allocation of that size takes it instead of asking the driver ({@code clCreateBuffer}, {@code cuMemAlloc}). A training loop allocates the
 * same shapes step after step, so after the first step the device allocation total stops growing.
 *
 * <p>Buffers come back either explicitly ({@link dev.nabla.backend.Tensor#close()} → {@link Storage#release()}) or,
 * for tensors a layer never closes, when the garbage collector finds their {@link Storage} unreachable (a
 * {@link Cleaner}). Reuse is safe without waiting: the queue is in order, so work enqueued on a recycled buffer runs
 * after everything enqueued on it before. Sizes are rounded up to {@value #GRANULE} floats.
 *
 * <p>The GC knows nothing of device memory, so when the pool would grow past a soft limit (¾ of the device's memory
 * unless {@code -Dnabla.<backend>.poolLimitMiB} says otherwise) it asks for a collection first and reuses what comes
 * back; if nothing of the right size does, it releases the free buffers of other sizes, and if the live set alone is
 * that large the limit moves up.
 *
 * @param <B> the runtime's buffer handle
 */
public final class BufferPool<B> {
    /** Allocation granule in floats (1 KiB): rounds odd sizes into shared buckets. */
    static final int GRANULE = 256;
    private static final Cleaner CLEANER = Cleaner.create();

    private final DeviceRuntime<B> runtime;
    private long softLimitBytes;
    private final Map<Long, ArrayDeque<B>> free = new HashMap<>();
    private long allocatedBytes, inUseBytes, created, reclaimedByGc;
    private boolean closed;

    BufferPool(DeviceRuntime<B> runtime, long softLimitBytes) {
        this.runtime = runtime;
        this.softLimitBytes = softLimitBytes;
    }

    /** The storage object of a device tensor: a pooled buffer of {@code capacity} floats. */
    public static final class Storage<B> {
        final B mem;
        final long capacity;
        private final Return<B> giveBack;
        private final Cleaner.Cleanable cleanable;

        private Storage(BufferPool<B> pool, B mem, long capacity) {
            this.mem = mem;
            this.capacity = capacity;
            this.giveBack = new Return<>(pool, mem, capacity * Float.BYTES);
            this.cleanable = CLEANER.register(this, giveBack);
        }

        /** Gives the buffer back to the pool (at most once, whether called here or by the GC's cleaner). */
        void release() {
            giveBack.explicit = true;
            cleanable.clean();
        }
    }

    /**
     * The cleaning action: must not reference the Storage, or it would never become unreachable. {@code explicit} tells
     * a {@link Storage#release()} from the GC finding a tensor nobody closed (counted in {@link #reclaimedByGc()}).
     */
    private static final class Return<B> implements Runnable {
        private final BufferPool<B> pool;
        private final B mem;
        private final long bytes;
        private volatile boolean explicit;

        Return(BufferPool<B> pool, B mem, long bytes) {
            this.pool = pool;
            this.mem = mem;
            this.bytes = bytes;
        }

        @Override
        public void run() { pool.give(mem, bytes, !explicit); }
    }

    /** A buffer for at least {@code floats} floats (contents undefined). */
    Storage<B> take(long floats) {
        long capacity = Math.max(GRANULE, (floats + GRANULE - 1) / GRANULE * GRANULE);
        long bytes = capacity * Float.BYTES;
        B mem = takeFree(bytes);
        if (mem == null && allocatedBytes() + bytes > softLimitBytes) {
            reclaimGarbage();
            mem = takeFree(bytes);
            if (mem == null) {
                synchronized (this) {
                    releaseFree();                                   // free buffers of other sizes make room
                    // still over: the live set itself is this large; raise the limit rather than collect on every call
                    if (allocatedBytes + bytes > softLimitBytes) softLimitBytes = (allocatedBytes + bytes) / 4 * 5;
                }
            }
        }
        if (mem == null) {
            try {
                mem = runtime.allocate(bytes);
            } catch (DeviceRuntime.OutOfDeviceMemory e) {   // collect unreachable tensors, free the pool, try once more
                reclaimGarbage();
                B reused = takeFree(bytes);
                if (reused != null) return new Storage<>(this, reused, capacity);
                releaseFree();
                mem = runtime.allocate(bytes);
            }
            synchronized (this) {
                allocatedBytes += bytes;
                inUseBytes += bytes;
                created++;
            }
        }
        return new Storage<>(this, mem, capacity);
    }

    private synchronized B takeFree(long bytes) {
        ArrayDeque<B> list = free.get(bytes);
        if (list == null || list.isEmpty()) return null;
        inUseBytes += bytes;
        return list.pop();
    }

    private synchronized void give(B mem, long bytes, boolean byGc) {
        inUseBytes -= bytes;
        if (byGc) reclaimedByGc++;
        if (closed) {
            runtime.free(mem);
            allocatedBytes -= bytes;
            return;
        }
        free.computeIfAbsent(bytes, b -> new ArrayDeque<>()).push(mem);
    }

    /** Lets the GC find tensors nobody closed; their buffers return through the cleaner. */
    private static void reclaimGarbage() {
        System.gc();
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Releases every free buffer to the driver. */
    private synchronized void releaseFree() {
        for (ArrayDeque<B> list : free.values()) {
            for (B m : list) runtime.free(m);
        }
        free.clear();
        allocatedBytes = inUseBytes;
    }

    /** Releases the free buffers; buffers still in use are released when they come back. */
    synchronized void close() {
        closed = true;
        releaseFree();
    }

    /** Device memory held by this pool: in use plus free. */
    synchronized long allocatedBytes() { return allocatedBytes; }

    synchronized long inUseBytes() { return inUseBytes; }

    /** How many buffers were allocated from the driver (pool misses). */
    synchronized long buffersCreated() { return created; }

    /**
     * How many buffers came back through the GC's cleaner rather than {@link Storage#release()}: tensors somebody
     * dropped without closing. The GC keeps memory bounded, but a training loop should keep this at 0 (a leak test
     * asserts it), since device memory then depends on when the collector happens to run.
     */
    synchronized long reclaimedByGc() { return reclaimedByGc; }
}
