package dev.nabla.gpu;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the runtimes of one kind ("opencl", "cuda") built and launched in this process: the test suites check that
 * every kernel of every family was compiled and run at least once, so no kernel reaches a GPU unexercised.
 */
public final class LaunchStats {
    private static final Map<String, LaunchStats> BY_RUNTIME = new ConcurrentHashMap<>();

    private final Map<String, LongAdder> launches = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> variantLaunches = new ConcurrentHashMap<>();
    private final Set<String> builtFamilies = ConcurrentHashMap.newKeySet();
    private final Set<String> createdKernels = ConcurrentHashMap.newKeySet();

    private LaunchStats() {}

    /** The statistics of the runtimes named {@code runtime}. */
    public static LaunchStats of(String runtime) { return BY_RUNTIME.computeIfAbsent(runtime, r -> new LaunchStats()); }

    public void launched(String kernel, String variant) {
        launches.computeIfAbsent(kernel, x -> new LongAdder()).increment();
        if (!variant.isEmpty()) variantLaunches.computeIfAbsent(kernel + " " + variant, x -> new LongAdder()).increment();
    }

    public void built(String family) { builtFamilies.add(family); }

    public void created(String kernel) { createdKernels.add(kernel); }

    /** How many times each kernel was queued. */
    public Map<String, Long> launchCounts() {
        Map<String, Long> m = new TreeMap<>();
        launches.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** Launches of kernels built as a variant, by "name variant". */
    public Map<String, Long> variantLaunchCounts() {
        Map<String, Long> m = new TreeMap<>();
        variantLaunches.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** The families whose program or module was built or loaded. */
    public Set<String> builtFamilies() { return new TreeSet<>(builtFamilies); }

    /** The kernels looked up from built programs or loaded modules. */
    public Set<String> createdKernels() { return new TreeSet<>(createdKernels); }
}
