package dev.nabla.nn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;

/**
 * The checks every layer makes at its public entry points, written once so that a misuse fails the same way, with the
 * layer's name, in every layer (and in a user's own): bound exactly once, inputs given, on the layer's backend and open.
 */
public final class Layers {
    private Layers() {}

    /**
     * For {@code bind}: {@code current} (the backend the layer holds, null if never bound) must be null — a layer
     * instance belongs to one model. Binding it again, e.g. into a second model, would silently replace the first
     * model's weights (or, for a layer without weights, share the cache of its last forward pass between models).
     */
    public static void bindOnce(String layer, Backend current, Backend ops) {
        if (ops == null) throw new IllegalArgumentException(layer + ".bind: the backend is null");
        if (current != null) {
            throw new IllegalStateException(layer + " is already bound to the '" + current.name() + "' backend: a layer instance belongs"
                    + " to one model (binding it again would replace its weights under the first model); make a new instance");
        }
    }

    /** For {@code outputShape}: a per-sample shape is given and has no negative extent; returns a copy. */
    public static int[] shape(String layer, int[] inputShape) {
        if (inputShape == null) throw new IllegalArgumentException(layer + ".outputShape: the input shape is null");
        for (int d : inputShape) {
            if (d < 0) throw new IllegalArgumentException(layer + ".outputShape: input shape " + java.util.Arrays.toString(inputShape) + " has a negative extent");
        }
        return inputShape.clone();
    }

    /** For {@code forward}: the layer is bound, and {@code x} is given, on its backend and not closed. */
    public static Tensor input(String layer, Backend ops, Tensor x) {
        if (ops == null) throw new IllegalStateException(layer + " is not bound to a backend yet: bind the model (or the layer) first");
        return onBackend(layer + ".forward", "input", ops, x);
    }

    /** For {@code backward}: a forward pass came first ({@code forwardDone}), and {@code dy} is given, on the layer's backend. */
    public static Tensor gradient(String layer, Backend ops, boolean forwardDone, Tensor dy) {
        if (!forwardDone) throw new IllegalStateException(layer + ": backward before forward");
        return onBackend(layer + ".backward", "gradient", ops, dy);
    }

    private static Tensor onBackend(String call, String what, Backend ops, Tensor t) {
        if (t == null) throw new IllegalArgumentException(call + ": the " + what + " tensor is null");
        if (t.backend() != ops) {
            throw new IllegalArgumentException(call + ": the " + what + " " + t + " belongs to " + t.backend() + ", the layer to " + ops);
        }
        if (t.isClosed()) throw new IllegalStateException(call + ": the " + what + " " + t + " was closed");
        return t;
    }
}
