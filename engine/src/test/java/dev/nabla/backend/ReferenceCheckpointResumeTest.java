package dev.nabla.backend;

/** Checkpoint and resume on the reference backend: bit-identical. */
class ReferenceCheckpointResumeTest extends CheckpointResumeTest {
    @Override
    protected Backend backend() { return new ReferenceBackend(); }
}
