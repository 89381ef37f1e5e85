package io.backprop4j.internal.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API bodies of {@link Sequences}' float32 kernels (same formulas, same arguments),
 * loaded only when {@link Simd#AVAILABLE}. Statistics are float32 sums: whole vectors, then the
 * lanes, then the scalar tail, so their bits depend on the vector width (within float32 rounding
 * of the float64 definitions, which the tests check) but never on the thread count: each row,
 * and each block of {@link #LN_BLOCK} rows of the weight gradients, is summed alone, in order.
 */
final class SequencesVector {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Rows per partial sum of the layer norm's dγ and dβ: the block sums are added in block order. */
    static final int LN_BLOCK = 32;

    private SequencesVector() {
    }

    /** Σ x[xo, xo + n). */
    private static float sum(float[] x, int xo, int n) {
        int j = 0, bound = F.loopBound(n);
        FloatVector acc = FloatVector.zero(F);
        for (; j < bound; j += F.length()) {
            acc = acc.add(FloatVector.fromArray(F, x, xo + j));
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) {
            s += x[xo + j];
        }
        return s;
    }

    /** Σ (x[xo + j] − m)² over j in [0, n). */
    private static float squares(float[] x, int xo, int n, float m) {
        int j = 0, bound = F.loopBound(n);
        FloatVector acc = FloatVector.zero(F);
        for (; j < bound; j += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xo + j).sub(m);
            acc = v.fma(v, acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) {
            float v = x[xo + j] - m;
            s = Math.fma(v, v, s);
        }
        return s;
    }

    static void layerNorm(int rows, int d, float[] x, int xo, float[] w, int wo, float[] b, int bo, double eps,
                          float[] y, double[] mean, double[] rstd) {
        Parallel.forRange(rows, Sequences.grain(d), (from, to) -> {
            int bound = F.loopBound(d);
            for (int r = from; r < to; r++) {
                int at = xo + r * d, yo = r * d;
                float m = sum(x, at, d) / d;
                float rs = (float) (1 / Math.sqrt(squares(x, at, d, m) / d + eps));
                mean[r] = m;
                rstd[r] = rs;
                int j = 0;
                for (; j < bound; j += F.length()) {
                    FloatVector v = FloatVector.fromArray(F, x, at + j).sub(m).mul(rs);
                    if (w != null) {
                        v = v.mul(FloatVector.fromArray(F, w, wo + j));
                    }
                    if (b != null) {
                        v = v.add(FloatVector.fromArray(F, b, bo + j));
                    }
                    v.intoArray(y, yo + j);
                }
                for (; j < d; j++) {
                    float v = (x[at + j] - m) * rs;
                    if (w != null) {
                        v *= w[wo + j];
                    }
                    if (b != null) {
                        v += b[bo + j];
                    }
                    y[yo + j] = v;
                }
            }
        });
    }

    /**
     * The layer norm's backward in one pass over each row's statistics and one over its outputs:
     * dx (null for none), and dγ, dβ (null for none) as float32 sums per block of
     * {@link #LN_BLOCK} rows, added in float64 in block order.
     */
    static void layerNormBackward(int rows, int d, float[] x, int xo, float[] g, int go, float[] w, int wo,
                                  double[] mean, double[] rstd, float[] dx, double[] dw, double[] db) {
        int blocks = (rows + LN_BLOCK - 1) / LN_BLOCK;
        boolean sums = dw != null || db != null;
        if (dx == null && !sums) {
            return;
        }
        float[] pw = dw == null ? null : new float[blocks * d], pb = db == null ? null : new float[blocks * d];
        Parallel.forRange(blocks, Math.max(1, Sequences.grain(d) / LN_BLOCK), (fromBlock, toBlock) -> {
            int bound = F.loopBound(d);
            for (int blk = fromBlock; blk < toBlock; blk++) {
                int po = blk * d;
                for (int r = blk * LN_BLOCK, end = Math.min(rows, r + LN_BLOCK); r < end; r++) {
                    int at = xo + r * d, gi = go + r * d, o = r * d;
                    float m = (float) mean[r], rs = (float) rstd[r];
                    FloatVector vsg = FloatVector.zero(F), vsgx = FloatVector.zero(F);
                    int j = 0;
                    for (; j < bound; j += F.length()) {
                        FloatVector gv = FloatVector.fromArray(F, g, gi + j);
                        FloatVector xh = FloatVector.fromArray(F, x, at + j).sub(m).mul(rs);
                        if (pw != null) {
                            gv.fma(xh, FloatVector.fromArray(F, pw, po + j)).intoArray(pw, po + j);
                        }
                        if (pb != null) {
                            gv.add(FloatVector.fromArray(F, pb, po + j)).intoArray(pb, po + j);
                        }
                        FloatVector gw = w == null ? gv : gv.mul(FloatVector.fromArray(F, w, wo + j));
                        vsg = vsg.add(gw);
                        vsgx = gw.fma(xh, vsgx);
                    }
                    float sg = vsg.reduceLanes(VectorOperators.ADD), sgx = vsgx.reduceLanes(VectorOperators.ADD);
                    for (; j < d; j++) {
                        float gv = g[gi + j], xh = (x[at + j] - m) * rs;
                        if (pw != null) {
                            pw[po + j] = Math.fma(gv, xh, pw[po + j]);
                        }
                        if (pb != null) {
                            pb[po + j] += gv;
                        }
                        float gw = w == null ? gv : gv * w[wo + j];
                        sg += gw;
                        sgx = Math.fma(gw, xh, sgx);
                    }
                    if (dx == null) {
                        continue;
                    }
                    sg /= d;
                    sgx /= d;
                    j = 0;
                    for (; j < bound; j += F.length()) {
                        FloatVector gv = FloatVector.fromArray(F, g, gi + j);
                        FloatVector gw = w == null ? gv : gv.mul(FloatVector.fromArray(F, w, wo + j));
                        FloatVector xh = FloatVector.fromArray(F, x, at + j).sub(m).mul(rs);
                        xh.mul(-sgx).add(gw).sub(sg).mul(rs).intoArray(dx, o + j);
                    }
                    for (; j < d; j++) {
                        float gw = w == null ? g[gi + j] : g[gi + j] * w[wo + j];
                        float xh = (x[at + j] - m) * rs;
                        dx[o + j] = (gw - sg - xh * sgx) * rs;
                    }
                }
            }
        });
        for (int k = 0; k < d; k++) {
            double sw = 0, sb = 0;
            for (int blk = 0; blk < blocks; blk++) {
                if (pw != null) {
                    sw += pw[blk * d + k];
                }
                if (pb != null) {
                    sb += pb[blk * d + k];
                }
            }
            if (dw != null) {
                dw[k] = sw;
            }
            if (db != null) {
                db[k] = sb;
            }
        }
    }

    /** n rounded up to whole vectors. */
    private static int padded(int n) {
        return (n + F.length() - 1) / F.length() * F.length();
    }

    /**
     * {@link Sequences#attention}: per sample and head, Kᵀ is copied into [d, T'] (T' = T in whole
     * vectors, zero beyond T), so a query's scores are vectors over the keys, each summed over
     * the d columns in a register; the softmax runs on those vectors; the context, a vector over
     * the head's columns, is summed over the visible keys in a register.
     */
    static void attention(int n, int t, int heads, int d, float[] qkv, int qo, double alpha, boolean causal,
                          float[] p, float[] ctx) {
        int e = heads * d, row = 3 * e, tp = padded(t);
        float a = (float) alpha;
        Parallel.forRange(n * heads, Math.max(1, (1 << 14) / Math.max(1, t * t * d)), (from, to) -> {
            float[] kt = new float[d * tp];
            float[] sp = new float[tp];
            int dBound = F.loopBound(d);
            for (int b = from; b < to; b++) {
                int bn = b / heads, hd = b % heads, base = qo + bn * t * row;
                int qc = base + hd * d, kc = qc + e, vc = qc + 2 * e;
                for (int j = 0; j < t; j++) {
                    for (int c = 0; c < d; c++) {
                        kt[c * tp + j] = qkv[kc + j * row + c];
                    }
                }
                for (int i = 0; i < t; i++) {
                    int visible = causal ? i + 1 : t, po = (b * t + i) * t, co = (bn * t + i) * e + hd * d, qi = qc + i * row;
                    float m = Float.NEGATIVE_INFINITY;
                    for (int j0 = 0; j0 < visible; j0 += F.length()) {
                        FloatVector acc = FloatVector.zero(F);
                        for (int c = 0; c < d; c++) {
                            acc = FloatVector.fromArray(F, kt, c * tp + j0).fma(FloatVector.broadcast(F, qkv[qi + c]), acc);
                        }
                        acc = acc.mul(a);
                        if (j0 + F.length() > visible) {
                            acc = acc.blend(Float.NEGATIVE_INFINITY, F.indexInRange(j0, visible).not());
                        }
                        m = Math.max(m, acc.reduceLanes(VectorOperators.MAX));
                        acc.intoArray(sp, j0);
                    }
                    FloatVector vsum = FloatVector.zero(F);
                    for (int j0 = 0; j0 < visible; j0 += F.length()) {
                        FloatVector ex = ActivationsVector.exp(FloatVector.fromArray(F, sp, j0).sub(m));
                        vsum = vsum.add(ex);
                        ex.intoArray(sp, j0);
                    }
                    float inv = 1f / vsum.reduceLanes(VectorOperators.ADD);
                    for (int j0 = 0; j0 < visible; j0 += F.length()) {
                        FloatVector.fromArray(F, sp, j0).mul(inv).intoArray(sp, j0);
                    }
                    System.arraycopy(sp, 0, p, po, visible);
                    java.util.Arrays.fill(p, po + visible, po + t, 0f);
                    int c0 = 0;
                    for (; c0 < dBound; c0 += F.length()) {
                        FloatVector acc = FloatVector.zero(F);
                        for (int j = 0; j < visible; j++) {
                            acc = FloatVector.fromArray(F, qkv, vc + j * row + c0).fma(FloatVector.broadcast(F, sp[j]), acc);
                        }
                        acc.intoArray(ctx, co + c0);
                    }
                    for (; c0 < d; c0++) {
                        float acc = 0f;
                        for (int j = 0; j < visible; j++) {
                            acc = Math.fma(sp[j], qkv[vc + j * row + c0], acc);
                        }
                        ctx[co + c0] = acc;
                    }
                }
            }
        });
    }

    /**
     * {@link Sequences#attentionBackward}: dP = g Vᵀ as vectors over the keys (Vᵀ copied into
     * [d, T'] as Kᵀ in the forward), dS = α·P ⊙ (dP − rowsum(dP ⊙ P)) kept for the block [T, T'];
     * then dQ = dS K, dK = dSᵀ Q and dV = Pᵀ g, each a vector over the head's columns summed in a
     * register, written once (no zeroing, no scattered accumulation).
     */
    static void attentionBackward(int n, int t, int heads, int d, float[] qkv, int qo, double alpha, boolean causal,
                                  float[] p, float[] g, int go, float[] dqkv) {
        int e = heads * d, row = 3 * e, tp = padded(t);
        float a = (float) alpha;
        Parallel.forRange(n * heads, Math.max(1, (1 << 13) / Math.max(1, t * t * d)), (from, to) -> {
            float[] vt = new float[d * tp];
            float[] pp = new float[t * tp];
            float[] ds = new float[t * tp];
            int dBound = F.loopBound(d);
            for (int b = from; b < to; b++) {
                int bn = b / heads, hd = b % heads, base = bn * t * row + hd * d;
                int qc = qo + base, kc = qc + e, vc = qc + 2 * e;
                for (int j = 0; j < t; j++) {
                    for (int c = 0; c < d; c++) {
                        vt[c * tp + j] = qkv[vc + j * row + c];
                    }
                }
                for (int i = 0; i < t; i++) {
                    System.arraycopy(p, (b * t + i) * t, pp, i * tp, t);
                }
                for (int i = 0; i < t; i++) {
                    int visible = causal ? i + 1 : t, gi = go + (bn * t + i) * e + hd * d, ro = i * tp;
                    FloatVector vdot = FloatVector.zero(F);
                    for (int j0 = 0; j0 < visible; j0 += F.length()) {
                        FloatVector acc = FloatVector.zero(F);
                        for (int c = 0; c < d; c++) {
                            acc = FloatVector.fromArray(F, vt, c * tp + j0).fma(FloatVector.broadcast(F, g[gi + c]), acc);
                        }
                        vdot = acc.fma(FloatVector.fromArray(F, pp, ro + j0), vdot);
                        acc.intoArray(ds, ro + j0);
                    }
                    float dot = vdot.reduceLanes(VectorOperators.ADD);
                    for (int j0 = 0; j0 < visible; j0 += F.length()) {
                        FloatVector.fromArray(F, ds, ro + j0).sub(dot).mul(FloatVector.fromArray(F, pp, ro + j0)).mul(a)
                                .intoArray(ds, ro + j0);
                    }
                    // dQ_i = Σ_j dS_ij K_j
                    int dq = base + i * row, c0 = 0;
                    for (; c0 < dBound; c0 += F.length()) {
                        FloatVector acc = FloatVector.zero(F);
                        for (int j = 0; j < visible; j++) {
                            acc = FloatVector.fromArray(F, qkv, kc + j * row + c0).fma(FloatVector.broadcast(F, ds[ro + j]), acc);
                        }
                        acc.intoArray(dqkv, dq + c0);
                    }
                    for (; c0 < d; c0++) {
                        float acc = 0f;
                        for (int j = 0; j < visible; j++) {
                            acc = Math.fma(ds[ro + j], qkv[kc + j * row + c0], acc);
                        }
                        dqkv[dq + c0] = acc;
                    }
                }
                // dK_j = Σ_i dS_ij Q_i and dV_j = Σ_i P_ij g_i, over the queries that see key j.
                for (int j = 0; j < t; j++) {
                    int first = causal ? j : 0, dk = base + j * row + e, dv = dk + e, c0 = 0;
                    for (; c0 < dBound; c0 += F.length()) {
                        FloatVector ak = FloatVector.zero(F), av = FloatVector.zero(F);
                        for (int i = first; i < t; i++) {
                            ak = FloatVector.fromArray(F, qkv, qc + i * row + c0).fma(FloatVector.broadcast(F, ds[i * tp + j]), ak);
                            av = FloatVector.fromArray(F, g, go + (bn * t + i) * e + hd * d + c0).fma(FloatVector.broadcast(F, pp[i * tp + j]), av);
                        }
                        ak.intoArray(dqkv, dk + c0);
                        av.intoArray(dqkv, dv + c0);
                    }
                    for (; c0 < d; c0++) {
                        float ak = 0f, av = 0f;
                        for (int i = first; i < t; i++) {
                            ak = Math.fma(ds[i * tp + j], qkv[qc + i * row + c0], ak);
                            av = Math.fma(pp[i * tp + j], g[go + (bn * t + i) * e + hd * d + c0], av);
                        }
                        dqkv[dk + c0] = ak;
                        dqkv[dv + c0] = av;
                    }
                }
            }
        });
    }
}
