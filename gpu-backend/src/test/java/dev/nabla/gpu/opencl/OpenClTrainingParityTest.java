package dev.nabla.gpu.opencl;

import dev.nabla.backend.Backend;
import dev.nabla.backend.TrainingParityTest;
import dev.nabla.gpu.Devices;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The engine's training-parity suite on the opencl device: MLP, LeNet-5, LSTM language model, peephole LSTM and GRU
 * train step for step like the reference backend, within the suite's stated tolerances ({@link Devices} says when a
 * missing device skips and when it fails).
 */
@ExtendWith(Devices.RequireOpenCl.class)
class OpenClTrainingParityTest extends TrainingParityTest {
    @Override
    protected Backend backend() { return Devices.open("opencl"); }
}
