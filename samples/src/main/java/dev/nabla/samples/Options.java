package dev.nabla.samples;

import dev.nabla.backend.Backend;
import dev.nabla.backend.BackendProvider;
import dev.nabla.backend.Backends;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The options of one sample, declared with their defaults and their checks, and parsed from {@code --name value} (or
 * {@code --name=value}) arguments. Every option is validated before the sample runs anything: an unknown option, a
 * stray argument, a missing or malformed value, a value out of range or a file that is not there is a {@link Usage}
 * error whose message is one line naming the option, the value and what it must be.
 */
public final class Options {

    /** Bad usage: one line for the user (the launcher prints it and exits with status 2). */
    public static final class Usage extends IllegalArgumentException {
        public Usage(String message) { super(message); }
    }

    /** One option: its name, the placeholder of its value (null for a flag), its default as shown, a help line, its parser. */
    public record Option(String name, String value, String shownDefault, Object dflt, String help, Function<String, Object> parse) {}

    /** A sample's command: its name, a one-line summary and its options (the common ones included). */
    public static final class Spec {
        private final String command, summary;
        private final Map<String, Option> options = new LinkedHashMap<>();
        private final List<Consumer<Options>> checks = new ArrayList<>();

        public Spec(String command, String summary) {
            this.command = command;
            this.summary = summary;
        }

        public String command() { return command; }

        public String summary() { return summary; }

        public List<Option> options() { return List.copyOf(options.values()); }

        private Spec add(String name, String value, String shown, Object dflt, String help, Function<String, Object> parse) {
            if (options.put(name, new Option(name, value, shown, dflt, help, parse)) != null) throw new IllegalStateException("--" + name + " twice");
            return this;
        }

        /** An integer in [min, max]. */
        public Spec integer(String name, int dflt, int min, int max, String help) {
            return add(name, "N", String.valueOf(dflt), dflt, help, v -> parseInt(name, v, min, max));
        }

        /** An integer in [min, max] whose default the sample works out (shown as {@code shown}). */
        public Spec integer(String name, String shown, int min, int max, String help) {
            return add(name, "N", shown, null, help, v -> parseInt(name, v, min, max));
        }

        /** A finite number in [min, max] (or (min, max] if {@code aboveMin}). */
        public Spec number(String name, float dflt, float min, boolean aboveMin, float max, String help) {
            return add(name, "X", fmt(dflt), dflt, help, v -> parseFloat(name, v, min, aboveMin, max));
        }

        /** A finite number whose default the sample works out. */
        public Spec number(String name, String shown, float min, boolean aboveMin, float max, String help) {
            return add(name, "X", shown, null, help, v -> parseFloat(name, v, min, aboveMin, max));
        }

        /** One of {@code choices}. */
        public Spec choice(String name, String dflt, String help, String... choices) {
            List<String> c = List.of(choices);
            return add(name, String.join("|", choices), dflt, dflt, help, v -> {
                if (!c.contains(v)) throw new Usage("--" + name + " must be one of " + String.join(", ", c) + "; got '" + v + "'");
                return v;
            });
        }

        /** A file or directory that must exist when the option is given. */
        public Spec path(String name, String shown, boolean directory, String help) {
            return add(name, directory ? "DIR" : "FILE", shown, null, help, v -> {
                Path p = Path.of(v);
                if (directory ? !Files.isDirectory(p) : !Files.isRegularFile(p) || !Files.isReadable(p)) {
                    throw new Usage("--" + name + " " + v + ": no such " + (directory ? "directory" : "readable file"));
                }
                return p;
            });
        }

        /** A file to be written (its folder must exist; the file itself may not yet). */
        public Spec output(String name, String help) {
            return add(name, "FILE", null, null, help, v -> {
                Path p = Path.of(v).toAbsolutePath();
                if (p.getParent() != null && !Files.isDirectory(p.getParent())) throw new Usage("--" + name + " " + v + ": no such directory " + p.getParent());
                if (Files.isDirectory(p)) throw new Usage("--" + name + " " + v + " is a directory, not a file");
                return Path.of(v);
            });
        }

        /**
         * {@code --load FILE} and {@code --save FILE}: load a saved model into the sample's model before it trains (then
         * train on, or with {@code --<zero> 0} only evaluate), and save it afterwards in the safetensors format PyTorch
         * reads. {@code zero} names the option whose 0 means "train nothing" ("epochs" or "steps"): allowed with --load only.
         */
        public Spec models(String zero) {
            path("load", null, false, "a model file (safetensors) saved by this sample: load it, then train on (--" + zero + " 0: only evaluate)");
            output("save", "save the trained model to this file (safetensors, PyTorch's names; an older file is replaced atomically)");
            return check(o -> {
                if (o.getInt(zero, 1) == 0 && !o.has("load")) {
                    throw new Usage("--" + zero + " 0 trains nothing: give --load FILE to only evaluate a saved model");
                }
            });
        }

        /** {@code --plot DIR}: the sample writes its figures there (SVG, PNG for pictures), creating the directory. */
        public Spec figures() {
            return add("plot", "DIR", null, null, "write the figures (SVG; PNG for pictures) to this directory, created if missing", v -> {
                Path p = Path.of(v).toAbsolutePath();
                if (Files.exists(p) && !Files.isDirectory(p)) throw new Usage("--plot " + v + " is a file, not a directory");
                Path parent = p.getParent();
                while (parent != null && !Files.exists(parent)) parent = parent.getParent();
                if (parent != null && !Files.isWritable(parent)) throw new Usage("--plot " + v + ": cannot create it in " + parent + " (not writable)");
                return Path.of(v);
            });
        }

        /** A comma-separated list of integers, each in [min, max] (e.g. layer widths "500,500,500"). */
        public Spec integers(String name, String dflt, int min, int max, String help) {
            return add(name, "N,N,…", dflt, parseInts(name, dflt, min, max), help, v -> parseInts(name, v, min, max));
        }

        /** A flag without a value. */
        public Spec flag(String name, String help) {
            return add(name, null, "off", false, help, v -> true);
        }

        /** A check of several options together, run after each is parsed (e.g. an option that needs another). */
        public Spec check(Consumer<Options> c) {
            checks.add(c);
            return this;
        }

        /** The options every sample takes: --backend, --seed, --quiet, --debug, --help. */
        public Spec common() {
            add("backend", "NAME", "auto", "auto", "ref, cpu, opencl, cuda, or auto (the fastest usable one; -Dnabla.backend / NABLA_BACKEND fix what auto means)",
                    v -> {
                        List<String> names = new ArrayList<>(Backends.providers().stream().map(BackendProvider::name).toList());
                        names.add("auto");
                        if (!names.contains(v)) throw new Usage("--backend must be one of " + String.join(", ", names) + "; got '" + v + "'");
                        return v;
                    });
            add("seed", "N", "1", 1L, "seed of the initial weights, the shuffles and the data", v -> {
                try {
                    return Long.parseLong(v);
                } catch (NumberFormatException e) {
                    throw new Usage("--seed needs an integer, got '" + v + "'");
                }
            });
            flag("quiet", "no progress lines within an epoch (also NABLA_QUIET=1)");
            flag("debug", "print the stack trace of an error");
            return flag("help", "print these options and exit");
        }

        /** Parses {@code args} (everything after the command), checking every option; throws {@link Usage} on the first problem. */
        public Options parse(String[] args) {
            Map<String, Object> values = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (!a.startsWith("--") || a.length() == 2) {
                    throw new Usage("unexpected argument '" + a + "' (options are --name value; " + validList() + ")");
                }
                String name = a.substring(2), value = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                Option o = options.get(name);
                if (o == null) throw new Usage("unknown option --" + name + suggestion(name) + "; " + validList());
                if (values.containsKey(name)) throw new Usage("--" + name + " is given twice");
                if (o.value() == null) {
                    if (value != null) throw new Usage("--" + name + " is a flag and takes no value, got '" + value + "'");
                    values.put(name, true);
                    continue;
                }
                if (value == null) {
                    if (i + 1 >= args.length || args[i + 1].startsWith("--")) throw new Usage("--" + name + " needs a value (" + o.value() + ")");
                    value = args[++i];
                }
                values.put(name, o.parse().apply(value));
            }
            Options parsed = new Options(this, values);
            if (!parsed.flag("help")) for (Consumer<Options> c : checks) c.accept(parsed);
            return parsed;
        }

        private String validList() {
            return "valid options for " + command + ": " + String.join(", ", options.keySet().stream().map(n -> "--" + n).toList());
        }

        /** " (did you mean --epochs?)" for a name one or two edits away from an option, or a prefix of one. */
        private String suggestion(String name) {
            String best = null;
            int bestD = 3;
            for (String o : options.keySet()) {
                int d = o.startsWith(name) || name.startsWith(o) ? 1 : distance(name, o);
                if (d < bestD) { bestD = d; best = o; }
            }
            return best == null ? "" : " (did you mean --" + best + "?)";
        }

        /** The help text: the command, its summary, then every option with its value, default and help. */
        public String help() {
            StringBuilder sb = new StringBuilder("nabla ").append(command).append(" [options]: ").append(summary).append('\n');
            for (Option o : options.values()) {
                String left = "--" + o.name() + (o.value() == null ? "" : " " + o.value());
                sb.append(String.format(Locale.ROOT, "  %-28s %s%s%n", left, o.help(),
                        o.value() == null ? "" : " (default: " + (o.shownDefault() == null ? "none" : o.shownDefault()) + ")"));
            }
            return sb.toString();
        }
    }

    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++)
            for (int j = 1; j <= b.length(); j++)
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
        return d[a.length()][b.length()];
    }

    private static String fmt(float v) {
        return v == (long) v && Math.abs(v) < 1e7 ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static int parseInt(String name, String v, int min, int max) {
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new Usage("--" + name + " needs an integer, got '" + v + "'");
        }
        if (n < min || n > max) throw new Usage("--" + name + " must be " + range(min, max) + ", got " + v);
        return (int) n;
    }

    private static int[] parseInts(String name, String v, int min, int max) {
        String[] parts = v.split(",", -1);
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = parseInt(name, parts[i].trim(), min, max);
            } catch (Usage e) {
                throw new Usage("--" + name + " needs comma-separated integers " + range(min, max) + " like 500,500,500; got '" + v + "'");
            }
        }
        return out;
    }

    private static String range(long min, long max) {
        return max == Integer.MAX_VALUE ? "≥ " + min : "in [" + min + ", " + max + "]";
    }

    private static float parseFloat(String name, String v, float min, boolean aboveMin, float max) {
        float x;
        try {
            x = Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw new Usage("--" + name + " needs a number, got '" + v + "'");
        }
        boolean low = aboveMin ? !(x > min) : !(x >= min);
        if (!Float.isFinite(x) || low || !(x <= max)) {
            String want = (aboveMin ? "> " : "≥ ") + fmt(min) + (max == Float.MAX_VALUE ? "" : " and ≤ " + fmt(max));
            throw new Usage("--" + name + " must be a finite number " + want + ", got " + v);
        }
        return x;
    }

    private final Spec spec;
    private final Map<String, Object> values;

    private Options(Spec spec, Map<String, Object> values) {
        this.spec = spec;
        this.values = values;
    }

    private Object value(String name) {
        Option o = spec.options.get(name);
        if (o == null) throw new IllegalStateException(spec.command + " has no option --" + name);
        return values.containsKey(name) ? values.get(name) : o.dflt();
    }

    /** True if the option was given on the command line. */
    public boolean has(String name) { value(name); return values.containsKey(name); }

    public int getInt(String name) { return (Integer) required(name); }

    public int getInt(String name, int fallback) { Object v = value(name); return v == null ? fallback : (Integer) v; }

    public float getFloat(String name) { return (Float) required(name); }

    public int[] getInts(String name) { return ((int[]) required(name)).clone(); }

    public long getLong(String name) { return (Long) required(name); }

    public String get(String name) { return (String) required(name); }

    public Path path(String name) { return (Path) value(name); }

    public boolean flag(String name) { return (Boolean) required(name); }

    private Object required(String name) {
        Object v = value(name);
        if (v == null) throw new IllegalStateException("--" + name + " has no default: ask has(\"" + name + "\") first");
        return v;
    }

    /** A {@link Usage} error about these options (for the checks of several options together). */
    public static Usage usage(String message) { return new Usage(message); }

    /**
     * The backend named by --backend (default auto), announced on {@code out} with how it was chosen and, for auto, why
     * it passed over the others; a backend that is not usable here is a {@link Usage} error with the reason.
     */
    public Backend backend(PrintStream out) {
        Backends.Choice c;
        try {
            c = Backends.choose(get("backend"));
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new Usage(e.getMessage());
        }
        out.println("backend: " + c.describe());
        return c.backend();
    }
}
