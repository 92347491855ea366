package dev.nabla.gpu;

/**
 * What a {@link DeviceBackend} needs of a GPU API, and nothing more: device memory, copies, launching a named kernel
 * with arguments, and ordering. One runtime instance belongs to one backend instance and has its own in-order queue
 * (OpenCL command queue, CUDA stream) and its own kernel objects, so two backends on two threads share nothing that
 * a launch mutates. Everything the device layer does above this (tensors, the buffer pool, which kernel computes
 * which op, argument checks, the owning thread) is written once in {@link DeviceBackend}.
 *
 * <p>Work is queued in order and runs asynchronously; only {@link #download} and {@link #finish} wait for it, and
 * each such wait is counted ({@link #hostSyncs}): a training step should need one (the loss).
 *
 * @param <B> the device buffer handle ({@code cl_mem}, {@code CUdeviceptr})
 */
public interface DeviceRuntime<B> extends AutoCloseable {

    /** The backend name this runtime serves: "opencl", "cuda". */
    String name();

    /** The device, e.g. "NVIDIA H200 (CUDA 13.0, 132 SMs)" or "0:0 pthread-… (Portable Computing Language, not a GPU)". */
    String deviceDescription();

    /** True on a real GPU (not a CPU implementation such as PoCL). */
    boolean isGpu();

    /** Device memory in bytes. */
    long globalMemBytes();

    /** Compute units: SMs on NVIDIA, cores on PoCL. */
    int computeUnits();

    /** The largest work-group (thread block) the device runs. */
    int maxWorkGroupSize();

    /** Bytes of work-group (shared) memory one work-group may use: 48 KiB of static shared memory on NVIDIA. */
    long maxLocalMemBytes();

    // ---------------------------------------------------------------- memory

    /** A new device buffer of {@code bytes} bytes, contents undefined; throws {@link OutOfDeviceMemory} when the device is full. */
    B allocate(long bytes);

    /** Gives a buffer back to the driver (may be called from the garbage collector's cleaner thread). */
    void free(B buffer);

    /**
     * Queues a copy of {@code n} floats from {@code src[srcOffset ..]} to {@code dst} at element {@code dstOffset}, without
     * waiting: the values are staged in host memory of the runtime's own first, so the caller may change {@code src}
     * at once.
     */
    void upload(float[] src, int srcOffset, B dst, long dstOffset, int n);

    /** Waits for the queue, then copies {@code n} floats from {@code src} at element {@code srcOffset} into {@code dst[0 .. n)}. */
    void download(B src, long srcOffset, float[] dst, int n);

    // ---------------------------------------------------------------- kernels

    /** A work-group scratch argument of {@code bytes} bytes (OpenCL: a __local pointer; CUDA: dynamic shared memory). */
    record Local(long bytes) {}

    /**
     * Queues kernel {@code kernel} over {@code global} work-items in work-groups of {@code local} (both of the same
     * rank 1–3, each global extent a multiple of the local one). Arguments: buffers of type B, {@link Integer},
     * {@link Float}, and at most one {@link Local}, in the kernel's parameter order. {@code variant} names a build of
     * the kernel's file with other compile-time constants ("" for the default build; e.g. a GEMM tile size).
     */
    void launch(String kernel, String variant, long[] global, long[] local, Object... args);

    /** Hands queued work to the device without waiting for it. */
    void flush();

    /** Waits until all queued work is done. */
    void finish();

    /** How many times this runtime waited for the device ({@link #download}, {@link #finish}). */
    long hostSyncs();

    /** Waits for the queue and releases the queue/stream and everything staged; buffers are freed by their pool. */
    @Override
    void close();

    /** The device has no room for a buffer: the pool collects garbage and retries once before giving up. */
    final class OutOfDeviceMemory extends RuntimeException {
        public OutOfDeviceMemory(String message, Throwable cause) { super(message, cause); }
    }
}
