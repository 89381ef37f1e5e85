package io.backprop4j.internal.kernel;

import jdk.incubator.vector.FloatVector;
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

    private static FloatVector load(float[] a, int at) {
        return FloatVector.fromArray(F, a, at);
    }

    private static FloatVector loadOrZero(float[] a, int at) {
        return a == null ? FloatVector.zero(F) : FloatVector.fromArray(F, a, at);
    }

    static void rnnCells(int rows, int hidden, float[] gates, int g0, float[] out, int o0) {
        int bound = F.loopBound(hidden);
        for (int i = 0; i < rows; i++) {
            int gi = g0 + i * hidden, oi = o0 + i * hidden, j = 0;
            for (; j < bound; j += L) {
                FloatVector h = tanh(load(gates, gi + j));
                h.intoArray(gates, gi + j);
                h.intoArray(out, oi + j);
            }
            Recurrent.rnnCellLoops(j, hidden, gates, gi, out, oi);
        }
    }

    static void lstmCells(int rows, int hidden, float[] gates, int g0, float[] cp, int cpo, int ldc, float[] out, int o0) {
        int bound = F.loopBound(hidden);
        for (int i = 0; i < rows; i++) {
            int gi = g0 + i * 4 * hidden, ci = cpo + i * ldc, oi = o0 + i * 2 * hidden, j = 0;
            for (; j < bound; j += L) {
                FloatVector ig = sigmoid(load(gates, gi + j));
                FloatVector fg = sigmoid(load(gates, gi + hidden + j));
                FloatVector gg = tanh(load(gates, gi + 2 * hidden + j));
                FloatVector og = sigmoid(load(gates, gi + 3 * hidden + j));
                FloatVector c = fg.mul(loadOrZero(cp, ci + j)).add(ig.mul(gg));
                ig.intoArray(gates, gi + j);
                fg.intoArray(gates, gi + hidden + j);
                gg.intoArray(gates, gi + 2 * hidden + j);
                og.intoArray(gates, gi + 3 * hidden + j);
                og.mul(tanh(c)).intoArray(out, oi + j);
                c.intoArray(out, oi + hidden + j);
            }
            Recurrent.lstmCellLoops(j, hidden, gates, gi, cp, ci, out, oi);
        }
    }

    static void gruCells(int rows, int hidden, float[] gates, int g0, float[] hh, float[] bhh, int bi, float[] hp, int hpo, int ldh,
                         float[] hn, int n0, float[] out, int o0) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        int bound = F.loopBound(hidden);
        for (int i = 0; i < rows; i++) {
            int gi = g0 + i * 3 * hidden, hi = i * 3 * hidden, pi = hpo + i * ldh, ni = n0 + i * hidden, oi = o0 + i * hidden, j = 0;
            for (; j < bound; j += L) {
                FloatVector r = sigmoid(load(gates, gi + j).add(load(hh, hi + j)));
                FloatVector z = sigmoid(load(gates, gi + hidden + j).add(load(hh, hi + hidden + j)));
                FloatVector hnj = load(hh, hi + 2 * hidden + j).add(loadOrZero(bhh, bi + j));
                FloatVector nj = tanh(load(gates, gi + 2 * hidden + j).add(r.mul(hnj)));
                r.intoArray(gates, gi + j);
                z.intoArray(gates, gi + hidden + j);
                nj.intoArray(gates, gi + 2 * hidden + j);
                hnj.intoArray(hn, ni + j);
                one.sub(z).mul(nj).add(z.mul(loadOrZero(hp, pi + j))).intoArray(out, oi + j);
            }
            Recurrent.gruCellLoops(j, hidden, gates, gi, hh, hi, bhh, bi, hp, pi, hn, ni, out, oi);
        }
    }

    static void rnnCellsBackward(int rows, int hidden, float[] dh, float[] gOut, int o0, float[] gates, int g0, float[] dg) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        int bound = F.loopBound(hidden);
        for (int i = 0; i < rows; i++) {
            int hi = i * hidden, oi = o0 + i * hidden, gi = g0 + i * hidden, j = 0;
            for (; j < bound; j += L) {
                FloatVector h = load(gates, gi + j);
                load(dh, hi + j).add(load(gOut, oi + j)).mul(one.sub(h.mul(h))).intoArray(dg, gi + j);
            }
            Recurrent.rnnCellBackwardLoops(j, hidden, dh, hi, gOut, oi, gates, gi, dg);
        }
    }

    static void lstmCellsBackward(int rows, int hidden, float[] dh, float[] dc, float[] gOut, int o0, float[] gates, int g0,
                                  float[] out, float[] cp, int cpo, int ldc, float[] dg) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        int bound = F.loopBound(hidden);
        for (int i = 0; i < rows; i++) {
            int hi = i * hidden, oi = o0 + i * 2 * hidden, gi = g0 + i * 4 * hidden, ci = cpo + i * ldc, j = 0;
            for (; j < bound; j += L) {
                FloatVector dhj = load(dh, hi + j).add(load(gOut, oi + j));
                FloatVector ig = load(gates, gi + j), fg = load(gates, gi + hidden + j), gg = load(gates, gi + 2 * hidden + j);
                FloatVector og = load(gates, gi + 3 * hidden + j);
                FloatVector tc = tanh(load(out, oi + hidden + j));
                FloatVector dcj = load(dc, hi + j).add(load(gOut, oi + hidden + j)).add(dhj.mul(og).mul(one.sub(tc.mul(tc))));
                FloatVector prev = loadOrZero(cp, ci + j);
                dcj.mul(gg).mul(ig).mul(one.sub(ig)).intoArray(dg, gi + j);
                dcj.mul(prev).mul(fg).mul(one.sub(fg)).intoArray(dg, gi + hidden + j);
                dcj.mul(ig).mul(one.sub(gg.mul(gg))).intoArray(dg, gi + 2 * hidden + j);
                dhj.mul(tc).mul(og).mul(one.sub(og)).intoArray(dg, gi + 3 * hidden + j);
                dcj.mul(fg).intoArray(dc, hi + j);
            }
            Recurrent.lstmCellBackwardLoops(j, hidden, dh, dc, hi, gOut, oi, gates, gi, out, cp, ci, dg);
        }
    }

    static void gruCellsBackward(int rows, int hidden, float[] dh, float[] direct, float[] gOut, int o0, float[] gates, int g0,
                                 float[] hp, int hpo, int ldh, float[] hn, int n0, float[] dg, float[] dgh) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        int bound = F.loopBound(hidden);
        for (int i = 0; i < rows; i++) {
            int hi = i * hidden, oi = o0 + i * hidden, gi = g0 + i * 3 * hidden, pi = hpo + i * ldh, ni = n0 + i * hidden, j = 0;
            for (; j < bound; j += L) {
                FloatVector dhj = load(dh, hi + j).add(load(gOut, oi + j));
                FloatVector r = load(gates, gi + j), z = load(gates, gi + hidden + j), nj = load(gates, gi + 2 * hidden + j);
                FloatVector prev = loadOrZero(hp, pi + j);
                FloatVector dnPre = dhj.mul(one.sub(z)).mul(one.sub(nj.mul(nj)));
                FloatVector drPre = dnPre.mul(load(hn, ni + j)).mul(r).mul(one.sub(r));
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
