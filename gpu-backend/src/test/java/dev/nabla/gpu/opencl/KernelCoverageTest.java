package dev.nabla.gpu.opencl;

import dev.nabla.gpu.DeviceKernelCoverage;
import dev.nabla.gpu.Devices;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Runs after every other class of this module: every kernel was built and launched on opencl ({@link DeviceKernelCoverage}). */
@ExtendWith(Devices.RequireOpenCl.class)
@Order(Integer.MAX_VALUE)
class KernelCoverageTest {
    @Test
    void everyKernelWasBuiltAndLaunchedBySuite() { DeviceKernelCoverage.check("opencl"); }
}
