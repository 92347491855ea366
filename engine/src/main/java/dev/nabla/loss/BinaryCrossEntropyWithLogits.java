package dev.nabla.loss;

import dev.nabla.backend.Activation;
import dev.nabla.backend.Backend;
import dev.nabla.backend.Tensor;

/**
 * Binary cross-entropy from logits z (the sigmoid is fused in, so it stays finite for any z):
 * with y = σ(z), −[d ln y + (1 − d) ln(1 − y)] = ln(1 + e^z) − z·d = softplus(z) − z·d, hence
 * E = (1/n) Σ (softplus(z) − z·d)  and  ∂E/∂z = (σ(z) − d)/n.
 * Written with existing backend ops (softplus is computed stably as max(z, 0) + ln(1 + e^−|z|)).
 */
public final class BinaryCrossEntropyWithLogits implements Loss {
    private Tensor work, zd, sum;   // reused while the shape stays the same

    @Override
    public float compute(Tensor z, Tensor target, Tensor dz) {
        Losses.requirePair(this, z, target, dz);
        Backend ops = z.backend();
        int n = z.size();
        if (work == null || work.backend() != ops || work.size() != n) {
            Tensor.closeAll(work, zd, sum);
            work = ops.zeros(n);
            zd = ops.zeros(n);
            sum = ops.zeros(1);
        }
        Tensor zf = z.reshape(n), df = target.reshape(n);
        ops.activation(Activation.SOFTPLUS, zf, work);         // softplus(z) = ln(1 + e^z)
        ops.mul(zf, df, zd);                                   // z·d
        ops.axpy(-1f, zd, work);                               // softplus(z) − z·d, elementwise
        ops.sumBias(work.reshape(1, n), sum, n, 0f);           // Σ over all n elements
        float e = ops.download(sum)[0] / n;
        if (dz != null) {
            Tensor g = dz.reshape(n);
            ops.activation(Activation.SIGMOID, zf, g);         // σ(z)
            ops.axpy(-1f, df, g);                              //      − d
            ops.scale(g, 1f / n);                              // ∂E/∂z = (σ(z) − d)/n
        }
        return e;
    }
}
