package io.backprop4j.internal.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The vectorised float32 loops against plain scalar reference code, on odd sizes and offsets. */
class VectorMathTest {
    private static final int[] SIZES = {1, 2, 7, 8, 15, 16, 17, 33, 257, 1000};

    private static float[] random(int n, SplittableRandom r) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    @Test
    void leakyReluAndItsDerivative() {
        SplittableRandom r = new SplittableRandom(1);
        for (int n : SIZES) {
            for (float alpha : new float[] {0f, 0.01f, 0.2f}) {
                float[] x = random(n + 3, r), g = random(n + 5, r);
                float[] y = new float[n + 1], dx = new float[n], shifted = new float[n + 2];
                VectorMath.leakyRelu(x, 3, y, 1, n, alpha);
                VectorMath.leakyReluBackward(g, 5, x, 3, dx, n, alpha);
                VectorMath.leakyReluBackward(g, 5, x, 3, shifted, 2, n, alpha);
                for (int i = 0; i < n; i++) {
                    float v = x[3 + i];
                    assertEquals(v > 0 ? v : alpha * v, y[1 + i], 0f, "n=" + n + " i=" + i);
                    assertEquals(v > 0 ? g[5 + i] : alpha * g[5 + i], dx[i], 0f, "n=" + n + " i=" + i);
                    assertEquals(dx[i], shifted[2 + i], 0f, "dx from offset 2, n=" + n + " i=" + i);
                }
            }
        }
    }

    @Test
    void unsignedBytesOverAgreesWithScalarDivision() {
        SplittableRandom r = new SplittableRandom(11);
        for (int n : new int[] {0, 1, 7, 15, 16, 17, 33, 257, 784}) {
            int xo = r.nextInt(5), yo = r.nextInt(5);
            byte[] x = new byte[xo + n + 3];
            for (int i = 0; i < x.length; i++) x[i] = (byte) r.nextInt(256);
            x[xo] = (byte) 0xff; // the top of the unsigned range, which a sign-extending conversion gets wrong
            float[] y = new float[yo + n + 2];
            java.util.Arrays.fill(y, -7f);
            VectorMath.unsignedBytesOver(x, xo, y, yo, n, 255f);
            for (int i = 0; i < y.length; i++) {
                float expected = i >= yo && i < yo + n ? (x[xo + i - yo] & 0xff) / 255f : -7f;
                assertEquals(expected, y[i], "n=" + n + " at " + i); // exact: same division, same float
            }
        }
    }

    @Test
    void columnSums() {
        SplittableRandom r = new SplittableRandom(2);
        for (int rows : new int[] {1, 3, 128}) {
            for (int cols : SIZES) {
                float[] x = random(2 + rows * cols, r), out = new float[cols + 1];
                out[cols] = 42f;
                VectorMath.columnSums(x, 2, rows, cols, out);
                for (int j = 0; j < cols; j++) {
                    double s = 0;
                    for (int i = 0; i < rows; i++) s += x[2 + i * cols + j];
                    assertEquals(s, out[j], 1e-4 * Math.max(1, Math.abs(s)) + 1e-5, rows + "x" + cols + " col " + j);
                }
                assertEquals(42f, out[cols], "wrote past the columns");
            }
        }
    }

    @Test
    void float32TensorPathsAgreeWithFloat64() {
        SplittableRandom r = new SplittableRandom(3);
        Tensor x64 = Tensor.randn(r, DType.FLOAT64, 37, 19);
        Tensor x32 = x64.to(DType.FLOAT32);
        assertArrayEquals(toFloat(x64.relu().toDoubleArray()), x32.relu().toFloatArray());
        // float32 multiplies by alpha rounded to float32, as PyTorch does
        float[] leaky = x32.leakyRelu(0.1).toFloatArray(), in = x32.toFloatArray();
        for (int i = 0; i < leaky.length; i++) assertEquals(in[i] > 0 ? in[i] : 0.1f * in[i], leaky[i], 0f);
        double[] s64 = x64.sum(0, false).toDoubleArray();
        float[] s32 = x32.sum(0, false).toFloatArray();
        for (int j = 0; j < s64.length; j++) assertEquals(s64[j], s32[j], 1e-4);
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }
}
