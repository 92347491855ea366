package dev.nabla.backend;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Finds backends by name: "ref", "cpu", "opencl", … or "auto" (the most preferred one that is usable here).
 *
 * <p>Asking for a backend by name touches no other provider: {@code create("cpu")} never loads an OpenCL platform.
 * Only "auto" asks every provider for its priority, which for a GPU backend means probing the device. Every call into
 * a provider runs under {@link SignalHandlers#preserving}: a native library that it loads (PoCL brings LLVM, which
 * takes over SIGSEGV, SIGBUS, …) cannot keep the JVM's signal handlers.
 *
 * <p>What "auto" means can be fixed from outside: {@code -Dnabla.backend=NAME}, else the environment variable
 * {@code NABLA_BACKEND=NAME}, makes "auto" a lookup of that name (which probes no other provider). A provider that fails
 * to load or to answer (a missing class, a native library that will not link, an exception) cannot break "auto": it
 * is passed over with its reason, and {@link #choose} reports the reasons for every provider it passed over.
 */
public final class Backends {
    private Backends() {}

    /** The system property that fixes what "auto" means (it wins over {@link #ENV}). */
    public static final String PROPERTY = "nabla.backend";
    /** The environment variable that fixes what "auto" means. */
    public static final String ENV = "NABLA_BACKEND";

    /**
     * The backend a request gave, how it was chosen ({@code how}) and, for "auto", every provider passed over with its
     * reason ("cpu: the JVM was started without --add-modules jdk.incubator.vector", "ref: priority 0, below cpu's 10").
     */
    public record Choice(Backend backend, String requested, String how, List<String> passedOver) {
        public Choice {
            passedOver = List.copyOf(passedOver);
        }

        /** One line: the backend's name, then how it was chosen and what was passed over, e.g. for a sample's banner. */
        public String describe() {
            StringBuilder sb = new StringBuilder(backend.name()).append(" (").append(how);
            if (!passedOver.isEmpty()) sb.append("; passed over ").append(String.join("; ", passedOver));
            return sb.append(')').toString();
        }
    }

    private static final BackendProvider REFERENCE = new BackendProvider() {
        public String name() { return "ref"; }
        public int priority() { return 0; }
        public String unavailableReason() { return null; }
        public Backend create() { return new ReferenceBackend(); }
    };

    /** The providers that loaded, and a line for each entry of a services file that did not. */
    private record Loaded(List<BackendProvider> providers, List<String> failures) {}

    private static Loaded load() {
        List<BackendProvider> all = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        all.add(REFERENCE);
        Iterator<BackendProvider> it = ServiceLoader.load(BackendProvider.class).iterator();
        for (int attempts = 0; attempts < 1000; attempts++) {   // ServiceLoader recovers from a bad entry "on a best effort"
            try {
                if (!it.hasNext()) break;
                all.add(it.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                failures.add("a provider that failed to load (" + describe(e) + ")");
            }
        }
        return new Loaded(all, failures);
    }

    /** Every provider that loads from the class path, the reference backend first, in class-path order; asks none of them anything. */
    public static List<BackendProvider> providers() { return List.copyOf(load().providers()); }

    private record Ranked(BackendProvider provider, String name, int priority) {}

    /** The providers from the most to the least preferred (asks each for its priority: GPU providers probe their device). */
    public static List<BackendProvider> ranked() {
        return rank(load().providers(), new ArrayList<>()).stream().map(Ranked::provider).toList();
    }

    /** Ranks by priority, highest first (stable); a provider whose name or priority cannot be had goes to {@code failed}. */
    private static List<Ranked> rank(List<BackendProvider> providers, List<String> failed) {
        List<Ranked> ranked = new ArrayList<>();
        for (BackendProvider p : providers) {
            String name = nameOf(p);
            try {
                ranked.add(new Ranked(p, name, SignalHandlers.preserving(p::priority)));
            } catch (RuntimeException | LinkageError e) {
                failed.add(name + ": priority() failed (" + describe(e) + ")");
            }
        }
        ranked.sort((a, b) -> Integer.compare(b.priority(), a.priority()));
        return ranked;
    }

    private static String nameOf(BackendProvider p) {
        try {
            return p.name();
        } catch (RuntimeException | LinkageError e) {
            return p.getClass().getName();
        }
    }

    /** "Type: message", then the causes' ("... could not be instantiated, caused by IllegalStateException: no driver"). */
    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 500; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (t != e) sb.append(", caused by ");
            sb.append(t.getClass().getSimpleName()).append(m == null || m.isBlank() ? "" : ": " + m);
        }
        return sb.toString();
    }

    /** The backend of that name; "auto" picks the highest-priority usable one and never fails (ref is always there). */
    public static Backend create(String name) { return choose(name).backend(); }

    /** The best usable backend (what {@code --backend auto} gives). */
    public static Backend auto() { return create("auto"); }

    /** What "auto" is fixed to by {@link #PROPERTY} or {@link #ENV} ("PROPERTY=value"), or null if neither is set. */
    private static String[] configuredAuto() {
        String p = System.getProperty(PROPERTY);
        if (p != null && !p.isBlank()) return new String[] {"-D" + PROPERTY, p.trim()};
        String e = System.getenv(ENV);
        if (e != null && !e.isBlank()) return new String[] {ENV, e.trim()};
        return null;
    }

    /**
     * The backend of that name (null or "auto": see the class comment), with how it was chosen and, for "auto", why
     * each other provider was passed over. An unknown name is an {@link IllegalArgumentException} listing the names on
     * the class path; a known one that is not usable here an {@link IllegalStateException} with the provider's reason.
     */
    public static Choice choose(String name) {
        if (name == null || name.equals("auto")) {
            String[] fixed = configuredAuto();
            if (fixed != null && !fixed[1].equals("auto")) {
                try {
                    Choice c = named(fixed[1]);
                    return new Choice(c.backend(), "auto", "auto means '" + fixed[1] + "': " + fixed[0] + "=" + fixed[1], List.of());
                } catch (IllegalArgumentException | IllegalStateException e) {
                    throw new IllegalStateException(fixed[0] + "=" + fixed[1] + " (what 'auto' means): " + e.getMessage(), e);
                }
            }
            return auto(load());
        }
        return named(name);
    }

    private static Choice auto(Loaded loaded) {
        List<String> passed = new ArrayList<>(loaded.failures());
        List<Ranked> ranked = rank(loaded.providers(), passed);
        for (int i = 0; i < ranked.size(); i++) {
            Ranked r = ranked.get(i);
            try {
                String why = SignalHandlers.preserving(r.provider()::unavailableReason);
                if (why != null) {
                    passed.add(r.name() + ": " + why);
                    continue;
                }
                Backend b = SignalHandlers.preserving(r.provider()::create);
                if (b == null) {
                    passed.add(r.name() + ": create() returned null");
                    continue;
                }
                for (Ranked lower : ranked.subList(i + 1, ranked.size())) {
                    passed.add(lower.name() + ": priority " + lower.priority() + ", below " + r.name() + "'s " + r.priority());
                }
                return new Choice(b, "auto", "auto: the usable backend of the highest priority, " + r.priority(), passed);
            } catch (RuntimeException | LinkageError e) {
                passed.add(r.name() + ": failed to start (" + describe(e) + ")");
            }
        }
        throw new AssertionError("the reference backend is always usable; passed over " + passed);
    }

    private static Choice named(String name) {
        Loaded loaded = load();
        for (BackendProvider p : loaded.providers()) {
            if (!nameOf(p).equals(name)) continue;
            String why;
            Backend b;
            try {
                why = SignalHandlers.preserving(p::unavailableReason);
                b = why != null ? null : SignalHandlers.preserving(p::create);
            } catch (RuntimeException | LinkageError e) {
                throw new IllegalStateException("backend '" + name + "' failed to start: " + describe(e), e);
            }
            if (why != null) throw new IllegalStateException("backend '" + name + "' is not usable here: " + why);
            return new Choice(b, name, "asked for by name", List.of());
        }
        throw new IllegalArgumentException("unknown backend '" + name + "'; on the class path: "
                + loaded.providers().stream().map(Backends::nameOf).toList() + " (or 'auto')"
                + (loaded.failures().isEmpty() ? "" : "; passed over " + String.join("; ", loaded.failures())));
    }
}
