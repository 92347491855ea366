package dev.nabla.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.backend.Backend;
import dev.nabla.backend.BackendProvider;
import dev.nabla.backend.Backends;
import dev.nabla.backend.ReferenceBackend;
import org.junit.jupiter.api.Test;

/** With nabla-cpu on the class path, "auto" is the CPU backend; names choose explicitly; an unknown name lists the choices. */
class BackendChoiceTest {
    @Test
    void autoPicksTheCpuBackendOverTheReference() {
        try (Backend b = Backends.auto()) {
            assertThat(b).isInstanceOf(CpuBackend.class);
            assertThat(b.name()).isEqualTo("cpu");
        }
        assertThat(Backends.create("auto").name()).isEqualTo("cpu");
        assertThat(Backends.ranked().stream().map(BackendProvider::name)).containsSubsequence("cpu", "ref");
    }

    @Test
    void namesChooseExplicitly() {
        assertThat(Backends.create("cpu")).isInstanceOf(CpuBackend.class);
        assertThat(Backends.create("ref")).isInstanceOf(ReferenceBackend.class);
    }

    @Test
    void anUnknownNameListsTheAvailableBackends() {
        assertThatThrownBy(() -> Backends.create("cuda9000"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown backend 'cuda9000'")
                .hasMessageContaining("cpu")
                .hasMessageContaining("ref")
                .hasMessageContaining("auto");
    }

    @Test
    void theProviderNeedsNoVectorApiToAnswer() {
        CpuBackendProvider p = new CpuBackendProvider();
        assertThat(p.priority()).isGreaterThan(0);
        assertThat(p.unavailableReason()).isNull();             // surefire starts the JVM with --add-modules jdk.incubator.vector
    }

    @Test
    void tensorsOfAnotherBackendAreRefused() {
        Backend cpu = new CpuBackend(), ref = new ReferenceBackend();
        assertThatThrownBy(() -> cpu.scale(ref.zeros(3), 2f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("belongs to backend 'ref', not 'cpu'");
    }
}
