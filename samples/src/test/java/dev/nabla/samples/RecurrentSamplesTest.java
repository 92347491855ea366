package dev.nabla.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The recurrent samples, shortened: the char-LSTM beats the unigram baseline on held-out text; gradient flow as the lecture says. */
class RecurrentSamplesTest {
    private final Backend ops = new ReferenceBackend();

    /** 200 updates of a small LSTM (~100k characters of training, ~10 s on the reference backend). */
    @Test
    void charLstmFallsWellBelowTheUnigramBaseline() {
        String text = CharLstmSample.resource("/text/fortunes.txt");
        CharLstmSample.Config c = new CharLstmSample.Config(200, 32, 16, 16, 32, 1e-2f, 5f, 200, 5000, 80, 1);
        CharLstmSample.Result r = CharLstmSample.train(ops, text, c, new float[] {0.5f}, false);
        System.out.printf("char-lstm test: held-out %.3f nats/char after %d steps (unigram %.3f, at start %.3f)%n%s%n",
                r.heldOutLoss(), r.steps(), r.unigramLoss(), r.firstHeldOutLoss(), r.samples().get(0));
        assertThat(r.unigramLoss()).isBetween(3.0f, 3.4f);
        assertThat(r.firstHeldOutLoss()).isGreaterThan(4.0f);                     // untrained: about ln 92 = 4.52
        assertThat(r.heldOutLoss()).isLessThan(r.unigramLoss() - 0.5f);           // it has learned more than letter frequencies
        assertThat(r.samples().get(0)).hasSize(80).contains(" ");
    }

    /**
     * Measuring the held-out loss must not touch training: it used to reset the carried state of the training streams,
     * so every evaluation restarted them mid-text and the training run depended on how often it was measured.
     */
    @Test
    void evaluatingTheHeldOutLossLeavesTrainingAsItWas() {
        String text = CharLstmSample.resource("/text/fortunes.txt").substring(0, 60_000);
        CharLstmSample.Result rarely = CharLstmSample.train(ops, text, new CharLstmSample.Config(24, 16, 8, 4, 16, 1e-2f, 5f, 24, 2000, 0, 3),
                new float[0], false);
        CharLstmSample.Result often = CharLstmSample.train(ops, text, new CharLstmSample.Config(24, 16, 8, 4, 16, 1e-2f, 5f, 3, 2000, 0, 3),
                new float[0], false);
        assertThat(often.heldOutLoss()).isEqualTo(rarely.heldOutLoss());
        assertThat(often.firstHeldOutLoss()).isEqualTo(rarely.firstHeldOutLoss());
    }

    @Test
    void gradientsVanishInAVanillaRnnAndSurviveInAnLstmWithAHighForgetBias() {
        int T = 60;
        SplittableRandom rng = new SplittableRandom(1);
        float[] xv = new float[T * 4];
        for (int i = 0; i < xv.length; i++) xv[i] = (float) (0.05 * rng.nextGaussian());
        Tensor x = ops.upload(xv, T, 1, 4), label = ops.upload(new float[] {1}, 1);
        float[] small = GradientFlowSample.vanilla(ops, x, label, 1, 32, 2, 0.5f);
        float[] large = GradientFlowSample.vanilla(ops, x, label, 1, 32, 2, 1.8f);
        float[] lstm1 = GradientFlowSample.lstm(ops, x, label, 1, 32, 2, 1f)[0];
        float[] lstm3 = GradientFlowSample.lstm(ops, x, label, 1, 32, 2, 3f)[0];
        assertThat(small[0] / small[T - 1]).isLessThan(1e-10f);                  // vanishing: ∏ diag(1 − h²)·W shrinks
        assertThat(large[0] / large[T - 1]).isGreaterThan(10f);                  // exploding
        assertThat(lstm3[0] / lstm3[T - 1]).isGreaterThan(1e-2f);                // the cell path keeps it alive
        assertThat(lstm3[0] / lstm3[T - 1]).isGreaterThan(1000 * (lstm1[0] / lstm1[T - 1]));
    }
}
