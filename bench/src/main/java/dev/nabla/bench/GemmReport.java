package dev.nabla.bench;

import java.util.ArrayList;
import java.util.Arrays;
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
 * {@code bench/gemm.sh [squares|layers|all] ["NN 96x96x96" …] [--with opencl,cpu]} ({@code --with} adds backends'
 * {@code Backend.gemm}, e.g. the OpenCL kernels, as further columns).
 */
public final class GemmReport {
    private GemmReport() {}

    static final List<String> SQUARES = List.of("NN 64x64x64", "NN 128x128x128", "NN 256x256x256", "NN 512x512x512",
            "NN 1024x1024x1024", "NN 2048x2048x2048");

    public static void main(String[] args) throws RunnerException {
        List<String> shapes = new ArrayList<>();
        List<String> impls = new ArrayList<>(List.of("nabla", "openblas"));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "squares" -> shapes.addAll(SQUARES);
                case "layers" -> shapes.addAll(Shapes.LAYERS);
                case "all" -> { shapes.addAll(SQUARES); shapes.addAll(Shapes.LAYERS); }
                case "--with" -> impls.addAll(List.of(args[++i].split(",")));   // e.g. --with opencl: Backend.gemm of that backend
                default -> shapes.add(args[i]);
            }
        }
        if (shapes.isEmpty()) { shapes.addAll(SQUARES); shapes.addAll(Shapes.LAYERS); }
        System.out.println("# " + OpenBlas.describe());
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(SgemmBench.class.getName() + ".sgemm")
                .param("shape", shapes.toArray(String[]::new))
                .param("impl", impls.toArray(String[]::new))
                .shouldFailOnError(false)
                .verbosity(VerboseMode.NORMAL)
                .build()).run();
        // shape → per impl {mean µs, best-iteration µs}
        int n = impls.size();
        Map<String, double[]> us = new LinkedHashMap<>();
        for (String s : shapes) {
            double[] t = new double[2 * n];
            Arrays.fill(t, Double.NaN);
            us.put(s, t);
        }
        for (RunResult r : results) {
            String shape = r.getParams().getParam("shape");
            int i = impls.indexOf(r.getParams().getParam("impl"));
            us.get(shape)[2 * i] = r.getPrimaryResult().getScore();
            double best = Double.MAX_VALUE;
            for (BenchmarkResult b : r.getBenchmarkResults()) {
                for (IterationResult it : b.getIterationResults()) best = Math.min(best, it.getPrimaryResult().getScore());
            }
            us.get(shape)[2 * i + 1] = best;
        }
        System.out.println();
        System.out.println("GFLOP/s from the mean time per call, and from the best measurement iteration (robust to a busy machine);");
        System.out.println("ratio = GFLOP/s ÷ OpenBLAS's (mean / best)");
        System.out.println();
        StringBuilder head = new StringBuilder("| op | m×n×k | layer |"), rule = new StringBuilder("|---|---|---|");
        for (String impl : impls) {
            head.append(' ').append(impl).append(" | ").append(impl).append(" best |");
            rule.append("---:|---:|");
        }
        for (String impl : impls) {
            if (!impl.equals("openblas")) { head.append(' ').append(impl).append(" ratio |"); rule.append("---:|"); }
        }
        System.out.println(head);
        System.out.println(rule);
        int blas = impls.indexOf("openblas");
        for (var e : us.entrySet()) {
            Shapes.Shape s = Shapes.parse(e.getKey());
            double[] t = e.getValue();
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s | %dx%dx%d | %s |", e.getKey().substring(0, 2),
                    s.m(), s.n(), s.k(), s.label().contains(".") ? s.label() : "square"));
            for (int i = 0; i < n; i++) row.append(' ').append(gf(s, t[2 * i])).append(" | ").append(gf(s, t[2 * i + 1])).append(" |");
            for (int i = 0; i < n; i++) {
                if (i != blas) row.append(' ').append(ratio(t[2 * blas], t[2 * i])).append(" / ").append(ratio(t[2 * blas + 1], t[2 * i + 1])).append(" |");
            }
            System.out.println(row);
        }
    }

    private static String gf(Shapes.Shape s, double us) {
        return Double.isNaN(us) ? "n/a" : String.format(Locale.ROOT, "%.1f", s.flops() / us / 1e3);
    }

    private static String ratio(double num, double den) {
        return Double.isNaN(num) || Double.isNaN(den) ? "n/a" : String.format(Locale.ROOT, "%.2f", num / den);
    }
}
