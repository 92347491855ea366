package dev.nabla.golden;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Clipping;
import dev.nabla.optim.Optimizer;
import dev.nabla.testing.Golden;
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
 * End to end against PyTorch: Dense(4→5) · tanh · Dense(5→3) with softmax cross-entropy (one row ignored), five
 * full-batch steps with real gradients — forward, backward, the lecture's gradient-norm clipping and the optimizer
 * together (fixture golden/training.json). Loss, ‖g‖ and every weight after every step agree within
 * |ours − torch| ≤ 1e-5 + 1e-4·|torch| (errors compound over the steps, so this is 10× looser than the single-op tests).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public class GoldenTrainingTest {
    /** The backend under test; a backend module's subclass overrides this to check itself against PyTorch. */
    protected Backend backend() { return new ReferenceBackend(); }

    private Backend be;

    @BeforeAll
    void open() { be = backend(); }

    static final double RTOL = 1e-4, ATOL = 1e-5;
    static final Map<String, Object> FIXTURE = Golden.load("training");
    final Golden.Deviation DEV = new Golden.Deviation("training (5 steps)", 1e-3);

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> cases() { return (List<Map<String, Object>>) FIXTURE.get("cases"); }

    static Stream<Arguments> names() {
        return IntStream.range(0, cases().size()).mapToObj(i -> {
            Map<String, Object> c = cases().get(i);
            return Arguments.of(i, Golden.string(c, "optimizer") + " " + Golden.object(c, "params") + " clip " + Golden.number(c, "clip"));
        });
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("names")
    void trajectoryMatchesPyTorch(int index, String label) {
        Map<String, Object> c = cases().get(index);
        Sequential model = new Sequential(new Dense(4, 5), ActivationLayer.tanh(), new Dense(5, 3)).bind(be, 0);
        List<Param> params = model.params();
        List<Map<String, Object>> init = Golden.list(FIXTURE, "init");
        for (int k = 0; k < params.size(); k++) be.upload(Golden.data(init.get(k)), 0, params.get(k).value());
        Optimizer opt = GoldenOptimizerTest.optimizer(Golden.string(c, "optimizer"), Golden.object(c, "params"));
        float clip = (float) Golden.number(c, "clip");
        Tensor x = Golden.tensor(be, FIXTURE, "x"), labels = Golden.tensor(be, FIXTURE, "labels");
        SoftmaxCrossEntropy loss = new SoftmaxCrossEntropy();
        @SuppressWarnings("unchecked")
        List<Number> losses = (List<Number>) c.get("losses"), norms = (List<Number>) c.get("grad_norms");
        @SuppressWarnings("unchecked")
        List<List<Map<String, Object>>> after = (List<List<Map<String, Object>>>) c.get("after");
        Tensor dz = be.zeros(x.dim(0), 3);
        for (int step = 0; step < losses.size(); step++) {
            model.zeroGrad();
            float e = loss.compute(model.forward(x, true), labels, dz);
            model.backward(dz);
            float norm = clip > 0 ? Clipping.clipGlobalNorm(params, clip) : Clipping.globalNorm(params);
            opt.step(params);
            String at = label + " step " + (step + 1);
            DEV.check(at + " E", e, losses.get(step).doubleValue(), RTOL, ATOL);
            DEV.check(at + " ‖g‖", norm, norms.get(step).doubleValue(), RTOL, ATOL);
            for (int k = 0; k < params.size(); k++) {
                DEV.check(at + " " + params.get(k).name(), params.get(k).value().toArray(), Golden.data(after.get(step).get(k)), RTOL, ATOL);
            }
        }
    }

    @AfterAll
    void report() {
        System.out.println(DEV + " [backend " + be.name() + "]");
        be.close();
    }
}
