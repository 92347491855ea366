package dev.nabla.io;

import dev.nabla.backend.Backend;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Layers;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.StateDict;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trained model as a file: safetensors ({@link SafeTensors}) with PyTorch's {@code state_dict} names
 * ({@link Layer#stateDict()}), so that {@code torch.nn.Module.load_state_dict(…, strict=True)} takes it, and a
 * {@code __metadata__} that records the architecture ({@link Layer#spec()}) and the engine version.
 * <pre>
 *   ModelFile.save(model, Path.of("lenet.safetensors"));              // atomic: temp file, forced, renamed
 *   ModelFile.load(sameArchitecture, Path.of("lenet.safetensors"));  // strict, all or nothing
 *   Sequential m = ModelFile.read(Path.of("lenet.safetensors"), Backends.create("cpu"));   // built from the file
 * </pre>
 * Loading refuses, with a {@link ModelFileException} naming the file and the tensor, and leaves the model exactly as it
 * was: a missing or extra tensor, a wrong shape or dtype, a file of another architecture, and everything
 * {@link SafeTensors#read} refuses (an empty or truncated file, a header that is not JSON, byte ranges that overlap or
 * run past the file, a changed byte). Files hold float32 values and no backend: a model saved on one backend loads on
 * any other.
 */
public final class ModelFile {
    private ModelFile() {}

    /** The engine version recorded in every file. */
    public static final String ENGINE_VERSION = "0.1.0-SNAPSHOT";
    public static final String FORMAT = "format", ARCHITECTURE = "nabla.architecture", VERSION = "nabla.version";

    /** Saves {@code model}'s tensors and architecture to {@code file} (replacing it atomically). */
    public static void save(Layer model, Path file) throws IOException { save(model, file, Map.of()); }

    /** As {@link #save(Layer, Path)}, with more metadata (e.g. which data set a classifier is for). */
    public static void save(Layer model, Path file, Map<String, String> metadata) throws IOException {
        StateDict sd;
        try {
            sd = model.stateDict();
        } catch (NullPointerException e) {
            throw new IllegalStateException(model.name() + " is not bound to a backend, so it has no tensors to save", e);
        }
        SafeTensors.write(file, sd, metadata(model, metadata));
    }

    /** The metadata a file of {@code model} carries: format, version, architecture, then {@code extra}. */
    static Map<String, String> metadata(Layer model, Map<String, String> extra) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(FORMAT, "pt");                                                     // what safetensors' PyTorch loader expects
        m.put(VERSION, ENGINE_VERSION);
        m.put(ARCHITECTURE, Json.write(model.spec()));
        m.putAll(extra);
        return m;
    }

    /**
     * Loads {@code file} into {@code model} (bound, of the file's architecture), all or nothing. Returns the file's
     * metadata. A file without a recorded architecture (e.g. exported from PyTorch) is matched by its tensors alone.
     */
    public static Map<String, String> load(Layer model, Path file) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        StateDict sd = check(model, c);
        model.loadStateDict(sd);                                                 // only now is the model touched
        return c.metadata();
    }

    /** Checks every tensor of {@code c} against {@code model}'s and returns them as a state dict (nothing is loaded). */
    public static StateDict check(Layer model, SafeTensors.Contents c) throws ModelFileException {
        Path file = c.file();
        String arch = c.metadata().get(ARCHITECTURE);
        if (arch != null) {
            String mine = Json.write(model.spec()), theirs;
            try {
                theirs = Json.write(Json.parse(arch));
            } catch (IllegalArgumentException e) {
                throw new ModelFileException(file, "the recorded architecture is not valid JSON: " + e.getMessage());
            }
            if (!mine.equals(theirs)) {
                throw new ModelFileException(file, "a file of another architecture: it holds " + theirs + ", the model is " + mine);
            }
        }
        StateDict expected = expected(model);
        for (String name : expected.names()) {
            if (!c.tensors().containsKey(name)) {
                throw new ModelFileException(file, name, "missing: the model " + model.name() + " needs it (" + Arrays.toString(expected.get(name).shape())
                        + "), the file has " + c.tensors().keySet());
            }
        }
        for (String name : c.tensors().keySet()) {
            if (!expected.contains(name)) {
                throw new ModelFileException(file, name, "extra: the model " + model.name() + " has no such tensor (it has " + expected.names() + ")");
            }
        }
        StateDict sd = new StateDict();
        for (String name : expected.names()) {
            SafeTensors.Info in = c.tensors().get(name);
            if (!in.dtype().equals("F32")) throw new ModelFileException(file, name, "dtype " + in.dtype() + ", but the model holds F32 (float32)");
            int[] want = expected.get(name).shape();
            if (!Arrays.equals(want, in.shape())) {
                throw new ModelFileException(file, name, "shape " + Arrays.toString(in.shape()) + " in the file, " + Arrays.toString(want) + " in the model");
            }
            sd.put(name, want, c.floats(name));
        }
        return sd;
    }

    /** The model's state dict; an unbound model (no tensors yet) is an error saying so. */
    private static StateDict expected(Layer model) {
        try {
            return model.stateDict();
        } catch (NullPointerException | IllegalStateException e) {
            throw new IllegalStateException(model.name() + " is not bound to a backend: bind it (model.bind(ops, seed)) before loading a file into it", e);
        }
    }

    /** {@link #read(Path, Backend)} on the fastest usable backend ({@code Backends.create("auto")}). */
    public static Sequential read(Path file) throws IOException { return read(file, dev.nabla.backend.Backends.create("auto")); }

    /**
     * Builds the model a file records ({@link Layers#fromSpec} of its architecture), binds it to {@code ops} and loads
     * the tensors. A file without a recorded architecture cannot say which model it is: that is refused.
     */
    public static Sequential read(Path file, Backend ops) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        String arch = c.metadata().get(ARCHITECTURE);
        if (arch == null) throw new ModelFileException(file, "no architecture recorded (" + ARCHITECTURE + "): build the model and use ModelFile.load");
        Layer l;
        try {
            Object spec = Json.parse(arch);
            if (!(spec instanceof Map<?, ?>)) throw new IllegalArgumentException("not a JSON object");
            @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) spec;
            l = Layers.fromSpec(m);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, "cannot build the recorded architecture: " + e.getMessage());
        }
        if (!(l instanceof Sequential model)) throw new ModelFileException(file, "the recorded architecture is a " + l.name() + ", not a Sequential");
        model.bind(ops, 0);
        StateDict sd = check(model, c);
        model.loadStateDict(sd);
        return model;
    }

    /** The metadata of a file (after checking the whole file). */
    public static Map<String, String> metadata(Path file) throws IOException { return SafeTensors.read(file).metadata(); }
}
