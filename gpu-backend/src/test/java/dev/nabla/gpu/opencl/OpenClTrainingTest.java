package dev.nabla.gpu.opencl;

import dev.nabla.gpu.DeviceTrainingTest;
import dev.nabla.gpu.Devices;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link DeviceTrainingTest} on opencl. */
@ExtendWith(Devices.RequireOpenCl.class)
class OpenClTrainingTest extends DeviceTrainingTest {
    @Override
    protected String device() { return "opencl"; }
}
