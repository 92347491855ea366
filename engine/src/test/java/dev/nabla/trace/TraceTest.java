package dev.nabla.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Sequential;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Observers see every layer's pass, on their own thread only, for as long as their scope is open. */
class TraceTest {
    @Test
    void anObserverSeesEveryLayerForwardAndBackwardInOrderAndNothingOnceClosed() throws Exception {
        ReferenceBackend ops = new ReferenceBackend();
        Sequential net = Sequential.mlp(ActivationLayer::tanh, 3, 4, 2).bind(ops, 1);
        Tensor x = ops.upload(new float[] {1, 2, 3}, 1, 3);
        List<String> seen = new ArrayList<>();
        Trace.Observer o = new Trace.Observer() {
            @Override
            public void forward(Layer layer, int i, Tensor in, Tensor y) { seen.add("f" + i + " " + in.shapeString() + "→" + y.shapeString()); }

            @Override
            public void backward(Layer layer, int i, Tensor dy, Tensor dx) { seen.add("b" + i + (dx == null ? " -" : " " + dx.shapeString())); }
        };
        Tensor y;
        try (Trace.Scope s = Trace.observe(o)) {
            y = net.forward(x, true);
            List<Trace.Observer> there = new ArrayList<>();
            Thread other = new Thread(() -> there.add(Trace.current()));    // another thread sees no observer
            other.start();
            other.join();
            assertThat(there).containsExactly((Trace.Observer) null);
            net.backwardParams(ops.upload(new float[] {1, -1}, 1, 2));
        }
        assertThat(seen).containsExactly("f0 [1, 3]→[1, 4]", "f1 [1, 4]→[1, 4]", "f2 [1, 4]→[1, 2]", "b2 [1, 4]", "b1 [1, 4]", "b0 -");
        net.forward(x, false);
        assertThat(seen).as("closed: nothing more").hasSize(6);
        assertThat(Trace.current()).isNull();
        assertThat(y.shape()).containsExactly(1, 2);
    }
}
