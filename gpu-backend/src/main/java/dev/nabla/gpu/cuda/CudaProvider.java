package dev.nabla.gpu.cuda;

import dev.nabla.backend.Backend;
import dev.nabla.backend.BackendProvider;

/**
 * Registers the CUDA backend as "cuda" (found through {@link java.util.ServiceLoader}): priority 30 where an NVIDIA
 * GPU and its driver are present (above OpenCL's 20 on the same GPU, and the CPU's 10), unavailable elsewhere with
 * the reason (no driver, no device, or kernels built without nvcc).
 */
public final class CudaProvider implements BackendProvider {
    @Override
    public String name() { return "cuda"; }

    @Override
    public int priority() { return 30; }                   // where it is unusable, auto asks unavailableReason and says why

    @Override
    public String unavailableReason() { return CudaDevice.unavailableReason(); }

    @Override
    public Backend create() { return new CudaBackend(); }
}
