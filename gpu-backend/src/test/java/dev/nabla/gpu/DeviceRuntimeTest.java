package dev.nabla.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.backend.Tensor;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Clipping;
import dev.nabla.optim.Sgd;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The device layer as a user meets it, on each runtime (one subclass per runtime): the buffer pool keeps device
 * memory flat; a closed tensor, a tensor of a closed backend and a second thread are refused; backends on two
 * threads are independent; and a training step waits for the device once (the loss, with ‖g‖ when checked or clipped).
 */
public abstract class DeviceRuntimeTest {
    /** The device under test: "opencl" or "cuda". */
    protected abstract String device();

    private DeviceBackend<?> open() { return Devices.open(device()); }

    /** One float of the result block is the only tensor a fresh backend holds: a pool granule. */
    private static final long RESULT_BYTES = BufferPool.GRANULE * 4L;

    // ---------------------------------------------------------------- the buffer pool

    @Test
    void aLongLoopOfAllocateAndReleaseDoesNotGrowDeviceMemory() {
        try (DeviceBackend<?> cl = open()) {
            long afterFirst = 0, created = 0;
            for (int i = 0; i < 5000; i++) {
                Tensor a = cl.zeros(33, 257), b = cl.upload(new float[7], 7), c = cl.zeros(1000);
                cl.axpy(1f, a, a);
                a.close(); b.close(); c.close();
                if (i == 0) { afterFirst = cl.allocatedBytes(); created = cl.buffersCreated(); }
            }
            assertThat(cl.allocatedBytes()).as("device bytes held after 5000 iterations").isEqualTo(afterFirst);
            assertThat(cl.buffersCreated()).as("driver allocations").isEqualTo(created);
            assertThat(cl.inUseBytes()).as("bytes in live tensors: only the backend's result buffer").isEqualTo(RESULT_BYTES);
        }
    }

    @Test
    void tensorsNobodyClosedReturnToThePoolThroughTheGarbageCollector() throws InterruptedException {
        try (DeviceBackend<?> cl = open()) {
            long baseline = cl.inUseBytes();
            for (int i = 0; i < 200; i++) cl.zeros(1024);       // dropped without close()
            assertThat(cl.inUseBytes()).isGreaterThan(baseline);
            for (int i = 0; i < 100 && cl.inUseBytes() > baseline; i++) {
                System.gc();
                Thread.sleep(20);
            }
            assertThat(cl.inUseBytes()).as("in use after GC").isEqualTo(baseline);
            long created = cl.buffersCreated();
            for (int i = 0; i < 200; i++) cl.zeros(1024).close();
            assertThat(cl.buffersCreated()).as("the collected buffers are reused").isEqualTo(created);
        }
    }

    @Test
    void unclosedTensorsBeyondThePoolLimitAreCollectedNotAccumulated() {
        Devices.require(device());
        System.setProperty("nabla." + device() + ".poolLimitMiB", "8");
        try (DeviceBackend<?> cl = open()) {
            for (int i = 0; i < 200; i++) cl.zeros(256 * 1024);   // 1 MiB each, never closed: 200 MiB without the pool
            assertThat(cl.allocatedBytes()).as("device bytes held").isLessThanOrEqualTo(40L << 20);
        } finally {
            System.clearProperty("nabla." + device() + ".poolLimitMiB");
        }
    }

    @Test
    void overThePoolLimitFreeBuffersOfOtherSizesAreReleasedAndALargeLiveSetRaisesTheLimit() {
        Devices.require(device());
        System.setProperty("nabla." + device() + ".poolLimitMiB", "8");
        try (DeviceBackend<?> cl = open()) {
            long base = cl.allocatedBytes();                      // the backend's own result buffer
            for (int i = 0; i < 3; i++) cl.zeros(256 * 1024 * (i + 1)).close();   // 1, 2, 3 MiB, now free
            assertThat(cl.allocatedBytes()).isEqualTo(base + (6L << 20));
            Tensor big = cl.zeros(256 * 1024 * 4);                // 4 MiB: over the limit, no free buffer that size
            assertThat(cl.allocatedBytes()).as("the free 1/2/3 MiB buffers went back to the driver").isEqualTo(base + (4L << 20));
            List<Tensor> live = new ArrayList<>();
            for (int i = 0; i < 6; i++) live.add(cl.zeros(256 * 1024));   // a live set past the limit: allocations still succeed
            assertThat(cl.allocatedBytes()).isEqualTo(base + (10L << 20));
            assertThat(cl.download(live.getLast()).length).isEqualTo(256 * 1024);
            big.close();
            live.forEach(Tensor::close);
        } finally {
            System.clearProperty("nabla." + device() + ".poolLimitMiB");
        }
    }

    @Test
    void releasingTwiceIsHarmless() {
        try (DeviceBackend<?> cl = open()) {
            Tensor t = cl.zeros(5);
            long inUse = cl.inUseBytes();
            t.close();
            t.close();
            assertThat(cl.inUseBytes()).isEqualTo(inUse - RESULT_BYTES);
        }
    }

    // ---------------------------------------------------------------- safety

    /** The bug this guards against: a closed tensor kept working, writing into whichever tensor got its pooled buffer. */
    @Test
    void aClosedTensorCannotWriteIntoTheTensorThatReusedItsBuffer() {
        try (DeviceBackend<?> cl = open()) {
            Tensor a = cl.upload(new float[] {1, 2, 3}, 3);
            long created = cl.buffersCreated();
            a.close();
            Tensor b = cl.upload(new float[] {4, 5, 6}, 3);
            assertThat(cl.buffersCreated()).as("b took a's buffer from the pool").isEqualTo(created);
            assertThatThrownBy(() -> cl.fill(a, 0f)).isInstanceOf(IllegalStateException.class).hasMessageContaining("was closed");
            assertThatThrownBy(() -> cl.copy(b, a.view(0, 3))).isInstanceOf(IllegalStateException.class);
            assertThat(cl.download(b)).containsExactly(4, 5, 6);
        }
    }

    @Test
    void aSecondThreadIsRefusedUntilTheFirstHasEnded() throws Exception {
        try (DeviceBackend<?> cl = open()) {
            Tensor t = cl.zeros(4);
            cl.fill(t, 1f);                                       // this thread owns the backend now
            AtomicReference<Throwable> seen = new AtomicReference<>();
            Thread other = new Thread(() -> {
                try {
                    cl.fill(t, 2f);
                } catch (Throwable e) {
                    seen.set(e);
                }
            }, "intruder");
            other.start();
            other.join();
            assertThat(seen.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("fill")
                    .hasMessageContaining("thread '" + Thread.currentThread().getName() + "'").hasMessageContaining("'intruder'")
                    .hasMessageContaining("one backend per thread");
            assertThat(cl.download(t)).containsOnly(1f);
        }
        // a backend made and used on a thread that has ended may be taken over
        AtomicReference<DeviceBackend<?>> made = new AtomicReference<>();
        Thread maker = new Thread(() -> {
            DeviceBackend<?> b = open();
            b.zeros(3);
            made.set(b);
        });
        maker.start();
        maker.join();
        try (DeviceBackend<?> b = made.get()) {
            assertThat(b.download(b.upload(new float[] {7}, 1))).containsExactly(7);
        }
    }

    /** Two threads, one backend each, training the same model at once: neither crashes nor changes the other's numbers. */
    @Test
    void backendsOnTwoThreadsAreIndependent() throws Exception {
        List<Float> alone = trainMlp(open());
        List<List<Float>> both = new ArrayList<>(List.of(List.of(), List.of()));
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread[] threads = new Thread[2];
        for (int i = 0; i < 2; i++) {
            int k = i;
            threads[i] = new Thread(() -> {
                try {
                    both.set(k, trainMlp(open()));
                } catch (Throwable e) {
                    errors.add(e);
                }
            }, "trainer-" + i);
        }
        for (Thread t : threads) t.start();
        for (Thread t : threads) t.join();
        assertThat(errors).isEmpty();
        assertThat(both.get(0)).as("thread 0's losses").isEqualTo(alone);
        assertThat(both.get(1)).as("thread 1's losses").isEqualTo(alone);
    }

    private static Dataset blobs() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 96;
        float[] x = new float[n * 8];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
            for (int j = 0; j < 8; j++) x[i * 8 + j] = (float) (r.nextGaussian() * 0.5 + (j % 3 == y[i] ? 1 : 0));
        }
        return Dataset.classification(x, new int[] {8}, y);
    }

    private static List<Float> trainMlp(DeviceBackend<?> cl) {
        try (cl) {
            Sequential model = Sequential.mlp(ActivationLayer::tanh, 8, 16, 3).bind(cl, 5);
            List<Float> losses = new ArrayList<>();
            new Trainer().epochs(6).batchSize(16).seed(2).listener(s -> losses.add(s.trainLoss()))
                    .fit(model, new SoftmaxCrossEntropy(), Sgd.momentum(0.1f, 0.9f), blobs());
            return losses;
        }
    }

    // ---------------------------------------------------------------- waits for the device

    /** One training step as the Trainer runs it: zero, forward, loss, backward, (clip,) update. */
    private static float step(Sequential model, List<Param> params, Tensor x, Tensor labels, Tensor dy, Sgd sgd, float clip) {
        for (Param p : params) p.zeroGrad();
        Tensor y = model.forward(x, true);
        float e = new SoftmaxCrossEntropy().compute(y, labels, dy);
        model.backwardParams(dy);
        if (clip > 0) Clipping.clipGlobalNorm(params, clip);
        sgd.step(params);
        return e;
    }

    private void assertSyncsPerStep(String what, Sequential model, int[] xShape, int classes, float clip, long expected) {
        try (DeviceBackend<?> cl = open()) {
            model.bind(cl, 1);
            List<Param> params = model.params();
            SplittableRandom r = new SplittableRandom(1);
            float[] xs = new float[Tensor.sizeOf(xShape)], ls = new float[xShape[0]];
            for (int i = 0; i < xs.length; i++) xs[i] = (float) r.nextDouble();
            for (int i = 0; i < ls.length; i++) ls[i] = r.nextInt(classes);
            Tensor x = cl.zeros(xShape), labels = cl.zeros(xShape[0]), dy = cl.zeros(xShape[0], classes);
            Sgd sgd = Sgd.momentum(0.01f, 0.9f);
            for (int i = 0; i < 2; i++) {                         // warm-up: workspaces, kernels built
                cl.upload(xs, 0, x);
                cl.upload(ls, 0, labels);
                step(model, params, x, labels, dy, sgd, clip);
            }
            long before = cl.hostSyncs();
            int steps = 5;
            for (int i = 0; i < steps; i++) {
                cl.upload(xs, 0, x);                              // a new batch goes up without waiting
                cl.upload(ls, 0, labels);
                step(model, params, x, labels, dy, sgd, clip);
            }
            long perStep = (cl.hostSyncs() - before) / steps;
            System.out.printf("[%s] %s: %d wait(s) for the device per training step%n", device(), what, perStep);
            assertThat(cl.hostSyncs() - before).as(what + ": waits for the device in " + steps + " steps").isEqualTo(expected * steps);
        }
    }

    @Test
    void aTrainingStepWaitsForTheDeviceOnceForTheLoss() {
        assertSyncsPerStep("MLP", Sequential.mlp(ActivationLayer::relu, 20, 32, 10), new int[] {16, 20}, 10, 0f, 1);
        assertSyncsPerStep("CNN", new Sequential(new Conv2d(1, 4, 3), ActivationLayer.relu(), new MaxPool2d(2), new Flatten(),
                new Dense(4 * 3 * 3, 5)), new int[] {8, 1, 8, 8}, 5, 0f, 1);
    }

    @Test
    void withClippingTheGradientNormIsOneMoreWaitHoweverManyParameters() {
        assertSyncsPerStep("MLP with clipping (6 parameters)", Sequential.mlp(ActivationLayer::relu, 20, 32, 16, 10),
                new int[] {16, 20}, 10, 1f, 2);
    }

    /**
     * The Trainer by default checks every step's gradient norm before the update (a non-finite one stops training naming
     * the parameter): the loss stays on the device and comes back with the norm, so a step waits once — with the check,
     * without it, and with clipping, however many parameters. The end of fit checks once that the last update left every
     * weight finite.
     */
    @Test
    void aTrainerStepWaitsForTheDeviceOnceWithTheGradientCheckWithoutItAndWithClipping() {
        int epochs = 3, steps = 96 / 16;
        long once = (long) epochs * (steps + 1) + 1;
        assertThat(trainerWaits(new Trainer(), epochs)).as("per step the loss and ‖g‖ in one read, per epoch the hits added up on "
                + "the device, at the end one check that the last update left every weight finite").isEqualTo(once);
        assertThat(trainerWaits(new Trainer().checkGradients(false), epochs)).as("without the gradient check: the loss per step, the hits per epoch")
                .isEqualTo(once);
        assertThat(trainerWaits(new Trainer().clipNorm(1f), epochs)).as("clipping: the norm comes back with the loss").isEqualTo(once);
    }

    /**
     * A language model (Embedding → LSTM → dense head) trained by the Trainer waits no more than the MLP: inside a fit
     * the embedding's index checks go with the loss read (the tokens were checked on the host up front), so there is no
     * read-back per embedding op.
     */
    @Test
    void aLanguageModelsStepWaitsOnlyForTheLossAndTheGradientNorm() {
        int[] tokens = new int[8 * 16 * 4 + 1];
        for (int i = 0; i < tokens.length; i++) tokens[i] = (i * 7 + i / 5) % 11;
        Dataset streams = dev.nabla.data.Sequences.streams(tokens, 8, 16);        // 4 steps per epoch of 8 streams × 16 tokens
        int epochs = 2, steps = streams.size() / 8;
        for (boolean check : new boolean[] {true, false}) {
            try (DeviceBackend<?> cl = open()) {
                Sequential lm = dev.nabla.nn.rnn.LstmLanguageModel.create(11, 6, 12, 1, 1f).bind(cl, 3);
                long before = cl.hostSyncs();
                new Trainer().epochs(epochs).batchSize(8).shuffle(false).carryState(true).checkGradients(check)
                        .fit(lm, new SoftmaxCrossEntropy(), Sgd.momentum(0.1f, 0.9f), streams);
                long waits = cl.hostSyncs() - before;
                System.out.printf("[%s] LSTM language model, gradient check %s: %d waits in %d epochs of %d steps%n", device(), check ? "on" : "off",
                        waits, epochs, steps);
                assertThat(waits).as("per step the loss" + (check ? " and ‖g‖ in one read" : "") + ", per epoch the hits, once the final check")
                        .isEqualTo((long) epochs * (steps + 1) + 1);
            }
        }
    }

    private long trainerWaits(Trainer trainer, int epochs) {
        try (DeviceBackend<?> cl = open()) {
            Sequential model = Sequential.mlp(ActivationLayer::tanh, 8, 16, 3).bind(cl, 5);
            long before = cl.hostSyncs();
            trainer.epochs(epochs).batchSize(16).seed(2).fit(model, new SoftmaxCrossEntropy(), Sgd.momentum(0.1f, 0.9f), blobs());
            long waits = cl.hostSyncs() - before;
            System.out.printf("[%s] Trainer: %d waits for the device in %d epochs of %d steps%n", device(), waits, epochs, 96 / 16);
            return waits;
        }
    }
}
