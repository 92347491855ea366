package dev.nabla.gpu.opencl;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OpenCL C sources of {@code nabla-kernels} ({@code kernels/opencl/*.cl}, packaged under
 * {@code dev/nabla/kernels/opencl/}): reads them as text and indexes which file declares which {@code __kernel}.
 * Reading is cheap; compiling happens lazily, one program per file, in {@link ClRuntime}.
 */
public final class KernelSources {
    /** Every kernel file, one op family each. */
    public static final List<String> FILES = List.of(
            "elementwise", "gemm", "bias", "loss", "conv", "pool", "recurrent", "optim", "embed");

    private static final Pattern KERNEL = Pattern.compile("__kernel\\s+(?:__attribute__\\s*\\(\\(.*?\\)\\)\\s*)?void\\s+(\\w+)\\s*\\(",
            Pattern.DOTALL);

    private static final Map<String, String> SOURCES = new LinkedHashMap<>();
    private static final Map<String, String> KERNEL_TO_FILE = new LinkedHashMap<>();

    static {
        for (String file : FILES) {
            String src = read(file);
            SOURCES.put(file, src);
            Matcher m = KERNEL.matcher(src);
            while (m.find()) {
                String prev = KERNEL_TO_FILE.put(m.group(1), file);
                if (prev != null) throw new IllegalStateException("kernel " + m.group(1) + " is declared in both " + prev + ".cl and " + file + ".cl");
            }
        }
    }

    private KernelSources() {}

    private static String read(String file) {
        String path = "dev/nabla/kernels/opencl/" + file + ".cl";
        try (InputStream in = KernelSources.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("kernel source " + path + " is not on the class path (is nabla-kernels missing?)");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    /** The source of {@code file} (without ".cl"). */
    public static String source(String file) {
        String s = SOURCES.get(file);
        if (s == null) throw new IllegalArgumentException("no kernel file " + file + ".cl; files: " + FILES);
        return s;
    }

    /** The file (without ".cl") that declares {@code kernel}. */
    public static String fileOf(String kernel) {
        String f = KERNEL_TO_FILE.get(kernel);
        if (f == null) throw new IllegalArgumentException("no __kernel " + kernel + " in " + FILES);
        return f;
    }

    /** kernel name → file, in source order: every kernel that exists. */
    public static Map<String, String> kernels() { return Collections.unmodifiableMap(KERNEL_TO_FILE); }
}
