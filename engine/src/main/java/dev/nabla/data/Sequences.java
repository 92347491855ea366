package dev.nabla.data;

import dev.nabla.train.Dataset;
import java.util.List;

/**
 * Sequence data sets of token indices for the {@link dev.nabla.train.Trainer} (time-major {@link Dataset}s, samples [T]),
 * in the shapes of seed 004's RNN types:
 * <ul>
 *   <li>{@link #streams}: one long text for a next-token model (many-to-many), cut into chunks that continue each other
 *       for truncated BPTT with the state carried across batches;</li>
 *   <li>{@link #nextToken}: next-token sequences of different lengths, padded at the end, the padded steps labelled −1
 *       (ignored by the loss; in a forward-running layer they come after every real step and change none of its outputs);</li>
 *   <li>{@link #classification}: one label per sequence (many-to-one), pre-padded so that every sequence ends at step T,
 *       where {@link dev.nabla.nn.rnn.LastStep} reads it.</li>
 * </ul>
 */
public final class Sequences {
    private Sequences() {}

    /**
     * Next-token chunks of one long text: the text is cut into {@code batch} contiguous streams; sample k·batch + j is
     * chunk k (steps [k·T, (k+1)·T)) of stream j, its targets the tokens one step later. Trained in order with batch size
     * {@code batch}, batch k+1 continues batch k stream by stream: {@code trainer.batchSize(batch).shuffle(false).carryState(true)}.
     */
    public static Dataset streams(int[] tokens, int batch, int steps) {
        if (batch < 1 || steps < 1) throw new IllegalArgumentException("streams need batch ≥ 1 and steps ≥ 1, got " + batch + " and " + steps);
        int perStream = (tokens.length - 1) / batch;
        int chunks = perStream / steps;
        if (chunks < 1) throw new IllegalArgumentException(tokens.length + " tokens are too few for " + batch + " streams of " + steps + " steps");
        float[] in = new float[chunks * batch * steps], lab = new float[in.length];
        for (int k = 0; k < chunks; k++)
            for (int j = 0; j < batch; j++)
                for (int t = 0; t < steps; t++) {
                    int pos = j * perStream + k * steps + t, at = (k * batch + j) * steps + t;
                    in[at] = tokens[pos];                                       // x_t = token t (teacher forcing)
                    lab[at] = tokens[pos + 1];                                  // target: token t+1
                }
        return new Dataset(in, new int[] {steps}, lab, steps, true);
    }

    /**
     * Next-token samples of sequences of any lengths: sequence s of length n gives inputs s[0..n−2] and targets
     * s[1..n−1], padded at the end to the longest with {@code padToken} and label −1.
     */
    public static Dataset nextToken(List<int[]> sequences, int padToken) {
        if (sequences.isEmpty()) throw new IllegalArgumentException("no sequences");
        int steps = 0;
        for (int[] s : sequences) {
            if (s.length < 2) throw new IllegalArgumentException("a next-token sequence needs ≥ 2 tokens, got " + s.length);
            steps = Math.max(steps, s.length - 1);
        }
        float[] in = new float[sequences.size() * steps], lab = new float[in.length];
        for (int j = 0; j < sequences.size(); j++) {
            int[] s = sequences.get(j);
            for (int t = 0; t < steps; t++) {
                boolean real = t < s.length - 1;
                in[j * steps + t] = real ? s[t] : padToken;
                lab[j * steps + t] = real ? s[t + 1] : -1;                      // −1: masked out of the loss
            }
        }
        return new Dataset(in, new int[] {steps}, lab, steps, true);
    }

    /**
     * Many-to-one samples: each sequence (its first {@code maxSteps} tokens if longer) padded at the <em>front</em> with
     * {@code padToken} to T = the longest kept length, so that it ends at step T; one class label per sequence.
     */
    public static Dataset classification(List<int[]> sequences, int[] labels, int maxSteps, int padToken) {
        if (sequences.isEmpty()) throw new IllegalArgumentException("no sequences");
        if (labels.length != sequences.size()) throw new IllegalArgumentException(sequences.size() + " sequences but " + labels.length + " labels");
        if (maxSteps < 1) throw new IllegalArgumentException("maxSteps must be ≥ 1, got " + maxSteps);
        int steps = 0;
        for (int[] s : sequences) {
            if (s.length == 0) throw new IllegalArgumentException("an empty sequence cannot be classified");
            steps = Math.max(steps, Math.min(maxSteps, s.length));
        }
        float[] in = new float[sequences.size() * steps], lab = new float[labels.length];
        for (int j = 0; j < sequences.size(); j++) {
            int[] s = sequences.get(j);
            int n = Math.min(steps, s.length), pad = steps - n;
            for (int t = 0; t < steps; t++) in[j * steps + t] = t < pad ? padToken : s[t - pad];
            lab[j] = labels[j];
        }
        return new Dataset(in, new int[] {steps}, lab, 1, true);
    }
}
