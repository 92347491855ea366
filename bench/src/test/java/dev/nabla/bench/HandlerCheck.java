package dev.nabla.bench;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.BackendProvider;
import dev.nabla.backend.Backends;
import dev.nabla.backend.SignalHandlers;
import dev.nabla.backend.Tensor;
import java.util.Map;
import java.util.TreeMap;

/**
 * Run in a fresh JVM by {@link SignalHandlersTest}: notes who handles each signal, creates every backend on the class
 * path (and "auto") and runs a few ops on each (a GPU backend builds its kernels lazily), then prints
 * "CHANGED signal: before → after" for every handler that moved, and "created NAME" / "unavailable NAME: why".
 * With the argument {@code raw} it instead loads the OpenCL platform straight through JOCL, around the engine's guard;
 * with backend names as arguments it creates only those. Last it prints whether libOpenCL and PoCL are mapped.
 */
public final class HandlerCheck {
    public static void main(String[] args) {
        Map<String, String> before = owners();
        if (args.length > 0 && args[0].equals("raw")) {
            try {
                SignalRepro.loadPlatformsUnguarded();
                System.out.println("raw platform load done");
            } catch (RuntimeException | LinkageError e) {
                System.out.println("raw platform load failed: " + e);
            }
        } else if (args.length > 0) {
            for (String name : args) exercise(name);
        } else {
            for (BackendProvider p : Backends.providers()) exercise(p.name());
            exercise("auto");
        }
        Map<String, String> after = owners();
        before.forEach((sig, was) -> {
            if (!was.equals(after.get(sig))) System.out.println("CHANGED " + sig + ": " + was + " → " + after.get(sig));
        });
        System.out.println("SIGSEGV now " + after.get("SIGSEGV"));
        System.out.println("libOpenCL mapped: " + mapped("libOpenCL") + ", an OpenCL platform (PoCL) mapped: " + mapped("libpocl"));
    }

    private static void exercise(String name) {
        try (Backend b = Backends.create(name)) {
            Tensor x = b.upload(new float[] {1, -2, 3, 4}, 2, 2), y = b.zeros(2, 2);
            b.gemm(false, true, 1f, x, x, 0f, y);
            b.activation(Activation.TANH, y, y);
            b.sumSquares(y);
            b.synchronize();
            System.out.println("created " + name + " (" + b.name() + ")");
        } catch (RuntimeException | LinkageError e) {
            System.out.println("unavailable " + name + ": " + e.getMessage());
        }
    }

    /** Whether a shared object whose name contains {@code part} is mapped into this process. */
    private static boolean mapped(String part) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/maps")).contains(part);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Map<String, String> owners() {
        Map<String, String> m = new TreeMap<>();
        for (SignalHandlers.Handler h : SignalHandlers.current()) {
            m.put(SignalHandlers.name(h.signal()), h.address() <= 1 ? h.toString().replaceAll(".* → ", "") : String.valueOf(h.libraryName()));
        }
        return m;
    }
}
