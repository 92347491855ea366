package dev.nabla.gpu;

import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.backend.Backend;
import dev.nabla.backend.BackendProvider;
import dev.nabla.backend.Backends;
import dev.nabla.backend.SignalHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * How the device test suites get a backend ("opencl", "cuda"). Without the device they skip with a printed reason —
 * except where the device must be there, which is a failure, since a suite that silently skips proves nothing:
 * OpenCL under CI ({@code CI=true}: PoCL is installed there); CUDA where an NVIDIA driver is installed and CI=true
 * (the GPU machine's run-tests.sh), or wherever {@code NABLA_REQUIRE_CUDA=1}.
 */
public final class Devices {
    private Devices() {}

    public static boolean underCi() { return "true".equalsIgnoreCase(System.getenv("CI")); }

    /** Whether an NVIDIA driver is installed (libcuda.so.1 in one of the usual places). */
    static boolean nvidiaDriverInstalled() {
        for (String p : List.of("/usr/lib/x86_64-linux-gnu/libcuda.so.1", "/usr/lib64/libcuda.so.1", "/usr/local/nvidia/lib64/libcuda.so.1",
                "/usr/local/nvidia/lib/libcuda.so.1")) {
            if (Files.exists(Path.of(p))) return true;
        }
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) for (String d : ld.split(":")) if (!d.isEmpty() && Files.exists(Path.of(d, "libcuda.so.1"))) return true;
        return false;
    }

    /** Whether a missing {@code device} fails the suite instead of skipping it. */
    public static boolean mustHave(String device) {
        return switch (device) {
            case "opencl" -> underCi();
            case "cuda" -> "1".equals(System.getenv("NABLA_REQUIRE_CUDA")) || underCi() && nvidiaDriverInstalled();
            default -> true;
        };
    }

    /** Null if the backend of that name can be created here, else why not. */
    public static String unavailableReason(String device) {
        for (BackendProvider p : Backends.providers()) {
            if (p.name().equals(device)) return SignalHandlers.preserving(p::unavailableReason);
        }
        return "no provider '" + device + "' on the class path";
    }

    /** Fails (where the device must be there) or skips, printing why, when {@code device} cannot be opened. */
    public static void require(String device) {
        String why = unavailableReason(device);
        if (why == null) return;
        if (mustHave(device)) fail("[" + device + "] the " + device + " device must be here (CI=true / NABLA_REQUIRE_CUDA=1) but is not: " + why);
        System.out.println("[" + device + "] SKIPPING " + device + " tests: " + why);
        Assumptions.abort(device + " unavailable: " + why);
    }

    /** A fresh backend on the device (see {@link #require}). */
    public static DeviceBackend<?> open(String device) {
        require(device);
        Backend b = Backends.create(device);
        return (DeviceBackend<?>) b;
    }

    /**
     * Disables a whole test class, with the printed reason, when its device is missing and need not be there (where it
     * must, the class runs and its first {@link #open} fails). Keeps {@code @BeforeAll}/{@code @AfterAll} of inherited
     * suites from running against a backend that was never made.
     */
    abstract static class Require implements ExecutionCondition {
        private final String device;

        Require(String device) { this.device = device; }

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            String why = unavailableReason(device);
            if (why == null || mustHave(device)) return ConditionEvaluationResult.enabled(device + " available, or required here");
            System.out.println("[" + device + "] SKIPPING " + context.getDisplayName() + ": " + why);
            return ConditionEvaluationResult.disabled(device + " unavailable: " + why);
        }
    }

    public static final class RequireOpenCl extends Require {
        public RequireOpenCl() { super("opencl"); }
    }

    public static final class RequireCuda extends Require {
        public RequireCuda() { super("cuda"); }
    }
}
