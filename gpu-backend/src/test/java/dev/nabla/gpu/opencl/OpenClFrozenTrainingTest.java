package dev.nabla.gpu.opencl;

import dev.nabla.backend.Backend;
import dev.nabla.backend.FrozenTrainingTest;
import dev.nabla.gpu.Devices;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The engine's frozen-parameter suite on the opencl device: frozen layers stay bit-identical; the other layers train as
 * they do with the frozen ones left out of the optimizer, bit for bit (the kernels are deterministic: no atomics, and
 * both runs queue the same kernels for the trainable parts).
 */
@ExtendWith(Devices.RequireOpenCl.class)
class OpenClFrozenTrainingTest extends FrozenTrainingTest {
    @Override
    protected Backend backend() { return Devices.open("opencl"); }
}
