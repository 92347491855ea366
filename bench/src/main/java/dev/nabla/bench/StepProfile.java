package dev.nabla.bench;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Backends;
import dev.nabla.backend.Tensor;
import dev.nabla.bench.Workloads.Classifier;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Param;
import dev.nabla.trace.Trace;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where a training step's time goes, layer by layer: a {@link Workloads} classifier's step (zero the gradients,
 * forward, loss, backward, SGD) on one backend, each layer's forward and backward timed through {@link Trace}'s
 * observer and the parts outside the layers around them. Prints the median µs per step of each part and its share.
 *
 * <p>Usage: {@code bench/profile.sh [--backend cpu] [--workload lenet5|mlp|mlp-b16-w4096 …] [--steps 400] [--warmup 8]}
 */
public final class StepProfile {
    private StepProfile() {}

    /** Times from one layer's end to the next's: part name → one duration per step. */
    private static final class Laps implements Trace.Observer {
        final Backend be;
        final int steps;
        final Map<String, long[]> parts = new LinkedHashMap<>();
        int step;
        long last;

        Laps(Backend be, int steps) { this.be = be; this.steps = steps; }

        void lap(String part) {
            be.synchronize();
            long now = System.nanoTime();
            parts.computeIfAbsent(part, k -> new long[steps])[step] = now - last;
            last = now;
        }

        @Override
        public void forward(Layer layer, int i, Tensor x, Tensor y) { lap("forward  " + i + " " + layer.name()); }

        @Override
        public void backward(Layer layer, int i, Tensor dy, Tensor dx) { lap("backward " + i + " " + layer.name()); }
    }

    public static void main(String[] args) {
        String backend = "cpu", workload = "lenet5";
        int steps = 400;
        double warmup = 8;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--backend" -> backend = args[++i];
                case "--workload" -> workload = args[++i];
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
            }
        }
        try (Backend be = Backends.create(backend)) {
            if (!(Workloads.create(workload, be) instanceof Classifier w)) throw new IllegalArgumentException(workload + ": not a classifier");
            for (long end = System.nanoTime() + (long) (warmup * 1e9); System.nanoTime() < end; ) w.step();
            Laps laps = new Laps(be, steps);
            long[] zero = new long[steps], loss = new long[steps], sgd = new long[steps], total = new long[steps];
            for (int s = 0; s < steps; s++) {
                laps.step = s;
                long t0 = System.nanoTime();
                for (Param p : w.params) p.zeroGrad();
                be.synchronize();
                laps.last = System.nanoTime();
                zero[s] = laps.last - t0;
                Tensor y;
                try (Trace.Scope sc = Trace.observe(laps)) {
                    y = w.model.forward(w.x, true);
                }
                long t2 = System.nanoTime();
                if (w.dy == null) w.dy = be.zeros(y.shape());
                w.loss.compute(y, w.labels, w.dy);
                be.synchronize();
                laps.last = System.nanoTime();
                loss[s] = laps.last - t2;
                try (Trace.Scope sc = Trace.observe(laps)) {
                    w.model.backwardParams(w.dy);
                }
                long t4 = System.nanoTime();
                w.sgd.step(w.params);
                be.synchronize();
                long t5 = System.nanoTime();
                sgd[s] = t5 - t4;
                total[s] = t5 - t0;
            }
            Map<String, long[]> all = new LinkedHashMap<>();
            all.put("zero the gradients", zero);
            laps.parts.forEach((k, v) -> { if (k.startsWith("forward")) all.put(k, v); });
            all.put("loss (softmax cross-entropy)", loss);
            laps.parts.forEach((k, v) -> { if (k.startsWith("backward")) all.put(k, v); });
            all.put("SGD update", sgd);
            double step = median(total);
            System.out.printf(Locale.ROOT, "# %s on %s: %.1f µs per step (median of %d), %.0f %s%n", w.name(), be,
                    step / 1e3, steps, w.unitsPerStep() / (step / 1e9), w.unit());
            double sum = 0;
            for (var e : all.entrySet()) {
                double m = median(e.getValue());
                sum += m;
                System.out.printf(Locale.ROOT, "%-48s %9.1f µs  %5.1f %%%n", e.getKey(), m / 1e3, 100 * m / step);
            }
            System.out.printf(Locale.ROOT, "%-48s %9.1f µs  %5.1f %%%n", "(sum of the medians)", sum / 1e3, 100 * sum / step);
        }
    }

    private static double median(long[] v) {
        long[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
