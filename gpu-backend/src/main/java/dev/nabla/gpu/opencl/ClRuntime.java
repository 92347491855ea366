package dev.nabla.gpu.opencl;

import static org.jocl.CL.*;

import dev.nabla.backend.SignalHandlers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_platform_id;
import org.jocl.cl_program;

/**
 * One OpenCL device, its context and its single in-order command queue, and the programs built for it.
 * Shared by every {@link OpenClBackend} of the process (programs are built once per file, lazily, and cached).
 *
 * <p>Device choice: the system property {@code nabla.opencl.device} or else the environment variable
 * {@code NABLA_OPENCL_DEVICE}: {@code gpu}, {@code cpu}, an index into {@link #devices()} ({@code 0}, {@code 1}, …),
 * {@code platform:device} indices ({@code 1:0}), or a case-insensitive part of the device or platform name
 * ({@code pocl}, {@code nvidia}). Default: the first GPU, else the first device.
 *
 * <p>Not thread-safe: a backend is driven from one thread (the buffer pool alone is shared with the GC's cleaner).
 */
public final class ClRuntime {
    /** A device as found: platform and device handles and names. */
    public record DeviceInfo(int platformIndex, int deviceIndex, cl_platform_id platform, cl_device_id device,
                             String platformName, String deviceName, boolean gpu) {
        @Override
        public String toString() {
            return platformIndex + ":" + deviceIndex + " " + deviceName + " (" + platformName + ", " + (gpu ? "GPU" : "not a GPU") + ")";
        }
    }

    private static ClRuntime shared;
    private static String sharedFailure;

    final DeviceInfo info;
    final cl_context context;
    final cl_command_queue queue;
    /** The largest work-group the device accepts. */
    final long maxWorkGroupSize;
    /** Device global memory in bytes. */
    final long globalMemBytes;
    /** Compute units (NVIDIA: SMs; PoCL: cores). */
    final int computeUnits;

    private final Map<String, cl_program> programs = new HashMap<>();
    private final Map<String, cl_kernel> kernels = new HashMap<>();

    // ---- statistics, process-wide (tests check that every kernel was built and launched)
    private static final Map<String, LongAdder> LAUNCHES = new ConcurrentHashMap<>();
    private static final Map<String, LongAdder> VARIANT_LAUNCHES = new ConcurrentHashMap<>();
    private static final Map<String, Boolean> BUILT_FILES = new ConcurrentHashMap<>();
    private static final Map<String, Boolean> CREATED_KERNELS = new ConcurrentHashMap<>();

    private ClRuntime(DeviceInfo info) {
        this.info = info;
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL_CONTEXT_PLATFORM, info.platform());
        this.context = clCreateContext(props, 1, new cl_device_id[] {info.device()}, null, null, null);
        this.queue = clCreateCommandQueue(context, info.device(), 0, null);   // in order, no profiling
        this.maxWorkGroupSize = deviceLong(info.device(), CL_DEVICE_MAX_WORK_GROUP_SIZE);
        this.globalMemBytes = deviceLong(info.device(), CL_DEVICE_GLOBAL_MEM_SIZE);
        int[] cu = new int[1];
        clGetDeviceInfo(info.device(), CL_DEVICE_MAX_COMPUTE_UNITS, Sizeof.cl_uint, Pointer.to(cu), null);
        this.computeUnits = Math.max(1, cu[0]);
    }

    /** The process-wide runtime for the chosen device; throws {@link IllegalStateException} with the reason if there is none. */
    public static synchronized ClRuntime get() {
        if (shared != null) return shared;
        if (sharedFailure != null) throw new IllegalStateException(sharedFailure);
        try {
            DeviceInfo device = probe();
            shared = SignalHandlers.preserving(() -> new ClRuntime(device));   // PoCL brings LLVM: keep the JVM's handlers
            return shared;
        } catch (IllegalStateException e) {
            sharedFailure = e.getMessage();
            throw e;
        } catch (CLException | LinkageError e) {
            sharedFailure = "OpenCL is not usable here: " + e;
            throw new IllegalStateException(sharedFailure, e);
        }
    }

    private static DeviceInfo probed;
    private static String probeFailure;

    /**
     * The device that {@link #get()} would open, found by listing platforms only (no context is created, so ranking
     * backends for {@code auto} stays cheap); throws {@link IllegalStateException} with the reason if there is none.
     */
    public static synchronized DeviceInfo probe() {
        if (shared != null) return shared.info;
        if (probed != null) return probed;
        if (probeFailure != null) throw new IllegalStateException(probeFailure);
        try {
            probed = choose(SignalHandlers.preserving(ClRuntime::devices), selector());   // loading a platform may install handlers
            return probed;
        } catch (IllegalStateException e) {
            probeFailure = e.getMessage();
            throw e;
        } catch (CLException | LinkageError e) {
            probeFailure = "OpenCL is not usable here: " + e;
            throw new IllegalStateException(probeFailure, e);
        }
    }

    /** Null if an OpenCL device is present here, else why not (never throws; does not open the device). */
    public static String unavailableReason() {
        try {
            probe();
            return null;
        } catch (RuntimeException | LinkageError e) {
            return e.getMessage();
        }
    }

    /** The device selector from {@code -Dnabla.opencl.device} or {@code NABLA_OPENCL_DEVICE}; null when unset. */
    static String selector() {
        String s = System.getProperty("nabla.opencl.device");
        if (s == null || s.isBlank()) s = System.getenv("NABLA_OPENCL_DEVICE");
        return s == null || s.isBlank() ? null : s.trim();
    }

    /** Every OpenCL device of every platform; throws {@link IllegalStateException} with a clear message when none. */
    public static List<DeviceInfo> devices() {
        try {
            CL.setExceptionsEnabled(true);
        } catch (LinkageError e) {
            throw new IllegalStateException("no OpenCL runtime: JOCL could not load libOpenCL.so (" + e.getMessage()
                    + "); install an OpenCL ICD loader and a platform, e.g. apt-get install ocl-icd-opencl-dev pocl-opencl-icd");
        }
        int[] count = new int[1];
        try {
            clGetPlatformIDs(0, null, count);
        } catch (CLException e) {
            count[0] = 0;   // CL_PLATFORM_NOT_FOUND_KHR from the ICD loader
        }
        if (count[0] == 0) {
            throw new IllegalStateException("no OpenCL platform found (the ICD loader lists none in /etc/OpenCL/vendors); "
                    + "install one, e.g. apt-get install pocl-opencl-icd, or a GPU driver");
        }
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        clGetPlatformIDs(platforms.length, platforms, null);
        List<DeviceInfo> all = new ArrayList<>();
        for (int p = 0; p < platforms.length; p++) {
            int[] n = new int[1];
            try {
                clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, 0, null, n);
            } catch (CLException e) {
                continue;   // CL_DEVICE_NOT_FOUND: a platform without devices
            }
            cl_device_id[] devs = new cl_device_id[n[0]];
            clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, devs.length, devs, null);
            String pname = platformString(platforms[p], CL_PLATFORM_NAME);
            for (int d = 0; d < devs.length; d++) {
                boolean gpu = (deviceLong(devs[d], CL_DEVICE_TYPE) & CL_DEVICE_TYPE_GPU) != 0;
                all.add(new DeviceInfo(p, d, platforms[p], devs[d], pname, deviceString(devs[d], CL_DEVICE_NAME).trim(), gpu));
            }
        }
        if (all.isEmpty()) throw new IllegalStateException("OpenCL platforms found, but no device on any of them");
        return all;
    }

    /** Applies a selector (see the class comment) to the device list. */
    static DeviceInfo choose(List<DeviceInfo> all, String selector) {
        if (selector == null) {
            return all.stream().filter(DeviceInfo::gpu).findFirst().orElse(all.getFirst());
        }
        String s = selector.toLowerCase(Locale.ROOT);
        if (s.equals("gpu") || s.equals("cpu")) {
            boolean wantGpu = s.equals("gpu");
            return all.stream().filter(d -> d.gpu() == wantGpu).findFirst().orElseThrow(() -> new IllegalStateException(
                    "NABLA_OPENCL_DEVICE=" + selector + ": no such device among " + all));
        }
        if (s.matches("\\d+")) {
            int i = Integer.parseInt(s);
            if (i >= all.size()) throw new IllegalStateException("NABLA_OPENCL_DEVICE=" + selector + ": only " + all.size() + " devices: " + all);
            return all.get(i);
        }
        if (s.matches("\\d+:\\d+")) {
            int p = Integer.parseInt(s.substring(0, s.indexOf(':'))), d = Integer.parseInt(s.substring(s.indexOf(':') + 1));
            return all.stream().filter(x -> x.platformIndex() == p && x.deviceIndex() == d).findFirst().orElseThrow(
                    () -> new IllegalStateException("NABLA_OPENCL_DEVICE=" + selector + ": no such device among " + all));
        }
        return all.stream().filter(x -> (x.deviceName() + " " + x.platformName()).toLowerCase(Locale.ROOT).contains(s)).findFirst()
                .orElseThrow(() -> new IllegalStateException("NABLA_OPENCL_DEVICE=" + selector + ": no device name contains it among " + all));
    }

    public DeviceInfo device() { return info; }

    // ---------------------------------------------------------------- programs and kernels

    /**
     * The kernel of that name from its file built with the given extra build options ("" for none; e.g. gemm.cl's
     * tile size), building the program on first use — once per (file, options) — with the build log in the
     * exception on failure.
     */
    cl_kernel kernel(String name, String options) {
        String key = options.isEmpty() ? name : name + " " + options;
        cl_kernel k = kernels.get(key);
        if (k != null) return k;
        String file = KernelSources.fileOf(name);
        String programKey = options.isEmpty() ? file : file + " " + options;
        cl_program program = programs.get(programKey);
        if (program == null) {
            program = build(file, options);
            programs.put(programKey, program);
        }
        k = clCreateKernel(program, name, null);
        kernels.put(key, k);
        CREATED_KERNELS.put(name, true);
        return k;
    }

    private cl_program build(String file, String options) {
        return SignalHandlers.preserving(() -> buildProgram(file, options));   // the compiler may install signal handlers
    }

    private cl_program buildProgram(String file, String options) {
        // Comments carry the lectures' symbols (σ, ⊙, ←); an OpenCL compiler needs only ASCII, so we hand it that.
        String src = KernelSources.source(file).replaceAll("[^\\x00-\\x7F]", "?");
        cl_program program = clCreateProgramWithSource(context, 1, new String[] {src}, null, null);
        try {
            clBuildProgram(program, 1, new cl_device_id[] {info.device()}, ("-cl-std=CL1.2 " + options).trim(), null, null);
        } catch (CLException e) {
            String log = buildLog(program);
            clReleaseProgram(program);
            throw new IllegalStateException("OpenCL build of " + file + ".cl" + (options.isEmpty() ? "" : " with " + options)
                    + " failed on " + info + " (" + e.getMessage() + "):\n" + log, e);
        }
        BUILT_FILES.put(file, true);
        return program;
    }

    private String buildLog(cl_program program) {
        long[] size = new long[1];
        clGetProgramBuildInfo(program, info.device(), CL_PROGRAM_BUILD_LOG, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetProgramBuildInfo(program, info.device(), CL_PROGRAM_BUILD_LOG, buf.length, Pointer.to(buf), null);
        return new String(buf, 0, Math.max(0, buf.length - 1), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** For tests: builds a program from arbitrary source the way kernel files are built (to show the build log). */
    void buildForTest(String name, String source) {
        cl_program program = clCreateProgramWithSource(context, 1, new String[] {source}, null, null);
        try {
            clBuildProgram(program, 1, new cl_device_id[] {info.device()}, "-cl-std=CL1.2", null, null);
        } catch (CLException e) {
            String log = buildLog(program);
            throw new IllegalStateException("OpenCL build of " + name + " failed on " + info + " (" + e.getMessage() + "):\n" + log, e);
        } finally {
            clReleaseProgram(program);
        }
    }

    /** Marker for a __local scratch argument of {@code bytes} bytes. */
    record Local(long bytes) {}

    /**
     * Enqueues a kernel (asynchronously, on the in-order queue). Arguments: {@link cl_mem}, {@link Integer},
     * {@link Float}, {@link Local}. {@code local} may be null (the implementation picks the work-group size).
     */
    void launch(String name, long[] global, long[] local, Object... args) {
        launchVariant(name, "", global, local, args);
    }

    /** As {@link #launch}, from the kernel's file built with extra build options (a variant, e.g. a GEMM tile size). */
    void launchVariant(String name, String options, long[] global, long[] local, Object... args) {
        cl_kernel k = kernel(name, options);
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            switch (a) {
                case cl_mem m -> clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(m));
                case Integer v -> clSetKernelArg(k, i, Sizeof.cl_int, Pointer.to(new int[] {v}));
                case Float v -> clSetKernelArg(k, i, Sizeof.cl_float, Pointer.to(new float[] {v}));
                case Local l -> clSetKernelArg(k, i, l.bytes(), null);
                default -> throw new IllegalArgumentException(name + ": argument " + i + " has unsupported type " + a.getClass());
            }
        }
        clEnqueueNDRangeKernel(queue, k, global.length, null, global, local, 0, null, null);
        LAUNCHES.computeIfAbsent(name, x -> new LongAdder()).increment();
        if (!options.isEmpty()) VARIANT_LAUNCHES.computeIfAbsent(name + " " + options, x -> new LongAdder()).increment();
    }

    void finish() { clFinish(queue); }

    // ---------------------------------------------------------------- statistics

    /** How many times each kernel was enqueued in this process. */
    public static Map<String, Long> launchCounts() {
        Map<String, Long> m = new java.util.TreeMap<>();
        LAUNCHES.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** Launches of kernels built with extra options, by "name options". */
    public static Map<String, Long> variantLaunchCounts() {
        Map<String, Long> m = new java.util.TreeMap<>();
        VARIANT_LAUNCHES.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** The kernel files whose program was built in this process. */
    public static java.util.Set<String> builtFiles() { return new java.util.TreeSet<>(BUILT_FILES.keySet()); }

    /** The kernels created (from built programs) in this process. */
    public static java.util.Set<String> createdKernels() { return new java.util.TreeSet<>(CREATED_KERNELS.keySet()); }

    // ---------------------------------------------------------------- info helpers

    static long deviceLong(cl_device_id d, int param) {
        long[] v = new long[1];
        clGetDeviceInfo(d, param, Sizeof.cl_long, Pointer.to(v), null);
        return v[0];
    }

    static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(d, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetDeviceInfo(d, param, buf.length, Pointer.to(buf), null);
        return new String(buf, 0, Math.max(0, buf.length - 1));
    }

    static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        clGetPlatformInfo(p, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetPlatformInfo(p, param, buf.length, Pointer.to(buf), null);
        return new String(buf, 0, Math.max(0, buf.length - 1));
    }
}
