package dev.nabla.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.AvgPool2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.rnn.LstmLanguageModel;
import dev.nabla.nn.rnn.SequenceBatches;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Sgd;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Short training runs — an MLP, a LeNet-5-style CNN and an LSTM language model — with the same model, data, seed
 * and batches on a device backend (OpenCL, CUDA) and the reference backend: the loss curves and the trained weights agree within the
 * stated tolerances, and device memory stays flat from epoch to epoch.
 *
 * <p>Tolerances: each op agrees with the reference to float rounding (~1e-6 relative, the parity tests); training
 * feeds those differences back through every step, so curves are compared at 2e-3 relative and weights at 5e-3.
 */
public abstract class DeviceTrainingTest {
    /** The device under test: "opencl" or "cuda". */
    protected abstract String device();


    /** Three interleaved spirals of 60 points each (a classic that a linear model cannot fit). */
    static Dataset spirals() {
        int perClass = 60, classes = 3;
        float[] x = new float[perClass * classes * 2];
        int[] y = new int[perClass * classes];
        for (int c = 0; c < classes; c++)
            for (int i = 0; i < perClass; i++) {
                int k = c * perClass + i;
                double r = (double) i / perClass, t = c * 4 + 4 * r + Math.sin(k * 12.9898) * 0.2;   // deterministic jitter
                x[2 * k] = (float) (r * Math.sin(t));
                x[2 * k + 1] = (float) (r * Math.cos(t));
                y[k] = c;
            }
        return Dataset.classification(x, new int[] {2}, y);
    }

    record Run(List<Float> losses, List<Long> deviceBytes, List<float[]> weights, float accuracy) {}

    static Run train(Backend ops, DeviceBackend<?> memoryProbe) {
        Sequential model = new Sequential(new Dense(2, 32), ActivationLayer.tanh(), new Dense(32, 32), ActivationLayer.relu(),
                new Dense(32, 3)).bind(ops, 7);
        List<Float> losses = new ArrayList<>();
        List<Long> bytes = new ArrayList<>();
        new Trainer().epochs(40).batchSize(30).seed(11)   // 180 = 6 × 30: every batch the same shape
                .listener(s -> {
                    losses.add(s.trainLoss());
                    if (memoryProbe != null) bytes.add(memoryProbe.allocatedBytes());
                })
                .fit(model, new SoftmaxCrossEntropy(), Sgd.momentum(0.1f, 0.9f), spirals());
        List<float[]> weights = new ArrayList<>();
        for (Param p : model.params()) weights.add(ops.download(p.value()));
        float acc = Trainer.evaluate(model, new SoftmaxCrossEntropy(), spirals(), 64).accuracy();
        return new Run(losses, bytes, weights, acc);
    }

    @Test
    void mlpTrainsLikeTheReferenceBackend() {
        try (DeviceBackend<?> cl = Devices.open(device())) {
            Run ref = train(new ReferenceBackend(), null);
            Run ocl = train(cl, cl);
            // Every op agrees to float rounding (~1e-6); 40 epochs × 6 steps of momentum SGD let that grow but not diverge.
            for (int e = 0; e < ref.losses().size(); e++) {
                assertThat(ocl.losses().get(e)).as("train loss, epoch " + (e + 1)).isCloseTo(ref.losses().get(e),
                        org.assertj.core.data.Offset.offset(2e-3f * (1 + ref.losses().get(e))));
            }
            for (int p = 0; p < ref.weights().size(); p++) {
                DeviceParityTest.assertClose("parameter " + p + " after training", ocl.weights().get(p), ref.weights().get(p), 5e-3f);
            }
            assertThat(ref.losses().getLast()).as("the run learns something").isLessThan(ref.losses().getFirst() * 0.5f);
            assertThat(ocl.accuracy()).isCloseTo(ref.accuracy(), org.assertj.core.data.Offset.offset(0.02f));
            // Device memory: the first epoch allocates the workspaces, every later epoch reuses them exactly.
            // (Ragged batches, resets and sampling: LongRunMemoryTest.)
            List<Long> bytes = ocl.deviceBytes();
            System.out.printf("[" + device() + "] MLP: final loss %.5f (reference %.5f), accuracy %.3f (reference %.3f), device bytes after epochs 1/2/40: %d/%d/%d%n",
                    ocl.losses().getLast(), ref.losses().getLast(), ocl.accuracy(), ref.accuracy(), bytes.get(0), bytes.get(1), bytes.getLast());
            assertThat(bytes).as("device bytes after each epoch").allMatch(b -> b.equals(bytes.getFirst()));
        }
    }

    /** 12×12 images of three noisy patterns: horizontal bars, vertical bars, a diagonal cross. */
    static Dataset patterns() {
        int n = 96, side = 12;
        float[] x = new float[n * side * side];
        int[] y = new int[n];
        java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
        for (int s = 0; s < n; s++) {
            int c = s % 3, shift = rng.nextInt(3);
            y[s] = c;
            for (int i = 0; i < side; i++)
                for (int j = 0; j < side; j++) {
                    boolean on = switch (c) {
                        case 0 -> (i + shift) % 4 == 0;
                        case 1 -> (j + shift) % 4 == 0;
                        default -> Math.abs(i - j) <= 1 || Math.abs(i + j - side + 1) <= 1;
                    };
                    x[(s * side + i) * side + j] = (on ? 1f : 0f) + (float) rng.nextDouble(-0.3, 0.3);
                }
        }
        return Dataset.classification(x, new int[] {1, side, side}, y);
    }

    static Run trainLeNet(Backend ops, DeviceBackend<?> memoryProbe) {
        // LeNet-5's shape at 12×12: conv 5×5 (same) → tanh → max-pool 2 → conv 3×3 → ReLU → avg-pool 2 → dense → dense
        Sequential model = new Sequential(new Conv2d(1, 6, 5).padding(2), ActivationLayer.tanh(), new MaxPool2d(2),
                new Conv2d(6, 16, 3), ActivationLayer.relu(), new AvgPool2d(2), new Flatten(),
                new Dense(16 * 2 * 2, 32), ActivationLayer.relu(), new Dense(32, 3)).bind(ops, 3);
        List<Float> losses = new ArrayList<>();
        List<Long> bytes = new ArrayList<>();
        new Trainer().epochs(8).batchSize(16).seed(2)
                .listener(s -> {
                    losses.add(s.trainLoss());
                    if (memoryProbe != null) bytes.add(memoryProbe.allocatedBytes());
                })
                .fit(model, new SoftmaxCrossEntropy(), Sgd.momentum(0.05f, 0.9f), patterns());
        List<float[]> weights = new ArrayList<>();
        for (Param p : model.params()) weights.add(ops.download(p.value()));
        return new Run(losses, bytes, weights, Trainer.evaluate(model, new SoftmaxCrossEntropy(), patterns(), 32).accuracy());
    }

    @Test
    void leNetTrainsLikeTheReferenceBackend() {
        try (DeviceBackend<?> cl = Devices.open(device())) {
            Run ref = trainLeNet(new ReferenceBackend(), null);
            Run ocl = trainLeNet(cl, cl);
            for (int e = 0; e < ref.losses().size(); e++) {
                assertThat(ocl.losses().get(e)).as("LeNet train loss, epoch " + (e + 1)).isCloseTo(ref.losses().get(e),
                        org.assertj.core.data.Offset.offset(2e-3f * (1 + ref.losses().get(e))));
            }
            for (int p = 0; p < ref.weights().size(); p++) {
                DeviceParityTest.assertClose("LeNet parameter " + p, ocl.weights().get(p), ref.weights().get(p), 5e-3f);
            }
            assertThat(ref.losses().getLast()).as("the run learns something").isLessThan(ref.losses().getFirst() * 0.5f);
            assertThat(ocl.accuracy()).isEqualTo(ref.accuracy());
            System.out.printf("[" + device() + "] LeNet: final loss %.5f (reference %.5f), accuracy %.3f, device bytes after epochs 1/8: %d/%d%n",
                    ocl.losses().getLast(), ref.losses().getLast(), ocl.accuracy(), ocl.deviceBytes().getFirst(), ocl.deviceBytes().getLast());
            assertThat(ocl.deviceBytes()).as("device bytes after each epoch").allMatch(b -> b.equals(ocl.deviceBytes().getFirst()));
        }
    }

    /** Truncated-BPTT training of an embedding → 2-layer LSTM → dense language model on a periodic sequence. */
    static List<Float> trainLstm(Backend ops, List<Long> bytes, DeviceBackend<?> memoryProbe) {
        int[] text = new int[4 * 141];    // 4 streams of 141 tokens: 14 chunks of exactly 10 steps (Lstm reallocates on a ragged chunk)
        int[] period = {0, 1, 2, 3, 4, 2, 1};
        for (int i = 0; i < text.length; i++) text[i] = period[i % period.length];
        dev.nabla.nn.Sequential lm = LstmLanguageModel.create(5, 4, 16, 2, 1f).bind(ops, 1).carryState(true);
        List<SequenceBatches.Batch> chunks = SequenceBatches.streams(text, 4, 10);
        Sgd sgd = Sgd.momentum(0.5f, 0.9f);
        List<Float> losses = new ArrayList<>();
        for (int epoch = 0; epoch < 4; epoch++) {
            lm.resetState();
            for (SequenceBatches.Batch b : chunks) {
                Tensor in = ops.upload(b.inputs(), b.steps(), b.batch()), lab = ops.upload(b.labels(), b.steps() * b.batch());
                losses.add(dev.nabla.train.Trainer.step(lm, new dev.nabla.loss.SoftmaxCrossEntropy(), sgd, in, lab, 5f));   // gradient-norm clipping at 5: sumSquares on the device
                in.close();
                lab.close();
                if (memoryProbe != null) bytes.add(memoryProbe.allocatedBytes());
            }
        }
        return losses;
    }

    @Test
    void lstmLanguageModelTrainsLikeTheReferenceBackend() {
        try (DeviceBackend<?> cl = Devices.open(device())) {
            List<Float> ref = trainLstm(new ReferenceBackend(), new ArrayList<>(), null);
            List<Long> bytes = new ArrayList<>();
            List<Float> ocl = trainLstm(cl, bytes, cl);
            for (int s = 0; s < ref.size(); s++) {
                assertThat(ocl.get(s)).as("LSTM loss, step " + (s + 1)).isCloseTo(ref.get(s),
                        org.assertj.core.data.Offset.offset(2e-3f * (1 + ref.get(s))));
            }
            assertThat(ref.getLast()).as("the run learns something").isLessThan(ref.getFirst() * 0.5f);
            System.out.printf("[" + device() + "] LSTM LM: %d steps, final loss %.5f (reference %.5f), device bytes after steps 1/14/56: %d/%d/%d%n",
                    ocl.size(), ocl.getLast(), ref.getLast(), bytes.getFirst(), bytes.get(13), bytes.getLast());
            // A training step allocates nothing: within each epoch, from its second step on (the first step after
            // resetState() allocates the carried states), the device bytes do not move. (Across epochs too: LongRunMemoryTest.)
            int perEpoch = ocl.size() / 4;
            for (int s = 0; s < bytes.size(); s++) {
                if (s % perEpoch < 1) continue;
                assertThat(bytes.get(s)).as("device bytes after step " + (s + 1)).isEqualTo(bytes.get(s / perEpoch * perEpoch + 1));
            }
        }
    }
}
