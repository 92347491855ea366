package dev.nabla.backend;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The process's POSIX signal handlers, read and restored through {@code sigaction(2)} (the JDK's foreign-function
 * API; Linux x86-64 and AArch64 glibc layout of {@code struct sigaction}).
 *
 * <p>Why: HotSpot handles SIGSEGV, SIGBUS, SIGFPE, SIGILL, … itself — C2's implicit null checks and the safepoint
 * poll page turn into SIGSEGV on purpose — so a native library that installs its own handler for them breaks the JVM.
 * LLVM does exactly that ({@code llvm::sys::RegisterHandlers}, with {@code SA_RESETHAND}), and OpenCL's PoCL loads LLVM
 * into the process: the first such fault after that goes to LLVM, the kernel resets the handler to SIG_DFL on
 * delivery, and a second thread that faults before LLVM puts the JVM's handler back kills the process with no
 * {@code hs_err} file. {@link #preserving} runs a native call that may load such a library and puts back every
 * handler it replaced, so the JVM's stay in place whether or not the process was started with the JDK's
 * signal-chaining library ({@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so}).
 *
 * <p>Where the foreign-function API is not usable (native access disabled, another OS), reading reports nothing and
 * {@link #preserving} just runs the call.
 */
public final class SignalHandlers {
    private SignalHandlers() {}

    /** The signals HotSpot installs handlers for, and the ones LLVM takes (1–31 but SIGKILL and SIGSTOP). */
    private static final int FIRST = 1, LAST = 31, SIGKILL = 9, SIGSTOP = 19;
    /** sizeof(struct sigaction) on Linux x86-64/AArch64 glibc: handler 8, sa_mask 128, sa_flags 4 (+4), restorer 8. */
    private static final long SIGACTION_BYTES = 152;

    /** One signal's disposition: the handler's address, the shared object that holds it (null for SIG_DFL/SIG_IGN). */
    public record Handler(int signal, long address, String library) {
        /** "SIGSEGV → libjvm.so", "SIGSEGV → SIG_DFL". */
        @Override
        public String toString() {
            String where = address == 0 ? "SIG_DFL" : address == 1 ? "SIG_IGN" : library == null ? "0x" + Long.toHexString(address) : library;
            return name(signal) + " → " + where;
        }

        /** The file name of the library (no folder), or null. */
        public String libraryName() {
            return library == null ? null : library.substring(library.lastIndexOf('/') + 1);
        }
    }

    private static final MethodHandle SIGACTION, DLADDR;
    private static final String UNAVAILABLE;

    static {
        MethodHandle sa = null, dl = null;
        String why = null;
        try {
            if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) throw new UnsupportedOperationException("not Linux");
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            sa = linker.downcallHandle(libc.find("sigaction").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
            dl = linker.downcallHandle(libc.find("dladdr").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        } catch (Throwable t) {
            sa = null;
            dl = null;
            why = t.toString();
        }
        SIGACTION = sa;
        DLADDR = dl;
        UNAVAILABLE = why;
    }

    /** Null if handlers can be read and restored here, else why not. */
    public static String unavailableReason() { return UNAVAILABLE; }

    /** The current handler of every catchable signal 1–31. */
    public static List<Handler> current() {
        List<Handler> all = new ArrayList<>();
        if (SIGACTION == null) return all;
        try (Arena arena = Arena.ofConfined()) {
            for (Map.Entry<Integer, byte[]> e : read(arena).entrySet()) {
                long address = MemorySegment.ofArray(e.getValue()).get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                all.add(new Handler(e.getKey(), address, library(address, arena)));
            }
        }
        return all;
    }

    /** The current handler of one signal (e.g. 11 for SIGSEGV), or null if handlers cannot be read here. */
    public static Handler of(int signal) {
        return current().stream().filter(h -> h.signal() == signal).findFirst().orElse(null);
    }

    /**
     * Runs {@code nativeCall} (one that may load a native library, e.g. an OpenCL platform) and afterwards restores
     * every signal handler it replaced. Returns what the call returned; the handlers are restored even if it threw.
     */
    public static <T> T preserving(Supplier<T> nativeCall) {
        if (SIGACTION == null) return nativeCall.get();
        Map<Integer, byte[]> before;
        try (Arena arena = Arena.ofConfined()) {
            before = read(arena);
        }
        try {
            return nativeCall.get();
        } finally {
            restore(before);
        }
    }

    /** As {@link #preserving(Supplier)} for a call without a result. */
    public static void preserving(Runnable nativeCall) {
        preserving(() -> {
            nativeCall.run();
            return null;
        });
    }

    /** Every signal's struct sigaction, as bytes. */
    private static Map<Integer, byte[]> read(Arena arena) {
        Map<Integer, byte[]> m = new LinkedHashMap<>();
        MemorySegment buf = arena.allocate(SIGACTION_BYTES, 16);
        for (int sig = FIRST; sig <= LAST; sig++) {
            if (sig == SIGKILL || sig == SIGSTOP) continue;
            buf.fill((byte) 0);
            if (call(SIGACTION, sig, MemorySegment.NULL, buf) == 0) m.put(sig, buf.toArray(ValueLayout.JAVA_BYTE));
        }
        return m;
    }

    /** Puts back each handler of {@code before} whose handler address or flags changed since. */
    private static void restore(Map<Integer, byte[]> before) {
        try (Arena arena = Arena.ofConfined()) {
            Map<Integer, byte[]> now = read(arena);
            MemorySegment buf = arena.allocate(SIGACTION_BYTES, 16);
            for (Map.Entry<Integer, byte[]> e : before.entrySet()) {
                byte[] was = e.getValue(), is = now.get(e.getKey());
                if (is != null && java.util.Arrays.equals(was, is)) continue;
                MemorySegment.copy(was, 0, buf, ValueLayout.JAVA_BYTE, 0, was.length);
                call(SIGACTION, e.getKey(), buf, MemorySegment.NULL);
            }
        }
    }

    /** The path of the shared object holding {@code address}, through dladdr; null for SIG_DFL/SIG_IGN or unknown. */
    private static String library(long address, Arena arena) {
        if (address == 0 || address == 1 || DLADDR == null) return null;
        MemorySegment info = arena.allocate(32, 8);    // Dl_info: dli_fname, dli_fbase, dli_sname, dli_saddr
        if (call(DLADDR, MemorySegment.ofAddress(address), info) == 0) return null;
        MemorySegment fname = info.get(ValueLayout.ADDRESS, 0);
        return fname.equals(MemorySegment.NULL) ? null : fname.reinterpret(4096).getString(0);
    }

    private static int call(MethodHandle h, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** "SIGSEGV" for 11, etc. (Linux numbering). */
    public static String name(int signal) {
        String[] names = {null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
                "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP",
                "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",
                "SIGPWR", "SIGSYS"};
        return signal > 0 && signal < names.length ? names[signal] : "signal " + signal;
    }
}
