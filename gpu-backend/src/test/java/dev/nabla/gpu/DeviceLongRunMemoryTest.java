package dev.nabla.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.testing.LongRun;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.ObjIntConsumer;
import org.junit.jupiter.api.Test;

/**
 * Issue 6: "a long training run does not grow device memory", on a device backend (one subclass per runtime). An MLP (three fits with ragged
 * training and validation batches), an LSTM language model (state resets, ragged chunks, another batch size, an
 * evaluation and sampling every epoch) and every recurrent layer over varying sequence shapes run several epochs each;
 * after every epoch the buffer pool's counters are read.
 *
 * <p>Without relying on the GC: from the end of a run's first epoch on, the device bytes in live tensors do not move —
 * every workspace a layer replaces is closed — and neither do the pool's device bytes in total and its
 * driver allocation count: closed buffers are reused. (The LSTM run's pool settles one epoch later: its first
 * epoch starts from a fresh model, every later one from the shapes the previous epoch's sampling left, so the first
 * chunk of epoch 2 briefly holds one small buffer more than any moment of epoch 1 did; from then on nothing moves.)
 * And with the GC: at each epoch's end a collection is forced, and no buffer may come back through the cleaner
 * ({@link DeviceBackend<?>#buffersReclaimedByGc()} stays 0), which would mean some tensor was dropped without close().
 */
public abstract class DeviceLongRunMemoryTest {
    /** The device under test: "opencl" or "cuda". */
    protected abstract String device();


    /** After one epoch: device bytes in use, device bytes held, driver allocations, buffers the GC gave back. */
    record Counters(long inUse, long allocated, long created, long reclaimedByGc) {
        static Counters of(DeviceBackend<?> cl) {
            return new Counters(cl.inUseBytes(), cl.allocatedBytes(), cl.buffersCreated(), cl.buffersReclaimedByGc());
        }
    }

    /** Runs a workload on a fresh backend; per phase (a phase restarts at epoch 1) the counters after each epoch. */
    static List<List<Counters>> run(String what, ObjIntConsumer<IntConsumer> workload, int epochs, int poolSettles, DeviceBackend<?> cl) {
        List<List<Counters>> phases = new ArrayList<>();
        workload.accept(epoch -> {
            if (epoch == 1) phases.add(new ArrayList<>());
            phases.getLast().add(Counters.of(cl));                   // read before any collection: no GC involved
            forceCollection(cl);                                     // then let the cleaner find anything dropped
            assertThat(cl.buffersReclaimedByGc()).as(what + ": buffers of unclosed tensors the GC gave back, after epoch " + epoch)
                    .isZero();
        }, epochs);
        for (int p = 0; p < phases.size(); p++) {
            List<Counters> c = phases.get(p);
            System.out.printf("[" + cl.name() + "] long run, %s, phase %d: after epochs 1/2/%d device bytes %d/%d/%d (in live tensors %d/%d/%d), "
                            + "driver allocations %d/%d/%d, reclaimed by GC %d%n", what, p + 1, c.size(),
                    c.get(0).allocated(), c.get(1).allocated(), c.getLast().allocated(), c.get(0).inUse(), c.get(1).inUse(),
                    c.getLast().inUse(), c.get(0).created(), c.get(1).created(), c.getLast().created(), c.getLast().reclaimedByGc());
        }
        for (int p = 0; p < phases.size(); p++) {
            List<Counters> after = phases.get(p);
            assertThat(after).as(what + ", phase " + (p + 1) + ": epochs run").hasSize(epochs);
            for (int e = 1; e < after.size(); e++) {
                String when = what + ", phase " + (p + 1) + ", after epoch " + (e + 1);
                assertThat(after.get(e).inUse()).as(when + ": device bytes in live tensors vs epoch 1").isEqualTo(after.getFirst().inUse());
                if (e < poolSettles) continue;
                Counters settled = after.get(poolSettles - 1);
                assertThat(after.get(e)).as(when + ": pool counters vs epoch " + poolSettles).isEqualTo(settled);
            }
        }
        return phases;
    }

    /** A full collection and time for the cleaner thread to run whatever it found. */
    static void forceCollection(DeviceBackend<?> cl) {
        long before = cl.buffersReclaimedByGc();
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(15);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (cl.buffersReclaimedByGc() != before) return;      // found something: no need to wait longer
        }
    }

    @Test
    void mlpTrainingWithRaggedAndValidationBatchesKeepsDeviceMemoryFlat() {
        try (DeviceBackend<?> cl = Devices.open(device())) {
            assertThat(run("MLP", (probe, n) -> LongRun.mlp(cl, n, probe), 4, 1, cl)).hasSize(3);
        }
    }

    @Test
    void lstmLanguageModelWithResetsRaggedChunksAndSamplingKeepsDeviceMemoryFlat() {
        try (DeviceBackend<?> cl = Devices.open(device())) {
            run("LSTM language model", (probe, n) -> LongRun.lstmLanguageModel(cl, n, probe), 5, 2, cl);
        }
    }

    @Test
    void everyRecurrentLayerOverVaryingShapesKeepsDeviceMemoryFlat() {
        try (DeviceBackend<?> cl = Devices.open(device())) {
            run("recurrent layers", (probe, n) -> LongRun.recurrentLayers(cl, n, probe), 4, 1, cl);
        }
    }

    @Test
    void aTensorDroppedWithoutCloseIsCountedWhenTheGcReturnsIt() throws InterruptedException {   // the counter works
        try (DeviceBackend<?> cl = Devices.open(device())) {
            cl.zeros(7).close();
            assertThat(cl.buffersReclaimedByGc()).as("an explicit close is not a GC reclaim").isZero();
            for (int i = 0; i < 10; i++) cl.zeros(7);                // dropped
            for (int i = 0; i < 100 && cl.buffersReclaimedByGc() < 10; i++) {
                System.gc();
                Thread.sleep(20);
            }
            assertThat(cl.buffersReclaimedByGc()).as("buffers of dropped tensors returned by the GC").isEqualTo(10);
        }
    }
}
