package dev.nabla.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Backends;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The sequence samples, shortened to seconds on the CPU backend, each against its baseline on held-out data: the
 * many-to-one fortune classifier, CNN+LSTM captioning, the window classifier, teacher forcing vs free running.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SequenceSamplesTest {
    private Backend ops;

    @BeforeAll
    void open() { ops = Backends.create("cpu"); }

    @AfterAll
    void shut() { ops.close(); }

    @Test
    void fortuneTopicBeatsTheMajorityClass() {
        FortuneTopicSample.Result r = FortuneTopicSample.train(ops, 8, 64, 64, 3e-3f, 0.5f, 1, null);
        System.out.printf("fortune-topic test: held-out %.1f%% vs majority %.1f%%%n", 100 * r.heldOutAccuracy(), 100 * r.majorityBaseline());
        assertThat(r.majorityBaseline()).isBetween(0.15f, 0.30f);
        assertThat(r.heldOutAccuracy()).isGreaterThan(r.majorityBaseline() + 0.10f);
        int total = 0;
        for (int[] row : r.confusion()) for (int v : row) total += v;
        assertThat(total).isEqualTo(240);
    }

    @Test
    void captionsOfDigitStripsBeatChance() {
        CaptionSample.Result r = CaptionSample.train(ops, 2000, 300, 3, 64, 3e-3f, 1, null);
        System.out.printf("caption test: words %.1f%%, captions %.1f%%%n", 100 * r.test().word(), 100 * r.test().sequence());
        assertThat(r.test().word()).isGreaterThan(0.35f);                          // chance: 10%
        assertThat(r.test().sequence()).isGreaterThan(0.03f);                      // chance: < 0.5%
    }

    @Test
    void windowClassifierRanksTrueWindowsAboveCorruptedOnes() {
        WindowSample.Result r = WindowSample.train(ops, 6, 16, 8, 0.2f, 1, 30_000, null);
        System.out.printf("window test: held-out ranking %.1f%% (frequency baseline %.1f%%)%n", 100 * r.heldOutRanking(), 100 * r.frequencyBaseline());
        assertThat(r.frequencyBaseline()).isBetween(0.45f, 0.60f);
        assertThat(r.heldOutRanking()).isGreaterThan(r.frequencyBaseline() + 0.02f);
    }

    @Test
    void teacherForcingAndFreeRunningDifferAsTheLectureSays() {
        TeacherForcingSample.Result r = TeacherForcingSample.run(ops, 250, 64, 32, 32, 3e-3f, 1, 40, null);
        TeacherForcingSample.Row tf = r.rows().get(0), fr = r.rows().get(1), hidden = r.rows().get(2);
        System.out.printf("teacher-forcing test: TF-trained %.3f/%.3f, FR-trained %.3f/%.3f, hidden %.3f, unigram %.3f%n",
                tf.teacherForcedLoss(), tf.freeRunningLoss(), fr.teacherForcedLoss(), fr.freeRunningLoss(), hidden.freeRunningLoss(), r.unigram());
        assertThat(tf.teacherForcedLoss()).isLessThan(r.unigram() - 0.3f);              // it learned (about a bigram model)
        assertThat(tf.teacherForcedLoss()).isLessThan(tf.freeRunningLoss());              // trained one way, better evaluated that way
        assertThat(fr.freeRunningLoss()).isLessThan(fr.teacherForcedLoss());
        assertThat(hidden.freeRunningLoss()).isLessThan(tf.teacherForcedLoss());          // hidden recurrence is the stronger model
        assertThat(tf.sample()).hasSize(40);
    }
}
