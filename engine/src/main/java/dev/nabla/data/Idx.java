package dev.nabla.data;

import dev.nabla.train.Dataset;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reader of the IDX format of LeCun's MNIST files (and Fashion-MNIST, EMNIST, …), plain or gzip-compressed
 * (recognised by the gzip magic bytes 1f 8b, not by the file name).
 * <pre>
 *   bytes 0–1   0x00 0x00
 *   byte  2     element type: 0x08 unsigned byte (the only one MNIST uses and this reader accepts)
 *   byte  3     number of dimensions d
 *   then d big-endian int32 extents, then the elements in row-major order
 * </pre>
 * Every malformed file is refused with a message that names the file and what is wrong (bad magic, unsupported type,
 * a header promising more data than the file holds, trailing bytes, a truncated gzip stream).
 */
public final class Idx {
    private Idx() {}

    /** The contents of an IDX file of unsigned bytes: its extents and its elements (read with {@code & 0xFF}). */
    public record Array(String source, int[] dims, byte[] data) {
        public Array {
            dims = dims.clone();
        }

        @Override
        public int[] dims() { return dims.clone(); }

        /** Element i as an unsigned value 0..255. */
        public int get(int i) { return data[i] & 0xFF; }

        @Override
        public String toString() { return "IDX " + source + " " + Arrays.toString(dims); }
    }

    /** Reads an IDX file, gunzipping it if it is compressed. */
    public static Array read(Path file) {
        try {
            return parse(Files.readAllBytes(file), file.toString());
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("IDX file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read IDX file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads an IDX stream (e.g. a class-path resource), gunzipping it if it is compressed; {@code source} names it in errors. */
    public static Array read(InputStream in, String source) {
        try (in) {
            return parse(in.readAllBytes(), source);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read IDX " + source + ": " + e.getMessage(), e);
        }
    }

    /** Parses the bytes of an IDX file (plain or gzip). */
    public static Array parse(byte[] bytes, String source) {
        if (bytes.length >= 2 && (bytes[0] & 0xFF) == 0x1F && (bytes[1] & 0xFF) == 0x8B) bytes = gunzip(bytes, source);
        if (bytes.length < 4) {
            throw new IllegalArgumentException("IDX " + source + " is too short for a header: " + bytes.length + " bytes");
        }
        if (bytes[0] != 0 || bytes[1] != 0) {
            throw new IllegalArgumentException(String.format("%s is not an IDX file: it starts with 0x%02X 0x%02X, an IDX file with 0x00 0x00",
                    source, bytes[0] & 0xFF, bytes[1] & 0xFF));
        }
        int type = bytes[2] & 0xFF, rank = bytes[3] & 0xFF;
        if (type != 0x08) {
            throw new IllegalArgumentException(String.format("IDX %s holds element type 0x%02X; only unsigned bytes (0x08, as MNIST) are supported",
                    source, type));
        }
        if (rank == 0) throw new IllegalArgumentException("IDX " + source + " declares 0 dimensions");
        int header = 4 + 4 * rank;
        if (bytes.length < header) {
            throw new IllegalArgumentException("IDX " + source + " is truncated inside its header: " + rank + " dimensions need "
                    + header + " header bytes, the file has " + bytes.length);
        }
        int[] dims = new int[rank];
        long count = 1;
        for (int d = 0; d < rank; d++) {
            int o = 4 + 4 * d;
            dims[d] = (bytes[o] & 0xFF) << 24 | (bytes[o + 1] & 0xFF) << 16 | (bytes[o + 2] & 0xFF) << 8 | (bytes[o + 3] & 0xFF);
            if (dims[d] < 0) throw new IllegalArgumentException("IDX " + source + ": dimension " + d + " is negative (" + dims[d] + ")");
            count *= dims[d];
        }
        long present = bytes.length - header;
        if (present < count) {
            throw new IllegalArgumentException("IDX " + source + " is truncated: its header " + shape(dims) + " promises " + count
                    + " bytes of data, the file holds " + present);
        }
        if (present > count) {
            throw new IllegalArgumentException("IDX " + source + " has " + (present - count) + " bytes after the " + count
                    + " bytes its header " + shape(dims) + " describes");
        }
        return new Array(source, dims, Arrays.copyOfRange(bytes, header, bytes.length));
    }

    private static String shape(int[] dims) {
        StringBuilder sb = new StringBuilder();
        for (int d : dims) sb.append(sb.isEmpty() ? "" : "×").append(d);
        return sb.toString();
    }

    private static byte[] gunzip(byte[] gz, String source) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        } catch (EOFException e) {
            throw new IllegalArgumentException("IDX " + source + ": the gzip stream is truncated (" + gz.length + " compressed bytes)", e);
        } catch (ZipException e) {
            throw new IllegalArgumentException("IDX " + source + ": corrupt gzip data (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * An image classification data set from an images file [n, rows, cols] and a labels file [n]: features are the
     * pixels scaled to [0, 1] (p/255), shaped [1, rows, cols] per sample (one channel, NCHW), targets the labels.
     */
    public static Dataset images(Array images, Array labels) {
        int[] d = images.dims(), l = labels.dims();
        if (d.length != 3) throw new IllegalArgumentException("IDX images " + images.source() + " should be [n, rows, cols], got " + shape(d));
        if (l.length != 1) throw new IllegalArgumentException("IDX labels " + labels.source() + " should be [n], got " + shape(l));
        if (d[0] != l[0]) {
            throw new IllegalArgumentException(images.source() + " holds " + d[0] + " images but " + labels.source() + " holds "
                    + l[0] + " labels");
        }
        float[] x = new float[images.data().length];
        for (int i = 0; i < x.length; i++) x[i] = images.get(i) / 255f;
        int[] y = new int[l[0]];
        for (int i = 0; i < y.length; i++) y[i] = labels.get(i);
        return Dataset.classification(x, new int[] {1, d[1], d[2]}, y);
    }

    /** {@link #images(Array, Array)} from two files. */
    public static Dataset images(Path imagesFile, Path labelsFile) {
        return images(read(imagesFile), read(labelsFile));
    }
}
