package io.backprop4j.internal.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** PackedGemv gives sgemm's floats on the unpacked matrix, for every shape where sgemm takes the matrix-vector kernel. */
class PackedGemvTest {
    @Test
    void theSameFloatsAsSgemm() {
        var rng = new SplittableRandom(21);
        int checked = 0, expected = 0;
        for (int m = 1; m <= 5; m++) {
            for (int n : new int[] {1, 7, 16, 100, 128, 300, 513}) {
                for (int k : new int[] {1, 3, 64, 257}) {
                    // the definition: a few rows, more than a tiny product, not handed to a native BLAS
                    boolean gemv = Simd.AVAILABLE && m <= Gemm.GEMV_ROWS && (long) m * n * k >= Gemm.TINY_WORK && !NativeBlas.wins(m, n, k, false);
                    assertEquals(gemv, PackedGemv.applies(m, n, k), m + " x " + n + " x " + k);
                    if (!gemv) continue;
                    expected += 2;
                    float[] a = random(rng, m * k + 3), b = random(rng, k * n + 5), bias = random(rng, m * n);
                    for (float beta : new float[] {0f, 1f}) {
                        float[] want = bias.clone(), actual = bias.clone();
                        Gemm.sgemm(false, false, m, n, k, 1f, a, 3, k, b, 5, n, beta, want, 0, n);
                        PackedGemv.run(m, n, k, a, 3, PackedGemv.pack(b, 5, k, n), beta, actual, 0);
                        assertArrayEquals(want, actual, 0f, m + " x " + n + " x " + k + ", beta " + beta);
                        checked++;
                    }
                }
            }
        }
        assertEquals(expected, checked);
        assertEquals(Simd.AVAILABLE, checked > 100, "shapes checked: " + checked);
        assertFalse(PackedGemv.applies(5, 300, 64));
        assertFalse(PackedGemv.applies(1, 7, 3));   // tiny: sgemm takes its plain loop
    }

    @Test
    void badArgumentsAreRefused() {
        if (!Simd.AVAILABLE) return;
        float[] b = PackedGemv.pack(new float[64 * 32], 0, 64, 32);
        assertThrows(IllegalArgumentException.class, () -> PackedGemv.run(5, 32, 64, new float[320], 0, b, 0f, new float[160], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> PackedGemv.run(1, 32, 64, new float[63], 0, b, 0f, new float[32], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> PackedGemv.run(1, 32, 64, new float[64], 0, b, 0f, new float[31], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> PackedGemv.run(1, 32, 64, new float[64], 0, new float[10], 0f, new float[32], 0));
    }

    private static float[] random(SplittableRandom rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rng.nextDouble(-1, 1);
        return v;
    }
}
