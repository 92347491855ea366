package dev.nabla.cpu;

import static dev.nabla.cpu.Elementwise.GRAIN;
import static dev.nabla.cpu.Elementwise.L;
import static dev.nabla.cpu.Elementwise.S;
import static dev.nabla.cpu.Elementwise.data;

import dev.nabla.backend.Tensor;
import jdk.incubator.vector.FloatVector;

/**
 * The optim family of the CPU backend (kernels/opencl/optim.cl; the reference's "optim" section): the optimizer
 * updates, in the reference's float arithmetic and order (no fused multiply-adds), so bit for bit the same.
 */
final class Optim {
    private Optim() {}

    /** As the reference, with its flush of a subnormal velocity to 0 (Backend.sgdStep says why). */
    static void sgdStep(Tensor w, Tensor g, Tensor v, float lr, float momentum, boolean nesterov, float weightDecay) {
        float[] wd = data(w), gd = data(g), vd = v == null ? null : data(v);
        int wo = w.offset(), go = g.offset(), vo = v == null ? 0 : v.offset();
        Parallel.range(w.size(), GRAIN, L, (from, to) -> sgdRange(wd, wo, gd, go, vd, vo, lr, momentum, nesterov,
                weightDecay, from, to));
    }

    private static void sgdRange(float[] wd, int wo, float[] gd, int go, float[] vd, int vo, float lr, float momentum,
            boolean nesterov, float weightDecay, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
            FloatVector wi = FloatVector.fromArray(S, wd, wo + i);
            FloatVector gi = FloatVector.fromArray(S, gd, go + i).add(wi.mul(weightDecay));     // g' = g + λw
            FloatVector step = gi;
            if (momentum != 0f) {
                FloatVector vi = FloatVector.fromArray(S, vd, vo + i).mul(momentum).add(gi); // v ← μv + g'
                vi = vi.blend(0f, vi.abs().lt(Float.MIN_NORMAL));                            //   below 1.2e−38: 0 (Backend.sgdStep)
                vi.intoArray(vd, vo + i);
                step = nesterov ? gi.add(vi.mul(momentum)) : vi;
            }
            wi.sub(step.mul(lr)).intoArray(wd, wo + i);                                       // w ← w − η·step
        }
        for (; i < to; i++) {
            float gi = gd[go + i] + weightDecay * wd[wo + i], step = gi;
            if (momentum != 0f) {
                float vi = momentum * vd[vo + i] + gi;
                if (Math.abs(vi) < Float.MIN_NORMAL) vi = 0f;
                vd[vo + i] = vi;
                step = nesterov ? gi + momentum * vi : vi;
            }
            wd[wo + i] -= lr * step;
        }
    }

    static void adagradStep(Tensor w, Tensor g, Tensor sumSq, float lr, float eps, float weightDecay) {
        float[] wd = data(w), gd = data(g), sd = data(sumSq);
        int wo = w.offset(), go = g.offset(), so = sumSq.offset();
        Parallel.range(w.size(), GRAIN, L, (from, to) -> adagradRange(wd, wo, gd, go, sd, so, lr, eps, weightDecay, from, to));
    }

    private static void adagradRange(float[] wd, int wo, float[] gd, int go, float[] sd, int so, float lr, float eps,
            float weightDecay, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
            FloatVector wi = FloatVector.fromArray(S, wd, wo + i);
            FloatVector gi = FloatVector.fromArray(S, gd, go + i).add(wi.mul(weightDecay));
            FloatVector s = FloatVector.fromArray(S, sd, so + i).add(gi.mul(gi));            // G ← G + g²
            s.intoArray(sd, so + i);
            wi.sub(gi.mul(lr).div(s.sqrt().add(eps))).intoArray(wd, wo + i);                 // w ← w − η g/(√G + ε)
        }
        for (; i < to; i++) {
            float gi = gd[go + i] + weightDecay * wd[wo + i];
            float s = sd[so + i] + gi * gi;
            sd[so + i] = s;
            wd[wo + i] -= lr * gi / ((float) Math.sqrt(s) + eps);
        }
    }

    static void rmspropStep(Tensor w, Tensor g, Tensor sqAvg, float lr, float rho, float eps, float weightDecay) {
        float[] wd = data(w), gd = data(g), sd = data(sqAvg);
        int wo = w.offset(), go = g.offset(), so = sqAvg.offset();
        float oneMinusRho = 1 - rho;
        Parallel.range(w.size(), GRAIN, L, (from, to) -> rmspropRange(wd, wo, gd, go, sd, so, lr, rho, oneMinusRho, eps,
                weightDecay, from, to));
    }

    private static void rmspropRange(float[] wd, int wo, float[] gd, int go, float[] sd, int so, float lr, float rho,
            float oneMinusRho, float eps, float weightDecay, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
            FloatVector wi = FloatVector.fromArray(S, wd, wo + i);
            FloatVector gi = FloatVector.fromArray(S, gd, go + i).add(wi.mul(weightDecay));
            FloatVector s = FloatVector.fromArray(S, sd, so + i).mul(rho).add(gi.mul(oneMinusRho).mul(gi));   // s ← ρs + (1−ρ)g²
            s.intoArray(sd, so + i);
            wi.sub(gi.mul(lr).div(s.sqrt().add(eps))).intoArray(wd, wo + i);                 // w ← w − η g/(√s + ε)
        }
        for (; i < to; i++) {
            float gi = gd[go + i] + weightDecay * wd[wo + i];
            float s = rho * sd[so + i] + oneMinusRho * gi * gi;
            sd[so + i] = s;
            wd[wo + i] -= lr * gi / ((float) Math.sqrt(s) + eps);
        }
    }

    static void adadeltaStep(Tensor w, Tensor g, Tensor sqAvg, Tensor accDelta, float lr, float rho, float eps,
            float weightDecay) {
        float[] wd = data(w), gd = data(g), sd = data(sqAvg), ud = data(accDelta);
        int wo = w.offset(), go = g.offset(), so = sqAvg.offset(), uo = accDelta.offset();
        float oneMinusRho = 1 - rho;
        Parallel.range(w.size(), GRAIN, L, (from, to) -> adadeltaRange(wd, wo, gd, go, sd, so, ud, uo, lr, rho,
                oneMinusRho, eps, weightDecay, from, to));
    }

    private static void adadeltaRange(float[] wd, int wo, float[] gd, int go, float[] sd, int so, float[] ud, int uo,
            float lr, float rho, float oneMinusRho, float eps, float weightDecay, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
            FloatVector wi = FloatVector.fromArray(S, wd, wo + i), u = FloatVector.fromArray(S, ud, uo + i);
            FloatVector gi = FloatVector.fromArray(S, gd, go + i).add(wi.mul(weightDecay));
            FloatVector s = FloatVector.fromArray(S, sd, so + i).mul(rho).add(gi.mul(oneMinusRho).mul(gi));   // s ← ρs + (1−ρ)g²
            s.intoArray(sd, so + i);
            FloatVector delta = u.add(eps).sqrt().div(s.add(eps).sqrt()).mul(gi);            // Δ = √(u + ε)/√(s + ε)·g'
            u.mul(rho).add(delta.mul(oneMinusRho).mul(delta)).intoArray(ud, uo + i);        // u ← ρu + (1−ρ)Δ²
            wi.sub(delta.mul(lr)).intoArray(wd, wo + i);                                      // w ← w − η·Δ
        }
        for (; i < to; i++) {
            float gi = gd[go + i] + weightDecay * wd[wo + i];
            float s = rho * sd[so + i] + oneMinusRho * gi * gi;
            sd[so + i] = s;
            float delta = (float) Math.sqrt(ud[uo + i] + eps) / (float) Math.sqrt(s + eps) * gi;
            ud[uo + i] = rho * ud[uo + i] + oneMinusRho * delta * delta;
            wd[wo + i] -= lr * delta;
        }
    }

    static void adamStep(Tensor w, Tensor g, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
            float weightDecay, int t) {
        float[] wd = data(w), gd = data(g), md = data(m), vd = data(v);
        int wo = w.offset(), go = g.offset(), mo = m.offset(), vo = v.offset();
        float bc1 = 1 - (float) Math.pow(beta1, t), bc2 = 1 - (float) Math.pow(beta2, t);
        float stepSize = lr / bc1, sqrtBc2 = (float) Math.sqrt(bc2), oneMinusB1 = 1 - beta1, oneMinusB2 = 1 - beta2;
        Parallel.range(w.size(), GRAIN, L, (from, to) -> adamRange(wd, wo, gd, go, md, mo, vd, vo, beta1, beta2,
                oneMinusB1, oneMinusB2, stepSize, sqrtBc2, eps, weightDecay, from, to));
    }

    private static void adamRange(float[] wd, int wo, float[] gd, int go, float[] md, int mo, float[] vd, int vo,
            float beta1, float beta2, float oneMinusB1, float oneMinusB2, float stepSize, float sqrtBc2, float eps,
                    float weightDecay, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += L) {
            FloatVector wi = FloatVector.fromArray(S, wd, wo + i);
            FloatVector gi = FloatVector.fromArray(S, gd, go + i).add(wi.mul(weightDecay));
            FloatVector mi = FloatVector.fromArray(S, md, mo + i).mul(beta1).add(gi.mul(oneMinusB1));            // m ← β₁m + (1−β₁)g
            FloatVector vi = FloatVector.fromArray(S, vd, vo + i).mul(beta2).add(gi.mul(oneMinusB2).mul(gi));    // v ← β₂v + (1−β₂)g²
            mi.intoArray(md, mo + i);
            vi.intoArray(vd, vo + i);
            wi.sub(mi.mul(stepSize).div(vi.sqrt().div(sqrtBc2).add(eps))).intoArray(wd, wo + i);
        }
        for (; i < to; i++) {
            float gi = gd[go + i] + weightDecay * wd[wo + i];
            float mi = beta1 * md[mo + i] + oneMinusB1 * gi;
            float vi = beta2 * vd[vo + i] + oneMinusB2 * gi * gi;
            md[mo + i] = mi;
            vd[vo + i] = vi;
            wd[wo + i] -= stepSize * mi / ((float) Math.sqrt(vi) / sqrtBc2 + eps);
        }
    }
}
