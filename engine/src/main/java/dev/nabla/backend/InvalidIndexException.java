package dev.nabla.backend;

/**
 * An index tensor held a value that is not an index: a class label that is not a whole number in [0, classes) (or a
 * negative whole number, "ignore this row"), or a row index (an embedding's token) that is not a whole number in
 * [0, rows) — NaN, 2.7, −0.5, a value past the end. Indices travel as floats, so every backend checks them where the
 * data is and reports the first bad one with the same message; a layer or a loss that called the op catches this and
 * names itself ({@link dev.nabla.nn.rnn.Embedding}, {@link dev.nabla.loss.SoftmaxCrossEntropy}, …).
 */
public final class InvalidIndexException extends IllegalArgumentException {
    private final String op;
    private final float value;
    private final int position, bound;

    InvalidIndexException(String op, float value, int position, int bound, String message) {
        super(message);
        this.op = op;
        this.value = value;
        this.position = position;
        this.bound = bound;
    }

    /**
     * The same error as found by {@code call}: a later call on a device backend that read the flag an earlier, queued op
     * raised (the message names both).
     */
    public InvalidIndexException reportedBy(String call) {
        return new InvalidIndexException(op, value, position, bound, call + ": " + getMessage() + " (raised by an earlier " + op
                + " queued on the device, found by " + call + ")");
    }

    /** The backend op that found it, e.g. "gatherRows". */
    public String op() { return op; }

    /** The offending value. */
    public float value() { return value; }

    /** Where it is: the element of the index tensor (for labels, the row). */
    public int position() { return position; }

    /** The exclusive upper bound a valid index has (the classes, or the table's rows). */
    public int bound() { return bound; }
}
