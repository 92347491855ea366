package dev.nabla.gpu.opencl;

import dev.nabla.gpu.DeviceRuntimeTest;
import dev.nabla.gpu.Devices;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link DeviceRuntimeTest} on opencl. */
@ExtendWith(Devices.RequireOpenCl.class)
class OpenClRuntimeTest extends DeviceRuntimeTest {
    @Override
    protected String device() { return "opencl"; }
}
