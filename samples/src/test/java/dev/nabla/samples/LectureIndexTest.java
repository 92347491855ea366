package dev.nabla.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.explain.Explain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Member;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps docs/lectures.md, the index from slide to code, true. Every span in backquotes on the page is one of:
 * <ul>
 *   <li>a class of the engine, {@code dev.nabla.pkg.Class} or {@code dev.nabla.pkg.Class#member} (a method of any arity,
 *       a field or an enum constant, declared on the class or inherited; nested classes with a dot): the class must
 *       load and have the member. A test class given in full is checked as a test (below); a class of a module the
 *       samples do not depend on (spark, bench) is checked in its source file;</li>
 *   <li>a test, {@code TestClass#method}: the source file of that name under a module's src/test/java (one only) must
 *       declare the method, annotated as a test;</li>
 *   <li>a command line, {@code ./nabla NAME ...}: NAME is a command of {@link Main#COMMANDS} (or help or test), and its
 *       options parse as the command line would parse them;</li>
 *   <li>a file of the repository, {@code kernels/opencl/pool.cl#max_pool_forward}: it exists, and the function after #
 *       is in it (or in a file it includes);</li>
 *   <li>the name of one of the five lecture files.</li>
 * </ul>
 * Anything else in backquotes fails: a name the test cannot check does not belong in backquotes. The other way round,
 * every lecture has its section, and every sample command and every worked example of {@code nabla explain} appears.
 */
class LectureIndexTest {
    /** The repository root: surefire runs in the module's directory (samples/), an IDE may run in the root. */
    static final Path ROOT = Stream.of(Path.of(".."), Path.of("."))
            .filter(p -> Files.isRegularFile(p.resolve("docs/lectures.md")) && Files.isDirectory(p.resolve("kernels")))
            .findFirst().orElseThrow(() -> new IllegalStateException("docs/lectures.md not found from " + Path.of("").toAbsolutePath()))
            .toAbsolutePath().normalize();
    static final Path PAGE = ROOT.resolve("docs/lectures.md");
    static final List<String> LECTURES = List.of("000_cfe8c34c0152264a.txt", "001_2fc73939da8da994.txt", "002_f62d88087c626008.txt",
            "003_2b109aa9c408f4f9.txt", "004_fe7b783b41a49677.txt");
    /** Modules whose classes are not on the samples' test class path: their references are checked in the source. */
    static final Set<String> SOURCE_ONLY_MODULES = Set.of("spark", "bench");
    /** Commands a lecture need not mention: eval reads a model file a sample saved. */
    static final Set<String> NOT_A_LECTURE_TOPIC = Set.of("eval");

    static final Pattern SPAN = Pattern.compile("`([^`\n]+)`");
    static final Pattern CODE = Pattern.compile("dev\\.nabla\\.[\\w.$]+(?:#\\w+)?");
    static final Pattern TEST = Pattern.compile("[A-Z]\\w*#\\w+");
    static final Pattern COMMAND = Pattern.compile("\\./nabla(?: .*)?");
    static final Pattern FILE = Pattern.compile("(?!\\./)[\\w.-]+(?:/[\\w.-]+)+(?:#\\w+)?");
    static final Pattern LECTURE = Pattern.compile("\\d{3}_[0-9a-f]{16}\\.txt");
    static final Set<String> TEST_ANNOTATIONS = Set.of("@Test", "@ParameterizedTest", "@RepeatedTest", "@TestFactory", "@TestTemplate");

    /** One span in backquotes and the line of the page it is on. */
    record Ref(int line, String text) {
        @Override
        public String toString() { return "docs/lectures.md:" + line + ": `" + text + "`"; }
    }

    static final List<String> LINES = read(PAGE);
    static final List<Ref> REFS = spans();

    static List<String> read(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Ref> spans() {
        List<Ref> refs = new ArrayList<>();
        for (int i = 0; i < LINES.size(); i++) {
            Matcher m = SPAN.matcher(LINES.get(i));
            while (m.find()) refs.add(new Ref(i + 1, m.group(1)));
        }
        return refs;
    }

    static List<Ref> refs(Pattern p) {
        return REFS.stream().filter(r -> p.matcher(r.text()).matches()).toList();
    }

    // ---------------------------------------------------------------- the references

    @Test
    void everySpanInBackquotesIsAReferenceThisTestChecks() {
        assertThat(REFS).as("the page's references (a sudden drop means the page or this parser broke)").hasSizeGreaterThan(400);
        List<Ref> unknown = REFS.stream().filter(r -> Stream.of(CODE, TEST, COMMAND, FILE, LECTURE).noneMatch(p -> p.matcher(r.text()).matches())).toList();
        assertThat(unknown).as("spans in backquotes that are not a class, test, command, file or lecture (write them without backquotes)").isEmpty();
    }

    @Test
    void everyClassAndMemberExists() {
        List<String> bad = new ArrayList<>();
        List<Ref> code = refs(CODE);
        assertThat(code).hasSizeGreaterThan(250);
        for (Ref r : code) {
            String[] parts = r.text().split("#", 2);
            String cls = parts[0], member = parts.length > 1 ? parts[1] : null;
            Path test = sourceFile("test", cls);
            Path sourceOnly = SOURCE_ONLY_MODULES.stream().map(m -> ROOT.resolve(m).resolve("src/main/java").resolve(sourcePath(cls)))
                    .filter(Files::isRegularFile).findFirst().orElse(null);
            String problem;
            if (test != null) problem = member == null ? null : testMethodProblem(test, member);
            else if (sourceOnly != null) problem = member == null || declares(read(sourceOnly), member) ? null : ROOT.relativize(sourceOnly) + " has no " + member;
            else problem = classProblem(cls, member);
            if (problem != null) bad.add(r + ": " + problem);
        }
        assertThat(bad).as("classes and members named on the page").isEmpty();
    }

    @Test
    void everyTestExistsAndIsATest() {
        Map<String, List<Path>> bySimpleName = testSources().stream().collect(Collectors.groupingBy(p -> p.getFileName().toString().replace(".java", "")));
        List<String> bad = new ArrayList<>();
        List<Ref> tests = refs(TEST);
        assertThat(tests).hasSizeGreaterThan(150);
        for (Ref r : tests) {
            String[] parts = r.text().split("#", 2);
            List<Path> files = bySimpleName.getOrDefault(parts[0], List.of());
            String problem = files.isEmpty() ? "no " + parts[0] + ".java under any module's src/test/java"
                    : files.size() > 1 ? parts[0] + " is ambiguous (" + files.stream().map(ROOT::relativize).toList() + "): name it in full, dev.nabla.…"
                    : testMethodProblem(files.getFirst(), parts[1]);
            if (problem != null) bad.add(r + ": " + problem);
        }
        assertThat(bad).as("tests named on the page").isEmpty();
    }

    @Test
    void everyCommandIsASampleAndItsOptionsParse() {
        Map<String, Main.Command> commands = Main.COMMANDS.stream().collect(Collectors.toMap(Main.Command::name, c -> c));
        List<String> bad = new ArrayList<>();
        List<Ref> lines = refs(COMMAND);
        assertThat(lines).hasSizeGreaterThan(100);
        for (Ref r : lines) {
            String[] words = r.text().trim().split("\\s+");
            if (words.length < 2) { bad.add(r + ": no command"); continue; }
            String name = words[1];
            String[] rest = Arrays.copyOfRange(words, 2, words.length);
            if (name.equals("test")) continue;
            if (name.equals("help")) {
                if (rest.length > 1) bad.add(r + ": help takes one command at most");
                else if (rest.length == 1 && !commands.containsKey(rest[0])) bad.add(r + ": help: no command '" + rest[0] + "'");
                continue;
            }
            Main.Command c = commands.get(name);
            if (c == null) { bad.add(r + ": no command '" + name + "'; the commands are " + commands.keySet()); continue; }
            if (name.equals("explain") && rest.length > 0 && !rest[0].startsWith("--")) rest = Main.withCommand("--example", rest);   // nabla explain NAME
            try {
                c.spec().parse(rest);
            } catch (Options.Usage e) {
                bad.add(r + ": " + e.getMessage());
            }
        }
        assertThat(bad).as("command lines on the page").isEmpty();
    }

    @Test
    void everyFileAndKernelExists() {
        List<String> bad = new ArrayList<>();
        List<Ref> files = refs(FILE);
        assertThat(files).hasSizeGreaterThan(30);
        for (Ref r : files) {
            String[] parts = r.text().split("#", 2);
            Path f = ROOT.resolve(parts[0]).normalize();
            if (!f.startsWith(ROOT) || !Files.isRegularFile(f)) {
                bad.add(r + ": no such file in the repository");
            } else if (parts.length > 1 && !Pattern.compile("\\b" + parts[1] + "\\s*\\(").matcher(withIncludes(f)).find()) {
                bad.add(r + ": " + parts[0] + " (with the files it includes) has no function " + parts[1]);
            }
        }
        assertThat(bad).as("files and kernels named on the page").isEmpty();
    }

    // ---------------------------------------------------------------- the page covers the lectures and the samples

    @Test
    void everyLectureHasItsSectionAndItsTablesAreWellFormed() {
        String page = String.join("\n", LINES);
        for (String lecture : LECTURES) {
            assertThat(page).as("the section of " + lecture).contains("\n## " + lecture.substring(0, 3) + " ").contains("`" + lecture + "`");
        }
        assertThat(refs(LECTURE)).extracting(Ref::text).allMatch(LECTURES::contains);
        List<String> bad = new ArrayList<>();
        boolean inTable = false;
        int rows = 0;
        for (int i = 0; i < LINES.size(); i++) {
            String l = LINES.get(i);
            if (l.startsWith("| lecture heading |")) inTable = true;
            else if (!l.startsWith("|")) inTable = false;
            if (!inTable) continue;
            rows++;
            long cells = l.chars().filter(ch -> ch == '|').count() - 1;               // a "|" in a formula would split a cell
            if (cells != 5) bad.add("docs/lectures.md:" + (i + 1) + ": " + cells + " cells, not 5: " + l);
        }
        assertThat(rows).as("table rows").isGreaterThan(150);
        assertThat(bad).as("rows of the lecture tables").isEmpty();
    }

    @Test
    void everySampleAndEveryWorkedExampleIsOnThePage() {
        Set<String> named = new HashSet<>(), examples = new HashSet<>();
        for (Ref r : refs(COMMAND)) {
            String[] w = r.text().trim().split("\\s+");
            if (w.length > 1) named.add(w[1]);
            if (w.length > 2 && w[1].equals("explain")) examples.add(w[2]);
        }
        List<String> missing = Main.COMMANDS.stream().map(Main.Command::name)
                .filter(n -> !NOT_A_LECTURE_TOPIC.contains(n) && !named.contains(n)).toList();
        assertThat(missing).as("samples no lecture row names (put each where its slide is)").isEmpty();
        assertThat(examples).as("the worked examples of nabla explain on the page").containsAll(Explain.EXAMPLES.keySet());
    }

    // ---------------------------------------------------------------- helpers

    /** "dev/nabla/nn/rnn/VanillaRnn.java" for dev.nabla.nn.rnn.VanillaRnn.Recurrence: the file of the outermost class. */
    static String sourcePath(String cls) {
        List<String> path = new ArrayList<>();
        for (String s : cls.split("\\.")) {
            path.add(s);
            if (Character.isUpperCase(s.charAt(0))) break;
        }
        return String.join("/", path) + ".java";
    }

    /** The source of {@code cls} under some module's src/{@code kind}/java, or null. */
    static Path sourceFile(String kind, String cls) {
        try (Stream<Path> modules = Files.list(ROOT)) {
            return modules.map(m -> m.resolve("src").resolve(kind).resolve("java").resolve(sourcePath(cls)))
                    .filter(Files::isRegularFile).findFirst().orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Path> testSources() {
        try (Stream<Path> modules = Files.list(ROOT)) {
            List<Path> out = new ArrayList<>();
            for (Path m : modules.toList()) {
                Path dir = m.resolve("src/test/java");
                if (!Files.isDirectory(dir)) continue;
                try (Stream<Path> files = Files.walk(dir)) {
                    files.filter(p -> p.toString().endsWith(".java")).forEach(out::add);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Null if {@code file} declares {@code void method(…)} annotated as a test, else what is wrong. */
    static String testMethodProblem(Path file, String method) {
        List<String> lines = read(file);
        Pattern decl = Pattern.compile("^\\s*(?:(?:public|protected|private|static|final)\\s+)*void\\s+" + Pattern.quote(method) + "\\s*\\(");
        for (int i = 0; i < lines.size(); i++) {
            if (!decl.matcher(lines.get(i)).find()) continue;
            for (int j = i - 1; j >= 0 && lines.get(j).trim().startsWith("@"); j--) {
                String annotation = lines.get(j).trim().split("[\\s(]", 2)[0];
                if (TEST_ANNOTATIONS.contains(annotation)) return null;
            }
            return ROOT.relativize(file) + " declares " + method + " but not as a test (no @Test above it)";
        }
        return ROOT.relativize(file) + " declares no method " + method;
    }

    /** Whether the source declares a method, field or enum constant {@code name}. */
    static boolean declares(List<String> source, String name) {
        Pattern p = Pattern.compile("\\b" + Pattern.quote(name) + "\\s*[(=;,]");
        return source.stream().anyMatch(l -> p.matcher(l).find());
    }

    /** Null if {@code cls} loads (a nested class written with dots) and has {@code member} (null: any), else what is wrong. */
    static String classProblem(String cls, String member) {
        Class<?> c = load(cls);
        if (c == null) return "no class " + cls + " on the samples' test class path";
        if (member == null) return null;
        try {
            return members(c).contains(member) ? null : c.getName() + " has no method, field or constant '" + member + "'";
        } catch (LinkageError e) {
            return c.getName() + "'s members do not resolve: " + e;
        }
    }

    static Class<?> load(String name) {
        String n = name;
        while (true) {
            try {
                return Class.forName(n, false, LectureIndexTest.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                int dot = n.lastIndexOf('.');
                int before = n.lastIndexOf('.', dot - 1);
                if (dot < 0 || before < 0 || !Character.isUpperCase(n.charAt(before + 1))) return null;
                n = n.substring(0, dot) + '$' + n.substring(dot + 1);           // Outer.Inner → Outer$Inner
            }
        }
    }

    /** The names of every method and field of {@code c}, its superclasses and its interfaces, of any visibility. */
    static Set<String> members(Class<?> c) {
        Set<String> names = new HashSet<>();
        Deque<Class<?>> todo = new ArrayDeque<>(List.of(c));
        Set<Class<?>> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            Class<?> k = todo.pop();
            if (k == null || !seen.add(k)) continue;
            Stream.of(k.getDeclaredMethods()).map(Member::getName).forEach(names::add);
            Stream.of(k.getDeclaredFields()).map(Member::getName).forEach(names::add);
            todo.push(k.getSuperclass() == null ? Object.class : k.getSuperclass());
            todo.addAll(List.of(k.getInterfaces()));
        }
        return names;
    }

    /** The text of {@code f} followed by the files it includes ({@code #include "…"}), recursively. */
    static String withIncludes(Path f) {
        StringBuilder sb = new StringBuilder();
        Deque<Path> todo = new ArrayDeque<>(List.of(f));
        Set<Path> seen = new HashSet<>();
        Pattern include = Pattern.compile("^\\s*#\\s*include\\s+\"([^\"]+)\"", Pattern.MULTILINE);
        while (!todo.isEmpty()) {
            Path p = todo.pop().normalize();
            if (!seen.add(p) || !Files.isRegularFile(p)) continue;
            String text = String.join("\n", read(p));
            sb.append(text).append('\n');
            Matcher m = include.matcher(text);
            while (m.find()) todo.add(p.resolveSibling(m.group(1)));
        }
        return sb.toString();
    }
}
