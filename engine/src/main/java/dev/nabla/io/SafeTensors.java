package dev.nabla.io;

import dev.nabla.nn.StateDict;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * The safetensors layout, read and written by our own code: an 8-byte little-endian header length N, N bytes of JSON
 * naming each tensor's dtype, shape and byte range [begin, end) within the data that follows (plus an optional
 * {@code __metadata__} object of strings), then the raw little-endian data. We write F32 tensors back to back in order,
 * the header padded with spaces to a multiple of 8 bytes, and record a CRC-32 per tensor ({@code nabla.crc32}) and one
 * of the header ({@code nabla.header-crc32}) in the metadata, so that a changed byte anywhere is found too.
 *
 * <p>Reading is strict: the header length must fit the file, the header must be valid UTF-8 JSON of the right form,
 * every dtype known, every byte range the size its shape and dtype need, inside the file, the ranges neither
 * overlapping nor leaving bytes that belong to no tensor, and the checksums (where recorded) must match. Each failure
 * is a {@link ModelFileException} naming the file and the tensor.
 */
public final class SafeTensors {
    private SafeTensors() {}

    /** The metadata key of the per-tensor CRC-32s (a JSON object of hex strings, as a string). */
    public static final String CHECKSUMS = "nabla.crc32";
    /**
     * The metadata key of the CRC-32 of the length and the header themselves, computed with its own 8 hex digits read
     * as "00000000": a changed byte anywhere in a file we wrote is found.
     */
    public static final String HEADER_CHECKSUM = "nabla.header-crc32";
    private static final String HEADER_FIELD = "\"" + HEADER_CHECKSUM + "\":\"";
    /** Headers above this size are refused before they are read (a corrupt length must not allocate gigabytes). */
    static final long MAX_HEADER = 100L << 20;

    /** One tensor of a file: dtype, shape, byte range in the data section. */
    public record Info(String dtype, int[] shape, long begin, long end) {}

    /** A file's contents: metadata, tensor infos in header order, and the data section. */
    public record Contents(Path file, Map<String, String> metadata, Map<String, Info> tensors, ByteBuffer data) {
        /** The F32 values of tensor {@code name} (other dtypes are refused: our models hold float32). */
        public float[] floats(String name) throws ModelFileException {
            Info in = tensors.get(name);
            if (in == null) throw new ModelFileException(file, name, "no such tensor in the file");
            if (!in.dtype.equals("F32")) throw new ModelFileException(file, name, "dtype " + in.dtype + ", but Nabla's models hold F32 (float32)");
            float[] v = new float[(int) ((in.end - in.begin) / 4)];
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).position((int) in.begin).slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            return v;
        }
    }

    private static final Map<String, Integer> DTYPE_BYTES = Map.ofEntries(Map.entry("F64", 8), Map.entry("F32", 4), Map.entry("F16", 2),
            Map.entry("BF16", 2), Map.entry("I64", 8), Map.entry("I32", 4), Map.entry("I16", 2), Map.entry("I8", 1), Map.entry("U64", 8),
            Map.entry("U32", 4), Map.entry("U16", 2), Map.entry("U8", 1), Map.entry("BOOL", 1), Map.entry("F8_E5M2", 1), Map.entry("F8_E4M3", 1));

    // ---------------------------------------------------------------- writing

    /** Writes {@code tensors} (F32) with {@code metadata} and the checksums to {@code out}. */
    public static void writeTo(OutputStream out, StateDict tensors, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        Map<String, Object> crcs = new LinkedHashMap<>();
        List<byte[]> blobs = new ArrayList<>();
        Map<String, Object> infos = new LinkedHashMap<>();
        long offset = 0;
        for (String name : tensors.names()) {
            StateDict.Entry e = tensors.get(name);
            ByteBuffer b = ByteBuffer.allocate(e.values().length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(e.values());
            byte[] bytes = b.array();
            CRC32 crc = new CRC32();
            crc.update(bytes);
            crcs.put(name, String.format("%08x", crc.getValue()));
            List<Object> shape = new ArrayList<>();
            for (int d : e.shape()) shape.add(d);
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", "F32");
            info.put("shape", shape);
            info.put("data_offsets", List.of(offset, offset + bytes.length));
            infos.put(name, info);
            blobs.add(bytes);
            offset += bytes.length;
        }
        meta.put(CHECKSUMS, Json.write(crcs));
        meta.put(HEADER_CHECKSUM, "00000000");
        header.put("__metadata__", meta);
        header.putAll(infos);
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int n = json.length, padded = (n + 8 + 7) / 8 * 8 - 8;                  // 8 + N a multiple of 8
        byte[] head = new byte[8 + padded];
        ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        System.arraycopy(json, 0, head, 8, n);
        java.util.Arrays.fill(head, 8 + n, head.length, (byte) ' ');
        int at = headerChecksumAt(head, padded);
        CRC32 crc = new CRC32();
        crc.update(head);                                                        // with the field still "00000000"
        byte[] hex = String.format("%08x", crc.getValue()).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(hex, 0, head, at, 8);
        out.write(head);
        for (byte[] b : blobs) out.write(b);
    }

    /** Writes a file atomically ({@link AtomicFiles}): the old file survives any failure. */
    public static void write(Path file, StateDict tensors, Map<String, String> metadata) throws IOException {
        AtomicFiles.write(file, out -> writeTo(out, tensors, metadata));
    }

    // ---------------------------------------------------------------- reading

    /** Reads and checks a whole file (see the class comment for what is refused). */
    public static Contents read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new ModelFileException(file, Files.exists(file) ? "not a regular file" : "no such file");
        long size = Files.size(file);
        if (size == 0) throw new ModelFileException(file, "the file is empty (0 bytes): not a safetensors file");
        if (size < 8) throw new ModelFileException(file, "truncated: " + size + " bytes, but a safetensors file starts with an 8-byte header length");
        byte[] all = Files.readAllBytes(file);
        return parse(file, all);
    }

    static Contents parse(Path file, byte[] all) throws ModelFileException {
        long size = all.length;
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n <= 0) throw new ModelFileException(file, "header length " + n + " (the first 8 bytes): not a safetensors file");
        if (n > MAX_HEADER) throw new ModelFileException(file, "header length " + n + " is over " + MAX_HEADER + " bytes: not a safetensors file, or corrupt");
        if (8 + n > size) {
            throw new ModelFileException(file, "truncated: the header says it is " + n + " bytes long, but only " + (size - 8)
                    + " bytes follow the length");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(all, 8, (int) n)).toString();
        } catch (CharacterCodingException e) {
            throw new ModelFileException(file, "the header is not valid UTF-8 (corrupt)");
        }
        Object parsed;
        try {
            parsed = Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, "the header is not valid JSON: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> header)) throw new ModelFileException(file, "the header is not a JSON object");
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, Info> tensors = new LinkedHashMap<>();
        long dataSize = size - 8 - n;
        for (Map.Entry<?, ?> e : header.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals("__metadata__")) {
                if (!(e.getValue() instanceof Map<?, ?> m)) throw new ModelFileException(file, "__metadata__ is not an object");
                for (Map.Entry<?, ?> me : m.entrySet()) {
                    if (!(me.getValue() instanceof String v)) throw new ModelFileException(file, "__metadata__ value '" + me.getKey() + "' is not a string");
                    metadata.put((String) me.getKey(), v);
                }
                continue;
            }
            tensors.put(name, info(file, name, e.getValue(), dataSize));
        }
        List<Map.Entry<String, Info>> byOffset = new ArrayList<>(tensors.entrySet());
        byOffset.sort(Comparator.comparingLong((Map.Entry<String, Info> e) -> e.getValue().begin).thenComparingLong(e -> e.getValue().end));
        long at = 0;
        String previous = null;
        for (Map.Entry<String, Info> e : byOffset) {
            Info in = e.getValue();
            if (in.begin < at) {
                throw new ModelFileException(file, e.getKey(), "its byte range [" + in.begin + ", " + in.end + ") overlaps tensor '" + previous + "' (which ends at " + at + ")");
            }
            if (in.begin > at) throw new ModelFileException(file, e.getKey(), "bytes [" + at + ", " + in.begin + ") before it belong to no tensor");
            at = in.end;
            previous = e.getKey();
        }
        if (at != dataSize) {
            throw new ModelFileException(file, (dataSize - at) + " bytes after the last tensor" + (previous == null ? "" : " ('" + previous + "')")
                    + " belong to no tensor (the data section holds " + dataSize + " bytes)");
        }
        ByteBuffer data = ByteBuffer.wrap(all, (int) (8 + n), (int) dataSize).slice();
        Contents c = new Contents(file, metadata, tensors, data);
        verifyHeader(file, all, (int) n, metadata);
        verifyChecksums(c);
        return c;
    }

    /** Where the 8 hex digits of the header checksum start in {@code head} (8 + n bytes), or −1. */
    private static int headerChecksumAt(byte[] head, int n) {
        byte[] field = HEADER_FIELD.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 8; i + field.length + 8 <= 8 + n; i++) {
            for (int k = 0; k < field.length; k++) if (head[i + k] != field[k]) continue outer;
            return i + field.length;
        }
        return -1;
    }

    /** A file we wrote carries a header checksum; so does any file whose metadata has one of our keys. */
    private static void verifyHeader(Path file, byte[] all, int n, Map<String, String> metadata) throws ModelFileException {
        boolean ours = metadata.keySet().stream().anyMatch(k -> k.startsWith("nabla."));
        String recorded = metadata.get(HEADER_CHECKSUM);
        if (recorded == null) {
            if (ours) throw new ModelFileException(file, "the header checksum " + HEADER_CHECKSUM + " is missing (corrupt header)");
            return;                                                              // a file from elsewhere: nothing to verify
        }
        int at = headerChecksumAt(all, n);
        if (at < 0) throw new ModelFileException(file, "the header checksum field is not where it should be (corrupt header)");
        byte[] head = java.util.Arrays.copyOf(all, 8 + n);
        java.util.Arrays.fill(head, at, at + 8, (byte) '0');
        CRC32 crc = new CRC32();
        crc.update(head);
        if (!String.format("%08x", crc.getValue()).equals(recorded)) {
            throw new ModelFileException(file, "header checksum mismatch: the header changed since the file was written (corrupt)");
        }
    }

    private static Info info(Path file, String name, Object v, long dataSize) throws ModelFileException {
        if (!(v instanceof Map<?, ?> m)) throw new ModelFileException(file, name, "its header entry is not an object");
        for (Object k : m.keySet()) {
            if (!k.equals("dtype") && !k.equals("shape") && !k.equals("data_offsets")) {
                throw new ModelFileException(file, name, "unknown field '" + k + "' in its header entry");
            }
        }
        if (!(m.get("dtype") instanceof String dtype)) throw new ModelFileException(file, name, "no dtype string");
        Integer width = DTYPE_BYTES.get(dtype);
        if (width == null) throw new ModelFileException(file, name, "unknown dtype '" + dtype + "'");
        if (!(m.get("shape") instanceof List<?> sl)) throw new ModelFileException(file, name, "no shape list");
        int[] shape = new int[sl.size()];
        long count = 1;
        for (int k = 0; k < shape.length; k++) {
            if (!(sl.get(k) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE) {
                throw new ModelFileException(file, name, "shape " + sl + " holds something other than sizes ≥ 0");
            }
            shape[k] = (int) (long) d;
            count *= d;
            if (count > Integer.MAX_VALUE) throw new ModelFileException(file, name, "shape " + sl + " holds more than 2^31−1 values");
        }
        if (!(m.get("data_offsets") instanceof List<?> ol) || ol.size() != 2 || !(ol.get(0) instanceof Long b) || !(ol.get(1) instanceof Long e)) {
            throw new ModelFileException(file, name, "data_offsets is not a pair of integers [begin, end]");
        }
        if (b < 0 || e < b) throw new ModelFileException(file, name, "byte range [" + b + ", " + e + ") is not a range");
        if (e > dataSize) {
            throw new ModelFileException(file, name, "byte range [" + b + ", " + e + ") runs past the end of the file (the data section holds "
                    + dataSize + " bytes: truncated?)");
        }
        if (e - b != count * width) {
            throw new ModelFileException(file, name, "shape " + sl + " of " + dtype + " needs " + count * width + " bytes, its byte range ["
                    + b + ", " + e + ") holds " + (e - b));
        }
        return new Info(dtype, shape, b, e);
    }

    private static void verifyChecksums(Contents c) throws ModelFileException {
        String recorded = c.metadata().get(CHECKSUMS);
        if (recorded == null) {
            if (c.metadata().containsKey(HEADER_CHECKSUM)) throw new ModelFileException(c.file(), "the tensor checksums " + CHECKSUMS + " are missing (corrupt header)");
            return;                                                              // a file from elsewhere: nothing to verify
        }
        Object parsed;
        try {
            parsed = Json.parse(recorded);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(c.file(), "metadata " + CHECKSUMS + " is not valid JSON (corrupt)");
        }
        if (!(parsed instanceof Map<?, ?> crcs)) throw new ModelFileException(c.file(), "metadata " + CHECKSUMS + " is not an object");
        for (Map.Entry<String, Info> e : c.tensors().entrySet()) {
            if (!(crcs.get(e.getKey()) instanceof String hex)) throw new ModelFileException(c.file(), e.getKey(), "no checksum recorded for it (corrupt)");
            CRC32 crc = new CRC32();
            ByteBuffer slice = c.data().duplicate().position((int) e.getValue().begin).limit((int) e.getValue().end);
            crc.update(slice);
            if (!String.format("%08x", crc.getValue()).equals(hex)) {
                throw new ModelFileException(c.file(), e.getKey(), "checksum mismatch: its bytes changed since the file was written (corrupt)");
            }
        }
        for (Object k : crcs.keySet()) {
            if (!c.tensors().containsKey(k)) throw new ModelFileException(c.file(), (String) k, "a checksum is recorded for it, but the header has no such tensor (corrupt)");
        }
    }
}
