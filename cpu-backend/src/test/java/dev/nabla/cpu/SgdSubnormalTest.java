package dev.nabla.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;
import org.junit.jupiter.api.Test;

/** sgdStep flushes a velocity that decays below the smallest normal float to 0 (subnormal arithmetic is ~100× slower). */
class SgdSubnormalTest {
    @Test
    void aVelocityDecayingBelowTheNormalRangeBecomesZeroOthersFollowTorch() {
        Backend ops = new CpuBackend();
        int n = 37;                                             // a vector body and a scalar tail
        float[] v0 = new float[n], w0 = new float[n];
        for (int i = 0; i < n; i++) {
            v0[i] = i % 2 == 0 ? 1.2e-38f : 0.25f;              // 0.9·1.2e−38 < 1.18e−38: subnormal
            w0[i] = 1f + i;
        }
        Tensor w = ops.upload(w0, n), g = ops.zeros(n), v = ops.upload(v0, n);
        ops.sgdStep(w, g, v, 0.1f, 0.9f, false, 0f);
        float[] vv = ops.download(v), ww = ops.download(w);
        for (int i = 0; i < n; i++) {
            if (i % 2 == 0) {
                assertThat(vv[i]).as("v[%d]", i).isEqualTo(0f);
                assertThat(ww[i]).as("w[%d]", i).isEqualTo(w0[i]);
            } else {
                assertThat(vv[i]).as("v[%d]", i).isEqualTo(0.9f * 0.25f);
                assertThat(ww[i]).as("w[%d]", i).isEqualTo(w0[i] - 0.1f * (0.9f * 0.25f));
            }
        }
    }
}
