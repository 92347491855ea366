package dev.nabla.cpu;

import dev.nabla.backend.Backend;
import dev.nabla.backend.FrozenTrainingTest;

/** The engine's frozen-parameter suite on the CPU backend: frozen layers never move, the others train bit for bit as if left out. */
class CpuFrozenTrainingTest extends FrozenTrainingTest {
    @Override
    protected Backend backend() { return new CpuBackend(); }
}
