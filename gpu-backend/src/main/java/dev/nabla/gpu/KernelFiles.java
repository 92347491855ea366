package dev.nabla.gpu;

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
 * The kernel files of {@code nabla-kernels}, one op family each, with the same names as {@link dev.nabla.backend.Backend}'s
 * sections: the kernel bodies {@code kernels/opencl/<family>.cl} (OpenCL C in Nabla's small dialect, see
 * {@code kernels/README.md}), the dialect preludes {@code kernels/dialect/*.h}, and for CUDA the fatbin nvcc built from
 * {@code kernels/cuda/<family>.cu}. Indexes which family declares which kernel: both runtimes launch kernels by name.
 */
public final class KernelFiles {
    /** Every op family, in {@link dev.nabla.backend.Backend}'s order. */
    public static final List<String> FAMILIES = List.of(
            "elementwise", "gemm", "bias", "activations", "loss", "conv", "pool", "embed", "recurrent", "optim");

    private static final String ROOT = "dev/nabla/kernels/";
    private static final Pattern KERNEL = Pattern.compile("__kernel\\s+(?:WORK_GROUP\\s*\\([^)]*\\)\\s*)?void\\s+(\\w+)\\s*\\(");

    private static final Map<String, String> SOURCES = new LinkedHashMap<>();
    private static final Map<String, String> KERNEL_TO_FAMILY = new LinkedHashMap<>();

    static {
        for (String family : FAMILIES) {
            String src = text("opencl/" + family + ".cl");
            SOURCES.put(family, src);
            Matcher m = KERNEL.matcher(src);
            while (m.find()) {
                String prev = KERNEL_TO_FAMILY.put(m.group(1), family);
                if (prev != null) throw new IllegalStateException("kernel " + m.group(1) + " is declared in both " + prev + ".cl and " + family + ".cl");
            }
        }
    }

    private KernelFiles() {}

    /** A resource under dev/nabla/kernels/ as bytes, or null if it is not on the class path. */
    public static byte[] bytes(String path) {
        try (InputStream in = KernelFiles.class.getClassLoader().getResourceAsStream(ROOT + path)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + ROOT + path, e);
        }
    }

    private static String text(String path) {
        byte[] b = bytes(path);
        if (b == null) throw new IllegalStateException("kernel source " + ROOT + path + " is not on the class path (is nabla-kernels missing?)");
        return new String(b, StandardCharsets.UTF_8);
    }

    /** The kernel bodies of {@code family} (without the prelude). */
    public static String source(String family) {
        String s = SOURCES.get(family);
        if (s == null) throw new IllegalArgumentException("no kernel family " + family + "; families: " + FAMILIES);
        return s;
    }

    /**
     * What an OpenCL compiler gets for {@code family}: dialect/opencl.h, dialect/common.h and the bodies, in ASCII (the
     * comments carry the lectures' symbols — σ, ⊙, ← — and NVIDIA's OpenCL compiler takes ASCII only).
     */
    public static String openClProgram(String family) {
        return (text("dialect/opencl.h") + "\n" + text("dialect/common.h") + "\n#line 1\n" + source(family))
                .replaceAll("[^\\x00-\\x7F]", "?");
    }

    /** The family (file name without extension) that declares {@code kernel}. */
    public static String familyOf(String kernel) {
        String f = KERNEL_TO_FAMILY.get(kernel);
        if (f == null) throw new IllegalArgumentException("no __kernel " + kernel + " in " + FAMILIES);
        return f;
    }

    private static final Pattern CUDA_TILE = Pattern.compile("#define sgemm sgemm__TS_M_(\\d+)_TS_N_(\\d+)_TS_K_(\\d+)");

    /**
     * The GEMM tiles (MxNxK) besides the default 64x64x16 that {@code kernels/cuda/gemm.cu} compiles into gemm.fatbin:
     * a fatbin holds only what nvcc compiled, so these are the tiles a CUDA backend can be given.
     */
    public static List<String> cudaGemmTiles() {
        List<String> tiles = new java.util.ArrayList<>();
        Matcher m = CUDA_TILE.matcher(text("cuda/gemm.cu"));
        while (m.find()) tiles.add(m.group(1) + "x" + m.group(2) + "x" + m.group(3));
        return tiles;
    }

    /** kernel name → family, in source order: every kernel that exists. */
    public static Map<String, String> kernels() { return Collections.unmodifiableMap(KERNEL_TO_FAMILY); }
}
