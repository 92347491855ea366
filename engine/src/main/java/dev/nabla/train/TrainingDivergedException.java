package dev.nabla.train;

/**
 * Training stopped because a number went non-finite: the loss, the gradient norm, or a parameter after an update. The
 * message names the epoch, the step and — where one is to blame — the first parameter that went bad; so do
 * {@link #epoch()}, {@link #step()} and {@link #parameter()}. Nothing was updated with the bad numbers.
 */
public final class TrainingDivergedException extends IllegalStateException {
    private final int epoch;
    private final long step;
    private final String parameter;

    TrainingDivergedException(int epoch, long step, String parameter, String message) {
        super(message);
        this.epoch = epoch;
        this.step = step;
        this.parameter = parameter;
    }

    /** The epoch (1, 2, …) of the step that went bad. */
    public int epoch() { return epoch; }

    /** The step (counted over the whole fit, from 1) that went bad. */
    public long step() { return step; }

    /** The first parameter whose gradient or value is not finite (e.g. "Dense(2→8).W[8, 2]"), or null if none is to blame. */
    public String parameter() { return parameter; }
}
