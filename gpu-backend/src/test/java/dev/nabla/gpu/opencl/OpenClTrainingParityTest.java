package dev.nabla.gpu.opencl;

import dev.nabla.backend.Backend;
import dev.nabla.backend.TrainingParityTest;

/**
 * The engine's training-parity suite on the OpenCL device (PoCL in CI): MLP, LeNet-5, LSTM language model, peephole
 * LSTM and GRU train step for step like the reference backend, within the suite's stated tolerances. Without an OpenCL
 * platform it skips with a printed reason, except under CI=true, where that fails ({@link OpenClSupport}).
 */
class OpenClTrainingParityTest extends TrainingParityTest {
    @Override
    protected Backend backend() { return OpenClSupport.open(); }
}
