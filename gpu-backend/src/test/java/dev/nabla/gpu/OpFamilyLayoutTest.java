package dev.nabla.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layout shows the architecture (issue 16): the op families are the kernel files of {@code kernels/opencl/}, and
 * the interface, the checking base, the reference, the device backend and the CPU backend's files follow them by the
 * same names in the same order — so a reader who finds an op in one place knows where it is in every other.
 */
class OpFamilyLayoutTest {
    /** The repository root: surefire runs in the module's directory (gpu-backend/), an IDE may run in the root. */
    static final Path ROOT = Stream.of(Path.of(".."), Path.of("."))
            .filter(p -> Files.isDirectory(p.resolve("kernels/opencl")))
            .findFirst().orElseThrow(() -> new IllegalStateException("kernels/opencl not found from " + Path.of("").toAbsolutePath()))
            .toAbsolutePath().normalize();

    static final Pattern SECTION = Pattern.compile("^ {4}// -{10,} (\\w+)", Pattern.MULTILINE);

    /** The section names of a Java file, in order, from its {@code // ---- name …} lines. */
    static List<String> sections(String path) {
        List<String> names = new ArrayList<>();
        Matcher m = SECTION.matcher(read(ROOT.resolve(path)));
        while (m.find()) names.add(m.group(1));
        return names;
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void everyKernelFileIsAFamilyAndEveryFamilyAKernelFileAndACudaFile() throws IOException {
        List<String> cl, cu;
        try (Stream<Path> s = Files.list(ROOT.resolve("kernels/opencl"))) {
            cl = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cl")).map(n -> n.replace(".cl", "")).sorted().toList();
        }
        try (Stream<Path> s = Files.list(ROOT.resolve("kernels/cuda"))) {
            cu = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".cu")).map(n -> n.replace(".cu", "")).sorted().toList();
        }
        assertThat(KernelFiles.FAMILIES).containsExactlyInAnyOrderElementsOf(cl);
        assertThat(cu).as("kernels/cuda/*.cu").containsExactlyElementsOf(cl);
    }

    @Test
    void everyBackendHasTheFamiliesAsSectionsInTheOrderOfKernelFiles() {
        List<String> families = KernelFiles.FAMILIES;
        for (String file : List.of("engine/src/main/java/dev/nabla/backend/Backend.java",
                "engine/src/main/java/dev/nabla/backend/CheckedBackend.java",
                "engine/src/main/java/dev/nabla/backend/ReferenceBackend.java",
                "gpu-backend/src/main/java/dev/nabla/gpu/DeviceBackend.java",
                "cpu-backend/src/main/java/dev/nabla/cpu/CpuBackend.java")) {
            List<String> s = sections(file);
            assertThat(s.stream().filter(families::contains).toList()).as(file + "'s sections").containsExactlyElementsOf(families);
        }
    }

    @Test
    void theCpuBackendHasOneFilePerFamily() {
        for (String family : KernelFiles.FAMILIES) {
            String cls = family.equals("gemm") ? "Sgemm" : Character.toUpperCase(family.charAt(0)) + family.substring(1);
            Path file = ROOT.resolve("cpu-backend/src/main/java/dev/nabla/cpu/" + cls + ".java");
            assertThat(file).as("the CPU backend's " + family + " family").exists();
            assertThat(read(file)).as(file + " names its kernel file").contains("kernels/opencl/" + family + ".cl");
        }
    }
}
