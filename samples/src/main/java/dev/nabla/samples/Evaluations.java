package dev.nabla.samples;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import dev.nabla.nn.Sequential;
import dev.nabla.train.Dataset;
import java.util.List;

/** Confusion matrices of classifiers, for the samples and {@code nabla eval}. */
final class Evaluations {
    private Evaluations() {}

    /**
     * confusion[true][predicted] over a data set with one class label per sample (arg-max of the model's output,
     * the first maximum on ties); samples are fed in batches of up to 200.
     */
    static int[][] confusion(Sequential model, Dataset data, int classes) {
        Backend ops = model.backend();
        int[][] m = new int[classes][classes];
        int n = data.size(), bs = 200;
        for (int start = 0; start < n; start += bs) {
            int len = Math.min(bs, n - start);
            int[] idx = new int[len];
            for (int i = 0; i < len; i++) idx[i] = start + i;
            Dataset d = data.subset(idx);
            float[] x = d.features();
            if (d.timeMajor()) {                                    // [T, B, …]
                int T = d.steps(), per = d.sampleSize() / T;
                float[] tm = new float[x.length];
                for (int b = 0; b < len; b++)
                    for (int t = 0; t < T; t++) System.arraycopy(x, (b * T + t) * per, tm, (t * len + b) * per, per);
                x = tm;
            }
            int[] xs = d.batchShape(len);
            model.resetState();
            try (Tensor xt = ops.upload(x, xs)) {
                float[] y = model.forward(xt, false).toArray();
                for (int i = 0; i < len; i++) {
                    int best = 0;
                    for (int k = 1; k < classes; k++) if (y[i * classes + k] > y[i * classes + best]) best = k;
                    m[(int) d.targets()[i]][best]++;
                }
            }
        }
        model.resetState();
        return m;
    }

    static String formatConfusion(int[][] m, List<String> names) {
        int w = 6;
        for (String s : names) w = Math.max(w, Math.min(12, s.length()) + 1);
        StringBuilder sb = new StringBuilder("confusion matrix (rows: true class, columns: predicted)\n");
        sb.append(String.format("%-" + w + "s", ""));
        for (String s : names) sb.append(String.format("%" + w + "s", s.length() > w - 1 ? s.substring(0, w - 1) : s));
        sb.append('\n');
        for (int i = 0; i < m.length; i++) {
            String s = names.get(i);
            sb.append(String.format("%-" + w + "s", s.length() > w - 1 ? s.substring(0, w - 1) : s));
            for (int j = 0; j < m.length; j++) sb.append(String.format("%" + w + "d", m[i][j]));
            sb.append('\n');
        }
        return sb.toString();
    }
}
