package dev.nabla.bench;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Backends;
import dev.nabla.backend.Tensor;
import dev.nabla.cpu.Sgemm;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SGEMM C ← A·B (β = 0): Nabla's {@link Sgemm} against OpenBLAS's cblas_sgemm (FFM, 2 threads) in the same run.
 * Shapes: squares 64…2048 and the GEMMs the MLP, LeNet-5 and LSTM workloads make (see {@link Shapes}).
 * Time per call; {@link GemmReport} turns the results into GFLOP/s and Nabla/OpenBLAS ratios.
 *
 * <p>{@code impl} may also name a backend ({@code opencl}, {@code cpu}, {@code ref}): then the call is that backend's
 * {@code Backend.gemm} on tensors it holds (device-resident for OpenCL), followed by {@code synchronize()}, so the time
 * is the kernel's, not the queueing's.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 5, time = 400, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 6, time = 300, timeUnit = TimeUnit.MILLISECONDS)
public class SgemmBench {

    /** "NN 1024x1024x1024" or "NT 64x256x784 mlp.fc1.fwd": transposes of A and B, then m×n×k, then a label. */
    @Param({"NN 64x64x64", "NN 128x128x128", "NN 256x256x256", "NN 512x512x512", "NN 1024x1024x1024", "NN 2048x2048x2048"})
    public String shape;

    @Param({"nabla", "openblas"})
    public String impl;

    Shapes.Shape s;
    float[] a, b, c;
    Backend backend;
    Tensor ta, tb, tc;

    @Setup(Level.Trial)
    public void setup() {
        s = Shapes.parse(shape);
        if (impl.equals("openblas")) {
            if (!OpenBlas.available()) {
                System.out.println("SKIP openblas: " + OpenBlas.UNAVAILABLE);
                throw new IllegalStateException("skipped: " + OpenBlas.UNAVAILABLE);
            }
            OpenBlas.setThreads(Sgemm.THREADS);
            System.out.println("# " + OpenBlas.describe() + ", " + Sgemm.THREADS + " threads");
        } else if (impl.equals("nabla")) {
            System.out.println("# nabla Sgemm, " + Sgemm.THREADS + " threads");
            prewarm();
        } else {
            try {
                backend = Backends.create(impl);
            } catch (RuntimeException e) {
                System.out.println("SKIP " + impl + ": " + e.getMessage());
                throw new IllegalStateException("skipped: " + e.getMessage(), e);
            }
            System.out.println("# backend " + backend);
        }
        SplittableRandom r = new SplittableRandom(42);
        a = new float[s.m() * s.k()];
        b = new float[s.k() * s.n()];
        c = new float[s.m() * s.n()];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextDouble();
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextDouble();
        if (backend != null) {
            ta = s.ta() ? backend.upload(a, s.k(), s.m()) : backend.upload(a, s.m(), s.k());
            tb = s.tb() ? backend.upload(b, s.n(), s.k()) : backend.upload(b, s.k(), s.n());
            tc = backend.zeros(s.m(), s.n());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (backend != null) {
            ta.close();
            tb.close();
            tc.close();
            backend.close();
        }
    }

    /**
     * The Vector API runs ~1000× slower until C2 has compiled the micro-kernel (a single interpreted 64×256×784 call
     * takes 0.2 s), and a few time-boxed warm-up iterations may not get there on a busy machine: compile it first.
     */
    static void prewarm() {
        float[] x = new float[96 * 96], y = new float[96 * 96], z = new float[96 * 96];
        for (int i = 0; i < 400; i++) {
            boolean ta = (i & 1) != 0, tb = (i & 2) != 0;
            Sgemm.sgemm(ta, tb, 96, 96, 96, 1f, x, 0, 96, y, 0, 96, i % 3 == 0 ? 0f : 1f, z, 0, 96);
            Sgemm.sgemm(ta, tb, 9, 33, 7, 1f, x, 0, 96, y, 0, 96, 0f, z, 0, 96);
        }
    }

    @Benchmark
    public float[] sgemm() {
        if (impl.equals("nabla")) {
            Sgemm.sgemm(s.ta(), s.tb(), s.m(), s.n(), s.k(), 1f, a, 0, s.lda(), b, 0, s.ldb(), 0f, c, 0, s.n());
        } else if (backend != null) {
            backend.gemm(s.ta(), s.tb(), 1f, ta, tb, 0f, tc);
            backend.synchronize();
        } else {
            OpenBlas.sgemm(s.ta(), s.tb(), s.m(), s.n(), s.k(), 1f, a, s.lda(), b, s.ldb(), 0f, c, s.n());
        }
        return c;
    }
}
