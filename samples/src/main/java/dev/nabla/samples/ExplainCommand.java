package dev.nabla.samples;

import dev.nabla.backend.Backend;
import dev.nabla.explain.Explain;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code nabla explain NAME} (or {@code all}): a lecture's worked example run by the engine, every quantity printed in
 * the slide's notation with the slide's value beside it ({@link Explain}). A value that disagrees with the slide is a
 * failed run (status 1), so the examples are also a check of the engine against the lectures.
 */
final class ExplainCommand {
    private ExplainCommand() {}

    static final Options.Spec OPTIONS = new Options.Spec("explain",
            "a lecture's worked example step by step in the slide's symbols (nabla explain NAME; NAME: "
                    + String.join(", ", Explain.EXAMPLES.keySet()) + ", all)")
            .choice("example", "all", "the example to run", choices())
            .common();

    private static String[] choices() {
        List<String> c = new ArrayList<>(Explain.EXAMPLES.keySet());
        c.add("all");
        return c.toArray(String[]::new);
    }

    static void run(Options o, PrintStream out) {
        Backend ops = o.backend(out);
        String which = o.get("example");
        List<String> names = which.equals("all") ? List.copyOf(Explain.EXAMPLES.keySet()) : List.of(which);
        List<String> differ = new ArrayList<>();
        for (String n : names) {
            Explain.Report r = Explain.run(n, ops);
            out.println();
            out.print(r.text());
            long agree = r.checks().stream().filter(Explain.Check::agrees).count();
            out.printf("%s: %d of %d values agree with the slide%n", n, agree, r.checks().size());
            for (Explain.Check c : r.checks()) if (!c.agrees()) differ.add(n + ": " + c);
        }
        if (!differ.isEmpty()) throw new IllegalStateException("the engine differs from the slide: " + String.join("; ", differ));
    }
}
