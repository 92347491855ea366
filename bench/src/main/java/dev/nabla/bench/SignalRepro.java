package dev.nabla.bench;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Backends;
import dev.nabla.backend.SignalHandlers;
import java.util.List;

/**
 * The reproducer of issue 18's crash, one JVM per run (driven by {@code bench/crash-repro.sh}): loads what the mode
 * says, prints who handles SIGSEGV, then makes the JVM take SIGSEGVs on several threads at once — threads spinning in
 * C2-compiled loops hit the armed safepoint poll page together at every GC — and exits 0 if the JVM survived.
 *
 * <p>Modes: {@code none} (load nothing); {@code raw} (load the OpenCL platform straight through JOCL, as the engine
 * did before the fix: PoCL's LLVM takes the handlers); {@code cpu} ({@code Backends.create("cpu")}, which used to load
 * PoCL as a side effect); {@code opencl} ({@code Backends.create("opencl")}: PoCL loaded, handlers restored);
 * {@code auto}. Usage: {@code SignalRepro MODE [threads=3] [safepoints=20]}.
 */
public final class SignalRepro {
    private SignalRepro() {}

    private static volatile boolean stop;

    /** A counted loop C2 compiles with a safepoint poll on its back edge. */
    static double spin(double[] a) {
        double s = 0;
        for (long i = 0; !stop; i++) s += a[(int) (i & 1023)] * 1.0000001;
        return s;
    }

    /**
     * Lists every OpenCL platform and device straight through JOCL, around the engine's guard: the ICD loader opens
     * PoCL, and PoCL's device initialisation opens LLVM, which installs its signal handlers.
     */
    static void loadPlatformsUnguarded() {
        org.jocl.CL.setExceptionsEnabled(true);
        int[] n = new int[1];
        org.jocl.CL.clGetPlatformIDs(0, null, n);
        org.jocl.cl_platform_id[] platforms = new org.jocl.cl_platform_id[n[0]];
        org.jocl.CL.clGetPlatformIDs(n[0], platforms, null);
        for (org.jocl.cl_platform_id p : platforms) org.jocl.CL.clGetDeviceIDs(p, org.jocl.CL.CL_DEVICE_TYPE_ALL, 0, null, n);
    }

    public static void main(String[] args) throws InterruptedException {
        String mode = args.length > 0 ? args[0] : "raw";
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int safepoints = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        Backend backend = switch (mode) {
            case "none" -> null;
            case "raw" -> {
                loadPlatformsUnguarded();
                yield null;
            }
            case "cpu", "opencl", "auto", "ref" -> Backends.create(mode);
            default -> throw new IllegalArgumentException("mode: none, raw, cpu, opencl, auto or ref; got " + mode);
        };
        List<SignalHandlers.Handler> taken = SignalHandlers.current().stream()
                .filter(h -> h.library() != null && !h.library().contains("libjvm")).toList();
        System.out.println("mode " + mode + (backend == null ? "" : " (backend " + backend.name() + ")") + ": "
                + SignalHandlers.of(11) + "; handlers not the JVM's: " + taken);
        double[] a = new double[1024];
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            ts[t] = new Thread(() -> {
                if (spin(a) == 42) System.out.println("unlikely");
            });
            ts[t].start();
        }
        Thread.sleep(300);                           // long enough for C2 to compile spin()
        for (int i = 0; i < safepoints; i++) {
            System.gc();                             // a safepoint: every spinning thread faults on the poll page
            Thread.sleep(5);
        }
        stop = true;
        for (Thread t : ts) t.join();
        System.out.println("survived");
    }
}
