package dev.nabla.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.check.GradientCheck;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Tiled convolution and the locally connected layer (issue 19, item 3; seed 003's "Convolution Variants") on the
 * reference backend: the banks used in turn as the picture in {@link TiledConv2d} shows, a hand-computed locally
 * connected output, gradient checks, parameter counts against the formula, and the errors. {@code TiledConvolutionTest}
 * (every backend) has tile 1 = Conv2d bit for bit; {@code ConvGoldenTest} the PyTorch values.
 */
class TiledConvTest {
    private final Backend ops = new ReferenceBackend();

    private Tensor randn(long seed, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[Tensor.sizeOf(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return ops.upload(v, shape);
    }

    private static <L extends Layer> L bound(L layer, Backend ops, long seed) {
        layer.bind(ops, new SplittableRandom(seed));
        return layer;
    }

    @Test
    void theBanksAreUsedInTurnAcrossPositionsAsInThePicture() {
        // 1→1 channel, 1×1 kernels, tile 2×2: bank (a, b) multiplies by its weight A=1, B=2, C=3, D=4 and adds nothing
        TiledConv2d t = bound(new TiledConv2d(1, 1, 1, 2).withoutBias(), ops, 1);
        t.weight().set(1, 2, 3, 4);
        float[] ones = new float[4 * 5];
        java.util.Arrays.fill(ones, 1f);
        Tensor y = t.forward(ops.upload(ones, 1, 1, 4, 5), true);
        assertThat(y.toArray()).containsExactly(
                1, 2, 1, 2, 1,
                3, 4, 3, 4, 3,
                1, 2, 1, 2, 1,
                3, 4, 3, 4, 3);
        // and backward: each bank's weight gradient sums the δ of its positions (A: 6 positions, B: 4, C: 6, D: 4 here)
        float[] delta = new float[20];
        java.util.Arrays.fill(delta, 1f);
        Tensor dx = t.backward(ops.upload(delta, 1, 1, 4, 5));
        assertThat(t.weight().grad().toArray()).containsExactly(6, 4, 3 * 2, 4);
        assertThat(dx.toArray()).containsExactly(1, 2, 1, 2, 1, 3, 4, 3, 4, 3, 1, 2, 1, 2, 1, 3, 4, 3, 4, 3);
    }

    @Test
    void aLocallyConnectedLayerWeighsEveryWindowWithItsOwnFiltersAndBias() {
        // 1 channel 3×3 input, 2×2 windows → 2×2 output, each position its own 2×2 filter and bias, worked by hand
        LocallyConnected2d lc = bound(new LocallyConnected2d(1, 1, 2, 3, 3), ops, 1);
        lc.weight().set(
                1, 0, 0, 0,      // (0, 0): the window's top-left pixel
                0, 1, 0, 0,      // (0, 1): top-right
                0, 0, 1, 0,      // (1, 0): bottom-left
                1, 1, 1, 1);     // (1, 1): the window's sum
        lc.bias().set(10, 20, 30, 40);
        Tensor x = ops.upload(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
        assertThat(lc.forward(x, true).toArray()).containsExactly(1 + 10, 3 + 20, 7 + 30, 5 + 6 + 8 + 9 + 40);
        assertThat(lc.outputShape(new int[] {1, 3, 3})).containsExactly(1, 2, 2);
    }

    @Test
    void gradientChecks() {
        GradientCheck gc = new GradientCheck();
        // a tile that does not divide the 4×5 output (banks of 6, 4, 6, 4 positions)
        gc.checkLayer(bound(new TiledConv2d(2, 3, 3, 2), ops, 2), randn(3, 2, 2, 6, 7)).assertBelow(1e-2);
        // non-square everything: kernel 3×2, tile 3×2, stride 2×1, padding 1×0
        gc.checkLayer(bound(new TiledConv2d(2, 2, 3, 2, 3, 2).stride(2, 1).padding(1, 0), ops, 4), randn(5, 2, 2, 7, 6)).assertBelow(1e-2);
        // no bias, floor semantics: (7 − 3)/3 + 1 = 2.33 → 2
        gc.checkLayer(bound(new TiledConv2d(1, 2, 3, 2).stride(3).floor().withoutBias(), ops, 6), randn(7, 2, 1, 7, 7)).assertBelow(1e-2);
        // the locally connected layer, with stride and padding: (6 − 3 + 2)/1 + 1 = 6 by (5 − 3 + 2)/2 + 1 = 3
        gc.checkLayer(bound(new LocallyConnected2d(2, 3, 3, 6, 5).stride(1, 2).padding(1), ops, 8), randn(9, 2, 2, 6, 5)).assertBelow(1e-2);
        // in a network: the tiled layer's input gradient flows to a convolution below it
        Sequential net = new Sequential(new Conv2d(1, 2, 2), ActivationLayer.tanh(), new TiledConv2d(2, 2, 2, 2), ActivationLayer.tanh(),
                new LocallyConnected2d(2, 1, 2, 4, 4), new Flatten()).bind(ops, 10);
        gc.checkLayer(net, randn(11, 2, 1, 6, 6)).assertBelow(1e-2);
    }

    @Test
    void aWrongBankIsCaughtByTheGradientCheck() {
        // planted: a layer that reports bank 0's gradient for every bank (as if the backward ignored y mod tH, x mod tW)
        TiledConv2d t = bound(new TiledConv2d(1, 1, 2, 2), ops, 12);
        Layer wrong = new Layer() {
            @Override public void bind(Backend b, java.util.random.RandomGenerator r) {}
            @Override public int[] outputShape(int[] s) { return t.outputShape(s); }
            @Override public Tensor forward(Tensor x, boolean training) { return t.forward(x, training); }
            @Override public Tensor backward(Tensor dy) {
                Tensor dx = t.backward(dy);
                float[] g = t.weight().grad().toArray();
                int per = g.length / 4;
                for (int j = 1; j < 4; j++) System.arraycopy(g, 0, g, j * per, per);
                ops.upload(g, 0, t.weight().grad());
                return dx;
            }
            @Override public java.util.List<Param> params() { return t.params(); }
        };
        assertThatThrownBy(() -> GradientCheck.layer(wrong, randn(13, 1, 1, 5, 5)).assertBelow(1e-2))
                .isInstanceOf(AssertionError.class).hasMessageContaining(".W");
    }

    @Test
    void parameterCountsFollowTheFormula() {
        // tiled: tH·tW·C_out·(C_in·kH·kW + 1)
        TiledConv2d t = bound(new TiledConv2d(3, 8, 5, 3, 2, 4), ops, 1);
        assertThat(t.params().stream().mapToLong(Param::size).sum()).isEqualTo(t.parameterCount()).isEqualTo(2L * 4 * 8 * (3 * 5 * 3 + 1));
        // tile 1 is a Conv2d's count
        TiledConv2d one = bound(new TiledConv2d(6, 16, 5, 1), ops, 1);
        assertThat(one.parameterCount()).isEqualTo(bound(new Conv2d(6, 16, 5), ops, 1).params().stream().mapToLong(Param::size).sum())
                .isEqualTo(2416);
        // locally connected: outH·outW·C_out·(C_in·kH·kW + 1); on LeNet's first layer's shape 24·24·6·26 = 89,856 against 156
        LocallyConnected2d lc = bound(new LocallyConnected2d(1, 6, 5, 28, 28), ops, 1);
        assertThat(lc.params().stream().mapToLong(Param::size).sum()).isEqualTo(lc.parameterCount()).isEqualTo(89_856);
        assertThat(lc.weight().value().shape()).containsExactly(24, 24, 6, 1, 5, 5);
        assertThat(lc.bias().value().shape()).containsExactly(24, 24, 6);
        assertThat(bound(new TiledConv2d(2, 3, 3, 2).withoutBias(), ops, 1).parameterCount()).isEqualTo(2 * 2 * 3 * 2 * 9);
    }

    @Test
    void badConfigurationsAreRefusedNamingTheLayerAndTheShapes() {
        assertThatThrownBy(() -> new TiledConv2d(1, 2, 3, 0)).hasMessageContaining("tile ≥ 1x1").hasMessageContaining("tile 0x0");
        TiledConv2d big = bound(new TiledConv2d(1, 2, 3, 4), ops, 1);
        assertThatThrownBy(() -> big.outputShape(new int[] {1, 5, 5}))
                .hasMessageContaining("TiledConv2d(1→2, 3x3, tile 4x4): the tile 4x4 is larger than the 3x3 output");
        assertThatThrownBy(() -> big.forward(randn(1, 1, 2, 5, 5), true)).hasMessageContaining("expects input [N, 1, H, W], got [1, 2, 5, 5]");
        TiledConv2d s3 = bound(new TiledConv2d(1, 1, 3, 1).stride(3), ops, 1);
        assertThatThrownBy(() -> s3.outputShape(new int[] {1, 7, 7})).hasMessageContaining("(7 − 3 + 2·0)/3 + 1 = 2.33");
        LocallyConnected2d lc = bound(new LocallyConnected2d(1, 2, 3, 8, 8), ops, 1);
        assertThatThrownBy(() -> lc.forward(randn(1, 1, 1, 9, 8), true))
                .hasMessageContaining("LocallyConnected2d(1→2, 3x3, on 8x8) expects input [N, 1, 8, 8], got [1, 1, 9, 8]");
        assertThatThrownBy(() -> lc.outputShape(new int[] {1, 8, 9})).hasMessageContaining("has weights for each position of a [1, 8, 8] input");
        assertThatThrownBy(() -> new LocallyConnected2d(1, 2, 3, 8, 8).stride(2).outputSize()).hasMessageContaining("is not an integer");
        assertThat(lc.weight().name()).isEqualTo("LocallyConnected2d(1→2, 3x3, on 8x8).W");
        assertThatThrownBy(() -> big.stride(2)).isInstanceOf(IllegalStateException.class).hasMessageContaining("already bound");
        // the gathers address entries with floats: a batch past 2^24 patch entries is refused before any allocation
        TiledConv2d wide = bound(new TiledConv2d(16, 4, 5, 2), ops, 1);
        assertThatThrownBy(() -> wide.forward(ops.zeros(64, 16, 64, 64), true))
                .hasMessageContaining("K·N·P = 400·64·3600 = 92,160,000").hasMessageContaining("use a smaller batch");
    }

    @Test
    void aFrozenTiledLayerPassesItsDeltaOnAndComputesNoWeightGradient() {
        TiledConv2d t = bound(new TiledConv2d(1, 2, 2, 2), ops, 3);
        Tensor x = randn(4, 2, 1, 5, 5);
        Tensor y = t.forward(x, true);
        Tensor dy = randn(5, y.shape());
        float[] dxTrainable = t.backward(dy).toArray();
        t.freeze();
        t.forward(x, true);
        assertThat(t.backward(dy).toArray()).containsExactly(dxTrainable);
        assertThat(t.weight().grad().toArray()).containsOnly(0f);
        assertThat(t.bias().grad().toArray()).containsOnly(0f);
    }
}
