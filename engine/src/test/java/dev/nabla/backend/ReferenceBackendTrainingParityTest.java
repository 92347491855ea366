package dev.nabla.backend;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The training-parity suite with the reference backend against itself: proves the suite runs in the engine build, and
 * that a training run is deterministic — same seed, same batches, bit-identical losses and weights (tolerance 0).
 * Beside it, planted 1% faults in single ops that a backend could get subtly wrong must fail the suite at its default
 * tolerances (so those are tight enough to mean something).
 */
class ReferenceBackendTrainingParityTest extends TrainingParityTest {
    @Override
    protected Backend backend() { return new ReferenceBackend(); }

    @Override
    protected float lossTolerance() { return 0f; }

    @Override
    protected float weightTolerance() { return 0f; }

    /** The suite at its default tolerances, run against {@code faulty}. */
    private static TrainingParityTest defaultSuiteOn(Backend faulty) {
        TrainingParityTest suite = new TrainingParityTest() {
            @Override
            protected Backend backend() { return faulty; }
        };
        suite.be = faulty;
        return suite;
    }

    @Test
    void aMomentumOnePercentOffFailsTheMlp() {
        Backend faulty = new ReferenceBackend() {
            @Override
            protected void doSgdStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, boolean nesterov, float weightDecay) {
                super.doSgdStep(w, g, v, lr, 0.99f * momentum, nesterov, weightDecay);
            }
        };
        assertThatThrownBy(() -> defaultSuiteOn(faulty).assertSameTraining("MLP", TrainingParityTest::mlp))
                .isInstanceOf(AssertionError.class).hasMessageContaining("MLP on ref");
    }

    @Test
    void aRecurrentGradientOnePercentOffFailsTheGru() {
        Backend faulty = new ReferenceBackend() {
            @Override
            protected void doGruCellBackward(Tensor acts, Tensor gh, Tensor hPrev, Tensor dh, Tensor dgx, Tensor dgh, Tensor dhPrev) {
                super.doGruCellBackward(acts, gh, hPrev, dh, dgx, dgh, dhPrev);
                scale(dgh, 1.01f);
            }
        };
        assertThatThrownBy(() -> defaultSuiteOn(faulty).assertSameTraining("GRU", TrainingParityTest::gru))
                .isInstanceOf(AssertionError.class).hasMessageContaining("GRU on ref");
    }

    @Test
    void aBiasGradientOnePercentOffFailsLeNet() {
        Backend faulty = new ReferenceBackend() {
            @Override
            protected void doSumBias(Tensor dy, Tensor db, int inner, float beta) {
                if (inner == 1) { super.doSumBias(dy, db, inner, beta); return; }   // dense layers: right
                Tensor tmp = zeros(db.shape());                                       // convolutions: 1% too large
                super.doSumBias(dy, tmp, inner, 0f);
                scale(db, beta);
                axpy(1.01f, tmp, db);
            }
        };
        assertThatThrownBy(() -> defaultSuiteOn(faulty).assertSameTraining("LeNet-5", TrainingParityTest::leNet5))
                .isInstanceOf(AssertionError.class).hasMessageContaining("LeNet-5 on ref");
    }
}
