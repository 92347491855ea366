package dev.nabla.gpu.opencl;

import dev.nabla.gpu.DeviceBackend;
import org.jocl.cl_mem;

/**
 * The OpenCL backend: {@link DeviceBackend} on an OpenCL runtime (JOCL), dispatching the kernels of
 * {@code kernels/opencl/*.cl} built by the platform's compiler. Runs on any OpenCL 1.2 device: a GPU, or PoCL on the
 * CPU, where CI checks every kernel against the reference backend.
 */
public final class OpenClBackend extends DeviceBackend<cl_mem> {
    /** A backend on the device chosen by {@code -Dnabla.opencl.device} / {@code NABLA_OPENCL_DEVICE} (default: first GPU, else first device). */
    public OpenClBackend() {
        this(ClPlatform.get());
    }

    OpenClBackend(ClPlatform platform) {
        super(new ClRuntime(platform));
    }
}
