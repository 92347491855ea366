package dev.nabla.cpu;

import dev.nabla.backend.Backend;
import dev.nabla.backend.CheckpointResumeTest;

/** Checkpoint and resume on the CPU backend: bit-identical (the backend is bit-reproducible run to run). */
class CpuCheckpointResumeTest extends CheckpointResumeTest {
    @Override
    protected Backend backend() { return new CpuBackend(); }
}
