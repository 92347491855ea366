package dev.nabla.nn;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.rnn.Bidirectional;
import dev.nabla.nn.rnn.Embedding;
import dev.nabla.nn.rnn.EncoderDecoder;
import dev.nabla.nn.rnn.Gru;
import dev.nabla.nn.rnn.InitialState;
import dev.nabla.nn.rnn.LastStep;
import dev.nabla.nn.rnn.Lstm;
import dev.nabla.nn.rnn.OneHot;
import dev.nabla.nn.rnn.Recurrent;
import dev.nabla.nn.rnn.Rnn;
import dev.nabla.nn.rnn.VanillaRnn;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every layer shares, written once. The checks at its public entry points, so that a misuse fails the same way,
 * with the layer's name, in every layer (and in a user's own): bound exactly once, inputs given, on the layer's
 * backend and open. And layers from their {@link Layer#spec() specs}: the inverse of {@code spec()}, so that a model file that records its
 * architecture builds its model again ({@link dev.nabla.io.ModelFile#read}). Every layer of the engine is covered; a
 * layer type of your own is refused by name (build the model yourself and use {@code ModelFile.load}).
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

    /**
     * For {@code forward}: the layer is bound, and {@code x} is given, on its backend and not closed. Takes the layer,
     * not its name: a name such as Dense's is built by concatenation, and these checks run on every pass, so the name
     * is built only for the message of a failure.
     */
    public static Tensor input(Layer layer, Backend ops, Tensor x) {
        if (ops == null) throw new IllegalStateException(layer.name() + " is not bound to a backend yet: bind the model (or the layer) first");
        return onBackend(layer, ".forward", "input", ops, x);
    }

    /** For {@code backward}: a forward pass came first ({@code forwardDone}), and {@code dy} is given, on the layer's backend. */
    public static Tensor gradient(Layer layer, Backend ops, boolean forwardDone, Tensor dy) {
        if (!forwardDone) throw new IllegalStateException(layer.name() + ": backward before forward");
        return onBackend(layer, ".backward", "gradient", ops, dy);
    }

    private static Tensor onBackend(Layer layer, String pass, String what, Backend ops, Tensor t) {
        if (t == null) throw new IllegalArgumentException(layer.name() + pass + ": the " + what + " tensor is null");
        if (t.backend() != ops) {
            throw new IllegalArgumentException(layer.name() + pass + ": the " + what + " " + t + " belongs to " + t.backend() + ", the layer to " + ops);
        }
        if (t.isClosed()) throw new IllegalStateException(layer.name() + pass + ": the " + what + " " + t + " was closed");
        return t;
    }

    /** An ordered spec map: {@code spec("Dense", "in", 400, "out", 120)}. */
    public static Map<String, Object> spec(String type, Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type);
        for (int i = 0; i + 1 < keyValues.length; i += 2) m.put((String) keyValues[i], keyValues[i + 1]);
        return m;
    }

    /** The unbound layer a spec describes; an unknown type or a missing field is an error naming it. */
    public static Layer fromSpec(Map<String, Object> s) {
        String type = str(s, "type");
        return switch (type) {
            case "Sequential" -> {
                List<Layer> ls = new ArrayList<>();
                for (Object o : list(s, "layers")) ls.add(fromSpec(map(o, type)));
                yield new Sequential(ls);
            }
            case "Dense" -> new Dense(num(s, "in"), num(s, "out"));
            case "Activation" -> new ActivationLayer(Activation.valueOf(str(s, "function")));
            case "PReLU" -> new PReLU(num(s, "channels"), PReLU.DEFAULT_SLOPE);
            case "Softmax" -> new Softmax();
            case "Conv2d" -> {
                List<Object> k = list(s, "kernel"), st = list(s, "stride"), p = list(s, "padding");
                Conv2d c = new Conv2d(num(s, "in"), num(s, "out"), n(k.get(0)), n(k.get(1)));
                if (bool(s, "same")) c.same();
                else c.stride(n(st.get(0)), n(st.get(1))).padding(n(p.get(0)), n(p.get(1)));
                if (bool(s, "floor")) c.floor();
                if (!bool(s, "bias")) c.withoutBias();
                yield c;
            }
            case "TiledConv2d" -> {
                List<Object> k = list(s, "kernel"), t = list(s, "tile"), st = list(s, "stride"), p = list(s, "padding");
                TiledConv2d c = new TiledConv2d(num(s, "in"), num(s, "out"), n(k.get(0)), n(k.get(1)), n(t.get(0)), n(t.get(1)))
                        .stride(n(st.get(0)), n(st.get(1))).padding(n(p.get(0)), n(p.get(1)));
                if (bool(s, "floor")) c.floor();
                if (!bool(s, "bias")) c.withoutBias();
                yield c;
            }
            case "LocallyConnected2d" -> {
                List<Object> k = list(s, "kernel"), in = list(s, "input"), st = list(s, "stride"), p = list(s, "padding");
                LocallyConnected2d c = new LocallyConnected2d(num(s, "in"), num(s, "out"), n(k.get(0)), n(k.get(1)), n(in.get(0)), n(in.get(1)))
                        .stride(n(st.get(0)), n(st.get(1))).padding(n(p.get(0)), n(p.get(1)));
                if (!bool(s, "bias")) c.withoutBias();
                yield c;
            }
            case "MaxPool2d", "AvgPool2d" -> {
                List<Object> k = list(s, "kernel"), st = list(s, "stride"), p = list(s, "padding");
                Pool2d pool = type.equals("MaxPool2d") ? new MaxPool2d(n(k.get(0)), n(k.get(1))) : new AvgPool2d(n(k.get(0)), n(k.get(1)));
                pool.stride(n(st.get(0)), n(st.get(1))).padding(n(p.get(0)), n(p.get(1)));
                if (bool(s, "floor")) pool.floor();
                yield pool;
            }
            case "Flatten" -> new Flatten();
            case "Dropout" -> new Dropout(((Number) get(s, "p")).floatValue());
            case "TimeDistributed" -> new TimeDistributed(fromSpec(map(get(s, "layer"), type)));
            case "Embedding" -> new Embedding(num(s, "vocabulary"), num(s, "dimension"));
            case "OneHot" -> new OneHot(num(s, "classes"));
            case "LastStep" -> new LastStep();
            case "RNN" -> withState(new Rnn(num(s, "in"), num(s, "hidden")), s);
            case "GRU" -> withState(new Gru(num(s, "in"), num(s, "hidden")), s);
            case "LSTM" -> withState(new Lstm(num(s, "in"), num(s, "hidden"), bool(s, "peepholes"),
                    ((Number) get(s, "forgetBias")).floatValue()), s);
            case "Bidirectional" -> new Bidirectional((Recurrent) fromSpec(map(get(s, "forward"), type)),
                    (Recurrent) fromSpec(map(get(s, "backward"), type)));
            case "VanillaRnn" -> {
                VanillaRnn v = new VanillaRnn(num(s, "in"), num(s, "hidden"), num(s, "out"),
                        VanillaRnn.Recurrence.valueOf(str(s, "recurrence")), VanillaRnn.Output.valueOf(str(s, "output")));
                v.initialState(InitialState.valueOf(str(s, "initialState")));
                v.feedback(VanillaRnn.Feedback.valueOf(str(s, "feedback")));
                yield v;
            }
            case "EncoderDecoder" -> {
                List<Object> shape = list(s, "imageShape");
                int[] is = new int[shape.size()];
                for (int i = 0; i < is.length; i++) is[i] = n(shape.get(i));
                yield new EncoderDecoder(is, fromSpec(map(get(s, "encoder"), type)), (Embedding) fromSpec(map(get(s, "embedding"), type)),
                        (Lstm) fromSpec(map(get(s, "decoder"), type)));
            }
            default -> throw new IllegalArgumentException("cannot build a layer of type '" + type + "' from a spec (not one of the engine's "
                    + "layers): build the model yourself and load the file into it");
        };
    }

    private static Layer withState(Recurrent r, Map<String, Object> s) {
        InitialState mode = InitialState.valueOf(str(s, "initialState"));
        if (mode != InitialState.ZERO) r.initialState(mode);
        return r;
    }

    private static Object get(Map<String, Object> s, String key) {
        Object v = s.get(key);
        if (v == null) throw new IllegalArgumentException("layer spec " + s.get("type") + " lacks '" + key + "': " + s);
        return v;
    }

    private static String str(Map<String, Object> s, String key) {
        if (!(get(s, key) instanceof String v)) throw new IllegalArgumentException("layer spec " + s.get("type") + ": '" + key + "' is not a string");
        return v;
    }

    private static int num(Map<String, Object> s, String key) { return n(get(s, key)); }

    private static int n(Object o) {
        if (!(o instanceof Number v) || v.doubleValue() != Math.rint(v.doubleValue())) throw new IllegalArgumentException("not an integer in a layer spec: " + o);
        return v.intValue();
    }

    private static boolean bool(Map<String, Object> s, String key) {
        if (!(get(s, key) instanceof Boolean v)) throw new IllegalArgumentException("layer spec " + s.get("type") + ": '" + key + "' is not true/false");
        return v;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Map<String, Object> s, String key) {
        if (!(get(s, key) instanceof List<?> v)) throw new IllegalArgumentException("layer spec " + s.get("type") + ": '" + key + "' is not a list");
        return (List<Object>) v;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, String in) {
        if (!(o instanceof Map<?, ?> m)) throw new IllegalArgumentException("layer spec " + in + ": a part is not an object: " + o);
        return (Map<String, Object>) m;
    }
}
