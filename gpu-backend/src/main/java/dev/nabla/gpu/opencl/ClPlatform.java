package dev.nabla.gpu.opencl;

import static org.jocl.CL.*;

import dev.nabla.backend.SignalHandlers;
import dev.nabla.gpu.KernelFiles;
import dev.nabla.gpu.LaunchStats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;
import org.jocl.cl_program;

/**
 * The process-wide part of OpenCL: the chosen device, its context, and the programs built for it (one per kernel
 * family and build variant, built lazily and cached). Every {@link ClRuntime} — one per backend, each with its own
 * queue and kernel objects — shares these.
 *
 * <p>Device choice: the system property {@code nabla.opencl.device} or else the environment variable
 * {@code NABLA_OPENCL_DEVICE}: {@code gpu}, {@code cpu}, an index into {@link #devices()} ({@code 0}, {@code 1}, …),
 * {@code platform:device} indices ({@code 1:0}), or a case-insensitive part of the device or platform name
 * ({@code pocl}, {@code nvidia}). Default: the first GPU, else the first device.
 *
 * <p>Every call that may load a platform or run its compiler keeps the JVM's signal handlers
 * ({@link SignalHandlers#preserving}): PoCL brings LLVM, which would otherwise take SIGSEGV from HotSpot.
 */
public final class ClPlatform {
    /** A device as found: platform and device handles and names. */
    public record DeviceInfo(int platformIndex, int deviceIndex, cl_platform_id platform, cl_device_id device,
                             String platformName, String deviceName, boolean gpu) {
        @Override
        public String toString() {
            return platformIndex + ":" + deviceIndex + " " + deviceName + " (" + platformName + ", " + (gpu ? "GPU" : "not a GPU") + ")";
        }
    }

    private static ClPlatform shared;
    private static String sharedFailure;
    private static DeviceInfo probed;
    private static String probeFailure;

    final DeviceInfo info;
    final cl_context context;
    final long maxWorkGroupSize, globalMemBytes, localMemBytes;
    final int computeUnits;
    private final Map<String, cl_program> programs = new HashMap<>();

    private ClPlatform(DeviceInfo info) {
        this.info = info;
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL_CONTEXT_PLATFORM, info.platform());
        this.context = clCreateContext(props, 1, new cl_device_id[] {info.device()}, null, null, null);
        this.maxWorkGroupSize = deviceLong(info.device(), CL_DEVICE_MAX_WORK_GROUP_SIZE);
        this.globalMemBytes = deviceLong(info.device(), CL_DEVICE_GLOBAL_MEM_SIZE);
        this.localMemBytes = deviceLong(info.device(), CL_DEVICE_LOCAL_MEM_SIZE);
        int[] cu = new int[1];
        clGetDeviceInfo(info.device(), CL_DEVICE_MAX_COMPUTE_UNITS, Sizeof.cl_uint, Pointer.to(cu), null);
        this.computeUnits = Math.max(1, cu[0]);
    }

    /** The process-wide platform for the chosen device; throws {@link IllegalStateException} with the reason if there is none. */
    public static synchronized ClPlatform get() {
        if (shared != null) return shared;
        if (sharedFailure != null) throw new IllegalStateException(sharedFailure);
        try {
            DeviceInfo device = probe();
            shared = SignalHandlers.preserving(() -> new ClPlatform(device));   // PoCL brings LLVM: keep the JVM's handlers
            return shared;
        } catch (IllegalStateException e) {
            sharedFailure = e.getMessage();
            throw e;
        } catch (CLException | LinkageError e) {
            sharedFailure = "OpenCL is not usable here: " + e;
            throw new IllegalStateException(sharedFailure, e);
        }
    }

    /**
     * The device that {@link #get()} would open, found by listing platforms only (no context is created, so ranking
     * backends for {@code auto} stays cheap); throws {@link IllegalStateException} with the reason if there is none.
     */
    public static synchronized DeviceInfo probe() {
        if (shared != null) return shared.info;
        if (probed != null) return probed;
        if (probeFailure != null) throw new IllegalStateException(probeFailure);
        try {
            probed = choose(SignalHandlers.preserving(ClPlatform::devices), selector());   // loading a platform may install handlers
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

    // ---------------------------------------------------------------- programs

    /**
     * The program of {@code family} built with the compile-time constants {@code variant} ("NAME=VALUE …", "" for
     * none), built on first use with the build log in the exception on failure. Thread-safe: backends on several
     * threads share the programs (each creates its own kernel objects from them).
     */
    synchronized cl_program program(String family, String variant) {
        String key = variant.isEmpty() ? family : family + " " + variant;
        cl_program p = programs.get(key);
        if (p == null) {
            StringBuilder options = new StringBuilder("-cl-std=CL1.2");
            for (String define : variant.split(" ")) if (!define.isEmpty()) options.append(" -D ").append(define);
            p = SignalHandlers.preserving(() -> build(family + ".cl" + (variant.isEmpty() ? "" : " with " + variant),
                    KernelFiles.openClProgram(family), options.toString()));   // the compiler may install signal handlers
            programs.put(key, p);
            LaunchStats.of("opencl").built(family);
        }
        return p;
    }

    /** Builds a program from source, or throws with the build log. */
    cl_program build(String what, String source, String options) {
        cl_program program = clCreateProgramWithSource(context, 1, new String[] {source}, null, null);
        try {
            clBuildProgram(program, 1, new cl_device_id[] {info.device()}, options, null, null);
        } catch (CLException e) {
            String log = buildLog(program);
            clReleaseProgram(program);
            throw new IllegalStateException("OpenCL build of " + what + " failed on " + info + " (" + e.getMessage() + "):\n" + log, e);
        }
        return program;
    }

    /** For tests: builds a program from arbitrary source the way kernel files are built (to show the build log). */
    void buildForTest(String name, String source) {
        clReleaseProgram(SignalHandlers.preserving(() -> build(name, source, "-cl-std=CL1.2")));
    }

    private String buildLog(cl_program program) {
        long[] size = new long[1];
        clGetProgramBuildInfo(program, info.device(), CL_PROGRAM_BUILD_LOG, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetProgramBuildInfo(program, info.device(), CL_PROGRAM_BUILD_LOG, buf.length, Pointer.to(buf), null);
        return new String(buf, 0, Math.max(0, buf.length - 1), java.nio.charset.StandardCharsets.UTF_8);
    }

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
