package dev.nabla.nn.rnn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Time-major batches of token sequences for the recurrent layers, and the two ways the lecture handles sequences of
 * different lengths: pad them and mask the padded steps out of the loss (label −1), or group sequences of equal length
 * so that every batch is unrolled for exactly its length (seed 003).
 */
public final class SequenceBatches {
    private SequenceBatches() {}

    /** inputs[t·B + b] = token t of sequence b; labels alike (−1 = no loss at this step). Both [T, B], time-major. */
    public record Batch(int steps, int batch, float[] inputs, float[] labels) {}

    /**
     * Next-token batches of equal-length sequences: each sequence s of length n gives inputs s[0..n−2] and labels
     * s[1..n−1]; sequences are grouped by length (shortest first, input order kept inside a group), up to
     * {@code batchSize} per batch. No padding and no masking are needed.
     */
    public static List<Batch> groupByLength(List<int[]> sequences, int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be ≥ 1, got " + batchSize);
        Map<Integer, List<int[]>> byLength = new LinkedHashMap<>();
        for (int[] s : sequences) {
            if (s.length < 2) throw new IllegalArgumentException("a next-token sequence needs ≥ 2 tokens, got " + s.length);
            byLength.computeIfAbsent(s.length, k -> new ArrayList<>()).add(s);
        }
        List<Batch> out = new ArrayList<>();
        byLength.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            List<int[]> group = e.getValue();
            for (int i = 0; i < group.size(); i += batchSize) out.add(padded(group.subList(i, Math.min(group.size(), i + batchSize)), 0));
        });
        return out;
    }

    /**
     * One next-token batch of sequences of any lengths, padded at the end to the longest with {@code padToken}; the
     * padded steps get label −1, so the loss ignores them (and, in a forward-running layer, they come after every real step
     * and cannot change its outputs).
     */
    public static Batch padded(List<int[]> sequences, int padToken) {
        int b = sequences.size();
        int steps = sequences.stream().mapToInt(s -> s.length - 1).max().orElseThrow(() -> new IllegalArgumentException("no sequences"));
        float[] in = new float[steps * b], lab = new float[steps * b];
        for (int j = 0; j < b; j++) {
            int[] s = sequences.get(j);
            if (s.length < 2) throw new IllegalArgumentException("a next-token sequence needs ≥ 2 tokens, got " + s.length);
            for (int t = 0; t < steps; t++) {
                boolean real = t < s.length - 1;
                in[t * b + j] = real ? s[t] : padToken;
                lab[t * b + j] = real ? s[t + 1] : -1;                          // −1: masked out of the loss
            }
        }
        return new Batch(steps, b, in, lab);
    }

    /**
     * Truncated-BPTT chunks of one long text: the text is cut into {@code batch} contiguous streams; chunk k holds steps
     * [k·T, (k+1)·T) of every stream, so chunk k+1 continues where chunk k stopped (carry the state across).
     */
    public static List<Batch> streams(int[] tokens, int batch, int steps) {
        int perStream = (tokens.length - 1) / batch;
        int chunks = perStream / steps;
        if (chunks < 1) throw new IllegalArgumentException(tokens.length + " tokens are too few for " + batch + " streams of " + steps + " steps");
        List<Batch> out = new ArrayList<>();
        for (int k = 0; k < chunks; k++) {
            float[] in = new float[steps * batch], lab = new float[steps * batch];
            for (int j = 0; j < batch; j++)
                for (int t = 0; t < steps; t++) {
                    int pos = j * perStream + k * steps + t;
                    in[t * batch + j] = tokens[pos];
                    lab[t * batch + j] = tokens[pos + 1];
                }
            out.add(new Batch(steps, batch, in, lab));
        }
        return out;
    }
}
