package dev.nabla.gpu.cuda;

import static jcuda.driver.JCudaDriver.*;

import dev.nabla.backend.SignalHandlers;
import dev.nabla.gpu.KernelFiles;
import dev.nabla.gpu.LaunchStats;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

/**
 * The process-wide part of CUDA, through jcuda's driver API ({@code JCudaDriver} only: its NVRTC and cuBLAS bindings
 * need CUDA 12 libraries that a CUDA 13 machine lacks): the device, its primary context (CUDA 13 changed
 * {@code cuCtxCreate}'s signature; the primary context has none of that), and the modules loaded from the fatbins the
 * Maven build made with nvcc ({@code dev/nabla/kernels/cuda/<family>.fatbin}, loaded lazily with
 * {@code cuModuleLoadData}). Functions are shared: a CUDA launch takes its arguments with it, so backends on several
 * threads may launch the same function on their own streams.
 *
 * <p>Device choice: {@code -Dnabla.cuda.device=N} or {@code NABLA_CUDA_DEVICE=N} (default 0).
 *
 * <p>jcuda binds the driver's symbols lazily (a missing one would end the JVM at its first call), so nothing outside
 * this package touches jcuda: the device layer sees only {@link dev.nabla.gpu.DeviceRuntime}, and a binding through
 * {@code java.lang.foreign} could replace this one.
 */
final class CudaDevice {
    private static CudaDevice shared;
    private static String failure;

    final CUdevice device = new CUdevice();
    final CUcontext context = new CUcontext();
    final String name;
    final long totalMem;
    final int smCount, maxThreadsPerBlock, sharedMemPerBlock, ccMajor, ccMinor, driverVersion;
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final ThreadLocal<Boolean> current = ThreadLocal.withInitial(() -> false);

    private CudaDevice(int ordinal) {
        JCudaDriver.setExceptionsEnabled(true);
        cuInit(0);
        int[] v = new int[1];
        cuDeviceGetCount(v);
        if (v[0] == 0) throw new IllegalStateException("the NVIDIA driver is here but sees no CUDA device");
        if (ordinal >= v[0]) throw new IllegalStateException("NABLA_CUDA_DEVICE=" + ordinal + ": only " + v[0] + " CUDA device(s)");
        cuDeviceGet(device, ordinal);
        byte[] buf = new byte[256];
        cuDeviceGetName(buf, buf.length, device);
        int len = 0;
        while (len < buf.length && buf[len] != 0) len++;
        this.name = new String(buf, 0, len, StandardCharsets.US_ASCII);
        long[] mem = new long[1];
        cuDeviceTotalMem(mem, device);
        this.totalMem = mem[0];
        this.smCount = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        this.maxThreadsPerBlock = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
        this.sharedMemPerBlock = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK);
        this.ccMajor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        this.ccMinor = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        cuDriverGetVersion(v);
        this.driverVersion = v[0];
        cuDevicePrimaryCtxRetain(context, device);
        makeCurrent();
    }

    private int attribute(int which) {
        int[] v = new int[1];
        cuDeviceGetAttribute(v, which, device);
        return v[0];
    }

    /** The device, opened once per process; throws {@link IllegalStateException} with the reason if CUDA is not usable. */
    static synchronized CudaDevice get() {
        if (shared != null) return shared;
        String why = unavailableReason();
        if (why != null) throw new IllegalStateException(why);
        return shared;
    }

    /**
     * Null if a CUDA device can be used here, else why not. Looks before it leaps, so that a machine without a driver
     * gets a reason and not a dead JVM: the fatbins must be on the class path and {@code libcuda.so.1} loadable
     * before jcuda is touched.
     */
    static synchronized String unavailableReason() {
        if (shared != null) return null;
        if (failure != null) return failure;
        if (KernelFiles.bytes("cuda/elementwise.fatbin") == null) {
            return failure = "the CUDA kernels were not built (nvcc was missing when nabla-kernels was built: see kernels/build-cuda.sh)";
        }
        try {
            SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
        } catch (IllegalArgumentException e) {
            return failure = "no NVIDIA driver here: libcuda.so.1 cannot be loaded";
        } catch (IllegalCallerException | UnsupportedOperationException e) {
            // native access not enabled for FFM: let jcuda's own loading report
        }
        try {
            shared = SignalHandlers.preserving(() -> new CudaDevice(ordinal()));
            return null;
        } catch (RuntimeException | LinkageError e) {
            return failure = "CUDA is not usable here: " + e;
        }
    }

    private static int ordinal() {
        String s = System.getProperty("nabla.cuda.device");
        if (s == null || s.isBlank()) s = System.getenv("NABLA_CUDA_DEVICE");
        if (s == null || s.isBlank()) return 0;
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("NABLA_CUDA_DEVICE=" + s + ": expected a device index (0, 1, …)");
        }
    }

    /** Makes the primary context current on the calling thread (once per thread). */
    void makeCurrent() {
        if (current.get()) return;
        cuCtxSetCurrent(context);
        current.set(true);
    }

    /**
     * The function for (kernel, variant): a variant ("NAME=VALUE …") is a build of the kernel with other constants,
     * which kernels/cuda/&lt;family&gt;.cu compiles under the name kernel__NAME_VALUE_… (e.g. sgemm__TS_M_128_TS_N_128_TS_K_8).
     */
    synchronized CUfunction function(String kernel, String variant) {
        String symbol = variant.isEmpty() ? kernel : kernel + "__" + variant.replaceAll("[^A-Za-z0-9]", "_");
        CUfunction f = functions.get(symbol);
        if (f != null) return f;
        String family = KernelFiles.familyOf(kernel);
        CUmodule m = modules.get(family);
        if (m == null) {
            byte[] image = KernelFiles.bytes("cuda/" + family + ".fatbin");
            if (image == null) throw new IllegalStateException("no " + family + ".fatbin on the class path (nabla-kernels built without nvcc?)");
            m = new CUmodule();
            try {
                cuModuleLoadData(m, image);
            } catch (RuntimeException e) {
                throw new IllegalStateException("cuModuleLoadData(" + family + ".fatbin) failed on " + this
                        + " (error 222 means PTX newer than the driver: the fatbin has sm_80/sm_90 code for that): " + e.getMessage(), e);
            }
            modules.put(family, m);
            LaunchStats.of("cuda").built(family);
        }
        f = new CUfunction();
        try {
            cuModuleGetFunction(f, m, symbol);
        } catch (RuntimeException e) {
            throw new IllegalStateException("no kernel " + symbol + " in " + family + ".fatbin"
                    + (variant.isEmpty() ? "" : " (kernels/cuda/" + family + ".cu compiles only the variants it lists)"), e);
        }
        functions.put(symbol, f);
        LaunchStats.of("cuda").created(kernel);
        return f;
    }

    @Override
    public String toString() {
        return name + " (sm_" + ccMajor + ccMinor + ", " + smCount + " SMs, " + totalMem / (1 << 20) + " MiB, CUDA driver "
                + driverVersion / 1000 + "." + driverVersion % 1000 / 10 + ")";
    }
}
