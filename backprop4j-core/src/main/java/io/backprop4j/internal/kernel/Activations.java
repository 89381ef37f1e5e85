package io.backprop4j.internal.kernel;

/**
 * Float32 GELU, forward and backward, and the float32 exponential they are built on, as loops
 * over arrays. GELU(x) = x·Φ(x) with Φ(x) = erfc(−x/√2)/2, and
 * <pre>
 *   erfc(z) ≈ t·exp(−z² + P(t)),  t = 1/(1 + z/2),  z = |x|/√2 ≥ 0   (Numerical Recipes' erfcc, P of degree 9)
 *   exp(a + δ) ≈ exp(a)·(1 + δ)  for the exponent's low part δ
 *   Φ(x) = 1 − erfc(z)/2 for x ≥ 0, erfc(z)/2 for x &lt; 0
 *   dGELU/dx = Φ(x) + x·φ(x),  φ(x) = exp(−x²/2)/√(2π)
 *   exp(a) = 2^k·p(r),  k = round(a·log₂e),  r = a − k·ln 2 (in two parts),  p Cephes' expf polynomial
 * </pre>
 * Everything is float32 arithmetic with fused multiply-adds (no Math.exp, which costs tens of
 * nanoseconds and does not vectorise), so the Vector API loops ({@link ActivationsVector}, used when
 * {@link Simd#AVAILABLE}) and the scalar loops here give the same bits at any vector width.
 * Accuracy: Φ to a relative error below 4e-7 down to x = −13 (the fit itself is good to 1.2e-7,
 * the exponent is carried in two parts); e^a is 0 below a = −87 (e^−87 ≈ 1.6e-38, near the
 * smallest normal float), so Φ is 0 below x ≈ −13.2 (where it is under 1e-39) and GELU(−∞) is
 * −∞·0 = NaN, as in PyTorch.
 */
public final class Activations {
    static final float LOG2E = 1.44269504088896341f;
    static final float LN2_HI = 0.693359375f;
    static final float LN2_LO = -2.12194440e-4f;
    /** 1.5·2^23: adding and subtracting it rounds a float below 2^22 to the nearest integer (ties to even). */
    static final float ROUND = 12582912f;
    static final float EXP_MIN = -87f;
    static final float EXP_MAX = 88f;
    static final float X_MAX = 14f;
    static final float INV_SQRT_2 = 0.70710678118654752f;
    static final float INV_SQRT_2PI = 0.39894228040143268f;
    static final float[] EXP_POLY = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f,
        1.6666665459e-1f, 5.0000001201e-1f};
    /** P(t) of erfcc, highest power first. */
    static final float[] ERFC_POLY = {0.17087277f, -0.82215223f, 1.48851587f, -1.13520398f, 0.27886807f, -0.18628806f,
        0.09678418f, 0.37409196f, 1.00002368f, -1.26551223f};

    private Activations() {
    }

    /** e^a in float32 (relative error about 1e-7); 0 for a &lt; −87, +∞ for a &gt; 88, NaN for NaN. */
    public static float exp(float a) {
        if (a < EXP_MIN) {
            return 0f;
        }
        if (a > EXP_MAX) {
            return Float.POSITIVE_INFINITY;
        }
        float k = Math.fma(a, LOG2E, ROUND) - ROUND;
        float r = Math.fma(k, -LN2_HI, a);
        r = Math.fma(k, -LN2_LO, r);
        float p = EXP_POLY[0];
        for (int i = 1; i < EXP_POLY.length; i++) {
            p = Math.fma(p, r, EXP_POLY[i]);
        }
        p = Math.fma(p, r * r, r) + 1f;
        return p * Float.intBitsToFloat(((int) k + 127) << 23);
    }

    /** Math.exp: the float64 twin of {@link #exp(float)}, for the kernels generated from float32 sources. */
    public static double exp(double a) {
        return Math.exp(a);
    }

    /**
     * tanh(x) = sign(x)·(1 − e)/(1 + e), e = e^−2|x|, in float32: an absolute error of about 1e-7
     * (relative error grows as |x| goes to 0, where 1 − e cancels); the recurrent cells use it,
     * Math.tanh costs tens of nanoseconds.
     */
    public static float tanh(float x) {
        float e = exp(-2f * Math.abs(x));
        return Math.copySign((1f - e) / (1f + e), x);
    }

    /** Math.tanh: the float64 twin of {@link #tanh(float)}. */
    public static double tanh(double x) {
        return Math.tanh(x);
    }

    /** Φ(x), the standard normal CDF, in float32; see the class comment. */
    public static float normalCdf(float x) {
        // Beyond ±14, Φ is 1 in float32 or below its smallest subnormal (and x² stays finite).
        x = Math.min(Math.max(x, -X_MAX), X_MAX);
        float z = Math.abs(x) * INV_SQRT_2;
        float t = 1f / Math.fma(0.5f, z, 1f);
        float p = ERFC_POLY[0];
        for (int i = 1; i < ERFC_POLY.length; i++) {
            p = Math.fma(p, t, ERFC_POLY[i]);
        }
        // The exponent −z² + P(t) = P(t) − x²/2 to about twice float32 precision: −z² reaches −87,
        // where one rounding alone would cost a relative error of 5e-6 in Φ. x² = sq + sqLo
        // exactly (fma), and s + err = P(t) − sq/2 exactly (Knuth's two-sum).
        float sq = x * x, sqLo = Math.fma(x, x, -sq);
        float h = -0.5f * sq, s = p + h, bp = s - p;
        float err = (p - (s - bp)) + (h - bp);
        float e = exp(s);
        float half = 0.5f * t * Math.fma(e, -0.5f * sqLo + err, e);
        return x >= 0 ? 1f - half : half;
    }

    /**
     * y[yo + i] += a·x[xo + i] for i in [0, n): the inner loops of the attention kernels
     * ({@link Sequences#attention}), whose rows (a head's d columns, a query's T keys) are too
     * short for the JIT's own vectorisation to pay. Modifies y only.
     */
    public static void axpy(int n, float a, float[] x, int xo, float[] y, int yo) {
        int i = Simd.AVAILABLE ? ActivationsVector.axpy(n, a, x, xo, y, yo) : 0;
        for (; i < n; i++) {
            y[yo + i] += a * x[xo + i];
        }
    }

    /** The float64 {@link #axpy(int, float, float[], int, float[], int)}, scalar. */
    public static void axpy(int n, double a, double[] x, int xo, double[] y, int yo) {
        for (int i = 0; i < n; i++) {
            y[yo + i] += a * x[xo + i];
        }
    }

    /**
     * y[yo + i] = x[xo + i]·Φ(x[xo + i]) for i in [0, n), and cdf[co + i] = Φ(x[xo + i]) unless
     * cdf is null: what {@link #geluBackward} needs, so that it computes one exponential, not two.
     */
    public static void gelu(float[] x, int xo, float[] y, int yo, int n, float[] cdf, int co) {
        int i = Simd.AVAILABLE ? ActivationsVector.gelu(x, xo, y, yo, n, cdf, co) : 0;
        for (; i < n; i++) {
            float v = x[xo + i], c = normalCdf(v);
            y[yo + i] = v * c;
            if (cdf != null) {
                cdf[co + i] = c;
            }
        }
    }

    /** dx[dxo + i] = g[go + i]·(Φ(v) + v·φ(v)), v = x[xo + i], Φ(v) = cdf[co + i] (from {@link #gelu}), for i in [0, n). */
    public static void geluBackward(float[] g, int go, float[] x, int xo, float[] cdf, int co, float[] dx, int dxo, int n) {
        int i = Simd.AVAILABLE ? ActivationsVector.geluBackward(g, go, x, xo, cdf, co, dx, dxo, n) : 0;
        for (; i < n; i++) {
            float v = x[xo + i];
            dx[dxo + i] = g[go + i] * Math.fma(v, INV_SQRT_2PI * exp(-0.5f * v * v), cdf[co + i]);
        }
    }
}
