package io.backprop4j.internal.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The im2col convolution kernels (forward, input gradient, weight gradient, bias gradient; float32
 * and float64) against the definition written as plain loops, on odd shapes: strides, paddings,
 * dilations, groups, non-square kernels and images, 1x1 kernels (no unfolding), batches of 1 and
 * 7, and an image large enough to be cut into several tiles.
 */
class ConvolutionTest {

    /** n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups. */
    private static final int[][] CASES = {
        {1, 1, 5, 5, 1, 3, 3, 1, 1, 0, 0, 1, 1, 1},
        {7, 3, 6, 5, 4, 3, 2, 1, 1, 1, 0, 1, 1, 1},
        {2, 4, 7, 9, 6, 3, 3, 2, 2, 1, 1, 1, 1, 2},
        {3, 6, 8, 7, 6, 2, 3, 3, 2, 2, 1, 2, 1, 3},
        {1, 2, 5, 11, 3, 1, 5, 1, 3, 0, 2, 1, 2, 1},
        {4, 3, 4, 4, 5, 1, 1, 1, 1, 0, 0, 1, 1, 1},     // pointwise: the image is multiplied as it lies
        {2, 4, 5, 3, 4, 1, 1, 1, 1, 0, 0, 1, 1, 2},     // pointwise with groups
        {5, 1, 28, 28, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1},  // the first layer of fmnist-cnn
        {3, 16, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1}, // the second
        {2, 4, 50, 50, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1},   // 36 x 2500 unfolded: more than one tile
        {1, 3, 50, 50, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1},   // 27 x 2500: tiles through the short-patch forward kernel
        {1, 1, 3, 4, 2, 3, 4, 1, 1, 0, 0, 1, 1, 1},     // kernel as large as the image: one output
        {7, 2, 9, 6, 2, 3, 3, 4, 3, 2, 2, 3, 2, 2},
        {3, 2, 7, 6, 3, 3, 3, 1, 1, 2, 2, 2, 2, 1},     // dilated "same": rows of cols are shifted planes
        {2, 3, 5, 4, 2, 5, 3, 1, 1, 1, 1, 1, 1, 1},     // output as wide as the input, not as tall
    };

    private static ConvGeometry geometry(int[] c) {
        return new ConvGeometry(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12], c[13]);
    }

    /** Reference results of the definition, in double. */
    private record Expected(double[] y, double[] dx, double[] dw, double[] db) {}

    private static Expected reference(ConvGeometry g, double[] x, double[] w, double[] b, double[] dy) {
        int n = g.batch(), c = g.channels(), h = g.height(), wd = g.width(), o = g.outChannels();
        int oh = g.outHeight(), ow = g.outWidth(), cg = g.groupChannels(), og = g.groupOutChannels();
        int kh = g.kernelH(), kw = g.kernelW();
        double[] y = new double[n * o * oh * ow], dx = new double[x.length], dw = new double[w.length], db = new double[o];
        for (int i = 0; i < n; i++) {
            for (int f = 0; f < o; f++) {
                int q = f / og;
                for (int r = 0; r < oh; r++) {
                    for (int s = 0; s < ow; s++) {
                        int yi = ((i * o + f) * oh + r) * ow + s;
                        double sum = b == null ? 0 : b[f];
                        for (int ch = 0; ch < cg; ch++) {
                            for (int a = 0; a < kh; a++) {
                                for (int e = 0; e < kw; e++) {
                                    int ih = r * g.strideH() - g.padH() + a * g.dilationH();
                                    int iw = s * g.strideW() - g.padW() + e * g.dilationW();
                                    if (ih < 0 || ih >= h || iw < 0 || iw >= wd) continue;
                                    int xi = ((i * c + q * cg + ch) * h + ih) * wd + iw;
                                    int wi = ((f * cg + ch) * kh + a) * kw + e;
                                    sum += w[wi] * x[xi];
                                    dx[xi] += w[wi] * dy[yi];
                                    dw[wi] += x[xi] * dy[yi];
                                }
                            }
                        }
                        y[yi] = sum;
                        db[f] += dy[yi];
                    }
                }
            }
        }
        return new Expected(y, dx, dw, db);
    }

    private static double[] random(SplittableRandom r, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = r.nextDouble(-1, 1);
        return a;
    }

    private static float[] floats(double[] a, int offset) {
        float[] f = new float[a.length + offset];
        for (int i = 0; i < a.length; i++) f[offset + i] = (float) a[i];
        return f;
    }

    private static double[] padded(double[] a, int offset) {
        double[] d = new double[a.length + offset];
        System.arraycopy(a, 0, d, offset, a.length);
        return d;
    }

    private static void assertClose(String what, double[] expected, float[] actual, int offset, double tol) {
        for (int i = 0; i < expected.length; i++) {
            double scale = Math.max(1, Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - actual[offset + i]) <= tol * scale,
                    what + ": element " + i + " expected " + expected[i] + " but was " + actual[offset + i]);
        }
    }

    private static void assertClose(String what, double[] expected, double[] actual, int offset, double tol) {
        for (int i = 0; i < expected.length; i++) {
            double scale = Math.max(1, Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - actual[offset + i]) <= tol * scale,
                    what + ": element " + i + " expected " + expected[i] + " but was " + actual[offset + i]);
        }
    }

    @Test
    void everyKernelAgreesWithTheDefinition() {
        SplittableRandom r = new SplittableRandom(12);
        List<String> tiled = new ArrayList<>(), direct = new ArrayList<>(), directForward = new ArrayList<>();
        for (int[] c : CASES) {
            ConvGeometry g = geometry(c);
            String name = java.util.Arrays.toString(c);
            if (Convolution.tileWidth(g) < g.outPlane()) tiled.add(name);
            if (Convolution.directWeightGrad(g, new float[0])) direct.add(name);
            if (Convolution.directForward(g, new float[0])) directForward.add(name);
            int xn = g.batch() * g.channels() * g.plane(), wn = g.outChannels() * g.patch();
            int yn = g.batch() * g.outChannels() * g.outPlane();
            double[] x = random(r, xn), w = random(r, wn), b = random(r, g.outChannels()), dy = random(r, yn);
            Expected e = reference(g, x, w, b, dy);
            Expected noBias = reference(g, x, w, null, dy);
            // Inputs at odd offsets; outputs pre-filled with garbage (kernels must overwrite them), but the
            // input gradient, which is added into a fresh array.
            int xo = 3, wo = 5, bo = 2, dyo = 7;
            float[] yf = garbage(yn), dxf = new float[xn], dwf = garbage(wn), dbf = garbage(g.outChannels());
            Convolution.forward(g, floats(x, xo), xo, floats(w, wo), wo, floats(b, bo), bo, yf);
            assertClose(name + " forward float32", e.y(), yf, 0, 1e-4);
            Convolution.forward(g, floats(x, xo), xo, floats(w, wo), wo, null, 0, yf);
            assertClose(name + " forward float32 without bias", noBias.y(), yf, 0, 1e-4);
            Convolution.backwardInput(g, floats(dy, dyo), dyo, floats(w, wo), wo, dxf);
            assertClose(name + " input gradient float32", e.dx(), dxf, 0, 1e-4);
            Convolution.backwardWeight(g, floats(x, xo), xo, floats(dy, dyo), dyo, dwf, null);
            assertClose(name + " weight gradient float32", e.dw(), dwf, 0, 1e-4);
            float[] dwf2 = garbage(wn), dbf2 = garbage(g.outChannels());
            Convolution.backwardWeight(g, floats(x, xo), xo, floats(dy, dyo), dyo, dwf2, dbf2);
            assertClose(name + " weight gradient float32, with the bias's", e.dw(), dwf2, 0, 1e-4);
            assertClose(name + " bias gradient float32, with the weight's", e.db(), dbf2, 0, 1e-4);
            Convolution.biasGrad(g.batch(), g.outChannels(), g.outPlane(), floats(dy, dyo), dyo, dbf);
            assertClose(name + " bias gradient float32", e.db(), dbf, 0, 1e-4);

            double[] yd = garbageD(yn), dxd = new double[xn], dwd = garbageD(wn), dbd = garbageD(g.outChannels());
            Convolution.forward(g, padded(x, xo), xo, padded(w, wo), wo, padded(b, bo), bo, yd);
            assertClose(name + " forward float64", e.y(), yd, 0, 1e-12);
            Convolution.backwardInput(g, padded(dy, dyo), dyo, padded(w, wo), wo, dxd);
            assertClose(name + " input gradient float64", e.dx(), dxd, 0, 1e-12);
            double[] dbd2 = garbageD(g.outChannels());
            Convolution.backwardWeight(g, padded(x, xo), xo, padded(dy, dyo), dyo, dwd, dbd2);
            assertClose(name + " weight gradient float64", e.dw(), dwd, 0, 1e-12);
            assertClose(name + " bias gradient float64, with the weight's", e.db(), dbd2, 0, 1e-12);
            Convolution.biasGrad(g.batch(), g.outChannels(), g.outPlane(), padded(dy, dyo), dyo, dbd);
            assertClose(name + " bias gradient float64", e.db(), dbd, 0, 1e-12);
        }
        assertEquals(2, tiled.size(), "cases cut into tiles: " + tiled);
        // Both float32 weight-gradient kernels are covered: the dot products (few filters) and the GEMM.
        if (VectorModule.AVAILABLE) {
            assertTrue(!direct.isEmpty() && direct.size() < CASES.length, "cases on the dot-product kernel: " + direct);
            // And both forward kernels: the short patch's multiply-adds (tiled, and 1x1) and the GEMM.
            assertTrue(directForward.size() < CASES.length && directForward.stream().anyMatch(c -> c.startsWith("[1, 3, 50"))
                    && directForward.stream().anyMatch(c -> c.startsWith("[4, 3, 4, 4")), "cases on the short-patch forward kernel: " + directForward);
        }
    }

    private static float[] garbage(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, Float.NaN);
        return a;
    }

    private static double[] garbageD(int n) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, Double.NaN);
        return a;
    }

    /** Unfold then fold is the adjoint pair: ⟨unfold(x), c⟩ = ⟨x, fold(c)⟩ for every tile of a strided, padded, dilated geometry. */
    @Test
    void foldIsTheAdjointOfUnfold() {
        adjoint(new ConvGeometry(1, 2, 9, 8, 1, 3, 2, 2, 3, 2, 1, 2, 3, 1));
        ConvGeometry same = new ConvGeometry(1, 2, 5, 7, 1, 3, 5, 1, 1, 1, 2, 1, 1, 1);
        assertTrue(Im2col.shifted(same));
        adjoint(same);
    }

    private static void adjoint(ConvGeometry g) {
        SplittableRandom r = new SplittableRandom(5);
        int p = g.outPlane(), k = g.patch();
        double[] x = random(r, g.channels() * g.plane());
        for (int[] tile : new int[][] {{0, p}, {1, p - 1}, {3, 4}, {0, 1}}) {
            int tp = tile[1] - tile[0];
            double[] cols = new double[k * tp], c = random(r, k * tp), fx = new double[x.length];
            Im2col.unfold(g, x, 0, tile[0], tile[1], cols);
            Im2col.fold(g, c, tile[0], tile[1], fx, 0);
            double left = 0, right = 0;
            for (int i = 0; i < cols.length; i++) left += cols[i] * c[i];
            for (int i = 0; i < x.length; i++) right += x[i] * fx[i];
            assertEquals(left, right, 1e-12, "tile " + tile[0] + ".." + tile[1]);
        }
    }

    @Test
    void outputSizesFollowPyTorch() {
        assertEquals(28, ConvGeometry.outSize(28, 3, 1, 1, 1));
        assertEquals(14, ConvGeometry.outSize(28, 2, 2, 0, 1));
        assertEquals(3, ConvGeometry.outSize(7, 3, 2, 0, 1));
        assertEquals(1, ConvGeometry.outSize(7, 3, 2, 0, 3));   // effective kernel 7
        assertEquals(0, ConvGeometry.outSize(2, 3, 1, 0, 1));   // kernel larger than the input
    }
}
