package dev.nabla.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model or checkpoint file that cannot be used: malformed (truncated, corrupt, not safetensors), or not the model's
 * (another architecture, a missing or extra tensor, a wrong shape or dtype). The message names the file and, where one
 * is involved, the tensor. Whoever gets it can rely on the model being left exactly as it was.
 */
public class ModelFileException extends IOException {
    private final Path file;
    private final String tensor;

    public ModelFileException(Path file, String tensor, String message) {
        super(file + (tensor == null ? "" : ": tensor '" + tensor + "'") + ": " + message);
        this.file = file;
        this.tensor = tensor;
    }

    public ModelFileException(Path file, String message) { this(file, null, message); }

    /** The file refused. */
    public Path file() { return file; }

    /** The tensor the problem is about, or null if it is about the whole file. */
    public String tensor() { return tensor; }
}
