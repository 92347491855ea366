package dev.nabla.gpu.cuda;

import dev.nabla.backend.Backend;
import dev.nabla.backend.BackendContractTest;
import dev.nabla.gpu.Devices;
import org.junit.jupiter.api.extension.ExtendWith;

/** The engine's backend contract suite, every op against the reference backend, on the cuda device. */
@ExtendWith(Devices.RequireCuda.class)
class CudaContractTest extends BackendContractTest {
    @Override
    protected Backend backend() { return Devices.open("cuda"); }

    /** A queued kernel cannot throw: a bad arg-max turns its window's input gradient into NaN instead. */
    @Override
    protected boolean throwsForABadArgmax() { return false; }
}
