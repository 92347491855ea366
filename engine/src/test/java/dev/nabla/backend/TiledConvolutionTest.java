package dev.nabla.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Layer;
import dev.nabla.nn.LocallyConnected2d;
import dev.nabla.nn.Param;
import dev.nabla.nn.TiledConv2d;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Tiled convolution and the locally connected layer on a backend (issue 19, item 3): a 1×1 tile is {@link Conv2d}
 * bit for bit — output, ∂E/∂x, ∂E/∂W and ∂E/∂b, over two batches (the workspaces reused) — on every configuration of
 * stride, padding, floor and bias here, where {@link #tileOneExact()} (the reference and CPU backends; the layer runs
 * Conv2d's ops on Conv2d's shapes, its gathers copying in place); and tiled and locally connected layers agree with
 * the reference backend within {@link #tolerance()}. Each backend module subclasses this.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class TiledConvolutionTest {
    protected Backend be;

    protected abstract Backend backend();

    /** Whether tile 1×1 must equal Conv2d bit for bit on this backend (else within {@link #tolerance()}). */
    protected boolean tileOneExact() { return true; }

    /** Deviation allowed from the reference, relative to each tensor's largest magnitude. */
    protected float tolerance() { return 1e-5f; }

    @BeforeAll
    void open() { be = backend(); }

    @AfterAll
    void shut() { if (be != null) be.close(); }

    /** A convolution configuration: channels, kernel, stride, padding, floor, bias, and the batch's n×h×w. */
    record Config(String name, int cin, int cout, int kH, int kW, int sH, int sW, int pH, int pW, boolean floor, boolean bias, int n, int h, int w) {
        Conv2d conv() {
            Conv2d c = new Conv2d(cin, cout, kH, kW).stride(sH, sW).padding(pH, pW);
            if (floor) c.floor();
            if (!bias) c.withoutBias();
            return c;
        }

        TiledConv2d tiled(int tH, int tW) {
            TiledConv2d t = new TiledConv2d(cin, cout, kH, kW, tH, tW).stride(sH, sW).padding(pH, pW);
            if (floor) t.floor();
            if (!bias) t.withoutBias();
            return t;
        }
    }

    static List<Config> configs() {
        return List.of(
                new Config("LeNet's first layer", 1, 6, 5, 5, 1, 1, 2, 2, false, true, 3, 28, 28),
                new Config("LeNet's second layer", 6, 16, 5, 5, 1, 1, 0, 0, false, true, 2, 14, 14),
                new Config("stride 2, pad 1", 3, 4, 3, 3, 2, 2, 1, 1, false, true, 2, 7, 7),
                new Config("non-square", 2, 3, 2, 3, 2, 1, 1, 0, false, true, 2, 6, 8),
                new Config("floor 7x7/3x3/3, no bias", 2, 2, 3, 3, 3, 3, 0, 0, true, false, 2, 7, 7));
    }

    private Tensor randn(long seed, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[Tensor.sizeOf(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return be.upload(v, shape);
    }

    /** y, ∂E/∂x and every parameter gradient of a layer bound on {@code ops} with {@code seed}, over two batches. */
    private static List<float[]> passes(Backend ops, Layer layer, long seed, Config c) {
        layer.bind(ops, new SplittableRandom(seed));
        List<float[]> out = new ArrayList<>();
        for (Param p : layer.params()) out.add(p.value().toArray());
        for (int batch = 0; batch < 2; batch++) {
            SplittableRandom r = new SplittableRandom(100 + batch);
            float[] xv = new float[c.n() * c.cin() * c.h() * c.w()];
            for (int i = 0; i < xv.length; i++) xv[i] = (float) r.nextGaussian();
            try (Tensor x = ops.upload(xv, c.n(), c.cin(), c.h(), c.w())) {
                for (Param p : layer.params()) p.zeroGrad();
                Tensor y = layer.forward(x, true);
                float[] dyv = new float[y.size()];
                for (int i = 0; i < dyv.length; i++) dyv[i] = (float) r.nextGaussian();
                try (Tensor dy = ops.upload(dyv, y.shape())) {
                    out.add(y.toArray());
                    out.add(layer.backward(dy).toArray());
                    for (Param p : layer.params()) out.add(p.grad().toArray());
                }
            }
        }
        return out;
    }

    private void assertSame(String what, List<float[]> got, List<float[]> want, float tol) {
        assertThat(got).as(what + ": tensors").hasSameSizeAs(want);
        double worst = 0;
        for (int t = 0; t < want.size(); t++) {
            float[] g = got.get(t), w = want.get(t);
            assertThat(g).as(what + ": tensor " + t + " size").hasSameSizeAs(w);
            float scale = 0;
            for (float v : w) scale = Math.max(scale, Math.abs(v));
            for (int i = 0; i < w.length; i++) {
                boolean ok;
                if (tol == 0) ok = Float.floatToIntBits(g[i]) == Float.floatToIntBits(w[i]);
                else {
                    double dev = Math.abs((double) g[i] - w[i]) / Math.max(scale, Float.MIN_NORMAL);
                    worst = Math.max(worst, dev);
                    ok = dev <= tol;
                }
                if (!ok) throw new AssertionError(what + " on " + be.name() + ": tensor " + t + "[" + i + "] is " + g[i] + ", expected " + w[i]
                        + (tol == 0 ? " (bit for bit)" : " (tolerance " + tol + " of " + scale + ")"));
            }
        }
        System.out.printf("[tiled] %s on %s: %d tensors, %s%n", what, be.name(), want.size(), tol == 0 ? "bit for bit" : String.format("worst %.2e", worst));
    }

    @Test
    void aOneByOneTileIsConv2dBitForBit() {
        for (Config c : configs()) {
            List<float[]> conv = passes(be, c.conv(), 7, c), tiled = passes(be, c.tiled(1, 1), 7, c);
            assertSame("tile 1x1 vs Conv2d, " + c.name(), tiled, conv, tileOneExact() ? 0f : tolerance());
        }
    }

    @Test
    void tiledAndLocallyConnectedLayersAgreeWithTheReference() {
        List<Config> cs = configs();
        List<Supplier<Layer>> layers = List.of(
                () -> cs.get(0).tiled(2, 3),                                                    // 28×28 output, 6 banks
                () -> cs.get(1).tiled(3, 3),                                                    // a tile that does not divide 10×10
                () -> cs.get(3).tiled(2, 2),
                () -> cs.get(4).tiled(2, 1),
                () -> new LocallyConnected2d(3, 4, 3, 3, 7, 7).stride(2).padding(1),          // 4×4 positions
                () -> new LocallyConnected2d(1, 6, 5, 5, 12, 12));                             // 8×8 positions, 64 banks
        Config[] on = {cs.get(0), cs.get(1), cs.get(3), cs.get(4), cs.get(2), new Config("", 1, 6, 5, 5, 1, 1, 0, 0, false, true, 3, 12, 12)};
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i).get();
            String what = l.name();
            assertSame(what + " vs the reference", passes(be, l, 11, on[i]), passes(new ReferenceBackend(), layers.get(i).get(), 11, on[i]),
                    be instanceof ReferenceBackend ? 0f : tolerance());
        }
    }
}
