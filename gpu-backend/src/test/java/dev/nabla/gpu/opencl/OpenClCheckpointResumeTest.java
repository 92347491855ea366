package dev.nabla.gpu.opencl;

import dev.nabla.backend.Backend;
import dev.nabla.backend.CheckpointResumeTest;
import dev.nabla.gpu.Devices;
import org.junit.jupiter.api.extension.ExtendWith;

/** Checkpoint and resume on the opencl device, within the training-parity weight tolerance. */
@ExtendWith(Devices.RequireOpenCl.class)
class OpenClCheckpointResumeTest extends CheckpointResumeTest {
    @Override
    protected Backend backend() { return Devices.open("opencl"); }

    @Override
    protected float weightTolerance() { return 1e-3f; }
}
