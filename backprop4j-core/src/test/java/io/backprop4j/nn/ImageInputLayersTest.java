package io.backprop4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.autograd.GradCheck;
import io.backprop4j.data.Standardizer;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Unflatten (rows to images) and RandomShift2d (augmentation), against the definitions. */
class ImageInputLayersTest {
    @Test
    void unflattenSplitsOneDimRowMajorAndItsGradientFlowsBack() {
        var u = new Unflatten(1, 2, 3, 2);
        Tensor x = Tensor.arange(24).reshape(2, 12).to(DType.FLOAT32);
        Tensor y = u.call(x);
        assertArrayEquals(new int[] {2, 2, 3, 2}, y.shape());
        // feature c·H·W + h·W + w lands at (c, h, w)
        assertEquals(12 + 1 * 6 + 2 * 2 + 1, y.get(1, 1, 2, 1), 0);
        assertArrayEquals(new int[] {5, 4, 3}, new Unflatten(-1, 4, 3).outputShape(5, 12));
        var e = assertThrows(ShapeException.class, () -> u.outputShape(2, 13));
        assertTrue(e.getMessage().contains("dim 1 of size 13 cannot be split into [2, 3, 2] (12 elements)"), e.getMessage());
        var rng = new SplittableRandom(1);
        Tensor in = Tensor.randn(rng, DType.FLOAT64, 3, 12).requiresGrad(true);
        GradCheck.check(t -> u.forward(t[0]).tanh(), rng, in);
    }

    /** y[n, c, i, j] = x[n, c, i − dy, j' − dx] or fill, j' mirrored when flipped: the definition, by loops. */
    static double[] reference(double[] x, int n, int c, int h, int w, int[][] draws, double fill) {
        double[] y = new double[x.length];
        for (int s = 0; s < n; s++) {
            int dy = draws[s][0], dx = draws[s][1];
            boolean flip = draws[s][2] == 1;
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < w; j++) {
                        int si = i - dy, sj = (flip ? w - 1 - j : j) - dx;
                        boolean inside = si >= 0 && si < h && sj >= 0 && sj < w;
                        y[((s * c + ch) * h + i) * w + j] = inside ? x[((s * c + ch) * h + si) * w + sj] : fill;
                    }
                }
            }
        }
        return y;
    }

    @Test
    void randomShiftMovesEachSampleByItsDrawsInTrainingAndIsTheIdentityInEvaluation() {
        int n = 6, c = 2, h = 5, w = 4, s = 2;
        Tensor x = Tensor.randn(new SplittableRandom(2), DType.FLOAT32, n, c, h, w);
        var layer = new RandomShift2d(s, true, -0.75, new SplittableRandom(3));
        Tensor y = layer.call(x);
        // The same draws in the documented order: dy, dx, then the flip, sample by sample.
        var rng = new SplittableRandom(3);
        int[][] draws = new int[n][];
        int moved = 0;
        for (int k = 0; k < n; k++) {
            draws[k] = new int[] {rng.nextInt(2 * s + 1) - s, rng.nextInt(2 * s + 1) - s, rng.nextBoolean() ? 1 : 0};
            if (draws[k][0] != 0 || draws[k][1] != 0 || draws[k][2] == 1) moved++;
        }
        assertTrue(moved >= 3, "the seed moves most samples");
        double[] expected = reference(x.toDoubleArray(), n, c, h, w, draws, -0.75);
        double[] actual = y.toDoubleArray();
        for (int i = 0; i < expected.length; i++) assertEquals((float) expected[i], (float) actual[i], 0, "element " + i);
        try (var mode = layer.evalScope()) {
            assertSame(x, layer.call(x));
        }
        assertEquals(DType.FLOAT32, y.dtype());
    }

    @Test
    void withoutFlipNoSampleIsMirrored() {
        Tensor x = Tensor.arange(8).reshape(1, 1, 1, 8).to(DType.FLOAT32);
        var layer = new RandomShift2d(0, false, 0, new SplittableRandom(4));
        assertSame(x, layer.call(x));
        var flips = new RandomShift2d(0, true, 0, new SplittableRandom(5));
        int mirrored = 0;
        for (int t = 0; t < 20; t++) {
            float[] y = flips.call(x).toFloatArray();
            if (y[0] == 7) mirrored++;
            else assertEquals(0, y[0], 0);
        }
        assertTrue(mirrored > 3 && mirrored < 17, mirrored + " of 20 flipped");
    }

    @Test
    void badInputsAreRefused() {
        var layer = new RandomShift2d(1, false, 0, new SplittableRandom(6));
        assertThrows(ShapeException.class, () -> layer.call(Tensor.zeros(2, 3)));
        Tensor needsGrad = Tensor.zeros(DType.FLOAT64, 1, 1, 3, 3).requiresGrad(true);
        var e = assertThrows(BackpropException.class, () -> layer.call(needsGrad));
        assertTrue(e.getMessage().contains("augmentation belongs at the start of a network"), e.getMessage());
        assertThrows(BackpropException.class, () -> new RandomShift2d(-1, false, 0, new SplittableRandom(7)));
    }

    @Test
    void pooledStandardizationUsesOneMeanAndStdForAllColumns() {
        Tensor f = Tensor.of(new float[][] {{0, 2}, {4, 10}});
        Standardizer s = Standardizer.fitPooled(f);
        double mean = 4, std = Math.sqrt((16 + 4 + 0 + 36) / 4.0);
        assertArrayEquals(new float[] {(float) mean, (float) mean}, s.mean());
        assertArrayEquals(new float[] {(float) std, (float) std}, s.std());
        assertNotEquals(Standardizer.fit(f).std()[0], s.std()[0]);
    }
}
