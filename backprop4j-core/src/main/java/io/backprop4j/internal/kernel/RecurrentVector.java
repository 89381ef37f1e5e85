package io.backprop4j.internal.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API bodies of {@link Recurrent}'s cells at one step, a block of batch rows at a
 * time: each row's whole vectors here, the rest of the row by Recurrent's scalar loop; loaded
 * only when {@link Simd#AVAILABLE}. Lane by lane the same operations in the same order as the
 * scalar loops (σ and tanh through {@link ActivationsVector#exp}, which matches
 * {@link Activations#exp}), so the same bits. The float64 overloads run the scalar loops (float64
 * is for gradient checks).
 *
 * <p>Why a block of rows per call, not a row: with a call per row, the step loop around it got
 * hot first and C2 inlined the row body while that still ran unprofiled (tier 2, as on a loaded
 * machine): its vector helpers stayed calls and every vector was boxed, several times slower for
 * the life of the JVM (measured). With a call per step, the hot loops are these bodies' own,
 * and C2 compiles them from their own profile.
 *
 * <p>Why at most one exponential per method, and loads by {@code FloatVector.fromArray} itself:
 * C2 stops inlining our own (not force-inlined) helpers once a method's graph passes its budget
 * (NodeCountInliningCutoff), which one inlined exponential nearly uses up; a helper left as a call
 * boxes every vector it takes or returns (measured on the LSTM cell: a quarter of a training
 * step's allocation, the cells several times slower). The Vector API's own methods are
 * force-inlined whatever the budget.
 */
final class RecurrentVector {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private RecurrentVector() {
    }

    /** 1 / (1 + e^−v), as Recurrent's scalar sigmoid. */
    private static FloatVector sigmoid(FloatVector v) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        return one.div(one.add(ActivationsVector.exp(v.neg())));
    }

    /** copySign((1 − e) / (1 + e), x) with e = e^(−2|x|), as {@link Activations#tanh(float)}. */
    private static FloatVector tanh(FloatVector x) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector e = ActivationsVector.exp(x.abs().mul(-2f));
        FloatVector t = one.sub(e).div(one.add(e));
        // t ≥ 0: copySign is OR-ing in the sign bit of x.
        return t.reinterpretAsInts().or(x.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats();
    }

    static void rnnCells(int rows, int hidden, float[] gates, int g0, float[] out, int o0) {
        int bound = F.loopBound(hidden);
        for (int i = 0; i < rows; i++) {
            int gi = g0 + i * hidden, oi = o0 + i * hidden, j = 0;
            for (; j < bound; j += L) {
                FloatVector h = tanh(FloatVector.fromArray(F, gates, gi + j));
                h.intoArray(gates, gi + j);
                h.intoArray(out, oi + j);
            }
            Recurrent.rnnCellLoops(j, hidden, gates, gi, out, oi);
        }
    }

    /**
     * One exponential in the whole method: in one loop with an exponential per gate, C2 hit its
     * inlining budget (NodeCountInliningCutoff) after three of the five, left the rest as calls
     * and boxed their vectors (measured: a quarter of a training step's allocation, the cells
     * several times slower), and with two (the gates, then tanh(c)) still after the first. So
     * each row's whole vectors go through five sections of one loop: the gates [i f g o] in place,
     * i, f and o through σ(v) = 1 / (1 + e^−v), g through tanh(v) = copySign((1 − e) / (1 + e), v)
     * with e = e^−2|v| (with g, c = f ⊙ c_{t−1} + i ⊙ g into out), and fifth tanh(c) into h's
     * place in out; a last loop without exponentials multiplies it by o. The section chooses the
     * argument, the numerator and the sign by constants (for σ: −v, 1 − 0·e, no sign), exactly the
     * floats of {@link #sigmoid} and {@link #tanh}.
     */
    static void lstmCells(int rows, int hidden, float[] gates, int g0, float[] cp, int cpo, int ldc, float[] out, int o0) {
        int bound = F.loopBound(hidden);
        if (cp == null) {
            // c_{t−1} = 0: one zero row for every row (stride 0), the same floats as the scalar loop's 0f.
            cp = new float[hidden];
            cpo = 0;
            ldc = 0;
        }
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int i = 0; i < rows; i++) {
            int gi = g0 + i * 4 * hidden, ci = cpo + i * ldc, oi = o0 + i * 2 * hidden;
            for (int s = 0; s < 5; s++) {
                // Per section: the bits of v kept for the argument (all; or all but the sign: |v|), its
                // factor (−1; −2), e's share of the numerator (0; 1), the sign bit taken from v (none; v's).
                boolean isTanh = s >= 2 && s != 3, isG = s == 2;
                int keep = isTanh ? 0x7fffffff : -1, sign = isTanh ? 0x80000000 : 0;
                float factor = isTanh ? -2f : -1f, share = isTanh ? 1f : 0f;
                float[] src = s < 4 ? gates : out, dst = s < 4 ? gates : out;
                int from = s < 4 ? gi + s * hidden : oi + hidden, to = s < 4 ? from : oi;
                for (int j = 0; j < bound; j += L) {
                    FloatVector v = FloatVector.fromArray(F, src, from + j);
                    IntVector bits = v.reinterpretAsInts();
                    FloatVector e = ActivationsVector.exp(bits.and(keep).reinterpretAsFloats().mul(factor));
                    FloatVector r = one.sub(e.mul(share)).div(one.add(e)).reinterpretAsInts().or(bits.and(sign)).reinterpretAsFloats();
                    r.intoArray(dst, to + j);
                    if (isG) {
                        FloatVector.fromArray(F, gates, gi + hidden + j).mul(FloatVector.fromArray(F, cp, ci + j)).add(FloatVector.fromArray(F, gates, gi + j).mul(r)).intoArray(out, oi + hidden + j);
                    }
                }
            }
            for (int j = 0; j < bound; j += L) {
                FloatVector.fromArray(F, gates, gi + 3 * hidden + j).mul(FloatVector.fromArray(F, out, oi + j)).intoArray(out, oi + j);
            }
            Recurrent.lstmCellLoops(bound, hidden, gates, gi, cp, ci, out, oi);
        }
    }

    /** Two passes per step in one method, as {@link #lstmCells}: r and z through σ in place, then n and h. */
    static void gruCells(int rows, int hidden, float[] gates, int g0, float[] hh, float[] bhh, int bi, float[] hp, int hpo, int ldh,
                         float[] hn, int n0, float[] out, int o0) {
        int bound = F.loopBound(hidden);
        // Absent b_hn and h_{t−1}: zero rows (h_{t−1}'s read by every row, stride 0), as the scalar loop's 0f.
        if (bhh == null) {
            bhh = new float[hidden];
            bi = 0;
        }
        if (hp == null) {
            hp = new float[hidden];
            hpo = 0;
            ldh = 0;
        }
        for (int i = 0; i < rows; i++) {
            for (int s = 0; s < 2; s++) {
                for (int j = 0, gi = g0 + i * 3 * hidden + s * hidden, hi = i * 3 * hidden + s * hidden; j < bound; j += L) {
                    sigmoid(FloatVector.fromArray(F, gates, gi + j).add(FloatVector.fromArray(F, hh, hi + j))).intoArray(gates, gi + j);
                }
            }
        }
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int i = 0; i < rows; i++) {
            int gi = g0 + i * 3 * hidden, hi = i * 3 * hidden, pi = hpo + i * ldh, ni = n0 + i * hidden, oi = o0 + i * hidden;
            for (int j = 0; j < bound; j += L) {
                FloatVector r = FloatVector.fromArray(F, gates, gi + j), z = FloatVector.fromArray(F, gates, gi + hidden + j);
                FloatVector hnj = FloatVector.fromArray(F, hh, hi + 2 * hidden + j).add(FloatVector.fromArray(F, bhh, bi + j));
                FloatVector nj = tanh(FloatVector.fromArray(F, gates, gi + 2 * hidden + j).add(r.mul(hnj)));
                nj.intoArray(gates, gi + 2 * hidden + j);
                hnj.intoArray(hn, ni + j);
                one.sub(z).mul(nj).add(z.mul(FloatVector.fromArray(F, hp, pi + j))).intoArray(out, oi + j);
            }
            Recurrent.gruCellLoops(bound, hidden, gates, gi, hh, hi, bhh, bi, hp, pi, hn, ni, out, oi);
        }
    }

    static void rnnCellsBackward(int rows, int hidden, float[] dh, float[] gOut, int o0, float[] gates, int g0, float[] dg) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        int bound = F.loopBound(hidden);
        for (int i = 0; i < rows; i++) {
            int hi = i * hidden, oi = o0 + i * hidden, gi = g0 + i * hidden, j = 0;
            for (; j < bound; j += L) {
                FloatVector h = FloatVector.fromArray(F, gates, gi + j);
                FloatVector.fromArray(F, dh, hi + j).add(FloatVector.fromArray(F, gOut, oi + j)).mul(one.sub(h.mul(h))).intoArray(dg, gi + j);
            }
            Recurrent.rnnCellBackwardLoops(j, hidden, dh, hi, gOut, oi, gates, gi, dg);
        }
    }

    /**
     * Two passes per step: tanh(c_t) over the whole vectors into dg's o columns, which the
     * second pass reads and then overwrites with the o gate's gradient: the exponential in a loop
     * of its own, as in {@link #lstmCells}.
     */
    static void lstmCellsBackward(int rows, int hidden, float[] dh, float[] dc, float[] gOut, int o0, float[] gates, int g0,
                                  float[] out, float[] cp, int cpo, int ldc, float[] dg) {
        int bound = F.loopBound(hidden);
        if (cp == null) {
            cp = new float[hidden];
            cpo = 0;
            ldc = 0;
        }
        if (bound > 0) {
            for (int i = 0; i < rows; i++) {
                int oi = o0 + i * 2 * hidden + hidden, gi = g0 + i * 4 * hidden + 3 * hidden;
                for (int j = 0; j < bound; j += L) {
                    tanh(FloatVector.fromArray(F, out, oi + j)).intoArray(dg, gi + j);
                }
            }
            lstmGradients(rows, hidden, bound, dh, dc, gOut, o0, gates, g0, cp, cpo, ldc, dg);
        }
        for (int i = 0; i < rows; i++) {
            Recurrent.lstmCellBackwardLoops(bound, hidden, dh, dc, i * hidden, gOut, o0 + i * 2 * hidden, gates, g0 + i * 4 * hidden, out,
                    cp, cpo + i * ldc, dg);
        }
    }

    /** The gate gradients and dL/dc_{t−1} over the whole vectors, tanh(c_t) read from dg's o columns. */
    private static void lstmGradients(int rows, int hidden, int bound, float[] dh, float[] dc, float[] gOut, int o0, float[] gates,
                                      int g0, float[] cp, int cpo, int ldc, float[] dg) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int i = 0; i < rows; i++) {
            int hi = i * hidden, oi = o0 + i * 2 * hidden, gi = g0 + i * 4 * hidden, ci = cpo + i * ldc;
            for (int j = 0; j < bound; j += L) {
                FloatVector dhj = FloatVector.fromArray(F, dh, hi + j).add(FloatVector.fromArray(F, gOut, oi + j));
                FloatVector ig = FloatVector.fromArray(F, gates, gi + j), fg = FloatVector.fromArray(F, gates, gi + hidden + j), gg = FloatVector.fromArray(F, gates, gi + 2 * hidden + j);
                FloatVector og = FloatVector.fromArray(F, gates, gi + 3 * hidden + j);
                FloatVector tc = FloatVector.fromArray(F, dg, gi + 3 * hidden + j);
                FloatVector dcj = FloatVector.fromArray(F, dc, hi + j).add(FloatVector.fromArray(F, gOut, oi + hidden + j)).add(dhj.mul(og).mul(one.sub(tc.mul(tc))));
                FloatVector prev = FloatVector.fromArray(F, cp, ci + j);
                dcj.mul(gg).mul(ig).mul(one.sub(ig)).intoArray(dg, gi + j);
                dcj.mul(prev).mul(fg).mul(one.sub(fg)).intoArray(dg, gi + hidden + j);
                dcj.mul(ig).mul(one.sub(gg.mul(gg))).intoArray(dg, gi + 2 * hidden + j);
                dhj.mul(tc).mul(og).mul(one.sub(og)).intoArray(dg, gi + 3 * hidden + j);
                dcj.mul(fg).intoArray(dc, hi + j);
            }
        }
    }

    static void gruCellsBackward(int rows, int hidden, float[] dh, float[] direct, float[] gOut, int o0, float[] gates, int g0,
                                 float[] hp, int hpo, int ldh, float[] hn, int n0, float[] dg, float[] dgh) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        int bound = F.loopBound(hidden);
        if (hp == null) {
            hp = new float[hidden];
            hpo = 0;
            ldh = 0;
        }
        for (int i = 0; i < rows; i++) {
            int hi = i * hidden, oi = o0 + i * hidden, gi = g0 + i * 3 * hidden, pi = hpo + i * ldh, ni = n0 + i * hidden, j = 0;
            for (; j < bound; j += L) {
                FloatVector dhj = FloatVector.fromArray(F, dh, hi + j).add(FloatVector.fromArray(F, gOut, oi + j));
                FloatVector r = FloatVector.fromArray(F, gates, gi + j), z = FloatVector.fromArray(F, gates, gi + hidden + j), nj = FloatVector.fromArray(F, gates, gi + 2 * hidden + j);
                FloatVector prev = FloatVector.fromArray(F, hp, pi + j);
                FloatVector dnPre = dhj.mul(one.sub(z)).mul(one.sub(nj.mul(nj)));
                FloatVector drPre = dnPre.mul(FloatVector.fromArray(F, hn, ni + j)).mul(r).mul(one.sub(r));
                FloatVector dzPre = dhj.mul(prev.sub(nj)).mul(z).mul(one.sub(z));
                drPre.intoArray(dg, gi + j);
                dzPre.intoArray(dg, gi + hidden + j);
                dnPre.intoArray(dg, gi + 2 * hidden + j);
                drPre.intoArray(dgh, gi + j);
                dzPre.intoArray(dgh, gi + hidden + j);
                dnPre.mul(r).intoArray(dgh, gi + 2 * hidden + j);
                dhj.mul(z).intoArray(direct, hi + j);
            }
            Recurrent.gruCellBackwardLoops(j, hidden, dh, direct, hi, gOut, oi, gates, gi, hp, pi, hn, ni, dg, dgh);
        }
    }

    // float64: the scalar loops (see the class comment).

    static void rnnCells(int rows, int hidden, double[] gates, int g0, double[] out, int o0) {
        for (int i = 0; i < rows; i++) {
            Recurrent.rnnCellLoops(0, hidden, gates, g0 + i * hidden, out, o0 + i * hidden);
        }
    }

    static void lstmCells(int rows, int hidden, double[] gates, int g0, double[] cp, int cpo, int ldc, double[] out, int o0) {
        for (int i = 0; i < rows; i++) {
            Recurrent.lstmCellLoops(0, hidden, gates, g0 + i * 4 * hidden, cp, cpo + i * ldc, out, o0 + i * 2 * hidden);
        }
    }

    static void gruCells(int rows, int hidden, double[] gates, int g0, double[] hh, double[] bhh, int bi, double[] hp, int hpo,
                         int ldh, double[] hn, int n0, double[] out, int o0) {
        for (int i = 0; i < rows; i++) {
            Recurrent.gruCellLoops(0, hidden, gates, g0 + i * 3 * hidden, hh, i * 3 * hidden, bhh, bi, hp, hpo + i * ldh, hn,
                    n0 + i * hidden, out, o0 + i * hidden);
        }
    }

    static void rnnCellsBackward(int rows, int hidden, double[] dh, double[] gOut, int o0, double[] gates, int g0, double[] dg) {
        for (int i = 0; i < rows; i++) {
            Recurrent.rnnCellBackwardLoops(0, hidden, dh, i * hidden, gOut, o0 + i * hidden, gates, g0 + i * hidden, dg);
        }
    }

    static void lstmCellsBackward(int rows, int hidden, double[] dh, double[] dc, double[] gOut, int o0, double[] gates, int g0,
                                  double[] out, double[] cp, int cpo, int ldc, double[] dg) {
        for (int i = 0; i < rows; i++) {
            Recurrent.lstmCellBackwardLoops(0, hidden, dh, dc, i * hidden, gOut, o0 + i * 2 * hidden, gates, g0 + i * 4 * hidden,
                    out, cp, cpo + i * ldc, dg);
        }
    }

    static void gruCellsBackward(int rows, int hidden, double[] dh, double[] direct, double[] gOut, int o0, double[] gates, int g0,
                                 double[] hp, int hpo, int ldh, double[] hn, int n0, double[] dg, double[] dgh) {
        for (int i = 0; i < rows; i++) {
            Recurrent.gruCellBackwardLoops(0, hidden, dh, direct, i * hidden, gOut, o0 + i * hidden, gates, g0 + i * 3 * hidden, hp,
                    hpo + i * ldh, hn, n0 + i * hidden, dg, dgh);
        }
    }
}
