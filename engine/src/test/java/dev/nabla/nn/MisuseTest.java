package dev.nabla.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nabla.backend.Backend;
import dev.nabla.backend.ConvGeometry;
import dev.nabla.backend.ReferenceBackend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.rnn.Bidirectional;
import dev.nabla.nn.rnn.Embedding;
import dev.nabla.nn.rnn.Gru;
import dev.nabla.nn.rnn.Lstm;
import dev.nabla.nn.rnn.LstmLanguageModel;
import dev.nabla.train.Trainer;
import dev.nabla.loss.SoftmaxCrossEntropy;
import dev.nabla.nn.rnn.Recurrent;
import dev.nabla.nn.rnn.Rnn;
import dev.nabla.nn.rnn.VanillaRnn;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Layer instances misused, raw exceptions from the public API, work silently not done: each refused with an
 * IllegalArgumentException or IllegalStateException that names the layer or the call and the values (issue 17).
 */
class MisuseTest {
    final Backend ops = new ReferenceBackend();

    /** Every layer type, fresh. */
    static List<Supplier<Layer>> layers() {
        return List.of(() -> new Dense(3, 2), ActivationLayer::relu, ActivationLayer::sigmoid, () -> new Conv2d(1, 2, 3),
                () -> new MaxPool2d(2), () -> new AvgPool2d(2), () -> PReLU.perChannel(3), Softmax::new, () -> new Dropout(0.5f),
                Flatten::new, () -> new Embedding(5, 3), () -> new Sequential(new Dense(3, 3)), () -> new TiledConv2d(1, 2, 3, 2),
                () -> new LocallyConnected2d(1, 2, 3, 5, 5));
    }

    @Test
    void theSameLayerInstanceTwiceInOneModelIsRefusedAtBuildTime() {
        ActivationLayer relu = ActivationLayer.relu();
        assertThatThrownBy(() -> new Sequential(new Dense(2, 4), relu, new Dense(4, 4), relu, new Dense(4, 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the same Relu instance is at positions 1 and 3");
        Dense d = new Dense(4, 4);
        assertThatThrownBy(() -> new Sequential(new Dense(2, 4), new Sequential(d, ActivationLayer.tanh()), d))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Dense(4→4) instance is at positions 1.0 and 2");
        Sequential inner = new Sequential(new Dense(4, 4));
        assertThatThrownBy(() -> new Sequential(inner, inner)).hasMessageContaining("positions 0 and 1");
        assertThatThrownBy(() -> new Sequential(new Dense(2, 2), null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("layer 1 of 2 is null");
        // fresh instances are fine, as is a layer reused in a model built after the first was abandoned unbound
        new Sequential(new Dense(2, 4), ActivationLayer.relu(), new Dense(4, 4), ActivationLayer.relu());
    }

    @Test
    void aLayerBoundIntoASecondModelIsRefusedAtBindTime() {
        for (Supplier<Layer> make : layers()) {
            Layer l = make.get();
            l.bind(ops, new SplittableRandom(1));
            assertThatThrownBy(() -> l.bind(ops, new SplittableRandom(2))).as(l.name()).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith(l.name() + " is already bound to the 'ref' backend").hasMessageContaining("make a new instance");
        }
        Dense shared = new Dense(2, 2);
        Sequential first = new Sequential(shared, ActivationLayer.relu()).bind(ops, 1);
        float[] weights = shared.weight().value().toArray();
        Sequential second = new Sequential(shared, new Dense(2, 1));
        assertThatThrownBy(() -> second.bind(ops, 2)).isInstanceOf(IllegalStateException.class).hasMessageContaining("Dense(2→2) is already bound");
        assertThat(shared.weight().value().toArray()).as("the first model's weights").containsExactly(weights);
        assertThat(first.params()).hasSize(2);
        for (Recurrent r : List.<Recurrent>of(new Rnn(2, 3), new Lstm(2, 3), new Gru(2, 3), new Bidirectional(new Rnn(2, 3), new Rnn(2, 3)))) {
            r.bind(ops, new SplittableRandom(1));
            assertThatThrownBy(() -> r.bind(ops, new SplittableRandom(1))).as(r.name()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already bound");
        }
        VanillaRnn v = new VanillaRnn(2, 3, 2).bound(ops, new SplittableRandom(1));
        assertThatThrownBy(() -> v.bind(ops, new SplittableRandom(1))).hasMessageContaining("already bound");
        Sequential lm = LstmLanguageModel.create(5, 3, 4, 1, 1f).bind(ops, 1);
        assertThatThrownBy(() -> lm.bind(ops, 1)).hasMessageContaining("already bound");
    }

    @Test
    void layersRefuseNullForeignAndUnboundInputsNamingThemselves() {
        Backend other = new ReferenceBackend();
        for (Supplier<Layer> make : layers()) {
            Layer unbound = make.get();
            assertThatThrownBy(() -> unbound.forward(ops.zeros(2, 3), true)).as(unbound.name()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(unbound.name()).hasMessageContaining("not bound");
            Layer l = make.get();
            l.bind(ops, new SplittableRandom(1));
            assertThatThrownBy(() -> l.forward(null, true)).as(l.name()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(l.name()).hasMessageContaining("null");
            assertThatThrownBy(() -> l.forward(other.zeros(2, 3), true)).as(l.name()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(l.name()).hasMessageContaining("belongs to");
            assertThatThrownBy(() -> l.backward(ops.zeros(2, 3))).as(l.name()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(l.name()).hasMessageContaining("backward before forward");
        }
    }

    @Test
    void recurrentLayersRefuseZeroLengthSequencesEmptyBatchesAndEarlyQuestions() {
        for (Recurrent r : List.<Recurrent>of(new Rnn(2, 3), new Lstm(2, 3), new Gru(2, 3), new Bidirectional(new Lstm(2, 3), new Lstm(2, 3)))) {
            assertThatThrownBy(() -> r.finalState(0)).as(r.name()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(r.name()).hasMessageContaining("before any forward pass");
            r.bind(ops, new SplittableRandom(1));
            assertThatThrownBy(() -> r.finalState(0)).as(r.name()).isInstanceOf(IllegalStateException.class).hasMessageContaining("before any forward pass");
            assertThatThrownBy(() -> r.forward(ops.zeros(0, 4, 2), true)).as(r.name()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("zero-length sequence").hasMessageContaining("[0, 4, 2]");
            assertThatThrownBy(() -> r.forward(ops.zeros(5, 0, 2), true)).as(r.name()).hasMessageContaining("empty batch").hasMessageContaining("[5, 0, 2]");
            assertThatThrownBy(() -> r.forward(null, true)).as(r.name()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("null");
            assertThatThrownBy(() -> r.backward(ops.zeros(5, 4, r.outputSize()))).as(r.name()).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("backward before forward");
            assertThatThrownBy(() -> r.stateGradient(0)).isInstanceOf(IllegalStateException.class);
            r.forward(ops.zeros(5, 4, 2), true);
            assertThat(r.finalState(0).shape()).containsExactly(4, 3);
            assertThatThrownBy(() -> r.finalState(7)).as(r.name()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("7");
            assertThatThrownBy(() -> r.finalState(-1)).as(r.name()).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> r.stateGradient(9)).as(r.name()).isInstanceOf(IllegalArgumentException.class);
        }
        VanillaRnn v = new VanillaRnn(2, 3, 2).bound(ops, new SplittableRandom(1));
        assertThatThrownBy(() -> v.forward(ops.zeros(0, 1, 2), true)).hasMessageContaining("zero-length sequence");
        Sequential lm = LstmLanguageModel.create(5, 3, 4, 1, 1f).bind(ops, 1);
        assertThatThrownBy(() -> lm.forward(ops.zeros(0, 2), true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Trainer.step(lm, new SoftmaxCrossEntropy(), new dev.nabla.optim.Sgd(0.1f), ops.zeros(3, 2), ops.zeros(6), Float.NaN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clip threshold").hasMessageContaining("NaN");
        Embedding e = new Embedding(5, 2);
        e.bind(ops, new SplittableRandom(1));
        assertThatThrownBy(() -> e.forward(ops.zeros(0, 3), true)).hasMessageContaining("no tokens");
    }

    @Test
    void tensorsAndParamsNeverThrowRawIndexOrNullPointerExceptions() {
        Tensor t = ops.zeros(3, 4);
        assertThatThrownBy(() -> t.dim(2)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dim(2)").hasMessageContaining("rank 2 [3, 4]");
        assertThatThrownBy(() -> t.dim(-3)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dim(-3)");
        assertThat(t.dim(-1)).isEqualTo(4);
        assertThatThrownBy(() -> t.view(10, 3)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("view of 3 elements at 10");
        assertThatThrownBy(() -> t.view(Integer.MAX_VALUE, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> t.slice(3)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("slice(3)");
        assertThatThrownBy(() -> t.reshape((int[]) null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shape is null");
        assertThatThrownBy(() -> ops.zeros((int[]) null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ops.zeros(-2, -3)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative extent");
        assertThatThrownBy(() -> ops.download(t, new float[5])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("download: 12 values");
        assertThatThrownBy(() -> ops.upload(new float[5], 0, t)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("upload");
        assertThatThrownBy(() -> ops.activation(null, t, t)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("activation function is null");
        assertThatThrownBy(() -> ops.elementwiseLoss(null, t, t, null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loss kind is null");
        assertThatThrownBy(() -> ops.im2col(t, null, t)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("im2col: the geometry is null");
        Param p = new Param("w", ops.zeros(2));
        assertThatThrownBy(() -> p.slot(2)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("w.slot(2)");
        assertThatThrownBy(() -> p.slot(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> p.set((float[]) null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("w.set");
        assertThatThrownBy(() -> new Param("x", null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("value is null");
    }

    @Test
    void convGeometryNamesTheValuesItWasGiven() {
        assertThatThrownBy(() -> new ConvGeometry(2, 3, 28, 28, 5, 5, 0, 1, 2, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batch 2, channels 3, input 28x28, kernel 5x5, stride 0x1, padding 2x2");
        assertThatThrownBy(() -> new ConvGeometry(1, 1, 4, 4, 3, 3, 1, 1, -1, 0)).hasMessageContaining("padding -1x0");
    }
}
