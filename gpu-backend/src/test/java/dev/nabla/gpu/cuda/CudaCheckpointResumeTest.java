package dev.nabla.gpu.cuda;

import dev.nabla.backend.Backend;
import dev.nabla.backend.CheckpointResumeTest;
import dev.nabla.gpu.Devices;
import org.junit.jupiter.api.extension.ExtendWith;

/** Checkpoint and resume on the cuda device, within the training-parity weight tolerance. */
@ExtendWith(Devices.RequireCuda.class)
class CudaCheckpointResumeTest extends CheckpointResumeTest {
    @Override
    protected Backend backend() { return Devices.open("cuda"); }

    @Override
    protected float weightTolerance() { return 1e-3f; }
}
