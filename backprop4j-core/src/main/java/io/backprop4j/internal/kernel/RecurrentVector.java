package io.backprop4j.internal.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API bodies of {@link Recurrent}'s cell rows, whole vectors only (each returns the
 * column where the caller's scalar loop takes over); loaded only when {@link Simd#AVAILABLE}.
 * Lane by lane the same operations in the same order as the scalar loops (σ and tanh through
 * {@link ActivationsVector#exp}, which matches {@link Activations#exp}), so the same bits. The
 * float64 overloads do no columns: float64 (gradient checks) runs the scalar loops.
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

    static int rnnCell(int hidden, float[] gates, int gi, float[] out, int oi) {
        int j = 0;
        for (int bound = F.loopBound(hidden); j < bound; j += L) {
            FloatVector h = tanh(load(gates, gi + j));
            h.intoArray(gates, gi + j);
            h.intoArray(out, oi + j);
        }
        return j;
    }

    static int lstmCell(int hidden, float[] gates, int gi, float[] cp, int ci, float[] out, int oi) {
        int j = 0;
        for (int bound = F.loopBound(hidden); j < bound; j += L) {
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
        return j;
    }

    static int gruCell(int hidden, float[] gates, int gi, float[] hh, int hi, float[] bhh, int bi, float[] hp, int pi,
                       float[] hn, int ni, float[] out, int oi) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        int j = 0;
        for (int bound = F.loopBound(hidden); j < bound; j += L) {
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
        return j;
    }

    static int rnnCellBackward(int hidden, float[] dh, int hi, float[] gOut, int oi, float[] gates, int gi, float[] dg) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        int j = 0;
        for (int bound = F.loopBound(hidden); j < bound; j += L) {
            FloatVector h = load(gates, gi + j);
            load(dh, hi + j).add(load(gOut, oi + j)).mul(one.sub(h.mul(h))).intoArray(dg, gi + j);
        }
        return j;
    }

    static int lstmCellBackward(int hidden, float[] dh, float[] dc, int hi, float[] gOut, int oi, float[] gates, int gi,
                                float[] out, float[] cp, int ci, float[] dg) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        int j = 0;
        for (int bound = F.loopBound(hidden); j < bound; j += L) {
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
        return j;
    }

    static int gruCellBackward(int hidden, float[] dh, float[] direct, int hi, float[] gOut, int oi, float[] gates, int gi,
                               float[] hp, int pi, float[] hn, int ni, float[] dg, float[] dgh) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        int j = 0;
        for (int bound = F.loopBound(hidden); j < bound; j += L) {
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
        return j;
    }

    // float64: no vector body (see the class comment).

    static int rnnCell(int hidden, double[] gates, int gi, double[] out, int oi) {
        return 0;
    }

    static int lstmCell(int hidden, double[] gates, int gi, double[] cp, int ci, double[] out, int oi) {
        return 0;
    }

    static int gruCell(int hidden, double[] gates, int gi, double[] hh, int hi, double[] bhh, int bi, double[] hp, int pi,
                       double[] hn, int ni, double[] out, int oi) {
        return 0;
    }

    static int rnnCellBackward(int hidden, double[] dh, int hi, double[] gOut, int oi, double[] gates, int gi, double[] dg) {
        return 0;
    }

    static int lstmCellBackward(int hidden, double[] dh, double[] dc, int hi, double[] gOut, int oi, double[] gates, int gi,
                                double[] out, double[] cp, int ci, double[] dg) {
        return 0;
    }

    static int gruCellBackward(int hidden, double[] dh, double[] direct, int hi, double[] gOut, int oi, double[] gates, int gi,
                               double[] hp, int pi, double[] hn, int ni, double[] dg, double[] dgh) {
        return 0;
    }
}
