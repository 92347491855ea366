package dev.nabla.gpu.opencl;

import dev.nabla.backend.Backend;
import dev.nabla.backend.BackendProvider;

/**
 * Registers the OpenCL backend as "opencl" (found through {@link java.util.ServiceLoader}). For {@code auto} it ranks
 * above the CPU backend (10) on a real GPU and below it on a CPU device such as PoCL, where our Vector-API backend is
 * the better use of the same cores; with no OpenCL platform it is unavailable and {@code auto} falls back.
 */
public final class OpenClProvider implements BackendProvider {
    @Override
    public String name() { return "opencl"; }

    @Override
    public int priority() {
        if (ClPlatform.unavailableReason() != null) return -1;
        return priorityFor(ClPlatform.probe().gpu());
    }

    /** 20 on a GPU (above cpu's 10, below cuda's 30), 5 on a CPU device (below cpu, above ref's 0). */
    static int priorityFor(boolean gpu) { return gpu ? 20 : 5; }

    @Override
    public String unavailableReason() { return ClPlatform.unavailableReason(); }

    @Override
    public Backend create() { return new OpenClBackend(); }
}
