package dev.nabla.gpu.cuda;

import dev.nabla.backend.Backend;
import dev.nabla.backend.FrozenTrainingTest;
import dev.nabla.gpu.Devices;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The engine's frozen-parameter suite on the cuda device: frozen layers stay bit-identical; the other layers train as
 * they do with the frozen ones left out of the optimizer — bit for bit on the deterministic kernels, or this class's
 * tolerance if a device is not (it has not run on a GPU yet: 1e-6 of each tensor's scale, far below the parity suite's).
 */
@ExtendWith(Devices.RequireCuda.class)
class CudaFrozenTrainingTest extends FrozenTrainingTest {
    @Override
    protected Backend backend() { return Devices.open("cuda"); }

    @Override
    protected float weightTolerance() { return 1e-6f; }
}
