package dev.nabla.gpu.opencl;

import dev.nabla.gpu.DeviceLongRunMemoryTest;
import dev.nabla.gpu.Devices;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link DeviceLongRunMemoryTest} on opencl. */
@ExtendWith(Devices.RequireOpenCl.class)
class OpenClLongRunMemoryTest extends DeviceLongRunMemoryTest {
    @Override
    protected String device() { return "opencl"; }
}
