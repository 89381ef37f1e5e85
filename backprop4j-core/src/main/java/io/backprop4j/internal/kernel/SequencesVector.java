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
        // In registers: lane i of v + v.slice(w) is lanes[i] + lanes[i + w] for i < w, the same sums.
        for (int w = F.length() / 2; w >= 1; w /= 2) {
            v = v.add(v.slice(w));
        }
        return v.lane(0);
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
     * {@link Sequences#attention}: per sample and head ({@link #attentionBlock}), Qᵀ is copied
     * into [d, T'] (T' = T in whole vectors, zero beyond T), so that the scores of one key
     * against a vector of queries are one vector summed over the d columns in registers; the
     * softmax over the keys then runs across those vectors ({@link #softmaxColumns}): maxima,
     * exponentials and sums lane by lane, a vector of queries at once, with no reduction across
     * lanes. The context of four queries, vectors over the head's columns, is summed over the
     * keys in registers. Masked keys have weight 0 exactly.
     *
     * <p>Each phase is its own method that takes arrays: in one large body C2 stopped inlining
     * (its node budget), and every vector passed to a call it did not inline (the exponential,
     * the lane sums) was boxed, 690 KB a call at [64, 16, 4 heads of 16].
     */
    static void attention(int n, int t, int heads, int d, float[] qkv, int qo, double alpha, boolean causal,
                          float[] p, float[] ctx) {
        int tp = padded(t);
        float a = (float) alpha;
        Parallel.forRange(n * heads, Math.max(1, (1 << 14) / Math.max(1, t * t * d)), (from, to) -> {
            float[] qt = new float[d * tp];
            float[] st = new float[t * F.length()];
            float[] m = new float[F.length()];
            for (int b = from; b < to; b++) {
                attentionBlock(b, t, heads, d, qkv, qo, a, causal, p, ctx, qt, st, m);
            }
        });
    }

    /**
     * Block b (sample b / heads, head b % heads) of {@link #attention}: its weights into p, its
     * context into ctx; qt [d, T'] (zero past T), st [T, lanes] and m [lanes] its scratch.
     */
    private static void attentionBlock(int b, int t, int heads, int d, float[] qkv, int qo, float a, boolean causal,
                                       float[] p, float[] ctx, float[] qt, float[] st, float[] m) {
        int e = heads * d, row = 3 * e, tp = padded(t);
        int bn = b / heads, hd = b % heads, qc = qo + bn * t * row + hd * d;
        transposeInto(qkv, qc, row, t, d, qt, tp);
        for (int i0 = 0; i0 < t; i0 += F.length()) {
            int keys = causal ? Math.min(t, i0 + F.length()) : t;
            scoreColumns(qkv, qc + e, row, keys, d, qt, tp, i0, a, causal, st, m);
            softmaxColumns(st, keys, m);
            int po = b * t * t;
            for (int r = 0, rows = Math.min(F.length(), t - i0); r < rows; r++) {
                int pi = po + (i0 + r) * t;
                for (int j = 0; j < keys; j++) {
                    p[pi + j] = st[j * F.length() + r];
                }
                java.util.Arrays.fill(p, pi + keys, pi + t, 0f);
            }
        }
        weightedRows(p, b * t * t, t, qkv, qc + 2 * e, row, t, d, causal, ctx, (bn * t) * e + hd * d, e);
    }

    /**
     * st[j·lanes + r] = α·(q_{i0+r} · k_j) for the keys j < keys (k_j = k[ko + j·ldk, +d)), −∞
     * where causal and j > i0 + r; m gets each lane's maximum over j.
     */
    private static void scoreColumns(float[] k, int ko, int ldk, int keys, int d, float[] qt, int tp, int i0, float a,
                                     boolean causal, float[] st, float[] m) {
        FloatVector max = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < keys; j++) {
            FloatVector acc = FloatVector.zero(F);
            int kj = ko + j * ldk;
            for (int c = 0; c < d; c++) {
                acc = FloatVector.fromArray(F, qt, c * tp + i0).fma(FloatVector.broadcast(F, k[kj + c]), acc);
            }
            acc = acc.mul(a);
            if (causal && j > i0) {
                acc = acc.blend(Float.NEGATIVE_INFINITY, F.indexInRange(0, j - i0));   // lanes r < j − i0: queries before key j
            }
            acc.intoArray(st, j * F.length());
            max = max.max(acc);
        }
        max.intoArray(m, 0);
    }

    /** Columns of st [keys, lanes] in place: exp(s − m) / Σ_j exp(s − m), lane by lane, the sum in key order. */
    private static void softmaxColumns(float[] st, int keys, float[] m) {
        FloatVector max = FloatVector.fromArray(F, m, 0), sum = FloatVector.zero(F);
        for (int j = 0; j < keys; j++) {
            FloatVector ex = ActivationsVector.exp(FloatVector.fromArray(F, st, j * F.length()).sub(max));
            sum = sum.add(ex);
            ex.intoArray(st, j * F.length());
        }
        FloatVector inv = FloatVector.broadcast(F, 1f).div(sum);
        for (int j = 0; j < keys; j++) {
            FloatVector.fromArray(F, st, j * F.length()).mul(inv).intoArray(st, j * F.length());
        }
    }

    /** mt[c·tp + j] = m[mo + j·ld + c] for j < t, c < d: the d columns of t stored rows, transposed. */
    private static void transposeInto(float[] m, int mo, int ld, int t, int d, float[] mt, int tp) {
        for (int j = 0; j < t; j++) {
            for (int c = 0; c < d; c++) {
                mt[c * tp + j] = m[mo + j * ld + c];
            }
        }
    }

    /**
     * out[i·tp + j] = α·(x_i · y_j) for the rows x_i = x[xo + i·ldx, +d) and the columns of yt
     * [d, tp] (y transposed), i < t, as vectors over j up to each row's keys (i + 1 when causal,
     * else t) in whole vectors; four rows at a time, then one by one.
     */
    private static void products(float[] x, int xo, int ldx, int t, int d, float[] yt, int tp, float a, boolean causal, float[] out) {
        int t4 = t / 4 * 4;
        for (int i0 = 0; i0 < t4; i0 += 4) {
            int vis = causal ? i0 + 4 : t, x0 = xo + i0 * ldx;
            for (int j0 = 0; j0 < vis; j0 += F.length()) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (int c = 0; c < d; c++) {
                    FloatVector y = FloatVector.fromArray(F, yt, c * tp + j0);
                    a0 = y.fma(FloatVector.broadcast(F, x[x0 + c]), a0);
                    a1 = y.fma(FloatVector.broadcast(F, x[x0 + ldx + c]), a1);
                    a2 = y.fma(FloatVector.broadcast(F, x[x0 + 2 * ldx + c]), a2);
                    a3 = y.fma(FloatVector.broadcast(F, x[x0 + 3 * ldx + c]), a3);
                }
                a0.mul(a).intoArray(out, i0 * tp + j0);
                a1.mul(a).intoArray(out, (i0 + 1) * tp + j0);
                a2.mul(a).intoArray(out, (i0 + 2) * tp + j0);
                a3.mul(a).intoArray(out, (i0 + 3) * tp + j0);
            }
        }
        for (int i = t4; i < t; i++) {
            int vis = causal ? i + 1 : t, xi = xo + i * ldx;
            for (int j0 = 0; j0 < vis; j0 += F.length()) {
                FloatVector acc = FloatVector.zero(F);
                for (int c = 0; c < d; c++) {
                    acc = FloatVector.fromArray(F, yt, c * tp + j0).fma(FloatVector.broadcast(F, x[xi + c]), acc);
                }
                acc.mul(a).intoArray(out, i * tp + j0);
            }
        }
    }

    /**
     * out[oo + i·ldo + c] = Σ_j w[wo + i·tp + j]·y[yo + j·ldy + c] for i < t, c < d, over the keys j
     * that row i sees (j ≤ i when causal, else j < t); vectors over c, four rows at a time.
     */
    private static void weightedRows(float[] w, int wo, int tp, float[] y, int yo, int ldy, int t, int d, boolean causal,
                                     float[] out, int oo, int ldo) {
        int dBound = F.loopBound(d);
        for (int i0 = 0; i0 < t; i0 += 4) {
            int rows = Math.min(4, t - i0), vis = causal ? i0 + rows : t, co = oo + i0 * ldo;
            int c0 = 0;
            if (rows == 4) {
                for (; c0 < dBound; c0 += F.length()) {
                    FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                    for (int j = 0; j < vis; j++) {
                        FloatVector v = FloatVector.fromArray(F, y, yo + j * ldy + c0);
                        a0 = v.fma(FloatVector.broadcast(F, w[wo + i0 * tp + j]), a0);
                        a1 = v.fma(FloatVector.broadcast(F, w[wo + (i0 + 1) * tp + j]), a1);
                        a2 = v.fma(FloatVector.broadcast(F, w[wo + (i0 + 2) * tp + j]), a2);
                        a3 = v.fma(FloatVector.broadcast(F, w[wo + (i0 + 3) * tp + j]), a3);
                    }
                    a0.intoArray(out, co + c0);
                    a1.intoArray(out, co + ldo + c0);
                    a2.intoArray(out, co + 2 * ldo + c0);
                    a3.intoArray(out, co + 3 * ldo + c0);
                }
            }
            for (int r = 0; r < rows; r++) {
                int ri = wo + (i0 + r) * tp, cr = co + r * ldo;
                for (int c = c0; c < dBound; c += F.length()) {
                    FloatVector acc = FloatVector.zero(F);
                    for (int j = 0; j < vis; j++) {
                        acc = FloatVector.fromArray(F, y, yo + j * ldy + c).fma(FloatVector.broadcast(F, w[ri + j]), acc);
                    }
                    acc.intoArray(out, cr + c);
                }
                for (int c = dBound; c < d; c++) {
                    float acc = 0f;
                    for (int j = 0; j < vis; j++) {
                        acc = Math.fma(w[ri + j], y[yo + j * ldy + c], acc);
                    }
                    out[cr + c] = acc;
                }
            }
        }
    }

    /**
     * {@link Sequences#attentionBackward}, per sample and head ({@link #attentionBackwardBlock}):
     * dP = g Vᵀ as vectors over the keys (Vᵀ copied into [d, T'] as Kᵀ in the forward, four
     * queries at a time), dS = α·P ⊙ (dP − rowsum(dP ⊙ P)) kept for the block [T, T'] (0 past
     * each query's keys); then dQ = dS K, dK = dSᵀ Q and dV = Pᵀ g, vectors over the head's
     * columns summed in registers four rows at a time, each written once (no zeroing, no
     * scattered accumulation). Phases are methods of arrays, as in {@link #attention}.
     */
    static void attentionBackward(int n, int t, int heads, int d, float[] qkv, int qo, double alpha, boolean causal,
                                  float[] p, float[] g, int go, float[] dqkv) {
        int tp = padded(t);
        float a = (float) alpha;
        Parallel.forRange(n * heads, Math.max(1, (1 << 13) / Math.max(1, t * t * d)), (from, to) -> {
            float[] vt = new float[d * tp];
            float[] pp = new float[t * tp];
            float[] ds = new float[t * tp];
            float[] lanes = new float[F.length()];
            for (int b = from; b < to; b++) {
                attentionBackwardBlock(b, t, heads, d, qkv, qo, a, causal, p, g, go, dqkv, vt, pp, ds, lanes);
            }
        });
    }

    /** Block b of {@link #attentionBackward}; vt [d, T'] (zero past T), pp and ds [T, T'] its scratch. */
    private static void attentionBackwardBlock(int b, int t, int heads, int d, float[] qkv, int qo, float a, boolean causal,
                                               float[] p, float[] g, int go, float[] dqkv, float[] vt, float[] pp, float[] ds,
                                               float[] lanes) {
        int e = heads * d, row = 3 * e, tp = padded(t);
        int bn = b / heads, hd = b % heads, base = bn * t * row + hd * d;
        int qc = qo + base, g0 = go + bn * t * e + hd * d;
        transposeInto(qkv, qc + 2 * e, row, t, d, vt, tp);
        for (int i = 0; i < t; i++) {
            System.arraycopy(p, (b * t + i) * t, pp, i * tp, t);
        }
        products(g, g0, e, t, d, vt, tp, 1f, causal, ds);   // dP_ij = g_i·v_j (times 1: the same bits)
        for (int i = 0; i < t; i++) {
            softmaxGradRow(ds, pp, i * tp, causal ? i + 1 : t, tp, a, lanes);
        }
        weightedRows(ds, 0, tp, qkv, qc + e, row, t, d, causal, dqkv, base, row);   // dQ_i = Σ_j dS_ij k_j
        keyGradients(ds, pp, tp, qkv, qc, row, g, g0, e, t, d, causal, dqkv, base + e);
    }

    /**
     * Row ro of dS = α·P ⊙ (dP − rowsum(dP ⊙ P)) in place of dP (ds), exactly 0 from the
     * row's {@code visible} keys to tp.
     */
    private static void softmaxGradRow(float[] ds, float[] pp, int ro, int visible, int tp, float a, float[] lanes) {
        FloatVector vdot = FloatVector.zero(F);
        for (int j0 = 0; j0 < visible; j0 += F.length()) {
            vdot = FloatVector.fromArray(F, ds, ro + j0).fma(FloatVector.fromArray(F, pp, ro + j0), vdot);
        }
        float dot = addLanes(vdot, lanes);
        int j0 = 0;
        for (; j0 < visible; j0 += F.length()) {
            FloatVector.fromArray(F, ds, ro + j0).sub(dot).mul(FloatVector.fromArray(F, pp, ro + j0)).mul(a).intoArray(ds, ro + j0);
        }
        java.util.Arrays.fill(ds, ro + Math.min(j0, tp), ro + tp, 0f);
    }

    /**
     * dK_j = Σ_i dS_ij q_i and dV_j = Σ_i P_ij g_i over the queries i that see key j (i ≥ j when
     * causal), four keys at a time: dK_j at out[ko + j·row, +d), dV_j e further on.
     */
    private static void keyGradients(float[] ds, float[] pp, int tp, float[] qkv, int qc, int row, float[] g, int g0, int e,
                                     int t, int d, boolean causal, float[] out, int ko) {
        int dBound = F.loopBound(d);
        for (int j0 = 0; j0 < t; j0 += 4) {
            int keys = Math.min(4, t - j0), first = causal ? j0 : 0, dk = ko + j0 * row;
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
                    k0.intoArray(out, dk + c0);
                    k1.intoArray(out, dk + row + c0);
                    k2.intoArray(out, dk + 2 * row + c0);
                    k3.intoArray(out, dk + 3 * row + c0);
                    v0.intoArray(out, dk + e + c0);
                    v1.intoArray(out, dk + row + e + c0);
                    v2.intoArray(out, dk + 2 * row + e + c0);
                    v3.intoArray(out, dk + 3 * row + e + c0);
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
                    ak.intoArray(out, o + c);
                    av.intoArray(out, o + e + c);
                }
                for (int c = dBound; c < d; c++) {
                    float ak = 0f, av = 0f;
                    for (int i = first; i < t; i++) {
                        ak = Math.fma(ds[i * tp + j], qkv[qc + i * row + c], ak);
                        av = Math.fma(pp[i * tp + j], g[g0 + i * e + c], av);
                    }
                    out[o + c] = ak;
                    out[o + e + c] = av;
                }
            }
        }
    }
}
