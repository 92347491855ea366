package dev.nabla.gpu.cuda;

import static jcuda.driver.JCudaDriver.*;

import dev.nabla.gpu.DeviceRuntime;
import dev.nabla.gpu.HostStaging;
import dev.nabla.gpu.LaunchStats;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.CudaException;

/**
 * CUDA as a {@link DeviceRuntime}, through jcuda's driver API: one non-blocking stream per backend; uploads and
 * downloads go through pinned host memory ({@code cuMemAllocHost}), so an upload is a true asynchronous copy on the
 * stream and a download waits for the stream alone. A launch turns the OpenCL-style NDRange into a grid of blocks
 * (global / local per axis) and a {@link Local} scratch into the launch's dynamic shared memory.
 */
final class CudaRuntime implements DeviceRuntime<CUdeviceptr> {
    private static final LaunchStats STATS = LaunchStats.of("cuda");

    private final CudaDevice dev;
    private final CUstream stream = new CUstream();
    private final HostStaging<Pointer> staging = new HostStaging<>(CudaRuntime::pinned, (p, bytes) -> p.getByteBuffer(0, bytes), CudaRuntime::unpin);
    private Pointer readBack;
    private long readBackBytes, syncs;

    CudaRuntime(CudaDevice dev) {
        this.dev = dev;
        dev.makeCurrent();
        cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING);
    }

    private static Pointer pinned(long bytes) {
        Pointer p = new Pointer();
        cuMemAllocHost(p, bytes);
        return p;
    }

    private static void unpin(Pointer p) { cuMemFreeHost(p); }

    @Override public String name() { return "cuda"; }

    @Override public String deviceDescription() { return dev.toString(); }

    @Override public boolean isGpu() { return true; }

    @Override public long globalMemBytes() { return dev.totalMem; }

    @Override public int computeUnits() { return dev.smCount; }

    @Override public int maxWorkGroupSize() { return dev.maxThreadsPerBlock; }

    @Override public long maxLocalMemBytes() { return dev.sharedMemPerBlock; }

    @Override
    public CUdeviceptr allocate(long bytes) {
        dev.makeCurrent();
        CUdeviceptr p = new CUdeviceptr();
        try {
            cuMemAlloc(p, bytes);
        } catch (CudaException e) {
            throw new OutOfDeviceMemory("CUDA: no room for a buffer of " + bytes + " bytes on " + dev + " (" + e.getMessage() + ")", e);
        }
        return p;
    }

    @Override
    public void free(CUdeviceptr buffer) {
        dev.makeCurrent();          // the GC's cleaner thread may return a buffer after the pool closed
        cuMemFree(buffer);
    }

    @Override
    public void upload(float[] src, int srcOffset, CUdeviceptr dst, long dstOffset, int n) {
        dev.makeCurrent();
        if (staging.full(n)) finish();
        Pointer host = staging.stage(src, srcOffset, n);
        cuMemcpyHtoDAsync(dst.withByteOffset(dstOffset * Float.BYTES), host, (long) n * Float.BYTES, stream);
    }

    @Override
    public void download(CUdeviceptr src, long srcOffset, float[] dst, int n) {
        dev.makeCurrent();
        long bytes = (long) n * Float.BYTES;
        if (readBackBytes < bytes) {
            if (readBack != null) cuMemFreeHost(readBack);
            readBackBytes = Math.max(bytes, 4096);
            readBack = pinned(readBackBytes);
        }
        cuMemcpyDtoHAsync(readBack, src.withByteOffset(srcOffset * Float.BYTES), bytes, stream);
        finish();
        readBack.getByteBuffer(0, bytes).order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer().get(dst, 0, n);
    }

    @Override
    public void launch(String kernel, String variant, long[] global, long[] local, Object... args) {
        dev.makeCurrent();
        int[][] gb = gridAndBlock(kernel, global, local);
        int[] shared = new int[1];
        Pointer params = Pointer.to(kernelParams(kernel, args, shared));
        try {
            cuLaunchKernel(dev.function(kernel, variant), gb[0][0], gb[0][1], gb[0][2], gb[1][0], gb[1][1], gb[1][2], shared[0], stream,
                    params, null);
        } catch (CudaException e) {
            throw new IllegalStateException("CUDA launch of " + kernel + (variant.isEmpty() ? "" : " (" + variant + ")") + " failed on "
                    + dev + ": " + e.getMessage(), e);
        }
        STATS.launched(kernel, variant);
    }

    /** The OpenCL-style NDRange as CUDA's {grid, block}: blocks of {@code local}, global / local of them per axis. */
    static int[][] gridAndBlock(String kernel, long[] global, long[] local) {
        if (global.length != local.length || global.length < 1 || global.length > 3) {
            throw new IllegalArgumentException(kernel + ": global " + java.util.Arrays.toString(global) + " and local "
                    + java.util.Arrays.toString(local) + " must have the same rank, 1 to 3");
        }
        int[] grid = {1, 1, 1}, block = {1, 1, 1};
        for (int d = 0; d < global.length; d++) {
            if (local[d] < 1 || global[d] % local[d] != 0) {
                throw new IllegalArgumentException(kernel + ": global size " + global[d] + " is not a multiple of the work-group size " + local[d]);
            }
            grid[d] = Math.toIntExact(global[d] / local[d]);
            block[d] = Math.toIntExact(local[d]);
        }
        return new int[][] {grid, block};
    }

    /**
     * The kernel's parameters as pointers to their values; a {@link Local} scratch becomes the launch's dynamic shared
     * memory ({@code shared[0]} bytes) and is also passed as its byte count (dialect/cuda.h's SCRATCH_ARG).
     */
    static Pointer[] kernelParams(String kernel, Object[] args, int[] shared) {
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            params[i] = switch (args[i]) {
                case CUdeviceptr p -> Pointer.to(p);
                case Integer v -> Pointer.to(new int[] {v});
                case Float v -> Pointer.to(new float[] {v});
                case Local l -> {
                    if (shared[0] != 0) throw new IllegalArgumentException(kernel + ": more than one Local argument");
                    shared[0] = Math.toIntExact(l.bytes());
                    yield Pointer.to(new int[] {shared[0]});
                }
                case null -> throw new IllegalArgumentException(kernel + ": argument " + i + " is null");
                default -> throw new IllegalArgumentException(kernel + ": argument " + i + " has unsupported type " + args[i].getClass().getName());
            };
        }
        return params;
    }

    @Override
    public void flush() {
        // cuLaunchKernel hands each launch to the device as it is queued
    }

    @Override
    public void finish() {
        dev.makeCurrent();
        syncs++;
        try {
            cuStreamSynchronize(stream);
        } catch (CudaException e) {
            throw new IllegalStateException("CUDA: a kernel queued on " + dev + " failed: " + e.getMessage(), e);
        }
        staging.drained();
    }

    @Override
    public long hostSyncs() { return syncs; }

    @Override
    public void close() {
        dev.makeCurrent();
        cuStreamSynchronize(stream);
        staging.close();
        if (readBack != null) cuMemFreeHost(readBack);
        cuStreamDestroy(stream);
    }
}
