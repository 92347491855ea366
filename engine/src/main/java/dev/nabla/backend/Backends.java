package dev.nabla.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/** Finds backends by name: "ref", "cpu", "opencl", … or "auto" (the most preferred one that is usable here). */
public final class Backends {
    private Backends() {}

    /** Every provider on the class path, the reference backend included. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> all = new ArrayList<>();
        all.add(new BackendProvider() {
            public String name() { return "ref"; }
            public int priority() { return 0; }
            public String unavailableReason() { return null; }
            public Backend create() { return new ReferenceBackend(); }
        });
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) all.add(p);
        all.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
        return all;
    }

    /** The backend of that name; "auto" picks the highest-priority usable one and never fails (ref is always there). */
    public static Backend create(String name) {
        List<BackendProvider> all = providers();
        if (name == null || name.equals("auto")) {
            for (BackendProvider p : all) {
                if (p.unavailableReason() == null) return p.create();
            }
            throw new AssertionError("the reference backend is always available");
        }
        for (BackendProvider p : all) {
            if (p.name().equals(name)) {
                String why = p.unavailableReason();
                if (why != null) throw new IllegalStateException("backend '" + name + "' is not usable here: " + why);
                return p.create();
            }
        }
        throw new IllegalArgumentException("unknown backend '" + name + "'; on the class path: "
                + all.stream().map(BackendProvider::name).toList() + " (or 'auto')");
    }

    /** The best usable backend (what {@code --backend auto} gives). */
    public static Backend auto() { return create("auto"); }
}
