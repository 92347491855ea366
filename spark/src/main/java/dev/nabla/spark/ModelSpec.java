package dev.nabla.spark;

import dev.nabla.backend.Backends;
import dev.nabla.dist.Replica;
import dev.nabla.loss.Loss;
import dev.nabla.nn.Sequential;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What an executor needs to build its replica of the model: the architecture (a serializable factory), the backend
 * to run it on, the seed, the loss, and the shape of a sample and of its target. Sent to the executors once, with
 * the tasks; each executor thread builds its replica on first use and keeps it ({@link #replica()}), so a step ships
 * only the weights.
 *
 * @param key a name for the cache: two specs with the same key must describe the same model
 */
public record ModelSpec(String key, Architecture architecture, String backend, long seed, String loss, int[] sampleShape,
                        int targetWidth) implements Serializable {

    /** A model factory that Spark can ship to executors (a lambda cast to it is serializable). */
    @FunctionalInterface
    public interface Architecture extends Supplier<Sequential>, Serializable {}

    /** Replicas by spec key and executor thread: a task's thread has one, and keeps it from step to step. */
    private static final Map<String, Replica> REPLICAS = new ConcurrentHashMap<>();

    /** This executor thread's replica of the model (built, bound to a new backend, on first use). */
    Replica replica() {
        return REPLICAS.computeIfAbsent(key + "@" + Thread.currentThread().threadId(),
                k -> new Replica(architecture.get().bind(Backends.create(backend), seed), Loss.create(loss), sampleShape, targetWidth, false));
    }

    /** A replica on the driver (the master: it holds the optimizer state). */
    Replica newReplica() {
        return new Replica(architecture.get().bind(Backends.create(backend), seed), Loss.create(loss), sampleShape, targetWidth, false);
    }
}
