package dev.nabla.nn.rnn;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Param;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * One-to-many conditioning (seeds 000/001's CNN+LSTM image captioning): an encoder reads the input (an image) into the
 * decoder's initial state, and a recurrent decoder reads the previous words (teacher forcing) from there:
 * <pre>
 *   h_0 = encoder(image)   c_0 = 0          (the encoder ends in the decoder's H, e.g. … → Dense(·→H) → tanh)
 *   x_t = E[word_{t−1}]    h_t = LSTM(x_t, h_{t−1}, c_{t−1})      t = 1..T (word_0 = the start token)
 * </pre>
 * Its input per sample is one row [P + T]: the P values of the image (read as {@code imageShape}), then the T input
 * tokens; its output is batch-major [B, T, H], so that a {@link dev.nabla.nn.TimeDistributed} head after it gives
 * [B, T, V] logits whose rows b·T + t meet per-step labels [B, T] (−1 after a caption's end). Backward runs BPTT
 * through the decoder and hands ∂L/∂h_0 to the encoder. With {@link #carryState} on, a forward pass continues from
 * the decoder's last state instead (greedy decoding feeds one token per call).
 */
public final class EncoderDecoder implements Layer {
    private final int[] imageShape;
    private final int pixels;
    private final Layer encoder;
    private final Embedding embedding;
    private final Lstm decoder;
    private Backend ops;
    private Tensor img, tokB, tokT, dhsT, out, c0, dx;
    private int batch, steps;

    public EncoderDecoder(int[] imageShape, Layer encoder, Embedding embedding, Lstm decoder) {
        this.imageShape = imageShape.clone();
        this.pixels = Tensor.sizeOf(imageShape);
        this.encoder = encoder;
        this.embedding = embedding;
        this.decoder = decoder;
        int[] enc = encoder.outputShape(imageShape);
        if (Tensor.sizeOf(enc) != decoder.outputSize()) {
            throw new IllegalArgumentException("EncoderDecoder: the encoder gives " + Arrays.toString(enc) + " per image, the decoder "
                    + decoder.name() + " needs its initial state h_0 of " + decoder.outputSize());
        }
        if (embedding.outputShape(new int[] {1})[1] != decoder.inputSize()) {
            throw new IllegalArgumentException("EncoderDecoder: " + embedding.name() + " does not feed " + decoder.name());
        }
        decoder.initialState(InitialState.GIVEN);
    }

    public Layer encoder() { return encoder; }

    public Embedding embedding() { return embedding; }

    public Lstm decoder() { return decoder; }

    public int[] imageShape() { return imageShape.clone(); }

    @Override
    public void bind(Backend ops, RandomGenerator rng) {
        this.ops = ops;
        encoder.bind(ops, rng);
        embedding.bind(ops, rng);
        decoder.bind(ops, rng);
        decoder.initialState(InitialState.GIVEN);
    }

    /** [P + T] → [T, H]. */
    @Override
    public int[] outputShape(int[] inputShape) {
        if (inputShape.length != 1 || inputShape[0] <= pixels) {
            throw new IllegalArgumentException(name() + " expects samples [" + pixels + " + T] (the image, then T ≥ 1 tokens), got "
                    + Arrays.toString(inputShape));
        }
        return new int[] {inputShape[0] - pixels, decoder.outputSize()};
    }

    @Override
    public Tensor forward(Tensor x, boolean training) {
        if (ops == null) throw new IllegalStateException(name() + " is not bound to a backend");
        if (x.rank() != 2 || x.dim(1) <= pixels) {
            throw new IllegalArgumentException(name() + ": input " + x.shapeString() + " is not [B, " + pixels + " + T]");
        }
        int B = x.dim(0), T = x.dim(1) - pixels, H = decoder.outputSize(), row = pixels + T;
        if (B != batch || T != steps) {
            batch = B;
            steps = T;
            Tensor.closeAll(img, tokB, tokT, dhsT, out, c0, dx);
            int[] is = new int[imageShape.length + 1];
            is[0] = B;
            System.arraycopy(imageShape, 0, is, 1, imageShape.length);
            img = ops.zeros(is);
            tokB = ops.zeros(B, T);
            tokT = ops.zeros(T, B);
            dhsT = ops.zeros(T, B, H);
            out = ops.zeros(B, T, H);
            c0 = ops.zeros(B, H);
            dx = ops.zeros(B, row);
        }
        for (int b = 0; b < B; b++) {                                            // split each row: image | tokens
            ops.copy(x.view(b * row, pixels), img.view(b * pixels, pixels));
            ops.copy(x.view(b * row + pixels, T), tokB.view(b * T, T));
        }
        ops.swapAxes01(tokB, tokT, B, T, 1);                                      // tokens [B, T] → time-major [T, B]
        Tensor h0 = encoder.forward(img, training);                              // h_0 = encoder(image)    [B, H]
        decoder.givenState(h0.reshape(B, H), c0);                                //  c_0 = 0 (a carried state takes precedence)
        Tensor e = embedding.forward(tokT, training);                            // x_t = E[word_{t−1}]     [T, B, E]
        Tensor hs = decoder.forward(e, training);                                // h_t                     [T, B, H]
        ops.swapAxes01(hs, out, T, B, H);                                        // → batch-major           [B, T, H]
        return out;
    }

    @Override
    public Tensor backward(Tensor dy) { return backward(dy, true); }

    @Override
    public void backwardParams(Tensor dy) { backward(dy, false); }

    private Tensor backward(Tensor dy, boolean inputGradient) {
        if (batch == 0) throw new IllegalStateException(name() + ": backward before forward");
        int B = batch, T = steps, H = decoder.outputSize(), row = pixels + T;
        States.requireShape(name(), "output gradient", dy, B, T, H);
        ops.swapAxes01(dy, dhsT, B, T, H);                                       // ∂L/∂h_t, time-major
        if (embedding.trainable()) {
            Tensor de = decoder.backward(dhsT);                                  // BPTT through the decoder
            embedding.backward(de);                                              // ∂L/∂E
        } else {
            decoder.backwardParams(dhsT);                                        // a frozen E: no ∂L/∂x_t wanted
        }
        Tensor dh0 = decoder.stateGradient(0);                                   // ∂L/∂h_0 → the encoder
        if (!inputGradient) {
            if (encoder.trainable()) encoder.backwardParams(dh0);                // a frozen encoder: nothing below
            return null;
        }
        Tensor dimg = encoder.backward(dh0);
        ops.fill(dx, 0f);                                                        // tokens have no gradient
        for (int b = 0; b < B; b++) ops.copy(dimg.view(b * pixels, pixels), dx.view(b * row, pixels));
        return dx;
    }

    @Override
    public List<Param> params() {
        List<Param> p = new ArrayList<>(encoder.params());
        p.addAll(embedding.params());
        p.addAll(decoder.params());
        return p;
    }

    @Override
    public java.util.Map<String, Object> spec() {
        List<Object> shape = new ArrayList<>();
        for (int d : imageShape) shape.add(d);
        return dev.nabla.nn.Layers.spec("EncoderDecoder", "imageShape", shape, "encoder", encoder.spec(), "embedding", embedding.spec(),
                "decoder", decoder.spec());
    }

    /** encoder.…, embedding.weight, decoder.weight_ih_l0, … (the parts' own names under their field names). */
    @Override
    public dev.nabla.nn.StateDict stateDict() {
        return new dev.nabla.nn.StateDict().putAll("encoder.", encoder.stateDict()).putAll("embedding.", embedding.stateDict())
                .putAll("decoder.", decoder.stateDict());
    }

    @Override
    public void loadStateDict(dev.nabla.nn.StateDict sd) {
        encoder.loadStateDict(sd.sub("encoder."));
        embedding.loadStateDict(sd.sub("embedding."));
        decoder.loadStateDict(sd.sub("decoder."));
    }

    @Override
    public EncoderDecoder carryState(boolean on) { decoder.carryState(on); return this; }

    @Override
    public void resetState() { decoder.resetState(); }

    @Override
    public List<Layer> children() { return List.of(encoder, embedding, decoder); }

    @Override
    public String name() { return "EncoderDecoder(" + encoder.name() + " → h_0 of " + decoder.name() + ")"; }
}
