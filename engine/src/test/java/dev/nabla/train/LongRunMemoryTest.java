package dev.nabla.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.testing.LongRun;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

/**
 * The engine's side of "a long training run does not grow device memory", for every backend: layers, losses, the
 * trainer and the language model close each workspace they replace (a new batch size, a ragged last batch, a state
 * reset) instead of dropping it, so a GPU backend's pool gets it back at once and not whenever the GC runs. A backend
 * that tracks its live tensors (allocated, not yet closed) shows it without any GC: from the end of the first epoch on,
 * the live set neither grows in count nor in floats. (The OpenCL backend's buffer pool is checked the same way in
 * gpu-backend's LongRunMemoryTest.)
 */
class LongRunMemoryTest {

    /** The reference backend, counting the tensors it handed out and that were not closed since. */
    static final class LiveTensors extends ReferenceBackend {
        final Set<Tensor> live = Collections.newSetFromMap(new IdentityHashMap<>());

        @Override
        protected Tensor doZeros(int[] shape) { return track(super.doZeros(shape)); }

        private Tensor track(Tensor t) {
            live.add(t);
            return t;
        }

        @Override
        protected void doRelease(Tensor t) { live.remove(t); }

        long floats() { return live.stream().mapToLong(Tensor::size).sum(); }
    }

    /** Runs a workload and returns, per phase (a phase restarts at epoch 1), the live {count, floats} after each epoch. */
    static List<List<long[]>> record(LiveTensors ops, java.util.function.ObjIntConsumer<IntConsumer> workload, int epochs) {
        List<List<long[]>> phases = new ArrayList<>();
        workload.accept(epoch -> {
            if (epoch == 1) phases.add(new ArrayList<>());
            phases.getLast().add(new long[] {ops.live.size(), ops.floats()});
        }, epochs);
        return phases;
    }

    static void assertFlat(String what, List<List<long[]>> phases, int epochs) {
        assertThat(phases).as(what + ": phases").isNotEmpty();
        for (int p = 0; p < phases.size(); p++) {
            List<long[]> after = phases.get(p);
            assertThat(after).as(what + ", phase " + (p + 1) + ": epochs run").hasSize(epochs);
            for (int e = 1; e < after.size(); e++) {
                assertThat(after.get(e)).as(what + ", phase " + (p + 1) + ": live tensors {count, floats} after epoch " + (e + 1)
                        + " vs epoch 1").containsExactly(after.getFirst());
            }
        }
    }

    @Test
    void mlpTrainingWithRaggedAndValidationBatchesKeepsTheLiveSetFlat() {
        LiveTensors ops = new LiveTensors();
        var phases = record(ops, (probe, n) -> LongRun.mlp(ops, n, probe), 6);
        assertThat(phases).hasSize(3);
        assertFlat("MLP", phases, 6);
    }

    @Test
    void fitAndEvaluateCloseTheBatchesTheyStaged() {
        LiveTensors ops = new LiveTensors();
        dev.nabla.nn.Sequential model = new dev.nabla.nn.Sequential(new dev.nabla.nn.Dense(2, 3)).bind(ops, 1);
        var loss = new dev.nabla.loss.SoftmaxCrossEntropy();
        Trainer.evaluate(model, loss, LongRun.blobs(), 10);      // the layer's workspaces for batches of 10 and 1
        long live = ops.live.size();
        for (int i = 0; i < 3; i++) Trainer.evaluate(model, loss, LongRun.blobs(), 10);
        assertThat(ops.live).as("live tensors after three more evaluations").hasSize((int) live);
        new Trainer().epochs(2).batchSize(10).fit(model, loss, new dev.nabla.optim.Sgd(0.1f), LongRun.blobs());
        long afterFit = ops.live.size();
        new Trainer().epochs(3).batchSize(10).fit(model, loss, new dev.nabla.optim.Sgd(0.1f), LongRun.blobs());
        assertThat(ops.live).as("live tensors after another fit").hasSize((int) afterFit);
    }

    @Test
    void lstmLanguageModelWithResetsRaggedChunksAndSamplingKeepsTheLiveSetFlat() {
        LiveTensors ops = new LiveTensors();
        assertFlat("LSTM language model", record(ops, (probe, n) -> LongRun.lstmLanguageModel(ops, n, probe), 5), 5);
    }

    @Test
    void everyRecurrentLayerOverVaryingShapesKeepsTheLiveSetFlat() {
        LiveTensors ops = new LiveTensors();
        assertFlat("recurrent layers", record(ops, (probe, n) -> LongRun.recurrentLayers(ops, n, probe), 5), 5);
    }

    @Test
    void theTrackingBackendSeesADroppedTensor() {                 // the negative control: a leak shows in the counters
        LiveTensors ops = new LiveTensors();
        List<List<long[]>> phases = record(ops, (probe, n) -> {
            for (int e = 1; e <= n; e++) {
                ops.zeros(3, 4);                                     // dropped without close()
                probe.accept(e);
            }
        }, 3);
        assertThat(phases.getFirst().getLast()).containsExactly(3, 36);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> assertFlat("leaky loop", phases, 3)).isInstanceOf(AssertionError.class);
    }
}
