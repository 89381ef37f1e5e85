package io.backprop4j.explain;

import io.backprop4j.explain.Answers.Written;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * When a written number counts as a value, and the slips of the pen recognised near one.
 *
 * <p>A number written with {@code d} decimals matches a value {@code v} when it is within the
 * tolerance {@code max(rel·|v|, 1e-6)} of {@code v}; or when it carries enough significant digits
 * and is {@code v} rounded or truncated to {@code d} decimals (within the tolerance). Enough is
 * {@code n = ⌈−log10 rel⌉} significant digits, at least 1 and at most 6 (the digits explain
 * prints): 3 at the default 1e-3. A number with fewer digits that agrees with the true value only
 * to the digits it has ("0" for 0.117741, "0.1" for 0.117741) is not enough to judge: it is not
 * correct, and the grader marks it "not enough digits".
 *
 * <p>Updated weights are judged by the step they imply: the tolerance is {@code η·tol((old − v)/η)}
 * and the significant digits counted are those of {@code old − new}.
 */
final class Tolerance {
    /** The most significant digits ever needed: the six that explain's text prints. */
    static final int MAX_NEEDED_DIGITS = 6;

    private final NetworkSpec spec;
    private final double rel;
    private final int needed;

    Tolerance(NetworkSpec spec, double rel) {
        this.spec = spec;
        this.rel = rel;
        this.needed = neededDigits(rel);
    }

    /** The significant digits a number needs to be judged to its own precision: ⌈−log10 rel⌉ in [1, 6]. */
    static int neededDigits(double rel) {
        if (!(rel > 0)) return MAX_NEEDED_DIGITS;
        // the small allowance keeps 1e-3 (−log10 = 2.9999999999999996 or 3.0000000000000004) at 3
        double n = Math.ceil(-Math.log10(rel) - 1e-9);
        return (int) Math.max(1, Math.min(MAX_NEEDED_DIGITS, n));
    }

    double rel() {
        return rel;
    }

    int needed() {
        return needed;
    }

    double tol(double v) {
        return Math.max(rel * Math.abs(v), Grader.ABSOLUTE_FLOOR);
    }

    /** Whether a written number matches a candidate value (a weight for update fields). */
    boolean matches(int l, Field f, int r, int c, Written g, double cand) {
        if (!Double.isFinite(cand)) return false;
        return within(l, f, r, c, g, cand) || (enoughDigits(l, f, r, c, g) && roundsTo(l, f, r, c, g, cand));
    }

    /**
     * Whether a written number agrees with the true value only to the few digits it carries:
     * not within the tolerance, too few significant digits, but the true value rounded or
     * truncated to its decimals.
     */
    boolean tooFewDigits(int l, Field f, int r, int c, Written g, double truth) {
        return Double.isFinite(truth) && !within(l, f, r, c, g, truth) && !enoughDigits(l, f, r, c, g)
                && roundsTo(l, f, r, c, g, truth);
    }

    /** The sentence for a number with too few digits. */
    String tooFewDigitsText(int l, Field f, int r, int c, Written g) {
        int n = significantDigits(l, f, r, c, g);
        String what = f != null && f.update() ? "the step old − new it implies has " : "written with ";
        return "not enough digits: " + what + n + " significant digit" + (n == 1 ? "" : "s") + ", " + needed
                + " needed to judge it at the relative tolerance " + Doc.num(rel);
    }

    /** Whether two candidate values are indistinguishable at the tolerance. */
    boolean close(int l, Field f, int r, int c, double a, double b) {
        return Math.abs(a - b) <= tolAt(l, f, r, c, b);
    }

    private boolean within(int l, Field f, int r, int c, Written g, double cand) {
        return Math.abs(g.value() - cand) <= tolAt(l, f, r, c, cand);
    }

    private boolean roundsTo(int l, Field f, int r, int c, Written g, double cand) {
        double t = tolAt(l, f, r, c, cand);
        double v = g.value();
        return Math.abs(v - round(cand, g.decimals(), RoundingMode.HALF_UP)) <= t
                || Math.abs(v - round(cand, g.decimals(), RoundingMode.DOWN)) <= t;
    }

    private double tolAt(int l, Field f, int r, int c, double cand) {
        if (f != null && f.update()) {
            double lr = spec.learningRate();
            return lr * tol((oldParam(l, f, r, c) - cand) / lr);
        }
        return tol(cand);
    }

    private boolean enoughDigits(int l, Field f, int r, int c, Written g) {
        return significantDigits(l, f, r, c, g) >= needed;
    }

    /**
     * The significant digits a written number carries, from its first non-zero digit to its last
     * decimal: 0 for "0" and "0.00", 1 for "0.1", 3 for "0.100" and "100"; for an update, those
     * of old − new at the decimals written.
     */
    int significantDigits(int l, Field f, int r, int c, Written g) {
        BigDecimal v = new BigDecimal(g.value());
        if (f != null && f.update()) v = new BigDecimal(oldParam(l, f, r, c)).subtract(v);
        BigDecimal scaled = v.setScale(g.decimals(), RoundingMode.HALF_UP);
        return scaled.signum() == 0 ? 0 : scaled.unscaledValue().abs().toString().length();
    }

    private static double round(double v, int decimals, RoundingMode mode) {
        if (!Double.isFinite(v)) return v;
        return new BigDecimal(v).setScale(decimals, mode).doubleValue();
    }

    private double oldParam(int l, Field f, int r, int c) {
        NetworkSpec.Layer layer = spec.layers().get(l);
        return oldParam(layer, f, r, c);
    }

    /** The parameter an update field updates, at [r][c] (biases: at c). */
    static double oldParam(NetworkSpec.Layer layer, Field f, int r, int c) {
        return switch (f) {
            case WEIGHTS_UPDATED -> layer.weights()[r][c];
            case WEIGHTS_HH_UPDATED -> layer.weightsHh()[r][c];
            case BIAS_HH_UPDATED -> layer.biasHh()[c];
            default -> layer.bias()[c];
        };
    }

    // ------------------------------------------------------------------------------ slips

    /** Within 1% of the value. */
    static boolean nearly(double g, double v) {
        return Double.isFinite(v) && Math.abs(g - v) <= 0.01 * Math.abs(v);
    }

    /** How far g is from v, such as "0.13%". */
    static String percent(double g, double v) {
        return String.format(Locale.ROOT, "%.2g%%", 100 * Math.abs(g - v) / Math.abs(v));
    }

    /**
     * When the written number and the value, both at the decimals written, differ in one digit
     * (or two neighbours swapped) and have at least 3 digits: the value as text; else null.
     */
    static String digitSlip(Written g, double value) {
        if (!Double.isFinite(value) || g.decimals() > 17) return null;
        String a = new BigDecimal(g.value()).setScale(g.decimals(), RoundingMode.HALF_UP).toPlainString();
        String b = new BigDecimal(value).setScale(g.decimals(), RoundingMode.HALF_UP).toPlainString();
        if (a.length() != b.length() || a.equals(b)) return null;
        int first = -1;
        int diffs = 0;
        for (int i = 0; i < a.length(); i++) {
            if (a.charAt(i) != b.charAt(i)) {
                if (first < 0) first = i;
                diffs++;
            }
        }
        int digits = (int) a.chars().filter(Character::isDigit).count();
        if (digits < 3) return null;
        boolean one = diffs == 1 && Character.isDigit(a.charAt(first));
        boolean swap = diffs == 2 && first + 1 < a.length() && a.charAt(first) == b.charAt(first + 1)
                && a.charAt(first + 1) == b.charAt(first);
        return one || swap ? b : null;
    }
}
