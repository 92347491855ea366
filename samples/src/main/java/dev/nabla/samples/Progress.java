package dev.nabla.samples;

import dev.nabla.train.Trainer;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress within an epoch (or any long loop): on a terminal one status line rewritten in place a few times a second;
 * in a log (output not a terminal) a plain line every {@code every} seconds, with no control codes; nothing with
 * {@code --quiet} or NABLA_QUIET=1. A line reads "epoch 2/8  step 120/250 (48%)  1,234 samples/s  loss 0.3412  ~32 s left".
 */
public final class Progress implements Trainer.Listener {
    /** How progress is shown. */
    public enum Mode { TERMINAL, LINES, QUIET }

    private final Mode mode;
    private final PrintStream out;
    private final long everyNanos;
    private final LongSupplier clock;
    private long last;
    private int width;
    private String label;

    /** The mode for a sample's options and its standard output: --quiet / NABLA_QUIET, else a terminal or not. */
    public static Mode mode(Options o) {
        if (o.flag("quiet") || "1".equals(System.getenv("NABLA_QUIET"))) return Mode.QUIET;
        java.io.Console c = System.console();
        return c != null && c.isTerminal() ? Mode.TERMINAL : Mode.LINES;
    }

    /** Progress for a sample run: terminal updates every 0.2 s, plain lines every 10 s. */
    public static Progress of(Options o, PrintStream out) {
        Mode m = mode(o);
        return new Progress(m, out, m == Mode.TERMINAL ? 0.2 : 10, System::nanoTime);
    }

    public Progress(Mode mode, PrintStream out, double everySeconds, LongSupplier nanoClock) {
        this.mode = mode;
        this.out = out;
        this.everyNanos = (long) (everySeconds * 1e9);
        this.clock = nanoClock;
        this.last = nanoClock.getAsLong();
    }

    public Mode mode() { return mode; }

    /** The label shown instead of the trainer's "epoch e/E" (a sample that runs one fit per epoch says which epoch). */
    public Progress label(String label) {
        this.label = label;
        return this;
    }

    /** Shows where a loop is, if it is time to: {@code done} of {@code total} steps, a rate, the loss so far, the seconds left. */
    public void show(String what, long done, long total, double rate, String unit, double loss, double secondsLeft) {
        if (mode == Mode.QUIET) return;
        long now = clock.getAsLong();
        if (now - last < everyNanos) return;
        last = now;
        String line = String.format(Locale.ROOT, "%s  step %,d/%,d (%d%%)  %,.0f %s  loss %.4f%s", what, done, total,
                total > 0 ? 100 * done / total : 0, rate, unit, loss,
                Double.isFinite(secondsLeft) ? String.format(Locale.ROOT, "  ~%.0f s left", secondsLeft) : "");
        if (mode == Mode.LINES) {
            out.println(line);
        } else {
            out.print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
            width = line.length();
            out.flush();
        }
    }

    /** Ends a loop: clears the terminal's status line (the caller prints its own summary next). */
    public void done() {
        if (mode == Mode.TERMINAL && width > 0) {
            out.print("\r" + " ".repeat(width) + "\r");
            out.flush();
            width = 0;
        }
        last = clock.getAsLong();
    }

    @Override
    public void onStep(Trainer.Progress p) {
        show(label != null ? label : "epoch " + p.epoch() + "/" + p.epochs(), p.step(), p.stepsPerEpoch(), p.samplesPerSecond(),
                "samples/s", p.loss(), p.secondsLeft());
    }

    @Override
    public void onEpoch(Trainer.EpochStats stats) { done(); }
}
