package io.backprop4j.internal.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API bodies of {@link Sequences}' float32 kernels (same formulas, same arguments),
 * loaded only when {@link Simd#AVAILABLE}. Statistics are float32 sums: whole vectors, then the
 * lanes in a fixed order ({@link #addLanes}), then the scalar tail, so their bits depend on the vector width (within float32 rounding
 * of the float64 definitions, which the tests check) but never on the thread count: each row,
 * and each block of {@link #LN_BLOCK} rows of the weight gradients, is summed alone, in order.
 */
final class SequencesVector {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Rows per partial sum of the layer norm's dγ and dβ: the block sums are added in block order. */
    static final int LN_BLOCK = 32;

    private SequencesVector() {
    }

    /**
     * The lanes of v added in a fixed order (a tree over halves, through {@code lanes}, an array
     * of one vector's length): reduceLanes(ADD) adds in whatever order the code that runs it
     * picks, and the interpreter's, C1's and C2's differ, so a run's bits would depend on when
     * the JIT compiled what.
     */
    static float addLanes(FloatVector v, float[] lanes) {
        v.intoArray(lanes, 0);
        for (int w = lanes.length / 2; w >= 1; w /= 2) {
            for (int i = 0; i < w; i++) {
                lanes[i] += lanes[i + w];
            }
        }
        return lanes[0];
    }

    /** Σ x[xo, xo + n). */
    private static float sum(float[] x, int xo, int n, float[] lanes) {
        int j = 0, bound = F.loopBound(n);
        FloatVector acc = FloatVector.zero(F);
        for (; j < bound; j += F.length()) {
            acc = acc.add(FloatVector.fromArray(F, x, xo + j));
        }
        float s = addLanes(acc, lanes);
        for (; j < n; j++) {
            s += x[xo + j];
        }
        return s;
    }

    /** Σ (x[xo + j] − m)² over j in [0, n). */
    private static float squares(float[] x, int xo, int n, float m, float[] lanes) {
        int j = 0, bound = F.loopBound(n);
        FloatVector acc = FloatVector.zero(F);
        for (; j < bound; j += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xo + j).sub(m);
            acc = v.fma(v, acc);
        }
        float s = addLanes(acc, lanes);
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
            float[] lanes = new float[F.length()];
            for (int r = from; r < to; r++) {
                int at = xo + r * d, yo = r * d;
                float m = sum(x, at, d, lanes) / d;
                float rs = (float) (1 / Math.sqrt(squares(x, at, d, m, lanes) / d + eps));
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
            float[] lanes = new float[F.length()];
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
                    float sg = addLanes(vsg, lanes), sgx = addLanes(vsgx, lanes);
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
     * The softmax of row {@code ro} of s (α already applied) over its first {@code visible}
     * lanes, 0 from there to tp. The lanes past {@code visible} in its last vector are set to −∞
     * first (exp gives 0 there), so no loop needs a lane mask.
     */
    private static void softmaxRow(float[] s, int ro, int visible, int tp, float[] lanes) {
        int end = Math.min(padded(visible), tp);
        java.util.Arrays.fill(s, ro + visible, ro + end, Float.NEGATIVE_INFINITY);
        FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int j0 = 0; j0 < visible; j0 += F.length()) {
            vmax = vmax.max(FloatVector.fromArray(F, s, ro + j0));
        }
        float m = vmax.reduceLanes(VectorOperators.MAX);
        FloatVector vsum = FloatVector.zero(F);
        for (int j0 = 0; j0 < visible; j0 += F.length()) {
            FloatVector ex = ActivationsVector.exp(FloatVector.fromArray(F, s, ro + j0).sub(m));
            vsum = vsum.add(ex);
            ex.intoArray(s, ro + j0);
        }
        float inv = 1f / addLanes(vsum, lanes);
        for (int j0 = 0; j0 < visible; j0 += F.length()) {
            FloatVector.fromArray(F, s, ro + j0).mul(inv).intoArray(s, ro + j0);
        }
        java.util.Arrays.fill(s, ro + visible, ro + tp, 0f);
    }

    /**
     * {@link Sequences#attention}: per sample and head, Kᵀ is copied into [d, T'] (T' = T in whole
     * vectors, zero beyond T), so that the scores of four queries at a time are vectors over the
     * keys, each summed over the d columns in registers (one load of Kᵀ for four products); the
     * softmax runs on those vectors; the context of four queries, vectors over the head's
     * columns, is summed over the keys in registers. Masked keys have weight 0 exactly.
     */
    static void attention(int n, int t, int heads, int d, float[] qkv, int qo, double alpha, boolean causal,
                          float[] p, float[] ctx) {
        int e = heads * d, row = 3 * e, tp = padded(t);
        float a = (float) alpha;
        Parallel.forRange(n * heads, Math.max(1, (1 << 14) / Math.max(1, t * t * d)), (from, to) -> {
            float[] kt = new float[d * tp];
            float[] sc = new float[t * tp];
            float[] lanes = new float[F.length()];
            int dBound = F.loopBound(d), t4 = t / 4 * 4;
            // Keys in one vector: the softmax of each group of four queries is done in registers,
            // the masked keys (and the padding) taken out by adding −∞ from this table.
            boolean oneVector = tp == F.length();
            float[] bias = oneVector ? new float[t * tp] : null;
            for (int i = 0; oneVector && i < t; i++) {
                java.util.Arrays.fill(bias, i * tp + (causal ? i + 1 : t), (i + 1) * tp, Float.NEGATIVE_INFINITY);
            }
            for (int b = from; b < to; b++) {
                int bn = b / heads, hd = b % heads, base = qo + bn * t * row;
                int qc = base + hd * d, kc = qc + e, vc = qc + 2 * e;
                for (int j = 0; j < t; j++) {
                    for (int c = 0; c < d; c++) {
                        kt[c * tp + j] = qkv[kc + j * row + c];
                    }
                }
                // Scores α·q_i·k_j, four queries at a time, then one by one.
                for (int i0 = 0; i0 < t4; i0 += 4) {
                    int vis = causal ? i0 + 4 : t, q0 = qc + i0 * row;
                    for (int j0 = 0; j0 < vis; j0 += F.length()) {
                        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                        for (int c = 0; c < d; c++) {
                            FloatVector k = FloatVector.fromArray(F, kt, c * tp + j0);
                            a0 = k.fma(FloatVector.broadcast(F, qkv[q0 + c]), a0);
                            a1 = k.fma(FloatVector.broadcast(F, qkv[q0 + row + c]), a1);
                            a2 = k.fma(FloatVector.broadcast(F, qkv[q0 + 2 * row + c]), a2);
                            a3 = k.fma(FloatVector.broadcast(F, qkv[q0 + 3 * row + c]), a3);
                        }
                        if (oneVector) {
                            // The four softmaxes right here, interleaved: one row's is a chain of
                            // dependent steps (max, exp, sum, scale) that would leave the core idle.
                            a0 = a0.mul(a).add(FloatVector.fromArray(F, bias, i0 * tp));
                            a1 = a1.mul(a).add(FloatVector.fromArray(F, bias, (i0 + 1) * tp));
                            a2 = a2.mul(a).add(FloatVector.fromArray(F, bias, (i0 + 2) * tp));
                            a3 = a3.mul(a).add(FloatVector.fromArray(F, bias, (i0 + 3) * tp));
                            a0 = ActivationsVector.exp(a0.sub(a0.reduceLanes(VectorOperators.MAX)));
                            a1 = ActivationsVector.exp(a1.sub(a1.reduceLanes(VectorOperators.MAX)));
                            a2 = ActivationsVector.exp(a2.sub(a2.reduceLanes(VectorOperators.MAX)));
                            a3 = ActivationsVector.exp(a3.sub(a3.reduceLanes(VectorOperators.MAX)));
                            a0.mul(1f / addLanes(a0, lanes)).intoArray(sc, i0 * tp);
                            a1.mul(1f / addLanes(a1, lanes)).intoArray(sc, (i0 + 1) * tp);
                            a2.mul(1f / addLanes(a2, lanes)).intoArray(sc, (i0 + 2) * tp);
                            a3.mul(1f / addLanes(a3, lanes)).intoArray(sc, (i0 + 3) * tp);
                        } else {
                            a0.mul(a).intoArray(sc, i0 * tp + j0);
                            a1.mul(a).intoArray(sc, (i0 + 1) * tp + j0);
                            a2.mul(a).intoArray(sc, (i0 + 2) * tp + j0);
                            a3.mul(a).intoArray(sc, (i0 + 3) * tp + j0);
                        }
                    }
                }
                for (int i = t4; i < t; i++) {
                    int vis = causal ? i + 1 : t, qi = qc + i * row;
                    for (int j0 = 0; j0 < vis; j0 += F.length()) {
                        FloatVector acc = FloatVector.zero(F);
                        for (int c = 0; c < d; c++) {
                            acc = FloatVector.fromArray(F, kt, c * tp + j0).fma(FloatVector.broadcast(F, qkv[qi + c]), acc);
                        }
                        acc.mul(a).intoArray(sc, i * tp + j0);
                    }
                }
                for (int i = oneVector ? t4 : 0; i < t; i++) {
                    softmaxRow(sc, i * tp, causal ? i + 1 : t, tp, lanes);
                }
                for (int i = 0; i < t; i++) {
                    System.arraycopy(sc, i * tp, p, (b * t + i) * t, t);
                }
                // ctx_i = Σ_j p_ij v_j, four queries at a time (weights 0 past each one's keys).
                for (int i0 = 0; i0 < t; i0 += 4) {
                    int rows = Math.min(4, t - i0), vis = causal ? i0 + rows : t, co = (bn * t + i0) * e + hd * d;
                    int c0 = 0;
                    if (rows == 4) {
                        for (; c0 < dBound; c0 += F.length()) {
                            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                            for (int j = 0; j < vis; j++) {
                                FloatVector v = FloatVector.fromArray(F, qkv, vc + j * row + c0);
                                a0 = v.fma(FloatVector.broadcast(F, sc[i0 * tp + j]), a0);
                                a1 = v.fma(FloatVector.broadcast(F, sc[(i0 + 1) * tp + j]), a1);
                                a2 = v.fma(FloatVector.broadcast(F, sc[(i0 + 2) * tp + j]), a2);
                                a3 = v.fma(FloatVector.broadcast(F, sc[(i0 + 3) * tp + j]), a3);
                            }
                            a0.intoArray(ctx, co + c0);
                            a1.intoArray(ctx, co + e + c0);
                            a2.intoArray(ctx, co + 2 * e + c0);
                            a3.intoArray(ctx, co + 3 * e + c0);
                        }
                    }
                    for (int r = 0; r < rows; r++) {
                        int ri = (i0 + r) * tp, cr = co + r * e;
                        for (int c = c0; c < dBound; c += F.length()) {
                            FloatVector acc = FloatVector.zero(F);
                            for (int j = 0; j < vis; j++) {
                                acc = FloatVector.fromArray(F, qkv, vc + j * row + c).fma(FloatVector.broadcast(F, sc[ri + j]), acc);
                            }
                            acc.intoArray(ctx, cr + c);
                        }
                        for (int c = dBound; c < d; c++) {
                            float acc = 0f;
                            for (int j = 0; j < vis; j++) {
                                acc = Math.fma(sc[ri + j], qkv[vc + j * row + c], acc);
                            }
                            ctx[cr + c] = acc;
                        }
                    }
                }
            }
        });
    }

    /**
     * {@link Sequences#attentionBackward}: dP = g Vᵀ as vectors over the keys (Vᵀ copied into
     * [d, T'] as Kᵀ in the forward, four queries at a time), dS = α·P ⊙ (dP − rowsum(dP ⊙ P))
     * kept for the block [T, T'] (0 past each query's keys); then dQ = dS K, dK = dSᵀ Q and
     * dV = Pᵀ g, vectors over the head's columns summed in registers four rows at a time, each
     * written once (no zeroing, no scattered accumulation).
     */
    static void attentionBackward(int n, int t, int heads, int d, float[] qkv, int qo, double alpha, boolean causal,
                                  float[] p, float[] g, int go, float[] dqkv) {
        int e = heads * d, row = 3 * e, tp = padded(t);
        float a = (float) alpha;
        Parallel.forRange(n * heads, Math.max(1, (1 << 13) / Math.max(1, t * t * d)), (from, to) -> {
            float[] vt = new float[d * tp];
            float[] pp = new float[t * tp];
            float[] ds = new float[t * tp];
            float[] lanes = new float[F.length()];
            int dBound = F.loopBound(d), t4 = t / 4 * 4;
            for (int b = from; b < to; b++) {
                int bn = b / heads, hd = b % heads, base = bn * t * row + hd * d;
                int qc = qo + base, kc = qc + e, vc = qc + 2 * e, g0 = go + bn * t * e + hd * d;
                for (int j = 0; j < t; j++) {
                    for (int c = 0; c < d; c++) {
                        vt[c * tp + j] = qkv[vc + j * row + c];
                    }
                }
                for (int i = 0; i < t; i++) {
                    System.arraycopy(p, (b * t + i) * t, pp, i * tp, t);
                }
                // dP_ij = g_i·v_j, four queries at a time, then one by one.
                for (int i0 = 0; i0 < t4; i0 += 4) {
                    int vis = causal ? i0 + 4 : t, gi = g0 + i0 * e;
                    for (int j0 = 0; j0 < vis; j0 += F.length()) {
                        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                        for (int c = 0; c < d; c++) {
                            FloatVector v = FloatVector.fromArray(F, vt, c * tp + j0);
                            a0 = v.fma(FloatVector.broadcast(F, g[gi + c]), a0);
                            a1 = v.fma(FloatVector.broadcast(F, g[gi + e + c]), a1);
                            a2 = v.fma(FloatVector.broadcast(F, g[gi + 2 * e + c]), a2);
                            a3 = v.fma(FloatVector.broadcast(F, g[gi + 3 * e + c]), a3);
                        }
                        a0.intoArray(ds, i0 * tp + j0);
                        a1.intoArray(ds, (i0 + 1) * tp + j0);
                        a2.intoArray(ds, (i0 + 2) * tp + j0);
                        a3.intoArray(ds, (i0 + 3) * tp + j0);
                    }
                }
                for (int i = t4; i < t; i++) {
                    int vis = causal ? i + 1 : t, gi = g0 + i * e;
                    for (int j0 = 0; j0 < vis; j0 += F.length()) {
                        FloatVector acc = FloatVector.zero(F);
                        for (int c = 0; c < d; c++) {
                            acc = FloatVector.fromArray(F, vt, c * tp + j0).fma(FloatVector.broadcast(F, g[gi + c]), acc);
                        }
                        acc.intoArray(ds, i * tp + j0);
                    }
                }
                // dS = α·P ⊙ (dP − rowsum(dP ⊙ P)), exactly 0 past each query's keys.
                for (int i = 0; i < t; i++) {
                    int visible = causal ? i + 1 : t, ro = i * tp;
                    FloatVector vdot = FloatVector.zero(F);
                    for (int j0 = 0; j0 < visible; j0 += F.length()) {
                        vdot = FloatVector.fromArray(F, ds, ro + j0).fma(FloatVector.fromArray(F, pp, ro + j0), vdot);
                    }
                    float dot = addLanes(vdot, lanes);
                    int j0 = 0;
                    for (; j0 < visible; j0 += F.length()) {
                        FloatVector.fromArray(F, ds, ro + j0).sub(dot).mul(FloatVector.fromArray(F, pp, ro + j0)).mul(a)
                                .intoArray(ds, ro + j0);
                    }
                    java.util.Arrays.fill(ds, ro + Math.min(j0, tp), ro + tp, 0f);
                }
                // dQ_i = Σ_j dS_ij k_j, four queries at a time.
                for (int i0 = 0; i0 < t; i0 += 4) {
                    int rows = Math.min(4, t - i0), vis = causal ? i0 + rows : t, dq = base + i0 * row;
                    int c0 = 0;
                    if (rows == 4) {
                        for (; c0 < dBound; c0 += F.length()) {
                            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                            for (int j = 0; j < vis; j++) {
                                FloatVector k = FloatVector.fromArray(F, qkv, kc + j * row + c0);
                                a0 = k.fma(FloatVector.broadcast(F, ds[i0 * tp + j]), a0);
                                a1 = k.fma(FloatVector.broadcast(F, ds[(i0 + 1) * tp + j]), a1);
                                a2 = k.fma(FloatVector.broadcast(F, ds[(i0 + 2) * tp + j]), a2);
                                a3 = k.fma(FloatVector.broadcast(F, ds[(i0 + 3) * tp + j]), a3);
                            }
                            a0.intoArray(dqkv, dq + c0);
                            a1.intoArray(dqkv, dq + row + c0);
                            a2.intoArray(dqkv, dq + 2 * row + c0);
                            a3.intoArray(dqkv, dq + 3 * row + c0);
                        }
                    }
                    for (int r = 0; r < rows; r++) {
                        int ri = (i0 + r) * tp, o = dq + r * row;
                        for (int c = c0; c < dBound; c += F.length()) {
                            FloatVector acc = FloatVector.zero(F);
                            for (int j = 0; j < vis; j++) {
                                acc = FloatVector.fromArray(F, qkv, kc + j * row + c).fma(FloatVector.broadcast(F, ds[ri + j]), acc);
                            }
                            acc.intoArray(dqkv, o + c);
                        }
                        for (int c = dBound; c < d; c++) {
                            float acc = 0f;
                            for (int j = 0; j < vis; j++) {
                                acc = Math.fma(ds[ri + j], qkv[kc + j * row + c], acc);
                            }
                            dqkv[o + c] = acc;
                        }
                    }
                }
                // dK_j = Σ_i dS_ij q_i and dV_j = Σ_i P_ij g_i over the queries that see key j, four keys at a time.
                for (int j0 = 0; j0 < t; j0 += 4) {
                    int keys = Math.min(4, t - j0), first = causal ? j0 : 0, dk = base + j0 * row + e;
                    int c0 = 0;
                    if (keys == 4) {
                        for (; c0 < dBound; c0 += F.length()) {
                            FloatVector k0 = FloatVector.zero(F), k1 = k0, k2 = k0, k3 = k0, v0 = k0, v1 = k0, v2 = k0, v3 = k0;
                            for (int i = first; i < t; i++) {
                                FloatVector q = FloatVector.fromArray(F, qkv, qc + i * row + c0);
                                FloatVector gv = FloatVector.fromArray(F, g, g0 + i * e + c0);
                                int ri = i * tp + j0;
                                k0 = q.fma(FloatVector.broadcast(F, ds[ri]), k0);
                                k1 = q.fma(FloatVector.broadcast(F, ds[ri + 1]), k1);
                                k2 = q.fma(FloatVector.broadcast(F, ds[ri + 2]), k2);
                                k3 = q.fma(FloatVector.broadcast(F, ds[ri + 3]), k3);
                                v0 = gv.fma(FloatVector.broadcast(F, pp[ri]), v0);
                                v1 = gv.fma(FloatVector.broadcast(F, pp[ri + 1]), v1);
                                v2 = gv.fma(FloatVector.broadcast(F, pp[ri + 2]), v2);
                                v3 = gv.fma(FloatVector.broadcast(F, pp[ri + 3]), v3);
                            }
                            k0.intoArray(dqkv, dk + c0);
                            k1.intoArray(dqkv, dk + row + c0);
                            k2.intoArray(dqkv, dk + 2 * row + c0);
                            k3.intoArray(dqkv, dk + 3 * row + c0);
                            v0.intoArray(dqkv, dk + e + c0);
                            v1.intoArray(dqkv, dk + row + e + c0);
                            v2.intoArray(dqkv, dk + 2 * row + e + c0);
                            v3.intoArray(dqkv, dk + 3 * row + e + c0);
                        }
                    }
                    for (int r = 0; r < keys; r++) {
                        int j = j0 + r, o = dk + r * row;
                        for (int c = c0; c < dBound; c += F.length()) {
                            FloatVector ak = FloatVector.zero(F), av = ak;
                            for (int i = first; i < t; i++) {
                                ak = FloatVector.fromArray(F, qkv, qc + i * row + c).fma(FloatVector.broadcast(F, ds[i * tp + j]), ak);
                                av = FloatVector.fromArray(F, g, g0 + i * e + c).fma(FloatVector.broadcast(F, pp[i * tp + j]), av);
                            }
                            ak.intoArray(dqkv, o + c);
                            av.intoArray(dqkv, o + e + c);
                        }
                        for (int c = dBound; c < d; c++) {
                            float ak = 0f, av = 0f;
                            for (int i = first; i < t; i++) {
                                ak = Math.fma(ds[i * tp + j], qkv[qc + i * row + c], ak);
                                av = Math.fma(pp[i * tp + j], g[g0 + i * e + c], av);
                            }
                            dqkv[o + c] = ak;
                            dqkv[o + e + c] = av;
                        }
                    }
                }
            }
        });
    }
}
