package io.backprop4j.internal.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.backprop4j.internal.kernel.Recurrent.Cell;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The sequence kernels (Recurrent, Sequences, Gemm's batched products) against plain loops
 * written from the definitions, on odd shapes; the recurrent backward against central
 * differences of the plain-loop forward. Nothing here depends on the vector width or the cores.
 */
class SequenceKernelsTest {

    private static float[] floats(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        return a;
    }

    private static double[] doubles(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    private static void close(String what, double[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Double.isNaN(expected[i]) && Double.isNaN(actual[i])) continue;   // a row with every key masked
            if (!(Math.abs(expected[i] - actual[i]) <= tol * (1 + Math.abs(expected[i])))) {
                fail(what + ": element " + i + " expected " + expected[i] + " but was " + actual[i]);
            }
        }
    }

    private static void close(String what, double[] expected, double[] actual, double tol) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Double.isNaN(expected[i]) && Double.isNaN(actual[i])) continue;   // a row with every key masked
            if (!(Math.abs(expected[i] - actual[i]) <= tol * (1 + Math.abs(expected[i])))) {
                fail(what + ": element " + i + " expected " + expected[i] + " but was " + actual[i]);
            }
        }
    }

    private static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    /** The recurrent layer straight from the formulas, step by step: out [T, N, S] in double. */
    static double[] plainRecurrent(Cell cell, int steps, int n, int in, int hidden, double[] x, double[] h0, double[] c0,
                                   double[] wih, double[] whh, double[] bih, double[] bhh) {
        int g = cell.gates, s = cell.stateWidth(hidden);
        double[] out = new double[steps * n * s];
        double[] h = h0 == null ? new double[n * hidden] : h0.clone();
        double[] c = c0 == null ? new double[n * hidden] : c0.clone();
        for (int t = 0; t < steps; t++) {
            double[] nh = new double[n * hidden];
            for (int b = 0; b < n; b++) {
                double[] xi = new double[g * hidden], hh = new double[g * hidden];
                for (int row = 0; row < g * hidden; row++) {
                    double sx = bih == null ? 0 : bih[row], sh = bhh == null ? 0 : bhh[row];
                    for (int p = 0; p < in; p++) sx += wih[row * in + p] * x[(t * n + b) * in + p];
                    for (int p = 0; p < hidden; p++) sh += whh[row * hidden + p] * h[b * hidden + p];
                    xi[row] = sx;
                    hh[row] = sh;
                }
                for (int j = 0; j < hidden; j++) {
                    double hp = h[b * hidden + j];
                    int o = (t * n + b) * s + j;
                    switch (cell) {
                        case RNN_TANH -> nh[b * hidden + j] = Math.tanh(xi[j] + hh[j]);
                        case LSTM -> {
                            double i = sigmoid(xi[j] + hh[j]), f = sigmoid(xi[hidden + j] + hh[hidden + j]);
                            double gg = Math.tanh(xi[2 * hidden + j] + hh[2 * hidden + j]), og = sigmoid(xi[3 * hidden + j] + hh[3 * hidden + j]);
                            double cn = f * c[b * hidden + j] + i * gg;
                            c[b * hidden + j] = cn;
                            nh[b * hidden + j] = og * Math.tanh(cn);
                            out[o + hidden] = cn;
                        }
                        case GRU -> {
                            double rr = sigmoid(xi[j] + hh[j]), z = sigmoid(xi[hidden + j] + hh[hidden + j]);
                            double nn = Math.tanh(xi[2 * hidden + j] + rr * hh[2 * hidden + j]);
                            nh[b * hidden + j] = (1 - z) * nn + z * hp;
                        }
                    }
                    out[o] = nh[b * hidden + j];
                }
            }
            h = nh;
        }
        return out;
    }

    private static final int[][] SHAPES = {{1, 1, 1, 1}, {3, 5, 2, 3}, {7, 1, 4, 5}, {2, 3, 1, 1}, {5, 2, 3, 4}, {4, 9, 17, 13}};

    @Test
    void recurrentForwardMatchesPlainLoops() {
        var rng = new SplittableRandom(160);
        int count = 0;
        for (Cell cell : Cell.values()) {
            for (int[] sh : SHAPES) {
                for (int variant = 0; variant < 2; variant++) {
                    int steps = sh[0], n = sh[1], in = sh[2], hidden = sh[3], gh = cell.gates * hidden, s = cell.stateWidth(hidden);
                    boolean state = variant == 0;
                    float[] x = floats(rng, steps * n * in, 1), wih = floats(rng, gh * in, 0.7), whh = floats(rng, gh * hidden, 0.7);
                    float[] bih = state ? floats(rng, gh, 0.5) : null, bhh = state ? floats(rng, gh, 0.5) : null;
                    float[] h0 = state ? floats(rng, n * hidden, 1) : null, c0 = state && cell == Cell.LSTM ? floats(rng, n * hidden, 1) : null;
                    float[] out = new float[steps * n * s], gates = new float[steps * n * gh], hn = new float[steps * n * hidden];
                    Recurrent.forward(cell, steps, n, in, hidden, x, h0, 0, c0, 0, wih, 0, whh, 0, bih, 0, bhh, 0, out, gates, hn);
                    double[] expected = plainRecurrent(cell, steps, n, in, hidden, doubles(x), h0 == null ? null : doubles(h0),
                            c0 == null ? null : doubles(c0), doubles(wih), doubles(whh), bih == null ? null : doubles(bih),
                            bhh == null ? null : doubles(bhh));
                    close(cell + " " + java.util.Arrays.toString(sh) + " state=" + state, expected, out, 2e-5);
                    count++;
                }
            }
        }
        assertEquals(3 * SHAPES.length * 2, count);
    }

    /**
     * The cells at one step, the body the library runs (whole vectors, then the scalar loop) and
     * the scalar loops alone, row by row, give the same bits: at widths below, at and past a
     * vector, with saturating inputs (|v| up to 60: exp's clamps), with and without the optional
     * arrays, on 3 rows with the strides and offsets the step loops use.
     */
    @Test
    void recurrentCellsMatchScalarLoopsBitForBit() {
        var rng = new SplittableRandom(163);
        int count = 0, rows = 3;
        for (int hidden : new int[] {1, 3, 4, 8, 15, 16, 17, 33, 64, 70}) {
            for (boolean optional : new boolean[] {true, false}) {
                for (double scale : new double[] {3, 60}) {
                    int h = hidden, g0 = 5, o0 = 2, cpo = 3, ldc = 2 * h + 1, n0 = 4, bi = 1;
                    float[] gates = floats(rng, g0 + rows * 4 * h, scale), out = floats(rng, o0 + rows * 2 * h, scale);
                    float[] cp = optional ? floats(rng, cpo + rows * ldc, scale) : null, hh = floats(rng, rows * 3 * h, scale);
                    float[] bhh = optional ? floats(rng, bi + h, 1) : null, hn = new float[n0 + rows * h];
                    float[] dh = floats(rng, rows * h, 1), dc = floats(rng, rows * h, 1), gOut = floats(rng, o0 + rows * 2 * h, 1);
                    float[] direct = new float[rows * h], dg = new float[g0 + rows * 4 * h], dgh = new float[g0 + rows * 4 * h];
                    float[][] a = {gates, out, hn, dc, direct, dg, dgh}, b = new float[a.length][];
                    for (int i = 0; i < a.length; i++) b[i] = a[i].clone();
                    // a: the library's bodies; b: the scalar loops. Forward outputs feed the backward, as in use.
                    Recurrent.rnnCells(rows, h, a[0], g0, a[1], o0);
                    Recurrent.rnnCellsBackward(rows, h, dh, gOut, o0, a[0], g0, a[5]);
                    Recurrent.lstmCells(rows, h, a[0], g0, cp, cpo, ldc, a[1], o0);
                    Recurrent.lstmCellsBackward(rows, h, dh, a[3], gOut, o0, a[0], g0, a[1], cp, cpo, ldc, a[5]);
                    for (int i = 0; i < rows; i++) {
                        Recurrent.rnnCellLoops(0, h, b[0], g0 + i * h, b[1], o0 + i * h);
                        Recurrent.rnnCellBackwardLoops(0, h, dh, i * h, gOut, o0 + i * h, b[0], g0 + i * h, b[5]);
                    }
                    for (int i = 0; i < rows; i++) {
                        Recurrent.lstmCellLoops(0, h, b[0], g0 + i * 4 * h, cp, cpo + i * ldc, b[1], o0 + i * 2 * h);
                        Recurrent.lstmCellBackwardLoops(0, h, dh, b[3], i * h, gOut, o0 + i * 2 * h, b[0], g0 + i * 4 * h, b[1], cp,
                                cpo + i * ldc, b[5]);
                    }
                    float[] ga = gates.clone(), gb = gates.clone();
                    Recurrent.gruCells(rows, h, ga, g0, hh, bhh, bi, cp, cpo, ldc, a[2], n0, a[1], o0);
                    Recurrent.gruCellsBackward(rows, h, dh, a[4], gOut, o0, ga, g0, cp, cpo, ldc, a[2], n0, a[5], a[6]);
                    for (int i = 0; i < rows; i++) {
                        Recurrent.gruCellLoops(0, h, gb, g0 + i * 3 * h, hh, i * 3 * h, bhh, bi, cp, cpo + i * ldc, b[2], n0 + i * h,
                                b[1], o0 + i * h);
                        Recurrent.gruCellBackwardLoops(0, h, dh, b[4], i * h, gOut, o0 + i * h, gb, g0 + i * 3 * h, cp, cpo + i * ldc,
                                b[2], n0 + i * h, b[5], b[6]);
                    }
                    assertArrayEquals(gb, ga, "gru gates, hidden " + h);
                    for (int i = 0; i < a.length; i++) {
                        assertArrayEquals(b[i], a[i], "array " + i + ", hidden " + h + ", optional " + optional + ", scale " + scale);
                    }
                    count++;
                }
            }
        }
        assertEquals(10 * 2 * 2, count);
    }

    /** The float64 backward against central differences of the plain loops, for every input; float32 against float64. */
    @Test
    void recurrentBackwardMatchesDifferences() {
        var rng = new SplittableRandom(161);
        for (Cell cell : Cell.values()) {
            // The last shape is too large for differences of every element (and takes the packed GEMM): float32 against float64 only.
            for (int[] sh : new int[][] {{3, 2, 2, 3}, {1, 1, 3, 2}, {4, 5, 1, 1}, {6, 7, 19, 11}}) {
                int steps = sh[0], n = sh[1], in = sh[2], hidden = sh[3], gh = cell.gates * hidden, s = cell.stateWidth(hidden);
                boolean differences = steps * n * in < 100;
                float[][] f = {floats(rng, steps * n * in, 1), floats(rng, n * hidden, 1), cell == Cell.LSTM ? floats(rng, n * hidden, 1) : null,
                    floats(rng, gh * in, 0.7), floats(rng, gh * hidden, 0.7), floats(rng, gh, 0.5), floats(rng, gh, 0.5)};
                double[][] d = new double[7][];
                for (int i = 0; i < 7; i++) d[i] = f[i] == null ? null : doubles(f[i]);
                double[] gOut = doubles(floats(rng, steps * n * s, 1));
                double[] out = new double[steps * n * s], gates = new double[steps * n * gh], hn = new double[steps * n * hidden];
                Recurrent.forward(cell, steps, n, in, hidden, d[0], d[1], 0, d[2], 0, d[3], 0, d[4], 0, d[5], 0, d[6], 0, out, gates, hn);
                double[][] grads = new double[7][];
                for (int i = 0; i < 7; i++) grads[i] = d[i] == null ? null : new double[d[i].length];
                Recurrent.backward(cell, steps, n, in, hidden, d[0], d[1], 0, d[2], 0, d[3], 0, d[4], 0, out, gates, hn, gOut,
                        grads[0], grads[1], grads[2], grads[3], grads[4], grads[5], grads[6]);
                for (int i = 0; i < 7; i++) {
                    if (d[i] == null || !differences) continue;
                    double[] numeric = new double[d[i].length];
                    for (int e = 0; e < d[i].length; e++) {
                        double keep = d[i][e], eps = 1e-6;
                        d[i][e] = keep + eps;
                        double plus = dot(gOut, plainRecurrent(cell, steps, n, in, hidden, d[0], d[1], d[2], d[3], d[4], d[5], d[6]));
                        d[i][e] = keep - eps;
                        double minus = dot(gOut, plainRecurrent(cell, steps, n, in, hidden, d[0], d[1], d[2], d[3], d[4], d[5], d[6]));
                        d[i][e] = keep;
                        numeric[e] = (plus - minus) / (2 * eps);
                    }
                    close(cell + " " + java.util.Arrays.toString(sh) + " grad " + i, numeric, grads[i], 1e-6);
                }
                // float32: the same gradients to float32 accuracy.
                float[] o32 = new float[out.length], g32 = new float[gates.length], hn32 = new float[hn.length];
                Recurrent.forward(cell, steps, n, in, hidden, f[0], f[1], 0, f[2], 0, f[3], 0, f[4], 0, f[5], 0, f[6], 0, o32, g32, hn32);
                float[][] grads32 = new float[7][];
                for (int i = 0; i < 7; i++) grads32[i] = f[i] == null ? null : new float[f[i].length];
                float[] gOut32 = new float[gOut.length];
                for (int i = 0; i < gOut.length; i++) gOut32[i] = (float) gOut[i];
                Recurrent.backward(cell, steps, n, in, hidden, f[0], f[1], 0, f[2], 0, f[3], 0, f[4], 0, o32, g32, hn32, gOut32,
                        grads32[0], grads32[1], grads32[2], grads32[3], grads32[4], grads32[5], grads32[6]);
                for (int i = 0; i < 7; i++) {
                    if (f[i] != null) close(cell + " float32 grad " + i, grads[i], grads32[i], 1e-4);
                }
            }
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    /** A float32 kernel's two bodies: the one the library runs (Vector API here) and the scalar loops. */
    private static final boolean[] BODIES = {true, false};

    @Test
    void layerNormMatchesPlainLoops() {
        var rng = new SplittableRandom(162);
        int count = 0;
        for (boolean vector : BODIES) {
            for (int[] sh : new int[][] {{1, 1}, {3, 7}, {17, 5}, {2, 64}, {40, 33}, {70, 64}, {33, 19}}) {
                for (boolean affine : new boolean[] {true, false}) {
                    int rows = sh[0], d = sh[1];
                    float[] x = floats(rng, 3 + rows * d, 2), w = affine ? floats(rng, d, 1) : null, b = affine ? floats(rng, d, 1) : null;
                    float[] g = floats(rng, rows * d, 1);
                    float[] y = new float[rows * d], dx = new float[rows * d];
                    double[] mean = new double[rows], rstd = new double[rows], dw = new double[d], db = new double[d];
                    if (vector) {
                        Sequences.layerNorm(rows, d, x, 3, w, 0, b, 0, 1e-5, y, mean, rstd);
                        Sequences.layerNormBackward(rows, d, x, 3, g, 0, w, 0, mean, rstd, dx, dw, db);
                    } else {
                        Sequences.layerNormLoops(rows, d, x, 3, w, 0, b, 0, 1e-5, y, mean, rstd);
                        Sequences.layerNormBackwardLoops(rows, d, x, 3, g, 0, w, 0, mean, rstd, dx, dw, db);
                    }
                    double[] ey = new double[rows * d], edx = new double[rows * d], edw = new double[d], edb = new double[d];
                    for (int r = 0; r < rows; r++) {
                        double m = 0, v = 0;
                        for (int j = 0; j < d; j++) m += x[3 + r * d + j];
                        m /= d;
                        for (int j = 0; j < d; j++) v += Math.pow(x[3 + r * d + j] - m, 2);
                        double rs = 1 / Math.sqrt(v / d + 1e-5);
                        // dx_j = Σ_k g_k w_k ∂x̂_k/∂x_j with ∂x̂_k/∂x_j = rs (δ_kj − 1/d − x̂_k x̂_j / d)
                        for (int j = 0; j < d; j++) {
                            double xj = (x[3 + r * d + j] - m) * rs;
                            ey[r * d + j] = affine ? xj * w[j] + b[j] : xj;
                            edw[j] += g[r * d + j] * xj;
                            edb[j] += g[r * d + j];
                            double sum = 0;
                            for (int k = 0; k < d; k++) {
                                double xk = (x[3 + r * d + k] - m) * rs;
                                sum += g[r * d + k] * (affine ? w[k] : 1) * rs * ((k == j ? 1 : 0) - 1.0 / d - xk * xj / d);
                            }
                            edx[r * d + j] = sum;
                        }
                    }
                    String at = rows + "x" + d + (vector ? " vector" : " loops") + (affine ? "" : " no affine");
                    close(at + " y", ey, y, 1e-5);
                    close(at + " dx", edx, dx, 1e-4);
                    close(at + " dw", edw, dw, 1e-5 * Math.sqrt(rows));
                    close(at + " db", edb, db, 1e-6 * Math.sqrt(rows));
                    count++;
                }
            }
        }
        assertEquals(2 * 7 * 2, count);
    }

    @Test
    void selfAttentionMatchesPlainLoops() {
        var rng = new SplittableRandom(165);
        int count = 0;
        // [n, t, heads, d]: keys and columns that fill no vector, one vector and a bit, several.
        for (boolean vector : BODIES) {
            for (int[] sh : new int[][] {{1, 1, 1, 1}, {2, 5, 3, 3}, {3, 16, 4, 16}, {1, 17, 2, 17}, {2, 33, 1, 8}, {1, 9, 2, 40}}) {
                for (boolean causal : new boolean[] {false, true}) {
                    int n = sh[0], t = sh[1], heads = sh[2], d = sh[3], e = heads * d, row = 3 * e;
                    float[] qkv = floats(rng, 2 + n * t * row, 1.5), g = floats(rng, n * t * e, 1);
                    float[] p = new float[n * heads * t * t], ctx = new float[n * t * e], dqkv = new float[n * t * row];
                    java.util.Arrays.fill(p, Float.NaN);   // every element is written
                    java.util.Arrays.fill(ctx, Float.NaN);
                    java.util.Arrays.fill(dqkv, Float.NaN);
                    double alpha = 1 / Math.sqrt(d);
                    if (vector) {
                        Sequences.attention(n, t, heads, d, qkv, 2, alpha, causal, p, ctx);
                        Sequences.attentionBackward(n, t, heads, d, qkv, 2, alpha, causal, p, g, 0, dqkv);
                    } else {
                        Sequences.attentionLoops(n, t, heads, d, qkv, 2, alpha, causal, p, ctx);
                        Sequences.attentionBackwardLoops(n, t, heads, d, qkv, 2, alpha, causal, p, g, 0, dqkv);
                    }
                    double[] ep = new double[p.length], ectx = new double[ctx.length], ed = new double[dqkv.length];
                    for (int b = 0; b < n; b++) {
                        for (int h = 0; h < heads; h++) {
                            int q0 = 2 + b * t * row + h * d, k0 = q0 + e, v0 = q0 + 2 * e;
                            double[][] pr = new double[t][t], dsr = new double[t][t];
                            for (int i = 0; i < t; i++) {
                                double max = Double.NEGATIVE_INFINITY, sum = 0;
                                double[] sc = new double[t];
                                for (int j = 0; j < t; j++) {
                                    double dot = 0;
                                    for (int c = 0; c < d; c++) dot += (double) qkv[q0 + i * row + c] * qkv[k0 + j * row + c];
                                    sc[j] = causal && j > i ? Double.NEGATIVE_INFINITY : alpha * dot;
                                    max = Math.max(max, sc[j]);
                                }
                                for (int j = 0; j < t; j++) sum += Math.exp(sc[j] - max);
                                for (int j = 0; j < t; j++) pr[i][j] = Math.exp(sc[j] - max) / sum;
                                // dP_ij = g_i · v_j; dS_ij = α P_ij (dP_ij − Σ_k dP_ik P_ik)
                                double[] dp = new double[t];
                                double rowDot = 0;
                                for (int j = 0; j < t; j++) {
                                    for (int c = 0; c < d; c++) dp[j] += (double) g[(b * t + i) * e + h * d + c] * qkv[v0 + j * row + c];
                                    rowDot += dp[j] * pr[i][j];
                                }
                                for (int j = 0; j < t; j++) dsr[i][j] = alpha * pr[i][j] * (dp[j] - rowDot);
                                for (int j = 0; j < t; j++) ep[((b * heads + h) * t + i) * t + j] = pr[i][j];
                                for (int c = 0; c < d; c++) {
                                    double v = 0;
                                    for (int j = 0; j < t; j++) v += pr[i][j] * qkv[v0 + j * row + c];
                                    ectx[(b * t + i) * e + h * d + c] = v;
                                }
                            }
                            for (int i = 0; i < t; i++) {
                                for (int c = 0; c < d; c++) {
                                    double dq = 0, dk = 0, dv = 0;
                                    for (int j = 0; j < t; j++) {
                                        dq += dsr[i][j] * qkv[k0 + j * row + c];
                                        dk += dsr[j][i] * qkv[q0 + j * row + c];
                                        dv += pr[j][i] * g[(b * t + j) * e + h * d + c];
                                    }
                                    int o = b * t * row + i * row + h * d + c;
                                    ed[o] = dq;
                                    ed[o + e] = dk;
                                    ed[o + 2 * e] = dv;
                                }
                            }
                        }
                    }
                    String at = java.util.Arrays.toString(sh) + (causal ? " causal" : "") + (vector ? " vector" : " loops");
                    close(at + " weights", ep, p, 1e-6);
                    close(at + " ctx", ectx, ctx, 1e-5);
                    close(at + " dqkv", ed, dqkv, 1e-5);
                    count++;
                }
            }
        }
        assertEquals(2 * 6 * 2, count);
    }

    @Test
    void attentionSoftmaxMatchesPlainLoops() {
        var rng = new SplittableRandom(163);
        int count = 0;
        for (int[] sh : new int[][] {{1, 1, 1}, {3, 5, 5}, {2, 3, 7}, {6, 17, 17}, {1, 33, 40}}) {
            for (int variant = 0; variant < 4; variant++) {
                int blocks = sh[0], t = sh[1], s = sh[2];
                boolean causal = variant % 2 == 1;
                int maskBlock = variant >= 2 ? t * s : 0;
                boolean[] mask = variant == 0 ? null : new boolean[variant >= 2 ? blocks * t * s : t * s];
                if (mask != null) for (int i = 0; i < mask.length; i++) mask[i] = rng.nextInt(4) == 0;
                float[] x = floats(rng, blocks * t * s, 3), g = floats(rng, blocks * t * s, 1);
                float[] y = new float[x.length], dx = new float[x.length];
                double alpha = 0.37;
                Sequences.attentionSoftmax(blocks, t, s, x, alpha, causal, mask, maskBlock, y);
                Sequences.attentionSoftmaxBackward(blocks * t, s, y, g, alpha, dx);
                double[] ey = new double[x.length], edx = new double[x.length];
                for (int bl = 0; bl < blocks; bl++) {
                    for (int i = 0; i < t; i++) {
                        int at = (bl * t + i) * s;
                        double[] logits = new double[s];
                        double max = Double.NEGATIVE_INFINITY;
                        for (int j = 0; j < s; j++) {
                            boolean masked = (causal && j > i + s - t) || (mask != null && mask[bl * maskBlock + i * s + j]);
                            logits[j] = masked ? Double.NEGATIVE_INFINITY : alpha * x[at + j];
                            max = Math.max(max, logits[j]);
                        }
                        double sum = 0;
                        for (int j = 0; j < s; j++) sum += Math.exp(logits[j] - max);
                        for (int j = 0; j < s; j++) ey[at + j] = Math.exp(logits[j] - max) / sum;
                        // dx_j = α Σ_k g_k y_k (δ_kj − y_j)
                        for (int j = 0; j < s; j++) {
                            double v = 0;
                            for (int k = 0; k < s; k++) v += g[at + k] * ey[at + k] * ((k == j ? 1 : 0) - ey[at + j]);
                            edx[at + j] = alpha * v;
                        }
                    }
                }
                String at = java.util.Arrays.toString(sh) + " variant " + variant;
                close(at + " y", ey, y, 1e-6);
                close(at + " dx", edx, dx, 1e-5);
                count++;
            }
        }
        assertEquals(20, count);
        // Every key masked: NaN, as PyTorch's -inf masks give.
        float[] y = new float[2];
        Sequences.attentionSoftmax(1, 1, 2, new float[] {1, 2}, 1, false, new boolean[] {true, true}, 0, y);
        assertTrue(Float.isNaN(y[0]) && Float.isNaN(y[1]));
    }

    @Test
    void batchedProductsMatchTheReference() {
        var rng = new SplittableRandom(164);
        int count = 0;
        // Tiny, packed-per-thread and large-alone products; plain and transposed; the B matrix shared (offset 0 for all).
        for (int[] sh : new int[][] {{1, 1, 1, 1}, {5, 3, 7, 2}, {12, 17, 16, 9}, {64, 33, 31, 17}, {2, 130, 129, 128}}) {
            for (int tr = 0; tr < 4; tr++) {
                int batches = sh[0], m = sh[1], n = sh[2], k = sh[3];
                boolean ta = (tr & 1) != 0, tb = (tr & 2) != 0, sharedB = tr == 3;
                int lda = (ta ? m : k) + 1, ldb = (tb ? k : n) + 2, ldc = n + 3;
                int sizeA = (ta ? k : m) * lda, sizeB = (tb ? n : k) * ldb, sizeC = m * ldc;
                float[] a = floats(rng, batches * sizeA, 1), b = floats(rng, (sharedB ? 1 : batches) * sizeB, 1);
                float[] c = floats(rng, batches * sizeC, 1), expected = c.clone();
                int[] oa = new int[batches], ob = new int[batches], oc = new int[batches];
                for (int i = 0; i < batches; i++) {
                    oa[i] = i * sizeA;
                    ob[i] = sharedB ? 0 : i * sizeB;
                    oc[i] = i * sizeC;
                    Gemm.reference(ta, tb, m, n, k, 0.5f, a, oa[i], lda, b, ob[i], ldb, 0.25f, expected, oc[i], ldc);
                }
                Gemm.sgemmBatched(ta, tb, m, n, k, 0.5f, a, oa, lda, b, ob, ldb, 0.25f, c, oc, ldc);
                close("batched " + java.util.Arrays.toString(sh) + " trans " + tr, doubles(expected), c, 1e-4);
                count++;
            }
        }
        assertEquals(20, count);
    }
}
