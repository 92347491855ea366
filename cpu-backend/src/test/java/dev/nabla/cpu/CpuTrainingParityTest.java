package dev.nabla.cpu;

import dev.nabla.backend.Backend;
import dev.nabla.backend.TrainingParityTest;

/** The engine's training-parity suite on the CPU backend (MLP, LeNet-5, LSTM LM, peephole LSTM, GRU vs the reference). */
class CpuTrainingParityTest extends TrainingParityTest {
    @Override
    protected Backend backend() { return new CpuBackend(); }
}
