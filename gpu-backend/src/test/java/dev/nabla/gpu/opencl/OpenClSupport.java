package dev.nabla.gpu.opencl;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * How the OpenCL tests get a backend. Without an OpenCL platform they skip with a printed reason — except under CI
 * ({@code CI=true}), where a missing platform is a failure: PoCL is installed there, and a suite that silently
 * skips every test proves nothing.
 */
final class OpenClSupport {
    private OpenClSupport() {}

    static boolean underCi() { return "true".equalsIgnoreCase(System.getenv("CI")); }

    /** Fails (CI) or skips (elsewhere) when no OpenCL device can be opened. */
    static void requirePlatform() {
        String why = ClRuntime.unavailableReason();
        if (why == null) return;
        if (underCi()) fail("CI=true but OpenCL is unavailable: " + why);
        System.out.println("[opencl] SKIPPING OpenCL tests: " + why);
        Assumptions.abort("OpenCL unavailable: " + why);
    }

    /**
     * Disables a whole test class, with the printed reason, when there is no OpenCL platform and we are not under CI
     * (under CI the class runs, and its first {@link #open()} fails). Keeps {@code @BeforeAll}/{@code @AfterAll} of
     * inherited suites from running against a backend that was never made.
     */
    static final class RequireOpenCl implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            String why = ClRuntime.unavailableReason();
            if (why == null || underCi()) return ConditionEvaluationResult.enabled("OpenCL available, or CI=true");
            System.out.println("[opencl] SKIPPING " + context.getDisplayName() + ": " + why);
            return ConditionEvaluationResult.disabled("OpenCL unavailable: " + why);
        }
    }

    /** A fresh backend on the selected device (see {@link ClRuntime}). */
    static OpenClBackend open() {
        requirePlatform();
        return new OpenClBackend();
    }
}
