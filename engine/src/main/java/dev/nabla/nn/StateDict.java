package dev.nabla.nn;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A model's tensors by name, in order, as host copies: PyTorch's {@code state_dict} of the equivalent module
 * ({@code 0.weight}, {@code 0.bias} in a Sequential; {@code weight_ih_l0}, {@code weight_hh_l0}, {@code bias_ih_l0},
 * {@code bias_hh_l0} in a recurrent layer). {@link Layer#stateDict()} makes one, {@link Layer#loadStateDict} reads one
 * back; {@link dev.nabla.io.ModelFile} writes and reads them as safetensors files.
 */
public final class StateDict {
    /** One tensor: its shape and its values, row-major. */
    public record Entry(int[] shape, float[] values) {
        public Entry {
            if (values.length != dev.nabla.backend.Tensor.sizeOf(shape)) {
                throw new IllegalArgumentException(values.length + " values for shape " + Arrays.toString(shape));
            }
            shape = shape.clone();
        }

        @Override
        public int[] shape() { return shape.clone(); }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    /** Adds a tensor; a name given twice is an error (parameter names inside a model are unique). */
    public StateDict put(String name, int[] shape, float[] values) {
        if (entries.containsKey(name)) throw new IllegalArgumentException("duplicate tensor name '" + name + "' in a state dict");
        entries.put(name, new Entry(shape, values));
        return this;
    }

    /** Adds a parameter's value under {@code name}. */
    public StateDict put(String name, Param p) { return put(name, p.value().shape(), p.value().toArray()); }

    /** Adds every tensor of {@code child}, each name prefixed (e.g. "3." for the fourth layer of a Sequential). */
    public StateDict putAll(String prefix, StateDict child) {
        for (Map.Entry<String, Entry> e : child.entries.entrySet()) put(prefix + e.getKey(), e.getValue().shape, e.getValue().values);
        return this;
    }

    /** The tensors whose names start with {@code prefix}, the prefix removed. */
    public StateDict sub(String prefix) {
        StateDict s = new StateDict();
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            if (e.getKey().startsWith(prefix)) s.entries.put(e.getKey().substring(prefix.length()), e.getValue());
        }
        return s;
    }

    /** The tensors whose names end with {@code suffix}, the suffix removed (e.g. "_reverse" for a bidirectional pair). */
    public StateDict withSuffix(String suffix) {
        StateDict s = new StateDict();
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            if (e.getKey().endsWith(suffix)) s.entries.put(e.getKey().substring(0, e.getKey().length() - suffix.length()), e.getValue());
        }
        return s;
    }

    /** The tensor called {@code name}; missing, it is an error naming it. */
    public Entry get(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new IllegalArgumentException("state dict has no tensor '" + name + "' (it has " + entries.keySet() + ")");
        return e;
    }

    public boolean contains(String name) { return entries.containsKey(name); }

    /** The names, in order. */
    public Set<String> names() { return Collections.unmodifiableSet(entries.keySet()); }

    public int size() { return entries.size(); }

    /** Sets parameter {@code p} from tensor {@code name} (shapes must hold the same number of values). */
    public void set(String name, Param p) {
        Entry e = get(name);
        if (e.values.length != p.size()) {
            throw new IllegalArgumentException("tensor '" + name + "' " + Arrays.toString(e.shape) + " does not fit parameter " + p);
        }
        p.set(e.values);
    }

    /**
     * Sets a single bias parameter from PyTorch's pair b_ih + b_hh (its recurrent layers add two biases where ours hold
     * one). Where b_hh is 0 the value is b_ih itself, so that a file we wrote (b_hh = 0) reads back bit for bit.
     */
    public void setSummed(String ih, String hh, Param p) {
        float[] a = get(ih).values, b = get(hh).values;
        if (a.length != p.size() || b.length != p.size()) {
            throw new IllegalArgumentException("tensors '" + ih + "', '" + hh + "' do not fit the bias " + p);
        }
        float[] s = new float[a.length];
        for (int i = 0; i < s.length; i++) s[i] = b[i] == 0f ? a[i] : a[i] + b[i];     // b = b_ih + b_hh
        p.set(s);
    }

    @Override
    public String toString() { return "StateDict" + entries.keySet(); }
}
