package io.backprop4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.internal.kernel.Activations;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The float32 Φ, exp and GELU loops of {@link Activations} (float32 GELU's) against the exact
 * float64 functions, and their vector loops against their scalar code, bit for bit.
 */
class SpecialFunctionsTest {
    @Test
    void floatNormalCdfKeepsItsRelativeAccuracy() {
        double worst = 0, at = 0;
        for (int i = -1300; i <= 1300; i++) {
            float x = (float) (i / 100.0 + 0.003);
            double exact = SpecialFunctions.normalCdf(x), fast = Activations.normalCdf(x);
            double rel = Math.abs(fast - exact) / exact;
            if (rel > worst) { worst = rel; at = x; }
        }
        assertTrue(worst < 4e-7, "relative error " + worst + " at x = " + at);
        assertTrue(worst > 1e-12, "suspiciously exact: the fast path may not be the fit");
        assertEquals(1f, Activations.normalCdf(20f));
        assertEquals(0f, Activations.normalCdf(-20f));
        assertEquals(1f, Activations.normalCdf(Float.POSITIVE_INFINITY));
        assertEquals(0f, Activations.normalCdf(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(Activations.normalCdf(Float.NaN)));
    }

    @Test
    void floatExpIsWithinAFewUlps() {
        double worst = 0, at = 0;
        for (int i = -86990; i <= 87990; i++) {
            float a = (float) (i / 1000.0 + 0.00037);
            double rel = Math.abs(Activations.exp(a) - Math.exp(a)) / Math.exp(a);
            if (rel > worst) { worst = rel; at = a; }
        }
        assertTrue(worst < 2e-7, "relative error " + worst + " at " + at);
        assertEquals(1f, Activations.exp(0f));
        assertEquals(0f, Activations.exp(-88f));
        assertEquals(Float.POSITIVE_INFINITY, Activations.exp(89f));
        assertTrue(Float.isNaN(Activations.exp(Float.NaN)));
    }

    @Test
    void floatTanhIsWithinAnAbsolute2e7() {
        double worst = 0, at = 0;
        for (int i = -20000; i <= 20000; i++) {
            float x = (float) (i / 1000.0 + 0.00037);
            double err = Math.abs(Activations.tanh(x) - Math.tanh(x));
            if (err > worst) { worst = err; at = x; }
        }
        assertTrue(worst < 2e-7, "absolute error " + worst + " at " + at);
        assertEquals(1f, Activations.tanh(Float.POSITIVE_INFINITY));
        assertEquals(-1f, Activations.tanh(-100f));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(Activations.tanh(-0f)));
        assertTrue(Float.isNaN(Activations.tanh(Float.NaN)));
    }

    /** The loops over arrays (vector lanes and the scalar tail) give what the scalar formulas give. */
    @Test
    void geluLoopsGiveTheScalarBits() {
        SplittableRandom rng = new SplittableRandom(16);
        int n = 1003;
        float[] x = new float[n + 3], g = new float[n + 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rng.nextGaussian() * (i % 3 == 0 ? 6 : 1.5));
            g[i] = (float) rng.nextGaussian();
        }
        float[] specials = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 13.5f, -13.5f, 40f, -40f, 1e-30f};
        System.arraycopy(specials, 0, x, 5, specials.length);
        float[] y = new float[n], dx = new float[n], cdf = new float[n], y2 = new float[n];
        Activations.gelu(x, 3, y, 0, n, cdf, 0);
        Activations.gelu(x, 3, y2, 0, n, null, 0);
        Activations.geluBackward(g, 3, x, 3, cdf, 0, dx, 0, n);
        float[] one = new float[1];
        for (int i = 0; i < n; i++) {
            float v = x[3 + i];
            assertEquals(Float.floatToRawIntBits(v * Activations.normalCdf(v)), Float.floatToRawIntBits(y[i]), "gelu at " + i + ", x = " + v);
            assertEquals(Float.floatToRawIntBits(y[i]), Float.floatToRawIntBits(y2[i]), "gelu without Φ at " + i);
            assertEquals(Float.floatToRawIntBits(Activations.normalCdf(v)), Float.floatToRawIntBits(cdf[i]), "Φ at " + i + ", x = " + v);
            Activations.geluBackward(new float[] {g[3 + i]}, 0, new float[] {v}, 0, new float[] {cdf[i]}, 0, one, 0, 1);
            assertEquals(Float.floatToRawIntBits(one[0]), Float.floatToRawIntBits(dx[i]), "gelu backward at " + i + ", x = " + v);
            if (Float.isFinite(v)) {
                double exact = g[3 + i] * (SpecialFunctions.normalCdf(v) + v * SpecialFunctions.normalPdf(v));
                assertEquals(exact, dx[i], 1e-6 * (1 + Math.abs(exact)), "gelu backward at x = " + v);
                assertEquals(v * SpecialFunctions.normalCdf(v), y[i], 1e-6 * (1 + Math.abs(v)), "gelu at x = " + v);
            }
        }
        assertEquals(Float.POSITIVE_INFINITY, y[5 + 3 - 3]);
        assertTrue(Float.isNaN(y[5 + 4 - 3]), "GELU(-inf) is -inf·0, NaN as in PyTorch");
    }
}
