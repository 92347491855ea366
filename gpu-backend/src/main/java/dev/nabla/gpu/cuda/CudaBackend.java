package dev.nabla.gpu.cuda;

import dev.nabla.gpu.DeviceBackend;
import jcuda.driver.CUdeviceptr;

/**
 * The CUDA backend: {@link DeviceBackend} on a CUDA runtime (jcuda's driver API), dispatching our own kernels — the
 * bodies of {@code kernels/opencl/*.cl} compiled by nvcc behind {@code kernels/dialect/cuda.h} — on one stream.
 * No cuBLAS, no cuDNN.
 */
public final class CudaBackend extends DeviceBackend<CUdeviceptr> {
    /** A backend on the device chosen by {@code -Dnabla.cuda.device} / {@code NABLA_CUDA_DEVICE} (default 0). */
    public CudaBackend() {
        super(new CudaRuntime(CudaDevice.get()));
    }
}
