package dev.nabla.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: a crashed JVM leaves evidence. The surefire fork runs with {@code -XX:ErrorFile} in the module's target/
 * (where {@code .ci/run} looks) and with the JDK's signal-chaining library preloaded; and that flag does make a
 * crashing JVM write its hs_err file there (shown on a child JVM that crashes on purpose).
 */
class CrashEvidenceTest {
    @Test
    void theForkWritesItsCrashReportIntoTarget() {
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        String errorFile = args.stream().filter(a -> a.startsWith("-XX:ErrorFile=")).findFirst().orElse(null);
        assertThat(errorFile).as("surefire's argLine " + args).isNotNull();
        Path dir = Path.of(errorFile.substring("-XX:ErrorFile=".length())).getParent();
        assertThat(dir.getFileName().toString()).isEqualTo("target");
        assertThat(dir).isDirectory();                                  // HotSpot writes nothing into a missing folder
        assertThat(System.getenv("LD_PRELOAD")).as("signal chaining in the fork").contains("libjsig.so");
    }

    @Test
    void aCrashingJvmLeavesItsHsErrFileWhereTheFlagSays(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("Crash.java");
        Files.writeString(src, """
                public class Crash {
                    public static void main(String[] a) throws Exception {
                        var f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
                        f.setAccessible(true);
                        ((sun.misc.Unsafe) f.get(null)).putAddress(16, 1);   // a write to address 16: SIGSEGV
                    }
                }
                """);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:ErrorFile=" + dir.resolve("hs_err_pid%p.log"), "-XX:-CreateCoredumpOnCrash", src.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile()).start();
        assertThat(p.waitFor()).as("the child crashed").isNotZero();
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> reports = files.filter(f -> f.getFileName().toString().startsWith("hs_err_pid")).toList();
            assertThat(reports).hasSize(1);
            assertThat(Files.readString(reports.getFirst())).contains("SIGSEGV", "A fatal error has been detected by the Java Runtime Environment");
        }
    }
}
