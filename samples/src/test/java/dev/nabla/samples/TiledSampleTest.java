package dev.nabla.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.ReferenceBackend;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The short CI version of {@code nabla tiled} (seed 003's convolution variants): one epoch on a slice of the digits, on
 * the reference backend. The first layers' parameter counts follow the formula (banks × C_out·(C_in·5·5 + 1)) and every
 * variant learns (above chance); the README has the full run's figures.
 */
class TiledSampleTest {
    @Test
    void theVariantsShareTheirFiltersAsTheFormulaSaysAndEachLearns() {
        DigitData d = DigitData.mnist();
        List<TiledSample.Row> rows = TiledSample.run(new ReferenceBackend(), d.train().range(0, 600), d.test().range(0, 300), new int[] {2}, 1, 32,
                0.02f, 1, System.out);
        assertThat(rows).extracting(TiledSample.Row::layer)
                .containsExactly("Conv2d(1→8, 5x5)", "TiledConv2d(1→8, 5x5, tile 2x2)", "LocallyConnected2d(1→8, 5x5, on 28x28)");
        assertThat(rows).extracting(TiledSample.Row::firstLayerParams).containsExactly(8L * 26, 4L * 8 * 26, 24L * 24 * 8 * 26);
        for (TiledSample.Row r : rows) {
            assertThat(r.params()).isEqualTo(r.firstLayerParams() + 8 * 12 * 12 * 10 + 10);
            assertThat(r.accuracy()).as(r.layer()).isGreaterThan(0.3f);                  // chance: 10%
        }
    }
}
