package dev.nabla.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.testing.Json;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Forward and backward of Conv2d, the poolings, TiledConv2d and LocallyConnected2d against PyTorch 1.13 (fixtures from
 * src/test/python/golden_conv.py).
 */
class ConvGoldenTest {
    private static final float TOL = 1e-4f;
    private final Backend ops = new ReferenceBackend();

    private static int[] ints(Object v) {
        float[] f = Json.floats(v);
        int[] a = new int[f.length];
        for (int i = 0; i < f.length; i++) a[i] = (int) f[i];
        return a;
    }

    private static void assertClose(String what, float[] actual, Object expected) {
        float[] e = Json.floats(expected);
        assertThat(actual).as(what + " size").hasSize(e.length);
        for (int i = 0; i < e.length; i++) {
            assertThat(actual[i]).as("%s[%d]", what, i).isCloseTo(e[i], within(TOL * Math.max(1, Math.abs(e[i]))));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"conv_stride2_pad1", "conv_nonsquare", "conv_same_3x5", "conv_floor_7x7_s3", "conv_lenet2"})
    void conv2dMatchesPyTorch(String name) {
        Map<String, Object> f = Json.resource("/golden/" + name + ".json");
        int[] k = ints(f.get("kernel")), s = ints(f.get("stride")), p = ints(f.get("padding"));
        int cin = (int) (double) (Double) f.get("inChannels"), cout = (int) (double) (Double) f.get("outChannels");
        Conv2d conv = new Conv2d(cin, cout, k[0], k[1]).stride(s[0], s[1]);
        if (name.contains("same")) conv.same(); else conv.padding(p[0], p[1]);
        if (name.contains("floor")) conv.floor();
        conv.bind(ops, new SplittableRandom(0));
        ops.upload(Json.floats(f.get("w")), 0, conv.weight().value());
        ops.upload(Json.floats(f.get("b")), 0, conv.bias().value());

        int[] xs = Json.shape(f.get("x"));
        Tensor y = conv.forward(ops.upload(Json.floats(f.get("x")), xs), true);
        assertThat(y.shape()).isEqualTo(Json.shape(f.get("y")));
        assertThat(conv.outputShape(new int[] {xs[1], xs[2], xs[3]})).containsExactly(y.dim(1), y.dim(2), y.dim(3));
        assertClose(name + " y", y.toArray(), f.get("y"));

        Tensor dx = conv.backward(ops.upload(Json.floats(f.get("dy")), y.shape()));
        assertClose(name + " dx", dx.toArray(), f.get("dx"));
        assertClose(name + " dW", conv.weight().grad().toArray(), f.get("dw"));
        assertClose(name + " db", conv.bias().grad().toArray(), f.get("db"));
    }

    /**
     * TiledConv2d and LocallyConnected2d against PyTorch's unfold with per-position weights (the script spreads the banks
     * W [tH, tW, C_out, C_in, kH, kW] over the positions by (y mod tH, x mod tW); tile 1×1 it also checks against conv2d).
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiled_2x2", "tiled_3x2_s2x1_p1x0", "tiled_1x1", "locally_connected_5x5", "locally_connected_s2x1_p1x0"})
    void tiledAndLocallyConnectedMatchPyTorchsUnfold(String name) {
        Map<String, Object> f = Json.resource("/golden/" + name + ".json");
        int[] k = ints(f.get("kernel")), t = ints(f.get("tile")), s = ints(f.get("stride")), p = ints(f.get("padding")), in = ints(f.get("inputSize"));
        int cin = (int) (double) (Double) f.get("inChannels"), cout = (int) (double) (Double) f.get("outChannels");
        Layer layer;
        Param w, b;
        if ((Boolean) f.get("locallyConnected")) {
            LocallyConnected2d lc = new LocallyConnected2d(cin, cout, k[0], k[1], in[0], in[1]).stride(s[0], s[1]).padding(p[0], p[1]);
            lc.bind(ops, new SplittableRandom(0));
            assertThat(lc.outputSize()).containsExactly(t[0], t[1]);                  // the tile is the output size
            layer = lc;
            w = lc.weight();
            b = lc.bias();
        } else {
            TiledConv2d tc = new TiledConv2d(cin, cout, k[0], k[1], t[0], t[1]).stride(s[0], s[1]).padding(p[0], p[1]);
            tc.bind(ops, new SplittableRandom(0));
            layer = tc;
            w = tc.weight();
            b = tc.bias();
        }
        assertThat(w.value().shape()).isEqualTo(Json.shape(f.get("w")));
        ops.upload(Json.floats(f.get("w")), 0, w.value());
        ops.upload(Json.floats(f.get("b")), 0, b.value());
        Tensor y = layer.forward(ops.upload(Json.floats(f.get("x")), Json.shape(f.get("x"))), true);
        assertThat(y.shape()).isEqualTo(Json.shape(f.get("y")));
        assertClose(name + " y", y.toArray(), f.get("y"));
        Tensor dx = layer.backward(ops.upload(Json.floats(f.get("dy")), y.shape()));
        assertClose(name + " dx", dx.toArray(), f.get("dx"));
        assertClose(name + " dW", w.grad().toArray(), f.get("dw"));
        assertClose(name + " db", b.grad().toArray(), f.get("db"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"conv_maxpool_2x2", "conv_maxpool_3x3_s2_p1", "conv_avgpool_2x2", "conv_avgpool_3x2_s2x1_p1x0"})
    void poolingMatchesPyTorch(String name) {
        Map<String, Object> f = Json.resource("/golden/" + name + ".json");
        int[] k = ints(f.get("kernel")), s = ints(f.get("stride")), p = ints(f.get("padding"));
        Pool2d pool = f.get("kind").equals("max") ? new MaxPool2d(k[0], k[1]) : new AvgPool2d(k[0], k[1]);
        pool.stride(s[0], s[1]).padding(p[0], p[1]);
        pool.bind(ops, new SplittableRandom(0));

        Tensor y = pool.forward(ops.upload(Json.floats(f.get("x")), Json.shape(f.get("x"))), true);
        assertThat(y.shape()).isEqualTo(Json.shape(f.get("y")));
        assertClose(name + " y", y.toArray(), f.get("y"));
        Tensor dx = pool.backward(ops.upload(Json.floats(f.get("dy")), y.shape()));
        assertClose(name + " dx", dx.toArray(), f.get("dx"));
    }
}
