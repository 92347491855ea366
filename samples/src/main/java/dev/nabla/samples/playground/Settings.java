package dev.nabla.samples.playground;

import dev.nabla.optim.Optimizers;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What the student chose on the page, checked: a bad value is a message the page shows, not a run. */
record Settings(String dataset, List<Integer> hidden, String activation, String optimizer, float lr, int batch, long seed) {
    static final List<String> DATASETS = List.of("xor", "circles", "spirals");
    static final List<String> ACTIVATIONS = List.of("tanh", "relu", "sigmoid");

    static Settings parse(Map<String, String> q) {
        String dataset = choice(q, "dataset", "xor", DATASETS);
        List<Integer> hidden = new ArrayList<>();
        String h = q.getOrDefault("hidden", "8,8").trim();
        if (!h.isEmpty()) {
            for (String part : h.split("[,\\s]+")) {
                int n;
                try {
                    n = Integer.parseInt(part);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("hidden layers: '" + part + "' is not a number of units (e.g. 8,8)");
                }
                if (n < 1 || n > 64) throw new IllegalArgumentException("hidden layers: " + n + " units; choose 1 to 64 per layer");
                hidden.add(n);
            }
        }
        if (hidden.size() > 4) throw new IllegalArgumentException("hidden layers: " + hidden.size() + " layers; at most 4 here");
        String activation = choice(q, "activation", "tanh", ACTIVATIONS);
        String optimizer = choice(q, "optimizer", "adam", Optimizers.NAMES);
        float lr;
        try {
            lr = Float.parseFloat(q.getOrDefault("lr", "0.03"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("learning rate η: '" + q.get("lr") + "' is not a number");
        }
        if (!(lr > 0 && lr <= 10)) throw new IllegalArgumentException("learning rate η must be in (0, 10], got " + q.get("lr"));
        int batch = integer(q, "batch", 20, 1, 1000);
        long seed = integer(q, "seed", 1, 0, Integer.MAX_VALUE);
        return new Settings(dataset, hidden, activation, optimizer, lr, batch, seed);
    }

    private static String choice(Map<String, String> q, String key, String dflt, List<String> allowed) {
        String v = q.getOrDefault(key, dflt).trim().toLowerCase(java.util.Locale.ROOT);
        if (!allowed.contains(v)) throw new IllegalArgumentException(key + ": '" + v + "' is not one of " + allowed);
        return v;
    }

    static int integer(Map<String, String> q, String key, int dflt, int min, int max) {
        String v = q.get(key);
        if (v == null) return dflt;
        try {
            int n = Integer.parseInt(v.trim());
            if (n < min || n > max) throw new IllegalArgumentException(key + " must be in [" + min + ", " + max + "], got " + n);
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": '" + v + "' is not a whole number");
        }
    }
}
