package dev.nabla.dist;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.loss.Loss;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.train.Dataset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One copy of a model on its own backend: takes the weights it is given and computes the gradient of its shard of
 * a batch. What a data-parallel step asks of a worker, whether the worker is a thread ({@link DataParallel}) or a
 * Spark task.
 */
public final class Replica implements AutoCloseable {
    /** A shard's result: ∂E/∂θ per parameter (already scaled by the shard's share of the batch), and its loss term. */
    public record Gradient(float[][] grads, double lossTerm) implements java.io.Serializable {}

    private final Sequential model;
    private final Loss loss;
    private final Backend ops;
    private final List<Param> params;
    private final int[] sampleShape;
    private final int targetWidth;
    private final boolean timeMajor;
    private final Map<Integer, Tensor[]> staged = new HashMap<>();   // per shard size: x, targets, ∂E/∂y

    /**
     * A replica of {@code model} (already bound to its backend) for samples of {@code sampleShape} with targets of
     * {@code targetWidth}; a {@code timeMajor} (sequence) model takes its batch as [T, B, …], as the Trainer stages it.
     */
    public Replica(Sequential model, Loss loss, int[] sampleShape, int targetWidth, boolean timeMajor) {
        this.model = model;
        this.loss = loss;
        this.ops = model.backend();
        this.params = model.params();
        this.sampleShape = sampleShape.clone();
        this.targetWidth = targetWidth;
        this.timeMajor = timeMajor;
    }

    /** A replica for weights only (no gradients): {@link #weights()}, {@link #setWeights}. */
    public Replica(Sequential model, Loss loss) { this(model, loss, new int[] {1}, 1, false); }

    public Sequential model() { return model; }

    public List<Param> params() { return params; }

    /** Every parameter's value, downloaded. */
    public float[][] weights() {
        float[][] w = new float[params.size()][];
        for (int i = 0; i < w.length; i++) w[i] = ops.download(params.get(i).value());
        return w;
    }

    /** Sets every parameter's value (an upload), e.g. to the weights the master just stepped. */
    public void setWeights(float[][] w) {
        if (w.length != params.size()) throw new IllegalArgumentException("setWeights: " + w.length + " arrays for " + params.size() + " parameters");
        for (int i = 0; i < w.length; i++) params.get(i).set(w[i]);
    }

    /**
     * ∂E/∂θ of the shard of {@code rows} samples {@code x[xOffset ..]} (one after another) with targets
     * {@code t[tOffset ..]}, the loss's δ multiplied by {@code scale} (the shard's share of the whole batch, so that the
     * shards' gradients add up to the batch's; 1 leaves the arithmetic untouched). Leaves the gradient in the model's
     * {@link Param#grad()}s; {@code download} also brings it back.
     */
    public Gradient gradient(float[] x, int xOffset, float[] t, int tOffset, int rows, double scale, boolean download) {
        int per = Tensor.sizeOf(sampleShape), tw = targetWidth;
        boolean perStep = timeMajor && tw == sampleShape[0];
        Tensor[] s = staged.computeIfAbsent(rows, n -> new Tensor[] {ops.zeros(Dataset.batchShape(sampleShape, timeMajor, n)),
                ops.zeros(Dataset.targetShape(sampleShape, tw, timeMajor, n)), null});   // staged as the Trainer stages them
        if (timeMajor) {                                                      // sample i, step τ → row τ·n + i
            int T = sampleShape[0], step = per / T;
            float[] xh = new float[rows * per], th = new float[rows * tw];
            for (int i = 0; i < rows; i++) {
                for (int tau = 0; tau < T; tau++) System.arraycopy(x, xOffset + i * per + tau * step, xh, (tau * rows + i) * step, step);
                if (perStep) for (int tau = 0; tau < T; tau++) th[tau * rows + i] = t[tOffset + i * tw + tau];
                else System.arraycopy(t, tOffset + i * tw, th, i * tw, tw);
            }
            ops.upload(xh, 0, s[0]);
            ops.upload(th, 0, s[1]);
        } else {
            ops.upload(x, xOffset, s[0]);
            ops.upload(t, tOffset, s[1]);
        }
        for (Param p : params) p.zeroGrad();
        Tensor y = model.forward(s[0], true);                                 // forward pass
        if (s[2] == null || !java.util.Arrays.equals(s[2].shape(), y.shape())) {
            Tensor.closeAll(s[2]);
            s[2] = ops.zeros(y.shape());
        }
        float e = loss.compute(y, s[1], s[2]);                                // E and δ = ∂E/∂y of the shard
        if (scale != 1.0) ops.scale(s[2], (float) scale);                    // δ · (shard's share of the batch)
        model.backwardParams(s[2]);                                           // ∂E/∂θ of the shard
        float[][] g = null;
        if (download) {
            g = new float[params.size()][];
            for (int i = 0; i < g.length; i++) g[i] = ops.download(params.get(i).grad());
        }
        return new Gradient(g, e * scale);
    }

    @Override
    public void close() {
        for (Tensor[] s : staged.values()) Tensor.closeAll(s);
        staged.clear();
    }

    /**
     * Σ over the shards' gradients, parameter by parameter, in the shards' order and in double (null shards, empty ones,
     * add nothing): the one fixed-order reduction every transport uses, so the sum does not depend on which shard
     * finished first.
     */
    public static float[][] sumInOrder(List<Gradient> shards) {
        float[][] first = shards.stream().filter(g -> g != null).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("a step over an empty batch: every shard is empty")).grads();
        float[][] out = new float[first.length][];
        for (int p = 0; p < first.length; p++) {
            double[] acc = new double[first[p].length];
            for (Gradient g : shards) {
                if (g == null) continue;
                float[] v = g.grads()[p];
                for (int j = 0; j < acc.length; j++) acc[j] += v[j];
            }
            out[p] = new float[acc.length];
            for (int j = 0; j < acc.length; j++) out[p][j] = (float) acc[j];
        }
        return out;
    }
}
