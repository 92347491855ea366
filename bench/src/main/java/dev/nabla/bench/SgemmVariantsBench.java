package dev.nabla.bench;

import dev.nabla.cpu.SgemmVariants;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The SGEMM variants of {@link SgemmVariants} (1 naive … 5 production), one thread each, timed side by side in one
 * JMH run on the same shapes: {@code bench/sgemm-variants.sh [shape …]} prints GFLOP/s per variant and each
 * variant's ratio to the production one. Default shapes: squares and the training workloads' GEMMs where the
 * variants' choices differ (see {@link Shapes#LAYERS}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 4, time = 300, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 300, timeUnit = TimeUnit.MILLISECONDS)
public class SgemmVariantsBench {

    static final List<String> SHAPES = List.of("NN 128x128x128", "NN 512x512x512", "NT 64x256x784 mlp.fc1.fwd",
            "TN 256x784x64 mlp.fc1.dW", "NN 16x6400x150 lenet.conv2.fwd", "NT 6x25x50176 lenet.conv1.dW",
            "NT 32x1024x256 lstm.Whh.step", "NN 32x256x1024 lstm.Whh.dh");

    @Param({"NN 128x128x128"})
    public String shape;

    @Param({"1", "2", "3", "4", "5"})
    public int variant;

    Shapes.Shape s;
    float[] a, b, c;

    @Setup(Level.Trial)
    public void setup() {
        s = Shapes.parse(shape);
        SplittableRandom r = new SplittableRandom(42);
        a = new float[s.m() * s.k()];
        b = new float[s.k() * s.n()];
        c = new float[s.m() * s.n()];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextDouble();
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextDouble();
        // compile the variant before the time-boxed warm-up (interpreted Vector API code runs ~1000× slower)
        float[] x = new float[64 * 64], y = new float[64 * 64], z = new float[64 * 64];
        for (int i = 0; i < 300; i++) SgemmVariants.sgemm(variant, (i & 1) != 0, (i & 2) != 0, 64, 64, 64, 1f, x, 0, 64, y, 0, 64, 0f, z, 0, 64);
    }

    @Benchmark
    public float[] sgemm() {
        SgemmVariants.sgemm(variant, s.ta(), s.tb(), s.m(), s.n(), s.k(), 1f, a, 0, s.lda(), b, 0, s.ldb(), 0f, c, 0, s.n());
        return c;
    }

    /** Runs every variant on the shapes given (default {@link #SHAPES}) and prints GFLOP/s and the ratio to variant 5. */
    public static void main(String[] args) throws RunnerException {
        List<String> shapes = args.length > 0 ? Arrays.asList(args) : SHAPES;
        int nv = SgemmVariants.NAMES.length;
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(SgemmVariantsBench.class.getName() + ".sgemm")
                .param("shape", shapes.toArray(String[]::new))
                .shouldFailOnError(false)
                .verbosity(VerboseMode.SILENT)
                .build()).run();
        double[][] us = new double[shapes.size()][nv];
        for (double[] row : us) Arrays.fill(row, Double.NaN);
        for (RunResult r : results) {
            int si = shapes.indexOf(r.getParams().getParam("shape")), v = Integer.parseInt(r.getParams().getParam("variant"));
            us[si][v - 1] = r.getPrimaryResult().getScore();
        }
        List<String> head = new ArrayList<>(List.of("op", "m×n×k", "used by"));
        for (int v = 1; v <= nv; v++) head.add(v + " " + SgemmVariants.NAMES[v - 1]);
        System.out.println("SGEMM variants, one thread, GFLOP/s from the mean time per call (× = ratio to variant 5)");
        System.out.println("| " + String.join(" | ", head) + " |");
        System.out.println("|---|---|---|" + "---:|".repeat(nv));
        for (int i = 0; i < shapes.size(); i++) {
            Shapes.Shape s = Shapes.parse(shapes.get(i));
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s%s | %dx%dx%d | %s |", s.ta() ? "T" : "N",
                    s.tb() ? "T" : "N", s.m(), s.n(), s.k(), s.label().matches("\\d+x\\d+x\\d+") ? "square" : s.label()));
            for (int v = 0; v < nv; v++) {
                double g = s.flops() / us[i][v] / 1e3;
                row.append(String.format(Locale.ROOT, " %.1f (%.2f×) |", g, us[i][nv - 1] / us[i][v]));
            }
            System.out.println(row);
        }
    }
}
