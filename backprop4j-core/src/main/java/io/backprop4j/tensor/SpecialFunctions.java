package io.backprop4j.tensor;

/**
 * erf, erfc and the standard normal distribution to full double precision (Java has no erf).
 * erf uses the all-positive series erf(x) = 2/√π e^(-x²) Σ (2x²)^n x / (2n+1)!! for |x| < 3
 * (no cancellation); erfc uses its continued fraction, evaluated by the modified Lentz method,
 * for |x| ≥ 3, where the series would need many terms.
 */
final class SpecialFunctions {
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
    private static final double INV_SQRT_2 = 1 / Math.sqrt(2);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

    private SpecialFunctions() {}

    /** The error function, 2/√π ∫₀ˣ e^(-t²) dt. */
    static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double ax = Math.abs(x);
        double r = ax < 3 ? erfSeries(ax) : 1 - erfcFraction(ax);
        return x < 0 ? -r : r;
    }

    /** The complementary error function, 1 - erf(x), accurate also where it is tiny. */
    static double erfc(double x) {
        if (Double.isNaN(x)) return x;
        if (x >= 3) return erfcFraction(x);
        if (x <= -3) return 2 - erfcFraction(-x);
        return 1 - erf(x);
    }

    /** Φ(x), the standard normal CDF: erfc(-x/√2) / 2. */
    static double normalCdf(double x) {
        return 0.5 * erfc(-x * INV_SQRT_2);
    }

    /** φ(x), the standard normal density. */
    static double normalPdf(double x) {
        return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    }

    private static double erfSeries(double x) {
        double x2 = x * x;
        double term = x, sum = x;
        for (int n = 1; n < 200; n++) {
            term *= 2 * x2 / (2 * n + 1);
            sum += term;
            if (term < sum * 1e-17) break;
        }
        return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
    }

    /** erfc(x) for x ≥ 3: e^(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))). */
    private static double erfcFraction(double x) {
        final double tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (int n = 1; n < 500; n++) {
            double an = n * 0.5;
            d = x + an * d;
            if (Math.abs(d) < tiny) d = tiny;
            c = x + an / c;
            if (Math.abs(c) < tiny) c = tiny;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) break;
        }
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
    }
}
