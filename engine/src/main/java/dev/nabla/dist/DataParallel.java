package dev.nabla.dist;

import dev.nabla.backend.Backend;
import dev.nabla.loss.Loss;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Synchronous data-parallel training, in process: N replicas of one model, each on its own backend and its own
 * thread, compute the gradient of their shard of every batch; the host adds the N gradients in replica order (in
 * double, so the sum does not depend on timing), and one optimizer step on replica 0 — the master, the only one with
 * optimizer state — takes the batch's gradient; its new weights then go to the others. Mathematically this is the
 * step a single model takes on the whole batch:
 * <pre>
 *   ∂E/∂θ = Σ_i (c_i / C) · ∂E_i/∂θ      c_i: the rows (or elements) of shard i that count, C = Σ c_i
 * </pre>
 * (for a mean loss; ½Σ(d − y)² sums, so there the shards' gradients simply add). With N = 1 it is that single model:
 * no copies, no scaling, the same arithmetic bit for bit. The same code spreads a batch over several GPUs (one
 * backend per device); the Spark module reuses {@link Replica} and {@link Shards} with tasks instead of threads.
 */
public final class DataParallel implements AutoCloseable {
    private final List<Replica> replicas = new ArrayList<>();
    private final List<ExecutorService> threads = new ArrayList<>();
    private final Loss loss;
    private final Optimizer optimizer;
    private final int[] sampleShape;
    private final int targetWidth;

    /**
     * {@code n} replicas of {@code architecture}, replica i on {@code backends.apply(i)}, all bound with {@code seed}
     * (so they start from the same weights); each replica is driven by a thread of its own.
     */
    public DataParallel(Supplier<Sequential> architecture, int n, IntFunction<Backend> backends, long seed, Loss loss,
                        Optimizer optimizer, int[] sampleShape, int targetWidth) {
        this(architecture, n, backends, seed, loss, optimizer, sampleShape, targetWidth, false);
    }

    /** As above, for a sequence model too: {@code timeMajor} models take their batches as [T, B, …] (see {@link Replica}). */
    public DataParallel(Supplier<Sequential> architecture, int n, IntFunction<Backend> backends, long seed, Loss loss,
                        Optimizer optimizer, int[] sampleShape, int targetWidth, boolean timeMajor) {
        Shards.sizes(n, n);                                                  // n ≥ 1
        this.loss = loss;
        this.optimizer = optimizer;
        this.sampleShape = sampleShape.clone();
        this.targetWidth = targetWidth;
        for (int i = 0; i < n; i++) {
            int k = i;
            ExecutorService t = Executors.newSingleThreadExecutor(r -> {
                Thread th = new Thread(r, "nabla-replica-" + k);
                th.setDaemon(true);
                return th;
            });
            threads.add(t);
            replicas.add(on(t, () -> new Replica(architecture.get().bind(backends.apply(k), seed), loss, sampleShape, targetWidth, timeMajor)));
        }
    }

    /** The master replica's model (replica 0): the one the optimizer steps, holding the trained weights. */
    public Sequential model() { return replicas.getFirst().model(); }

    public int replicas() { return replicas.size(); }

    /**
     * One step on a batch of {@code rows} samples: {@code x} holds them one after another, {@code t} their targets.
     * Returns the batch's loss (the mean over what counts, or the sum for ½Σ(d − y)²).
     */
    public float step(float[] x, float[] t, int rows) {
        int per = dev.nabla.backend.Tensor.sizeOf(sampleShape);
        int[] sizes = Shards.sizes(rows, replicas.size());
        int[] start = new int[sizes.length];
        double[] weight = new double[sizes.length];
        double total = 0;
        for (int i = 0, at = 0; i < sizes.length; at += sizes[i], i++) {
            start[i] = at;
            weight[i] = Shards.weight(loss, t, at * targetWidth, sizes[i], targetWidth);
            total += weight[i];
        }
        if (replicas.size() == 1) {                                          // N = 1: the single model's step, exactly
            Replica r = replicas.getFirst();
            float e = (float) on(threads.getFirst(), () -> {
                Replica.Gradient g = r.gradient(x, 0, t, 0, rows, 1.0, false);
                optimizer.step(r.params());
                return g.lossTerm();
            }).doubleValue();
            return e;
        }
        List<Future<Replica.Gradient>> parts = new ArrayList<>();
        for (int i = 0; i < replicas.size(); i++) {
            Replica r = replicas.get(i);
            int s = start[i], n = sizes[i];
            double scale = Shards.scale(loss, weight[i], total);
            parts.add(threads.get(i).submit(() -> n == 0 ? null : r.gradient(x, s * per, t, s * targetWidth, n, scale, true)));
        }
        List<Replica.Gradient> shards = new ArrayList<>();
        for (Future<Replica.Gradient> f : parts) shards.add(get(f));
        float[][] sum = Replica.sumInOrder(shards);
        double lossSum = 0;
        for (Replica.Gradient g : shards) if (g != null) lossSum += g.lossTerm();
        Replica master = replicas.getFirst();
        float[][] w = on(threads.getFirst(), () -> {
            List<Param> ps = master.params();
            for (int p = 0; p < ps.size(); p++) if (!ps.get(p).frozen()) ps.get(p).backend().upload(sum[p], 0, ps.get(p).grad());
            optimizer.step(ps);                                              // one step, on the master, with the batch's gradient
            return master.weights();
        });
        List<Future<Object>> sent = new ArrayList<>();
        for (int i = 1; i < replicas.size(); i++) {
            Replica r = replicas.get(i);
            sent.add(threads.get(i).submit(() -> { r.setWeights(w); return null; }));
        }
        for (Future<Object> f : sent) get(f);
        return (float) lossSum;
    }

    private static <T> T on(ExecutorService thread, java.util.concurrent.Callable<T> work) {
        return get(thread.submit(work));
    }

    private static <T> T get(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a replica", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Closes every replica's workspaces and backend and stops their threads. */
    @Override
    public void close() {
        for (int i = 0; i < replicas.size(); i++) {
            Replica r = replicas.get(i);
            on(threads.get(i), () -> {
                r.close();
                r.model().backend().close();
                return null;
            });
            threads.get(i).shutdown();
        }
    }
}
