package dev.nabla.io;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.TimeDistributed;
import dev.nabla.nn.rnn.Gru;
import dev.nabla.nn.rnn.LstmLanguageModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Interop with PyTorch both ways, through committed fixtures (src/test/resources/interop, README there):
 * <ul>
 *   <li>{@code torch_*.safetensors}: written by {@code src/test/python/interop_torch.py} from PyTorch modules (an MLP,
 *       LeNet-5, an LSTM language model with PyTorch's two nonzero LSTM biases, a GRU tagger) with {@code struct} and
 *       {@code json}; Nabla loads each into the same architecture and must predict what PyTorch predicted;</li>
 *   <li>{@code nabla_*.safetensors}: written by this test (with {@code -Dnabla.interop.write=true}) from Nabla models;
 *       the script loads them into the same PyTorch modules with {@code strict=True} and checks Nabla's outputs. Here
 *       the committed files must still be what Nabla writes, byte for byte, and give the recorded outputs.</li>
 * </ul>
 */
class PyTorchInteropTest {
    static final Path DIR = Path.of("src/test/resources/interop");
    private final Backend ops = new ReferenceBackend();

    /** The four architectures, as Nabla Sequentials named like the script's PyTorch modules. */
    static Map<String, Supplier<Sequential>> models() {
        Map<String, Supplier<Sequential>> m = new LinkedHashMap<>();
        m.put("mlp", () -> Sequential.mlp(ActivationLayer::relu, 6, 8, 4));
        m.put("lenet5", () -> new Sequential(new Conv2d(1, 6, 5).padding(2), ActivationLayer.relu(), new MaxPool2d(2),
                new Conv2d(6, 16, 5), ActivationLayer.relu(), new MaxPool2d(2), new Flatten(),
                new Dense(400, 120), ActivationLayer.relu(), new Dense(120, 84), ActivationLayer.relu(), new Dense(84, 10)));
        m.put("lstm_lm", () -> LstmLanguageModel.create(11, 5, 7, 1, 1f));
        m.put("gru", () -> new Sequential(new Gru(3, 6), new TimeDistributed(new Dense(6, 4))));
        return m;
    }

    /** The input each fixture is evaluated on: shape and values (token indices for the language model). */
    static Tensor input(Backend ops, String name) {
        SplittableRandom rng = new SplittableRandom(2026);
        int[] shape = switch (name) {
            case "mlp" -> new int[] {3, 6};
            case "lenet5" -> new int[] {2, 1, 28, 28};
            case "lstm_lm" -> new int[] {5, 2};
            case "gru" -> new int[] {4, 2, 3};
            default -> throw new IllegalArgumentException(name);
        };
        float[] x = new float[Tensor.sizeOf(shape)];
        for (int i = 0; i < x.length; i++) x[i] = name.equals("lstm_lm") ? rng.nextInt(11) : (float) rng.nextDouble(-1, 1);
        return ops.upload(x, shape);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(Path p) throws IOException {
        return (Map<String, Object>) Json.parse(Files.readString(p));
    }

    private static float[] floats(Object list) {
        List<?> l = (List<?>) list;
        float[] a = new float[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = ((Number) l.get(i)).floatValue();
        return a;
    }

    /** PyTorch's files load into Nabla's models and predict what PyTorch predicted. */
    @Test
    void pyTorchsFilesLoadAndPredictAsPyTorchDid() throws IOException {
        for (String name : models().keySet()) {
            Path file = DIR.resolve("torch_" + name + ".safetensors");
            Map<String, Object> fx = json(DIR.resolve("torch_" + name + ".json"));
            Sequential m = models().get(name).get().bind(ops, 1);
            ModelFile.load(m, file);
            List<Object> shape = (List<Object>) fx.get("input_shape");
            int[] s = new int[shape.size()];
            for (int i = 0; i < s.length; i++) s[i] = ((Number) shape.get(i)).intValue();
            float[] y = m.forward(ops.upload(floats(fx.get("input")), s), false).toArray();
            float[] want = floats(fx.get("output"));
            assertThat(y).as(name).hasSize(want.length);
            for (int i = 0; i < y.length; i++) {
                assertThat(y[i]).as(name + " output " + i).isCloseTo(want[i], org.assertj.core.data.Offset.offset(2e-5f * (1 + Math.abs(want[i]))));
            }
        }
    }

    /**
     * Nabla's files for the script: the committed ones are what Nabla writes today (byte for byte) and give the recorded
     * outputs. {@code -Dnabla.interop.write=true} rewrites them (then run the script to check them in PyTorch).
     */
    @Test
    void nablasFilesAreCommittedAsNablaWritesThem() throws IOException {
        boolean write = Boolean.getBoolean("nabla.interop.write");
        for (String name : models().keySet()) {
            Sequential m = models().get(name).get().bind(ops, 42);
            Tensor x = input(ops, name);
            float[] y = m.forward(x, false).toArray();
            Path file = DIR.resolve("nabla_" + name + ".safetensors"), fixture = DIR.resolve("nabla_" + name + ".json");
            Path fresh = Files.createTempFile("nabla_" + name, ".safetensors");
            ModelFile.save(m, fresh, Map.of("nabla.fixture", name));
            if (write) {
                Files.copy(fresh, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Map<String, Object> fx = new LinkedHashMap<>();
                List<Object> shape = new ArrayList<>();
                for (int d : x.shape()) shape.add(d);
                fx.put("input_shape", shape);
                fx.put("input", boxed(x.toArray()));
                fx.put("output_shape", shapeOf(m.forward(x, false)));
                fx.put("output", boxed(y));
                Files.writeString(fixture, Json.write(fx) + "\n", StandardCharsets.UTF_8);
            }
            assertThat(Files.readAllBytes(file)).as(file + " is what Nabla writes (rewrite with -Dnabla.interop.write=true)")
                    .isEqualTo(Files.readAllBytes(fresh));
            Files.delete(fresh);
            Sequential back = ModelFile.read(file, ops);
            assertThat(back.forward(x, false).toArray()).as(name).containsExactly(floats(json(fixture).get("output")));
        }
    }

    private static List<Object> shapeOf(Tensor t) {
        List<Object> s = new ArrayList<>();
        for (int d : t.shape()) s.add(d);
        return s;
    }

    private static List<Object> boxed(float[] a) {
        List<Object> l = new ArrayList<>();
        for (float f : a) l.add(f);
        return l;
    }
}
