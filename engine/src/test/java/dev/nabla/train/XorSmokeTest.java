package dev.nabla.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.ReferenceBackend;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Sgd;
import org.junit.jupiter.api.Test;

class XorSmokeTest {
    @Test
    void mlpLearnsXorThroughTheTrainer() {
        float[] x = {0, 0, 0, 1, 1, 0, 1, 1};
        Dataset xor = Dataset.classification(x, new int[] {2}, new int[] {0, 1, 1, 0});
        Sequential model = new Sequential(new Dense(2, 8), ActivationLayer.tanh(), new Dense(8, 2)).bind(new ReferenceBackend(), 1);
        var history = new Trainer().epochs(500).batchSize(4).seed(3)
                .fit(model, new SoftmaxCrossEntropy(), Sgd.momentum(0.1f, 0.9f), xor);
        assertThat(history.getLast().trainAccuracy()).isEqualTo(1f);
        assertThat(Trainer.evaluate(model, new SoftmaxCrossEntropy(), xor, 4).accuracy()).isEqualTo(1f);
    }
}
