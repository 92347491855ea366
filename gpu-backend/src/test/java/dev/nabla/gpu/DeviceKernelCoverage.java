package dev.nabla.gpu;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;

/**
 * The check each runtime's KernelCoverageTest runs last (see junit-platform.properties): the suite built every kernel
 * family and launched every {@code __kernel} at least once on that runtime. Kernels are built or loaded lazily, so a
 * kernel no test launches has not even been compiled, let alone checked. Prints how many were built and run. Where
 * the device must be there ({@link Devices#mustHave}), an empty run is a failure, never a skip.
 */
public final class DeviceKernelCoverage {
    private DeviceKernelCoverage() {}

    public static void check(String device) {
        Devices.require(device);
        LaunchStats stats = LaunchStats.of(device);
        Map<String, String> all = KernelFiles.kernels();
        Map<String, Long> launches = stats.launchCounts();
        if (launches.isEmpty()) {
            String why = "no " + device + " kernel was launched in this run (this check needs the whole gpu-backend suite before it)";
            if (Devices.mustHave(device)) fail(why);
            System.out.println("[" + device + "] SKIPPING kernel coverage: " + why);
            Assumptions.abort(why);
        }
        Set<String> built = stats.builtFamilies(), created = stats.createdKernels();
        List<String> neverLaunched = new ArrayList<>();
        long total = 0;
        StringBuilder report = new StringBuilder();
        for (String family : KernelFiles.FAMILIES) {
            report.append(String.format("[%s]   %-12s %s%n", device, family, built.contains(family) ? "built" : "NOT BUILT"));
            for (var e : all.entrySet()) {
                if (!e.getValue().equals(family)) continue;
                long n = launches.getOrDefault(e.getKey(), 0L);
                total += n;
                if (n == 0) neverLaunched.add(e.getKey());
                report.append(String.format("[%s]     %-24s %8d launches%n", device, e.getKey(), n));
            }
        }
        long launchedKinds = all.keySet().stream().filter(k -> launches.getOrDefault(k, 0L) > 0).count();
        System.out.printf("[%s] kernel files built: %d of %d; kernels built: %d of %d; kernels run: %d of %d; launches: %d%n%s",
                device, built.size(), KernelFiles.FAMILIES.size(), created.size(), all.size(), launchedKinds, all.size(), total, report);
        stats.variantLaunchCounts().forEach((k, v) -> System.out.printf("[%s]     variant %-40s %8d launches%n", device, k, v));
        if (!neverLaunched.isEmpty()) fail("kernels never built and launched by the suite: " + neverLaunched);
    }
}
