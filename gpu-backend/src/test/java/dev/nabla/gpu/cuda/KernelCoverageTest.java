package dev.nabla.gpu.cuda;

import dev.nabla.gpu.DeviceKernelCoverage;
import dev.nabla.gpu.Devices;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Runs after every other class of this module: every kernel was built and launched on cuda ({@link DeviceKernelCoverage}). */
@ExtendWith(Devices.RequireCuda.class)
@Order(Integer.MAX_VALUE)
class KernelCoverageTest {
    @Test
    void everyKernelWasBuiltAndLaunchedBySuite() { DeviceKernelCoverage.check("cuda"); }
}
