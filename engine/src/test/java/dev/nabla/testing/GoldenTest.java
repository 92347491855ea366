package dev.nabla.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The fixture helper itself: the tolerance rule rejects what it should, and every fixture names its generator. */
class GoldenTest {
    @Test
    void assertCloseUsesAtolPlusRtolTimesExpected() {
        float[] torch = {1f, 100f, 0f};
        Golden.assertClose("ok", new float[] {1.000005f, 100.0009f, 5e-7f}, torch, 1e-5, 1e-6);
        assertThatThrownBy(() -> Golden.assertClose("planted", new float[] {1f, 100.01f, 0f}, torch, 1e-5, 1e-6))
                .isInstanceOf(AssertionError.class).hasMessageContaining("planted: element 1").hasMessageContaining("PyTorch 100.000000");
        assertThatThrownBy(() -> Golden.assertClose("tiny", new float[] {1f, 100f, 3e-6f}, torch, 1e-5, 1e-6))
                .hasMessageContaining("tiny: element 2");
        assertThatThrownBy(() -> Golden.assertClose("nan", new float[] {Float.NaN, 100f, 0f}, torch, 1e-5, 1e-6))
                .hasMessageContaining("nan: element 0");
        assertThatThrownBy(() -> Golden.assertClose("short", new float[] {1f}, torch, 1e-5, 1e-6)).hasMessageContaining("1 values");
    }

    @Test
    void deviationRecordsTheWorstCase() {
        Golden.Deviation d = new Golden.Deviation("demo", 1e-3);
        d.check("a", new float[] {1.000001f, 2f}, new float[] {1f, 2f}, 1e-5, 0);
        d.check("b", new float[] {0.5f}, new float[] {0.5f}, 1e-5, 0);
        assertThat(d.worstRelative()).isBetween(0.9e-6, 1.1e-6);
        assertThat(d.toString()).contains("3 values").contains("at a[0]");
    }

    @Test
    void everyFixtureParsesAndNamesItsGenerator() {
        for (String name : new String[] {"dense", "losses", "optimizers", "training"}) {
            assertThat(Golden.string(Golden.load(name), "about")).as(name).contains("golden_core.py").contains("torch 1.13");
            assertThat(Golden.cases(name)).as(name).isNotEmpty();
        }
    }
}
