package dev.nabla.nn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** A stack of layers: forward runs them in order, backward in reverse, each handing δ to the one below. */
public final class Sequential implements Layer {
    private final List<Layer> layers;
    private Backend ops;
    private boolean carrying;
    private boolean forwarded;

    public Sequential(Layer... layers) {
        this(layers == null ? null : Arrays.asList(layers));
    }

    /**
     * A model of these layers, in order. Each layer instance may appear once: a layer keeps what its last forward pass
     * saw for its backward pass, so an instance used twice (the same {@code ReLU} after two Dense layers) would compute
     * the first use's gradient from the second use's input — refused here, naming the layer and both positions.
     */
    public Sequential(List<Layer> layers) {
        if (layers == null || layers.isEmpty()) throw new IllegalArgumentException("Sequential needs at least one layer");
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) == null) throw new IllegalArgumentException("Sequential: layer " + i + " of " + layers.size() + " is null");
        }
        this.layers = List.copyOf(layers);                        // (no nulls: checked above)
        Map<Layer, String> seen = new IdentityHashMap<>();
        seen.put(this, "the model itself");
        requireDistinct(this, "", seen);
    }

    /** Every layer instance of {@code model} (nested models included) appears once; positions are written "2" or "1.3". */
    private static void requireDistinct(Sequential model, String prefix, Map<Layer, String> seen) {
        for (int i = 0; i < model.layers.size(); i++) {
            Layer l = model.layers.get(i);
            String at = prefix + i;
            String before = seen.putIfAbsent(l, at);
            if (before != null) {
                throw new IllegalArgumentException("Sequential: the same " + l.name() + " instance is at positions " + before + " and " + at
                        + "; a layer keeps its last forward pass for its backward pass, so each position needs its own instance"
                        + " (e.g. ActivationLayer.relu() twice)");
            }
            if (l instanceof Sequential inner) requireDistinct(inner, at + ".", seen);
        }
    }

    /**
     * A multi-layer perceptron: Dense layers of the given widths with a fresh {@code activation} after each hidden
     * one and none after the last (whose output is then logits, or the regression output), e.g.
     * {@code Sequential.mlp(ActivationLayer::relu, 2, 32, 32, 2)}.
     */
    public static Sequential mlp(java.util.function.Supplier<? extends Layer> activation, int... widths) {
        if (widths.length < 2) throw new IllegalArgumentException("an MLP needs at least an input and an output width, got " + Arrays.toString(widths));
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i + 1 < widths.length; i++) {
            layers.add(new Dense(widths[i], widths[i + 1]));
            if (i + 2 < widths.length) layers.add(activation.get());
        }
        return new Sequential(layers);
    }

    /**
     * A stack of layers that are already bound to {@code ops} — parts of another model, shared, not re-initialised: e.g.
     * the autoencoder of layer-wise pretraining, made of a network's first layers (frozen), its next layer and a decoder.
     * Training it trains those layers of the network in place.
     */
    public static Sequential ofBound(Backend ops, List<Layer> boundLayers) {
        if (ops == null) throw new IllegalArgumentException("Sequential.ofBound needs the backend the layers are bound to");
        Sequential s = new Sequential(boundLayers);
        s.ops = ops;
        return s;
    }

    /** Binds every layer to {@code ops}, initialising parameters from {@code seed} (same seed, same weights). */
    public Sequential bind(Backend ops, long seed) {
        bind(ops, new SplittableRandom(seed));
        return this;
    }

    @Override
    public void bind(Backend ops, java.util.random.RandomGenerator rng) {
        if (ops == null) throw new IllegalArgumentException(name() + ".bind: the backend is null");
        if (rng == null) throw new IllegalArgumentException(name() + ".bind: the random generator is null");
        Layers.bindOnce(name(), this.ops, ops);
        this.ops = ops;
        for (Layer l : layers) l.bind(ops, rng);                  // each layer refuses a second bind (Layers.bindOnce)
    }

    public Backend backend() {
        if (ops == null) throw new IllegalStateException(name() + " is not bound to a backend yet: call bind(backend, seed)");
        return ops;
    }

    public List<Layer> layers() { return layers; }

    @Override
    public List<Layer> children() { return layers; }

    /** Passes truncated-BPTT state carrying on to every layer (recurrent layers act on it, the others ignore it). */
    @Override
    public Sequential carryState(boolean on) {
        for (Layer l : layers) l.carryState(on);
        carrying = on;
        return this;
    }

    /** Whether {@link #carryState} was last switched on. */
    public boolean carryingState() { return carrying; }

    @Override
    public void resetState() { for (Layer l : layers) l.resetState(); }

    @Override
    public int[] outputShape(int[] inputShape) {
        int[] s = Layers.shape(name(), inputShape);
        for (Layer l : layers) s = l.outputShape(s);
        return s;
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        Layers.input(this, ops, x);
        if (x.rank() < 1 || x.dim(0) == 0) {
            throw new IllegalArgumentException(name() + ": empty batch, input shape " + x.shapeString() + " (the first axis is the batch)");
        }
        forwarded = true;
        dev.nabla.trace.Trace.Observer o = dev.nabla.trace.Trace.current();   // null unless something watches
        for (int i = 0; i < layers.size(); i++) {
            Tensor in = x;
            x = layers.get(i).forward(x, training);
            if (o != null) o.forward(layers.get(i), i, in, x);
        }
        return x;
    }

    @Override
    public Tensor backward(Tensor dy) {
        Layers.gradient(this, backend(), forwarded, dy);
        dev.nabla.trace.Trace.Observer o = dev.nabla.trace.Trace.current();
        for (int i = layers.size() - 1; i >= 0; i--) {
            Tensor in = dy;
            dy = layers.get(i).backward(dy);
            if (o != null) o.backward(layers.get(i), i, in, dy);
        }
        return dy;
    }

    /**
     * Backward without ∂E/∂input (a training step's case): δ goes down only as far as the lowest layer with a trainable
     * parameter, which accumulates its parameter gradients without computing a δ for the layer below; the layers under
     * it (frozen, or without parameters) run no backward at all. With every parameter frozen nothing runs.
     */
    @Override
    public void backwardParams(Tensor dy) {
        Layers.gradient(this, backend(), forwarded, dy);
        int lowest = lowestTrainable();
        if (lowest < 0) return;                                             // all frozen: no gradient is wanted
        dev.nabla.trace.Trace.Observer o = dev.nabla.trace.Trace.current();
        for (int i = layers.size() - 1; i > lowest; i--) {
            Tensor in = dy;
            dy = layers.get(i).backward(dy);
            if (o != null) o.backward(layers.get(i), i, in, dy);
        }
        layers.get(lowest).backwardParams(dy);
        if (o != null) o.backward(layers.get(lowest), lowest, dy, null);
    }

    /** The index of the first layer with a trainable parameter, or −1. */
    private int lowestTrainable() {
        for (int i = 0; i < layers.size(); i++) if (layers.get(i).trainable()) return i;
        return -1;
    }

    @Override
    public Sequential freeze() {
        Layer.super.freeze();
        return this;
    }

    @Override
    public Sequential unfreeze() {
        Layer.super.unfreeze();
        return this;
    }

    @Override
    public java.util.Map<String, Object> spec() {
        List<Object> specs = new ArrayList<>();
        for (Layer l : layers) specs.add(l.spec());
        return Layers.spec("Sequential", "layers", specs);
    }

    /** nn.Sequential's names: layer i's tensors prefixed "i." (0.weight, 0.bias, 3.weight, …). */
    @Override
    public StateDict stateDict() {
        StateDict sd = new StateDict();
        for (int i = 0; i < layers.size(); i++) sd.putAll(i + ".", layers.get(i).stateDict());
        return sd;
    }

    @Override
    public void loadStateDict(StateDict sd) {
        for (int i = 0; i < layers.size(); i++) layers.get(i).loadStateDict(sd.sub(i + "."));
    }

    @Override
    public List<Param> params() {
        List<Param> all = new ArrayList<>();
        for (Layer l : layers) all.addAll(l.params());
        return all;
    }

    /** Sets every parameter gradient to zero. */
    public void zeroGrad() {
        for (Param p : params()) p.zeroGrad();
    }

    /** Number of learnable scalars. */
    public long parameterCount() {
        long n = 0;
        for (Param p : params()) n += p.size();
        return n;
    }

    /** One line per layer with its output shape and parameter count, for a per-sample input shape. */
    public String summary(int[] inputShape) {
        StringBuilder sb = new StringBuilder();
        int[] s = inputShape;
        for (Layer l : layers) {
            s = l.outputShape(s);
            long n = 0;
            for (Param p : l.params()) n += p.size();
            String frozen = n > 0 && !l.trainable() ? "  (frozen)" : "";
            sb.append(String.format("%-28s → %-16s %,10d params%s%n", l.name(), Arrays.toString(s), n, frozen));
        }
        return sb.append(String.format("total %,d params%n", parameterCount())).toString();
    }

    @Override
    public String name() { return "Sequential" + layers.stream().map(Layer::name).toList(); }
}
