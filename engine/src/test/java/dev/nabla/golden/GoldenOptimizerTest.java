package dev.nabla.golden;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.nn.Param;
import dev.nabla.optim.Adadelta;
import dev.nabla.optim.Adagrad;
import dev.nabla.optim.Adam;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.RmsProp;
import dev.nabla.optim.Sgd;
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
 * Six steps of every optimizer (SGD plain, with weight decay, momentum, Nesterov; Adagrad; RMSProp; Adadelta; Adam),
 * each with default and non-default hyperparameters, against torch.optim 1.13 (fixture golden/optimizers.json from
 * golden_core.py). The gradients are given (the same for both), so the test pins the update rules and the state they
 * carry from step to step. Tolerance on the weights after every step: |ours − torch| ≤ 1e-6 + 1e-5·|torch|.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public class GoldenOptimizerTest {
    /** The backend under test; a backend module's subclass overrides this to check itself against PyTorch. */
    protected Backend backend() { return new ReferenceBackend(); }

    private Backend be;

    @BeforeAll
    void open() { be = backend(); }

    static final double RTOL = 1e-5, ATOL = 1e-6;
    static final List<Map<String, Object>> CASES = Golden.cases("optimizers");
    final Golden.Deviation DEV = new Golden.Deviation("optimizers", 1e-3);

    static Stream<Arguments> cases() {
        return IntStream.range(0, CASES.size()).mapToObj(i -> {
            Map<String, Object> c = CASES.get(i);
            return Arguments.of(i, Golden.string(c, "optimizer") + " " + Golden.object(c, "params"));
        });
    }

    /** The optimizer a fixture names, with PyTorch's defaults for the hyperparameters it leaves out. */
    static Optimizer optimizer(String name, Map<String, Object> hp) {
        float lr = (float) Golden.number(hp, "lr"), wd = (float) Golden.number(hp, "weight_decay", 0);
        return switch (name) {
            case "sgd" -> new Sgd(lr, (float) Golden.number(hp, "momentum", 0), Golden.flag(hp, "nesterov"), wd);
            case "adagrad" -> new Adagrad(lr, (float) Golden.number(hp, "eps", 1e-10), wd);
            case "rmsprop" -> new RmsProp(lr, (float) Golden.number(hp, "alpha", 0.99), (float) Golden.number(hp, "eps", 1e-8), wd);
            case "adadelta" -> new Adadelta(lr, (float) Golden.number(hp, "rho", 0.9), (float) Golden.number(hp, "eps", 1e-6), wd);
            case "adam" -> {
                @SuppressWarnings("unchecked")
                List<Number> betas = hp.containsKey("betas") ? (List<Number>) hp.get("betas") : List.of(0.9, 0.999);
                yield new Adam(lr, betas.get(0).floatValue(), betas.get(1).floatValue(), (float) Golden.number(hp, "eps", 1e-8), wd);
            }
            default -> throw new IllegalArgumentException("unknown optimizer in fixture: " + name);
        };
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("cases")
    void weightsAfterEachStepMatchPyTorch(int index, String label) {
        Map<String, Object> c = CASES.get(index);
        Param w = new Param("W", Golden.tensor(be, c, "W0")), b = new Param("b", Golden.tensor(be, c, "b0"));
        List<Param> params = List.of(w, b);
        Optimizer opt = optimizer(Golden.string(c, "optimizer"), Golden.object(c, "params"));
        List<Map<String, Object>> grads = Golden.list(c, "grads"), after = Golden.list(c, "after");
        for (int step = 0; step < grads.size(); step++) {
            be.upload(Golden.data(grads.get(step), "W"), 0, w.grad());
            be.upload(Golden.data(grads.get(step), "b"), 0, b.grad());
            opt.step(params);
            DEV.check(label + " step " + (step + 1) + " W", w.value().toArray(), Golden.data(after.get(step), "W"), RTOL, ATOL);
            DEV.check(label + " step " + (step + 1) + " b", b.value().toArray(), Golden.data(after.get(step), "b"), RTOL, ATOL);
        }
    }

    @AfterAll
    void report() {
        System.out.println(DEV + " [backend " + be.name() + "]");
        be.close();
    }
}
