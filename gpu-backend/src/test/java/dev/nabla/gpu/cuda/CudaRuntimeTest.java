package dev.nabla.gpu.cuda;

import dev.nabla.gpu.DeviceRuntimeTest;
import dev.nabla.gpu.Devices;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link DeviceRuntimeTest} on cuda. */
@ExtendWith(Devices.RequireCuda.class)
class CudaRuntimeTest extends DeviceRuntimeTest {
    @Override
    protected String device() { return "cuda"; }
}
