package dev.nabla.samples.plot;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * The samples' figures ({@code --plot DIR}): line charts (loss and accuracy per epoch, gradient norms per step or per
 * layer, optionally on a log axis), decision regions with the training points, and grids of small images (a
 * convolution's learned filters) — as SVG, which a browser or an editor opens, and for the pictures also as PNG.
 * Written without a library; each file is written to a temporary file and renamed, so none is left half-written.
 */
public final class Plot {
    private Plot() {}

    private static final String[] COLORS = {"#4a90e2", "#d0021b", "#f5a623", "#7ed321", "#9013fe", "#50e3c2", "#8b572a"};
    private static final int W = 640, H = 400, LEFT = 70, RIGHT = 170, TOP = 40, BOTTOM = 50;

    /** A series of y values against x = 1, 2, … (epochs, steps) or given x. */
    public record Series(String name, double[] x, double[] y) {
        public static Series of(String name, double[] y) {
            double[] x = new double[y.length];
            for (int i = 0; i < x.length; i++) x[i] = i + 1;
            return new Series(name, x, y);
        }
    }

    /** A line chart of the series; {@code logY} draws y on a log₁₀ axis (for gradient norms that vanish or explode). */
    public static String lines(String title, String xLabel, String yLabel, List<Series> series, boolean logY) {
        double x0 = Double.MAX_VALUE, x1 = -Double.MAX_VALUE, y0 = Double.MAX_VALUE, y1 = -Double.MAX_VALUE;
        for (Series s : series)
            for (int i = 0; i < s.y().length; i++) {
                double y = logY ? Math.log10(s.y()[i]) : s.y()[i];
                if (!Double.isFinite(y)) continue;
                x0 = Math.min(x0, s.x()[i]); x1 = Math.max(x1, s.x()[i]);
                y0 = Math.min(y0, y); y1 = Math.max(y1, y);
            }
        if (x0 > x1) { x0 = 0; x1 = 1; y0 = 0; y1 = 1; }
        if (x1 == x0) x1 = x0 + 1;
        if (y1 == y0) { y0 -= 0.5; y1 += 0.5; }
        if (!logY && y0 > 0 && y0 < 0.5 * y1) y0 = 0;                       // losses and accuracies from 0
        boolean wholeX = true;
        for (Series s : series) for (double x : s.x()) wholeX &= x == Math.rint(x);
        double[] yt = logY ? decades(y0, y1) : ticks(y0, y1, false);
        if (!logY) { y0 = Math.min(y0, yt[0]); y1 = Math.max(y1, yt[yt.length - 1]); }   // the axis ends on a tick
        else { y0 = yt[0]; y1 = yt[yt.length - 1]; }
        double[] xt = ticks(x0, x1, wholeX);
        StringBuilder b = header(title);
        double px0 = x0, px1 = x1, py0 = y0, py1 = y1;
        java.util.function.DoubleUnaryOperator sx = x -> LEFT + (x - px0) / (px1 - px0) * (W - LEFT - RIGHT);
        java.util.function.DoubleUnaryOperator sy = y -> H - BOTTOM - (y - py0) / (py1 - py0) * (H - TOP - BOTTOM);
        axes(b, xLabel, logY ? yLabel + " (log scale)" : yLabel);
        for (double xv : xt) {
            if (xv < x0 - 1e-9 || xv > x1 + 1e-9) continue;
            b.append(text(sx.applyAsDouble(xv), H - BOTTOM + 16, fmt(xv), "middle", 11));
        }
        for (double yv : yt) {
            double y = sy.applyAsDouble(yv);
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>", LEFT + 1, y, W - RIGHT, y));
            b.append(text(LEFT - 6, y + 4, logY ? "1e" + fmt(yv) : fmt(yv), "end", 11));
        }
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            String c = COLORS[k % COLORS.length];
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < s.y().length; i++) {
                double y = logY ? Math.log10(s.y()[i]) : s.y()[i];
                if (!Double.isFinite(y)) continue;
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", sx.applyAsDouble(s.x()[i]), sy.applyAsDouble(y)));
            }
            b.append("<polyline fill=\"none\" stroke=\"").append(c).append("\" stroke-width=\"2\" points=\"").append(pts).append("\"/>\n");
            if (s.y().length <= 30) {                                        // few points (epochs): mark each
                for (int i = 0; i < s.y().length; i++) {
                    double y = logY ? Math.log10(s.y()[i]) : s.y()[i];
                    if (Double.isFinite(y)) {
                        b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>", sx.applyAsDouble(s.x()[i]), sy.applyAsDouble(y), c));
                    }
                }
            }
            b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"%s\"/>", W - RIGHT + 12, TOP + 12 + 18 * k, c));
            b.append(text(W - RIGHT + 30, TOP + 17 + 18 * k, s.name(), "start", 12));
        }
        return b.append("</svg>\n").toString();
    }

    /**
     * Decision regions: {@code p1} is P(class 1) on an n×n lattice over [lo, hi]² (row 0 at the top, y = hi), drawn
     * from orange (0) to blue (1), with the points (x, y pairs) in their label's colour.
     */
    public static String regions(String title, float[] p1, int n, float lo, float hi, float[] points, float[] labels) {
        StringBuilder b = header(title);
        double side = H - TOP - BOTTOM, cell = side / n;
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++) {
                b.append(String.format(Locale.ROOT, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>",
                        LEFT + c * cell, TOP + r * cell, cell + 0.3, cell + 0.3, hex(light(mix(p1[r * n + c])))));
            }
        b.append('\n');
        for (int i = 0; i < labels.length; i++) {
            double x = LEFT + (points[2 * i] - lo) / (hi - lo) * side, y = TOP + side - (points[2 * i + 1] - lo) / (hi - lo) * side;
            b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\" stroke=\"#333\"/>", x, y, hex(mix(labels[i]))));
        }
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" stroke=\"#999\"/>", LEFT, TOP, side, side));
        for (double v : ticks(lo, hi, false)) {                                // the input axes x₁ (across) and x₂ (up)
            if (v < lo - 1e-9 || v > hi + 1e-9) continue;
            double at = (v - lo) / (hi - lo) * side;
            b.append(text(LEFT + at, TOP + side + 15, fmt(v), "middle", 11));
            b.append(text(LEFT - 5, TOP + side - at + 4, fmt(v), "end", 11));
        }
        b.append(text(LEFT + side / 2, TOP + side + 32, "x₁", "middle", 12));
        b.append(text(LEFT - 36, TOP + side / 2, "x₂", "middle", 12));
        b.append(text(LEFT + side + 20, TOP + 20, "P(class 1)", "start", 12));
        for (int k = 0; k <= 4; k++) {
            b.append(String.format(Locale.ROOT, "<rect x=\"%.0f\" y=\"%d\" width=\"18\" height=\"18\" fill=\"%s\"/>", LEFT + side + 20, TOP + 30 + 22 * k,
                    hex(light(mix(1 - k / 4.0)))));
            b.append(text(LEFT + side + 46, TOP + 44 + 22 * k, fmt(1 - k / 4.0), "start", 11));
        }
        return b.append("</svg>\n").toString();
    }

    /** A PNG of the same regions (for viewers without SVG), {@code scale} pixels per lattice cell. */
    public static byte[] regionsPng(float[] p1, int n, float lo, float hi, float[] points, float[] labels, int scale) {
        BufferedImage img = new BufferedImage(n * scale, n * scale, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < n * scale; y++)
            for (int x = 0; x < n * scale; x++) img.setRGB(x, y, rgb(light(mix(p1[(y / scale) * n + x / scale]))));
        for (int i = 0; i < labels.length; i++) {
            int cx = (int) ((points[2 * i] - lo) / (hi - lo) * n * scale), cy = (int) (n * scale - (points[2 * i + 1] - lo) / (hi - lo) * n * scale);
            for (int dy = -3; dy <= 3; dy++)
                for (int dx = -3; dx <= 3; dx++) {
                    int x = cx + dx, y = cy + dy;
                    if (x < 0 || y < 0 || x >= n * scale || y >= n * scale || dx * dx + dy * dy > 9) continue;
                    img.setRGB(x, y, dx * dx + dy * dy > 5 ? 0x333333 : rgb(mix(labels[i])));
                }
        }
        return png(img);
    }

    /**
     * Small images side by side, each scaled to its own min..max (a grey ramp: black low, white high), e.g. the 6 learned
     * 5×5 filters of LeNet-5's first layer. {@code images[k]} holds h·w values, row-major.
     */
    public static String images(String title, float[][] images, int h, int w, List<String> captions) {
        int size = 80, gap = 16, perRow = Math.max(1, (W - 2 * gap) / (size + gap));
        int rows = (images.length + perRow - 1) / perRow;
        StringBuilder b = header(title, TOP + rows * (size + gap + 16) + gap);
        for (int k = 0; k < images.length; k++) {
            int ox = gap + (k % perRow) * (size + gap), oy = TOP + (k / perRow) * (size + gap + 16);
            float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
            for (float v : images[k]) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
            double cw = (double) size / w, ch = (double) size / h;
            for (int r = 0; r < h; r++)
                for (int c = 0; c < w; c++) {
                    int g = hi > lo ? Math.round(255 * (images[k][r * w + c] - lo) / (hi - lo)) : 128;
                    b.append(String.format(Locale.ROOT, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"rgb(%d,%d,%d)\"/>",
                            ox + c * cw, oy + r * ch, cw + 0.3, ch + 0.3, g, g, g));
                }
            b.append(text(ox + size / 2.0, oy + size + 13, captions == null ? "#" + (k + 1) : captions.get(k), "middle", 11));
        }
        return b.append("</svg>\n").toString();
    }

    /** A PNG of the images side by side, {@code scale} pixels per value. */
    public static byte[] imagesPng(float[][] images, int h, int w, int scale) {
        int gap = scale, width = images.length * (w * scale + gap) + gap, height = h * scale + 2 * gap;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) for (int x = 0; x < width; x++) img.setRGB(x, y, 0xffffff);
        for (int k = 0; k < images.length; k++) {
            float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
            for (float v : images[k]) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
            for (int y = 0; y < h * scale; y++)
                for (int x = 0; x < w * scale; x++) {
                    int g = hi > lo ? Math.round(255 * (images[k][(y / scale) * w + x / scale] - lo) / (hi - lo)) : 128;
                    img.setRGB(gap + k * (w * scale + gap) + x, gap + y, g << 16 | g << 8 | g);
                }
        }
        return png(img);
    }

    /** Writes {@code content} to dir/name without ever leaving a half-written file (temp file, forced, renamed). */
    public static Path write(Path dir, String name, byte[] content) {
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            Path target = dir.resolve(name);
            tmp = Files.createTempFile(dir, "." + name, ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(content));
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the figure " + dir.resolve(name) + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) try { Files.deleteIfExists(tmp); } catch (IOException ignored) { /* the error above says what failed */ }
        }
    }

    public static Path write(Path dir, String name, String svg) { return write(dir, name, svg.getBytes(StandardCharsets.UTF_8)); }

    // ---------------------------------------------------------------- drawing helpers

    private static StringBuilder header(String title) { return header(title, H); }

    private static StringBuilder header(String title, int height) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", W, height, W, height));
        b.append(text(W / 2.0, 24, title, "middle", 15));
        return b;
    }

    private static void axes(StringBuilder b, String xLabel, String yLabel) {
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", LEFT, H - BOTTOM, W - RIGHT, H - BOTTOM));
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", LEFT, TOP, LEFT, H - BOTTOM));
        b.append(text((LEFT + W - RIGHT) / 2.0, H - 12, xLabel, "middle", 12));
        b.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 16 %d)\">%s</text>\n",
                (TOP + H - BOTTOM) / 2, (TOP + H - BOTTOM) / 2, esc(yLabel)));
    }

    private static String text(double x, double y, String s, String anchor, int size) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\">%s</text>\n", x, y, size, anchor, esc(s));
    }

    /** About five ticks at a round step (1, 2 or 5 × 10^k; whole numbers if {@code whole}) covering [lo, hi]. */
    static double[] ticks(double lo, double hi, boolean whole) {
        double raw = (hi - lo) / 4, mag = Math.pow(10, Math.floor(Math.log10(raw))), step = mag;
        for (double m : new double[] {1, 2, 5, 10}) {
            step = m * mag;
            if (step >= raw) break;
        }
        if (whole) step = Math.max(1, Math.rint(step));
        double first = Math.floor(lo / step + 1e-9) * step, last = Math.ceil(hi / step - 1e-9) * step;
        int n = (int) Math.round((last - first) / step) + 1;
        double[] t = new double[n];
        for (int i = 0; i < n; i++) t[i] = Double.parseDouble(String.format(Locale.ROOT, "%.12g", first + i * step));   // 0.6, not 0.6000000000000001
        return t;
    }

    /** Whole decades (log₁₀ values) covering [lo, hi], every k-th so that there are at most eight. */
    static double[] decades(double lo, double hi) {
        int a = (int) Math.floor(lo), z = (int) Math.ceil(hi);
        if (z == a) z = a + 1;
        int k = Math.max(1, (z - a + 7) / 8);
        a = Math.floorDiv(a, k) * k;
        z = -Math.floorDiv(-z, k) * k;
        double[] t = new double[(z - a) / k + 1];
        for (int i = 0; i < t.length; i++) t[i] = a + i * k;
        return t;
    }

    private static String esc(String s) { return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"); }

    private static String fmt(double v) {
        if (Math.abs(v - Math.rint(v)) < 1e-9 && Math.abs(v) < 1e6) return String.valueOf(Math.round(v));
        String t = String.format(Locale.ROOT, Math.abs(v) < 0.01 || Math.abs(v) >= 1e4 ? "%.2g" : "%.3g", v);
        return t.contains(".") && !t.contains("e") ? t.replaceAll("0+$", "").replaceAll("\\.$", "") : t;
    }

    /** Orange (class 0) to blue (class 1). */
    private static int[] mix(double p) {
        int[] a = {245, 166, 35}, b = {74, 144, 226};
        return new int[] {(int) Math.round(a[0] + (b[0] - a[0]) * p), (int) Math.round(a[1] + (b[1] - a[1]) * p), (int) Math.round(a[2] + (b[2] - a[2]) * p)};
    }

    private static int[] light(int[] c) {
        return new int[] {(int) Math.round(255 + (c[0] - 255) * 0.55), (int) Math.round(255 + (c[1] - 255) * 0.55), (int) Math.round(255 + (c[2] - 255) * 0.55)};
    }

    private static String hex(int[] c) { return String.format("#%02x%02x%02x", c[0], c[1], c[2]); }

    private static int rgb(int[] c) { return c[0] << 16 | c[1] << 8 | c[2]; }

    private static byte[] png(BufferedImage img) {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The series of several named arrays, in order. */
    public static List<Series> series(Map<String, double[]> byName) {
        List<Series> out = new ArrayList<>();
        new LinkedHashMap<>(byName).forEach((k, v) -> out.add(Series.of(k, v)));
        return out;
    }
}
