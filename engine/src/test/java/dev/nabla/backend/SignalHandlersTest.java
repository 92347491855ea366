package dev.nabla.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import org.junit.jupiter.api.Test;

/** The handlers are read through sigaction, and {@link SignalHandlers#preserving} puts back what a call replaced. */
class SignalHandlersTest {
    private static final int SIGUSR1 = 10, SIGSEGV = 11;

    @Test
    void theJvmHandlesSigsegv() {
        assertThat(SignalHandlers.unavailableReason()).isNull();
        SignalHandlers.Handler h = SignalHandlers.of(SIGSEGV);
        assertThat(h.libraryName()).isEqualTo("libjvm.so");
        assertThat(h.toString()).isEqualTo("SIGSEGV → " + h.library());
    }

    @Test
    void aHandlerReplacedInsideIsPutBack() {
        long before = SignalHandlers.of(SIGUSR1).address();
        int got = SignalHandlers.preserving(() -> {
            ignore(SIGUSR1);                                           // what a native library's initialiser would do
            assertThat(SignalHandlers.of(SIGUSR1).address()).isEqualTo(1);  // SIG_IGN
            return 7;
        });
        assertThat(got).isEqualTo(7);
        assertThat(SignalHandlers.of(SIGUSR1).address()).isEqualTo(before);
    }

    @Test
    void handlersArePutBackWhenTheCallThrows() {
        long before = SignalHandlers.of(SIGUSR1).address();
        assertThatThrownBy(() -> SignalHandlers.preserving((Runnable) () -> {
            ignore(SIGUSR1);
            throw new IllegalStateException("platform failed");
        })).hasMessage("platform failed");
        assertThat(SignalHandlers.of(SIGUSR1).address()).isEqualTo(before);
    }

    /** sigaction(sig, {SIG_IGN}, NULL). */
    private static void ignore(int sig) {
        Linker linker = Linker.nativeLinker();
        MethodHandle sigaction = linker.downcallHandle(linker.defaultLookup().find("sigaction").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment act = arena.allocate(152, 16);
            act.set(ValueLayout.JAVA_LONG, 0, 1L);                     // sa_handler = SIG_IGN
            assertThat((int) sigaction.invoke(sig, act, MemorySegment.NULL)).isZero();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
