package io.backprop4j.internal.kernel;

import static io.backprop4j.internal.kernel.Activations.ERFC_POLY;
import static io.backprop4j.internal.kernel.Activations.EXP_MAX;
import static io.backprop4j.internal.kernel.Activations.EXP_MIN;
import static io.backprop4j.internal.kernel.Activations.EXP_POLY;
import static io.backprop4j.internal.kernel.Activations.INV_SQRT_2;
import static io.backprop4j.internal.kernel.Activations.INV_SQRT_2PI;
import static io.backprop4j.internal.kernel.Activations.LN2_HI;
import static io.backprop4j.internal.kernel.Activations.LN2_LO;
import static io.backprop4j.internal.kernel.Activations.LOG2E;
import static io.backprop4j.internal.kernel.Activations.ROUND;
import static io.backprop4j.internal.kernel.Activations.X_MAX;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API bodies of {@link Activations}' loops, whole vectors only (each returns the index
 * where the caller's scalar loop takes over); loaded only when {@link Simd#AVAILABLE}. Lane by
 * lane the same operations in the same order as the scalar code, so the same bits.
 */
final class ActivationsVector {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);

    private ActivationsVector() {
    }

    static FloatVector exp(FloatVector x) {
        FloatVector a = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector t = a.fma(LOG2E, ROUND), k = t.sub(ROUND);
        FloatVector r = k.fma(FloatVector.broadcast(F, -LN2_HI), a);
        r = k.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(F, EXP_POLY[0]);
        for (int i = 1; i < EXP_POLY.length; i++) {
            p = p.fma(r, FloatVector.broadcast(F, EXP_POLY[i]));
        }
        p = p.fma(r.mul(r), r).add(1f);
        // (int) k + 127, read from t's bits: t = ROUND + k exactly (ROUND = 1.5·2^23 has unit ulp), so bits(t) =
        // bits(ROUND) + k, the same int as the scalar code's cast, one conversion fewer (GELU 5-9% faster, Zen 5)
        IntVector bits = ((IntVector) t.reinterpretAsInts()).sub(ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23);
        return p.mul(bits.reinterpretAsFloats())
                .blend(0f, x.compare(VectorOperators.LT, EXP_MIN))
                .blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_MAX));
    }

    static FloatVector normalCdf(FloatVector v) {
        FloatVector x = v.max(-X_MAX).min(X_MAX);
        FloatVector z = x.abs().mul(INV_SQRT_2);
        FloatVector t = FloatVector.broadcast(F, 1f).div(z.fma(0.5f, 1f));
        FloatVector p = FloatVector.broadcast(F, ERFC_POLY[0]);
        for (int i = 1; i < ERFC_POLY.length; i++) {
            p = p.fma(t, FloatVector.broadcast(F, ERFC_POLY[i]));
        }
        FloatVector sq = x.mul(x), sqLo = x.fma(x, sq.neg());
        FloatVector h = sq.mul(-0.5f), s = p.add(h), bp = s.sub(p);
        FloatVector err = p.sub(s.sub(bp)).add(h.sub(bp));
        FloatVector e = exp(s);
        FloatVector half = t.mul(0.5f).mul(e.fma(sqLo.mul(-0.5f).add(err), e));
        return half.blend(FloatVector.broadcast(F, 1f).sub(half), x.compare(VectorOperators.GE, 0f));
    }

    static int axpy(int n, float a, float[] x, int xo, float[] y, int yo) {
        int i = 0, bound = F.loopBound(n);
        for (; i < bound; i += F.length()) {
            FloatVector.fromArray(F, x, xo + i).mul(a).add(FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        return i;
    }

    static int gelu(float[] x, int xo, float[] y, int yo, int n, float[] cdf, int co) {
        int i = 0, bound = F.loopBound(n);
        for (; i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector c = normalCdf(v);
            v.mul(c).intoArray(y, yo + i);
            if (cdf != null) {
                c.intoArray(cdf, co + i);
            }
        }
        return i;
    }

    static int geluBackward(float[] g, int go, float[] x, int xo, float[] cdf, int co, float[] dx, int dxo, int n) {
        int i = 0, bound = F.loopBound(n);
        for (; i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            FloatVector pdf = exp(v.mul(-0.5f).mul(v)).mul(INV_SQRT_2PI);
            FloatVector.fromArray(F, g, go + i).mul(v.fma(pdf, FloatVector.fromArray(F, cdf, co + i))).intoArray(dx, dxo + i);
        }
        return i;
    }
}
