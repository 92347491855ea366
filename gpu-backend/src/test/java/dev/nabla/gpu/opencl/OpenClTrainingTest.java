package dev.nabla.gpu.opencl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Sgd;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A short MLP training run, the same model, data, seed and batches on the OpenCL and the reference backend: the loss
 * curves and the trained weights agree, and device memory stays flat from epoch to epoch.
 */
@org.junit.jupiter.api.extension.ExtendWith(OpenClSupport.RequireOpenCl.class)
class OpenClTrainingTest {

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

    static Run train(Backend ops, OpenClBackend memoryProbe) {
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
        try (OpenClBackend cl = OpenClSupport.open()) {
            Run ref = train(new ReferenceBackend(), null);
            Run ocl = train(cl, cl);
            // Every op agrees to float rounding (~1e-6); 40 epochs × 6 steps of momentum SGD let that grow but not diverge.
            for (int e = 0; e < ref.losses().size(); e++) {
                assertThat(ocl.losses().get(e)).as("train loss, epoch " + (e + 1)).isCloseTo(ref.losses().get(e),
                        org.assertj.core.data.Offset.offset(2e-3f * (1 + ref.losses().get(e))));
            }
            for (int p = 0; p < ref.weights().size(); p++) {
                OpenClParityTest.assertClose("parameter " + p + " after training", ocl.weights().get(p), ref.weights().get(p), 5e-3f);
            }
            assertThat(ref.losses().getLast()).as("the run learns something").isLessThan(ref.losses().getFirst() * 0.5f);
            assertThat(ocl.accuracy()).isCloseTo(ref.accuracy(), org.assertj.core.data.Offset.offset(0.02f));
            // Device memory: the first epoch allocates the workspaces, every later epoch reuses them exactly.
            // (A ragged last batch makes Dense/ActivationLayer reallocate workspaces without closing the old ones;
            // those return through the GC cleaner — see MemoryAndRuntimeTest — so memory stays bounded, not flat.)
            List<Long> bytes = ocl.deviceBytes();
            System.out.printf("[opencl] MLP: final loss %.5f (reference %.5f), accuracy %.3f (reference %.3f), device bytes after epochs 1/2/40: %d/%d/%d%n",
                    ocl.losses().getLast(), ref.losses().getLast(), ocl.accuracy(), ref.accuracy(), bytes.get(0), bytes.get(1), bytes.getLast());
            assertThat(bytes).as("device bytes after each epoch").allMatch(b -> b.equals(bytes.getFirst()));
        }
    }
}
