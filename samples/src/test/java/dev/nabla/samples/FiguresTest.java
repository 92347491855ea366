package dev.nabla.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** --plot DIR: each sample writes the figures it names, well-formed, and they show what their captions say. */
class FiguresTest {
    @TempDir Path dir;

    private String run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).as(String.join(" ", args) + ": " + err).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    private Document svg(String name) throws Exception {
        Path p = dir.resolve(name + ".svg");
        assertThat(p).as(name).exists();
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(p.toFile());
    }

    private BufferedImage png(String name) throws Exception {
        BufferedImage img = ImageIO.read(dir.resolve(name + ".png").toFile());
        assertThat(img).as(name + ".png decodes").isNotNull();
        return img;
    }

    /** Blue (class 1) or orange (class 0) where a lattice cell is drawn: blue has more blue than red. */
    private static boolean blue(BufferedImage img, float x, float y, float lo, float hi) {
        int px = (int) ((x - lo) / (hi - lo) * img.getWidth()), py = (int) ((hi - y) / (hi - lo) * img.getHeight());
        int rgb = img.getRGB(Math.min(img.getWidth() - 1, px), Math.min(img.getHeight() - 1, py));
        return (rgb & 0xff) > (rgb >> 16 & 0xff);
    }

    @Test
    void xorShowsTheMlpsRegionsTheFailingPerceptronAndTheCurves() throws Exception {
        String out = run("xor", "--backend", "ref", "--plot", dir.toString(), "--quiet");
        for (String f : List.of("xor-mlp", "xor-perceptron", "xor-loss", "xor-accuracy")) assertThat(out).contains("figure: " + dir.resolve(f + ".svg"));
        assertThat(svg("xor-loss").getElementsByTagName("polyline").getLength()).isEqualTo(1);
        BufferedImage mlp = png("xor-mlp");
        // near each of the four points (inside, so the point's own marker is not what is read) the region is its class
        assertThat(blue(mlp, 0.15f, 0.85f, -0.5f, 1.5f)).as("(0, 1) is class 1").isTrue();
        assertThat(blue(mlp, 0.85f, 0.15f, -0.5f, 1.5f)).as("(1, 0) is class 1").isTrue();
        assertThat(blue(mlp, 0.15f, 0.15f, -0.5f, 1.5f)).as("(0, 0) is class 0").isFalse();
        assertThat(blue(mlp, 0.85f, 0.85f, -0.5f, 1.5f)).as("(1, 1) is class 0").isFalse();
        BufferedImage p = png("xor-perceptron");
        int right = 0;
        float[][] xs = {{0.15f, 0.15f}, {0.15f, 0.85f}, {0.85f, 0.15f}, {0.85f, 0.85f}};
        boolean[] cls = {false, true, true, false};
        for (int i = 0; i < 4; i++) if (blue(p, xs[i][0], xs[i][1], -0.5f, 1.5f) == cls[i]) right++;
        assertThat(right).as("a line gets at most three of XOR's four points").isLessThan(4);
        assertThat(svg("xor-perceptron").getElementsByTagName("circle").getLength()).isEqualTo(4);
    }

    @Test
    void spiralsGradientFlowVanishingAndLenetWriteTheirFigures() throws Exception {
        run("spirals", "--epochs", "20", "--plot", dir.toString());
        assertThat(svg("spirals-mlp").getElementsByTagName("circle").getLength()).isEqualTo(400);
        png("spirals-perceptron");
        assertThat(svg("spirals-mlp-accuracy").getElementsByTagName("polyline").getLength()).isEqualTo(1);
        run("gradient-flow", "--steps", "20", "--plot", dir.toString());
        Document g = svg("gradient-flow");
        assertThat(g.getElementsByTagName("polyline").getLength()).isEqualTo(4);
        assertThat(Files.readString(dir.resolve("gradient-flow.svg"))).contains("RNN σ=0.5", "LSTM b_f=3", "(log scale)");
        String v = run("vanishing", "--depth", "4", "--width", "16", "--epochs", "0", "--digits", "256", "--plot", dir.toString());
        assertThat(v).contains("figure: " + dir.resolve("vanishing.svg"));
        assertThat(svg("vanishing").getElementsByTagName("polyline").getLength()).as("sigmoid and relu, start only").isEqualTo(2);
        run("lenet", "--epochs", "1", "--limit", "300", "--plot", dir.toString(), "--quiet");
        Document f = svg("lenet-conv1-filters");
        assertThat(f.getElementsByTagName("rect").getLength()).as("6 filters of 5×5 and the background").isEqualTo(1 + 6 * 25);
        assertThat(png("lenet-conv1-filters").getHeight()).isEqualTo(5 * 12 + 2 * 12);
        assertThat(svg("lenet-accuracy").getElementsByTagName("circle").getLength()).as("training and held out, one epoch").isEqualTo(2);
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(q -> q.getFileName().toString()).filter(n -> n.endsWith(".tmp"))).as("no temporary file left").isEmpty();
        }
    }

    @Test
    void theDeepSigmoidGradientVanishesLayerByLayerAndReluKeepsIt() {
        List<VanishingSample.Run> r = VanishingSample.measure(new dev.nabla.backend.ReferenceBackend(), 6, 32, 0, 256, 0.02f, 1, null);
        double[] sig = r.get(0).initialNorms(), relu = r.get(1).initialNorms();
        for (int l = 0; l + 1 < sig.length - 1; l++) assertThat(sig[l]).as("sigmoid, layer " + (l + 1) + " below layer " + (l + 2)).isLessThan(sig[l + 1]);
        assertThat(sig[0] / sig[sig.length - 1]).as("σ' ≤ ¼ per layer: six layers down, orders of magnitude").isLessThan(1e-2);
        assertThat(relu[0] / relu[relu.length - 1]).as("ReLU keeps it").isGreaterThan(0.1);
    }
}
