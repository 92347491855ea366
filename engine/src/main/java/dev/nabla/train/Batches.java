package dev.nabla.train;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import java.util.HashMap;
import java.util.Map;

/**
 * Stages mini-batches of a host {@link Dataset} into backend tensors that are allocated once per batch size and
 * reused: the input batch goes up, nothing else is allocated per step. Closing it gives every staged tensor back
 * (the trainer closes it when a fit or an evaluation ends, so a long run of epochs does not pile them up).
 *
 * <p>A sequence data set is staged time-major: x [T, B, …] and, for one label per step, targets [T, B].
 */
final class Batches implements AutoCloseable {
    record Batch(Tensor x, Tensor target, int size) {}

    private final Backend ops;
    private final Dataset data;
    private final float[] xHost, tHost;
    private final Map<Integer, Batch> bySize = new HashMap<>();
    private final Map<String, Tensor> grads = new HashMap<>();

    Batches(Backend ops, Dataset data, int maxBatch) {
        this.ops = ops;
        this.data = data;
        this.xHost = new float[maxBatch * data.sampleSize()];
        this.tHost = new float[maxBatch * data.targetWidth()];
    }

    /** Samples idx[start .. start+n) as one batch on the backend. */
    Batch load(int[] idx, int start, int n) {
        int per = data.sampleSize(), tw = data.targetWidth();
        if (data.timeMajor()) {
            int T = data.steps(), step = per / T;                        // sample i, step t → row t·n + i
            for (int i = 0; i < n; i++) {
                int s = idx[start + i];
                for (int t = 0; t < T; t++) System.arraycopy(data.features(), s * per + t * step, xHost, (t * n + i) * step, step);
                if (data.perStepTargets()) for (int t = 0; t < T; t++) tHost[t * n + i] = data.targets()[s * tw + t];
                else System.arraycopy(data.targets(), s * tw, tHost, i * tw, tw);
            }
        } else {
            for (int i = 0; i < n; i++) {
                System.arraycopy(data.features(), idx[start + i] * per, xHost, i * per, per);
                System.arraycopy(data.targets(), idx[start + i] * tw, tHost, i * tw, tw);
            }
        }
        Batch b = bySize.computeIfAbsent(n, k -> new Batch(ops.zeros(data.batchShape(k)), ops.zeros(data.targetShape(k)), k));
        ops.upload(xHost, 0, b.x());
        ops.upload(tHost, 0, b.target());
        return b;
    }

    /** Of the staged batch's target rows [from, from + rows): how many are labels ≥ 0 (the rows a classification loss counts). */
    int countedLabels(int from, int rows) {
        int c = 0;
        for (int r = from; r < from + rows; r++) if (tHost[r] >= 0) c++;
        return c;
    }

    /** A reusable tensor shaped like {@code y} for ∂E/∂y. */
    Tensor gradientLike(Tensor y) {
        return grads.computeIfAbsent(y.shapeString(), k -> ops.zeros(y.shape()));
    }

    /** Releases every staged batch and gradient tensor. */
    @Override
    public void close() {
        for (Batch b : bySize.values()) Tensor.closeAll(b.x(), b.target());
        Tensor.closeAll(grads.values().toArray(Tensor[]::new));
        bySize.clear();
        grads.clear();
    }
}
