package dev.nabla.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs {@link SgemmBench} for Nabla and OpenBLAS side by side in one JMH run and prints GFLOP/s and the ratio.
 * {@code bench/gemm.sh [squares|layers|all] ["NN 96x96x96" …]}.
 */
public final class GemmReport {
    private GemmReport() {}

    static final List<String> SQUARES = List.of("NN 64x64x64", "NN 128x128x128", "NN 256x256x256", "NN 512x512x512",
            "NN 1024x1024x1024", "NN 2048x2048x2048");

    public static void main(String[] args) throws RunnerException {
        List<String> shapes = new ArrayList<>();
        for (String a : args) {
            switch (a) {
                case "squares" -> shapes.addAll(SQUARES);
                case "layers" -> shapes.addAll(Shapes.LAYERS);
                case "all" -> { shapes.addAll(SQUARES); shapes.addAll(Shapes.LAYERS); }
                default -> shapes.add(a);
            }
        }
        if (shapes.isEmpty()) { shapes.addAll(SQUARES); shapes.addAll(Shapes.LAYERS); }
        System.out.println("# " + OpenBlas.describe());
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(SgemmBench.class.getName() + ".sgemm")
                .param("shape", shapes.toArray(String[]::new))
                .param("impl", "nabla", "openblas")
                .shouldFailOnError(false)
                .verbosity(VerboseMode.NORMAL)
                .build()).run();
        // shape → {nabla mean µs, openblas mean µs, nabla best-iteration µs, openblas best-iteration µs}
        Map<String, double[]> us = new LinkedHashMap<>();
        for (String s : shapes) us.put(s, new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN});
        for (RunResult r : results) {
            String shape = r.getParams().getParam("shape"), impl = r.getParams().getParam("impl");
            int i = impl.equals("nabla") ? 0 : 1;
            us.get(shape)[i] = r.getPrimaryResult().getScore();
            double best = Double.MAX_VALUE;
            for (BenchmarkResult b : r.getBenchmarkResults()) {
                for (IterationResult it : b.getIterationResults()) best = Math.min(best, it.getPrimaryResult().getScore());
            }
            us.get(shape)[i + 2] = best;
        }
        System.out.println();
        System.out.println("GFLOP/s from the mean time per call, and from the best measurement iteration (robust to a busy machine)");
        System.out.println();
        System.out.println("| op | m×n×k | layer | Nabla | OpenBLAS | ratio | Nabla best | OpenBLAS best | ratio best |");
        System.out.println("|---|---|---|---:|---:|---:|---:|---:|---:|");
        for (var e : us.entrySet()) {
            Shapes.Shape s = Shapes.parse(e.getKey());
            double[] t = e.getValue();
            System.out.printf(Locale.ROOT, "| %s | %dx%dx%d | %s | %s | %s | %s | %s | %s | %s |%n", e.getKey().substring(0, 2),
                    s.m(), s.n(), s.k(), s.label().contains(".") ? s.label() : "square",
                    gf(s, t[0]), gf(s, t[1]), ratio(t[1], t[0]), gf(s, t[2]), gf(s, t[3]), ratio(t[3], t[2]));
        }
    }

    private static String gf(Shapes.Shape s, double us) {
        return Double.isNaN(us) ? "n/a" : String.format(Locale.ROOT, "%.1f", s.flops() / us / 1e3);
    }

    private static String ratio(double num, double den) {
        return Double.isNaN(num) || Double.isNaN(den) ? "n/a" : String.format(Locale.ROOT, "%.2f", num / den);
    }
}
