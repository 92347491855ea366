package dev.nabla.gpu.opencl;

import dev.nabla.backend.Backend;
import dev.nabla.backend.CheckpointResumeTest;

/** Checkpoint and resume on the OpenCL device (PoCL in CI), within the training-parity weight tolerance. */
class OpenClCheckpointResumeTest extends CheckpointResumeTest {
    @Override
    protected Backend backend() { return OpenClSupport.open(); }

    @Override
    protected float weightTolerance() { return 1e-3f; }
}
