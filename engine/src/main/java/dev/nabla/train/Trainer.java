package dev.nabla.train;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Checks;
import dev.nabla.backend.Tensor;
import dev.nabla.loss.Loss;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Clipping;
import dev.nabla.optim.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The training algorithm of seed 001 as a loop: for each epoch, (seeded) shuffle, then for each mini-batch
 * forward pass → error → backward pass → weight update. Batch size = the whole set gives full-batch gradient
 * descent, 1 gives per-sample (stochastic) updates. Deterministic for a given seed.
 *
 * <p>Nothing non-finite goes unnoticed: before training, the data is checked ({@link Dataset#requireFinite()}, labels
 * that are class indices, at least one label not ignored); at every step, before any update, the loss and the global
 * gradient norm must be finite — else a {@link TrainingDivergedException} names the epoch, the step and the first
 * parameter whose gradient (or, after an overflowing update, value) is not finite.
 */
public final class Trainer {

    /**
     * What one epoch measured. Losses are per sample (a loss that sums over the batch, as {@code SquaredError}, is
     * divided by the batch size), so they do not change with the batch size. Validation figures are NaN without a
     * validation set.
     */
    public record EpochStats(int epoch, float trainLoss, float trainAccuracy, float valLoss, float valAccuracy,
                             double samplesPerSecond, long steps) {}

    /**
     * Where an epoch is after a step, for progress displays: the step within the epoch and how many it has, the samples
     * done, the mean training loss so far (per sample) and the seconds since the epoch began.
     */
    public record Progress(int epoch, int epochs, long step, long stepsPerEpoch, long samples, long samplesPerEpoch,
                           double loss, double seconds) {
        /** Samples per second so far in this epoch. */
        public double samplesPerSecond() { return seconds > 0 ? samples / seconds : 0; }

        /** Seconds left in this epoch at the rate so far. */
        public double secondsLeft() { return samples > 0 ? seconds * (samplesPerEpoch - samples) / samples : Double.NaN; }
    }

    /** Called after every epoch (progress printing, plots, checkpoints) and, if it wants, after every step. */
    public interface Listener {
        void onEpoch(EpochStats stats);

        /** After every training step (default: nothing); keep it cheap, it runs inside the epoch. */
        default void onStep(Progress progress) {}
    }

    /** Loss and accuracy (NaN for non-classification losses) over a data set. */
    public record Evaluation(float loss, float accuracy) {}

    private int epochs = 10;
    private int batchSize = 32;
    private long seed = 42;
    private boolean shuffle = true;
    private float validationFraction = 0f;
    private float clipNorm = 0f;
    private float targetLoss = Float.NEGATIVE_INFINITY;
    private int patience = 0;
    private final List<Listener> listeners = new ArrayList<>();

    public Trainer epochs(int n) {
        if (n < 1) throw new IllegalArgumentException("epochs must be ≥ 1, got " + n);
        this.epochs = n; return this;
    }

    /** Mini-batch size; 0 means full batch (the whole training set per update), 1 per-sample updates. */
    public Trainer batchSize(int n) {
        if (n < 0) throw new IllegalArgumentException("batch size must be ≥ 0 (0 = full batch), got " + n);
        this.batchSize = n; return this;
    }

    public Trainer seed(long s) { this.seed = s; return this; }

    public Trainer shuffle(boolean on) { this.shuffle = on; return this; }

    /** Holds out this fraction of the (seed-shuffled) training set for validation; it is never trained on. */
    public Trainer validationSplit(float fraction) {
        if (!(fraction >= 0 && fraction < 1)) throw new IllegalArgumentException("validation fraction must be in [0, 1), got " + fraction);
        this.validationFraction = fraction; return this;
    }

    /** Gradient-norm clipping threshold per update: a finite number, 0 = off (NaN would silently turn clipping off). */
    public Trainer clipNorm(float threshold) {
        if (!(threshold >= 0) || !Float.isFinite(threshold)) {
            throw new IllegalArgumentException("clip threshold must be a finite number ≥ 0 (0 = off), got " + threshold);
        }
        this.clipNorm = threshold; return this;
    }

    /** Stopping criterion: stop once an epoch's training loss (per sample) is ≤ this. */
    public Trainer stopAtLoss(float loss) {
        if (Float.isNaN(loss)) throw new IllegalArgumentException("stopAtLoss needs a number, got NaN (which no loss is ≤)");
        this.targetLoss = loss; return this;
    }

    /** Stopping criterion: stop when the validation loss has not improved for this many epochs (0 = off). */
    public Trainer patience(int epochs) {
        if (epochs < 0) throw new IllegalArgumentException("patience must be ≥ 0, got " + epochs);
        this.patience = epochs; return this;
    }

    public Trainer listener(Listener l) {
        if (l == null) throw new IllegalArgumentException("Trainer.listener: the listener is null");
        listeners.add(l); return this;
    }

    /** Trains {@code model} (already bound to a backend) and returns one {@link EpochStats} per epoch run. */
    public List<EpochStats> fit(Sequential model, Loss loss, Optimizer optimizer, Dataset data) {
        requireArguments("Trainer.fit", model, loss, data);
        if (optimizer == null) throw new IllegalArgumentException("Trainer.fit: the optimizer is null");
        if (data.size() == 0) throw new IllegalArgumentException("cannot train on an empty data set");
        Backend ops = model.backend();
        checkFits(model, loss, data);
        SplittableRandom rng = new SplittableRandom(seed);
        int[] order = permutation(data.size(), rng);
        int nVal = Math.round(data.size() * validationFraction);
        Dataset val = nVal > 0 ? data.subset(java.util.Arrays.copyOfRange(order, 0, nVal)) : null;
        Dataset train = nVal > 0 ? data.subset(java.util.Arrays.copyOfRange(order, nVal, order.length)) : data;
        if (train.size() == 0) throw new IllegalArgumentException("validation split " + validationFraction + " leaves no training samples");
        if (patience > 0 && val == null) {
            throw new IllegalArgumentException("patience " + patience + " watches the validation loss: set a validationSplit > 0 that holds out ≥ 1 sample");
        }
        int bs = batchSize == 0 ? train.size() : Math.min(batchSize, train.size());
        List<Param> params = model.params();
        try (Batches batches = new Batches(ops, train, bs)) {            // staged batches go back to the backend at the end
            List<EpochStats> history = new ArrayList<>();
            float bestVal = Float.POSITIVE_INFINITY;
            int sinceBest = 0;
            long step = 0;
            long stepsPerEpoch = (train.size() + bs - 1) / bs;
            for (int epoch = 1; epoch <= epochs; epoch++) {
                int[] idx = shuffle ? permutation(train.size(), rng) : identity(train.size());
                long t0 = System.nanoTime();
                double lossSum = 0;
                long correct = 0, counted = 0, stepInEpoch = 0;
                for (int start = 0; start < train.size(); start += bs) {
                    int n = Math.min(bs, train.size() - start);
                    Batches.Batch b = batches.load(idx, start, n);
                    for (Param p : params) p.zeroGrad();
                    Tensor y = model.forward(b.x(), true);                       // forward pass
                    Tensor dy = batches.gradientLike(y);
                    step++;
                    stepInEpoch++;
                    float e = loss.compute(y, b.target(), dy);                    // error E and δ = ∂E/∂y
                    if (!Float.isFinite(e)) throw lossDiverged(epoch, step, e, loss, params);   // fail fast: never update with NaN
                    model.backwardParams(dy);                                     // backward pass (no ∂E/∂input)
                    double[] sq = Clipping.squares(params);                       // ‖∂E/∂θ‖², parameter by parameter
                    float norm = (float) Math.sqrt(Clipping.total(sq));
                    if (!Float.isFinite(norm)) throw gradientDiverged(epoch, step, norm, params, sq);
                    if (clipNorm > 0) Clipping.scale(params, norm, clipNorm);     // ‖ĝ‖ ≥ threshold ⇒ ĝ ← threshold/‖ĝ‖·ĝ
                    optimizer.step(params);                                       // weight update
                    lossSum += loss.sumsOverBatch() ? e : (double) e * n;         // per sample, whatever the batch size
                    if (loss.classification()) correct += ops.countCorrect(y, b.target());
                    counted += n;
                    if (!listeners.isEmpty()) {
                        Progress pr = new Progress(epoch, epochs, stepInEpoch, stepsPerEpoch, counted, train.size(), lossSum / counted,
                                (System.nanoTime() - t0) / 1e9);
                        for (Listener l : listeners) l.onStep(pr);
                    }
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                float trainLoss = (float) (lossSum / counted);
                float trainAcc = loss.classification() ? (float) correct / counted : Float.NaN;
                Evaluation v = val == null ? new Evaluation(Float.NaN, Float.NaN) : evaluate(model, loss, val, bs);
                EpochStats s = new EpochStats(epoch, trainLoss, trainAcc, v.loss(), v.accuracy(), counted / secs, step);
                history.add(s);
                for (Listener l : listeners) l.onEpoch(s);
                if (trainLoss <= targetLoss) break;
                if (patience > 0 && val != null) {
                    if (v.loss() < bestVal) { bestVal = v.loss(); sinceBest = 0; }
                    else if (++sinceBest >= patience) break;
                }
            }
            Param bad = firstNonFiniteValue(params);                              // the last update made no loss to check
            if (bad != null) {
                EpochStats last = history.getLast();
                throw new TrainingDivergedException(last.epoch(), step, bad.toString(), "training diverged at epoch " + last.epoch()
                        + ", step " + step + ": the last update made parameter " + bad + " non-finite; lower the learning rate or clip gradients");
            }
            return history;
        }
    }

    /** Loss and accuracy of {@code model} on {@code data}, in evaluation mode (no dropout), batch by batch. */
    public static Evaluation evaluate(Sequential model, Loss loss, Dataset data, int batchSize) {
        requireArguments("Trainer.evaluate", model, loss, data);
        if (batchSize < 1) throw new IllegalArgumentException("Trainer.evaluate: batch size must be ≥ 1, got " + batchSize);
        if (data.size() == 0) throw new IllegalArgumentException("cannot evaluate on an empty data set");
        Backend ops = model.backend();
        checkFits(model, loss, data);
        int bs = Math.max(1, Math.min(batchSize, data.size()));
        int[] idx = identity(data.size());
        double lossSum = 0;
        long correct = 0;
        try (Batches batches = new Batches(ops, data, bs)) {            // closed: an evaluation per epoch must not pile up
            for (int start = 0; start < data.size(); start += bs) {
                int n = Math.min(bs, data.size() - start);
                Batches.Batch b = batches.load(idx, start, n);
                Tensor y = model.forward(b.x(), false);
                float e = loss.compute(y, b.target(), null);
                lossSum += loss.sumsOverBatch() ? e : (double) e * n;
                if (loss.classification()) correct += ops.countCorrect(y, b.target());
            }
        }
        return new Evaluation((float) (lossSum / data.size()),
                loss.classification() ? (float) correct / data.size() : Float.NaN);
    }

    private static void requireArguments(String call, Sequential model, Loss loss, Dataset data) {
        if (model == null || loss == null || data == null) {
            throw new IllegalArgumentException(call + ": the " + (model == null ? "model" : loss == null ? "loss" : "data set") + " is null");
        }
    }

    /** The loss of step {@code step} is not finite: blame the first parameter an earlier update made non-finite, if any. */
    private static TrainingDivergedException lossDiverged(int epoch, long step, float e, Loss loss, List<Param> params) {
        Param bad = firstNonFiniteValue(params);
        String hint = loss.hint().isEmpty() ? "" : "; " + loss.name() + ": " + loss.hint();
        String why = bad != null
                ? "the update of step " + (step - 1) + " made parameter " + bad + " non-finite (its gradient was finite but too large)"
                : "every parameter is finite, so the forward pass overflowed (or the data holds extreme values)";
        return new TrainingDivergedException(epoch, step, bad == null ? null : bad.toString(), "training diverged at epoch " + epoch
                + ", step " + step + ": loss " + e + " (" + loss.name() + "); " + why + hint
                + "; lower the learning rate, clip gradients, or check the data");
    }

    /** The gradient norm of step {@code step} is not finite: name the first parameter whose gradient holds NaN or ±∞. */
    private static TrainingDivergedException gradientDiverged(int epoch, long step, float norm, List<Param> params, double[] squares) {
        Param bad = Clipping.firstNonFinite(params, squares);
        return new TrainingDivergedException(epoch, step, bad == null ? null : bad.toString(), "training diverged at epoch " + epoch
                + ", step " + step + ": the gradient norm ‖g‖ is " + norm + " although the loss is finite; "
                + (bad == null ? "every parameter's Σg² is finite, their sum overflowed" : "the first parameter whose gradient is not finite: " + bad)
                + "; nothing was updated. Lower the learning rate, clip gradients, or check the layers' backward passes");
    }

    /** The first parameter whose value holds a NaN or ±∞, or null. */
    private static Param firstNonFiniteValue(List<Param> params) {
        for (Param p : params) if (!Float.isFinite(p.backend().sumSquares(p.value()))) return p;
        return null;
    }

    /**
     * Checks, once and on the host, that the data fits the model and the loss, so that bad input fails before the
     * first step with a message naming what does not fit: the per-sample shape (each layer checks its own); for a
     * classification loss one label per row of the output (the last axis holds the classes; several rows per sample for
     * sequence outputs), each an integer in [0, classes) or negative (= ignored row); otherwise the target width equal
     * to the model's output size.
     */
    static void checkFits(Sequential model, Loss loss, Dataset data) {
        data.requireFinite();
        int[] out = model.outputShape(data.sampleShape());
        int outSize = Tensor.sizeOf(out);
        float[] t = data.targets();
        if (loss.classification()) {
            int classes = out[out.length - 1], rows = outSize / Math.max(1, classes);   // rows > 1: e.g. one label per time step
            if (data.targetWidth() != rows) {
                throw new IllegalArgumentException(loss.name() + " needs " + rows + " class label(s) per sample for the model output "
                        + java.util.Arrays.toString(out) + ", the data set has targets of width " + data.targetWidth());
            }
            int bad = Checks.firstBadLabel(t, classes);
            if (bad >= 0) {
                throw new IllegalArgumentException("label " + t[bad] + " of sample " + bad / rows + " is not a class index in [0, " + classes
                        + ") (a negative whole number means \"ignore this row\"): the model " + model.name() + " outputs "
                        + java.util.Arrays.toString(out) + " per sample");
            }
            boolean any = false;
            for (float l : t) any |= l >= 0;
            if (!any) {
                throw new IllegalArgumentException(loss.name() + ": every one of the " + t.length + " labels is negative (\"ignore this row\"):"
                        + " there is nothing to train on or to evaluate");
            }
        } else if (data.targetWidth() != outSize) {
            throw new IllegalArgumentException(loss.name() + ": targets have width " + data.targetWidth() + " but the model "
                    + model.name() + " outputs " + java.util.Arrays.toString(out) + " (" + outSize + " values) per sample");
        }
    }

    /** A listener that prints "epoch   5  loss 0.1234  accuracy 0.975  val loss …" every {@code every} epochs (and the first). */
    public static Listener printEvery(int every) {
        if (every < 1) throw new IllegalArgumentException("print interval must be ≥ 1, got " + every);
        return s -> {
            if (s.epoch() != 1 && s.epoch() % every != 0) return;
            StringBuilder sb = new StringBuilder(String.format(java.util.Locale.ROOT, "epoch %4d  loss %.4f", s.epoch(), s.trainLoss()));
            if (!Float.isNaN(s.trainAccuracy())) sb.append(String.format(java.util.Locale.ROOT, "  accuracy %.3f", s.trainAccuracy()));
            if (!Float.isNaN(s.valLoss())) sb.append(String.format(java.util.Locale.ROOT, "  val loss %.4f", s.valLoss()));
            if (!Float.isNaN(s.valAccuracy())) sb.append(String.format(java.util.Locale.ROOT, "  val accuracy %.3f", s.valAccuracy()));
            System.out.println(sb);
        };
    }

    static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }

    /** A Fisher–Yates shuffle of 0..n−1 drawn from {@code rng}. */
    static int[] permutation(int n, SplittableRandom rng) {
        int[] a = identity(n);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i]; a[i] = a[j]; a[j] = t;
        }
        return a;
    }
}
