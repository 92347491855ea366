package dev.nabla.samples.plot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** The figures are well-formed SVG with what their captions promise, the PNGs decode, and files appear whole. */
class PlotTest {
    private static Document parse(String svg) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aLineChartHasOneLinePerSeriesAndItsLegend() throws Exception {
        String svg = Plot.lines("loss per epoch", "epoch", "loss", List.of(Plot.Series.of("train", new double[] {2.3, 1.1, 0.6}),
                Plot.Series.of("held out", new double[] {2.3, 1.3, 0.9})), false);
        Document d = parse(svg);
        assertThat(d.getElementsByTagName("polyline").getLength()).isEqualTo(2);
        assertThat(svg).contains("loss per epoch", "train", "held out", "epoch");
        String log = Plot.lines("‖∂L/∂h_k‖", "k", "norm", List.of(Plot.Series.of("RNN", new double[] {1, 1e-3, 1e-8})), true);
        assertThat(log).contains("(log scale)", "1e-8", "1e0");
        assertThat(parse(log).getElementsByTagName("polyline").getLength()).isEqualTo(1);
    }

    @Test
    void ticksAreRoundNumbersCoveringTheRange() {
        assertThat(Plot.ticks(0.389, 0.617, false)).containsExactly(0.3, 0.4, 0.5, 0.6, 0.7);
        assertThat(Plot.ticks(1, 500, true)).containsExactly(0, 200, 400, 600);
        assertThat(Plot.ticks(1, 3, true)).containsExactly(1, 2, 3);
        assertThat(Plot.decades(-16.3, 2.27)).containsExactly(-18, -15, -12, -9, -6, -3, 0, 3);
        assertThat(Plot.decades(-4.8, -0.02)).containsExactly(-5, -4, -3, -2, -1, 0);
    }

    @Test
    void regionsAreALatticeWithThePointsOnIt() throws Exception {
        int n = 4;
        float[] p1 = new float[n * n];
        for (int i = 0; i < p1.length; i++) p1[i] = i / 15f;
        float[] pts = {0.5f, 0.5f, -0.5f, -0.5f}, labels = {1, 0};
        Document d = parse(Plot.regions("XOR", p1, n, -1.5f, 1.5f, pts, labels));
        assertThat(d.getElementsByTagName("circle").getLength()).isEqualTo(2);
        assertThat(d.getElementsByTagName("rect").getLength()).isGreaterThanOrEqualTo(n * n);
        var png = ImageIO.read(new ByteArrayInputStream(Plot.regionsPng(p1, n, -1.5f, 1.5f, pts, labels, 10)));
        assertThat(png.getWidth()).isEqualTo(40);
        assertThat(png.getRGB(0, 0)).as("top-left: class 0, orange").isNotEqualTo(png.getRGB(39, 39));
    }

    @Test
    void filtersAreSmallGreyImages() throws Exception {
        float[][] f = {{0, 1, 2, 3}, {3, 2, 1, 0}};
        Document d = parse(Plot.images("filters", f, 2, 2, List.of("a", "b")));
        assertThat(d.getElementsByTagName("rect").getLength()).isEqualTo(1 + 8);   // the background and 2 × 2×2 cells
        var png = ImageIO.read(new ByteArrayInputStream(Plot.imagesPng(f, 2, 2, 5)));
        assertThat(png.getHeight()).isEqualTo(2 * 5 + 10);
    }

    @Test
    void filesAppearWholeAndNoTemporaryFileStays(@TempDir Path dir) throws Exception {
        Path p = Plot.write(dir, "loss.svg", Plot.lines("t", "x", "y", List.of(Plot.Series.of("s", new double[] {1, 2})), false));
        assertThat(p).exists();
        parse(Files.readString(p));
        Plot.write(dir, "loss.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");          // replaced in one step
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()).toList()).containsExactly("loss.svg");
        }
    }
}
