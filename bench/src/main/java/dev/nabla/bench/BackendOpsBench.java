package dev.nabla.bench;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Backends;
import dev.nabla.backend.Tensor;
import dev.nabla.bench.Ops.Conv;
import java.util.List;
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
 * LeNet-5's convolutions (forward: conv2d; backward: ∂W, ∂b and ∂x in one conv2dBackward) and one LSTM step
 * (recurrent GEMM + fused cell, and its backward) through the {@link Backend} ops, on any backend by name.
 * A backend that is not on the class path or not usable here is skipped: its trial fails with the reason printed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 6, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 4, time = 300, timeUnit = TimeUnit.MILLISECONDS)
public class BackendOpsBench {
    @Param({"ref", "cpu", "opencl"})
    public String backend;

    static final int B = 64, LB = 32, H = 256;
    Backend be;
    Conv conv1, conv2;
    Tensor x1, x2, dy1, dy2, dx2;
    Tensor gates, whh, whhT, whhB, h, cPrev, c, tanhC, hOut, dh, dc, dgates, dhPrev;

    @Setup(Level.Trial)
    public void setup() {
        try {
            be = Backends.create(backend);
        } catch (RuntimeException | LinkageError e) {
            System.out.println("SKIP backend " + backend + ": " + e.getMessage());
            throw new IllegalStateException("skipped backend " + backend + ": " + e.getMessage(), e);
        }
        SplittableRandom r = new SplittableRandom(5);
        List<Ops.Param> ps = Ops.params();
        conv1 = new Conv(be, r, ps, B, 1, 28, 28, 6, 5, 2);
        conv2 = new Conv(be, r, ps, B, 6, 14, 14, 16, 5, 0);
        x1 = Workloads.randomInput(be, r, B, 1, 28, 28);
        x2 = Workloads.randomInput(be, r, B, 6, 14, 14);
        dy1 = Workloads.randomInput(be, r, B, 6, 28, 28);
        dy2 = Workloads.randomInput(be, r, B, 16, 10, 10);
        dx2 = be.zeros(B, 6, 14, 14);
        conv1.forward(be, x1);
        conv2.forward(be, x2);
        gates = be.zeros(LB, 4 * H);
        whh = Workloads.randomInput(be, r, 4 * H, H);
        whhT = be.zeros(H, 4 * H);                  // packed once per sequence, as Lstm does: W_hhᵀ forward, W_hh backward
        be.gemmPack(true, whh, whhT);
        whhB = be.zeros(4 * H, H);
        be.gemmPack(false, whh, whhB);
        h = Workloads.randomInput(be, r, LB, H);
        cPrev = Workloads.randomInput(be, r, LB, H);
        c = be.zeros(LB, H);
        tanhC = be.zeros(LB, H);
        hOut = be.zeros(LB, H);
        dh = Workloads.randomInput(be, r, LB, H);
        dc = be.zeros(LB, H);
        dgates = be.zeros(LB, 4 * H);
        dhPrev = be.zeros(LB, H);
        lstmForward();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (be != null) be.close();
    }

    @Benchmark
    public void lenetConv1Forward() {
        conv1.forward(be, x1);
        be.synchronize();
    }

    @Benchmark
    public void lenetConv1Backward() {
        conv1.backward(be, x1, dy1, null); // the first layer needs no ∂x
        be.synchronize();
    }

    @Benchmark
    public void lenetConv2Forward() {
        conv2.forward(be, x2);
        be.synchronize();
    }

    @Benchmark
    public void lenetConv2Backward() {
        conv2.backward(be, x2, dy2, dx2);
        be.synchronize();
    }

    /**
     * One LSTM step, h256 b32: gates = h_{t−1}·W_hhᵀ (the input projection is precomputed for all steps; W_hhᵀ packed
     * once per sequence), fused cell.
     */
    @Benchmark
    public void lstmStepForward() {
        lstmForward();
        be.synchronize();
    }

    /** Its backward: fused cell backward, then ∂E/∂h_{t−1} = δ·W_hh (∂W_hh is one GEMM for all steps, not per step). */
    @Benchmark
    public void lstmStepBackward() {
        be.lstmCellBackward(gates, cPrev, c, tanhC, null, dh, dc, dgates, null);
        be.gemmPacked(false, 1f, dgates, whhB, 0f, dhPrev);
        be.synchronize();
    }

    private void lstmForward() {
        be.gemmPacked(false, 1f, h, whhT, 0f, gates);
        be.lstmCell(gates, cPrev, null, c, tanhC, hOut);
    }
}
