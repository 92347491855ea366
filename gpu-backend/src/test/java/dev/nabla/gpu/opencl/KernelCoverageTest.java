package dev.nabla.gpu.opencl;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Runs last (see junit-platform.properties) and checks that the suite built every kernel file and launched every
 * {@code __kernel} of {@code kernels/opencl/*.cl} at least once: OpenCL builds lazily, so a kernel no test launches
 * has not even been compiled, let alone checked. Prints how many kernels were built and run.
 * Under CI ({@code CI=true}) a missing platform or an empty run is a failure, never a skip.
 */
@org.junit.jupiter.api.extension.ExtendWith(OpenClSupport.RequireOpenCl.class)
@Order(Integer.MAX_VALUE)
class KernelCoverageTest {

    @Test
    void everyKernelWasBuiltAndLaunchedBySuite() {
        OpenClSupport.requirePlatform();
        Map<String, String> all = KernelSources.kernels();
        Map<String, Long> launches = ClRuntime.launchCounts();
        if (launches.isEmpty()) {
            String why = "no OpenCL kernel was launched in this run (this check needs the whole gpu-backend suite before it)";
            if (OpenClSupport.underCi()) fail(why);
            System.out.println("[opencl] SKIPPING kernel coverage: " + why);
            Assumptions.abort(why);
        }
        Set<String> built = ClRuntime.builtFiles(), created = ClRuntime.createdKernels();
        List<String> neverLaunched = new ArrayList<>();
        long total = 0;
        StringBuilder report = new StringBuilder();
        for (String file : KernelSources.FILES) {
            report.append(String.format("[opencl]   %-12s %s%n", file + ".cl", built.contains(file) ? "built" : "NOT BUILT"));
            for (var e : all.entrySet()) {
                if (!e.getValue().equals(file)) continue;
                long n = launches.getOrDefault(e.getKey(), 0L);
                total += n;
                if (n == 0) neverLaunched.add(e.getKey());
                report.append(String.format("[opencl]     %-24s %8d launches%n", e.getKey(), n));
            }
        }
        long launchedKinds = all.keySet().stream().filter(k -> launches.getOrDefault(k, 0L) > 0).count();
        System.out.printf("[opencl] device %s%n[opencl] kernel files built: %d of %d; kernels built: %d of %d; kernels run: %d of %d; launches: %d%n%s",
                ClRuntime.get().device(), built.size(), KernelSources.FILES.size(), created.size(), all.size(),
                launchedKinds, all.size(), total, report);
        ClRuntime.variantLaunchCounts().forEach((k, v) -> System.out.printf("[opencl]     variant %-40s %8d launches%n", k, v));
        if (!neverLaunched.isEmpty()) fail("kernels never built and launched by the suite: " + neverLaunched);
    }
}
