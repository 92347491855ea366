package dev.nabla.samples;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Backends;
import java.util.HashMap;
import java.util.Map;

/** {@code --name value} options of the samples, with defaults and clear errors. */
public final class Options {
    private final Map<String, String> values = new HashMap<>();

    public Options(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) throw new IllegalArgumentException("unexpected argument '" + a + "' (options are --name value)");
            String name = a.substring(2);
            int eq = name.indexOf('=');
            if (eq >= 0) values.put(name.substring(0, eq), name.substring(eq + 1));
            else if (i + 1 < args.length && !args[i + 1].startsWith("--")) values.put(name, args[++i]);
            else values.put(name, "true");
        }
    }

    public String get(String name, String dflt) { return values.getOrDefault(name, dflt); }

    public int getInt(String name, int dflt) {
        String v = values.get(name);
        try {
            return v == null ? dflt : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " needs an integer, got '" + v + "'");
        }
    }

    public float getFloat(String name, float dflt) {
        String v = values.get(name);
        try {
            return v == null ? dflt : Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " needs a number, got '" + v + "'");
        }
    }

    public boolean has(String name) { return values.containsKey(name); }

    /** The backend named by --backend (default auto), announced on stdout; an unknown or unusable name exits with the reason. */
    public Backend backend() {
        Backend b;
        try {
            b = Backends.create(get("backend", "auto"));
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("nabla: " + e.getMessage());   // e.g. unknown backend 'x'; on the class path: [cpu, ref] (or 'auto')
            System.exit(2);
            throw e;
        }
        System.out.println("backend: " + b.name());
        return b;
    }
}
