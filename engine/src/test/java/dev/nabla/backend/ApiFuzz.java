package dev.nabla.backend;

import dev.nabla.loss.BinaryCrossEntropy;
import dev.nabla.loss.BinaryCrossEntropyWithLogits;
import dev.nabla.loss.L1Loss;
import dev.nabla.loss.Loss;
import dev.nabla.loss.MeanSquaredError;
import dev.nabla.loss.MultiClassHinge;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.loss.SquaredError;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.AvgPool2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Layer;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.PReLU;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.Softmax;
import dev.nabla.nn.rnn.Bidirectional;
import dev.nabla.nn.rnn.Embedding;
import dev.nabla.nn.rnn.Gru;
import dev.nabla.nn.rnn.Lstm;
import dev.nabla.nn.rnn.Recurrent;
import dev.nabla.nn.rnn.Rnn;
import dev.nabla.optim.Adadelta;
import dev.nabla.optim.Adagrad;
import dev.nabla.optim.Adam;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.RmsProp;
import dev.nabla.optim.Sgd;
import dev.nabla.train.Dataset;
import dev.nabla.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A fuzz test of the public API: random shapes (empty, mismatched, wrong rank), random values (NaN, ±∞, huge, not whole
 * numbers where indices go), nulls, tensors of another backend or closed ones, calls in random orders (backward before
 * forward, bind twice), into every backend op, layer, recurrent layer, loss, optimizer, tensor and parameter method, data
 * set and trainer. Every call must succeed or throw an {@link IllegalArgumentException} or {@link IllegalStateException}
 * whose message names the call — never another exception (an ArrayIndexOutOfBounds, a NullPointerException, an
 * ArithmeticException, …). And a result must not be silent: a layer's forward pass over an all-NaN input gives NaN, a
 * loss of an all-NaN output is NaN.
 */
public final class ApiFuzz {
    private final Backend be, other;
    private final SplittableRandom rng;
    private final List<String> failures = new ArrayList<>();
    private final java.util.Set<String> kinds = new java.util.HashSet<>();
    private int calls, refused;

    @FunctionalInterface
    interface Call {
        void run() throws Throwable;
    }

    public ApiFuzz(Backend be, Backend other, long seed) {
        this.be = be;
        this.other = other;
        this.rng = new SplittableRandom(seed);
    }

    /** The problems found (empty if none), at most {@code max} of them. */
    public List<String> failures() { return failures; }

    public int calls() { return calls; }

    public int refused() { return refused; }

    /** Runs {@code c}; an exception must be an IllegalArgument- or IllegalStateException whose message contains one of {@code names}. */
    private void attempt(String what, List<String> names, Call c) {
        calls++;
        try {
            c.run();
        } catch (IllegalArgumentException | IllegalStateException e) {
            refused++;
            String m = e.getMessage();
            if (m == null || names.stream().noneMatch(m::contains)) {
                fail(what + ": " + e.getClass().getSimpleName() + " whose message names none of " + names + ": " + m);
            }
        } catch (Throwable t) {
            StackTraceElement at = t.getStackTrace().length > 0 ? t.getStackTrace()[0] : null;
            fail(what + ": " + t + (at == null ? "" : " at " + at));
        }
    }

    /** Records a failure once per kind (the same message with other numbers is the same kind). */
    private void fail(String problem) {
        if (kinds.add(problem.replaceAll("[0-9]+", "#"))) failures.add(problem);
    }

    private void silent(String what, String problem) { fail(what + ": a silent result: " + problem); }

    // ---------------------------------------------------------------- random arguments

    private int extent() {
        int r = rng.nextInt(20);
        return r == 0 ? 0 : r == 1 ? -1 : 1 + rng.nextInt(6);
    }

    private int[] shape() {
        int[] s = new int[rng.nextInt(5)];
        for (int i = 0; i < s.length; i++) s[i] = extent();
        return s;
    }

    private float value() {
        int r = rng.nextInt(20);
        return switch (r) {
            case 0 -> Float.NaN;
            case 1 -> Float.POSITIVE_INFINITY;
            case 2 -> Float.NEGATIVE_INFINITY;
            case 3 -> (rng.nextBoolean() ? 1 : -1) * 3e38f;
            case 4 -> -1f;
            case 5, 6, 7 -> rng.nextInt(7);
            case 8 -> 2.7f;
            default -> (float) rng.nextDouble(-3, 3);
        };
    }

    private float[] values(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = value();
        return v;
    }

    /** A tensor of {@code shape} on the backend under test, or (now and then) null, another backend's or a closed one. */
    private Tensor tensor(int... shape) {
        int r = rng.nextInt(30);
        if (r == 0) return null;
        for (int d : shape) if (d < 0) return be.zeros(1);
        Backend b = r == 1 ? other : be;
        Tensor t = b.upload(values(Tensor.sizeOf(shape)), shape);
        if (r == 2) t.close();
        return t;
    }

    private Tensor anyTensor() { return tensor(fixShape(shape())); }

    private static int[] fixShape(int[] s) {
        int[] f = s.clone();
        for (int i = 0; i < f.length; i++) f[i] = Math.max(0, f[i]);
        return f;
    }

    /** Either {@code fitting} or a random shape. */
    private int[] shapeOr(int... fitting) { return rng.nextInt(3) == 0 ? fixShape(shape()) : fitting; }

    private int small() { return rng.nextInt(8) - 1; }

    private float scalar() { return rng.nextInt(4) == 0 ? value() : (float) rng.nextDouble(0, 1); }

    private <E extends Enum<E>> E pick(Class<E> type) {
        E[] all = type.getEnumConstants();
        return rng.nextInt(12) == 0 ? null : all[rng.nextInt(all.length)];
    }

    private ConvGeometry geometry() {
        return new ConvGeometry(small(), small(), small() + 2, small() + 2, small(), small(), small(), small(), small() - 1, small() - 1);
    }

    private static List<String> names(String... n) { return List.of(n); }

    // ---------------------------------------------------------------- the rounds

    /** {@code rounds} random calls of each kind. */
    public ApiFuzz run(int rounds) {
        for (int i = 0; i < rounds; i++) {
            backendOps();
            tensorsAndParams();
            layers();
            recurrent();
            losses();
            optimizers();
            if (i % 10 == 0) training();
        }
        return this;
    }

    private void backendOps() {
        int m = 1 + rng.nextInt(5), n = 1 + rng.nextInt(5), k = 1 + rng.nextInt(5);
        attempt("zeros", names("zeros"), () -> be.zeros(shape()));
        attempt("upload", names("upload"), () -> be.upload(values(rng.nextInt(6)), shape()));
        attempt("upload into", names("upload"), () -> be.upload(rng.nextInt(8) == 0 ? null : values(rng.nextInt(9)), rng.nextInt(4) - 1, anyTensor()));
        attempt("download", names("download"), () -> be.download(anyTensor(), rng.nextInt(8) == 0 ? null : new float[rng.nextInt(9)]));
        attempt("fill", names("fill"), () -> be.fill(anyTensor(), value()));
        attempt("copy", names("copy"), () -> be.copy(tensor(shapeOr(m, n)), tensor(shapeOr(m * n))));
        attempt("axpy", names("axpy"), () -> be.axpy(value(), tensor(shapeOr(m, n)), tensor(shapeOr(m, n))));
        attempt("scale", names("scale"), () -> be.scale(anyTensor(), value()));
        attempt("mul", names("mul"), () -> be.mul(tensor(shapeOr(n)), tensor(shapeOr(n)), tensor(shapeOr(n))));
        attempt("sumSquares", names("sumSquares"), () -> be.sumSquares(anyTensor()));
        attempt("sumSquaresEach", names("sumSquaresEach"), () -> be.sumSquaresEach(rng.nextInt(10) == 0 ? null
                : new Tensor[] {anyTensor(), anyTensor()}));
        attempt("gemm", names("gemm"), () -> be.gemm(rng.nextBoolean(), rng.nextBoolean(), value(), tensor(shapeOr(m, k)), tensor(shapeOr(k, n)),
                value(), tensor(shapeOr(m, n))));
        attempt("gemmPack", names("gemmPack"), () -> be.gemmPack(rng.nextBoolean(), tensor(shapeOr(k, n)), tensor(shapeOr(k, n))));
        attempt("gemmPacked", names("gemmPacked"), () -> be.gemmPacked(rng.nextBoolean(), value(), tensor(shapeOr(m, k)),
                tensor(shapeOr(k, n)), value(), tensor(shapeOr(m, n))));
        attempt("addBias", names("addBias"), () -> be.addBias(tensor(shapeOr(m, n)), tensor(shapeOr(n)), small()));
        attempt("sumBias", names("sumBias"), () -> be.sumBias(tensor(shapeOr(m, n)), tensor(shapeOr(n)), small(), value()));
        attempt("swapAxes01", names("swapAxes01"), () -> be.swapAxes01(tensor(shapeOr(m, n, k)), tensor(shapeOr(n, m, k)), small(), small(), small()));
        attempt("activation", names("activation"), () -> be.activation(pick(Activation.class), tensor(shapeOr(m, n)), tensor(shapeOr(m, n))));
        attempt("activationBackward", names("activationBackward"), () -> be.activationBackward(pick(Activation.class), tensor(shapeOr(n)),
                tensor(shapeOr(n)), tensor(shapeOr(n)), tensor(shapeOr(n))));
        attempt("prelu", names("prelu"), () -> be.prelu(tensor(shapeOr(m, n)), tensor(shapeOr(n)), tensor(shapeOr(m, n)), small()));
        attempt("preluBackward", names("preluBackward"), () -> be.preluBackward(tensor(shapeOr(m, n)), tensor(shapeOr(n)), tensor(shapeOr(m, n)),
                tensor(shapeOr(m, n)), tensor(shapeOr(n)), small()));
        attempt("softmax", names("softmax"), () -> be.softmax(tensor(shapeOr(m, n)), tensor(shapeOr(m, n))));
        attempt("softmaxBackward", names("softmaxBackward"), () -> be.softmaxBackward(tensor(shapeOr(m, n)), tensor(shapeOr(m, n)), tensor(shapeOr(m, n))));
        attempt("softmaxCrossEntropy", names("softmaxCrossEntropy"), () -> be.softmaxCrossEntropy(tensor(shapeOr(m, n)), tensor(shapeOr(m)),
                rng.nextBoolean() ? null : tensor(shapeOr(m, n))));
        attempt("elementwiseLoss", names("elementwiseLoss"), () -> be.elementwiseLoss(pick(ElementwiseLoss.class), tensor(shapeOr(m, n)),
                tensor(shapeOr(m, n)), rng.nextBoolean() ? null : tensor(shapeOr(m, n))));
        attempt("hinge", names("hinge"), () -> be.hinge(tensor(shapeOr(m, n)), tensor(shapeOr(m)), value(), rng.nextBoolean() ? null : tensor(shapeOr(m, n))));
        attempt("countCorrect", names("countCorrect"), () -> be.countCorrect(tensor(shapeOr(m, n)), tensor(shapeOr(m))));
        attempt("im2col/col2im/pooling", names("geometry", "kernel", "im2col", "col2im", "maxPool", "avgPool", "padding"), () -> {
            ConvGeometry g = geometry();
            int in = g.batch() * g.channels() * g.height() * g.width(), out = g.batch() * g.channels() * g.outH() * g.outW();
            int[] xs = {g.batch(), g.channels(), g.height(), g.width()}, ys = {g.batch(), g.channels(), g.outH(), g.outW()};
            switch (rng.nextInt(6)) {
                case 0 -> be.im2col(tensor(shapeOr(xs)), rng.nextInt(10) == 0 ? null : g, tensor(shapeOr(g.colRows(), g.colCols())));
                case 1 -> be.col2im(tensor(shapeOr(g.colRows(), g.colCols())), g, tensor(shapeOr(xs)));
                case 2 -> be.maxPool(tensor(shapeOr(xs)), g, tensor(shapeOr(ys)), tensor(shapeOr(ys)));
                case 3 -> be.maxPoolBackward(tensor(shapeOr(ys)), tensor(shapeOr(ys)), g, tensor(shapeOr(xs)));
                case 4 -> be.avgPool(tensor(shapeOr(xs)), g, tensor(shapeOr(ys)));
                default -> be.avgPoolBackward(tensor(shapeOr(ys)), g, tensor(shapeOr(xs)));
            }
            if (in < 0 || out < 0) throw new AssertionError("unreachable");
        });
        attempt("conv2d/conv2dBackward", names("conv2d", "geometry", "kernel"), () -> {
            ConvGeometry g = geometry();
            int cout = small();
            int[] xs = {g.batch(), g.channels(), g.height(), g.width()}, ws = {cout, g.channels(), g.kernelH(), g.kernelW()},
                    ys = {g.batch(), cout, g.outH(), g.outW()};
            if (rng.nextBoolean()) {
                be.conv2d(tensor(shapeOr(xs)), tensor(shapeOr(ws)), rng.nextBoolean() ? null : tensor(shapeOr(cout)),
                        rng.nextInt(10) == 0 ? null : g, tensor(shapeOr(ys)));
            } else {
                be.conv2dBackward(tensor(shapeOr(xs)), tensor(shapeOr(ws)), tensor(shapeOr(ys)), rng.nextInt(10) == 0 ? null : g,
                        rng.nextBoolean() ? null : tensor(shapeOr(ws)), rng.nextBoolean() ? null : tensor(shapeOr(cout)),
                        rng.nextBoolean() ? null : tensor(shapeOr(xs)));
            }
        });
        attempt("dropoutMask", names("dropout"), () -> be.dropoutMask(anyTensor(), value(), rng.nextLong()));
        attempt("gatherRows", names("gatherRows"), () -> be.gatherRows(tensor(shapeOr(m, n)), tensor(shapeOr(k)), tensor(shapeOr(k, n))));
        attempt("scatterAddRows", names("scatterAddRows"), () -> be.scatterAddRows(tensor(shapeOr(k, n)), tensor(shapeOr(k)), tensor(shapeOr(m, n))));
        attempt("lstmCell", names("lstmCell", "peepholes"), () -> be.lstmCell(tensor(shapeOr(m, 4 * n)), tensor(shapeOr(m, n)),
                rng.nextBoolean() ? null : tensor(shapeOr(3, n)), tensor(shapeOr(m, n)), tensor(shapeOr(m, n)), tensor(shapeOr(m, n))));
        attempt("lstmCellBackward", names("lstmCellBackward", "peepholes"), () -> {
            boolean p = rng.nextBoolean();
            be.lstmCellBackward(tensor(shapeOr(m, 4 * n)), tensor(shapeOr(m, n)), tensor(shapeOr(m, n)), tensor(shapeOr(m, n)),
                    p ? tensor(shapeOr(3, n)) : null, tensor(shapeOr(m, n)), tensor(shapeOr(m, n)), tensor(shapeOr(m, 4 * n)),
                    p ? tensor(shapeOr(3, n)) : null);
        });
        attempt("gruCell", names("gruCell"), () -> be.gruCell(tensor(shapeOr(m, 3 * n)), tensor(shapeOr(m, 3 * n)), tensor(shapeOr(m, n)),
                tensor(shapeOr(m, n)), tensor(shapeOr(m, 3 * n))));
        attempt("gruCellBackward", names("gruCellBackward"), () -> be.gruCellBackward(tensor(shapeOr(m, 3 * n)), tensor(shapeOr(m, 3 * n)),
                tensor(shapeOr(m, n)), tensor(shapeOr(m, n)), tensor(shapeOr(m, 3 * n)), tensor(shapeOr(m, 3 * n)), tensor(shapeOr(m, n))));
        attempt("sgdStep", names("sgdStep"), () -> be.sgdStep(tensor(shapeOr(n)), tensor(shapeOr(n)), rng.nextBoolean() ? null : tensor(shapeOr(n)),
                value(), rng.nextBoolean() ? 0f : value(), rng.nextBoolean(), value()));
        attempt("adagradStep", names("adagradStep"), () -> be.adagradStep(tensor(shapeOr(n)), tensor(shapeOr(n)), tensor(shapeOr(n)), value(), value(), value()));
        attempt("rmspropStep", names("rmspropStep"), () -> be.rmspropStep(tensor(shapeOr(n)), tensor(shapeOr(n)), tensor(shapeOr(n)), value(), value(),
                value(), value()));
        attempt("adadeltaStep", names("adadeltaStep"), () -> be.adadeltaStep(tensor(shapeOr(n)), tensor(shapeOr(n)), tensor(shapeOr(n)),
                tensor(shapeOr(n)), value(), value(), value(), value()));
        attempt("adamStep", names("adamStep", "Adam step"), () -> be.adamStep(tensor(shapeOr(n)), tensor(shapeOr(n)), tensor(shapeOr(n)),
                tensor(shapeOr(n)), value(), value(), value(), value(), value(), rng.nextInt(4) - 1));
    }

    private void tensorsAndParams() {
        attempt("Tensor methods", names("reshape", "view", "slice", "dim", "item", "shape", "extent", "closed", "download", "Tensor"), () -> {
            Tensor t = anyTensor();
            if (t == null) return;
            switch (rng.nextInt(6)) {
                case 0 -> t.reshape(rng.nextInt(8) == 0 ? null : shape());
                case 1 -> t.view(rng.nextInt(10) - 2, rng.nextInt(8) == 0 ? null : shape());
                case 2 -> t.slice(rng.nextInt(6) - 1);
                case 3 -> t.dim(rng.nextInt(9) - 4);
                case 4 -> t.item();
                default -> t.toArray();
            }
        });
        attempt("Param methods", names("Param", "slot", "set", "zeros", "closed", "fill"), () -> {
            Param p = new Param(rng.nextInt(10) == 0 ? null : "p", rng.nextInt(10) == 0 ? null : tensor(shapeOr(3)));
            switch (rng.nextInt(4)) {
                case 0 -> p.slot(rng.nextInt(5) - 1);
                case 1 -> p.set(rng.nextInt(6) == 0 ? null : values(rng.nextInt(5)));
                case 2 -> p.zeroGrad();
                default -> p.resetSlots();
            }
        });
    }

    /** A random layer (its constructor may refuse its arguments) and the names its messages may use. */
    private Layer layer() {
        int a = small(), b = small();
        return switch (rng.nextInt(11)) {
            case 0 -> new Dense(a, b);
            case 1 -> new ActivationLayer(pick(Activation.class));
            case 2 -> {
                Conv2d c = new Conv2d(a, b, small());
                if (rng.nextBoolean()) c.stride(small());
                if (rng.nextBoolean()) c.padding(small());
                yield c;
            }
            case 3 -> {
                MaxPool2d p = new MaxPool2d(a);
                if (rng.nextBoolean()) p.stride(small());
                if (rng.nextBoolean()) p.padding(small());
                yield p;
            }
            case 4 -> new AvgPool2d(a, b);
            case 5 -> new PReLU(a, rng.nextBoolean() ? 0.25f : value());
            case 6 -> new Softmax();
            case 7 -> new Dropout(rng.nextBoolean() ? 0.5f : value());
            case 8 -> new Flatten();
            case 9 -> new Embedding(a, b);
            default -> new Sequential(new Dense(Math.max(1, a), 3), ActivationLayer.relu(), new Dense(3, 2));
        };
    }

    private static final List<String> LAYER_NAMES = names("Dense", "ActivationLayer", "Conv2d", "MaxPool2d", "AvgPool2d", "PReLU", "Softmax",
            "Dropout", "Flatten", "Embedding", "Sequential", "Relu", "Sigmoid", "Tanh", "Identity", "Step", "Sign", "PiecewiseLinear", "Softplus");

    private void layers() {
        Layer[] made = new Layer[1];
        attempt("layer constructor", LAYER_NAMES, () -> made[0] = layer());
        Layer l = made[0];
        if (l == null) return;
        List<String> names = new ArrayList<>(List.of(l.name(), l.getClass().getSimpleName()));
        if (l instanceof Sequential s) for (Layer inner : s.layers()) names.add(inner.name());   // the layer of the model that refused
        for (int i = 0; i < 6; i++) {
            int batch = 1 + rng.nextInt(3);
            switch (rng.nextInt(i == 0 ? 2 : 5)) {
                case 0 -> attempt(l.name() + ".bind", names, () -> l.bind(rng.nextInt(8) == 0 ? null : be, new SplittableRandom(1)));
                case 1 -> attempt(l.name() + ".outputShape", names, () -> l.outputShape(rng.nextInt(8) == 0 ? null : shape()));
                case 2, 3 -> {
                    int[] s = fixShape(shape());
                    if (s.length > 0) s[0] = batch;
                    // (an Embedding's input is indices; a padded convolution may have windows wholly in the padding)
                    boolean nan = rng.nextBoolean() && !(l instanceof Embedding) && !l.name().contains("pad");
                    Tensor x = nan ? be.upload(nanArray(Tensor.sizeOf(s)), s) : tensor(s);
                    attempt(l.name() + ".forward " + java.util.Arrays.toString(s), names, () -> {
                        Tensor y = l.forward(x, rng.nextBoolean());
                        if (nan && y.size() > 0 && !anyNaN(y.toArray())) silent(l.name() + ".forward", "an all-NaN input " + x + " gave no NaN");
                    });
                }
                default -> attempt(l.name() + ".backward", names, () -> {
                    if (rng.nextBoolean()) l.backward(anyTensor());
                    else l.backwardParams(anyTensor());
                });
            }
        }
    }

    private static float[] nanArray(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, Float.NaN);
        return a;
    }

    private static boolean anyNaN(float[] a) {
        for (float v : a) if (Float.isNaN(v)) return true;
        return false;
    }

    private void recurrent() {
        Recurrent[] made = new Recurrent[1];
        int d = small(), h = small();
        attempt("recurrent constructor", names("RNN", "LSTM", "GRU", "Bidirectional"), () -> made[0] = switch (rng.nextInt(4)) {
            case 0 -> new Rnn(d, h);
            case 1 -> new Lstm(d, h, rng.nextBoolean(), value());
            case 2 -> new Gru(d, h);
            default -> new Bidirectional(new Rnn(d, h), new Rnn(d, rng.nextBoolean() ? h : h + 1));
        });
        Recurrent r = made[0];
        if (r == null) return;
        List<String> names = r instanceof Bidirectional bi ? List.of(r.name(), bi.forwardLayer().name(), bi.backwardLayer().name()) : List.of(r.name());
        for (int i = 0; i < 6; i++) {
            switch (rng.nextInt(i == 0 ? 1 : 6)) {
                case 0 -> attempt(r.name() + ".bind", names, () -> r.bind(rng.nextInt(8) == 0 ? null : be, new SplittableRandom(2)));
                case 1, 2 -> attempt(r.name() + ".forward", names, () -> r.forward(tensor(shapeOr(rng.nextInt(4), 1 + rng.nextInt(3), Math.max(0, d))), true));
                case 3 -> attempt(r.name() + ".backward", names, () -> r.backward(anyTensor()));
                case 4 -> attempt(r.name() + ".finalState", names, () -> r.finalState(rng.nextInt(5) - 1));
                default -> attempt(r.name() + ".stateGradient", names, () -> r.stateGradient(rng.nextInt(5) - 1));
            }
        }
    }

    private void losses() {
        Loss[] made = new Loss[1];
        attempt("loss constructor", names("MultiClassHinge"), () -> made[0] = switch (rng.nextInt(7)) {
            case 0 -> new SquaredError();
            case 1 -> new MeanSquaredError();
            case 2 -> new L1Loss();
            case 3 -> new BinaryCrossEntropy();
            case 4 -> new BinaryCrossEntropyWithLogits();
            case 5 -> new SoftmaxCrossEntropy();
            default -> new MultiClassHinge(rng.nextBoolean() ? 1f : value());
        });
        Loss loss = made[0];
        if (loss == null) return;
        int rows = 1 + rng.nextInt(4), classes = 1 + rng.nextInt(4);
        boolean nan = rng.nextInt(3) == 0;
        int[] ys = shapeOr(rows, classes);
        Tensor y = nan ? be.upload(nanArray(Tensor.sizeOf(ys)), ys) : tensor(ys);
        Tensor t = tensor(loss.classification() ? shapeOr(rows) : shapeOr(rows, classes));
        attempt(loss.name() + ".compute", names(loss.name()), () -> {
            float e = loss.compute(y, t, rng.nextBoolean() ? null : tensor(shapeOr(rows, classes)));
            boolean counted = !loss.classification() || anyCounted(t);
            if (loss instanceof MultiClassHinge && y.dim(-1) == 1) counted = false;       // one class: no margin terms at all
            if (nan && counted && y.size() > 0 && !Float.isNaN(e)) silent(loss.name(), "an all-NaN output gave the loss " + e);
        });
    }

    private static boolean anyCounted(Tensor labels) {
        for (float v : labels.toArray()) if (v >= 0) return true;
        return false;
    }

    private void optimizers() {
        Optimizer[] made = new Optimizer[1];
        attempt("optimizer constructor", names("SGD", "Adam", "Adagrad", "RMSProp", "Adadelta"), () -> made[0] = switch (rng.nextInt(5)) {
            case 0 -> new Sgd(scalar(), rng.nextBoolean() ? 0f : scalar(), rng.nextBoolean(), rng.nextBoolean() ? 0f : scalar());
            case 1 -> new Adam(scalar(), scalar(), scalar(), scalar(), rng.nextBoolean() ? 0f : scalar());
            case 2 -> new Adagrad(scalar(), scalar(), 0f);
            case 3 -> new RmsProp(scalar(), scalar(), scalar(), 0f);
            default -> new Adadelta(scalar(), scalar(), scalar(), 0f);
        });
        Optimizer opt = made[0];
        if (opt == null) return;
        String op = switch (opt.getClass().getSimpleName()) {
            case "Sgd" -> "sgdStep";
            case "Adam" -> "adamStep";
            case "Adagrad" -> "adagradStep";
            case "RmsProp" -> "rmspropStep";
            default -> "adadeltaStep";
        };
        attempt(opt.name() + ".step", names(opt.name(), op, "zeros"), () -> {
            List<Param> ps = new ArrayList<>();
            int n = rng.nextInt(4);
            for (int i = 0; i < n; i++) {
                Tensor v = tensor(shapeOr(3));
                ps.add(v == null ? null : new Param("p" + i, v));
            }
            opt.step(rng.nextInt(10) == 0 ? null : ps);
        });
    }

    private void training() {
        int n = rng.nextInt(5), per = 1 + rng.nextInt(3);
        attempt("Trainer.fit", names("Trainer", "Dataset", "label", "data set", "training diverged", "Dense", "Sequential", "SoftmaxCrossEntropy",
                "SquaredError", "batch", "epochs", "clip", "validation", "patience", "stopAtLoss", "targets"), () -> {
            Dataset d = rng.nextBoolean()
                    ? Dataset.classification(values(n * per), new int[] {per}, randomLabels(n))
                    : new Dataset(values(n * per), rng.nextInt(5) == 0 ? shape() : new int[] {per}, values(n), 1);
            Sequential model = new Sequential(new Dense(per, 3), ActivationLayer.relu(), new Dense(3, rng.nextBoolean() ? 3 : 1)).bind(be, 1);
            Loss loss = rng.nextBoolean() ? new SoftmaxCrossEntropy() : new SquaredError();
            new Trainer().epochs(1 + rng.nextInt(2)).batchSize(rng.nextInt(4)).clipNorm(rng.nextBoolean() ? 0f : scalar())
                    .fit(model, loss, new Sgd(rng.nextBoolean() ? 0.1f : 1e30f), d);
        });
    }

    private int[] randomLabels(int n) {
        int[] l = new int[n];
        for (int i = 0; i < n; i++) l[i] = rng.nextInt(6) - 1;
        return l;
    }
}
