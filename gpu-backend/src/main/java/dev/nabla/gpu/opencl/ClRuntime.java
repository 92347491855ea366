package dev.nabla.gpu.opencl;

import static org.jocl.CL.*;

import dev.nabla.gpu.DeviceRuntime;
import dev.nabla.gpu.HostStaging;
import dev.nabla.gpu.KernelFiles;
import dev.nabla.gpu.LaunchStats;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

/**
 * OpenCL as a {@link DeviceRuntime}: one in-order command queue and one set of kernel objects per backend (kernel
 * arguments are state of a kernel object, so sharing them between threads would mix launches), on the process-wide
 * context and programs of {@link ClPlatform}.
 */
final class ClRuntime implements DeviceRuntime<cl_mem> {
    /** Launches between two clFlush calls: work reaches the device while the host keeps queueing. */
    private static final int FLUSH_EVERY = 16;
    private static final LaunchStats STATS = LaunchStats.of("opencl");

    private final ClPlatform platform;
    private final cl_command_queue queue;
    private final Map<String, cl_kernel> kernels = new HashMap<>();
    /** Direct ByteBuffers: a non-blocking write reads them when the copy runs, so they stay untouched until then. */
    private final HostStaging<ByteBuffer> staging = new HostStaging<>(bytes -> ByteBuffer.allocateDirect(Math.toIntExact(bytes)), (b, bytes) -> b, b -> {});
    private long syncs;
    private int sinceFlush;

    ClRuntime(ClPlatform platform) {
        this.platform = platform;
        this.queue = clCreateCommandQueue(platform.context, platform.info.device(), 0, null);   // in order, no profiling
    }

    @Override public String name() { return "opencl"; }

    @Override public String deviceDescription() { return platform.info.toString(); }

    @Override public boolean isGpu() { return platform.info.gpu(); }

    @Override public long globalMemBytes() { return platform.globalMemBytes; }

    @Override public int computeUnits() { return platform.computeUnits; }

    @Override public int maxWorkGroupSize() { return (int) Math.min(Integer.MAX_VALUE, platform.maxWorkGroupSize); }

    @Override public long maxLocalMemBytes() { return platform.localMemBytes; }

    @Override
    public cl_mem allocate(long bytes) {
        try {
            return clCreateBuffer(platform.context, CL_MEM_READ_WRITE, bytes, null, null);
        } catch (CLException e) {
            throw new OutOfDeviceMemory("OpenCL: no room for a buffer of " + bytes + " bytes on " + platform.info + " (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public void free(cl_mem buffer) { clReleaseMemObject(buffer); }

    @Override
    public void upload(float[] src, int srcOffset, cl_mem dst, long dstOffset, int n) {
        if (staging.full(n)) finish();
        ByteBuffer host = staging.stage(src, srcOffset, n);
        clEnqueueWriteBuffer(queue, dst, CL_FALSE, dstOffset * Float.BYTES, (long) n * Float.BYTES, Pointer.to(host), 0, null, null);
        flushNowAndThen();
    }

    @Override
    public void download(cl_mem src, long srcOffset, float[] dst, int n) {
        syncs++;
        clEnqueueReadBuffer(queue, src, CL_TRUE, srcOffset * Float.BYTES, (long) n * Float.BYTES, Pointer.to(dst), 0, null, null);
        staging.drained();
        sinceFlush = 0;
    }

    @Override
    public void launch(String kernel, String variant, long[] global, long[] local, Object... args) {
        cl_kernel k = kernel(kernel, variant);
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            switch (a) {
                case cl_mem m -> clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(m));
                case Integer v -> clSetKernelArg(k, i, Sizeof.cl_int, Pointer.to(new int[] {v}));
                case Float v -> clSetKernelArg(k, i, Sizeof.cl_float, Pointer.to(new float[] {v}));
                case Local l -> clSetKernelArg(k, i, l.bytes(), null);
                default -> throw new IllegalArgumentException(kernel + ": argument " + i + " has unsupported type " + a.getClass());
            }
        }
        clEnqueueNDRangeKernel(queue, k, global.length, null, global, local, 0, null, null);
        STATS.launched(kernel, variant);
        flushNowAndThen();
    }

    private void flushNowAndThen() {
        if (++sinceFlush >= FLUSH_EVERY) flush();
    }

    /** This runtime's kernel object for (kernel, variant), created from the shared program on first use. */
    private cl_kernel kernel(String name, String variant) {
        String key = variant.isEmpty() ? name : name + " " + variant;
        cl_kernel k = kernels.get(key);
        if (k == null) {
            k = clCreateKernel(platform.program(KernelFiles.familyOf(name), variant), name, null);
            kernels.put(key, k);
            STATS.created(name);
        }
        return k;
    }

    @Override
    public void flush() {
        clFlush(queue);
        sinceFlush = 0;
    }

    @Override
    public void finish() {
        syncs++;
        clFinish(queue);
        staging.drained();
        sinceFlush = 0;
    }

    @Override
    public long hostSyncs() { return syncs; }

    @Override
    public void close() {
        clFinish(queue);
        staging.close();
        for (cl_kernel k : kernels.values()) clReleaseKernel(k);
        kernels.clear();
        clReleaseCommandQueue(queue);
    }
}
