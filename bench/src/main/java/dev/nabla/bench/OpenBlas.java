package dev.nabla.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * OpenBLAS's {@code cblas_sgemm} through the FFM API (java.lang.foreign), the baseline every GEMM figure is
 * compared with. Finds Debian's libopenblas0 (pthread or openmp flavour) or -Dnabla.openblas=/path/libopenblas.so.
 */
public final class OpenBlas {
    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;
    private static final List<String> CANDIDATES = List.of(
            "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
            "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
            "/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0",
            "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
            "/usr/lib/aarch64-linux-gnu/libopenblas.so.0");

    private static final MethodHandle SGEMM;
    private static final MethodHandle SET_THREADS;
    /** Null when OpenBLAS was found, else why not. */
    public static final String UNAVAILABLE;
    public static final String PATH;

    static {
        MethodHandle sgemm = null, setThreads = null;
        String why = null, found = null, core = "?", coreType = null;
        try {
            String explicit = System.getProperty("nabla.openblas");
            for (String p : explicit != null ? List.of(explicit) : CANDIDATES) {
                if (Files.isReadable(Path.of(p))) { found = p; break; }
            }
            if (found == null) {
                why = "no libopenblas found (looked at " + (explicit != null ? explicit : CANDIDATES)
                        + "; apt-get install libopenblas0 or pass -Dnabla.openblas=/path/libopenblas.so)";
            } else {
                Linker linker = Linker.nativeLinker();
                coreType = chooseCoreType(linker);
                SymbolLookup lib = SymbolLookup.libraryLookup(Path.of(found), Arena.global());
                var I = ValueLayout.JAVA_INT;
                var F = ValueLayout.JAVA_FLOAT;
                var P = ValueLayout.ADDRESS;
                sgemm = linker.downcallHandle(lib.find("cblas_sgemm").orElseThrow(),
                        FunctionDescriptor.ofVoid(I, I, I, I, I, I, F, P, I, P, I, F, P, I), Linker.Option.critical(true));
                setThreads = lib.find("openblas_set_num_threads")
                        .map(s -> linker.downcallHandle(s, FunctionDescriptor.ofVoid(I))).orElse(null);
                var coreName = lib.find("openblas_get_corename")
                        .map(s -> linker.downcallHandle(s, FunctionDescriptor.of(P))).orElse(null);
                if (coreName != null) core = ((MemorySegment) coreName.invokeExact()).reinterpret(64).getString(0);
            }
        } catch (Throwable e) {
            why = "could not bind cblas_sgemm in " + found + ": " + e;
            sgemm = null;
        }
        SGEMM = sgemm;
        SET_THREADS = setThreads;
        UNAVAILABLE = why;
        PATH = found;
        CORE = core;
        CORE_TYPE_SET = coreType;
    }

    /**
     * OpenBLAS 0.3.21 (Debian 12) does not recognise recent Xeons (e.g. family 6 model 207) and falls back to its
     * SSE3 "Prescott" kernels, 5× slower than its AVX-512 ones — no fair baseline. Unless OPENBLAS_CORETYPE is set
     * already, we set it (libc setenv, before the library is loaded and reads it) to the best kernel family the CPU
     * supports: SkylakeX with AVX-512, Haswell with AVX2. -Dnabla.openblas.coretype=NAME overrides, "none" disables.
     */
    private static String chooseCoreType(Linker linker) throws Throwable {
        if (System.getenv("OPENBLAS_CORETYPE") != null) return null;
        String want = System.getProperty("nabla.openblas.coretype");
        if (want == null) {
            String flags = "";
            try {
                flags = Files.readString(Path.of("/proc/cpuinfo"));
            } catch (Exception e) {
                return null;
            }
            if (!flags.contains("GenuineIntel") && !flags.contains("AuthenticAMD")) return null;
            want = flags.contains(" avx512f") && flags.contains(" avx512bw") ? "SkylakeX" : flags.contains(" avx2") ? "Haswell" : null;
        }
        if (want == null || want.equals("none")) return null;
        MethodHandle setenv = linker.downcallHandle(linker.defaultLookup().find("setenv").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) setenv.invokeExact(arena.allocateFrom("OPENBLAS_CORETYPE"), arena.allocateFrom(want), 1);
            return rc == 0 ? want : null;
        }
    }

    /** OpenBLAS's name for the kernel family it runs (openblas_get_corename). */
    public static final String CORE;
    /** The OPENBLAS_CORETYPE we set, or null if we left it alone. */
    public static final String CORE_TYPE_SET;

    /** One line saying what the baseline is. */
    public static String describe() {
        if (!available()) return "OpenBLAS: unavailable: " + UNAVAILABLE;
        return "OpenBLAS " + PATH + " core " + CORE + (CORE_TYPE_SET != null ? " (OPENBLAS_CORETYPE=" + CORE_TYPE_SET
                + " set by us: 0.3.21 misdetects this CPU)" : "");
    }

    private OpenBlas() {}

    public static boolean available() { return UNAVAILABLE == null; }

    public static void setThreads(int n) {
        if (SET_THREADS == null) return;
        try {
            SET_THREADS.invokeExact(n);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * C ← α·op(A)·op(B) + β·C on heap arrays (row-major, offsets 0), passed to C without copying
     * ({@link Linker.Option#critical(boolean)} with heap access).
     */
    public static void sgemm(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int lda,
                             float[] b, int ldb, float beta, float[] c, int ldc) {
        try {
            SGEMM.invokeExact(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, m, n, k, alpha,
                    MemorySegment.ofArray(a), lda, MemorySegment.ofArray(b), ldb, beta, MemorySegment.ofArray(c), ldc);
        } catch (Throwable e) {
            throw new IllegalStateException("cblas_sgemm failed", e);
        }
    }
}
