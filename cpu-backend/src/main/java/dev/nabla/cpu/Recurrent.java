package dev.nabla.cpu;

import static dev.nabla.backend.Checks.cols;
import static dev.nabla.backend.Checks.rows;
import static dev.nabla.cpu.Activations.fwdTanh;
import static dev.nabla.cpu.Activations.sigmoid;
import static dev.nabla.cpu.Activations.tanh;
import static dev.nabla.cpu.Elementwise.GRAIN_HEAVY;
import static dev.nabla.cpu.Elementwise.L;
import static dev.nabla.cpu.Elementwise.ONE;
import static dev.nabla.cpu.Elementwise.S;
import static dev.nabla.cpu.Elementwise.data;

import dev.nabla.backend.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * The recurrent family of the CPU backend (kernels/opencl/recurrent.cl; the reference's "recurrent" section): the
 * fused LSTM and GRU cells, forward and backward, one pass over the gates each, split over the hidden columns.
 */
final class Recurrent {
    private Recurrent() {}

    /** Splits the H columns of a [B, ·H] cell op over the pool (whole vectors per chunk; every row per chunk). */
    private static void overColumns(int batch, int hid, Parallel.Range body) {
        Parallel.range(hid, Math.max(L, GRAIN_HEAVY / Math.max(1, batch)), L, body);
    }

    static void lstmCell(Tensor gates, Tensor cPrev, Tensor peep, Tensor c, Tensor tanhC, Tensor h) {
        int hid = cols(cPrev), batch = rows(cPrev);
        float[] a = data(gates), cp = data(cPrev), cd = data(c), td = data(tanhC), hd = data(h);
        float[] pd = peep == null ? null : data(peep);
        int ao = gates.offset(), cpo = cPrev.offset(), co = c.offset(), to = tanhC.offset(), ho = h.offset(),
                po = peep == null ? 0 : peep.offset();
        overColumns(batch, hid, (j0, j1) -> lstmCellColumns(a, ao, cp, cpo, pd, po, cd, co, td, to, hd, ho, batch, hid, j0, j1));
    }

    private static void lstmCellColumns(float[] a, int ao, float[] cp, int cpo, float[] pd, int po, float[] cd, int co,
            float[] td, int to, float[] hd, int ho, int batch, int hid, int j0, int j1) {
        // one pass per nonlinearity over the row's columns (all in L1): a loop holding all five σ/tanh outgrows what
        // the JIT inlines, and the Vector API's slow fallback runs instead. Whole vectors load and store plain, the
        // row's last partial vector masked: a masked store costs about ten plain ones here (4.2 against 0.44 ns per 16
        // floats, 2-core Zen 5) even with every lane set, and masking every vector made this pass 6× the backward's
        int n = j1 - j0;
        for (int b = 0; b < batch; b++) {
            int gi = ao + b * 4 * hid + j0, k = b * hid + j0;   // a_i at gi, a_f at gi+H, a_g at gi+2H, a_o at gi+3H
            sigmoidPeephole(a, gi, pd, po + j0, cp, cpo + k, n);                    // i_t = σ(a_i + p_i⊙c_{t−1})
            sigmoidPeephole(a, gi + hid, pd, po + hid + j0, cp, cpo + k, n);        // f_t = σ(a_f + p_f⊙c_{t−1})
            fwdTanh(a, gi + 2 * hid, a, gi + 2 * hid, 0, n);                        // g_t = tanh(a_g)
            int j = 0;
            for (int bound = S.loopBound(n); j < bound; j += L) {                   // c_t = f⊙c_{t−1} + i⊙g
                FloatVector i = FloatVector.fromArray(S, a, gi + j), f = FloatVector.fromArray(S, a, gi + hid + j),
                        g = FloatVector.fromArray(S, a, gi + 2 * hid + j);
                f.mul(FloatVector.fromArray(S, cp, cpo + k + j)).add(i.mul(g)).intoArray(cd, co + k + j);
            }
            if (j < n) {
                VectorMask<Float> m = S.indexInRange(j, n);
                FloatVector i = FloatVector.fromArray(S, a, gi + j, m), f = FloatVector.fromArray(S, a, gi + hid + j, m),
                        g = FloatVector.fromArray(S, a, gi + 2 * hid + j, m);
                f.mul(FloatVector.fromArray(S, cp, cpo + k + j, m)).add(i.mul(g)).intoArray(cd, co + k + j, m);
            }
            sigmoidPeephole(a, gi + 3 * hid, pd, po + 2 * hid + j0, cd, co + k, n); // o_t = σ(a_o + p_o⊙c_t)
            fwdTanh(cd, co + k, td, to + k, 0, n);
            for (j = 0; j < S.loopBound(n); j += L) {                               // h_t = o⊙tanh(c_t)
                FloatVector.fromArray(S, a, gi + 3 * hid + j).mul(FloatVector.fromArray(S, td, to + k + j)).intoArray(hd, ho + k + j);
            }
            if (j < n) {
                VectorMask<Float> m = S.indexInRange(j, n);
                FloatVector.fromArray(S, a, gi + 3 * hid + j, m).mul(FloatVector.fromArray(S, td, to + k + j, m)).intoArray(hd, ho + k + j, m);
            }
        }
    }

    /** x ← σ(x + p⊙c) over n values (p null: x ← σ(x)). */
    private static void sigmoidPeephole(float[] x, int xo, float[] p, int po, float[] c, int co, int n) {
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            FloatVector v = FloatVector.fromArray(S, x, xo + j);
            if (p != null) v = v.add(FloatVector.fromArray(S, p, po + j).mul(FloatVector.fromArray(S, c, co + j)));
            sigmoid(v).intoArray(x, xo + j);
        }
        if (j < n) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector v = FloatVector.fromArray(S, x, xo + j, m);
            if (p != null) v = v.add(FloatVector.fromArray(S, p, po + j, m).mul(FloatVector.fromArray(S, c, co + j, m)));
            sigmoid(v).intoArray(x, xo + j, m);
        }
    }

    static void lstmCellBackward(Tensor acts, Tensor cPrev, Tensor c, Tensor tanhC, Tensor peep,
                                 Tensor dh, Tensor dc, Tensor dgates, Tensor dpeep) {
        int hid = cols(cPrev), batch = rows(cPrev);
        float[] ad = data(acts), cp = data(cPrev), cd = data(c), td = data(tanhC), dhd = data(dh), dcd = data(dc),
                dg = data(dgates);
        float[] pd = peep == null ? null : data(peep);
        float[] dpd = peep == null ? null : data(dpeep);
        int aO = acts.offset(), cpo = cPrev.offset(), co = c.offset(), to = tanhC.offset(), dho = dh.offset(), dco = dc.offset();
        int dgo = dgates.offset(), po = peep == null ? 0 : peep.offset(), dpo = peep == null ? 0 : dpeep.offset();
        // columns split over the pool, rows in order: dpeep accumulates over the batch exactly as the reference does
        overColumns(batch, hid, (j0, j1) -> lstmCellBackwardColumns(ad, aO, cp, cpo, cd, co, td, to, pd, po, dhd, dho,
                dcd, dco, dg, dgo, dpd, dpo, batch, hid, j0, j1));
    }

    private static void lstmCellBackwardColumns(float[] ad, int aO, float[] cp, int cpo, float[] cd, int co, float[] td,
            int to, float[] pd, int po, float[] dhd, int dho, float[] dcd, int dco, float[] dg, int dgo, float[] dpd,
                    int dpo, int batch, int hid, int j0, int j1) {
        for (int b = 0; b < batch; b++) {
            int gi = aO + b * 4 * hid, di = dgo + b * 4 * hid, k = b * hid, j = j0;
            for (int bound = j0 + S.loopBound(j1 - j0); j < bound; j += L) {
                FloatVector i = FloatVector.fromArray(S, ad, gi + j), f = FloatVector.fromArray(S, ad, gi + hid + j);
                FloatVector g = FloatVector.fromArray(S, ad, gi + 2 * hid + j), o = FloatVector.fromArray(S, ad,
                        gi + 3 * hid + j);
                FloatVector cPrevJ = FloatVector.fromArray(S, cp, cpo + k + j), tc = FloatVector.fromArray(S, td, to + k + j);
                FloatVector dhJ = FloatVector.fromArray(S, dhd, dho + k + j);
                FloatVector dao = dhJ.mul(tc).mul(o).mul(ONE.sub(o));                 // ∂L/∂a_o = ∂L/∂h ⊙ tanh(c) ⊙ σ'
                FloatVector dct = FloatVector.fromArray(S, dcd, dco + k + j)          // ∂L/∂c_t = from t+1 + ∂L/∂h ⊙ o ⊙ tanh'(c)
                        .add(dhJ.mul(o).mul(ONE.sub(tc.mul(tc))));
                if (pd != null) dct = dct.add(dao.mul(FloatVector.fromArray(S, pd, po + 2 * hid + j)));   // + through p_o
                FloatVector dai = dct.mul(g).mul(i).mul(ONE.sub(i));                  // ∂L/∂a_i = ∂L/∂c ⊙ g ⊙ σ'
                FloatVector daf = dct.mul(cPrevJ).mul(f).mul(ONE.sub(f));             // ∂L/∂a_f = ∂L/∂c ⊙ c_{t−1} ⊙ σ'
                FloatVector dag = dct.mul(i).mul(ONE.sub(g.mul(g)));                  // ∂L/∂a_g = ∂L/∂c ⊙ i ⊙ tanh'
                dai.intoArray(dg, di + j);
                daf.intoArray(dg, di + hid + j);
                dag.intoArray(dg, di + 2 * hid + j);
                dao.intoArray(dg, di + 3 * hid + j);
                FloatVector dcPrev = dct.mul(f);                                      // ∂L/∂c_{t−1} = ∂L/∂c_t ⊙ f (+ peepholes)
                if (pd != null) {
                    dcPrev = dcPrev.add(dai.mul(FloatVector.fromArray(S, pd,
                            po + j))).add(daf.mul(FloatVector.fromArray(S, pd, po + hid + j)));
                    FloatVector.fromArray(S, dpd, dpo + j).add(dai.mul(cPrevJ)).intoArray(dpd, dpo + j);
                    FloatVector.fromArray(S, dpd, dpo + hid + j).add(daf.mul(cPrevJ)).intoArray(dpd, dpo + hid + j);
                    FloatVector.fromArray(S, dpd, dpo + 2 * hid + j).add(dao.mul(FloatVector.fromArray(S, cd, co + k + j)))
                            .intoArray(dpd, dpo + 2 * hid + j);
                }
                dcPrev.intoArray(dcd, dco + k + j);
            }
            for (; j < j1; j++) {
                float i = ad[gi + j], f = ad[gi + hid + j], g = ad[gi + 2 * hid + j], o = ad[gi + 3 * hid + j];
                float cPrevJ = cp[cpo + k + j], ct = cd[co + k + j], tc = td[to + k + j], dhJ = dhd[dho + k + j];
                float dao = dhJ * tc * o * (1 - o);
                float dct = dcd[dco + k + j] + dhJ * o * (1 - tc * tc);
                if (pd != null) dct += dao * pd[po + 2 * hid + j];
                float dai = dct * g * i * (1 - i);
                float daf = dct * cPrevJ * f * (1 - f);
                float dag = dct * i * (1 - g * g);
                dg[di + j] = dai; dg[di + hid + j] = daf; dg[di + 2 * hid + j] = dag; dg[di + 3 * hid + j] = dao;
                float dcPrev = dct * f;
                if (pd != null) {
                    dcPrev = dcPrev + dai * pd[po + j] + daf * pd[po + hid + j];
                    dpd[dpo + j] += dai * cPrevJ;
                    dpd[dpo + hid + j] += daf * cPrevJ;
                    dpd[dpo + 2 * hid + j] += dao * ct;
                }
                dcd[dco + k + j] = dcPrev;
            }
        }
    }

    static void gruCell(Tensor gx, Tensor gh, Tensor hPrev, Tensor h, Tensor acts) {
        int hid = cols(hPrev), batch = rows(hPrev);
        float[] xd = data(gx), hd = data(gh), hp = data(hPrev), ho = data(h), ad = data(acts);
        int xo = gx.offset(), gho = gh.offset(), hpo = hPrev.offset(), hOut = h.offset(), aO = acts.offset();
        overColumns(batch, hid, (j0, j1) -> gruCellColumns(xd, xo, hd, gho, hp, hpo, ho, hOut, ad, aO, batch, hid, j0, j1));
    }

    private static void gruCellColumns(float[] xd, int xo, float[] hd, int gho, float[] hp, int hpo, float[] ho,
            int hOut, float[] ad, int aO, int batch, int hid, int j0, int j1) {
        // one pass per nonlinearity over the row's columns, as in lstmCellColumns (one loop with all three inlined
        // σ/tanh bodies outgrows what the JIT compiles into vector code), only the last partial vector masked
        int n = j1 - j0;
        for (int b = 0; b < batch; b++) {
            int g = b * 3 * hid + j0, k = b * hid + j0;
            sigmoidOfSum(xd, xo + g, hd, gho + g, ad, aO + g, n);                      // r = σ(gx_r + gh_r)
            sigmoidOfSum(xd, xo + g + hid, hd, gho + g + hid, ad, aO + g + hid, n);    // z = σ(gx_z + gh_z)
            int j = 0;
            for (int bound = S.loopBound(n); j < bound; j += L) {                      // n = tanh(gx_n + r⊙gh_n)
                FloatVector r = FloatVector.fromArray(S, ad, aO + g + j);
                tanh(FloatVector.fromArray(S, xd, xo + g + 2 * hid + j).add(r.mul(FloatVector.fromArray(S, hd,
                        gho + g + 2 * hid + j)))).intoArray(ad, aO + g + 2 * hid + j);
            }
            if (j < n) {
                VectorMask<Float> m = S.indexInRange(j, n);
                FloatVector r = FloatVector.fromArray(S, ad, aO + g + j, m);
                tanh(FloatVector.fromArray(S, xd, xo + g + 2 * hid + j, m).add(r.mul(FloatVector.fromArray(S, hd,
                        gho + g + 2 * hid + j, m)))).intoArray(ad, aO + g + 2 * hid + j, m);
            }
            for (j = 0; j < S.loopBound(n); j += L) {                                  // h = (1−z)⊙n + z⊙h_{t−1}
                FloatVector z = FloatVector.fromArray(S, ad, aO + g + hid + j), nn = FloatVector.fromArray(S, ad, aO + g + 2 * hid + j);
                ONE.sub(z).mul(nn).add(z.mul(FloatVector.fromArray(S, hp, hpo + k + j))).intoArray(ho, hOut + k + j);
            }
            if (j < n) {
                VectorMask<Float> m = S.indexInRange(j, n);
                FloatVector z = FloatVector.fromArray(S, ad, aO + g + hid + j, m), nn = FloatVector.fromArray(S, ad,
                        aO + g + 2 * hid + j, m);
                ONE.sub(z).mul(nn).add(z.mul(FloatVector.fromArray(S, hp, hpo + k + j, m))).intoArray(ho, hOut + k + j, m);
            }
        }
    }

    /** y ← σ(a + b) over n values. */
    private static void sigmoidOfSum(float[] a, int ao, float[] b, int bo, float[] y, int yo, int n) {
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += L) {
            sigmoid(FloatVector.fromArray(S, a, ao + j).add(FloatVector.fromArray(S, b, bo + j))).intoArray(y, yo + j);
        }
        if (j < n) {
            VectorMask<Float> m = S.indexInRange(j, n);
            sigmoid(FloatVector.fromArray(S, a, ao + j, m).add(FloatVector.fromArray(S, b, bo + j, m))).intoArray(y, yo + j, m);
        }
    }

    static void gruCellBackward(Tensor acts, Tensor gh, Tensor hPrev, Tensor dh, Tensor dgx, Tensor dgh, Tensor dhPrev) {
        int hid = cols(hPrev), batch = rows(hPrev);
        float[] ad = data(acts), hd = data(gh), hp = data(hPrev), dhd = data(dh), dx = data(dgx), dhh = data(dgh),
                dp = data(dhPrev);
        int aO = acts.offset(), gho = gh.offset(), hpo = hPrev.offset(), dho = dh.offset(), dxo = dgx.offset(),
                dgho = dgh.offset(), dpo = dhPrev.offset();
        overColumns(batch, hid, (j0, j1) -> gruCellBackwardColumns(ad, aO, hd, gho, hp, hpo, dhd, dho, dx, dxo, dhh,
                dgho, dp, dpo, batch, hid, j0, j1));
    }

    private static void gruCellBackwardColumns(float[] ad, int aO, float[] hd, int gho, float[] hp, int hpo,
            float[] dhd, int dho, float[] dx, int dxo, float[] dhh, int dgho, float[] dp, int dpo, int batch, int hid,
                    int j0, int j1) {
        for (int b = 0; b < batch; b++) {
            int g = b * 3 * hid, k = b * hid, j = j0;
            for (int bound = j0 + S.loopBound(j1 - j0); j < bound; j += L) {
                FloatVector r = FloatVector.fromArray(S, ad, aO + g + j), z = FloatVector.fromArray(S, ad, aO + g + hid + j);
                FloatVector n = FloatVector.fromArray(S, ad, aO + g + 2 * hid + j), d = FloatVector.fromArray(S, dhd,
                        dho + k + j);
                FloatVector dan = d.mul(ONE.sub(z)).mul(ONE.sub(n.mul(n)));                                   // ∂L/∂a_n = ∂L/∂h ⊙ (1−z) ⊙ tanh'
                FloatVector daz = d.mul(FloatVector.fromArray(S, hp, hpo + k + j).sub(n)).mul(z).mul(ONE.sub(z)); // ∂L/∂a_z = ∂L/∂h ⊙ (h_{t−1} − n) ⊙ σ'
                FloatVector dar = dan.mul(FloatVector.fromArray(S, hd, gho + g + 2 * hid + j)).mul(r).mul(ONE.sub(r)); // ∂L/∂a_r = ∂L/∂a_n ⊙ gh_n ⊙ σ'
                dar.intoArray(dx, dxo + g + j);
                daz.intoArray(dx, dxo + g + hid + j);
                dan.intoArray(dx, dxo + g + 2 * hid + j);
                dar.intoArray(dhh, dgho + g + j);
                daz.intoArray(dhh, dgho + g + hid + j);
                dan.mul(r).intoArray(dhh, dgho + g + 2 * hid + j);
                d.mul(z).intoArray(dp, dpo + k + j);                                                        // direct path ∂h_t/∂h_{t−1} = z
            }
            for (; j < j1; j++) {
                float r = ad[aO + g + j], z = ad[aO + g + hid + j], n = ad[aO + g + 2 * hid + j], d = dhd[dho + k + j];
                float dan = d * (1 - z) * (1 - n * n);
                float daz = d * (hp[hpo + k + j] - n) * z * (1 - z);
                float dar = dan * hd[gho + g + 2 * hid + j] * r * (1 - r);
                dx[dxo + g + j] = dar; dx[dxo + g + hid + j] = daz; dx[dxo + g + 2 * hid + j] = dan;
                dhh[dgho + g + j] = dar; dhh[dgho + g + hid + j] = daz; dhh[dgho + g + 2 * hid + j] = dan * r;
                dp[dpo + k + j] = d * z;
            }
        }
    }
}
