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
     * Where training is after a step, for progress displays and per-step plots: the epoch (of how many), the step within
     * the epoch (of how many) and the step since the start, the samples done in this epoch (of how many), the mean
     * training loss so far in the epoch (per sample), the seconds since the epoch began, and the step's own loss and
     * gradient norm ‖g‖ (before clipping).
     */
    public record Progress(int epoch, int epochs, long step, long stepsPerEpoch, long samples, long samplesPerEpoch,
                           double loss, double seconds, long globalStep, float stepLoss, float gradientNorm) {
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
    private Dataset validation;
    private float clipNorm = 0f;
    private boolean checkGradients = true;
    private float targetLoss = Float.NEGATIVE_INFINITY;
    private int patience = 0;
    private int bptt = 0;
    private boolean carry;
    private long maxSteps = Long.MAX_VALUE;
    private java.nio.file.Path checkpointFile, resumeFile;
    private int checkpointEpochs;
    private long checkpointSteps;
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

    /** A validation set of its own (e.g. a held-out text), evaluated after every epoch like a validation split. */
    public Trainer validation(Dataset held) { this.validation = held; return this; }

    /** Gradient-norm clipping threshold per update: a finite number, 0 = off (NaN would silently turn clipping off). */
    public Trainer clipNorm(float threshold) {
        this.clipNorm = requireClip(threshold);
        return this;
    }

    private static float requireClip(float threshold) {
        if (!(threshold >= 0) || !Float.isFinite(threshold)) {
            throw new IllegalArgumentException("clip threshold must be a finite number ≥ 0 (0 = off), got " + threshold);
        }
        return threshold;
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

    /** Stopping criterion: stop after this many updates, even in the middle of an epoch. */
    public Trainer maxSteps(long n) {
        if (n < 1) throw new IllegalArgumentException("max steps must be ≥ 1, got " + n);
        this.maxSteps = n; return this;
    }

    /**
     * Truncated BPTT within each batch of a sequence data set: the T steps are cut into chunks of {@code steps}, run in
     * order with the recurrent state carried from chunk to chunk, and each chunk's loss is backpropagated through that
     * chunk only (the gradient stops at the chunk boundary) and followed by an update. With one label per sequence
     * (many-to-one) only the last chunk has a loss: the earlier ones only carry the state forward. 0 = off (full BPTT).
     */
    public Trainer truncatedBptt(int steps) {
        if (steps < 0) throw new IllegalArgumentException("truncated BPTT length must be ≥ 0 (0 = off), got " + steps);
        this.bptt = steps; return this;
    }

    /**
     * Carries the recurrent state from one batch to the next (reset at the start of every epoch and of every
     * evaluation): batch k+1 continues batch k, as {@link dev.nabla.data.Sequences#streams} lays a text out. Needs
     * {@code shuffle(false)}; validation needs its own set ({@link #validation}), evaluated with the state carried too.
     */
    public Trainer carryState(boolean on) { this.carry = on; return this; }

    /**
     * Whether every step checks the gradient norm ‖∂E/∂θ‖ for NaN and ±∞ before the update (default on): a bad gradient
     * then stops training at its own step, naming the first parameter whose gradient went bad, and nothing is updated
     * with it. On a GPU backend the check costs no wait of its own: the loss stays on the device and comes back with the
     * norms of every parameter in the step's one read ({@link Loss#computeInto}, {@link Backend#readWithSumSquares}).
     * Off, a bad gradient shows as a non-finite loss one step later.
     */
    public Trainer checkGradients(boolean on) { this.checkGradients = on; return this; }

    public Trainer listener(Listener l) {
        if (l == null) throw new IllegalArgumentException("Trainer.listener: the listener is null");
        listeners.add(l); return this;
    }

    /**
     * Writes a {@link Checkpoint} to {@code file} (atomically, replacing the last one) after every {@code everyEpochs}
     * epochs: the model, every optimizer slot and the optimizer's own state, the epoch and step, and the random state.
     */
    public Trainer checkpoint(java.nio.file.Path file, int everyEpochs) {
        if (everyEpochs < 1) throw new IllegalArgumentException("checkpoint interval must be ≥ 1 epoch, got " + everyEpochs);
        this.checkpointFile = file;
        this.checkpointEpochs = everyEpochs;
        return this;
    }

    /** As {@link #checkpoint(java.nio.file.Path, int)}, after the batch that completes every {@code everySteps} updates. */
    public Trainer checkpointEverySteps(java.nio.file.Path file, long everySteps) {
        if (everySteps < 1) throw new IllegalArgumentException("checkpoint interval must be ≥ 1 step, got " + everySteps);
        this.checkpointFile = file;
        this.checkpointSteps = everySteps;
        return this;
    }

    /**
     * The next {@link #fit} resumes the run a checkpoint stopped: the model and the optimizer are set from it, the shuffles
     * of the finished epochs are replayed from the seed, and training goes on from the step it recorded, ending with the
     * weights the run would have had had it never stopped (on the reference and CPU backends bit for bit). The trainer
     * must be configured as the run was (seed, batch size, data set): a mismatch is refused. {@code fit} then returns
     * the epochs run after the resumption.
     */
    public Trainer resumeFrom(java.nio.file.Path file) { this.resumeFile = file; return this; }

    /** Trains {@code model} (already bound to a backend) and returns one {@link EpochStats} per epoch run. */
    public List<EpochStats> fit(Sequential model, Loss loss, Optimizer optimizer, Dataset data) {
        requireArguments("Trainer.fit", model, loss, data);
        if (optimizer == null) throw new IllegalArgumentException("Trainer.fit: the optimizer is null");
        if (data.size() == 0) throw new IllegalArgumentException("cannot train on an empty data set");
        Backend ops = model.backend();
        checkFits(model, loss, data);
        if (carry && shuffle) throw new IllegalArgumentException("carryState(true) continues each batch from the last one: set shuffle(false)");
        if (carry && validationFraction > 0) {
            throw new IllegalArgumentException("carryState(true) with a validation split would cut the streams: pass a held-out set with validation(data)");
        }
        if (bptt > 0 && !data.timeMajor()) throw new IllegalArgumentException("truncated BPTT needs a sequence data set (time-major), got samples "
                + java.util.Arrays.toString(data.sampleShape()));
        if (validation != null) checkFits(model, loss, validation);
        SplittableRandom rng = new SplittableRandom(seed);
        int[] order = permutation(data.size(), rng);
        int nVal = Math.round(data.size() * validationFraction);
        Dataset val = nVal > 0 ? data.subset(java.util.Arrays.copyOfRange(order, 0, nVal)) : validation;
        Dataset train = nVal > 0 ? data.subset(java.util.Arrays.copyOfRange(order, nVal, order.length)) : data;
        if (train.size() == 0) throw new IllegalArgumentException("validation split " + validationFraction + " leaves no training samples");
        if (patience > 0 && val == null) {
            throw new IllegalArgumentException("patience " + patience + " watches the validation loss: set a validationSplit > 0 that holds out ≥ 1 sample");
        }
        int bs = batchSize == 0 ? train.size() : Math.min(batchSize, train.size());
        List<Param> params = trainable(model);                              // frozen parameters: no zeroing, clipping or update
        if (carry && checkpointSteps > 0) {
            throw new IllegalArgumentException("checkpointEverySteps with carryState(true): a checkpoint in the middle of an epoch would have to hold "
                    + "the carried recurrent state; checkpoint every N epochs instead (the state is reset at each epoch)");
        }
        Checkpoint.Progress resumed = resumeFile == null ? null : resume(model, optimizer, bs, train.size());
        int firstEpoch = 1;
        if (resumed != null) {
            for (int e = 1; e <= resumed.completedEpochs(); e++) if (shuffle) permutation(train.size(), rng);   // replay the shuffles
            firstEpoch = resumed.completedEpochs() + 1;
        }
        boolean stateful = carry || bptt > 0;
        if (stateful) model.carryState(true);
        try (Batches batches = new Batches(ops, train, bs);              // staged batches go back to the backend at the end
             Tensor hits = ops.zeros(1);                                    // correct predictions, added up on the device
             Tensor lossValue = ops.zeros(1);                               // E of the step, read with ‖g‖ (one wait)
             Backend.Scope deferred = ops.deferIndexChecks()) {             // a bad token is found by the step's read, before any update
            List<EpochStats> history = new ArrayList<>();
            float bestVal = resumed == null ? Float.POSITIVE_INFINITY : resumed.bestVal();
            int sinceBest = resumed == null ? 0 : resumed.sinceBest();
            long step = resumed == null ? 0 : resumed.step();
            long lastCheckpoint = step;
            long stepsPerEpoch = (train.size() + bs - 1) / bs;
            for (int epoch = firstEpoch; epoch <= epochs && step < maxSteps; epoch++) {
                int[] idx = shuffle ? permutation(train.size(), rng) : identity(train.size());
                boolean mid = resumed != null && epoch == firstEpoch && resumed.position() > 0;
                if (mid && !java.util.Arrays.equals(idx, resumed.order())) {
                    throw new IllegalStateException(resumeFile + ": the replayed data order of epoch " + epoch + " is not the recorded one "
                            + "(another seed, data set or shuffle setting than the run that wrote the checkpoint)");
                }
                if (stateful) model.resetState();                            // a new pass starts from h^{(0)}
                long t0 = System.nanoTime();
                double lossSum = mid ? resumed.lossSum() : 0;
                long counted = mid ? resumed.counted() : 0, samples = mid ? resumed.seen() : 0, stepInEpoch = mid ? resumed.position() / bs : 0;
                ops.fill(hits, mid ? resumed.correct() : 0);
                for (int start = mid ? resumed.position() : 0; start < train.size() && step < maxSteps; start += bs) {
                    int n = Math.min(bs, train.size() - start);
                    Batches.Batch b = batches.load(idx, start, n);
                    if (stateful && !carry) model.resetState();              // independent sequences: each batch from h^{(0)}
                    int T = train.timeMajor() ? train.steps() : 1, k = bptt > 0 ? Math.min(bptt, T) : T;
                    for (int from = 0; from < T && step < maxSteps; from += k) {
                        int len = Math.min(k, T - from);
                        boolean last = from + len == T;
                        Tensor x = len == T ? b.x() : chunk(b.x(), from, len);
                        for (Param p : params) p.zeroGrad();
                        Tensor y = model.forward(x, true);                       // forward pass
                        if (!last && !train.perStepTargets()) continue;          // many-to-one: no loss before the last step
                        Tensor target = len == T || !train.perStepTargets() ? b.target() : b.target().view(from * n, len, n);
                        Tensor dy = batches.gradientLike(y);
                        step++;
                        // before the loss: a GPU backend's check of the labels then comes back with the step's one read
                        if (loss.classification()) ops.countCorrectInto(y, target, hits);
                        float e, norm = Float.NaN;
                        if (checkGradients || clipNorm > 0) {
                            loss.computeInto(y, target, dy, lossValue);           // error E (left on the device) and δ = ∂E/∂y
                            model.backwardParams(dy);                             // backward pass (no ∂E/∂input)
                            Tensor[] grads = new Tensor[params.size()];
                            for (int i = 0; i < grads.length; i++) grads[i] = params.get(i).grad();
                            float[] r = ops.readWithSumSquares(lossValue, grads); // the step's one wait: E and ‖∂E/∂θ‖² of each θ
                            e = r[0];
                            if (!Float.isFinite(e)) throw lossDiverged(epoch, step, e, loss, params);   // fail fast: nothing updated yet
                            double[] sq = new double[grads.length];
                            for (int i = 0; i < sq.length; i++) sq[i] = r[1 + i];
                            norm = (float) Math.sqrt(Clipping.total(sq));
                            if (!Float.isFinite(norm)) throw gradientDiverged(epoch, step, norm, params, sq);
                            if (clipNorm > 0) Clipping.scale(params, norm, clipNorm);   // ‖ĝ‖ ≥ threshold ⇒ ĝ ← threshold/‖ĝ‖·ĝ
                        } else {
                            e = loss.compute(y, target, dy);                      // error E (one wait) and δ = ∂E/∂y
                            if (!Float.isFinite(e)) throw lossDiverged(epoch, step, e, loss, params);   // fail fast: never update with NaN
                            model.backwardParams(dy);                             // backward pass (no ∂E/∂input)
                        }
                        optimizer.step(params);                                   // weight update
                        long rows = loss.classification() ? batches.countedLabels(train.perStepTargets() ? from * n : 0,
                                train.perStepTargets() ? len * n : target.size()) : n;
                        lossSum += loss.sumsOverBatch() ? e : (double) e * rows;  // per sample, whatever the batch size
                        counted += rows;
                        if (!listeners.isEmpty()) {
                            Progress pr = new Progress(epoch, epochs, stepInEpoch + 1, stepsPerEpoch, samples + n, train.size(),
                                    counted == 0 ? Double.NaN : lossSum / counted, (System.nanoTime() - t0) / 1e9, step, e, norm);
                            for (Listener l : listeners) l.onStep(pr);
                        }
                    }
                    samples += n;
                    stepInEpoch++;
                    if (checkpointSteps > 0 && step - lastCheckpoint >= checkpointSteps && start + n < train.size()) {
                        lastCheckpoint = step;
                        writeCheckpoint(model, optimizer, new Checkpoint.Progress(seed, bs, train.size(), shuffle, epoch - 1, step,
                                start + n, idx, lossSum, Math.round(hits.item()), counted, samples, bestVal, sinceBest));
                    }
                }
                long correct = loss.classification() ? Math.round(hits.item()) : 0;
                double secs = (System.nanoTime() - t0) / 1e9;
                float trainLoss = counted == 0 ? Float.NaN : (float) (lossSum / counted);
                float trainAcc = loss.classification() && counted > 0 ? (float) correct / counted : Float.NaN;
                Evaluation v = val == null ? new Evaluation(Float.NaN, Float.NaN) : evaluate(model, loss, val, bs, carry);
                EpochStats s = new EpochStats(epoch, trainLoss, trainAcc, v.loss(), v.accuracy(), samples / secs, step);
                history.add(s);
                for (Listener l : listeners) l.onEpoch(s);
                boolean patienceOut = false;
                if (patience > 0 && val != null) {
                    if (v.loss() < bestVal) { bestVal = v.loss(); sinceBest = 0; }
                    else if (++sinceBest >= patience) patienceOut = true;
                }
                if (checkpointFile != null && (checkpointEpochs > 0 && epoch % checkpointEpochs == 0
                        || checkpointSteps > 0 && step - lastCheckpoint >= checkpointSteps)) {
                    lastCheckpoint = step;
                    writeCheckpoint(model, optimizer, new Checkpoint.Progress(seed, bs, train.size(), shuffle, epoch, step, 0, idx,
                            0, 0, 0, 0, bestVal, sinceBest));
                }
                if (trainLoss <= targetLoss || patienceOut) break;
            }
            Param bad = firstNonFiniteValue(params);                              // the last update made no loss to check
            if (bad != null) {
                EpochStats last = history.getLast();
                throw new TrainingDivergedException(last.epoch(), step, bad.toString(), "training diverged at epoch " + last.epoch()
                        + ", step " + step + ": the last update made parameter " + bad + " non-finite; lower the learning rate or clip gradients");
            }
            return history;
        } finally {
            if (stateful) model.carryState(false);
        }
    }

    private Checkpoint.Progress resume(Sequential model, Optimizer optimizer, int bs, int n) {
        Checkpoint.Progress p;
        try {
            p = Checkpoint.load(resumeFile, model, optimizer);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot resume from " + resumeFile + ": " + e.getMessage(), e);
        }
        if (p.seed() != seed || p.batchSize() != bs || p.samples() != n || p.shuffle() != shuffle) {
            throw new IllegalArgumentException(resumeFile + " was written by a run with seed " + p.seed() + ", batch size " + p.batchSize() + ", "
                    + p.samples() + " training samples, shuffle " + p.shuffle() + "; this trainer has seed " + seed + ", batch size " + bs
                    + ", " + n + " samples, shuffle " + shuffle);
        }
        return p;
    }

    private void writeCheckpoint(Sequential model, Optimizer optimizer, Checkpoint.Progress p) {
        try {
            Checkpoint.save(checkpointFile, model, optimizer, p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot write the checkpoint " + checkpointFile + " (the previous one is kept): " + e.getMessage(), e);
        }
    }

    /** Steps [from, from + len) of a time-major batch [T, B, …]: a contiguous view [len, B, …]. */
    private static Tensor chunk(Tensor x, int from, int len) {
        int[] s = x.shape();
        int per = x.size() / s[0];
        s[0] = len;
        return x.view(from * per, s);
    }

    /**
     * Loss and accuracy of {@code model} on {@code data} with this trainer's batch size, and with the recurrent state
     * carried from batch to batch if {@link #carryState} is on. Callable from a listener during {@link #fit}: the
     * states are reset afterwards, so training continues from h^{(0)}.
     */
    public Evaluation evaluate(Sequential model, Loss loss, Dataset data) {
        return evaluate(model, loss, data, batchSize == 0 ? data.size() : batchSize, carry);
    }

    /** Loss and accuracy of {@code model} on {@code data}, in evaluation mode (no dropout), batch by batch. */
    public static Evaluation evaluate(Sequential model, Loss loss, Dataset data, int batchSize) {
        return evaluate(model, loss, data, batchSize, false);
    }

    /**
     * Loss and accuracy batch by batch; with {@code carryState} each batch continues from the state the previous one
     * ended in (a held-out text laid out by {@link dev.nabla.data.Sequences#streams} for this batch size), else every
     * batch starts from h^{(0)}. The states are reset before and after, and the model's carrying switch restored.
     */
    public static Evaluation evaluate(Sequential model, Loss loss, Dataset data, int batchSize, boolean carryState) {
        requireArguments("Trainer.evaluate", model, loss, data);
        if (batchSize < 1) throw new IllegalArgumentException("Trainer.evaluate: batch size must be ≥ 1, got " + batchSize);
        if (data.size() == 0) throw new IllegalArgumentException("cannot evaluate on an empty data set");
        Backend ops = model.backend();
        checkFits(model, loss, data);
        int bs = Math.max(1, Math.min(batchSize, data.size()));
        int[] idx = identity(data.size());
        double lossSum = 0;
        long correct = 0, counted = 0;
        boolean wasCarrying = model.carryingState();
        if (carryState) model.carryState(true);
        model.resetState();
        try (Batches batches = new Batches(ops, data, bs)) {            // closed: an evaluation per epoch must not pile up
            for (int start = 0; start < data.size(); start += bs) {
                int n = Math.min(bs, data.size() - start);
                Batches.Batch b = batches.load(idx, start, n);
                if (!carryState) model.resetState();                          // independent samples start from h^{(0)}
                Tensor y = model.forward(b.x(), false);
                long rows = loss.classification() ? batches.countedLabels(0, b.target().size()) : n;
                float e = loss.compute(y, b.target(), null);
                lossSum += loss.sumsOverBatch() ? e : (double) e * rows;
                if (loss.classification()) correct += ops.countCorrect(y, b.target());
                counted += rows;
            }
        } finally {
            model.resetState();
            if (carryState && !wasCarrying) model.carryState(false);
        }
        return new Evaluation(counted == 0 ? Float.NaN : (float) (lossSum / counted),
                loss.classification() && counted > 0 ? (float) correct / counted : Float.NaN);
    }

    /**
     * One update on a staged batch, the loop body of {@link #fit} for hand-written loops: gradients zeroed, forward,
     * loss and δ = ∂E/∂y, backward (no ∂E/∂input), gradient-norm clipping if {@code clip} > 0, optimizer step. Returns
     * the loss before the update.
     */
    public static float step(Sequential model, Loss loss, Optimizer optimizer, Tensor x, Tensor target, float clip) {
        requireClip(clip);
        List<Param> params = trainable(model);
        for (Param p : params) p.zeroGrad();
        Tensor y = model.forward(x, true);
        float e;
        try (Tensor dy = model.backend().zeros(y.shape())) {
            e = loss.compute(y, target, dy);
            if (!Float.isFinite(e)) throw lossDiverged(0, 0, e, loss, params);
            model.backwardParams(dy);
        }
        if (clip > 0) Clipping.clipGlobalNorm(params, clip);
        optimizer.step(params);
        return e;
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

    /** The first parameter holding a NaN or ±∞ (Σ θ² of every parameter in one call: one wait on a device), or null. */
    private static Param firstNonFiniteValue(List<Param> params) {
        if (params.isEmpty()) return null;
        Tensor[] values = new Tensor[params.size()];
        for (int i = 0; i < values.length; i++) values[i] = params.get(i).value();
        float[] sq = params.getFirst().backend().sumSquaresEach(values);
        for (int i = 0; i < sq.length; i++) if (!Float.isFinite(sq[i])) return params.get(i);
        return null;
    }

    /** The model's parameters that are not frozen; none at all is an error (there would be nothing to train). */
    private static List<Param> trainable(Sequential model) {
        List<Param> all = model.params(), params = Param.trainable(all);
        if (params.isEmpty()) {
            throw new IllegalArgumentException(model.name() + ": " + (all.isEmpty() ? "has no parameters" : "every one of its " + all.size()
                    + " parameters is frozen") + ", so there is nothing to train (unfreeze a layer, or use evaluate)");
        }
        return params;
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
        if (!model.layers().isEmpty() && model.layers().getFirst() instanceof dev.nabla.nn.rnn.Embedding e && e.table() != null) {
            int rows = e.table().value().dim(0), per = data.sampleSize();      // the inputs are tokens: rows of the table
            float[] x = data.features();
            for (int i = 0; i < x.length; i++) {
                if (!(x[i] >= 0 && x[i] < rows) || x[i] != (int) x[i]) {
                    throw new IllegalArgumentException(e.name() + ": token " + x[i] + " at position " + i % per + " of sample " + i / per
                            + " is not in the vocabulary: a whole number in [0, " + rows + ")");
                }
            }
        }
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
    /**
     * The sample order of each of {@code epochs} epochs that {@link #fit} draws from {@code seed} for a data set of
     * {@code size} samples with shuffling on and no validation split (it first draws the split's permutation, then one
     * per epoch): another transport of the same training (data-parallel replicas, Spark) walks the Trainer's batches.
     */
    public static int[][] epochOrders(int size, long seed, int epochs) {
        if (size < 1 || epochs < 0) throw new IllegalArgumentException("epochOrders: size ≥ 1 and epochs ≥ 0, got " + size + " and " + epochs);
        SplittableRandom rng = new SplittableRandom(seed);
        permutation(size, rng);                                          // fit's validation-split draw
        int[][] orders = new int[epochs][];
        for (int e = 0; e < epochs; e++) orders[e] = permutation(size, rng);
        return orders;
    }

    static int[] permutation(int n, SplittableRandom rng) {
        int[] a = identity(n);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i]; a[i] = a[j]; a[j] = t;
        }
        return a;
    }
}
