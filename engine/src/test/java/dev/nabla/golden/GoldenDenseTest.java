package dev.nabla.golden;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Layer;
import dev.nabla.nn.PReLU;
import dev.nabla.nn.Softmax;
import dev.nabla.testing.Golden;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Dense (net = x·Wᵀ + b) followed by each activation layer of the lectures ({@link ActivationLayer}, {@link PReLU},
 * {@link Softmax}), forward and backward through the layers, against PyTorch 1.13 (fixture golden/dense.json from
 * golden_core.py): net, y = f(net), and for a given ∂E/∂y the gradients ∂E/∂x, ∂E/∂W, ∂E/∂b (and ∂E/∂α for PReLU). Tolerance: |ours − torch| ≤ 1e-6 + 1e-5·|torch|, elementwise.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public class GoldenDenseTest {
    /** The backend under test; a backend module's subclass overrides this to check itself against PyTorch. */
    protected Backend backend() { return new ReferenceBackend(); }

    private Backend be;

    @BeforeAll
    void open() { be = backend(); }

    static final double RTOL = 1e-5, ATOL = 1e-6;
    static final List<Map<String, Object>> CASES = Golden.cases("dense");
    final Golden.Deviation DEV = new Golden.Deviation("Dense + activations", 1e-3);

    static Stream<Arguments> cases() {
        return IntStream.range(0, CASES.size()).mapToObj(i -> {
            Map<String, Object> c = CASES.get(i);
            int[] xs = Golden.shape(c, "x"), ws = Golden.shape(c, "W");
            return Arguments.of(i, Golden.string(c, "activation") + " batch " + xs[0] + ", " + ws[1] + "→" + ws[0]);
        });
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("cases")
    void denseWithActivationMatchesPyTorch(int index, String label) {
        Map<String, Object> c = CASES.get(index);
        int[] ws = Golden.shape(c, "W");
        int out = ws[0], in = ws[1];
        Dense dense = new Dense(in, out);
        dense.bind(be, new SplittableRandom(0));
        be.upload(Golden.data(c, "W"), 0, dense.weight().value());
        be.upload(Golden.data(c, "b"), 0, dense.bias().value());

        Tensor net = dense.forward(Golden.tensor(be, c, "x"), true);
        DEV.check(label + " net", net.toArray(), Golden.data(c, "net"), RTOL, ATOL);

        String act = Golden.string(c, "activation");
        Layer layer = switch (act) {
            case "prelu" -> new PReLU(out, PReLU.DEFAULT_SLOPE);            // y = net if net > 0 else α_c·net
            case "softmax" -> new Softmax();                                  // y_j = e^{net_j} / Σ_k e^{net_k}
            default -> new ActivationLayer(Activation.valueOf(act.toUpperCase(java.util.Locale.ROOT)));   // y = f(net)
        };
        layer.bind(be, new SplittableRandom(0));
        if (layer instanceof PReLU prelu) prelu.slope().set(Golden.data(c, "alpha"));
        Tensor y = layer.forward(net, true);
        Tensor dnet = layer.backward(Golden.tensor(be, c, "dy"));            // δ = ∂E/∂net
        DEV.check(label + " y", y.toArray(), Golden.data(c, "y"), RTOL, ATOL);

        Tensor dx = dense.backward(dnet);
        DEV.check(label + " dx", dx.toArray(), Golden.data(c, "dx"), RTOL, ATOL);
        DEV.check(label + " dW", dense.weight().grad().toArray(), Golden.data(c, "dW"), RTOL, ATOL);
        DEV.check(label + " db", dense.bias().grad().toArray(), Golden.data(c, "db"), RTOL, ATOL);
        if (layer instanceof PReLU prelu) DEV.check(label + " dalpha", prelu.slope().grad().toArray(), Golden.data(c, "dalpha"), RTOL, ATOL);
    }

    @AfterAll
    void report() {
        System.out.println(DEV + " [backend " + be.name() + "]");
        be.close();
    }
}
