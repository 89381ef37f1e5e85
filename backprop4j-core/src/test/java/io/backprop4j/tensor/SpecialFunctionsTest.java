package io.backprop4j.tensor;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The float32-grade Φ of float32 GELU against the exact one, relative error everywhere (the far left tail too). */
class SpecialFunctionsTest {
    @Test
    void fastNormalCdfKeepsItsRelativeAccuracy() {
        double worst = 0, at = 0;
        for (int i = -1200; i <= 1200; i++) {
            double x = i / 100.0 + 0.003;
            double exact = SpecialFunctions.normalCdf(x), fast = SpecialFunctions.normalCdfFloat(x);
            double rel = Math.abs(fast - exact) / exact;
            if (rel > worst) { worst = rel; at = x; }
        }
        assertTrue(worst < 1.5e-7, "relative error " + worst + " at x = " + at);
        assertTrue(worst > 1e-12, "suspiciously exact: the fast path may not be the fit");
    }
}
