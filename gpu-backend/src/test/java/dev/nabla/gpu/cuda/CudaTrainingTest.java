package dev.nabla.gpu.cuda;

import dev.nabla.gpu.DeviceTrainingTest;
import dev.nabla.gpu.Devices;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link DeviceTrainingTest} on cuda. */
@ExtendWith(Devices.RequireCuda.class)
class CudaTrainingTest extends DeviceTrainingTest {
    @Override
    protected String device() { return "cuda"; }
}
