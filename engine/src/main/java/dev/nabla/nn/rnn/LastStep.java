package dev.nabla.nn.rnn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.Layer;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Many-to-one (seed 003's "single output for the entire input sequence"; seed 000's sentiment analysis): keeps the
 * last step of a time-major sequence, y = h_T: [T, B, H] → [B, H], so that a dense layer on top classifies the whole
 * sequence. Backward: ∂L/∂h_T = ∂L/∂y and ∂L/∂h_t = 0 for t < T (BPTT then carries it back through the recurrence).
 *
 * <p>The last step is the last <em>row</em> of the batch: pad shorter sequences at the front (pre-padding, as
 * {@link dev.nabla.data.Sequences#classification} does), so that every sequence ends at step T.
 */
public final class LastStep implements Layer {
    private Backend ops;
    private Tensor dx;
    private int steps, batch, features;

    @Override
    public void bind(Backend ops, RandomGenerator rng) { this.ops = ops; }

    @Override
    public int[] outputShape(int[] inputShape) {
        if (inputShape.length < 2) throw new IllegalArgumentException(name() + " needs a sequence sample [T, features…], got " + Arrays.toString(inputShape));
        return Arrays.copyOfRange(inputShape, 1, inputShape.length);
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        if (ops == null) throw new IllegalStateException(name() + " is not bound to a backend");
        if (x.rank() < 3 || x.dim(0) == 0) throw new IllegalArgumentException(name() + ": input " + x.shapeString() + " is not [T, B, features…] (time-major)");
        steps = x.dim(0);
        batch = x.dim(1);
        features = x.size() / (steps * batch);
        int[] rest = Arrays.copyOfRange(x.shape(), 1, x.rank());
        return x.view((steps - 1) * batch * features, rest);             // y = h_T  (a view: no copy)
    }

    @Override
    public Tensor backward(Tensor dy) {
        if (steps == 0) throw new IllegalStateException(name() + ": backward before forward");
        if (dy.size() != batch * features) {
            throw new IllegalArgumentException(name() + ": gradient " + dy.shapeString() + " is not [" + batch + ", " + features + "]");
        }
        dx = Tensor.reuse(dx, ops, steps, batch, features);
        ops.fill(dx, 0f);                                                 // ∂L/∂h_t = 0 for t < T
        ops.copy(dy, dx.view((steps - 1) * batch * features, batch, features)); // ∂L/∂h_T = ∂L/∂y
        return dx;
    }

    @Override
    public String name() { return "LastStep"; }

    @Override
    public java.util.Map<String, Object> spec() { return dev.nabla.nn.Layers.spec("LastStep"); }
}
