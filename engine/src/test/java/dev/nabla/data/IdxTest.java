package dev.nabla.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.train.Dataset;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
    @TempDir Path dir;

    /** An IDX file of unsigned bytes with the given extents and data. */
    static byte[] idx(int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) 0x08).put((byte) dims.length);
        for (int d : dims) b.putInt(d);
        return b.put(data).array();
    }

    static byte[] gzip(byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(plain);
        }
        return out.toByteArray();
    }

    /** Three 2×3 "images" with pixels 0, 51, 102, 153, 204, 255, … and labels 7, 0, 9. */
    private static final byte[] PIXELS = new byte[18];
    static {
        for (int i = 0; i < PIXELS.length; i++) PIXELS[i] = (byte) (i * 51 % 256);
    }

    @Test
    void readsPlainAndGzippedFilesAlike() throws IOException {
        Path plain = Files.write(dir.resolve("images-idx3-ubyte"), idx(new int[] {3, 2, 3}, PIXELS));
        Path gz = Files.write(dir.resolve("images-idx3-ubyte.gz"), gzip(idx(new int[] {3, 2, 3}, PIXELS)));
        for (Path p : new Path[] {plain, gz}) {
            Idx.Array a = Idx.read(p);
            assertThat(a.dims()).containsExactly(3, 2, 3);
            assertThat(a.data()).containsExactly(PIXELS);
            assertThat(a.get(5)).isEqualTo(255);                    // unsigned
        }
    }

    @Test
    void imagesBecomeOneChannelSamplesScaledToTheUnitInterval() throws IOException {
        Path images = Files.write(dir.resolve("i.gz"), gzip(idx(new int[] {3, 2, 3}, PIXELS)));
        Path labels = Files.write(dir.resolve("l"), idx(new int[] {3}, new byte[] {7, 0, 9}));
        Dataset d = Idx.images(images, labels);
        assertThat(d.size()).isEqualTo(3);
        assertThat(d.sampleShape()).containsExactly(1, 2, 3);
        assertThat(Arrays.copyOf(d.features(), 6)).containsExactly(0f, 0.2f, 0.4f, 0.6f, 0.8f, 1f);
        assertThat(d.targets()).containsExactly(7, 0, 9);
    }

    @Test
    void aBadMagicNumberIsRefused() throws IOException {
        Path png = Files.write(dir.resolve("digits.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 0});
        assertThatThrownBy(() -> Idx.read(png)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("digits.png is not an IDX file: it starts with 0x89 0x50");
        byte[] floats = idx(new int[] {1}, new byte[4]);
        floats[2] = 0x0D;
        assertThatThrownBy(() -> Idx.parse(floats, "f.idx")).hasMessageContaining("element type 0x0D");
    }

    @Test
    void shortFilesAreRefusedWithWhatIsMissing() throws IOException {
        byte[] full = idx(new int[] {3, 2, 3}, PIXELS);
        assertThatThrownBy(() -> Idx.parse(Arrays.copyOf(full, full.length - 5), "short"))
                .hasMessageContaining("short is truncated: its header 3×2×3 promises 18 bytes of data, the file holds 13");
        assertThatThrownBy(() -> Idx.parse(Arrays.copyOf(full, 9), "tiny"))
                .hasMessageContaining("truncated inside its header: 3 dimensions need 16 header bytes, the file has 9");
        assertThatThrownBy(() -> Idx.parse(new byte[] {0, 0}, "two")).hasMessageContaining("too short for a header");
        byte[] gz = gzip(full);
        assertThatThrownBy(() -> Idx.parse(Arrays.copyOf(gz, gz.length - 12), "cut.gz"))
                .hasMessageContaining("cut.gz: the gzip stream is truncated");
        assertThatThrownBy(() -> Idx.parse(Arrays.copyOf(full, full.length + 2), "long"))
                .hasMessageContaining("2 bytes after the 18 bytes");
        assertThatThrownBy(() -> Idx.read(dir.resolve("absent.gz"))).hasMessageContaining("does not exist");
    }

    @Test
    void imagesAndLabelsMustAgree() {
        Idx.Array images = Idx.parse(idx(new int[] {3, 2, 3}, PIXELS), "images");
        Idx.Array labels = Idx.parse(idx(new int[] {2}, new byte[] {1, 2}), "labels");
        assertThatThrownBy(() -> Idx.images(images, labels)).hasMessageContaining("images holds 3 images but labels holds 2 labels");
        assertThatThrownBy(() -> Idx.images(labels, labels)).hasMessageContaining("should be [n, rows, cols]");
    }
}
