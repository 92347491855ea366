package dev.nabla.bench;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Backends;
import dev.nabla.bench.Workloads.Workload;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * End-to-end training throughput: one line per backend per workload, e.g.
 * {@code nabla-cpu  mlp784-256-128-10 b64  41234.5 samples/s}. Same line format as {@code bench/torch_throughput.py}.
 *
 * <p>Usage: {@code bench/throughput.sh [--backend ref,cpu,opencl (default: all on the class path)] [--workload mlp,lenet5,rnn,lstm] [--seconds 3] [--warmup 8]}.
 * Each workload warms up (at least 5 steps and --warmup seconds), then runs whole steps in windows of at least
 * 0.5 s until --seconds are up; it prints the mean rate and the best window's.
 */
public final class Throughput {
    private Throughput() {}

    public static void main(String[] args) {
        // default: every backend on the class path (usable or not: an unusable one prints why)
        List<String> backends = Backends.providers().stream().map(p -> p.name()).toList();
        List<String> workloads = Workloads.ALL;
        double seconds = 3, warmup = 8;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--backend" -> backends = split(args[++i]);
                case "--workload" -> workloads = split(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                case "-h", "--help" -> {
                    System.out.println("usage: throughput.sh [--backend ref,cpu,opencl] [--workload mlp,lenet5,rnn,lstm] [--seconds 3] [--warmup 8]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option '" + args[i] + "' (try --help)");
            }
        }
        System.out.printf(Locale.ROOT, "# nabla training throughput, %d cores, %s, Java %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.arch"), Runtime.version());
        for (String b : backends) {
            Backend be;
            try {
                be = Backends.create(b);
            } catch (RuntimeException | LinkageError e) {
                for (String w : workloads) System.out.printf(Locale.ROOT, "nabla-%-7s %-24s not available: %s%n", b, label(w), e.getMessage());
                continue;
            }
            try (be) {
                for (String w : workloads) System.out.println(measure(b, be, w, seconds, warmup));
            }
        }
    }

    static String label(String w) {
        return switch (w) {
            case "mlp" -> "mlp784-256-128-10 b64";
            case "lenet5" -> "lenet5 b64";
            case "rnn" -> "rnn-tanh h256 T64 b32";
            case "lstm" -> "lstm h256 T64 b32";
            default -> w;                                   // the scaling table's names (mlp-b16-w4096 …) as they are
        };
    }

    static String measure(String backendName, Backend be, String name, double seconds, double warmup) {
        Workload w;
        try {
            w = Workloads.create(name, be);
        } catch (UnsupportedOperationException | IllegalStateException e) {
            return String.format(Locale.ROOT, "nabla-%-7s %-24s not available: %s", backendName, label(name), e.getMessage());
        }
        // warm-up: the Vector API runs ~1000x slower until C2 has compiled it; every path of the recurrent workloads
        // takes C2 5–7 s here (with 3 s, rnn-tanh read 122k tokens/s against 157k once compiled)
        long warmEnd = System.nanoTime() + (long) (warmup * 1e9);
        float loss = 0;
        for (int i = 0; i < 5 || System.nanoTime() < warmEnd; i++) loss = w.step();
        be.synchronize();
        // then windows of >= 0.5 s: the mean over all of them, and the best one (robust to a busy machine)
        long budget = (long) (seconds * 1e9), t0 = System.nanoTime(), total;
        int steps = 0;
        double best = 0;
        do {
            long w0 = System.nanoTime();
            int ws = 0;
            do {
                loss = w.step();
                ws++;
            } while (System.nanoTime() - w0 < 500_000_000L);
            be.synchronize();
            best = Math.max(best, ws * (double) w.unitsPerStep() / ((System.nanoTime() - w0) / 1e9));
            steps += ws;
            total = System.nanoTime() - t0;
        } while (total < budget);
        double rate = (double) steps * w.unitsPerStep() / (total / 1e9);
        if (!Float.isFinite(loss)) throw new IllegalStateException(w.name() + " on " + backendName + ": loss " + loss);
        double gflops = w.flopsPerStep() * steps / (total / 1e9) / 1e9;
        return String.format(Locale.ROOT, "nabla-%-7s %-24s %12.1f %-9s (best 0.5 s window %.1f; %d steps, %.2f ms/step, loss %.4f; %.1f GFLOP/s)",
                backendName, w.name(), rate, w.unit(), best, steps, total / 1e6 / steps, loss, gflops);
    }

    private static List<String> split(String s) { return new ArrayList<>(Arrays.asList(s.split(","))); }
}
