package io.backprop4j.internal.kernel;

/**
 * Loops for the elementwise work of training (activations and their derivatives, column sums,
 * the Adam update), where a scalar loop through a lambda would cost more than the arithmetic.
 * Each method reads {@code n} elements from the given offsets and writes the output arrays only.
 * With the Vector API module ({@link Simd#AVAILABLE}) they run as {@link VectorLoops}, else as
 * the scalar loops here; both give the same results, bit for bit.
 */
public final class VectorMath {

    private VectorMath() {
    }

    /**
     * y[i] = (x[i] as an unsigned byte) / divisor, in float32: pixels to [0, 1] with divisor 255.
     * A float division per element, as {@code (x & 0xff) / divisor} in scalar code, so the results
     * are the same bit for bit.
     */
    public static void unsignedBytesOver(byte[] x, int xo, float[] y, int yo, int n, float divisor) {
        if (Simd.AVAILABLE) {
            VectorLoops.unsignedBytesOver(x, xo, y, yo, n, divisor);
            return;
        }
        for (int i = 0; i < n; i++) {
            y[yo + i] = (x[xo + i] & 0xff) / divisor;
        }
    }

    /** y = max(x, 0) (slope {@code alpha} below zero when alpha ≠ 0: leaky ReLU). */
    public static void leakyRelu(float[] x, int xo, float[] y, int yo, int n, float alpha) {
        if (Simd.AVAILABLE) {
            VectorLoops.leakyRelu(x, xo, y, yo, n, alpha);
            return;
        }
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            y[yo + i] = v > 0 ? v : alpha * v + 0f;
        }
    }

    /** dx = g where x > 0, else alpha·g (alpha 0: ReLU), for n elements, dx from 0. */
    public static void leakyReluBackward(float[] g, int go, float[] x, int xo, float[] dx, int n, float alpha) {
        leakyReluBackward(g, go, x, xo, dx, 0, n, alpha);
    }

    /** dx[dxo + i] = g[go + i] where x[xo + i] > 0, else alpha·g[go + i], for i < n. */
    public static void leakyReluBackward(float[] g, int go, float[] x, int xo, float[] dx, int dxo, int n, float alpha) {
        if (Simd.AVAILABLE) {
            VectorLoops.leakyReluBackward(g, go, x, xo, dx, dxo, n, alpha);
            return;
        }
        for (int i = 0; i < n; i++) {
            dx[dxo + i] = x[xo + i] > 0 ? g[go + i] : alpha * g[go + i] + 0f;
        }
    }

    /** out[j] = Σ_i x[xo + i·cols + j] over {@code rows} rows: the sums of the columns of a row-major matrix. */
    public static void columnSums(float[] x, int xo, int rows, int cols, float[] out) {
        if (Simd.AVAILABLE) {
            VectorLoops.columnSums(x, xo, rows, cols, out);
            return;
        }
        java.util.Arrays.fill(out, 0, cols, 0f);
        for (int r = 0; r < rows; r++) {
            int base = xo + r * cols;
            for (int j = 0; j < cols; j++) {
                out[j] += x[base + j];
            }
        }
    }

    // twin: float32 source
    /**
     * The Adam/AdamW update of elements [from, to) of a parameter p (gradient g, first and second
     * moments m and v at the same indices from 0), as many whole vectors as fit: with
     * {@code pk = p·decay} when decoupledDecay, {@code gk = g + l2·pk}, {@code m = b1·m + c1·gk},
     * {@code v = b2·v + c2·gk·gk}, {@code p = pk + negStep·m / (sqrt(v) / bc2Sqrt + e)}. Returns
     * the index up to which it updated (from itself without the Vector API); the caller's scalar
     * loop, with the same operations in the same order, does the rest.
     */
    public static int adam(float[] p, int po, float[] g, int go, float[] m, float[] v, int from, int to, float decay,
                           float l2, float b1, float b2, float c1, float c2, float bc2Sqrt, float e, float negStep,
                           boolean decoupledDecay) {
        return Simd.AVAILABLE
                ? VectorLoops.adam(p, po, g, go, m, v, from, to, decay, l2, b1, b2, c1, c2, bc2Sqrt, e, negStep, decoupledDecay)
                : from;
    }
    // twin: end
    // twin: float64, generated from the float32 source above by tools/codegen/GenerateTwins.java; do not edit
    /**
     * The Adam/AdamW update of elements [from, to) of a parameter p (gradient g, first and second
     * moments m and v at the same indices from 0), as many whole vectors as fit: with
     * {@code pk = p·decay} when decoupledDecay, {@code gk = g + l2·pk}, {@code m = b1·m + c1·gk},
     * {@code v = b2·v + c2·gk·gk}, {@code p = pk + negStep·m / (sqrt(v) / bc2Sqrt + e)}. Returns
     * the index up to which it updated (from itself without the Vector API); the caller's scalar
     * loop, with the same operations in the same order, does the rest.
     */
    public static int adam(double[] p, int po, double[] g, int go, double[] m, double[] v, int from, int to, double decay,
                           double l2, double b1, double b2, double c1, double c2, double bc2Sqrt, double e, double negStep,
                           boolean decoupledDecay) {
        return Simd.AVAILABLE
                ? VectorLoops.adam(p, po, g, go, m, v, from, to, decay, l2, b1, b2, c1, c2, bc2Sqrt, e, negStep, decoupledDecay)
                : from;
    }
    // twin: end
}
