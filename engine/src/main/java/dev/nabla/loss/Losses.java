package dev.nabla.loss;

import dev.nabla.backend.Tensor;

/** Checks shared by the losses: shapes that fit, a non-empty batch, labels that are class indices. */
final class Losses {
    private Losses() {}

    /** y and d hold the same number of elements (a regression target shaped like the output). */
    static void requirePair(Loss loss, Tensor y, Tensor target, Tensor dy) {
        requireTensors(loss, y, target);
        if (y.size() == 0) throw new IllegalArgumentException(loss.name() + ": empty batch, output y is " + y.shapeString());
        if (target.size() != y.size()) {
            throw new IllegalArgumentException(loss.name() + ": target d " + target.shapeString() + " does not match output y "
                    + y.shapeString());
        }
        requireGradient(loss, y, dy);
    }

    /** One class label per row of y [rows, classes]. */
    static void requireLabels(Loss loss, Tensor y, Tensor labels, Tensor dy) {
        requireTensors(loss, y, labels);
        if (y.rank() < 1 || y.size() == 0) throw new IllegalArgumentException(loss.name() + ": empty batch, scores are " + y.shapeString());
        int classes = y.dim(-1);
        if (labels.size() != y.size() / classes) {
            throw new IllegalArgumentException(loss.name() + ": " + labels.size() + " labels " + labels.shapeString()
                    + " for " + y.size() / classes + " rows of scores " + y.shapeString() + " (one class index per row)");
        }
        requireGradient(loss, y, dy);
    }

    /** The one-element tensor a loss writes E into lives on y's backend. */
    static void requireScalar(Loss loss, Tensor y, Tensor e) {
        if (e == null) throw new IllegalArgumentException(loss.name() + ": the loss tensor e is null");
        if (e.backend() != y.backend() || e.isClosed()) {
            throw new IllegalArgumentException(loss.name() + ": the loss tensor " + e + (e.isClosed() ? " was closed" : " is on another backend than y"));
        }
        if (e.size() != 1) throw new IllegalArgumentException(loss.name() + ": the loss tensor " + e.shapeString() + " must hold one element");
    }

    /** y and the target are given, and the target lives on y's backend. */
    private static void requireTensors(Loss loss, Tensor y, Tensor target) {
        if (y == null || target == null) throw new IllegalArgumentException(loss.name() + ": " + (y == null ? "the output y" : "the target") + " is null");
        if (target.backend() != y.backend()) {
            throw new IllegalArgumentException(loss.name() + ": the target " + target + " is on another backend than the output " + y);
        }
        if (y.isClosed() || target.isClosed()) {
            throw new IllegalStateException(loss.name() + ": the " + (y.isClosed() ? "output " + y : "target " + target) + " was closed");
        }
    }

    private static void requireGradient(Loss loss, Tensor y, Tensor dy) {
        if (dy != null && (dy.backend() != y.backend() || dy.isClosed())) {
            throw new IllegalArgumentException(loss.name() + ": the gradient buffer " + dy + (dy.isClosed() ? " was closed" : " is on another backend than y"));
        }
        if (dy != null && dy.size() != y.size()) {
            throw new IllegalArgumentException(loss.name() + ": gradient buffer " + dy.shapeString() + " does not match output y "
                    + y.shapeString());
        }
    }

    /**
     * Runs a backend loss over class labels, telling a label that is not a class index as this loss's error (the
     * backend found it where the data is, and named its op).
     */
    static float labelled(Loss loss, Tensor labels, java.util.function.DoubleSupplier op) {
        try {
            return (float) op.getAsDouble();
        } catch (dev.nabla.backend.InvalidIndexException e) {
            throw new IllegalArgumentException(loss.name() + ": label " + e.value() + " in row " + e.position() + " of the labels "
                    + labels.shapeString() + " is not a class index in [0, " + e.bound() + ") (a negative whole number means"
                    + " \"ignore this row\")", e);
        }
    }

}
