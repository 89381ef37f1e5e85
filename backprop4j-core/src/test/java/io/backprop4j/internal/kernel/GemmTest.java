package io.backprop4j.internal.kernel;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every GEMM kernel against {@link Gemm#reference} on random and odd shapes, all four
 * transpose combinations, float and double, with offsets, padded strides, and alpha/beta
 * variants. Each kernel is also called directly (not only where the front end would pick it),
 * and {@link #everyKernelIsCovered()} fails when a kernel is added without being run here.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GemmTest {

    /** A kernel under test: same contract as Gemm.sgemm / dgemm with arguments already checked. */
    private interface SKernel {
        void run(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                 float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc);
    }

    private interface DKernel {
        void run(boolean ta, boolean tb, int m, int n, int k, double alpha, double[] a, int aOff, int lda,
                 double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc);
    }

    private record Shape(int m, int n, int k) {
    }

    private static final List<Shape> SHAPES = List.of(
            new Shape(1, 1, 1), new Shape(2, 2, 2), new Shape(7, 7, 7), new Shape(33, 33, 33),
            new Shape(65, 65, 65), new Shape(1, 257, 3), new Shape(257, 1, 3), new Shape(3, 1, 257),
            new Shape(7, 33, 65), new Shape(65, 7, 33), new Shape(33, 65, 7), new Shape(2, 65, 257),
            new Shape(100, 50, 300), new Shape(130, 70, 260), new Shape(4, 3, 2), new Shape(64, 10, 784));

    private static final Random RANDOM = new Random(20240607);

    /** Which kernels ran against the reference; static because JUnit makes a new instance per test. */
    private static final Set<Gemm.Path> COVERED = EnumSet.noneOf(Gemm.Path.class);

    private static Map<Gemm.Path, SKernel> floatKernels() {
        Map<Gemm.Path, SKernel> kernels = new LinkedHashMap<>();
        kernels.put(Gemm.Path.TINY, Gemm::tiny);
        kernels.put(Gemm.Path.PACKED, FloatGemm::gemm);
        if (NativeBlas.available()) {
            kernels.put(Gemm.Path.NATIVE, NativeBlas::sgemm);
        }
        return kernels;
    }

    private static Map<Gemm.Path, DKernel> doubleKernels() {
        Map<Gemm.Path, DKernel> kernels = new LinkedHashMap<>();
        kernels.put(Gemm.Path.TINY, Gemm::tiny);
        kernels.put(Gemm.Path.PACKED, DoubleGemm::gemm);
        if (NativeBlas.available()) {
            kernels.put(Gemm.Path.NATIVE, NativeBlas::dgemm);
        }
        return kernels;
    }

    @Test
    void floatKernelsMatchReference() {
        for (var kernel : floatKernels().entrySet()) {
            for (Shape s : SHAPES) {
                for (int t = 0; t < 4; t++) {
                    checkFloat(kernel.getKey().name(), kernel.getValue(), t >= 2, t % 2 == 1, s.m, s.n, s.k,
                            pick(1f, -0.5f, 2f), pick(0f, 1f, 0.25f), false);
                }
            }
            COVERED.add(kernel.getKey());
        }
    }

    @Test
    void doubleKernelsMatchReference() {
        for (var kernel : doubleKernels().entrySet()) {
            for (Shape s : SHAPES) {
                for (int t = 0; t < 4; t++) {
                    checkDouble(kernel.getKey().name(), kernel.getValue(), t >= 2, t % 2 == 1, s.m, s.n, s.k,
                            pick(1d, -0.5d, 2d), pick(0d, 1d, 0.25d), false);
                }
            }
            COVERED.add(kernel.getKey());
        }
    }

    @Test
    void frontEndMatchesReferenceOnRandomShapes() {
        for (int trial = 0; trial < 60; trial++) {
            int m = 1 + RANDOM.nextInt(trial < 40 ? 40 : 150);
            int n = 1 + RANDOM.nextInt(trial < 40 ? 40 : 150);
            int k = 1 + RANDOM.nextInt(trial < 40 ? 40 : 300);
            boolean ta = RANDOM.nextBoolean();
            boolean tb = RANDOM.nextBoolean();
            checkFloat("sgemm", Gemm::sgemm, ta, tb, m, n, k, pick(1f, -1.5f), pick(0f, 1f, -2f), false);
            checkDouble("dgemm", Gemm::dgemm, ta, tb, m, n, k, pick(1d, -1.5d), pick(0d, 1d, -2d), false);
        }
    }

    @Test
    void betaZeroOverwritesNaN() {
        for (var kernel : floatKernels().entrySet()) {
            for (Shape s : List.of(new Shape(3, 5, 4), new Shape(33, 65, 257), new Shape(1, 257, 3))) {
                for (int t = 0; t < 4; t++) {
                    checkFloat(kernel.getKey().name(), kernel.getValue(), t >= 2, t % 2 == 1, s.m, s.n, s.k, 1.5f, 0f, true);
                }
            }
        }
        for (var kernel : doubleKernels().entrySet()) {
            for (int t = 0; t < 4; t++) {
                checkDouble(kernel.getKey().name(), kernel.getValue(), t >= 2, t % 2 == 1, 33, 65, 257, 1.5, 0, true);
            }
        }
        float[] c = {Float.NaN, Float.NaN};
        Gemm.sgemm(false, false, 1, 2, 0, 1f, new float[0], 0, 1, new float[0], 0, 2, 0f, c, 0, 2);
        assertEquals(0f, c[0]);
        assertEquals(0f, c[1]);
    }

    /** Edges of the blocking: k across several slices, m across blocks of A, n across panels of B. */
    @Test
    void packedKernelCrossesEveryBlockBoundary() {
        // k = 4000 makes two 2000-deep slices and panels of 1024 (float) or 512 (double) columns; 4100, three slices.
        checkFloat("packed", FloatGemm::gemm, false, false, 3, 2100, 4000, 1f, 0.5f, false);
        checkFloat("packed", FloatGemm::gemm, true, true, 5, 2100, 4100, 1f, 0f, false);
        checkDouble("packed", DoubleGemm::gemm, false, true, 3, 2100, 4000, 1d, 0.5d, false);
        // Blocks of A: 162 rows (float) or 78 (double) at k = 600; 60 rows with three 1500-deep slices.
        checkFloat("packed", FloatGemm::gemm, false, false, 200, 40, 600, -1f, 1f, false);
        checkDouble("packed", DoubleGemm::gemm, true, false, 200, 40, 600, -1d, 1d, false);
        checkFloat("packed", FloatGemm::gemm, true, false, 200, 40, 4500, 1f, 0f, false);
        assertEquals(2000, FloatGemm.sliceDepth(4000));
        assertEquals(1367, FloatGemm.sliceDepth(4100));
        assertEquals(1024, FloatGemm.panelCols(2000));
        assertEquals(512, DoubleGemm.panelCols(2000));
        assertEquals(162, FloatGemm.blockRows(600));
        assertEquals(78, DoubleGemm.blockRows(600));
        assertEquals(60, FloatGemm.blockRows(FloatGemm.sliceDepth(4500)));
    }

    /** Products large enough that a row split shares one packed B between the threads (m >= 512, n*k >= 2^20). */
    @Test
    void packedKernelWithSharedPanelOfB() {
        checkFloat("packed", FloatGemm::gemm, false, false, 517, 1031, 1019, 1f, 0f, false);
        checkFloat("packed", FloatGemm::gemm, true, true, 523, 1025, 1030, -0.5f, 1f, false);
        checkDouble("packed", DoubleGemm::gemm, false, true, 515, 1027, 1021, 1d, 0.25d, false);
    }

    @Test
    void alphaZeroAndEmptyKOnlyScaleC() {
        float[] a = {Float.NaN, Float.NaN, Float.NaN, Float.NaN};
        float[] c = {1f, 2f, 3f, 4f};
        Gemm.sgemm(false, false, 2, 2, 2, 0f, a, 0, 2, a, 0, 2, 3f, c, 0, 2);
        assertEquals(List.of(3f, 6f, 9f, 12f), List.of(c[0], c[1], c[2], c[3]));
        double[] d = {1, 2};
        Gemm.dgemm(true, true, 1, 2, 0, 1, new double[0], 0, 1, new double[0], 0, 1, -1, d, 0, 2);
        assertEquals(-1, d[0]);
        assertEquals(-2, d[1]);
        Gemm.sgemm(false, false, 0, 5, 5, 1f, new float[0], 0, 5, new float[25], 0, 5, 0f, new float[0], 0, 5);
    }

    @Test
    void seedNetworkProduct() {
        // y = x w^T for a 2x4 batch and 3x4 weights, worked by hand.
        float[] x = {1, 2, 3, 4, -1, 0, 1, 0};
        float[] w = {1, 0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 1};
        float[] y = new float[6];
        Gemm.sgemm(false, true, 2, 3, 4, 1f, x, 0, 4, w, 0, 4, 0f, y, 0, 3);
        assertEquals(List.of(1f, 2f, 10f, -1f, 0f, 0f), List.of(y[0], y[1], y[2], y[3], y[4], y[5]));
    }

    @Test
    void badArgumentsAreRefusedWithTheirSizes() {
        float[] a = new float[6];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.sgemm(false, false, 2, 3, 3, 1f, a, 0, 2, a, 0, 3, 0f, a, 0, 3));
        assertTrue(e.getMessage().contains("lda=2"), e.getMessage());
        IndexOutOfBoundsException o = assertThrows(IndexOutOfBoundsException.class,
                () -> Gemm.sgemm(false, false, 2, 3, 3, 1f, a, 0, 3, new float[9], 0, 3, 0f, new float[6], 1, 3));
        assertTrue(o.getMessage().contains("stored C [2, 3]"), o.getMessage());
        assertThrows(IndexOutOfBoundsException.class,
                () -> Gemm.dgemm(true, false, 2, 3, 3, 1, new double[5], 0, 2, new double[9], 0, 3, 0, new double[6], 0, 3));
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.dgemm(false, false, -1, 3, 3, 1, new double[9], 0, 3, new double[9], 0, 3, 0, new double[9], 0, 3));
    }

    /** Runs last; when run alone, it runs the kernel tests itself first. */
    @Test
    @Order(Integer.MAX_VALUE)
    void everyKernelIsCovered() {
        if (!COVERED.containsAll(floatKernels().keySet())) {
            floatKernelsMatchReference();
            doubleKernelsMatchReference();
        }
        Set<Gemm.Path> expected = EnumSet.of(Gemm.Path.TINY, Gemm.Path.PACKED);
        if (NativeBlas.available()) {
            expected.add(Gemm.Path.NATIVE);
        }
        assertEquals(expected, COVERED, "kernels run against the reference; native: " + NativeBlas.status());
        // The front end picks each Java kernel for some size.
        Set<Gemm.Path> chosen = EnumSet.noneOf(Gemm.Path.class);
        for (Shape s : SHAPES) {
            chosen.add(Gemm.path(s.m, s.n, s.k, false));
        }
        assertTrue(chosen.containsAll(EnumSet.of(Gemm.Path.TINY, Gemm.Path.PACKED)), chosen.toString());
        assertEquals(Gemm.Path.TINY, Gemm.path(4, 3, 2, false));
    }

    // ---- helpers ----

    @SafeVarargs
    private static <T> T pick(T... values) {
        return values[RANDOM.nextInt(values.length)];
    }

    /**
     * Runs one product on matrices placed at random offsets with padded strides, compares the
     * window of C with the reference (tolerance from a bound on the rounding error of a k-term
     * sum), and checks that nothing outside the window changed.
     */
    private static void checkFloat(String name, SKernel kernel, boolean ta, boolean tb, int m, int n, int k,
                                   float alpha, float beta, boolean nanInC) {
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        int lda = aCols + RANDOM.nextInt(3), ldb = bCols + RANDOM.nextInt(3), ldc = n + RANDOM.nextInt(3);
        int aOff = RANDOM.nextInt(4), bOff = RANDOM.nextInt(4), cOff = RANDOM.nextInt(4);
        float[] a = randomFloats(aOff + aRows * lda + 2);
        float[] b = randomFloats(bOff + bRows * ldb + 2);
        float[] c = randomFloats(cOff + m * ldc + 2);
        if (nanInC) {
            for (int i = 0; i < m; i++) {
                java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, Float.NaN);
            }
        }
        float[] expected = c.clone();
        Gemm.reference(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, expected, cOff, ldc);
        // |error| <= ~k eps (|alpha| sum |a||b| + |beta c|): the bound comes from the reference on absolute values.
        float[] bound = abs(c);
        Gemm.reference(ta, tb, m, n, k, Math.abs(alpha), abs(a), aOff, lda, abs(b), bOff, ldb, Math.abs(beta), bound, cOff, ldc);
        float[] got = c.clone();
        kernel.run(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, got, cOff, ldc);
        double tol = 2.0 * (k + 2) * Math.ulp(1f);
        for (int idx = 0; idx < c.length; idx++) {
            if (!inWindow(idx, cOff, ldc, m, n)) {
                if (Float.compare(got[idx], c[idx]) != 0) {
                    fail(describe(name, ta, tb, m, n, k, alpha, beta) + ": wrote outside C at index " + idx);
                }
                continue;
            }
            if (!(Math.abs(got[idx] - expected[idx]) <= tol * bound[idx] + Float.MIN_NORMAL)) {
                fail(describe(name, ta, tb, m, n, k, alpha, beta) + ": C at index " + idx + " is " + got[idx]
                        + ", expected " + expected[idx]);
            }
        }
    }

    private static void checkDouble(String name, DKernel kernel, boolean ta, boolean tb, int m, int n, int k,
                                    double alpha, double beta, boolean nanInC) {
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        int lda = aCols + RANDOM.nextInt(3), ldb = bCols + RANDOM.nextInt(3), ldc = n + RANDOM.nextInt(3);
        int aOff = RANDOM.nextInt(4), bOff = RANDOM.nextInt(4), cOff = RANDOM.nextInt(4);
        double[] a = randomDoubles(aOff + aRows * lda + 2);
        double[] b = randomDoubles(bOff + bRows * ldb + 2);
        double[] c = randomDoubles(cOff + m * ldc + 2);
        if (nanInC) {
            for (int i = 0; i < m; i++) {
                java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, Double.NaN);
            }
        }
        double[] expected = c.clone();
        Gemm.reference(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, expected, cOff, ldc);
        double[] bound = abs(c);
        Gemm.reference(ta, tb, m, n, k, Math.abs(alpha), abs(a), aOff, lda, abs(b), bOff, ldb, Math.abs(beta), bound, cOff, ldc);
        double[] got = c.clone();
        kernel.run(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, got, cOff, ldc);
        double tol = 2.0 * (k + 2) * Math.ulp(1d);
        for (int idx = 0; idx < c.length; idx++) {
            if (!inWindow(idx, cOff, ldc, m, n)) {
                if (Double.compare(got[idx], c[idx]) != 0) {
                    fail(describe(name, ta, tb, m, n, k, alpha, beta) + ": wrote outside C at index " + idx);
                }
                continue;
            }
            if (!(Math.abs(got[idx] - expected[idx]) <= tol * bound[idx] + Double.MIN_NORMAL)) {
                fail(describe(name, ta, tb, m, n, k, alpha, beta) + ": C at index " + idx + " is " + got[idx]
                        + ", expected " + expected[idx]);
            }
        }
    }

    private static boolean inWindow(int idx, int off, int ld, int m, int n) {
        int rel = idx - off;
        return rel >= 0 && rel / ld < m && rel % ld < n;
    }

    private static String describe(String name, boolean ta, boolean tb, int m, int n, int k, double alpha, double beta) {
        return name + (ta ? " A^T" : " A") + (tb ? " B^T" : " B") + " m=" + m + " n=" + n + " k=" + k
                + " alpha=" + alpha + " beta=" + beta;
    }

    private static float[] randomFloats(int length) {
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = RANDOM.nextFloat() * 2 - 1;
        }
        return x;
    }

    private static double[] randomDoubles(int length) {
        double[] x = new double[length];
        for (int i = 0; i < length; i++) {
            x[i] = RANDOM.nextDouble() * 2 - 1;
        }
        return x;
    }

    private static float[] abs(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Float.isNaN(x[i]) ? 0f : Math.abs(x[i]);
        }
        return y;
    }

    private static double[] abs(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Double.isNaN(x[i]) ? 0d : Math.abs(x[i]);
        }
        return y;
    }
}
