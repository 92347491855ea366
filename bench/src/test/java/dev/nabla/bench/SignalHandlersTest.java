package dev.nabla.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.SignalHandlers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: no native library may keep the JVM's signal handlers. Each case starts a fresh JVM without the JDK's
 * signal-chaining library (so only the engine's own guard protects it), runs {@link HandlerCheck}, and reads what
 * {@code sigaction} said before and after.
 */
class SignalHandlersTest {
    private static final boolean CI = "true".equals(System.getenv("CI"));

    @Test
    void everyBackendCreatedLeavesTheJvmsHandlersInPlace() throws Exception {
        assertThat(SignalHandlers.unavailableReason()).as("sigaction through FFM").isNull();
        String out = child();
        System.out.println("[signals] " + out.replace("\n", "\n[signals] ").trim());
        assertThat(out).contains("created cpu", "created ref", "created auto").doesNotContain("CHANGED");
        assertThat(out).contains("SIGSEGV now libjvm.so");
        if (CI) assertThat(out).as("under CI the OpenCL platform (PoCL) is installed, so it was loaded here").contains("created opencl");
    }

    /** The test has teeth: the same platform loaded around the guard does take the handlers (PoCL's LLVM). */
    @Test
    void theRawPlatformLoadTakesThemWhichIsWhatTheGuardPrevents() throws Exception {
        String out = child("raw");
        System.out.println("[signals raw] " + out.replace("\n", "\n[signals raw] ").trim());
        if (!out.contains("raw platform load done") || out.contains("CL_PLATFORM_NOT_FOUND")) {
            assertThat(CI).as("under CI an OpenCL platform must be present: " + out).isFalse();
            System.out.println("[signals raw] skipped: no OpenCL platform here, so nothing could take the handlers");
            return;
        }
        if (!out.contains("CHANGED SIGSEGV") && !CI) {
            System.out.println("[signals raw] this OpenCL platform installs no SIGSEGV handler of its own; nothing to show");
            return;
        }
        assertThat(out).as("under CI the platform is PoCL, whose LLVM takes SIGSEGV").contains("CHANGED SIGSEGV: libjvm.so → lib");
    }

    /** Asking for the CPU backend loads no OpenCL at all (it used to: ranking the providers probed every one). */
    @Test
    void theCpuBackendAloneLoadsNoOpenClPlatform() throws Exception {
        String out = child("cpu", "ref");
        System.out.println("[signals cpu] " + out.replace("\n", "\n[signals cpu] ").trim());
        assertThat(out).contains("created cpu", "libOpenCL mapped: false, an OpenCL platform (PoCL) mapped: false").doesNotContain("CHANGED");
    }

    private static String child(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), HandlerCheck.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("LD_PRELOAD");           // test the engine's guard alone, not the preload
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .lines().filter(l -> !l.startsWith("WARNING")).reduce("", (a, b) -> a + b + "\n");
        int rc = p.waitFor();
        assertThat(rc).as("the child JVM's exit code; its output:\n" + out).isZero();
        return out;
    }
}
