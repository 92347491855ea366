package dev.nabla.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How backends are chosen: by name (asking no other provider anything), or "auto" (the best usable one, reporting why it
 * passed over the others), which -Dnabla.backend / NABLA_BACKEND can fix; and providers that fail to load or to answer
 * are passed over with their reason instead of breaking "auto".
 */
class BackendsTest {
    static final AtomicInteger probes = new AtomicInteger();

    /** A provider whose constructor throws (as one whose native library is missing might). */
    public static final class ThrowsInConstructor implements BackendProvider {
        public ThrowsInConstructor() { throw new IllegalStateException("no driver"); }
        public String name() { return "ctor"; }
        public int priority() { return 90; }
        public String unavailableReason() { return null; }
        public Backend create() { return null; }
    }

    /** A provider whose priority probe throws a linkage error (a native method that does not link). */
    public static final class PriorityFails implements BackendProvider {
        public String name() { return "broken-probe"; }
        public int priority() { probes.incrementAndGet(); throw new UnsatisfiedLinkError("libfoo.so: cannot open shared object file"); }
        public String unavailableReason() { return null; }
        public Backend create() { return null; }
    }

    /** The best-ranked provider, but not usable here. */
    public static final class Unavailable implements BackendProvider {
        public String name() { return "gpu9000"; }
        public int priority() { probes.incrementAndGet(); return 80; }
        public String unavailableReason() { return "no GPU9000 device found"; }
        public Backend create() { throw new AssertionError("never created"); }
    }

    /** Usable by its own account, but create() fails. */
    public static final class CreateFails implements BackendProvider {
        public String name() { return "flaky"; }
        public int priority() { probes.incrementAndGet(); return 70; }
        public String unavailableReason() { return null; }
        public Backend create() { throw new NoClassDefFoundError("org/jocl/CL"); }
    }

    /** Runs {@code body} with the thread's context class loader seeing a services file that lists these providers (and a missing class). */
    private static void withProviders(Path dir, Runnable body) throws Exception {
        Path services = dir.resolve("META-INF/services/" + BackendProvider.class.getName());
        Files.createDirectories(services.getParent());
        Files.writeString(services, String.join("\n", ThrowsInConstructor.class.getName(), "dev.nabla.backend.NoSuchProvider",
                PriorityFails.class.getName(), Unavailable.class.getName(), CreateFails.class.getName()) + "\n");
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        try (URLClassLoader cl = new URLClassLoader(new URL[] {dir.toUri().toURL()}, BackendsTest.class.getClassLoader())) {
            t.setContextClassLoader(cl);
            body.run();
        } finally {
            t.setContextClassLoader(before);
        }
    }

    @Test
    void providersThatFailToLoadOrToAnswerArePassedOverWithTheirReason(@TempDir Path dir) throws Exception {
        withProviders(dir, () -> {
            Backends.Choice c = Backends.choose("auto");
            assertThat(c.backend()).isInstanceOf(ReferenceBackend.class);
            String all = String.join("\n", c.passedOver());
            assertThat(all).contains("no driver").contains("NoSuchProvider")
                    .contains("broken-probe: priority() failed (UnsatisfiedLinkError: libfoo.so")
                    .contains("gpu9000: no GPU9000 device found")
                    .contains("flaky: failed to start (NoClassDefFoundError: org/jocl/CL)");
            assertThat(c.describe()).startsWith("ref (auto: the usable backend of the highest priority, 0; passed over ");
            // a named lookup of a good backend works beside the broken ones, and probes none of them
            probes.set(0);
            assertThat(Backends.create("ref")).isInstanceOf(ReferenceBackend.class);
            assertThat(probes.get()).as("priority() calls for a named lookup").isZero();
            assertThatThrownBy(() -> Backends.create("gpu9000")).isInstanceOf(IllegalStateException.class)
                    .hasMessage("backend 'gpu9000' is not usable here: no GPU9000 device found");
            assertThatThrownBy(() -> Backends.create("flaky")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("backend 'flaky' failed to start: NoClassDefFoundError");
            assertThatThrownBy(() -> Backends.create("nope")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("unknown backend 'nope'").hasMessageContaining("gpu9000").hasMessageContaining("failed to load");
        });
    }

    @Test
    void thePropertyFixesWhatAutoMeansAndProbesNothingElse(@TempDir Path dir) throws Exception {
        withProviders(dir, () -> {
            String before = System.getProperty(Backends.PROPERTY);
            try {
                System.setProperty(Backends.PROPERTY, "ref");
                probes.set(0);
                Backends.Choice c = Backends.choose("auto");
                assertThat(c.backend()).isInstanceOf(ReferenceBackend.class);
                assertThat(c.describe()).isEqualTo("ref (auto means 'ref': -Dnabla.backend=ref)");
                assertThat(probes.get()).isZero();
                assertThat(Backends.create("ref")).isInstanceOf(ReferenceBackend.class);   // names are unaffected
                System.setProperty(Backends.PROPERTY, "gpu9000");
                assertThatThrownBy(() -> Backends.create("auto")).isInstanceOf(IllegalStateException.class)
                        .hasMessageStartingWith("-Dnabla.backend=gpu9000 (what 'auto' means): backend 'gpu9000' is not usable here");
                System.setProperty(Backends.PROPERTY, "typo");
                assertThatThrownBy(Backends::auto).hasMessageContaining("-Dnabla.backend=typo").hasMessageContaining("unknown backend 'typo'");
                System.setProperty(Backends.PROPERTY, "auto");
                assertThat(Backends.auto()).isInstanceOf(ReferenceBackend.class);
            } finally {
                if (before == null) System.clearProperty(Backends.PROPERTY); else System.setProperty(Backends.PROPERTY, before);
            }
        });
    }

    @Test
    void aNamedChoiceSaysSo() {
        assertThat(Backends.choose("ref").describe()).isEqualTo("ref (asked for by name)");
        assertThat(Backends.choose("auto").passedOver()).isEmpty();        // only ref on the engine's own class path
    }
}
