package io.backprop4j.internal.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The pooling kernels (max, average, adaptive average; forward and backward; float32 and float64)
 * against the window definitions written as plain loops, on odd shapes with strides, paddings,
 * dilations and windows that overhang the input.
 */
class PoolingTest {

    /** planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw (the output size: floor mode). */
    private static final int[][] CASES = {
        {1, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1},
        {6, 7, 5, 2, 2, 2, 2, 0, 0, 1, 1},
        {3, 9, 8, 3, 2, 2, 3, 1, 1, 1, 1},
        {2, 11, 10, 3, 3, 1, 2, 1, 0, 2, 3},
        {5, 5, 5, 5, 5, 1, 1, 2, 2, 1, 1},
        {4, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1},
        {7, 6, 13, 1, 4, 3, 2, 0, 2, 1, 1},
        {2, 6, 70, 2, 2, 2, 2, 0, 0, 1, 1},     // rows of 35 outputs: several vector steps and a masked one
        {3, 9, 9, 2, 2, 2, 2, 0, 0, 1, 1},      // odd sizes: the last row and column are left out
    };

    private static double[] random(SplittableRandom r, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = r.nextDouble(-1, 1);
        return a;
    }

    private static int out(int in, int k, int s, int p, int d) {
        return ConvGeometry.outSize(in, k, s, p, d);
    }

    @Test
    void maxPoolingAgreesWithTheDefinition() {
        SplittableRandom r = new SplittableRandom(3);
        for (int[] c : CASES) {
            int planes = c[0], h = c[1], w = c[2], kh = c[3], kw = c[4], sh = c[5], sw = c[6], ph = c[7], pw = c[8], dh = c[9], dw = c[10];
            if (ph > kh / 2 || pw > kw / 2) continue;
            int oh = out(h, kh, sh, ph, dh), ow = out(w, kw, sw, pw, dw);
            double[] x = random(r, planes * h * w), dy = random(r, planes * oh * ow);
            double[] y = new double[planes * oh * ow], dx = new double[x.length];
            for (int p = 0; p < planes; p++) {
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double best = Double.NEGATIVE_INFINITY;
                        int at = -1;
                        for (int a = 0; a < kh; a++) {
                            for (int b = 0; b < kw; b++) {
                                int ih = i * sh - ph + a * dh, iw = j * sw - pw + b * dw;
                                if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                                int xi = (p * h + ih) * w + iw;
                                if (x[xi] > best) { best = x[xi]; at = xi; }
                            }
                        }
                        int yi = (p * oh + i) * ow + j;
                        y[yi] = best;
                        dx[at] += dy[yi];
                    }
                }
            }
            String name = Arrays.toString(c);
            int xo = 3;
            float[] xf = new float[x.length + xo], dyf = new float[dy.length + 2];
            for (int i = 0; i < x.length; i++) xf[xo + i] = (float) x[i];
            for (int i = 0; i < dy.length; i++) dyf[2 + i] = (float) dy[i];
            float[] yf = new float[y.length], dxf = new float[x.length];
            int[] arg = new int[y.length];
            Pooling.maxForward(planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, xf, xo, yf, arg);
            for (int i = 0; i < y.length; i++) assertEquals((float) y[i], yf[i], 0f, name + " max float32 " + i);
            Pooling.maxBackward(planes, h * w, oh * ow, dyf, 2, arg, dxf);
            for (int i = 0; i < x.length; i++) assertEquals(dx[i], dxf[i], 1e-5, name + " max backward float32 " + i);

            double[] xd = new double[x.length + xo];
            System.arraycopy(x, 0, xd, xo, x.length);
            double[] yd = new double[y.length], dxd = new double[x.length];
            Pooling.maxForward(planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, xd, xo, yd, arg);
            assertTrue(Arrays.equals(y, yd), name + " max float64");
            Pooling.maxBackward(planes, h * w, oh * ow, dy, 0, arg, dxd);
            for (int i = 0; i < x.length; i++) assertEquals(dx[i], dxd[i], 1e-14, name + " max backward float64 " + i);
        }
    }

    /**
     * The 2x2 backward that writes every element of dx (it may start as anything, here NaN) gives
     * the bits of the scatter into zeros, a −0 gradient included, on even and odd sizes (a last
     * row and column that no window covers).
     */
    @Test
    void theTwoByTwoBackwardWritesEveryElementWithTheScattersBits() {
        SplittableRandom r = new SplittableRandom(9);
        int covered = 0;
        for (int[] c : CASES) {
            int planes = c[0], h = c[1], w = c[2];
            int oh = out(h, c[3], c[5], c[7], c[9]), ow = out(w, c[4], c[6], c[8], c[10]);
            if (!Pooling.isTwoByTwo(h, w, oh, ow, c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10])) continue;
            covered++;
            double[] x = random(r, planes * h * w), dy = random(r, planes * oh * ow);
            for (int i = 0; i < dy.length; i += 5) dy[i] = -0.0;
            int[] arg = new int[dy.length];
            Pooling.maxForward(planes, h, w, oh, ow, 2, 2, 2, 2, 0, 0, 1, 1, x, 0, new double[dy.length], arg);
            float[] dyf = new float[dy.length + 1];
            for (int i = 0; i < dy.length; i++) dyf[1 + i] = (float) dy[i];
            float[] scattered = new float[x.length], written = new float[x.length];
            Arrays.fill(written, Float.NaN);
            Pooling.maxBackward(planes, h * w, oh * ow, dyf, 1, arg, scattered);
            Pooling.maxBackward2x2(planes, h, w, oh, ow, dyf, 1, arg, written);
            double[] scatteredD = new double[x.length], writtenD = new double[x.length];
            Arrays.fill(writtenD, Double.NaN);
            Pooling.maxBackward(planes, h * w, oh * ow, dy, 0, arg, scatteredD);
            Pooling.maxBackward2x2(planes, h, w, oh, ow, dy, 0, arg, writtenD);
            for (int i = 0; i < x.length; i++) {
                assertEquals(Float.floatToRawIntBits(scattered[i]), Float.floatToRawIntBits(written[i]), Arrays.toString(c) + " float32 " + i);
                assertEquals(Double.doubleToRawLongBits(scatteredD[i]), Double.doubleToRawLongBits(writtenD[i]), Arrays.toString(c) + " float64 " + i);
            }
        }
        assertEquals(5, covered);
        // A window that overhangs (ceil mode) or a padded one is not the 2x2 path.
        assertTrue(!Pooling.isTwoByTwo(5, 5, 3, 3, 2, 2, 2, 2, 0, 0, 1, 1) && !Pooling.isTwoByTwo(4, 4, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1));
    }

    /** PyTorch's rules: the first of equal values wins, a NaN wins over everything. */
    @Test
    void maxPoolingTiesAndNaN() {
        double[] x = {1, 3, 3, 0, 2, Double.NaN, 3, 3, 2};
        double[] y = new double[4];
        int[] arg = new int[4];
        Pooling.maxForward(1, 3, 3, 2, 2, 2, 2, 1, 1, 0, 0, 1, 1, x, 0, y, arg);
        assertEquals(3, y[0]);
        assertEquals(1, arg[0]);   // 3 at index 1 and 2: the first one
        assertEquals(Double.NaN, y[1]);
        assertEquals(5, arg[1]);
        assertEquals(6, arg[2]);
        assertEquals(5, arg[3]);   // NaN, then a larger number: NaN stays
        // The same rules on the 2x2, stride-2 path.
        float[] f = {1, 5, 5, Float.NaN, 5, 0, 2, 7};
        float[] fy = new float[2];
        Pooling.maxForward(1, 2, 4, 1, 2, 2, 2, 2, 2, 0, 0, 1, 1, f, 0, fy, arg);
        assertEquals(5f, fy[0]);
        assertEquals(1, arg[0]);
        assertEquals(Float.NaN, fy[1]);
        assertEquals(3, arg[1]);
    }

    /** The Vector API loop of 2x2 windows and the scalar one give the same values and winners, NaN and ties included. */
    @Test
    void vectorAndScalarMaxPoolingAgree() {
        SplittableRandom r = new SplittableRandom(8);
        for (int w : new int[] {2, 4, 6, 14, 28, 34, 66}) {
            int h = 6, outH = 3, outW = w / 2;
            float[] x = new float[5 + h * w];
            for (int i = 0; i < x.length; i++) {
                double u = r.nextDouble();
                x[i] = u < 0.1 ? Float.NaN : u < 0.4 ? 0f : (float) r.nextInt(4);   // many ties and some NaN
            }
            float[] y1 = new float[outH * outW + 2], y2 = new float[outH * outW + 2];
            int[] a1 = new int[y1.length], a2 = new int[y2.length];
            Pooling.maxPlane2x2(x, 5, w, outH, outW, y1, a1, 2);
            if (Pooling.VECTOR) PoolingVector.max2x2(x, 5, w, outH, outW, y2, a2, 2);
            else Pooling.maxPlane2x2(x, 5, w, outH, outW, y2, a2, 2);
            assertTrue(Arrays.equals(a1, a2), "w=" + w + ": " + Arrays.toString(a1) + " vs " + Arrays.toString(a2));
            for (int i = 0; i < y1.length; i++) assertEquals(Float.floatToIntBits(y1[i]), Float.floatToIntBits(y2[i]), "w=" + w + " " + i);
            // Without winners (evaluation): the same values.
            float[] y3 = new float[y1.length];
            Pooling.maxForward(1, h, w, outH, outW, 2, 2, 2, 2, 0, 0, 1, 1, Arrays.copyOfRange(x, 5, x.length), 0, y3, null);
            for (int i = 0; i < outH * outW; i++) assertEquals(Float.floatToIntBits(y1[2 + i]), Float.floatToIntBits(y3[i]), "no argmax, w=" + w);
        }
    }

    @Test
    void averagePoolingAgreesWithTheDefinition() {
        SplittableRandom r = new SplittableRandom(4);
        for (int[] c : CASES) {
            int planes = c[0], h = c[1], w = c[2], kh = c[3], kw = c[4], sh = c[5], sw = c[6], ph = c[7], pw = c[8];
            if (ph > kh / 2 || pw > kw / 2) continue;
            int oh = out(h, kh, sh, ph, 1), ow = out(w, kw, sw, pw, 1);
            for (int mode = 0; mode < 3; mode++) {
                boolean includePad = mode != 1;
                int divisor = mode == 2 ? 5 : 0;
                double[] x = random(r, planes * h * w), dy = random(r, planes * oh * ow);
                double[] y = new double[planes * oh * ow], dx = new double[x.length];
                for (int p = 0; p < planes; p++) {
                    for (int i = 0; i < oh; i++) {
                        for (int j = 0; j < ow; j++) {
                            double sum = 0;
                            int inside = 0, padded = 0;
                            for (int a = 0; a < kh; a++) {
                                for (int b = 0; b < kw; b++) {
                                    int ih = i * sh - ph + a, iw = j * sw - pw + b;
                                    if (ih < h + ph && iw < w + pw) padded++;   // taps past the padding never count
                                    if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                                    inside++;
                                    sum += x[(p * h + ih) * w + iw];
                                }
                            }
                            int d = divisor > 0 ? divisor : includePad ? padded : inside;
                            int yi = (p * oh + i) * ow + j;
                            y[yi] = sum / d;
                            for (int a = 0; a < kh; a++) {
                                for (int b = 0; b < kw; b++) {
                                    int ih = i * sh - ph + a, iw = j * sw - pw + b;
                                    if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                                    dx[(p * h + ih) * w + iw] += dy[yi] / d;
                                }
                            }
                        }
                    }
                }
                String name = Arrays.toString(c) + " mode " + mode;
                float[] xf = new float[x.length], dyf = new float[dy.length], yf = new float[y.length], dxf = new float[x.length];
                for (int i = 0; i < x.length; i++) xf[i] = (float) x[i];
                for (int i = 0; i < dy.length; i++) dyf[i] = (float) dy[i];
                Pooling.avgForward(planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw, includePad, divisor, xf, 0, yf);
                Pooling.avgBackward(planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw, includePad, divisor, dyf, 0, dxf);
                for (int i = 0; i < y.length; i++) assertEquals(y[i], yf[i], 1e-5, name + " avg float32 " + i);
                for (int i = 0; i < x.length; i++) assertEquals(dx[i], dxf[i], 1e-5, name + " avg backward float32 " + i);
                double[] yd = new double[y.length], dxd = new double[x.length];
                Pooling.avgForward(planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw, includePad, divisor, x, 0, yd);
                Pooling.avgBackward(planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw, includePad, divisor, dy, 0, dxd);
                for (int i = 0; i < y.length; i++) assertEquals(y[i], yd[i], 1e-14, name + " avg float64 " + i);
                for (int i = 0; i < x.length; i++) assertEquals(dx[i], dxd[i], 1e-14, name + " avg backward float64 " + i);
            }
        }
    }

    @Test
    void adaptiveAveragePoolingAgreesWithTheDefinition() {
        SplittableRandom r = new SplittableRandom(6);
        int[][] cases = {{2, 7, 5, 1, 1}, {3, 7, 5, 3, 2}, {1, 4, 4, 4, 4}, {2, 5, 3, 7, 6}, {4, 10, 9, 4, 3}};
        for (int[] c : cases) {
            int planes = c[0], h = c[1], w = c[2], oh = c[3], ow = c[4];
            double[] x = random(r, planes * h * w), dy = random(r, planes * oh * ow);
            double[] y = new double[planes * oh * ow], dx = new double[x.length];
            for (int p = 0; p < planes; p++) {
                for (int i = 0; i < oh; i++) {
                    int h0 = (int) Math.floor((double) i * h / oh), h1 = (int) Math.ceil((double) (i + 1) * h / oh);
                    for (int j = 0; j < ow; j++) {
                        int w0 = (int) Math.floor((double) j * w / ow), w1 = (int) Math.ceil((double) (j + 1) * w / ow);
                        double sum = 0;
                        for (int a = h0; a < h1; a++) for (int b = w0; b < w1; b++) sum += x[(p * h + a) * w + b];
                        int yi = (p * oh + i) * ow + j, count = (h1 - h0) * (w1 - w0);
                        y[yi] = sum / count;
                        for (int a = h0; a < h1; a++) for (int b = w0; b < w1; b++) dx[(p * h + a) * w + b] += dy[yi] / count;
                    }
                }
            }
            String name = Arrays.toString(c);
            double[] yd = new double[y.length], dxd = new double[x.length];
            Pooling.adaptiveAvgForward(planes, h, w, oh, ow, x, 0, yd);
            Pooling.adaptiveAvgBackward(planes, h, w, oh, ow, dy, 0, dxd);
            for (int i = 0; i < y.length; i++) assertEquals(y[i], yd[i], 1e-14, name + " adaptive float64 " + i);
            for (int i = 0; i < x.length; i++) assertEquals(dx[i], dxd[i], 1e-14, name + " adaptive backward float64 " + i);
            float[] xf = new float[x.length], dyf = new float[dy.length], yf = new float[y.length], dxf = new float[x.length];
            for (int i = 0; i < x.length; i++) xf[i] = (float) x[i];
            for (int i = 0; i < dy.length; i++) dyf[i] = (float) dy[i];
            Pooling.adaptiveAvgForward(planes, h, w, oh, ow, xf, 0, yf);
            Pooling.adaptiveAvgBackward(planes, h, w, oh, ow, dyf, 0, dxf);
            for (int i = 0; i < y.length; i++) assertEquals(y[i], yf[i], 1e-5, name + " adaptive float32 " + i);
            for (int i = 0; i < x.length; i++) assertEquals(dx[i], dxf[i], 1e-5, name + " adaptive backward float32 " + i);
        }
    }
}
