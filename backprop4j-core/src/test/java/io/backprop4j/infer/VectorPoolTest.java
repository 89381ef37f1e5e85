package io.backprop4j.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.backprop4j.internal.kernel.Simd;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The vector 2x2 pool after a ReLU gives the scalar integer loop's floats: every output width from
 * 1 to 40, rows with a margin, NaN; nothing written past the outputs, nothing read past the input.
 */
class VectorPoolTest {
    @Test
    void theScalarLoopsFloatsAtEveryWidth() {
        var rng = new SplittableRandom(11);
        int checked = 0;
        for (int outW = 1; outW <= 40; outW++) {
            for (int extra : new int[] {0, 1, 3}) {
                int planes = 3, outH = 1 + outW % 4, h = 2 * outH + extra % 2, w = 2 * outW + extra, ld = w + extra;
                float[] x = new float[7 + planes * h * ld];
                for (int i = 0; i < x.length; i++) {
                    double u = rng.nextDouble();
                    // a ReLU's output: +0 (often), positive, now and then NaN (either sign) or +inf
                    x[i] = u < 0.3 ? 0f : u < 0.31 ? (rng.nextBoolean() ? Float.NaN : -Float.NaN) : u < 0.315 ? Float.POSITIVE_INFINITY : (float) rng.nextDouble(0, 5);
                }
                int[] window = {2, 2, 2, 2, 0, 0, 1, 1};
                // 16 floats past the outputs that neither loop may write (a whole vector's extra lanes would land there)
                float[] scalar = new float[5 + planes * outH * outW + 16];
                java.util.Arrays.fill(scalar, -7f);
                float[] vector = scalar.clone();
                ConvChain.max2x2AfterReLU(planes, h, ld, outH, outW, x, 7, scalar, 5);
                if (Simd.AVAILABLE) VectorPool.max2x2AfterReLU(planes, h, ld, outH, outW, x, 7, vector, 5);
                else ConvChain.maxPool(window, true, planes, h, w, ld, outH, outW, x, 7, vector, 5);
                int[] a = new int[scalar.length], b = new int[vector.length];
                for (int i = 0; i < a.length; i++) {
                    a[i] = Float.floatToRawIntBits(scalar[i]);
                    b[i] = Float.floatToRawIntBits(vector[i]);
                }
                assertArrayEquals(a, b, "outW " + outW + ", margin " + extra);
                checked++;
            }
        }
        assertEquals(120, checked);
    }
}
