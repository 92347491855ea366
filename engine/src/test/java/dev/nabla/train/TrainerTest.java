package dev.nabla.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ElementwiseLoss;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.check.Inputs;
import dev.nabla.loss.Loss;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.loss.SquaredError;
import dev.nabla.nn.ActivationLayer;
import dev.nabla.nn.Dense;
import dev.nabla.nn.Param;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.Sgd;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainerTest {
    final Backend ops = new ReferenceBackend();

    /** A 2-D, 3-class blob problem, seeded. */
    static Dataset blobs(int n, long seed) {
        float[] x = Inputs.uniform(seed, 2 * n, -1, 1);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
            x[2 * i] += 2f * (labels[i] - 1);                            // class centres at x = −2, 0, 2
            x[2 * i + 1] += labels[i] == 1 ? 1.5f : 0f;
        }
        return Dataset.classification(x, new int[] {2}, labels);
    }

    Sequential mlp(long seed) {
        return new Sequential(new Dense(2, 8), ActivationLayer.tanh(), new Dense(8, 3)).bind(ops, seed);
    }

    // ------------------------------------------------------------------ the update modes, against seed 000's delta rule by hand

    /** A linear unit y = Σ w_i x_i + b trained on E = ½Σ_p (d_p − y_p)²; x_p and d_p below, w and b from zero. */
    static final float[][] X = {{1f, 2f}, {-1f, 0.5f}, {0.5f, -1.5f}};
    static final float[] D = {1f, -0.5f, 2f};
    static final float ETA = 0.05f;

    List<Float> trainLinear(int batchSize, int epochs) {
        Sequential unit = new Sequential(new Dense(2, 1, (w, fi, fo, r) -> {}, (w, fi, fo, r) -> {})).bind(ops, 0);
        Dataset data = new Dataset(new float[] {1f, 2f, -1f, 0.5f, 0.5f, -1.5f}, new int[] {2}, D.clone(), 1);
        new Trainer().epochs(epochs).batchSize(batchSize).shuffle(false).fit(unit, new SquaredError(), new Sgd(ETA), data);
        List<Float> wb = new ArrayList<>();
        for (Param p : unit.params()) for (float v : p.value().toArray()) wb.add(v);
        return wb;                                                        // (w₁, w₂, b)
    }

    /** Δw_i = −η Σ_{p in batch} (y_p − d_p) x_{p,i} (and the bias with x₀ = 1), batch after batch, in double. */
    static double[] deltaRule(int batchSize, int epochs) {
        double[] w = new double[3];                                       // w₁, w₂, b
        for (int e = 0; e < epochs; e++) {
            for (int start = 0; start < X.length; start += batchSize) {
                double[] g = new double[3];
                for (int p = start; p < Math.min(X.length, start + batchSize); p++) {
                    double y = w[0] * X[p][0] + w[1] * X[p][1] + w[2];
                    g[0] += (y - D[p]) * X[p][0];                             // ∂E/∂w_i = (y − d) x_i
                    g[1] += (y - D[p]) * X[p][1];
                    g[2] += (y - D[p]);
                }
                for (int i = 0; i < 3; i++) w[i] -= ETA * g[i];
            }
        }
        return w;
    }

    @Test
    void fullBatchMiniBatchAndPerSampleUpdatesFollowTheDeltaRule() {
        for (int[] mode : new int[][] {{0, 3}, {3, 3}, {2, 2}, {1, 1}}) {               // {Trainer batch size, rule batch size}
            List<Float> got = trainLinear(mode[0], 4);
            double[] want = deltaRule(mode[1], 4);
            for (int i = 0; i < 3; i++) assertThat((double) got.get(i)).as("batch %d, weight %d", mode[0], i).isCloseTo(want[i], within(1e-5));
        }
        assertThat(trainLinear(1, 4)).isNotEqualTo(trainLinear(0, 4));                  // the modes really differ
    }

    @Test
    void stepsPerEpochFollowTheBatchSize() {
        Dataset d = blobs(10, 1);
        assertThat(new Trainer().epochs(2).batchSize(0).fit(mlp(1), new SoftmaxCrossEntropy(), new Sgd(0.1f), d).getLast().steps()).isEqualTo(2);
        assertThat(new Trainer().epochs(2).batchSize(3).fit(mlp(1), new SoftmaxCrossEntropy(), new Sgd(0.1f), d).getLast().steps()).isEqualTo(8);
        assertThat(new Trainer().epochs(2).batchSize(1).fit(mlp(1), new SoftmaxCrossEntropy(), new Sgd(0.1f), d).getLast().steps()).isEqualTo(20);
    }

    // ------------------------------------------------------------------ determinism

    record Run(List<Trainer.EpochStats> history, List<float[]> params) {}

    Run run(long modelSeed, long trainerSeed) {
        Sequential m = mlp(modelSeed);
        var h = new Trainer().epochs(5).batchSize(7).seed(trainerSeed).validationSplit(0.2f)
                .fit(m, new SoftmaxCrossEntropy(), Sgd.momentum(0.05f, 0.9f), blobs(60, 3));
        List<float[]> ps = new ArrayList<>();
        for (Param p : m.params()) ps.add(p.value().toArray());
        return new Run(h, ps);
    }

    static List<Integer> bits(Run r) {
        List<Integer> b = new ArrayList<>();
        for (var s : r.history()) {
            b.add(Float.floatToRawIntBits(s.trainLoss())); b.add(Float.floatToRawIntBits(s.trainAccuracy()));
            b.add(Float.floatToRawIntBits(s.valLoss())); b.add(Float.floatToRawIntBits(s.valAccuracy()));
        }
        for (float[] p : r.params()) for (float v : p) b.add(Float.floatToRawIntBits(v));
        return b;
    }

    @Test
    void sameSeedSameBitsDifferentSeedDifferentRun() {
        Run a = run(1, 9), b = run(1, 9);
        assertThat(bits(a)).isEqualTo(bits(b));                            // bit for bit
        assertThat(bits(run(1, 10))).isNotEqualTo(bits(a));               // another shuffle (and split)
        assertThat(bits(run(2, 9))).isNotEqualTo(bits(a));                // other initial weights
    }

    // ------------------------------------------------------------------ validation, stopping, evaluation

    @Test
    void validationSplitHoldsOutDataAndReportsIt() {
        Dataset d = blobs(50, 4);
        var h = new Trainer().epochs(3).batchSize(1).validationSplit(0.2f).seed(5)
                .fit(mlp(1), new SoftmaxCrossEntropy(), new Sgd(0.05f), d);
        assertThat(h.getLast().steps()).isEqualTo(3 * 40);                // 10 of 50 samples never trained on
        assertThat(h.getLast().valLoss()).isFinite();
        assertThat(h.getLast().valAccuracy()).isBetween(0f, 1f);
    }

    @Test
    void learnsAndEvaluates() {
        Sequential m = mlp(1);
        var h = new Trainer().epochs(40).batchSize(8).validationSplit(0.25f)
                .fit(m, new SoftmaxCrossEntropy(), Sgd.momentum(0.05f, 0.9f), blobs(120, 6));
        assertThat(h.getLast().trainLoss()).isLessThan(h.getFirst().trainLoss() / 3);
        assertThat(h.getLast().valAccuracy()).isGreaterThan(0.9f);
        Dataset test = blobs(60, 7);
        Trainer.Evaluation ev = Trainer.evaluate(m, new SoftmaxCrossEntropy(), test, 16);
        // accuracy by hand: arg-max of the logits against the labels
        float[] logits = m.forward(ops.upload(test.features(), 60, 2), false).toArray();
        int ok = 0;
        for (int i = 0; i < 60; i++) {
            int best = 0;
            for (int c = 1; c < 3; c++) if (logits[3 * i + c] > logits[3 * i + best]) best = c;
            if (best == (int) test.targets()[i]) ok++;
        }
        assertThat(ev.accuracy()).isEqualTo(ok / 60f);
        assertThat(ev.loss()).isEqualTo(new SoftmaxCrossEntropy().compute(ops.upload(logits, 60, 3), ops.upload(test.targets(), 60), null), within(1e-6f));
    }

    @Test
    void stopsAtTheTargetLoss() {
        var h = new Trainer().epochs(500).batchSize(10).stopAtLoss(0.2f)
                .fit(mlp(1), new SoftmaxCrossEntropy(), Sgd.momentum(0.05f, 0.9f), blobs(60, 3));
        assertThat(h.size()).isLessThan(500);
        assertThat(h.getLast().trainLoss()).isLessThanOrEqualTo(0.2f);
        assertThat(h.get(h.size() - 2).trainLoss()).isGreaterThan(0.2f);
    }

    @Test
    void patienceStopsWhenValidationStopsImproving() {
        Optimizer frozen = new Optimizer() {                                 // never moves: the validation loss never improves
            public void step(List<Param> params) {}
            public float learningRate() { return 0f; }
        };
        var h = new Trainer().epochs(100).validationSplit(0.3f).patience(3)
                .fit(mlp(1), new SoftmaxCrossEntropy(), frozen, blobs(30, 3));
        assertThat(h).hasSize(1 + 3);                                         // epoch 1 sets the best, 3 more without improvement
    }

    // ------------------------------------------------------------------ divergence and bad input

    @Test
    void nanOrInfLossFailsFastNamingEpochAndStep() {
        Dataset d = new Dataset(Inputs.uniform(3, 20, -1, 1), new int[] {2}, Inputs.uniform(4, 10, 50, 100), 1);
        // losses follow IEEE arithmetic (NaN in, NaN out); the Trainer checks every loss before any update
        Sequential m = new Sequential(new Dense(2, 4), ActivationLayer.relu(), new Dense(4, 1)).bind(ops, 1);
        assertThatThrownBy(() -> new Trainer().epochs(50).batchSize(2).fit(m, new SquaredError(), new Sgd(10f), d))
                .isInstanceOf(TrainingDivergedException.class).isInstanceOf(IllegalStateException.class)
                .hasMessageMatching("(?s)training diverged at epoch \\d+, step \\d+: .*(NaN|Infinity).*");
        // a loss of the user's own that returns NaN/Inf is caught the same way
        Loss unchecked = new Loss() {
            @Override
            public float compute(Tensor y, Tensor target, Tensor dy) {
                return y.backend().elementwiseLoss(ElementwiseLoss.SQUARED_ERROR, y, target, dy);
            }

            @Override
            public String name() { return "UncheckedSquaredError"; }
        };
        Sequential m2 = new Sequential(new Dense(2, 4), ActivationLayer.relu(), new Dense(4, 1)).bind(ops, 1);
        assertThatThrownBy(() -> new Trainer().epochs(50).batchSize(2).fit(m2, unchecked, new Sgd(10f), d))
                .isInstanceOf(TrainingDivergedException.class)
                .hasMessageMatching("(?s)training diverged at epoch \\d+, step \\d+: .*");
    }

    /** A layer whose backward pass puts NaN into its parameter's gradient (the loss stays finite). */
    static final class NaNGradient implements dev.nabla.nn.Layer {
        Param p;

        @Override
        public void bind(Backend b, java.util.random.RandomGenerator rng) { p = new Param("NaNGradient.p", b.zeros(3)); }

        @Override
        public int[] outputShape(int[] in) { return in; }

        @Override
        public Tensor forward(Tensor x, boolean training) { return x; }

        @Override
        public Tensor backward(Tensor dy) {
            p.backend().fill(p.grad(), Float.NaN);
            return dy;
        }

        @Override
        public List<Param> params() { return List.of(p); }
    }

    @Test
    void aNonFiniteGradientStopsBeforeAnyUpdateNamingTheParameter() {
        Dense first = new Dense(2, 8);
        Sequential m = new Sequential(first, ActivationLayer.tanh(), new NaNGradient(), new Dense(8, 3)).bind(ops, 1);
        float[] before = first.weight().value().toArray();
        assertThatThrownBy(() -> new Trainer().epochs(3).batchSize(4).fit(m, new SoftmaxCrossEntropy(), new Sgd(0.1f), blobs(12, 1)))
                .isInstanceOf(TrainingDivergedException.class)
                .hasMessageStartingWith("training diverged at epoch 1, step 1: the gradient norm ‖g‖ is NaN although the loss is finite")
                .hasMessageContaining("NaNGradient.p[3]")
                .satisfies(e -> {
                    TrainingDivergedException t = (TrainingDivergedException) e;
                    assertThat(t.epoch()).isEqualTo(1);
                    assertThat(t.step()).isEqualTo(1);
                    assertThat(t.parameter()).isEqualTo("NaNGradient.p[3]");
                });
        assertThat(first.weight().value().toArray()).as("nothing was updated").containsExactly(before);
        // the same with clipping on (the clipping path used to report NaN without the step)
        Sequential m2 = new Sequential(new Dense(2, 8), new NaNGradient(), new Dense(8, 3)).bind(ops, 1);
        assertThatThrownBy(() -> new Trainer().clipNorm(1f).fit(m2, new SoftmaxCrossEntropy(), new Sgd(0.1f), blobs(12, 1)))
                .isInstanceOf(TrainingDivergedException.class).hasMessageContaining("epoch 1, step 1").hasMessageContaining("NaNGradient.p");
    }

    @Test
    void anUpdateThatOverflowsAWeightIsNamedAtTheNextStepOrAtTheEnd() {
        // η = 1e38: finite gradients, but w − η·g overflows to ±∞
        Dataset d = blobs(12, 2);
        Sequential m = mlp(1);
        assertThatThrownBy(() -> new Trainer().epochs(3).batchSize(4).fit(m, new SoftmaxCrossEntropy(), new Sgd(1e38f), d))
                .isInstanceOf(TrainingDivergedException.class)
                .satisfies(e -> {
                    TrainingDivergedException t = (TrainingDivergedException) e;
                    assertThat(t.getMessage()).contains("step " + t.step() + ": loss NaN")
                            .contains("the update of step " + (t.step() - 1) + " made parameter " + t.parameter() + " non-finite");
                    assertThat(t.parameter()).startsWith("Dense(");
                });
        Sequential once = mlp(1);
        assertThatThrownBy(() -> new Trainer().epochs(1).batchSize(0).fit(once, new SoftmaxCrossEntropy(), new Sgd(1e38f), d))
                .isInstanceOf(TrainingDivergedException.class).hasMessageContaining("epoch 1, step 1: the last update made parameter Dense(");
    }

    @Test
    void nanInTheDataIsRefusedBeforeTheFirstStep() {
        float[] x = Inputs.uniform(3, 8, -1, 1);
        x[5] = Float.NaN;
        Dataset d = Dataset.classification(x, new int[] {2}, new int[] {0, 1, 2, 0});
        assertThatThrownBy(() -> new Trainer().batchSize(1).shuffle(false).fit(mlp(1), new SoftmaxCrossEntropy(), new Sgd(0.1f), d))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("feature 1 of sample 2").hasMessageContaining("NaN");
        assertThatThrownBy(() -> Trainer.evaluate(mlp(1), new SoftmaxCrossEntropy(), d, 4)).hasMessageContaining("feature 1 of sample 2");
        assertThatThrownBy(d::requireFinite).hasMessageContaining("feature 1 of sample 2");
        assertThat(d.firstNonFiniteFeature()).isEqualTo(5);
        float[] inf = new float[8];
        Dataset targets = new Dataset(new float[8], new int[] {2}, new float[] {0, Float.POSITIVE_INFINITY, 0, 0}, 1);
        assertThatThrownBy(targets::requireFinite).hasMessageContaining("target 0 of sample 1").hasMessageContaining("Infinity");
        assertThat(Dataset.classification(inf, new int[] {2}, new int[] {0, 1, 2, 0}).requireFinite().firstNonFiniteTarget()).isEqualTo(-1);
    }

    @Test
    void workThatWouldSilentlyNotBeDoneIsRefused() {
        Dataset allIgnored = Dataset.classification(new float[8], new int[] {2}, new int[] {-1, -1, -1, -1});
        assertThatThrownBy(() -> new Trainer().fit(mlp(1), new SoftmaxCrossEntropy(), new Sgd(0.1f), allIgnored))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("every one of the 4 labels is negative")
                .hasMessageContaining("nothing to train on");
        assertThatThrownBy(() -> Trainer.evaluate(mlp(1), new SoftmaxCrossEntropy(), allIgnored, 2)).hasMessageContaining("nothing to train on or to evaluate");
        assertThatThrownBy(() -> new Trainer().clipNorm(Float.NaN)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clip");
        assertThatThrownBy(() -> new Trainer().clipNorm(Float.POSITIVE_INFINITY)).hasMessageContaining("finite");
        assertThatThrownBy(() -> new Trainer().stopAtLoss(Float.NaN)).hasMessageContaining("stopAtLoss");
        assertThatThrownBy(() -> new Dataset(new float[4], new int[] {-1, -2}, new float[2], 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[-1, -2]").hasMessageContaining("extent -1");
        assertThatThrownBy(() -> new Dataset(new float[4], new int[] {2, 0}, new float[2], 1)).hasMessageContaining("extent 0");
        assertThatThrownBy(() -> new Dataset(null, new int[] {2}, new float[2], 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("features");
        assertThatThrownBy(() -> Dataset.classification(new float[4], new int[] {2}, null)).hasMessageContaining("labels");
        Dataset four = blobs(4, 1);
        assertThatThrownBy(() -> four.subset(new int[] {0, 4})).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("index 4");
        assertThatThrownBy(() -> four.range(3, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[3, 1)");
        assertThatThrownBy(() -> new Trainer().fit(null, new SoftmaxCrossEntropy(), new Sgd(0.1f), four)).hasMessageContaining("model is null");
        assertThatThrownBy(() -> new Trainer().fit(mlp(1), new SoftmaxCrossEntropy(), null, four)).hasMessageContaining("optimizer is null");
    }

    @Test
    void theSquaredErrorIsReportedPerSampleWhateverTheBatchSize() {
        // E = ½Σ(d − y)² sums over the batch: the trainer divides by the batch, so stopAtLoss means the same at every size
        Optimizer frozen = new Optimizer() {
            public void step(List<Param> params) {}
            public float learningRate() { return 0f; }
        };
        Dataset d = new Dataset(Inputs.uniform(7, 24, -1, 1), new int[] {2}, Inputs.uniform(8, 12, -1, 1), 1);
        float[] losses = new float[4];
        int[] sizes = {1, 3, 4, 0};
        for (int i = 0; i < sizes.length; i++) {
            Sequential m = new Sequential(new Dense(2, 1)).bind(ops, 5);
            losses[i] = new Trainer().epochs(1).batchSize(sizes[i]).fit(m, new SquaredError(), frozen, d).getFirst().trainLoss();
        }
        for (float l : losses) assertThat(l).isCloseTo(losses[0], within(1e-5f * losses[0]));
        Sequential m = new Sequential(new Dense(2, 1)).bind(ops, 5);
        assertThat(Trainer.evaluate(m, new SquaredError(), d, 5).loss()).isCloseTo(losses[0], within(1e-5f * losses[0]));
    }

    @Test
    void stepsReportTheirProgressWithinAnEpoch() {
        List<Trainer.Progress> seen = new ArrayList<>();
        new Trainer().epochs(2).batchSize(4).listener(new Trainer.Listener() {
            public void onEpoch(Trainer.EpochStats s) {}
            public void onStep(Trainer.Progress p) { seen.add(p); }
        }).fit(mlp(1), new SoftmaxCrossEntropy(), new Sgd(0.1f), blobs(10, 1));
        assertThat(seen).hasSize(6);                                          // ⌈10/4⌉ = 3 steps per epoch
        assertThat(seen.get(2)).satisfies(p -> {
            assertThat(p.epoch()).isEqualTo(1);
            assertThat(p.step()).isEqualTo(3);
            assertThat(p.stepsPerEpoch()).isEqualTo(3);
            assertThat(p.samples()).isEqualTo(10);
            assertThat(p.samplesPerEpoch()).isEqualTo(10);
            assertThat(p.loss()).isFinite().isPositive();
        });
        assertThat(seen.get(3).epoch()).isEqualTo(2);
        assertThat(seen.get(3).samples()).isEqualTo(4);
        assertThat(seen.get(3).secondsLeft()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void shapeMismatchNamesTheLayerAndShapes() {
        Dataset threeFeatures = Dataset.classification(new float[9], new int[] {3}, new int[] {0, 1, 2});
        assertThatThrownBy(() -> new Trainer().fit(mlp(1), new SoftmaxCrossEntropy(), new Sgd(0.1f), threeFeatures))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Dense(2→8)").hasMessageContaining("[3]");
        Sequential m = mlp(1);
        assertThatThrownBy(() -> m.forward(ops.zeros(4, 5), false))
                .hasMessageContaining("Dense(2→8)").hasMessageContaining("[4, 5]").hasMessageContaining("[batch, 2]");
        m.forward(ops.zeros(4, 2), true);
        assertThatThrownBy(() -> m.backward(ops.zeros(4, 2)))
                .hasMessageContaining("Dense(8→3)").hasMessageContaining("[4, 2]").hasMessageContaining("[4, 3]");
        Dataset wide = new Dataset(new float[8], new int[] {2}, new float[8], 2);
        assertThatThrownBy(() -> new Trainer().fit(new Sequential(new Dense(2, 3)).bind(ops, 1), new SquaredError(), new Sgd(0.1f), wide))
                .hasMessageContaining("SquaredError").hasMessageContaining("width 2").hasMessageContaining("[3]");
    }

    @Test
    void emptyBatchAndEmptyDataSet() {
        assertThatThrownBy(() -> mlp(1).forward(ops.zeros(0, 2), false)).hasMessageContaining("empty batch").hasMessageContaining("[0, 2]");
        Dense d = new Dense(2, 3);
        d.bind(ops, new java.util.SplittableRandom(1));
        assertThatThrownBy(() -> d.forward(ops.zeros(0, 2), false)).hasMessageContaining("Dense(2→3)").hasMessageContaining("empty batch");
        Dataset empty = Dataset.classification(new float[0], new int[] {2}, new int[0]);
        assertThatThrownBy(() -> new Trainer().fit(mlp(1), new SoftmaxCrossEntropy(), new Sgd(0.1f), empty)).hasMessageContaining("empty data set");
        assertThatThrownBy(() -> Trainer.evaluate(mlp(1), new SoftmaxCrossEntropy(), empty, 4)).hasMessageContaining("empty data set");
    }

    @Test
    void labelsOutOfRange() {
        Dataset five = Dataset.classification(new float[8], new int[] {2}, new int[] {0, 1, 5, 2});
        assertThatThrownBy(() -> new Trainer().fit(mlp(1), new SoftmaxCrossEntropy(), new Sgd(0.1f), five))
                .hasMessageContaining("label 5.0 of sample 2").hasMessageContaining("[0, 3)").hasMessageContaining("[3]");
        Dataset negativeHalf = new Dataset(new float[4], new int[] {2}, new float[] {0, -0.5f}, 1);
        assertThatThrownBy(() -> new Trainer().fit(mlp(1), new SoftmaxCrossEntropy(), new Sgd(0.1f), negativeHalf)).hasMessageContaining("label -0.5 of sample 1");
        assertThatThrownBy(() -> Trainer.evaluate(mlp(1), new SoftmaxCrossEntropy(), five, 2)).hasMessageContaining("label 5.0 of sample 2");
        Dataset half = new Dataset(new float[4], new int[] {2}, new float[] {0.5f, 1f}, 1);
        assertThatThrownBy(() -> new Trainer().fit(mlp(1), new SoftmaxCrossEntropy(), new Sgd(0.1f), half)).hasMessageContaining("label 0.5 of sample 0");
        Dataset twoLabels = new Dataset(new float[4], new int[] {2}, new float[] {0, 1, 1, 0}, 2);
        assertThatThrownBy(() -> new Trainer().fit(mlp(1), new SoftmaxCrossEntropy(), new Sgd(0.1f), twoLabels))
                .hasMessageContaining("needs 1 class label(s) per sample").hasMessageContaining("width 2");
        Dataset ignored = Dataset.classification(new float[8], new int[] {2}, new int[] {0, -1, 2, 1});   // −1 = ignore this row: fine
        assertThat(new Trainer().epochs(1).fit(mlp(1), new SoftmaxCrossEntropy(), new Sgd(0.1f), ignored)).hasSize(1);
    }

    @Test
    void badSettings() {
        assertThatThrownBy(() -> new Sgd(-0.1f)).hasMessageContaining("learning rate").hasMessageContaining("-0.1");
        assertThatThrownBy(() -> new Sgd(Float.NaN)).hasMessageContaining("learning rate");
        assertThatThrownBy(() -> new Trainer().epochs(0)).hasMessageContaining("epochs");
        assertThatThrownBy(() -> new Trainer().batchSize(-1)).hasMessageContaining("batch size");
        assertThatThrownBy(() -> new Trainer().validationSplit(1f)).hasMessageContaining("validation");
        Dataset two = blobs(2, 1);
        assertThatThrownBy(() -> new Trainer().validationSplit(0.75f).fit(mlp(1), new SoftmaxCrossEntropy(), new Sgd(0.1f), two))
                .hasMessageContaining("leaves no training samples");
        assertThatThrownBy(() -> new Trainer().patience(3).fit(mlp(1), new SoftmaxCrossEntropy(), new Sgd(0.1f), two))
                .hasMessageContaining("patience 3").hasMessageContaining("validationSplit");
    }

    /** A model that reads tokens: every token of the data set is checked on the host before the first step, on every backend. */
    @Test
    void tokensOutsideTheVocabularyAreRefusedBeforeTheFirstStepNamingTheEmbedding() {
        dev.nabla.backend.Backend ref = new dev.nabla.backend.ReferenceBackend();
        Sequential lm = dev.nabla.nn.rnn.LstmLanguageModel.create(5, 3, 4, 1, 1f).bind(ref, 1);
        float[] x = new float[2 * 3], t = new float[2 * 3];
        x[4] = 5;                                                        // sample 0 is [T=3, B=…]: time-major streams of 2
        dev.nabla.train.Dataset d = new dev.nabla.train.Dataset(x, new int[] {3}, t, 3, true);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Trainer().shuffle(false).batchSize(2).epochs(1)
                        .fit(lm, new dev.nabla.loss.SoftmaxCrossEntropy(), new dev.nabla.optim.Sgd(0.1f), d))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Embedding(5×3): token 5.0 at position 1 of sample 1")
                .hasMessageContaining("[0, 5)");
    }
}
