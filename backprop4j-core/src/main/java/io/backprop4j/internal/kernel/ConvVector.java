package io.backprop4j.internal.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API loops for the convolution products whose shapes leave the packed GEMM's tiles mostly
 * empty: the weight gradient of a layer with few filters over a small patch (the first layer of an
 * image network: 1 or 3 input channels, 3x3 kernels), computed as dot products along the output
 * positions straight from the unfolded input and the output gradient, with no packing, and the
 * forward product of a short patch, as broadcast multiply-adds along the positions. Loaded only
 * when the Vector API module is present ({@link VectorModule}).
 */
final class ConvVector {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private ConvVector() {
    }

    /**
     * Whether {@link #forward} beats the GEMM for a patch of k: a short patch (the first layer of
     * an image network: 9 or 27 taps), where the GEMM's inner loop over k is too short to pay for
     * packing and for loading and storing its tile of C.
     */
    static boolean suitsForward(int k) {
        return k <= 32;
    }

    /**
     * y[yo + o·ldy + p] = (Σ_{r < k} w[wo + o·k + r]·cols[co + r·ldc + p]) + (bias == null ? 0 :
     * bias[bo + o]) for o < og, p < tp: one image group's tile of the forward convolution, each sum
     * an fma chain over r from 0 and the bias added last (the GEMM's order, so the same bits as the
     * GEMM with C filled with the bias). Four filters at a time share each load of the unfolded
     * input, over two vectors of positions (eight independent sums), then one; the positions past
     * the last whole vector take the same chain in scalars ({@link #forwardPlain}), so a
     * position's bits do not depend on where a tile's vectors end. (A plain-loop warm-up, as
     * {@link Pooling}'s 2x2 max has, measured slower here: the plain loop took ~30 ms a batch,
     * the GEMM 4-13, while the vector loop compiled.)
     */
    static void forward(int k, int og, int tp, float[] w, int wo, float[] cols, int co, int ldc, float[] bias, int bo,
                        float[] y, int yo, int ldy) {
        int o4 = og / 4 * 4, pv = F.loopBound(tp), pw = tp / (2 * L) * (2 * L);
        // Two vectors of positions by four filters: eight independent sums keep both FMA units busy.
        for (int p = 0; p < pw; p += 2 * L) {
            for (int o = 0; o < o4; o += 4) {
                int w0 = wo + o * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
                FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
                for (int r = 0, c = co + p; r < k; r++, c += ldc) {
                    FloatVector x = FloatVector.fromArray(F, cols, c), u = FloatVector.fromArray(F, cols, c + L);
                    FloatVector a = FloatVector.broadcast(F, w[w0 + r]);
                    s0 = x.fma(a, s0);
                    t0 = u.fma(a, t0);
                    a = FloatVector.broadcast(F, w[w1 + r]);
                    s1 = x.fma(a, s1);
                    t1 = u.fma(a, t1);
                    a = FloatVector.broadcast(F, w[w2 + r]);
                    s2 = x.fma(a, s2);
                    t2 = u.fma(a, t2);
                    a = FloatVector.broadcast(F, w[w3 + r]);
                    s3 = x.fma(a, s3);
                    t3 = u.fma(a, t3);
                }
                int at = yo + o * ldy + p;
                if (bias != null) {
                    s0 = s0.add(bias[bo + o]);
                    t0 = t0.add(bias[bo + o]);
                    s1 = s1.add(bias[bo + o + 1]);
                    t1 = t1.add(bias[bo + o + 1]);
                    s2 = s2.add(bias[bo + o + 2]);
                    t2 = t2.add(bias[bo + o + 2]);
                    s3 = s3.add(bias[bo + o + 3]);
                    t3 = t3.add(bias[bo + o + 3]);
                }
                s0.intoArray(y, at);
                t0.intoArray(y, at + L);
                s1.intoArray(y, at + ldy);
                t1.intoArray(y, at + ldy + L);
                s2.intoArray(y, at + 2 * ldy);
                t2.intoArray(y, at + 2 * ldy + L);
                s3.intoArray(y, at + 3 * ldy);
                t3.intoArray(y, at + 3 * ldy + L);
            }
        }
        for (int p = pw; p < pv; p += L) {
            for (int o = 0; o < o4; o += 4) {
                int w0 = wo + o * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
                FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
                for (int r = 0, c = co + p; r < k; r++, c += ldc) {
                    FloatVector x = FloatVector.fromArray(F, cols, c);
                    s0 = x.fma(FloatVector.broadcast(F, w[w0 + r]), s0);
                    s1 = x.fma(FloatVector.broadcast(F, w[w1 + r]), s1);
                    s2 = x.fma(FloatVector.broadcast(F, w[w2 + r]), s2);
                    s3 = x.fma(FloatVector.broadcast(F, w[w3 + r]), s3);
                }
                int at = yo + o * ldy + p;
                if (bias != null) {
                    s0 = s0.add(bias[bo + o]);
                    s1 = s1.add(bias[bo + o + 1]);
                    s2 = s2.add(bias[bo + o + 2]);
                    s3 = s3.add(bias[bo + o + 3]);
                }
                s0.intoArray(y, at);
                s1.intoArray(y, at + ldy);
                s2.intoArray(y, at + 2 * ldy);
                s3.intoArray(y, at + 3 * ldy);
            }
        }
        // The filters past the last block of 4, a vector of positions at a time.
        for (int p = 0; p < pv; p += L) {
            for (int o = o4; o < og; o++) {
                FloatVector s = FloatVector.zero(F);
                for (int r = 0, c = co + p; r < k; r++, c += ldc) {
                    s = FloatVector.fromArray(F, cols, c).fma(FloatVector.broadcast(F, w[wo + o * k + r]), s);
                }
                if (bias != null) {
                    s = s.add(bias[bo + o]);
                }
                s.intoArray(y, yo + o * ldy + p);
            }
        }
        forwardPlain(k, og, pv, tp, w, wo, cols, co, ldc, bias, bo, y, yo, ldy);
    }

    /**
     * {@link #forward} for the positions [p0, p1) in plain loops: each position's chain as one lane
     * of the vector loop computes it, summed in y's row (the loop along the positions innermost,
     * which C2 vectorises).
     */
    static void forwardPlain(int k, int og, int p0, int p1, float[] w, int wo, float[] cols, int co, int ldc, float[] bias, int bo,
                             float[] y, int yo, int ldy) {
        for (int o = 0; o < og; o++) {
            int row = yo + o * ldy;
            java.util.Arrays.fill(y, row + p0, row + p1, 0f);
            for (int r = 0; r < k; r++) {
                float a = w[wo + o * k + r];
                int c = co + r * ldc;
                for (int p = p0; p < p1; p++) {
                    y[row + p] = Math.fma(cols[c + p], a, y[row + p]);
                }
            }
            if (bias != null) {
                float b = bias[bo + o];
                for (int p = p0; p < p1; p++) {
                    y[row + p] += b;
                }
            }
        }
    }

    /**
     * Whether {@link #weightGrad} beats the GEMM for og filters over a patch of k: when og fills
     * at most half of the GEMM's tile width (two vectors), and the patch is small.
     */
    static boolean suitsWeightGrad(int og, int k) {
        return og <= L && k <= 64;
    }

    /**
     * out[oo + r·ldo + o] = (accumulate ? out : 0) + Σ_{p < tp} a[ao + r·lda + p] · dy[dyo + o·ldy + p]
     * for r < k, o < og: the transposed weight gradient of one image group's tile (a: the unfolded
     * input). Blocks of 4 rows by 4 filters keep 16 sums in registers and load 8 vectors for 16
     * multiply-adds; the rows and filters left over take one dot product each.
     */
    static void weightGrad(int k, int og, int tp, float[] cols, int ao, int lda, float[] dy, int dyo, int ldy, float[] out, int oo,
                           int ldo, boolean accumulate) {
        int k4 = k / 4 * 4, o4 = og / 4 * 4, pv = F.loopBound(tp);
        float[] lanes = new float[L];
        for (int r = 0; r < k4; r += 4) {
            int c0 = ao + r * lda, c1 = c0 + lda, c2 = c1 + lda, c3 = c2 + lda;
            for (int o = 0; o < o4; o += 4) {
                int d0 = dyo + o * ldy, d1 = d0 + ldy, d2 = d1 + ldy, d3 = d2 + ldy;
                FloatVector s00 = FloatVector.zero(F), s01 = s00, s02 = s00, s03 = s00;
                FloatVector s10 = s00, s11 = s00, s12 = s00, s13 = s00;
                FloatVector s20 = s00, s21 = s00, s22 = s00, s23 = s00;
                FloatVector s30 = s00, s31 = s00, s32 = s00, s33 = s00;
                for (int p = 0; p < pv; p += L) {
                    FloatVector g0 = FloatVector.fromArray(F, dy, d0 + p), g1 = FloatVector.fromArray(F, dy, d1 + p);
                    FloatVector g2 = FloatVector.fromArray(F, dy, d2 + p), g3 = FloatVector.fromArray(F, dy, d3 + p);
                    FloatVector x = FloatVector.fromArray(F, cols, c0 + p);
                    s00 = x.fma(g0, s00); s01 = x.fma(g1, s01); s02 = x.fma(g2, s02); s03 = x.fma(g3, s03);
                    x = FloatVector.fromArray(F, cols, c1 + p);
                    s10 = x.fma(g0, s10); s11 = x.fma(g1, s11); s12 = x.fma(g2, s12); s13 = x.fma(g3, s13);
                    x = FloatVector.fromArray(F, cols, c2 + p);
                    s20 = x.fma(g0, s20); s21 = x.fma(g1, s21); s22 = x.fma(g2, s22); s23 = x.fma(g3, s23);
                    x = FloatVector.fromArray(F, cols, c3 + p);
                    s30 = x.fma(g0, s30); s31 = x.fma(g1, s31); s32 = x.fma(g2, s32); s33 = x.fma(g3, s33);
                }
                int at = oo + r * ldo + o;
                put(out, at, s00, lanes, cols, c0, dy, d0, pv, tp, accumulate);
                put(out, at + 1, s01, lanes, cols, c0, dy, d1, pv, tp, accumulate);
                put(out, at + 2, s02, lanes, cols, c0, dy, d2, pv, tp, accumulate);
                put(out, at + 3, s03, lanes, cols, c0, dy, d3, pv, tp, accumulate);
                put(out, at + ldo, s10, lanes, cols, c1, dy, d0, pv, tp, accumulate);
                put(out, at + ldo + 1, s11, lanes, cols, c1, dy, d1, pv, tp, accumulate);
                put(out, at + ldo + 2, s12, lanes, cols, c1, dy, d2, pv, tp, accumulate);
                put(out, at + ldo + 3, s13, lanes, cols, c1, dy, d3, pv, tp, accumulate);
                put(out, at + 2 * ldo, s20, lanes, cols, c2, dy, d0, pv, tp, accumulate);
                put(out, at + 2 * ldo + 1, s21, lanes, cols, c2, dy, d1, pv, tp, accumulate);
                put(out, at + 2 * ldo + 2, s22, lanes, cols, c2, dy, d2, pv, tp, accumulate);
                put(out, at + 2 * ldo + 3, s23, lanes, cols, c2, dy, d3, pv, tp, accumulate);
                put(out, at + 3 * ldo, s30, lanes, cols, c3, dy, d0, pv, tp, accumulate);
                put(out, at + 3 * ldo + 1, s31, lanes, cols, c3, dy, d1, pv, tp, accumulate);
                put(out, at + 3 * ldo + 2, s32, lanes, cols, c3, dy, d2, pv, tp, accumulate);
                put(out, at + 3 * ldo + 3, s33, lanes, cols, c3, dy, d3, pv, tp, accumulate);
            }
        }
        // The rows past the last block of 4 (all filters), and the filters past theirs (the blocked rows).
        for (int r = 0; r < k; r++) {
            for (int o = r < k4 ? o4 : 0; o < og; o++) {
                int c = ao + r * lda, d = dyo + o * ldy;
                FloatVector s = FloatVector.zero(F);
                for (int p = 0; p < pv; p += L) {
                    s = FloatVector.fromArray(F, cols, c + p).fma(FloatVector.fromArray(F, dy, d + p), s);
                }
                put(out, oo + r * ldo + o, s, lanes, cols, c, dy, d, pv, tp, accumulate);
            }
        }
    }

    /**
     * out[at] (+)= the lanes of s added in lane order, plus the scalar tail Σ_{p in [pv, tp)}
     * cols[c + p]·dy[d + p]. Not {@code reduceLanes(ADD)}: its order is unspecified, and HotSpot
     * adds the lanes one after another while the method runs interpreted and pairwise once C2 has
     * compiled it, so the same step gave different weights depending on when the JIT got there.
     */
    private static void put(float[] out, int at, FloatVector s, float[] lanes, float[] cols, int c, float[] dy, int d, int pv, int tp,
                            boolean accumulate) {
        float sum = sumInOrder(s, lanes);
        for (int p = pv; p < tp; p++) {
            sum += cols[c + p] * dy[d + p];
        }
        out[at] = accumulate ? out[at] + sum : sum;
    }

    /** dst[at + q] += src[from + q] for q < n: whole vectors, then the tail in scalars (one addition per element, any order gives the same bits). */
    static void add(float[] dst, int at, float[] src, int from, int n) {
        int pv = F.loopBound(n), q = 0;
        for (; q < pv; q += L) {
            FloatVector.fromArray(F, dst, at + q).add(FloatVector.fromArray(F, src, from + q)).intoArray(dst, at + q);
        }
        for (; q < n; q++) {
            dst[at + q] += src[from + q];
        }
    }

    /**
     * Σ a[from .. from + n): two vectors of running sums over pairs of vectors, then one vector at
     * a time, the two added lane by lane and their lanes in lane order ({@link #sumInOrder}), then
     * the scalar tail: a fixed order, so the same bits on every call (for a given vector width).
     */
    static float sum(float[] a, int from, int n) {
        int pv = F.loopBound(n), p2 = n / (2 * L) * (2 * L), p = 0;
        FloatVector s = FloatVector.zero(F), t = s;
        for (; p < p2; p += 2 * L) {
            s = s.add(FloatVector.fromArray(F, a, from + p));
            t = t.add(FloatVector.fromArray(F, a, from + p + L));
        }
        for (; p < pv; p += L) {
            s = s.add(FloatVector.fromArray(F, a, from + p));
        }
        float sum = sumInOrder(s.add(t), new float[L]);
        for (; p < n; p++) {
            sum += a[from + p];
        }
        return sum;
    }

    /** s[0] + s[1] + ... + s[L − 1], left to right (lanes goes through {@code lanes}, L floats, as scratch). */
    private static float sumInOrder(FloatVector s, float[] lanes) {
        s.intoArray(lanes, 0);
        float sum = 0f;
        for (int j = 0; j < L; j++) {
            sum += lanes[j];
        }
        return sum;
    }
}
