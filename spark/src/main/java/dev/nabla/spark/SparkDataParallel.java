package dev.nabla.spark;

import dev.nabla.dist.Replica;
import dev.nabla.dist.Shards;
import dev.nabla.loss.Loss;
import dev.nabla.nn.Param;
import dev.nabla.optim.Optimizer;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Synchronous data-parallel training on Apache Spark. The samples live in an RDD, partitioned and cached on the
 * executors. Each step:
 * <ol>
 *   <li>the driver broadcasts the weights and the batch (a set of sample indices);</li>
 *   <li>in {@code mapPartitionsWithIndex}, every partition's task takes its samples of the batch, loads the weights
 *       into the replica its executor thread keeps ({@link ModelSpec#replica()}), and computes the <em>summed</em>
 *       gradient of its shard (the shard's mean gradient times what it counts, c_i);</li>
 *   <li>the driver collects them in partition order, adds them in that order, divides by the batch's C = Σ c_i, and
 *       takes one optimizer step on its own replica (the only one with optimizer state).</li>
 * </ol>
 * A task's result depends only on the broadcast weights, the batch and its partition's data, so a task that is
 * killed and retried, or run twice speculatively, returns the same numbers, and the fixed reduction order makes the
 * step independent of which task finished first.
 */
public final class SparkDataParallel implements AutoCloseable {
    private final JavaSparkContext sc;
    private final ModelSpec spec;
    private final Loss loss;
    private Optimizer optimizer;
    private final JavaRDD<Sample> data;
    private final Replica master;
    private long steps;

    /** For tests: a partition that fails its first attempt at a given step, as if its executor had died. */
    static volatile int failPartition = -1;
    static volatile long failStep = -1;
    static final java.util.concurrent.atomic.AtomicInteger failuresInjected = new java.util.concurrent.atomic.AtomicInteger();

    /** Training on {@code data} (an RDD of samples, e.g. from {@link #parallelize}); the driver's replica is built from the spec. */
    public SparkDataParallel(JavaSparkContext sc, ModelSpec spec, Optimizer optimizer, JavaRDD<Sample> data) {
        this.sc = sc;
        this.spec = spec;
        this.loss = Loss.create(spec.loss());
        this.optimizer = optimizer;
        // cached on the executors, and cut from its lineage: a task then names its cached block instead of carrying the
        // partition's samples (a parallelized collection ships them with every task otherwise)
        this.data = data.cache();
        this.data.rdd().localCheckpoint();
        this.data.count();
        this.master = spec.newReplica();
    }

    /** A host data set as an RDD of {@code partitions} partitions (samples in order, contiguous ranges). */
    public static JavaRDD<Sample> parallelize(JavaSparkContext sc, Dataset d, int partitions) {
        int per = d.sampleSize(), tw = d.targetWidth();
        List<Sample> all = new ArrayList<>(d.size());
        for (int i = 0; i < d.size(); i++) {
            all.add(new Sample(i, Arrays.copyOfRange(d.features(), i * per, (i + 1) * per), Arrays.copyOfRange(d.targets(), i * tw, (i + 1) * tw)));
        }
        return sc.parallelize(all, partitions);
    }

    /**
     * Another optimizer from the next step on (a learning-rate schedule); its state is the parameters' own (e.g. the
     * momentum velocity lives in each {@link Param}), so it carries over as with the single-machine Trainer.
     */
    public void optimizer(Optimizer next) { this.optimizer = next; }

    /** The driver's replica: the trained model. */
    public Replica master() { return master; }

    /** What one partition's task sends back: its partition, the summed gradient of its shard, and what it counts. */
    record Part(int partition, Replica.Gradient gradient, double weight) implements java.io.Serializable {}

    /** One step on the samples {@code batch} (indices into the data set); returns the batch's loss. */
    public float step(int[] batch) {
        float[][] w = master.weights();
        BitSet members = new BitSet();
        for (int i : batch) members.set(i);
        Broadcast<float[][]> weights = sc.broadcast(w);
        Broadcast<BitSet> in = sc.broadcast(members);
        ModelSpec s = spec;
        long step = steps++;
        int fp = failPartition;
        long fs = failStep;
        List<Part> parts = data.mapPartitionsWithIndex((Integer p, Iterator<Sample> it) -> {
            if (p == fp && step == fs && TaskContext.get().attemptNumber() == 0) {
                failuresInjected.incrementAndGet();
                throw new IllegalStateException("injected failure: partition " + p + ", step " + step + ", first attempt");
            }
            List<Sample> shard = new ArrayList<>();
            while (it.hasNext()) {
                Sample x = it.next();
                if (in.value().get(x.index())) shard.add(x);
            }
            if (shard.isEmpty()) return List.of(new Part(p, null, 0)).iterator();
            shard.sort((a, b) -> Integer.compare(a.index(), b.index()));      // the batch's order, whatever the partition's
            int per = shard.getFirst().x().length, tw = s.targetWidth(), n = shard.size();
            float[] xs = new float[n * per], ts = new float[n * tw];
            for (int i = 0; i < n; i++) {
                System.arraycopy(shard.get(i).x(), 0, xs, i * per, per);
                System.arraycopy(shard.get(i).target(), 0, ts, i * tw, tw);
            }
            Loss l = Loss.create(s.loss());
            double c = Shards.weight(l, ts, 0, n, tw);
            Replica r = s.replica();
            r.setWeights(weights.value());
            // the summed gradient: the shard's δ times c_i (1 for a loss that sums over the batch already)
            double scale = Shards.scale(l, c, 1.0);
            return List.of(new Part(p, r.gradient(xs, 0, ts, 0, n, scale, true), c)).iterator();
        }, false).collect();                                                 // in partition order
        weights.unpersist(false);                                            // without waiting: the executors drop them meanwhile
        in.unpersist(false);
        double total = 0;
        List<Replica.Gradient> shards = new ArrayList<>();
        for (Part p : parts) {
            total += p.weight();
            shards.add(p.gradient());
        }
        float inv = (float) (1.0 / Shards.scale(loss, total, 1.0));         // ÷ C (or 1 for a summed loss)
        float[][] sum = Replica.sumInOrder(shards);
        double lossSum = 0;
        for (Replica.Gradient g : shards) if (g != null) lossSum += g.lossTerm();
        List<Param> ps = master.params();
        for (int p = 0; p < ps.size(); p++) {
            for (int j = 0; j < sum[p].length; j++) sum[p][j] *= inv;
            ps.get(p).backend().upload(sum[p], 0, ps.get(p).grad());
        }
        optimizer.step(ps);
        return (float) (lossSum * inv);
    }

    /**
     * {@code epochs} epochs over the data set of {@code size} samples in batches of {@code batch}, in the order the
     * Trainer would walk them with this {@code seed} ({@link Trainer#epochOrders}); returns each epoch's mean loss.
     */
    public List<Float> fit(int size, int epochs, int batch, long seed) {
        List<Float> losses = new ArrayList<>();
        for (int[] order : Trainer.epochOrders(size, seed, epochs)) {
            double sum = 0;
            for (int start = 0; start < size; start += batch) {
                int n = Math.min(batch, size - start);
                sum += (double) step(Arrays.copyOfRange(order, start, start + n)) * n;
            }
            losses.add((float) (sum / size));
        }
        return losses;
    }

    @Override
    public void close() {
        data.unpersist();
        master.close();
        master.model().backend().close();
    }

    /** For the overhead model: the bytes a step moves (weights out to each partition, a gradient back from each). */
    public long bytesPerStep() {
        long params = 0;
        for (Param p : master.params()) params += p.size();
        return 2L * params * Float.BYTES * data.getNumPartitions();
    }

}
