package dev.nabla.gpu.cuda;

import dev.nabla.gpu.DeviceLongRunMemoryTest;
import dev.nabla.gpu.Devices;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link DeviceLongRunMemoryTest} on cuda. */
@ExtendWith(Devices.RequireCuda.class)
class CudaLongRunMemoryTest extends DeviceLongRunMemoryTest {
    @Override
    protected String device() { return "cuda"; }
}
