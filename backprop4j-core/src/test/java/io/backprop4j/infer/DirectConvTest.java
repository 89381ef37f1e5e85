package io.backprop4j.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.backprop4j.internal.kernel.ConvGeometry;
import io.backprop4j.internal.kernel.Simd;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * DirectConv's filters, by blocks of 4 and of 8 whatever this machine picks, against the plain
 * definition with the same chain of fused multiply-adds over the patch and the bias last: the
 * same floats at every valid position, for filter counts that fill no block, odd kernels and
 * one-sided padding, the filters computed whole or split in two ranges as the batch-1 hand-off
 * splits them.
 */
class DirectConvTest {
    /** out[o, a, b] = (Σ_r w[o, r]·x_r, fused, from 0) + bias[o], x [C, H, W] from x[3]: what the layers compute, in their order. */
    private static float reference(ConvGeometry g, float[] x, float[] w, float[] bias, int o, int a, int b) {
        float sum = 0f;
        int r = 0;
        for (int c = 0; c < g.channels(); c++) {
            for (int ki = 0; ki < g.kernelH(); ki++) {
                for (int kj = 0; kj < g.kernelW(); kj++, r++) {
                    int ih = a + ki - g.padH(), iw = b + kj - g.padW();
                    float v = ih < 0 || ih >= g.height() || iw < 0 || iw >= g.width() ? 0f : x[3 + (c * g.height() + ih) * g.width() + iw];
                    sum = Math.fma(w[o * g.patch() + r], v, sum);
                }
            }
        }
        return bias == null ? sum : sum + bias[o];
    }

    @Test
    void blocksOfFourAndEightGiveTheDefinitionsFloats() {
        Assumptions.assumeTrue(Simd.AVAILABLE, "DirectConv needs the Vector API");
        var rng = new SplittableRandom(5);
        // channels, height, width, filters, kernel height and width, padding height and width
        int[][] shapes = {{16, 14, 14, 32, 3, 3, 1, 1}, {1, 28, 28, 16, 3, 3, 1, 1}, {3, 11, 17, 7, 3, 3, 1, 1}, {7, 11, 17, 13, 3, 3, 1, 1},
                {13, 5, 8, 6, 2, 2, 0, 1}, {2, 9, 5, 1, 3, 1, 2, 0}, {5, 4, 23, 20, 1, 5, 0, 2}, {4, 6, 6, 9, 5, 5, 2, 2}};
        int checked = 0;
        for (int[] s : shapes) {
            ConvGeometry g = new ConvGeometry(1, s[0], s[1], s[2], s[3], s[4], s[5], 1, 1, s[6], s[7], 1, 1, 1);
            float[] x = new float[3 + s[0] * s[1] * s[2]], w = new float[s[3] * g.patch()], bias = new float[s[3]];
            for (int i = 0; i < x.length; i++) x[i] = (float) rng.nextGaussian();
            for (int i = 0; i < w.length; i++) w[i] = (float) rng.nextGaussian();
            for (int i = 0; i < bias.length; i++) bias[i] = (float) rng.nextGaussian();
            int[] offsets = DirectConv.offsets(g);
            float[] packed = DirectConv.packFilters(g, w, 0);
            float[] padded = new float[DirectConv.paddedLength(g)];
            java.util.Arrays.fill(padded, Float.NaN);   // pad must write every float the filters read
            DirectConv.pad(g, x, 3, padded);
            int oc = g.outChannels(), half = Math.min(oc, (oc / 2 + 3) / 4 * 4);
            for (boolean twoBlocks : new boolean[] {false, true}) {
                for (boolean split : new boolean[] {false, true}) {
                    for (float[] b : new float[][] {bias, null}) {
                        float[] grid = new float[(int) DirectConv.gridsLength(g)];
                        if (split) {
                            DirectConv.filters(twoBlocks, g, offsets, padded, packed, b, 0, grid, half, oc);
                            DirectConv.filters(twoBlocks, g, offsets, padded, packed, b, 0, grid, 0, half);
                        } else {
                            DirectConv.filters(twoBlocks, g, offsets, padded, packed, b, 0, grid, 0, oc);
                        }
                        int len = DirectConv.gridLength(g), wp = g.width() + 2 * g.padW();
                        for (int o = 0; o < oc; o++) {
                            for (int a = 0; a < g.outHeight(); a++) {
                                for (int c = 0; c < g.outWidth(); c++) {
                                    float expected = reference(g, x, w, b, o, a, c), actual = grid[o * len + a * wp + c];
                                    if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(actual)) {
                                        assertEquals(expected, actual, String.format("%s, filter %d at (%d, %d), %s, %s", java.util.Arrays.toString(s), o,
                                                a, c, twoBlocks ? "blocks of 8" : "blocks of 4", split ? "split" : "whole"));
                                        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual), "the bits of " + expected);
                                    }
                                }
                            }
                        }
                        checked++;
                    }
                }
            }
        }
        assertEquals(shapes.length * 8, checked);
    }
}
