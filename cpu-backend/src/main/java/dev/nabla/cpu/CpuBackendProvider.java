package dev.nabla.cpu;

import dev.nabla.backend.Backend;
import dev.nabla.backend.BackendProvider;

/**
 * Registers {@link CpuBackend} as "cpu" (priority 10, above the reference backend's 0) with the engine's
 * {@link dev.nabla.backend.Backends}. Touches no Vector API class until {@link #create()}, so a JVM started without
 * {@code --add-modules jdk.incubator.vector} gets a clear reason instead of a NoClassDefFoundError.
 */
public final class CpuBackendProvider implements BackendProvider {
    @Override
    public String name() { return "cpu"; }

    @Override
    public int priority() { return 10; }

    @Override
    public String unavailableReason() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() ? null
                : "the JVM was started without --add-modules jdk.incubator.vector (the Vector API the cpu backend is written in)";
    }

    @Override
    public Backend create() {
        String why = unavailableReason();
        if (why != null) throw new IllegalStateException("backend 'cpu' is not usable here: " + why);
        return new CpuBackend();
    }
}
