package dev.nabla.gpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * Host memory for uploads that do not wait: an upload copies the caller's floats into a staging buffer and queues the
 * device copy from there, so the caller may reuse its array at once. A staging buffer is in flight until the next wait
 * for the device ({@link #drained()}), then reused; more than {@link #LIMIT} bytes in flight make the runtime wait.
 *
 * @param <H> the runtime's host buffer (a direct ByteBuffer, pinned CUDA memory)
 */
public final class HostStaging<H> {
    /** In-flight staging above this many bytes: the runtime waits for the device before staging more. */
    static final long LIMIT = 64L << 20;

    private final LongFunction<H> allocate;
    private final java.util.function.BiFunction<H, Long, ByteBuffer> view;
    private final Consumer<H> free;
    private final Map<Long, ArrayDeque<H>> idle = new HashMap<>();
    private final List<H> inFlight = new ArrayList<>();
    private final Map<H, Long> sizes = new java.util.IdentityHashMap<>();
    private long inFlightBytes;

    public HostStaging(LongFunction<H> allocate, java.util.function.BiFunction<H, Long, ByteBuffer> view, Consumer<H> free) {
        this.allocate = allocate;
        this.view = view;
        this.free = free;
    }

    /** True if staging {@code floats} more would pass {@link #LIMIT}: wait for the device first. */
    public boolean full(int floats) { return inFlightBytes + 4L * floats > LIMIT && !inFlight.isEmpty(); }

    /** A staging buffer holding src[off .. off + n), in flight from now on. */
    public H stage(float[] src, int off, int n) {
        long bytes = Math.max(256, Long.highestOneBit(Math.max(1, 4L * n - 1)) << 1);   // power-of-two buckets
        ArrayDeque<H> free = idle.get(bytes);
        H h = free == null || free.isEmpty() ? null : free.pop();
        if (h == null) {                                                   // bytes: the bucket, not n
            h = allocate.apply(bytes);
            sizes.put(h, bytes);
        }
        ByteBuffer b = view.apply(h, bytes).order(ByteOrder.nativeOrder());
        b.clear();
        b.asFloatBuffer().put(src, off, n);
        inFlight.add(h);
        inFlightBytes += bytes;
        return h;
    }

    /** The device has caught up: every staged buffer may be reused. */
    public void drained() {
        for (H h : inFlight) idle.computeIfAbsent(sizes.get(h), x -> new ArrayDeque<>()).push(h);
        inFlight.clear();
        inFlightBytes = 0;
    }

    /** Frees every staging buffer (the device must be idle). */
    public void close() {
        drained();
        for (ArrayDeque<H> q : idle.values()) for (H h : q) free.accept(h);
        idle.clear();
        sizes.clear();
    }
}
