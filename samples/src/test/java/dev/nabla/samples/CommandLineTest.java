package dev.nabla.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code nabla} command line: every option of every sample validated before anything runs; unknown options and
 * stray arguments refused listing the valid ones; one line and status 2 on bad usage; a stack trace only with --debug;
 * help listing every option with its default.
 */
class CommandLineTest {
    /** What one run of the command line printed, and its exit status. */
    record Run(int status, String out, String err) {}

    static Run nabla(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A usage error: status 2, nothing run (nothing on stdout), exactly one line on stderr containing every {@code part}. */
    static void usageError(String[] args, String... parts) {
        Run r = nabla(args);
        assertThat(r.status()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(2);
        assertThat(r.out()).as(String.join(" ", args) + " ran nothing").isEmpty();
        assertThat(r.err().lines().count()).as("one line: " + r.err()).isEqualTo(1);
        assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception");
        for (String p : parts) assertThat(r.err()).contains(p);
    }

    @Test
    void noCommandIsAUsageError() {
        Run r = nabla();
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("usage: nabla <command>").endsWith("nabla: no command given (nabla help lists every option)\n");
        usageError(new String[] {"lenett"}, "unknown command 'lenett'", "lenet", "char-lstm");
    }

    @Test
    void unknownOptionsAndStrayArgumentsAreRefusedListingTheValidOnes() {
        for (Main.Command c : Main.COMMANDS) {
            String name = c.name();
            usageError(new String[] {name, "--nonsense", "model.bin"}, "nabla " + name + ": unknown option --nonsense", "valid options for " + name, "--backend", "--seed");
            if (name.equals("eval")) usageError(new String[] {name, "stray"}, "--model stray", "no such readable file");  // eval FILE
            else if (name.equals("explain")) usageError(new String[] {name, "stray"}, "--example must be one of", "mlp-step");
            else usageError(new String[] {name, "stray"}, "unexpected argument 'stray'");
            usageError(new String[] {name, "--seed", "1", "--seed", "2"}, "--seed is given twice");
            usageError(new String[] {name, "--seed"}, "--seed needs a value");
            usageError(new String[] {name, "--seed", "x"}, "--seed needs an integer, got 'x'");
            usageError(new String[] {name, "--backend", "cuda9000"}, "--backend must be one of", "ref", "auto");
            usageError(new String[] {name, "--quiet=yes"}, "--quiet is a flag");
        }
        usageError(new String[] {"lenet", "--epoch", "1"}, "unknown option --epoch (did you mean --epochs?)");
    }

    @Test
    void everyOptionIsValidatedBeforeAnythingRuns(@TempDir Path dir) {
        // values that used to run and report an untrained model with status 0, or fail after the run had started
        usageError(new String[] {"lenet", "--epochs", "0"}, "--epochs 0 trains nothing: give --load FILE to only evaluate a saved model");
        usageError(new String[] {"lenet", "--load", dir.resolve("none.safetensors").toString()}, "--load", "no such readable file");
        usageError(new String[] {"lenet", "--save", dir.resolve("no/such/dir/m.safetensors").toString()}, "--save", "no such directory");
        usageError(new String[] {"lenet", "--save", dir.toString()}, "--save", "is a directory, not a file");
        usageError(new String[] {"eval"}, "which model? nabla eval FILE");
        Path aFile = dir.resolve("a-file");
        try { java.nio.file.Files.writeString(aFile, "x"); } catch (java.io.IOException e) { throw new java.io.UncheckedIOException(e); }
        usageError(new String[] {"xor", "--plot", aFile.toString()}, "--plot", "is a file, not a directory");
        usageError(new String[] {"eval", dir.resolve("none.safetensors").toString()}, "--model", "no such readable file");
        usageError(new String[] {"lenet", "--epochs", "-1"}, "--epochs", "got -1");
        usageError(new String[] {"lenet", "--batch", "0"}, "--batch must be");
        usageError(new String[] {"lenet", "--lr", "NaN"}, "--lr must be a finite number > 0");
        usageError(new String[] {"lenet", "--lr", "1e40"}, "--lr must be a finite number");
        usageError(new String[] {"lenet", "--momentum", "1"}, "--momentum");
        usageError(new String[] {"lenet", "--limit", "-5"}, "--limit");
        usageError(new String[] {"lenet", "--data", "cifar"}, "--data must be one of mnist, fashion; got 'cifar'");
        usageError(new String[] {"lenet", "--data-dir", dir.toString()}, "--data-dir is for --data fashion");
        usageError(new String[] {"lenet", "--data", "fashion", "--data-dir", dir.resolve("nope").toString()}, "no such directory");
        usageError(new String[] {"lenet", "--data", "fashion", "--data-dir", dir.toString()}, "Fashion-MNIST not found");
        usageError(new String[] {"xor", "--epochs", "0"}, "--epochs");
        usageError(new String[] {"xor", "--every", "0"}, "--every");
        usageError(new String[] {"spirals", "--epochs", "0"}, "--epochs");
        usageError(new String[] {"gradient-flow", "--steps", "0"}, "--steps");
        usageError(new String[] {"gradient-flow", "--small-w", "-1"}, "--small-w");
        usageError(new String[] {"char-lstm", "--steps", "0"}, "--steps");
        usageError(new String[] {"char-lstm", "--batch", "0"}, "--batch");
        usageError(new String[] {"char-lstm", "--clip", "NaN"}, "--clip");
        usageError(new String[] {"char-lstm", "--temperature", "0"}, "--temperature must be a finite number > 0");
        usageError(new String[] {"char-lstm", "--text", dir.resolve("missing.txt").toString()}, "no such readable file");
        usageError(new String[] {"char-lstm", "--eval-chars", "10", "--seq", "64"}, "--eval-chars (10) must exceed --seq (64)");
    }

    @Test
    void helpListsEveryOptionOfEveryCommandWithItsDefault() {
        Run all = nabla("help");
        assertThat(all.status()).isZero();
        Run dashes = nabla("--help");
        assertThat(dashes.out()).isEqualTo(all.out());
        for (Main.Command c : Main.COMMANDS) {
            Run one = nabla("help", c.name());
            assertThat(one.status()).isZero();
            Run flag = nabla(c.name(), "--help");
            assertThat(flag.status()).isZero();
            assertThat(flag.out()).isEqualTo(one.out());
            for (Options.Option o : c.spec().options()) {
                String line = one.out().lines().filter(l -> l.trim().startsWith("--" + o.name() + " ") || l.trim().equals("--" + o.name())
                        || l.trim().startsWith("--" + o.name() + "  ")).findFirst().orElse(null);
                assertThat(line).as(c.name() + " --" + o.name() + " in\n" + one.out()).isNotNull();
                if (o.value() != null) assertThat(line).as(c.name() + " --" + o.name()).contains("(default: ");
                assertThat(all.out()).contains(line);
            }
        }
        assertThat(nabla("help", "lenet").out()).contains("--epochs N").contains("default: 8 (mnist), 10 (fashion)")
                .contains("--lr X").contains("default: 0.04").contains("--data mnist|fashion");
        usageError(new String[] {"help", "nope"}, "unknown command 'nope'");
    }

    @Test
    void aFailedRunIsOneLineAndStatusOneWithTheStackTraceOnlyUnderDebug(@TempDir Path dir) throws Exception {
        Path binary = dir.resolve("latin1.txt");
        Files.write(binary, new byte[] {'a', (byte) 0xE9, 'b', (byte) 0xFF, (byte) 0xFE});   // not UTF-8: fails once the run has started
        Run r = nabla("char-lstm", "--backend", "ref", "--text", binary.toString(), "--steps", "1");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("nabla char-lstm: ").contains("cannot read --text").contains("--debug prints the stack trace")
                .doesNotContain("\tat ");
        Run debug = nabla("char-lstm", "--backend", "ref", "--text", binary.toString(), "--steps", "1", "--debug");
        assertThat(debug.status()).isEqualTo(1);
        assertThat(debug.err()).contains("\tat ").contains("UncheckedIOException");
    }

    @Test
    void aRunPrintsTheBackendItChoseAndWhy() {
        Run r = nabla("xor", "--epochs", "2", "--every", "1", "--backend", "ref", "--quiet");
        assertThat(r.status()).isZero();
        assertThat(r.out()).startsWith("backend: ref (asked for by name)\n").contains("epoch    2  loss");
        assertThat(r.err()).isEmpty();
        Run auto = nabla("xor", "--epochs", "1", "--quiet");
        assertThat(auto.out()).startsWith("backend: cpu (auto: the usable backend of the highest priority, 10; passed over ")
                .contains("ref: priority 0, below cpu's 10");
    }

    @Test
    void explainRunsALecturesExampleOnAnyBackendAndSaysItAgreesWithTheSlide() {
        for (String backend : new String[] {"ref", "cpu"}) {
            Run r = nabla("explain", "convolution", "--backend", backend);
            assertThat(r.status()).as(r.err()).isZero();
            assertThat(r.out()).contains("out(1, 3) = 161 + (−9) + 659 + 1 = 812").contains("convolution: 11 of 11 values agree with the slide");
        }
        Run all = nabla("explain", "--backend", "cpu");
        assertThat(all.status()).as(all.err()).isZero();
        for (String n : dev.nabla.explain.Explain.EXAMPLES.keySet()) assertThat(all.out()).contains(n + ": ").contains("values agree with the slide");
        assertThat(all.out()).doesNotContain("DIFFERS");
    }

    /** The real launcher's process: exit statuses as a shell sees them, and auto's report in a JVM without the Vector API. */
    @Test
    void theProcessExitsWithTheStatusAndAutoSaysWhyItPassedOverTheCpuBackend() throws Exception {
        assertThat(java(true, "lenet", "--epochs", "0").exit).isEqualTo(2);
        assertThat(java(true).exit).isEqualTo(2);
        assertThat(java(true, "help").exit).isZero();
        // started without --add-modules jdk.incubator.vector, auto used to pick a slower backend without a word
        Proc p = java(false, "xor", "--epochs", "1", "--quiet");
        assertThat(p.exit).as(p.output).isZero();
        assertThat(p.output).contains("passed over ").contains("cpu: the JVM was started without --add-modules jdk.incubator.vector");
    }

    record Proc(int exit, String output) {}

    static Proc java(boolean vectorApi, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (vectorApi) cmd.addAll(List.of("--add-modules", "jdk.incubator.vector"));
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Process pr = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(pr.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Proc(pr.exitValue(), out);
    }

    @Test
    void progressIsALineInPlaceOnATerminalPlainLinesInALogAndNothingWhenQuiet() {
        long[] now = {0};
        for (Progress.Mode mode : Progress.Mode.values()) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
            Progress p = new Progress(mode, out, 10, () -> now[0]);
            for (int step = 1; step <= 100; step++) {
                now[0] += 1_000_000_000L;                                          // a step a second
                p.show("epoch 1/2", step, 100, 32, "samples/s", 0.5, 100 - step);
            }
            p.done();
            String s = buf.toString(StandardCharsets.UTF_8);
            switch (mode) {
                case QUIET -> assertThat(s).isEmpty();
                case LINES -> {
                    assertThat(s.lines().count()).isEqualTo(10);                   // every 10 s
                    assertThat(s).doesNotContain("\r").contains("epoch 1/2  step 10/100 (10%)  32 samples/s  loss 0.5000  ~90 s left");
                }
                case TERMINAL -> {
                    assertThat(s).contains("\r").doesNotContain("\n");             // rewritten in place, then cleared
                    assertThat(s).endsWith("\r");
                }
            }
        }
        Run quiet = nabla("spirals", "--epochs", "2", "--backend", "ref", "--quiet");
        assertThat(quiet.out()).doesNotContain(" step ");
    }
}
