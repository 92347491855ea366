package dev.nabla.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
        Map<String, double[]> us = new LinkedHashMap<>(); // shape → {nabla µs, openblas µs}
        for (String s : shapes) us.put(s, new double[] {Double.NaN, Double.NaN});
        for (RunResult r : results) {
            String shape = r.getParams().getParam("shape"), impl = r.getParams().getParam("impl");
            us.get(shape)[impl.equals("nabla") ? 0 : 1] = r.getPrimaryResult().getScore();
        }
        System.out.println();
        System.out.println("| shape (op m×n×k) | layer | Nabla GFLOP/s | OpenBLAS GFLOP/s | Nabla / OpenBLAS |");
        System.out.println("|---|---|---:|---:|---:|");
        for (var e : us.entrySet()) {
            Shapes.Shape s = Shapes.parse(e.getKey());
            double gn = s.flops() / e.getValue()[0] / 1e3, go = s.flops() / e.getValue()[1] / 1e3;
            System.out.printf(Locale.ROOT, "| %s %dx%dx%d | %s | %.1f | %s | %s |%n", e.getKey().substring(0, 2), s.m(), s.n(), s.k(),
                    s.label().contains(".") ? s.label() : "square", gn,
                    Double.isNaN(go) ? "n/a" : String.format(Locale.ROOT, "%.1f", go),
                    Double.isNaN(go) ? "n/a" : String.format(Locale.ROOT, "%.2f", gn / go));
        }
    }
}
