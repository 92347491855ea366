package dev.nabla.samples;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The {@code nabla} command line: {@code nabla <sample> [options]}; {@code nabla help} lists the samples with every
 * option and its default, {@code nabla help SAMPLE} one sample's.
 *
 * <p>Exit status: 0 when the sample ran; 2 for bad usage (no command, an unknown command or option, a bad value — one
 * line on stderr, before anything runs); 1 when the run failed (one line; the stack trace with {@code --debug}).
 */
public final class Main {
    private Main() {}

    /** How a sample runs, once its options are parsed and checked. */
    @FunctionalInterface
    public interface Runner {
        void run(Options o, PrintStream out);
    }

    /** A sample: its options and how it runs. */
    public record Command(Options.Spec spec, Runner runner) {
        String name() { return spec.command(); }
    }

    static final List<Command> COMMANDS = List.of(
            new Command(XorSample.OPTIONS, XorSample::run),
            new Command(LeNetSample.OPTIONS, LeNetSample::run),
            new Command(SpiralsSample.OPTIONS, SpiralsSample::run),
            new Command(GradientFlowSample.OPTIONS, GradientFlowSample::run),
            new Command(VanishingSample.OPTIONS, VanishingSample::run),
            new Command(PretrainSample.OPTIONS, PretrainSample::run),
            new Command(TiledSample.OPTIONS, TiledSample::run),
            new Command(CharLstmSample.OPTIONS, CharLstmSample::run),
            new Command(FortuneTopicSample.OPTIONS, FortuneTopicSample::run),
            new Command(TeacherForcingSample.OPTIONS, TeacherForcingSample::run),
            new Command(CaptionSample.OPTIONS, CaptionSample::run),
            new Command(WindowSample.OPTIONS, WindowSample::run),
            new Command(EvalCommand.OPTIONS, EvalCommand::run),
            new Command(ExplainCommand.OPTIONS, ExplainCommand::run),
            new Command(dev.nabla.samples.playground.Playground.OPTIONS, dev.nabla.samples.playground.Playground::run));

    /** The commands whose first argument, if it is not an option, is the value of an option. */
    private static final Map<String, String> POSITIONAL = Map.of("eval", "model", "explain", "example");

    private static final Map<String, Command> BY_NAME = COMMANDS.stream().collect(Collectors.toMap(Command::name, Function.identity()));

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        System.out.flush();
        if (status != 0) System.exit(status);
    }

    /** {@code command} followed by {@code args}: how a sample's own main method hands its arguments to this one. */
    public static String[] withCommand(String command, String[] args) {
        String[] all = new String[args.length + 1];
        all[0] = command;
        System.arraycopy(args, 0, all, 1, args.length);
        return all;
    }

    /** The overview: the commands, each with its summary. */
    static String usage() {
        StringBuilder sb = new StringBuilder("usage: nabla <command> [options]\ncommands:\n");
        for (Command c : COMMANDS) sb.append(String.format("  %-14s %s%n", c.name(), c.spec().summary()));
        sb.append(String.format("  %-14s %s%n", "help [COMMAND]", "every option of every command (or of one), with its default"));
        sb.append(String.format("  %-14s %s%n", "test", "build and run every test (what CI runs; the launcher script runs Maven)"));
        return sb.toString();
    }

    /** Runs the command line and returns the exit status (0 ran, 1 the run failed, 2 bad usage). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(usage());
            err.println("nabla: no command given (nabla help lists every option)");
            return 2;
        }
        String cmd = args[0];
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        String positional = POSITIONAL.get(cmd);                                 // nabla eval FILE, nabla explain NAME
        if (positional != null && rest.length > 0 && !rest[0].startsWith("--")) rest = withCommand("--" + positional, rest);
        if (cmd.equals("help") || cmd.equals("--help") || cmd.equals("-h")) return help(rest, out, err);
        Command c = BY_NAME.get(cmd);
        if (c == null) {
            err.println("nabla: unknown command '" + cmd + "'; the commands are " + String.join(", ", COMMANDS.stream().map(Command::name).toList())
                    + ", help (nabla help lists every option)");
            return 2;
        }
        boolean debug = Arrays.asList(rest).contains("--debug");
        Options o;
        try {
            o = c.spec().parse(rest);
        } catch (Options.Usage e) {
            err.println("nabla " + cmd + ": " + e.getMessage());
            return 2;
        }
        if (o.flag("help")) {
            out.print(c.spec().help());
            return 0;
        }
        try {
            c.runner().run(o, out);
            return 0;
        } catch (Options.Usage e) {
            out.flush();
            err.println("nabla " + cmd + ": " + e.getMessage());
            if (debug) e.printStackTrace(err);
            return 2;
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            out.flush();
            if (debug) {
                err.println("nabla " + cmd + ": failed:");
                e.printStackTrace(err);
            } else {
                err.println("nabla " + cmd + ": " + oneLine(e) + " (--debug prints the stack trace)");
            }
            return 1;
        }
    }

    /** The message of an error, on one line, with its type where the message alone would not say what happened. */
    static String oneLine(Throwable e) {
        String m = e.getMessage();
        boolean plain = e instanceof IllegalArgumentException || e instanceof IllegalStateException || e instanceof java.io.UncheckedIOException;
        String s = m == null || m.isBlank() ? e.getClass().getSimpleName() : plain ? m : e.getClass().getSimpleName() + ": " + m;
        return s.replaceAll("\\s*\\R\\s*", " ");
    }

    private static int help(String[] rest, PrintStream out, PrintStream err) {
        if (rest.length == 0) {
            out.print(usage());
            for (Command c : COMMANDS) out.print("\n" + c.spec().help());
            return 0;
        }
        if (rest.length > 1) {
            err.println("nabla help: one command at a time, got " + String.join(" ", rest));
            return 2;
        }
        Command c = BY_NAME.get(rest[0]);
        if (c == null) {
            err.println("nabla help: unknown command '" + rest[0] + "'; the commands are " + String.join(", ", COMMANDS.stream().map(Command::name).toList()));
            return 2;
        }
        out.print(c.spec().help());
        return 0;
    }
}
