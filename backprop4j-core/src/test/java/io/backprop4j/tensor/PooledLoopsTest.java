package io.backprop4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.backprop4j.internal.kernel.Parallel;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The loops that split large tensors over the pool (strided copies, long elementwise arithmetic,
 * the float32 softmax cross-entropy's rows) give the floats of the calling thread alone, bit for
 * bit, and the plain definition where it is exact; so do the column sums (on one thread). The
 * sizes pass each loop's threshold, with rows and chunks that do not divide evenly.
 */
class PooledLoopsTest {
    private static float[] random(SplittableRandom rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rng.nextGaussian();
        return v;
    }

    /** The floats of {@code f} computed on the pool and on the calling thread alone, which must be the same bits. */
    private static float[] pooledAndAlone(String what, Supplier<Tensor> f) {
        float[] pooled = f.get().toFloatArray();
        float[] alone;
        try (var t = Parallel.onCallingThread()) {
            alone = f.get().toFloatArray();
        }
        assertEquals(alone.length, pooled.length, what);
        for (int i = 0; i < alone.length; i++) {
            assertEquals(Float.floatToRawIntBits(alone[i]), Float.floatToRawIntBits(pooled[i]), what + " at " + i);
        }
        return pooled;
    }

    @Test
    void stridedCopiesAreTheElementsInOrder() {
        var rng = new SplittableRandom(7);
        int a = 3, b = 131, c = 257;   // 100,971 elements, rows of 3 after the permutation
        float[] v = random(rng, a * b * c);
        Tensor x = Tensor.of(v, a, b, c);
        float[] got = pooledAndAlone("permute(2, 1, 0)", () -> x.permute(2, 1, 0).contiguous());
        for (int k = 0; k < c; k++) {
            for (int j = 0; j < b; j++) {
                for (int i = 0; i < a; i++) {
                    assertEquals(v[(i * b + j) * c + k], got[(k * b + j) * a + i], "element " + i + ", " + j + ", " + k);
                }
            }
        }
        float[] t = pooledAndAlone("transpose(0, 1)", () -> x.transpose(0, 1).contiguous());
        assertEquals(v[(2 * b + 130) * c + 256], t[(130 * a + 2) * c + 256]);
        // copy_ into a contiguous view that starts past its array's first element: the rows land from its offset on
        Tensor whole = Tensor.zeros(DType.FLOAT32, a + 2, b, c);
        Tensor window = whole.narrow(0, 1, a);
        Tensor strided = x.transpose(0, 2).contiguous().transpose(0, 2);   // x's values, not contiguous
        assertFalse(strided.isContiguous());
        window.copy_(strided);
        float[] w = whole.toFloatArray();
        for (int i = 0; i < v.length; i++) assertEquals(v[i], w[b * c + i], 0f, "copy_ into the view at " + i);
        assertEquals(0f, w[b * c - 1], 0f, "before the view");
        assertEquals(0f, w[b * c + v.length], 0f, "after the view");
    }

    @Test
    void longArithmeticIsElementwise() {
        var rng = new SplittableRandom(8);
        int n = 70_001;
        float[] u = random(rng, n), w = random(rng, n);
        Tensor x = Tensor.of(u, n), y = Tensor.of(w, n);
        float[] sum = pooledAndAlone("add", () -> x.add(y));
        float[] quotient = pooledAndAlone("div", () -> x.div(y));
        for (int i = 0; i < n; i++) {
            assertEquals(u[i] + w[i], sum[i], 0f, "add at " + i);
            assertEquals(u[i] / w[i], quotient[i], 0f, "div at " + i);
        }
    }

    @Test
    void columnSumsRunDownEachColumnInOrder() {
        var rng = new SplittableRandom(9);
        int rows = 517, cols = 301;   // 155,617 elements: blocks of 64 columns and a narrower last one
        float[] v = random(rng, rows * cols);
        float[] got = pooledAndAlone("sum(0)", () -> Tensor.of(v, rows, cols).sum(0, false));
        for (int j = 0; j < cols; j++) {
            float s = 0f;
            for (int i = 0; i < rows; i++) s += v[i * cols + j];
            assertEquals(s, got[j], 0f, "column " + j);
        }
    }

    @Test
    void crossEntropyRowsOnThePoolGiveTheSameLoss() {
        var rng = new SplittableRandom(10);
        int n = 2_003, k = 29;
        float[] v = random(rng, n * k);
        int[] classes = new int[n];
        for (int i = 0; i < n; i++) classes[i] = rng.nextInt(k);
        Tensor x = Tensor.of(v, n, k);
        float[] loss = pooledAndAlone("cross entropy", () -> Functional.crossEntropy(x, classes));
        double expected = 0;
        for (int i = 0; i < n; i++) {
            double m = Double.NEGATIVE_INFINITY, s = 0;
            for (int j = 0; j < k; j++) m = Math.max(m, v[i * k + j]);
            for (int j = 0; j < k; j++) s += Math.exp(v[i * k + j] - m);
            expected += m + Math.log(s) - v[i * k + classes[i]];
        }
        assertEquals(expected / n, loss[0], 1e-5);
    }
}
