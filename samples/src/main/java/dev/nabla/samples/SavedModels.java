package dev.nabla.samples;

import dev.nabla.io.ModelFile;
import dev.nabla.nn.Sequential;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code --load FILE} and {@code --save FILE} for every sample: load a saved model into the sample's model (same
 * architecture; then train on, or with {@code --epochs 0} / {@code --steps 0} only evaluate), and save the trained one
 * with the metadata {@code nabla eval FILE} needs to find its data ({@code nabla.sample} and the sample's settings).
 */
final class SavedModels {
    private SavedModels() {}

    static final String SAMPLE = "nabla.sample";

    /** With --load FILE: loads FILE into {@code model} (strict: the file must be of this architecture) and says so on {@code out}. */
    static void load(Options o, Sequential model, java.io.PrintStream out) {
        if (!o.has("load")) return;
        Path f = o.path("load");
        try {
            ModelFile.load(model, f);
        } catch (IOException e) {
            throw Options.usage("--load " + f + ": " + e.getMessage());
        }
        out.println("loaded " + f + " into " + model.name());
    }

    /** With --save FILE: saves {@code model}, recording the sample and {@code settings} for {@code nabla eval}. */
    static void save(Options o, Sequential model, String sample, Map<String, String> settings, java.io.PrintStream out) {
        if (!o.has("save")) return;
        save(o.path("save"), model, sample, settings, out);
    }

    static void save(Path f, Sequential model, String sample, Map<String, String> settings, java.io.PrintStream out) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(SAMPLE, sample);
        settings.forEach((k, v) -> meta.put("nabla." + k, v));
        try {
            ModelFile.save(model, f, meta);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save " + f + " (an older file there is kept): " + e.getMessage(), e);
        }
        out.println("saved " + model.name() + " to " + f);
    }

    /** {@code FILE.safetensors} → {@code FILE-suffix.safetensors}. */
    static Path withSuffix(Path f, String suffix) {
        String n = f.getFileName().toString();
        int dot = n.lastIndexOf('.');
        String m = dot > 0 ? n.substring(0, dot) + "-" + suffix + n.substring(dot) : n + "-" + suffix;
        return f.resolveSibling(m);
    }
}
