package io.backprop4j.internal.kernel;

/**
 * Row kernels of the sequence layers, on contiguous rows of length d:
 *
 * <pre>
 *   layer norm:  y = (x − μ)·ρ·γ + β,   μ = mean(x),  ρ = 1/√(var(x) + ε)  (biased variance, per row)
 *                dx = ρ·(gγ − mean(gγ) − x̂·mean(gγ·x̂)),  dγ = Σ_rows g·x̂,  dβ = Σ_rows g,  x̂ = (x − μ)·ρ
 *   attention softmax of one [T, S] block of scores x:
 *                y_ij = exp(α·x_ij − m_i) / Σ_j' exp(α·x_ij' − m_i) over the keys j not masked, 0 at masked ones
 *                dx_ij = α·y_ij·(g_ij − Σ_j' g_ij'·y_ij')
 * </pre>
 *
 * For the softmax a key j is masked when {@code causal} and j > i + (S − T) (a query sees the
 * keys up to its own position), or when {@code mask[..]} is true; a row with every key masked
 * gives NaN, as PyTorch's {@code -inf} masks do. Rows are spread over {@link Parallel}. The float32
 * layer norm and self-attention run as {@link SequencesVector} when the Vector API is there
 * (float32 sums), else as the scalar loops below, which sum statistics in float64 and are also
 * the float64 kernels.
 */
public final class Sequences {
    private Sequences() {
    }

    /** Rows per task handed to another thread: about 16k elements. */
    static int grain(int d) {
        return Math.max(1, (1 << 14) / Math.max(d, 1));
    }

    /**
     * Layer norm of {@code rows} rows of x (from xo) into y (from 0); writes mean and rstd per
     * row. γ, β may be null. Float32 runs on the Vector API where it is available.
     */
    public static void layerNorm(int rows, int d, float[] x, int xo, float[] w, int wo, float[] b, int bo, double eps,
                                 float[] y, double[] mean, double[] rstd) {
        if (Simd.AVAILABLE) {
            SequencesVector.layerNorm(rows, d, x, xo, w, wo, b, bo, eps, y, mean, rstd);
        } else {
            layerNormLoops(rows, d, x, xo, w, wo, b, bo, eps, y, mean, rstd);
        }
    }

    /** The float64 {@link #layerNorm(int, int, float[], int, float[], int, float[], int, double, float[], double[], double[])}. */
    public static void layerNorm(int rows, int d, double[] x, int xo, double[] w, int wo, double[] b, int bo, double eps,
                                 double[] y, double[] mean, double[] rstd) {
        layerNormLoops(rows, d, x, xo, w, wo, b, bo, eps, y, mean, rstd);
    }

    /**
     * The layer norm's backward: dx (from 0, overwritten; null for none), dw and db (sums over
     * the rows, overwritten; null for none), given g (from go) and the forward's mean and rstd.
     */
    public static void layerNormBackward(int rows, int d, float[] x, int xo, float[] g, int go, float[] w, int wo,
                                         double[] mean, double[] rstd, float[] dx, double[] dw, double[] db) {
        if (Simd.AVAILABLE) {
            SequencesVector.layerNormBackward(rows, d, x, xo, g, go, w, wo, mean, rstd, dx, dw, db);
        } else {
            layerNormBackwardLoops(rows, d, x, xo, g, go, w, wo, mean, rstd, dx, dw, db);
        }
    }

    /** The float64 {@link #layerNormBackward(int, int, float[], int, float[], int, float[], int, double[], double[], float[], double[], double[])}. */
    public static void layerNormBackward(int rows, int d, double[] x, int xo, double[] g, int go, double[] w, int wo,
                                         double[] mean, double[] rstd, double[] dx, double[] dw, double[] db) {
        layerNormBackwardLoops(rows, d, x, xo, g, go, w, wo, mean, rstd, dx, dw, db);
    }

    /**
     * Multi-head self-attention of packed projections, forward: for each sample b and head h,
     * ctx_b[:, h] = softmax(α·Q Kᵀ + M) V with Q, K, V the head's d columns of the q, k and v
     * parts of qkv [N, T, 3E] (q in columns [0, E), k in [E, 2E), v in [2E, 3E); head h in columns
     * [h·d, (h+1)·d) of each part; E = heads·d; contiguous from qo), M = −∞ above the diagonal
     * when {@code causal}. Writes the attention weights p [N, heads, T, T] (0 at masked keys) and
     * ctx [N, T, E], both from 0, every element. Samples·heads blocks are spread over
     * {@link Parallel}; each is computed alone, so the bits do not depend on the threads.
     * Float32 runs on the Vector API where it is available.
     */
    public static void attention(int n, int t, int heads, int d, float[] qkv, int qo, double alpha, boolean causal,
                                 float[] p, float[] ctx) {
        if (Simd.AVAILABLE) {
            SequencesVector.attention(n, t, heads, d, qkv, qo, alpha, causal, p, ctx);
        } else {
            attentionLoops(n, t, heads, d, qkv, qo, alpha, causal, p, ctx);
        }
    }

    /** The float64 {@link #attention(int, int, int, int, float[], int, double, boolean, float[], float[])}. */
    public static void attention(int n, int t, int heads, int d, double[] qkv, int qo, double alpha, boolean causal,
                                 double[] p, double[] ctx) {
        attentionLoops(n, t, heads, d, qkv, qo, alpha, causal, p, ctx);
    }

    /**
     * {@link #attention}'s backward, given g = dL/dctx [N, T, E] (contiguous from go) and the
     * weights p: with dP = g Vᵀ and dS = α·P ⊙ (dP − rowsum(dP ⊙ P)), writes dqkv [N, T, 3E]
     * (from 0, every element): dQ = dS K, dK = dSᵀ Q, dV = Pᵀ g in the q, k and v columns.
     */
    public static void attentionBackward(int n, int t, int heads, int d, float[] qkv, int qo, double alpha, boolean causal,
                                         float[] p, float[] g, int go, float[] dqkv) {
        if (Simd.AVAILABLE) {
            SequencesVector.attentionBackward(n, t, heads, d, qkv, qo, alpha, causal, p, g, go, dqkv);
        } else {
            attentionBackwardLoops(n, t, heads, d, qkv, qo, alpha, causal, p, g, go, dqkv);
        }
    }

    /** The float64 {@link #attentionBackward(int, int, int, int, float[], int, double, boolean, float[], float[], int, float[])}. */
    public static void attentionBackward(int n, int t, int heads, int d, double[] qkv, int qo, double alpha, boolean causal,
                                         double[] p, double[] g, int go, double[] dqkv) {
        attentionBackwardLoops(n, t, heads, d, qkv, qo, alpha, causal, p, g, go, dqkv);
    }

    // twin: float32 source
    /** {@link #layerNorm} as scalar loops, the statistics in float64: the float64 kernel, and float32's without the Vector API. */
    static void layerNormLoops(int rows, int d, float[] x, int xo, float[] w, int wo, float[] b, int bo, double eps,
                                 float[] y, double[] mean, double[] rstd) {
        Parallel.forRange(rows, grain(d), (from, to) -> {
            for (int r = from; r < to; r++) {
                int at = xo + r * d, yo = r * d;
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += x[at + j];
                }
                double m = s / d;
                double q = 0;
                for (int j = 0; j < d; j++) {
                    double v = x[at + j] - m;
                    q += v * v;
                }
                double rs = 1 / Math.sqrt(q / d + eps);
                mean[r] = m;
                rstd[r] = rs;
                for (int j = 0; j < d; j++) {
                    double v = (x[at + j] - m) * rs;
                    if (w != null) {
                        v *= w[wo + j];
                    }
                    if (b != null) {
                        v += b[bo + j];
                    }
                    y[yo + j] = (float) v;
                }
            }
        });
    }

    /** {@link #layerNormBackward} as scalar loops, the sums in float64. */
    static void layerNormBackwardLoops(int rows, int d, float[] x, int xo, float[] g, int go, float[] w, int wo,
                                         double[] mean, double[] rstd, float[] dx, double[] dw, double[] db) {
        if (dx != null) {
            Parallel.forRange(rows, grain(d), (from, to) -> {
                for (int r = from; r < to; r++) {
                    int at = xo + r * d, gi = go + r * d, o = r * d;
                    double m = mean[r], rs = rstd[r], sg = 0, sgx = 0;
                    for (int j = 0; j < d; j++) {
                        double gw = w == null ? g[gi + j] : (double) g[gi + j] * w[wo + j];
                        sg += gw;
                        sgx += gw * (x[at + j] - m) * rs;
                    }
                    sg /= d;
                    sgx /= d;
                    for (int j = 0; j < d; j++) {
                        double gw = w == null ? g[gi + j] : (double) g[gi + j] * w[wo + j];
                        dx[o + j] = (float) (rs * (gw - sg - (x[at + j] - m) * rs * sgx));
                    }
                }
            });
        }
        if (dw != null) {
            java.util.Arrays.fill(dw, 0, d, 0);
        }
        if (db != null) {
            java.util.Arrays.fill(db, 0, d, 0);
        }
        if (dw == null && db == null) {
            return;
        }
        for (int r = 0; r < rows; r++) {
            int at = xo + r * d, gi = go + r * d;
            double m = mean[r], rs = rstd[r];
            for (int j = 0; j < d; j++) {
                if (dw != null) {
                    dw[j] += g[gi + j] * (x[at + j] - m) * rs;
                }
                if (db != null) {
                    db[j] += g[gi + j];
                }
            }
        }
    }

    /**
     * The attention softmax of {@code blocks} [t, s] blocks of scores x (from 0) into y (from 0),
     * scale {@code alpha}; {@code mask} (null for none) holds one flag per score when
     * {@code maskBlock} is t·s, or one [t, s] block shared by all when it is 0.
     */
    public static void attentionSoftmax(int blocks, int t, int s, float[] x, double alpha, boolean causal,
                                        boolean[] mask, int maskBlock, float[] y) {
        Parallel.forRange(blocks * t, grain(s), (from, to) -> {
            for (int row = from; row < to; row++) {
                int blk = row / t, i = row % t, at = row * s, mo = blk * maskBlock + i * s;
                int visible = causal ? Math.min(s, i + (s - t) + 1) : s;
                double m = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < visible; j++) {
                    if (mask == null || !mask[mo + j]) {
                        m = Math.max(m, alpha * x[at + j]);
                    }
                }
                double sum = 0;
                for (int j = 0; j < s; j++) {
                    double e = j >= visible || (mask != null && mask[mo + j]) ? 0 : Math.exp(alpha * x[at + j] - m);
                    y[at + j] = (float) e;
                    sum += e;
                }
                // Every key masked: 0/0, NaN, as in PyTorch.
                double inv = 1 / sum;
                for (int j = 0; j < s; j++) {
                    y[at + j] = sum == 0 ? Float.NaN : (float) (y[at + j] * inv);
                }
            }
        });
    }

    /** The attention softmax's backward: dx = α·y ⊙ (g − Σ_j g_j y_j) per row of s (all from 0; dx overwritten). */
    public static void attentionSoftmaxBackward(int rows, int s, float[] y, float[] g, double alpha, float[] dx) {
        Parallel.forRange(rows, grain(s), (from, to) -> {
            for (int row = from; row < to; row++) {
                int at = row * s;
                double dot = 0;
                for (int j = 0; j < s; j++) {
                    dot += (double) g[at + j] * y[at + j];
                }
                for (int j = 0; j < s; j++) {
                    dx[at + j] = (float) (alpha * y[at + j] * (g[at + j] - dot));
                }
            }
        });
    }

    /** {@link #attention} as scalar loops (the inner ones through {@link Activations#axpy}). */
    static void attentionLoops(int n, int t, int heads, int d, float[] qkv, int qo, double alpha, boolean causal,
                                 float[] p, float[] ctx) {
        int e = heads * d, row = 3 * e;
        float a = (float) alpha;
        Parallel.forRange(n * heads, Math.max(1, (1 << 14) / Math.max(1, t * t * d)), (from, to) -> {
            float[] kt = new float[d * t];
            float[] s = new float[t];
            for (int b = from; b < to; b++) {
                int bn = b / heads, hd = b % heads, base = qo + bn * t * row;
                int qc = base + hd * d, kc = qc + e, vc = qc + 2 * e;
                // Kᵀ [d, T]: the scores of one query are then d passes over contiguous rows.
                for (int j = 0; j < t; j++) {
                    for (int c = 0; c < d; c++) {
                        kt[c * t + j] = qkv[kc + j * row + c];
                    }
                }
                for (int i = 0; i < t; i++) {
                    int visible = causal ? i + 1 : t, po = (b * t + i) * t, co = (bn * t + i) * e + hd * d;
                    // All T keys (whole vectors); the masked ones are then left out.
                    java.util.Arrays.fill(s, 0f);
                    for (int c = 0; c < d; c++) {
                        Activations.axpy(t, qkv[qc + i * row + c], kt, c * t, s, 0);
                    }
                    float m = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < visible; j++) {
                        s[j] *= a;
                        m = Math.max(m, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < visible; j++) {
                        s[j] = Activations.exp(s[j] - m);
                        sum += s[j];
                    }
                    float inv = (float) (1 / sum);
                    for (int j = 0; j < visible; j++) {
                        p[po + j] = s[j] * inv;
                    }
                    java.util.Arrays.fill(p, po + visible, po + t, 0f);
                    java.util.Arrays.fill(ctx, co, co + d, 0f);
                    for (int j = 0; j < visible; j++) {
                        Activations.axpy(d, p[po + j], qkv, vc + j * row, ctx, co);
                    }
                }
            }
        });
    }

    /** {@link #attentionBackward} as scalar loops. */
    static void attentionBackwardLoops(int n, int t, int heads, int d, float[] qkv, int qo, double alpha, boolean causal,
                                         float[] p, float[] g, int go, float[] dqkv) {
        int e = heads * d, row = 3 * e;
        float a = (float) alpha;
        Parallel.forRange(n * heads, Math.max(1, (1 << 13) / Math.max(1, t * t * d)), (from, to) -> {
            float[] vt = new float[d * t];
            float[] ds = new float[t];
            for (int b = from; b < to; b++) {
                int bn = b / heads, hd = b % heads, base = bn * t * row + hd * d;
                int qc = qo + base, kc = qc + e, vc = qc + 2 * e;
                for (int j = 0; j < t; j++) {
                    for (int c = 0; c < d; c++) {
                        vt[c * t + j] = qkv[vc + j * row + c];
                        dqkv[base + j * row + c] = 0f;
                        dqkv[base + j * row + e + c] = 0f;
                        dqkv[base + j * row + 2 * e + c] = 0f;
                    }
                }
                for (int i = 0; i < t; i++) {
                    int visible = causal ? i + 1 : t, po = (b * t + i) * t, gi = go + (bn * t + i) * e + hd * d;
                    java.util.Arrays.fill(ds, 0f);
                    for (int c = 0; c < d; c++) {
                        Activations.axpy(t, g[gi + c], vt, c * t, ds, 0);
                    }
                    double dot = 0;
                    for (int j = 0; j < visible; j++) {
                        dot += (double) ds[j] * p[po + j];
                    }
                    float dt = (float) dot;
                    for (int j = 0; j < visible; j++) {
                        ds[j] = a * p[po + j] * (ds[j] - dt);
                    }
                    int dq = base + i * row, qi = qc + i * row;
                    for (int j = 0; j < visible; j++) {
                        float sj = ds[j], pj = p[po + j];
                        int kr = kc + j * row, dk = base + j * row + e, dv = dk + e;
                        Activations.axpy(d, sj, qkv, kr, dqkv, dq);
                        Activations.axpy(d, sj, qkv, qi, dqkv, dk);
                        Activations.axpy(d, pj, g, gi, dqkv, dv);
                    }
                }
            }
        });
    }
    // twin: end
    // twin: float64, generated from the float32 source above by tools/codegen/GenerateTwins.java; do not edit
    /** {@link #layerNorm} as scalar loops, the statistics in float64: the float64 kernel, and float64's without the Vector API. */
    static void layerNormLoops(int rows, int d, double[] x, int xo, double[] w, int wo, double[] b, int bo, double eps,
                                 double[] y, double[] mean, double[] rstd) {
        Parallel.forRange(rows, grain(d), (from, to) -> {
            for (int r = from; r < to; r++) {
                int at = xo + r * d, yo = r * d;
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += x[at + j];
                }
                double m = s / d;
                double q = 0;
                for (int j = 0; j < d; j++) {
                    double v = x[at + j] - m;
                    q += v * v;
                }
                double rs = 1 / Math.sqrt(q / d + eps);
                mean[r] = m;
                rstd[r] = rs;
                for (int j = 0; j < d; j++) {
                    double v = (x[at + j] - m) * rs;
                    if (w != null) {
                        v *= w[wo + j];
                    }
                    if (b != null) {
                        v += b[bo + j];
                    }
                    y[yo + j] = (double) v;
                }
            }
        });
    }

    /** {@link #layerNormBackward} as scalar loops, the sums in float64. */
    static void layerNormBackwardLoops(int rows, int d, double[] x, int xo, double[] g, int go, double[] w, int wo,
                                         double[] mean, double[] rstd, double[] dx, double[] dw, double[] db) {
        if (dx != null) {
            Parallel.forRange(rows, grain(d), (from, to) -> {
                for (int r = from; r < to; r++) {
                    int at = xo + r * d, gi = go + r * d, o = r * d;
                    double m = mean[r], rs = rstd[r], sg = 0, sgx = 0;
                    for (int j = 0; j < d; j++) {
                        double gw = w == null ? g[gi + j] : (double) g[gi + j] * w[wo + j];
                        sg += gw;
                        sgx += gw * (x[at + j] - m) * rs;
                    }
                    sg /= d;
                    sgx /= d;
                    for (int j = 0; j < d; j++) {
                        double gw = w == null ? g[gi + j] : (double) g[gi + j] * w[wo + j];
                        dx[o + j] = (double) (rs * (gw - sg - (x[at + j] - m) * rs * sgx));
                    }
                }
            });
        }
        if (dw != null) {
            java.util.Arrays.fill(dw, 0, d, 0);
        }
        if (db != null) {
            java.util.Arrays.fill(db, 0, d, 0);
        }
        if (dw == null && db == null) {
            return;
        }
        for (int r = 0; r < rows; r++) {
            int at = xo + r * d, gi = go + r * d;
            double m = mean[r], rs = rstd[r];
            for (int j = 0; j < d; j++) {
                if (dw != null) {
                    dw[j] += g[gi + j] * (x[at + j] - m) * rs;
                }
                if (db != null) {
                    db[j] += g[gi + j];
                }
            }
        }
    }

    /**
     * The attention softmax of {@code blocks} [t, s] blocks of scores x (from 0) into y (from 0),
     * scale {@code alpha}; {@code mask} (null for none) holds one flag per score when
     * {@code maskBlock} is t·s, or one [t, s] block shared by all when it is 0.
     */
    public static void attentionSoftmax(int blocks, int t, int s, double[] x, double alpha, boolean causal,
                                        boolean[] mask, int maskBlock, double[] y) {
        Parallel.forRange(blocks * t, grain(s), (from, to) -> {
            for (int row = from; row < to; row++) {
                int blk = row / t, i = row % t, at = row * s, mo = blk * maskBlock + i * s;
                int visible = causal ? Math.min(s, i + (s - t) + 1) : s;
                double m = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < visible; j++) {
                    if (mask == null || !mask[mo + j]) {
                        m = Math.max(m, alpha * x[at + j]);
                    }
                }
                double sum = 0;
                for (int j = 0; j < s; j++) {
                    double e = j >= visible || (mask != null && mask[mo + j]) ? 0 : Math.exp(alpha * x[at + j] - m);
                    y[at + j] = (double) e;
                    sum += e;
                }
                // Every key masked: 0/0, NaN, as in PyTorch.
                double inv = 1 / sum;
                for (int j = 0; j < s; j++) {
                    y[at + j] = sum == 0 ? Double.NaN : (double) (y[at + j] * inv);
                }
            }
        });
    }

    /** The attention softmax's backward: dx = α·y ⊙ (g − Σ_j g_j y_j) per row of s (all from 0; dx overwritten). */
    public static void attentionSoftmaxBackward(int rows, int s, double[] y, double[] g, double alpha, double[] dx) {
        Parallel.forRange(rows, grain(s), (from, to) -> {
            for (int row = from; row < to; row++) {
                int at = row * s;
                double dot = 0;
                for (int j = 0; j < s; j++) {
                    dot += (double) g[at + j] * y[at + j];
                }
                for (int j = 0; j < s; j++) {
                    dx[at + j] = (double) (alpha * y[at + j] * (g[at + j] - dot));
                }
            }
        });
    }

    /** {@link #attention} as scalar loops (the inner ones through {@link Activations#axpy}). */
    static void attentionLoops(int n, int t, int heads, int d, double[] qkv, int qo, double alpha, boolean causal,
                                 double[] p, double[] ctx) {
        int e = heads * d, row = 3 * e;
        double a = (double) alpha;
        Parallel.forRange(n * heads, Math.max(1, (1 << 14) / Math.max(1, t * t * d)), (from, to) -> {
            double[] kt = new double[d * t];
            double[] s = new double[t];
            for (int b = from; b < to; b++) {
                int bn = b / heads, hd = b % heads, base = qo + bn * t * row;
                int qc = base + hd * d, kc = qc + e, vc = qc + 2 * e;
                // Kᵀ [d, T]: the scores of one query are then d passes over contiguous rows.
                for (int j = 0; j < t; j++) {
                    for (int c = 0; c < d; c++) {
                        kt[c * t + j] = qkv[kc + j * row + c];
                    }
                }
                for (int i = 0; i < t; i++) {
                    int visible = causal ? i + 1 : t, po = (b * t + i) * t, co = (bn * t + i) * e + hd * d;
                    // All T keys (whole vectors); the masked ones are then left out.
                    java.util.Arrays.fill(s, 0d);
                    for (int c = 0; c < d; c++) {
                        Activations.axpy(t, qkv[qc + i * row + c], kt, c * t, s, 0);
                    }
                    double m = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < visible; j++) {
                        s[j] *= a;
                        m = Math.max(m, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < visible; j++) {
                        s[j] = Activations.exp(s[j] - m);
                        sum += s[j];
                    }
                    double inv = (double) (1 / sum);
                    for (int j = 0; j < visible; j++) {
                        p[po + j] = s[j] * inv;
                    }
                    java.util.Arrays.fill(p, po + visible, po + t, 0d);
                    java.util.Arrays.fill(ctx, co, co + d, 0d);
                    for (int j = 0; j < visible; j++) {
                        Activations.axpy(d, p[po + j], qkv, vc + j * row, ctx, co);
                    }
                }
            }
        });
    }

    /** {@link #attentionBackward} as scalar loops. */
    static void attentionBackwardLoops(int n, int t, int heads, int d, double[] qkv, int qo, double alpha, boolean causal,
                                         double[] p, double[] g, int go, double[] dqkv) {
        int e = heads * d, row = 3 * e;
        double a = (double) alpha;
        Parallel.forRange(n * heads, Math.max(1, (1 << 13) / Math.max(1, t * t * d)), (from, to) -> {
            double[] vt = new double[d * t];
            double[] ds = new double[t];
            for (int b = from; b < to; b++) {
                int bn = b / heads, hd = b % heads, base = bn * t * row + hd * d;
                int qc = qo + base, kc = qc + e, vc = qc + 2 * e;
                for (int j = 0; j < t; j++) {
                    for (int c = 0; c < d; c++) {
                        vt[c * t + j] = qkv[vc + j * row + c];
                        dqkv[base + j * row + c] = 0d;
                        dqkv[base + j * row + e + c] = 0d;
                        dqkv[base + j * row + 2 * e + c] = 0d;
                    }
                }
                for (int i = 0; i < t; i++) {
                    int visible = causal ? i + 1 : t, po = (b * t + i) * t, gi = go + (bn * t + i) * e + hd * d;
                    java.util.Arrays.fill(ds, 0d);
                    for (int c = 0; c < d; c++) {
                        Activations.axpy(t, g[gi + c], vt, c * t, ds, 0);
                    }
                    double dot = 0;
                    for (int j = 0; j < visible; j++) {
                        dot += (double) ds[j] * p[po + j];
                    }
                    double dt = (double) dot;
                    for (int j = 0; j < visible; j++) {
                        ds[j] = a * p[po + j] * (ds[j] - dt);
                    }
                    int dq = base + i * row, qi = qc + i * row;
                    for (int j = 0; j < visible; j++) {
                        double sj = ds[j], pj = p[po + j];
                        int kr = kc + j * row, dk = base + j * row + e, dv = dk + e;
                        Activations.axpy(d, sj, qkv, kr, dqkv, dq);
                        Activations.axpy(d, sj, qkv, qi, dqkv, dk);
                        Activations.axpy(d, pj, g, gi, dqkv, dv);
                    }
                }
            }
        });
    }
    // twin: end
}
