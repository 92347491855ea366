package dev.nabla.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.AvgPool2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.LocallyConnected2d;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.PReLU;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.Softmax;
import dev.nabla.nn.TiledConv2d;
import dev.nabla.nn.TimeDistributed;
import dev.nabla.nn.rnn.Bidirectional;
import dev.nabla.nn.rnn.Embedding;
import dev.nabla.nn.rnn.EncoderDecoder;
import dev.nabla.nn.rnn.Gru;
import dev.nabla.nn.rnn.InitialState;
import dev.nabla.nn.rnn.LastStep;
import dev.nabla.nn.rnn.Lstm;
import dev.nabla.nn.rnn.LstmLanguageModel;
import dev.nabla.nn.rnn.OneHot;
import dev.nabla.nn.rnn.Rnn;
import dev.nabla.nn.rnn.VanillaRnn;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model files: round trips for every kind of layer (load into a model of the same architecture; build the model from
 * the file alone), PyTorch's names, and every malformed file of issue 12 refused by name with the model untouched.
 */
class ModelFileTest {
    private final Backend ops = new ReferenceBackend();
    @TempDir Path dir;

    /** A model and an input it takes. */
    record Case(String name, Supplier<Sequential> make, int[] inputShape, boolean tokens, int classes) {}

    static List<Case> zoo() {
        return List.of(
                new Case("mlp", () -> Sequential.mlp(ActivationLayer::relu, 4, 8, 3), new int[] {5, 4}, false, 0),
                new Case("cnn", () -> new Sequential(new Conv2d(1, 3, 3).padding(1), PReLU.perChannel(3), new MaxPool2d(2),
                        new Conv2d(3, 4, 3).stride(1, 2).withoutBias(), ActivationLayer.tanh(), new AvgPool2d(2).floor(), new Flatten(),
                        new Dropout(0.3f), new Dense(4, 3), new Softmax()), new int[] {2, 1, 8, 10}, false, 0),
                new Case("tiled-local", () -> new Sequential(new TiledConv2d(1, 3, 3, 2, 2, 3).stride(1, 2).padding(1, 0), ActivationLayer.relu(),
                        new LocallyConnected2d(3, 2, 2, 3, 8, 5).stride(2, 1), new TiledConv2d(2, 2, 2, 2).floor().withoutBias(), new Flatten(),
                        new Dense(12, 3)), new int[] {2, 1, 8, 10}, false, 0),
                new Case("lstm-lm", () -> LstmLanguageModel.create(7, 3, 5, 2, 1f), new int[] {4, 2}, true, 7),
                new Case("gru-bi-learned", () -> new Sequential(new Embedding(6, 3),
                        new Bidirectional(new Gru(3, 4).initialState(InitialState.LEARNED), new Gru(3, 4).initialState(InitialState.LEARNED)),
                        new LastStep(), new Dense(8, 2)), new int[] {5, 3}, true, 6),
                new Case("rnn-peephole", () -> new Sequential(new Rnn(3, 4), new Lstm(4, 4, true, 2f).initialState(InitialState.LEARNED),
                        new TimeDistributed(new Dense(4, 2))), new int[] {3, 2, 3}, false, 0),
                new Case("vanilla-tf", () -> new Sequential(new OneHot(5), new VanillaRnn(5, 6, 5, VanillaRnn.Recurrence.OUTPUT,
                        VanillaRnn.Output.MANY_TO_MANY).feedback(VanillaRnn.Feedback.TEACHER_FORCED)), new int[] {4, 2}, true, 5),
                new Case("caption", () -> new Sequential(new EncoderDecoder(new int[] {1, 4, 4},
                        new Sequential(new Flatten(), new Dense(16, 5), ActivationLayer.tanh()), new Embedding(6, 3), new Lstm(3, 5)),
                        new TimeDistributed(new Dense(5, 6))), null, false, 0));
    }

    private Tensor input(Case c, SplittableRandom rng) {
        if (c.name().equals("caption")) {
            float[] x = new float[2 * (16 + 3)];
            for (int b = 0; b < 2; b++) {
                for (int i = 0; i < 16; i++) x[b * 19 + i] = (float) rng.nextDouble();
                for (int t = 0; t < 3; t++) x[b * 19 + 16 + t] = rng.nextInt(6);
            }
            return ops.upload(x, 2, 19);
        }
        int n = Tensor.sizeOf(c.inputShape());
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = c.tokens() ? rng.nextInt(c.classes()) : (float) rng.nextDouble(-1, 1);
        return ops.upload(x, c.inputShape());
    }

    @Test
    void everyLayerRoundTripsThroughAFileAndTheModelIsBuiltFromItsArchitecture() throws IOException {
        for (Case c : zoo()) {
            Sequential a = c.make().get().bind(ops, 1);
            Tensor x = input(c, new SplittableRandom(2));
            float[] y = a.forward(x, false).toArray();
            Path f = dir.resolve(c.name() + ".safetensors");
            ModelFile.save(a, f, Map.of("nabla.data", "test"));

            Sequential b = c.make().get().bind(ops, 99);                             // other weights, same architecture
            assertThat(b.forward(x, false).toArray()).as(c.name() + " differs before loading").isNotEqualTo(y);
            Map<String, String> meta = ModelFile.load(b, f);
            assertThat(meta).containsEntry("nabla.data", "test").containsEntry(ModelFile.VERSION, ModelFile.ENGINE_VERSION);
            assertThat(b.forward(x, false).toArray()).as(c.name() + " loaded").containsExactly(y);
            assertThat(values(b)).as(c.name() + " parameters bit for bit").isEqualTo(values(a));

            Sequential r = ModelFile.read(f, ops);                                   // from the file alone
            assertThat(r.name()).isEqualTo(a.name());
            assertThat(r.forward(x, false).toArray()).as(c.name() + " read").containsExactly(y);
        }
    }

    @Test
    void tensorNamesArePyTorchsStateDictNames() {
        Sequential lenet = new Sequential(new Conv2d(1, 6, 5).padding(2), ActivationLayer.relu(), new MaxPool2d(2), new Flatten(),
                new Dense(6 * 14 * 14, 10)).bind(ops, 1);
        assertThat(lenet.stateDict().names()).containsExactly("0.weight", "0.bias", "4.weight", "4.bias");
        Sequential lm = LstmLanguageModel.create(7, 3, 5, 2, 1f).bind(ops, 1);
        assertThat(lm.stateDict().names()).containsExactly("0.weight",
                "1.weight_ih_l0", "1.weight_hh_l0", "1.bias_ih_l0", "1.bias_hh_l0",
                "2.weight_ih_l0", "2.weight_hh_l0", "2.bias_ih_l0", "2.bias_hh_l0", "3.weight", "3.bias");
        Sequential bi = new Sequential(new Bidirectional(new Gru(3, 4), new Gru(3, 4))).bind(ops, 1);
        assertThat(bi.stateDict().names()).contains("0.weight_ih_l0", "0.bias_hh_l0_reverse");
    }

    /** The LSTM's single bias b is PyTorch's b_ih + b_hh: written as (b, 0), read back as the sum. */
    @Test
    void theLstmsTwoBiasesAreSummedOnLoadingAndSplitOnSaving() {
        Lstm lstm = new Lstm(2, 3);
        Sequential m = new Sequential(lstm).bind(ops, 1);
        float[] b = lstm.bias().value().toArray();
        assertThat(m.stateDict().get("0.bias_ih_l0").values()).containsExactly(b);
        assertThat(m.stateDict().get("0.bias_hh_l0").values()).containsOnly(0f);
        dev.nabla.nn.StateDict sd = m.stateDict();
        dev.nabla.nn.StateDict torch = new dev.nabla.nn.StateDict();
        float[] ih = new float[12], hh = new float[12];
        for (int i = 0; i < 12; i++) { ih[i] = 0.25f * i; hh[i] = 1f - 0.5f * i; }
        for (String n : sd.names()) {
            if (n.equals("0.bias_ih_l0")) torch.put(n, new int[] {12}, ih);
            else if (n.equals("0.bias_hh_l0")) torch.put(n, new int[] {12}, hh);
            else torch.put(n, sd.get(n).shape(), sd.get(n).values());
        }
        m.loadStateDict(torch);
        float[] loaded = lstm.bias().value().toArray();
        for (int i = 0; i < 12; i++) assertThat(loaded[i]).isEqualTo(ih[i] + hh[i]);
    }

    // ---------------------------------------------------------------- malformed files

    private Sequential small() { return new Sequential(new Dense(3, 2), ActivationLayer.relu(), new Dense(2, 2)).bind(ops, 5); }

    /** Every parameter value, concatenated. */
    private static float[] values(Sequential m) {
        List<Float> v = new ArrayList<>();
        for (Param p : m.params()) for (float f : p.value().toArray()) v.add(f);
        float[] a = new float[v.size()];
        for (int i = 0; i < a.length; i++) a[i] = v.get(i);
        return a;
    }

    /** Loading {@code bytes} into a fresh model is refused with a message naming the file (and {@code tensor}), the model untouched. */
    private void refused(byte[] bytes, String tensor, String... words) throws IOException {
        Path f = Files.write(dir.resolve("bad.safetensors"), bytes);
        Sequential m = small();
        float[] before = values(m);
        assertThatThrownBy(() -> ModelFile.load(m, f)).isInstanceOf(ModelFileException.class)
                .satisfies(e -> {
                    assertThat(e.getMessage()).contains(f.toString());
                    if (tensor != null) assertThat(e.getMessage()).contains("tensor '" + tensor + "'");
                    for (String w : words) assertThat(e.getMessage()).contains(w);
                });
        assertThat(values(m)).as("the model is left exactly as it was").isEqualTo(before);
    }

    private byte[] goodFile() throws IOException {
        Path f = dir.resolve("good.safetensors");
        ModelFile.save(small(), f);
        return Files.readAllBytes(f);
    }

    /** A safetensors file with the given header JSON (no checksums) and data bytes. */
    private static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    /** The tensors of {@link #small()}: 0.weight [2,3], 0.bias [2], 2.weight [2,2], 2.bias [2] = 14 floats, 56 bytes. */
    private static String smallHeader(String replace, String with) {
        String h = "{" + entry("0.weight", "F32", "[2,3]", 0, 24) + "," + entry("0.bias", "F32", "[2]", 24, 32) + ","
                + entry("2.weight", "F32", "[2,2]", 32, 48) + "," + entry("2.bias", "F32", "[2]", 48, 56) + "}";
        return replace == null ? h : h.replace(replace, with);
    }

    @Test
    void aForeignFileWithoutChecksumsLoads() throws IOException {
        Path f = Files.write(dir.resolve("foreign.safetensors"), file(smallHeader(null, null), new byte[56]));
        Sequential m = small();
        ModelFile.load(m, f);
        assertThat(values(m)).containsOnly(0f);
    }

    @Test
    void emptyTruncatedAndNonJsonFilesAreRefused() throws IOException {
        refused(new byte[0], null, "empty");
        refused(new byte[5], null, "truncated", "5 bytes");
        byte[] good = goodFile();
        for (int cut : new int[] {8, 40, good.length - 57, good.length - 1}) {
            refused(java.util.Arrays.copyOf(good, cut), null);                         // every cut point: refused
        }
        refused(java.util.Arrays.copyOf(good, good.length - 3), "2.bias", "runs past the end");
        refused(file("{\"0.weight\":{\"dtype\":\"F32\",", new byte[56]), null, "not valid JSON");
        refused(file(smallHeader(null, null) + " x", new byte[56]), null, "not valid JSON");
        refused(file("[1,2]", new byte[0]), null, "not a JSON object");
        byte[] huge = good.clone();
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
        refused(huge, null, "header length");
    }

    @Test
    void byteRangesThatOverlapOrRunPastTheFileOrLeaveHolesAreRefused() throws IOException {
        refused(file(smallHeader("[24,32]", "[20,28]").replace("[32,48]", "[28,48]").replace("\"2.weight\",", "\"2.weight\",")
                .replace("\"shape\":[2,2],\"data_offsets\":[28,48]", "\"shape\":[5],\"data_offsets\":[28,48]"), new byte[56]), null, "overlaps");
        refused(file(smallHeader("[48,56]", "[48,64]").replace("\"2.bias\",\"dtype\"", "x"), new byte[56]), "2.bias");
        refused(file(smallHeader(null, null), new byte[60]), null, "belong to no tensor");
        refused(file(smallHeader("[0,24]", "[4,28]").replace("[24,32]", "[28,36]").replace("[32,48]", "[36,52]").replace("[48,56]", "[52,60]"),
                new byte[60]), "0.weight", "belong to no tensor");
        refused(file(smallHeader("[48,56]", "[48,52]"), new byte[52]), "2.bias", "needs 8 bytes");
    }

    @Test
    void missingExtraMisshapenAndMistypedTensorsAreRefusedByName() throws IOException {
        String noBias = "{" + entry("0.weight", "F32", "[2,3]", 0, 24) + "," + entry("2.weight", "F32", "[2,2]", 24, 40) + ","
                + entry("2.bias", "F32", "[2]", 40, 48) + "}";
        refused(file(noBias, new byte[48]), "0.bias", "missing");
        String h = smallHeader(null, null);
        refused(file(h.substring(0, h.length() - 1) + "," + entry("3.weight", "F32", "[1]", 56, 60) + "}", new byte[60]), "3.weight", "extra");
        refused(file(smallHeader("\"shape\":[2,3]", "\"shape\":[3,2]"), new byte[56]), "0.weight", "shape [3, 2] in the file, [2, 3] in the model");
        refused(file(smallHeader("\"0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]",
                "\"0.bias\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[24,32]"), new byte[56]), "0.bias", "dtype F16");
        refused(file(smallHeader("\"dtype\":\"F32\"", "\"dtype\":\"Q7\""), new byte[56]), "0.weight", "unknown dtype");
    }

    @Test
    void aFileOfAnotherArchitectureIsRefused() throws IOException {
        Path f = dir.resolve("other.safetensors");
        ModelFile.save(new Sequential(new Dense(3, 2), ActivationLayer.tanh(), new Dense(2, 2)).bind(ops, 1), f);
        refused(Files.readAllBytes(f), null, "another architecture", "Tanh".toUpperCase());
        Path g = dir.resolve("other2.safetensors");
        ModelFile.save(Sequential.mlp(ActivationLayer::relu, 3, 4, 2).bind(ops, 1), g);
        refused(Files.readAllBytes(g), null, "another architecture");
    }

    /** Every single byte of a file we wrote, flipped, is found: in the length, the header or the data. */
    @Test
    void everyFlippedByteIsRefused() throws IOException {
        byte[] good = goodFile();
        Path f = dir.resolve("flip.safetensors");
        Sequential m = small();
        float[] before = values(m);
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= (byte) (i % 2 == 0 ? 0x01 : 0x40);
            Files.write(f, bad);
            final int at = i;
            assertThatThrownBy(() -> ModelFile.load(m, f)).as("byte " + at + " of " + good.length + " flipped").isInstanceOf(ModelFileException.class);
        }
        assertThat(values(m)).isEqualTo(before);
        int data = good.length - 56;
        byte[] bad = good.clone();
        bad[data + 30] ^= 1;                                                          // inside 0.bias [24, 32)
        refused(bad, "0.bias", "checksum mismatch");
    }

    @Test
    void anUnboundModelIsRefusedSayingSo() throws IOException {
        Path f = dir.resolve("m.safetensors");
        ModelFile.save(small(), f);
        Sequential unbound = new Sequential(new Dense(3, 2), ActivationLayer.relu(), new Dense(2, 2));
        assertThatThrownBy(() -> ModelFile.load(unbound, f)).isInstanceOf(IllegalStateException.class).hasMessageContaining("not bound");
        assertThatThrownBy(() -> ModelFile.save(unbound, f)).isInstanceOf(IllegalStateException.class).hasMessageContaining("not bound");
        Sequential r = ModelFile.read(f);                                                // on the "auto" backend
        assertThat(r.forward(r.backend().upload(new float[] {1, 2, 3}, 1, 3), false).toArray())
                .containsExactly(small().forward(ops.upload(new float[] {1, 2, 3}, 1, 3), false).toArray());
    }

    @Test
    void aFileWithoutARecordedArchitectureCannotBeReadAlone() throws IOException {
        Path f = Files.write(dir.resolve("noarch.safetensors"), file(smallHeader(null, null), new byte[56]));
        assertThatThrownBy(() -> ModelFile.read(f, ops)).isInstanceOf(ModelFileException.class).hasMessageContaining("no architecture");
    }

    // ---------------------------------------------------------------- never lose a file

    /** A writer that fails after {@code limit} bytes. */
    static final class Failing extends OutputStream {
        private final OutputStream out;
        private long left;

        Failing(OutputStream out, long limit) { this.out = out; this.left = limit; }

        @Override
        public void write(int b) throws IOException {
            if (left-- <= 0) throw new IOException("disk full (simulated)");
            out.write(b);
        }
    }

    @Test
    void aSaveThatFailsHalfWayLeavesThePreviousFileByteForByte() throws IOException {
        Path f = dir.resolve("model.safetensors");
        Sequential first = small();
        ModelFile.save(first, f);
        byte[] old = Files.readAllBytes(f);
        Sequential second = new Sequential(new Dense(3, 2), ActivationLayer.relu(), new Dense(2, 2)).bind(ops, 6);
        for (long limit : new long[] {0, 7, 100, old.length - 10}) {
            assertThatThrownBy(() -> AtomicFiles.write(f, out -> SafeTensors.writeTo(new Failing(out, limit), second.stateDict(),
                    ModelFile.metadata(second, Map.of())))).isInstanceOf(IOException.class).hasMessageContaining("disk full");
            assertThat(Files.readAllBytes(f)).as("after failing at byte " + limit).isEqualTo(old);
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).as("no temporary file is left").containsExactly("model.safetensors");
        }
        ModelFile.save(second, f);                                                     // and a save that succeeds replaces it
        Sequential back = small();
        ModelFile.load(back, f);
        assertThat(values(back)).isEqualTo(values(second));
    }
}
