package dev.nabla.golden;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.loss.BinaryCrossEntropy;
import dev.nabla.loss.BinaryCrossEntropyWithLogits;
import dev.nabla.loss.L1Loss;
import dev.nabla.loss.Loss;
import dev.nabla.loss.MeanSquaredError;
import dev.nabla.loss.MultiClassHinge;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.loss.SquaredError;
import dev.nabla.testing.Golden;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every loss, its value E and its gradient ∂E/∂y, against PyTorch 1.13 (fixture golden/losses.json from
 * golden_core.py), including ignored rows (label −1), a margin of exactly 0, logits of ±300 and probabilities of
 * exactly 0 and 1. Tolerance: |ours − torch| ≤ 1e-6 + 1e-5·|torch|, for the value and elementwise for the gradient.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public class GoldenLossTest {
    /** The backend under test; a backend module's subclass overrides this to check itself against PyTorch. */
    protected Backend backend() { return new ReferenceBackend(); }

    private Backend be;

    @BeforeAll
    void open() { be = backend(); }

    static final double RTOL = 1e-5, ATOL = 1e-6;
    static final List<Map<String, Object>> CASES = Golden.cases("losses");
    final Golden.Deviation DEV = new Golden.Deviation("losses", 1e-3);

    static Stream<Arguments> cases() {
        return IntStream.range(0, CASES.size()).mapToObj(i -> {
            Map<String, Object> c = CASES.get(i);
            return Arguments.of(i, Golden.string(c, "loss") + " " + Golden.object(c, "params") + " " + Arrays.toString(Golden.shape(c, "y")));
        });
    }

    static Loss loss(String name, Map<String, Object> params) {
        return switch (name) {
            case "squared_error" -> new SquaredError();
            case "mse" -> new MeanSquaredError();
            case "l1" -> new L1Loss();
            case "binary_cross_entropy" -> new BinaryCrossEntropy();
            case "binary_cross_entropy_with_logits" -> new BinaryCrossEntropyWithLogits();
            case "softmax_cross_entropy" -> new SoftmaxCrossEntropy();
            case "hinge" -> new MultiClassHinge((float) Golden.number(params, "margin"));
            default -> throw new IllegalArgumentException("unknown loss in fixture: " + name);
        };
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("cases")
    void lossAndGradientMatchPyTorch(int index, String label) {
        Map<String, Object> c = CASES.get(index);
        Loss loss = loss(Golden.string(c, "loss"), Golden.object(c, "params"));
        Tensor y = Golden.tensor(be, c, "y"), dy = be.zeros(y.shape());
        float e = loss.compute(y, Golden.tensor(be, c, "target"), dy);
        DEV.check(label + " E", e, Golden.number(c, "value"), RTOL, ATOL);
        DEV.check(label + " ∂E/∂y", dy.toArray(), Golden.data(c, "dy"), RTOL, ATOL);
        // without a gradient buffer the value is the same
        Golden.assertClose(label + " E (no gradient)", loss.compute(y, Golden.tensor(be, c, "target"), null), e, 0, 0);
    }

    @AfterAll
    void report() {
        System.out.println(DEV + " [backend " + be.name() + "]");
        be.close();
    }
}
