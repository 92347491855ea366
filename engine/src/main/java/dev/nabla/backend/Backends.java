package dev.nabla.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Finds backends by name: "ref", "cpu", "opencl", … or "auto" (the most preferred one that is usable here).
 *
 * <p>Asking for a backend by name touches no other provider: {@code create("cpu")} never loads an OpenCL platform.
 * Only "auto" asks every provider for its priority, which for a GPU backend means probing the device. Every call into
 * a provider runs under {@link SignalHandlers#preserving}: a native library that it loads (PoCL brings LLVM, which
 * takes over SIGSEGV, SIGBUS, …) cannot keep the JVM's signal handlers.
 */
public final class Backends {
    private Backends() {}

    /** Every provider on the class path, the reference backend first, in class-path order; asks none of them anything. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> all = new ArrayList<>();
        all.add(new BackendProvider() {
            public String name() { return "ref"; }
            public int priority() { return 0; }
            public String unavailableReason() { return null; }
            public Backend create() { return new ReferenceBackend(); }
        });
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) all.add(p);
        return all;
    }

    /** The providers from the most to the least preferred (asks each for its priority: GPU providers probe their device). */
    public static List<BackendProvider> ranked() {
        record Ranked(BackendProvider provider, int priority) {}
        return providers().stream().map(p -> new Ranked(p, SignalHandlers.preserving(p::priority)))
                .sorted(Comparator.comparingInt(Ranked::priority).reversed()).map(Ranked::provider).toList();
    }

    /** The backend of that name; "auto" picks the highest-priority usable one and never fails (ref is always there). */
    public static Backend create(String name) {
        if (name == null || name.equals("auto")) {
            for (BackendProvider p : ranked()) {
                if (SignalHandlers.preserving(p::unavailableReason) == null) return SignalHandlers.preserving(p::create);
            }
            throw new AssertionError("the reference backend is always available");
        }
        List<BackendProvider> all = providers();
        for (BackendProvider p : all) {
            if (p.name().equals(name)) {
                String why = SignalHandlers.preserving(p::unavailableReason);
                if (why != null) throw new IllegalStateException("backend '" + name + "' is not usable here: " + why);
                return SignalHandlers.preserving(p::create);
            }
        }
        throw new IllegalArgumentException("unknown backend '" + name + "'; on the class path: "
                + all.stream().map(BackendProvider::name).toList() + " (or 'auto')");
    }

    /** The best usable backend (what {@code --backend auto} gives). */
    public static Backend auto() { return create("auto"); }
}
