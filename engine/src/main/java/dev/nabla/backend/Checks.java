package dev.nabla.backend;

/**
 * The argument checks and matrix views that every backend shares, so that a bad call fails with the same exception
 * and the same message on every backend (the contract tests compare them). Each check names the op and the shapes.
 */
public final class Checks {
    private Checks() {}

    /** The size of a shape (every extent ≥ 0, at most 2³¹ − 1 elements), or an error naming the op. */
    public static int shape(String op, int[] shape) {
        try {
            return Tensor.sizeOf(shape);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": " + e.getMessage(), e);
        }
    }

    /** Rows of a tensor read as a matrix: everything but the last axis. */
    public static int rows(Tensor t) { return t.rank() == 0 ? 1 : t.size() / Math.max(1, t.dim(-1)); }

    /** Columns of a tensor read as a matrix: the last axis. */
    public static int cols(Tensor t) { return t.rank() == 0 ? 1 : t.dim(-1); }

    public static void requireSameSize(String op, Tensor a, Tensor b) {
        if (a.size() != b.size()) {
            throw new IllegalArgumentException(op + ": sizes differ, " + a.shapeString() + " vs " + b.shapeString());
        }
    }

    /**
     * The dimensions {m, n, k} of C ← α·op(A)·op(B) + βC, with op(A) m×k, op(B) k×n and C m×n, each tensor read as a
     * matrix ({@link #rows}, {@link #cols}); an error naming all three shapes if they do not fit.
     */
    public static int[] gemmDims(boolean transA, boolean transB, Tensor a, Tensor b, Tensor c) {
        return gemmDims("gemm", transA, transB, a, b, c);
    }

    /** As {@link #gemmDims(boolean, boolean, Tensor, Tensor, Tensor)}, the message naming {@code op}. */
    public static int[] gemmDims(String op, boolean transA, boolean transB, Tensor a, Tensor b, Tensor c) {
        int m = transA ? cols(a) : rows(a);
        int k = transA ? rows(a) : cols(a);
        int kb = transB ? cols(b) : rows(b);
        int n = transB ? rows(b) : cols(b);
        if (k != kb || rows(c) != m || cols(c) != n) {
            throw new IllegalArgumentException(op + ": op(A) is " + m + "x" + k + ", op(B) is " + kb + "x" + n
                    + ", C is " + rows(c) + "x" + cols(c) + " (A " + a.shapeString() + (transA ? "ᵀ" : "")
                    + ", B " + b.shapeString() + (transB ? "ᵀ" : "") + ")");
        }
        return new int[] {m, n, k};
    }

    /** {@code x} must read as [outer, channels, inner] with channels = {@code b.size()} ≥ 1 and inner ≥ 1. */
    public static void bias(String op, Tensor x, Tensor b, int inner) {
        if (inner < 1 || b.size() == 0 || x.size() % ((long) b.size() * inner) != 0) {
            throw new IllegalArgumentException(op + ": " + x.shapeString() + " cannot be read as [outer, " + b.size()
                    + ", " + inner + "]");
        }
    }

    /** One label per row of {@code scores}. */
    public static void labels(String op, Tensor scores, Tensor labels) {
        if (labels.size() != rows(scores)) {
            throw new IllegalArgumentException(op + ": " + labels.size() + " labels for " + rows(scores) + " rows of " + scores.shapeString());
        }
    }

    /**
     * The class index of label value {@code v} in row {@code row}, or −1 if the row is ignored (a negative whole number).
     * Anything else — not a whole number (2.7, −0.5), NaN, ±∞, or not below {@code classes} — is an error naming the
     * value and the row.
     */
    public static int classIndex(String op, float v, int row, int classes) {
        if (isIgnored(v)) return -1;
        if (!(v >= 0 && v < classes) || v != (int) v) throw badLabel(op, v, row, classes);
        return (int) v;
    }

    /** A label meaning "ignore this row": a negative whole number (−1 by convention; −∞ is not a number of rows). */
    public static boolean isIgnored(float label) {
        return label < 0 && label == Math.rint(label) && label != Float.NEGATIVE_INFINITY;
    }

    /** True if {@code label} is a class index in [0, classes) or an ignored row ({@link #isIgnored}). */
    public static boolean isLabel(float label, int classes) {
        return isIgnored(label) || (label >= 0 && label < classes && label == (int) label);
    }

    /** The error for label value {@code v} in row {@code row} that is not a class index in [0, classes). */
    public static InvalidIndexException badLabel(String op, float v, int row, int classes) {
        return new InvalidIndexException(op, v, row, classes, op + ": label " + v + " in row " + row
                + " is not a class index in [0, " + classes + ") (a negative whole number means \"ignore this row\")");
    }

    /** The first label of {@code labels} (rows in order) that is not a class index in [0, classes) or ignored; −1 if none. */
    public static int firstBadLabel(float[] labels, int classes) {
        for (int r = 0; r < labels.length; r++) if (!isLabel(labels[r], classes)) return r;
        return -1;
    }

    /** The row of table index {@code v} at {@code position}: a whole number in [0, rows), else an error naming both. */
    public static int rowIndex(String op, float v, int position, int rows) {
        if (!(v >= 0 && v < rows) || v != (int) v) throw badIndex(op, v, position, rows);
        return (int) v;
    }

    /** As {@link #rowIndex}, but a negative whole number (padding) gives −1: the row is skipped (scatterAddRows). */
    public static int rowIndexOrSkip(String op, float v, int position, int rows) {
        return isIgnored(v) ? -1 : rowIndex(op, v, position, rows);
    }

    /** The error for index value {@code v} at {@code position} that is not a row of a table of {@code rows} rows. */
    public static InvalidIndexException badIndex(String op, float v, int position, int rows) {
        return new InvalidIndexException(op, v, position, rows, op + ": index " + v + " at position " + position
                + " is not a row of the table: a whole number in [0, " + rows + ")");
    }

    /** Tensor {@code t} (the op's {@code what}) must hold the {@code expected} elements that geometry {@code g} needs. */
    public static void geometry(String op, Tensor t, int expected, String what, ConvGeometry g) {
        if (t.size() != expected) {
            throw new IllegalArgumentException(op + ": " + what + " " + t.shapeString() + " holds " + t.size()
                    + " elements, geometry " + g + " needs " + expected);
        }
    }

    /**
     * The input pixel iy·W + ix that arg-max value {@code a} of output {@code o} (in plane {@code plane}) names: it must
     * be a whole number naming a pixel of that output's window, as {@link Backend#maxPool} writes it — anything else
     * (NaN, 2.5, a pixel of another window or outside the plane) is an error, never a gradient silently sent elsewhere.
     */
    public static int argmaxPixel(float a, int plane, int o, ConvGeometry g) {
        int where = (int) a, w = g.width();
        int y0 = (o / g.outW()) * g.strideH() - g.padH(), x0 = (o % g.outW()) * g.strideW() - g.padW();
        int iy = where / w, ix = where % w;
        if (a != where || where < 0 || where >= g.height() * w || iy < y0 || iy >= y0 + g.kernelH() || ix < x0 || ix >= x0 + g.kernelW()) {
            throw new IllegalArgumentException("maxPoolBackward: arg-max " + a + " of output " + o + " in plane " + plane
                    + " is not a pixel of its " + g.kernelH() + "x" + g.kernelW() + " window (rows " + y0 + ".." + (y0 + g.kernelH() - 1)
                    + ", columns " + x0 + ".." + (x0 + g.kernelW() - 1) + " of the " + g.height() + "x" + w + " input): pass maxPool's argmax");
        }
        return where;
    }

    /**
     * Max pooling needs every window to hold at least one input pixel: padding at most half the window per axis
     * (PyTorch's rule). A window wholly in the padding would have no arg-max to route its gradient to.
     */
    public static void poolPadding(String op, ConvGeometry g) {
        if (2 * g.padH() > g.kernelH() || 2 * g.padW() > g.kernelW()) {
            throw new IllegalArgumentException(op + ": padding " + g.padH() + "x" + g.padW() + " is more than half the "
                    + g.kernelH() + "x" + g.kernelW() + " window, so a window could lie wholly in the padding");
        }
    }

    /** {@code x} read as [a, b, s], and {@code y} as large as {@code x}. */
    public static void swapAxes01(Tensor x, Tensor y, int a, int b, int s) {
        // extents ≥ 1 first: two negative ones multiply to a size that fits, and a device kernel would then write
        // outside y (on PoCL, into the host heap)
        if (a < 1 || b < 1 || s < 1 || (long) a * b * s != x.size() || y.size() != x.size()) {
            throw new IllegalArgumentException("swapAxes01: " + x.shapeString() + " → " + y.shapeString() + " as [" + a + ", " + b + ", " + s + "]");
        }
    }

    public static void dropoutProbability(float p) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
    }

    /** {@code t} ({@code what}: "an output", "a gradient") holds one row of {@code table} per index. */
    public static void tableRows(String op, Tensor idx, Tensor table, Tensor t, String what) {
        int d = cols(table);
        if (t.size() != (long) idx.size() * d) {
            throw new IllegalArgumentException(op + ": " + idx.size() + " indices into a table " + table.shapeString()
                    + " need " + what + " of " + (long) idx.size() * d + " elements, got " + t.shapeString());
        }
    }

    /** LSTM pre-activations [B, 4H] for c_{t−1} [B, H]. */
    public static void lstmGates(Tensor gates, Tensor cPrev) {
        if (gates.size() != 4L * cPrev.size()) {
            throw new IllegalArgumentException("lstmCell: gates " + gates.shapeString() + " for c " + cPrev.shapeString() + " (need [B, 4H])");
        }
    }

    /** LSTM gate activations and their gradient, both [B, 4H], for c_{t−1} [B, H]. */
    public static void lstmActs(Tensor acts, Tensor dgates, Tensor cPrev) {
        if (acts.size() != 4L * cPrev.size() || dgates.size() != acts.size()) {
            throw new IllegalArgumentException("lstmCellBackward: acts " + acts.shapeString() + ", dgates " + dgates.shapeString()
                    + " for c " + cPrev.shapeString() + " (need [B, 4H])");
        }
    }

    /** GRU input and hidden projections, both [B, 3H], for h_{t−1} [B, H]. */
    public static void gruGates(Tensor gx, Tensor gh, Tensor hPrev) {
        if (gx.size() != 3L * hPrev.size() || gh.size() != gx.size()) {
            throw new IllegalArgumentException("gruCell: gx " + gx.shapeString() + ", gh " + gh.shapeString() + " for h " + hPrev.shapeString() + " (need [B, 3H])");
        }
    }

    /** GRU activations, hidden projection and both projection gradients, all [B, 3H], for h_{t−1} [B, H]. */
    public static void gruActs(Tensor acts, Tensor gh, Tensor dgx, Tensor dgh, Tensor hPrev) {
        if (acts.size() != 3L * hPrev.size() || gh.size() != acts.size() || dgx.size() != acts.size() || dgh.size() != acts.size()) {
            throw new IllegalArgumentException("gruCellBackward: acts " + acts.shapeString() + ", gh " + gh.shapeString() + ", dgx "
                    + dgx.shapeString() + ", dgh " + dgh.shapeString() + " for h " + hPrev.shapeString() + " (need [B, 3H])");
        }
    }

    /**
     * LSTM peepholes p_i, p_f, p_o: null, or [3, H]; with {@code withGradient}, a gradient of the same size exactly when
     * there are peepholes.
     */
    public static void peepholes(String op, Tensor peep, Tensor dpeep, int hid, boolean withGradient) {
        boolean bad = peep != null && peep.size() != 3L * hid
                || withGradient && (peep == null ? dpeep != null : dpeep == null || dpeep.size() != 3L * hid);
        if (bad) {
            throw new IllegalArgumentException(op + ": peepholes " + (peep == null ? "null" : peep.shapeString())
                    + (withGradient ? " / gradient " + (dpeep == null ? "null" : dpeep.shapeString()) : "") + " for H = " + hid + " (need [3, H])");
        }
    }

    /** An optimizer's gradient and state tensors (null ones skipped) hold as many elements as the parameter {@code w}. */
    public static void optimizerState(String op, Tensor w, Tensor... state) {
        for (Tensor s : state) {
            if (s != null && s.size() != w.size()) {
                throw new IllegalArgumentException(op + ": " + s.shapeString() + " does not match the parameter " + w.shapeString());
            }
        }
    }

    /** Adam's bias correction 1 − βᵗ needs t ≥ 1. */
    public static void adamStepCount(int t) {
        if (t < 1) throw new IllegalArgumentException("Adam step count must be ≥ 1, got " + t);
    }
}
