package dev.nabla.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.ReferenceBackend;
import dev.nabla.train.Dataset;
import org.junit.jupiter.api.Test;

/**
 * The short CI version of `nabla lenet`: a slice of the bundled digits, one epoch, a real accuracy bound.
 * Measured with η = 0.03 over shuffle/initialisation seeds 1–4: 87.2, 87.9, 87.5, 86.4% held-out accuracy (chance: 10%).
 */
class LeNetSampleTest {
    @Test
    void oneEpochOnTwoThousandDigitsClassifiesMostHeldOutDigits() {
        DigitData d = DigitData.mnist();
        Dataset train = d.train().range(0, 2000);
        Dataset test = d.test().range(0, 1000);
        LeNetSample.Result r = LeNetSample.train(new ReferenceBackend(), train, test, 1, 32, 0.03f, 0.75f, 0.9f, 1, null);
        System.out.printf("LeNet-5, 1 epoch on 2,000 bundled MNIST digits: held-out accuracy %.2f%% on 1,000%n", 100 * r.testAccuracy());
        assertThat(r.history()).hasSize(1);
        assertThat(r.history().getFirst().trainLoss()).isLessThan(2.0f);      // below ln 10 = 2.30, chance level
        assertThat(r.testAccuracy()).isGreaterThanOrEqualTo(0.80f);            // chance is 10%
    }
}
