package dev.nabla.trace;

import dev.nabla.backend.Tensor;
import dev.nabla.nn.Layer;

/**
 * Observers on the layers of a {@link dev.nabla.nn.Sequential}: what an explanation, a plot or a debugger needs to see
 * of a pass — every layer's input and output going forward, and the δ it receives and the δ it hands down going back
 * — without touching the layers. Per thread (a trace of one model does not see another thread's replicas), off by
 * default, and cheap when off: a model reads one thread-local per pass.
 * <pre>
 *   try (Trace.Scope s = Trace.observe(myObserver)) {
 *       model.forward(x, true);           // myObserver.forward(layer, i, x, y) for every layer i
 *   }
 * </pre>
 */
public final class Trace {
    private Trace() {}

    /** What an observer is shown. Tensors are the layers' own: read them (download), do not keep or change them. */
    public interface Observer {
        /** Layer {@code index} of the model computed y from x. */
        default void forward(Layer layer, int index, Tensor x, Tensor y) {}

        /** Layer {@code index} received δ = ∂E/∂y and handed down ∂E/∂x ({@code dx} is null for the first layer, which skips it). */
        default void backward(Layer layer, int index, Tensor dy, Tensor dx) {}
    }

    private static final ThreadLocal<Observer> CURRENT = new ThreadLocal<>();

    /** The observer in force on this thread, or null (the common case: tracing off). */
    public static Observer current() { return CURRENT.get(); }

    /** Installs {@code o} on this thread until the returned scope is closed (scopes nest: closing restores the one before). */
    public static Scope observe(Observer o) {
        Observer before = CURRENT.get();
        CURRENT.set(o);
        return () -> {
            if (before == null) CURRENT.remove();
            else CURRENT.set(before);
        };
    }

    /** An observer's lifetime. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
