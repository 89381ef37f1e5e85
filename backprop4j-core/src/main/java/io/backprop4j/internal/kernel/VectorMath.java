package io.backprop4j.internal.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised float32 loops for the elementwise work of training (activations and their
 * derivatives, column sums), where a scalar loop through a lambda would cost more than the
 * arithmetic. Each method reads {@code n} elements from the given offsets and writes the output
 * array only.
 */
public final class VectorMath {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** As many byte lanes as F has float lanes, and ints of F's shape: the widening path of {@link #unsignedBytesOver}. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.length() * Byte.SIZE));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());

    private VectorMath() {}

    /**
     * y[i] = (x[i] as an unsigned byte) / divisor, in float32: pixels to [0, 1] with divisor 255.
     * A float division per element, as {@code (x & 0xff) / divisor} in scalar code, so the results
     * are the same bit for bit.
     */
    public static void unsignedBytesOver(byte[] x, int xo, float[] y, int yo, int n, float divisor) {
        int i = 0;
        int bound = F.loopBound(n);
        for (; i < bound; i += F.length()) {
            FloatVector v = (FloatVector) ByteVector.fromArray(B, x, xo + i)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0)
                    .convert(VectorOperators.I2F, 0);
            v.div(divisor).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = (x[xo + i] & 0xff) / divisor;
        }
    }

    /** y = max(x, 0) (slope {@code alpha} below zero when alpha ≠ 0: leaky ReLU). */
    public static void leakyRelu(float[] x, int xo, float[] y, int yo, int n, float alpha) {
        int i = 0;
        int bound = F.loopBound(n);
        FloatVector a = FloatVector.broadcast(F, alpha);
        for (; i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            VectorMask<Float> pos = v.compare(VectorOperators.GT, 0f);
            v.mul(a).blend(v, pos).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            float v = x[xo + i];
            y[yo + i] = v > 0 ? v : alpha * v;
        }
    }

    /** dx = g where x > 0, else alpha·g (alpha 0: ReLU). */
    public static void leakyReluBackward(float[] g, int go, float[] x, int xo, float[] dx, int n, float alpha) {
        int i = 0;
        int bound = F.loopBound(n);
        FloatVector a = FloatVector.broadcast(F, alpha);
        for (; i < bound; i += F.length()) {
            FloatVector gv = FloatVector.fromArray(F, g, go + i);
            VectorMask<Float> pos = FloatVector.fromArray(F, x, xo + i).compare(VectorOperators.GT, 0f);
            gv.mul(a).blend(gv, pos).intoArray(dx, i);
        }
        for (; i < n; i++) dx[i] = x[xo + i] > 0 ? g[go + i] : alpha * g[go + i];
    }

    /** out[j] = Σ_i x[xo + i·cols + j] over {@code rows} rows: the sums of the columns of a row-major matrix. */
    public static void columnSums(float[] x, int xo, int rows, int cols, float[] out) {
        java.util.Arrays.fill(out, 0, cols, 0f);
        int bound = F.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int base = xo + r * cols;
            int j = 0;
            for (; j < bound; j += F.length()) {
                FloatVector.fromArray(F, out, j).add(FloatVector.fromArray(F, x, base + j)).intoArray(out, j);
            }
            for (; j < cols; j++) out[j] += x[base + j];
        }
    }
}
