package io.backprop4j.internal.kernel;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every GEMM kernel against {@link Gemm#reference} on random and odd shapes, all four
 * transpose combinations, float and double, with offsets, padded strides, and alpha/beta
 * variants. Each front-end path ({@link Gemm.Path}) and each micro-kernel height of the packed
 * kernel ({@link FloatGemm#TILE_ROWS}) is run directly, whatever this machine's width would pick,
 * and {@link #everyKernelIsCovered()} fails when a path or micro-kernel exists that no check ran
 * (EJML-style: the list of kernels comes from the code, not from this test). Nothing here assumes
 * a vector width: block sizes are derived from the kernel's own constants.
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

    /**
     * What passed a check against the reference: "PATH float", "PATH double", and "packed mr=R
     * float" / "double" for each micro-kernel height. Static because JUnit makes an instance per test.
     */
    private static final Set<String> COVERED = ConcurrentHashMap.newKeySet();

    /** The front-end paths that can run here: all of them, but NATIVE only when OpenBLAS loads. */
    private static Set<Gemm.Path> runnablePaths() {
        Set<Gemm.Path> paths = EnumSet.allOf(Gemm.Path.class);
        if (!NativeBlas.available()) {
            paths.remove(Gemm.Path.NATIVE);
        }
        return paths;
    }

    private static SKernel floatPath(Gemm.Path path) {
        return (ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc) ->
                Gemm.run(path, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    private static DKernel doublePath(Gemm.Path path) {
        return (ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc) ->
                Gemm.run(path, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    private static SKernel floatTile(int mr) {
        return (ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc) ->
                FloatGemm.gemm(mr, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    private static DKernel doubleTile(int mr) {
        return (ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc) ->
                DoubleGemm.gemm(mr, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    @Test
    void everyPathMatchesReference() {
        Random rnd = new Random(20240607);
        for (Gemm.Path path : runnablePaths()) {
            for (Shape s : SHAPES) {
                for (int t = 0; t < 4; t++) {
                    checkFloat(rnd, path + " float", floatPath(path), t >= 2, t % 2 == 1, s.m, s.n, s.k,
                            pick(rnd, 1f, -0.5f, 2f), pick(rnd, 0f, 1f, 0.25f), false);
                    checkDouble(rnd, path + " double", doublePath(path), t >= 2, t % 2 == 1, s.m, s.n, s.k,
                            pick(rnd, 1d, -0.5d, 2d), pick(rnd, 0d, 1d, 0.25d), false);
                }
            }
        }
    }

    /** Each micro-kernel height on shapes that leave partial tiles in both directions. */
    @Test
    void everyMicroKernelMatchesReference() {
        Random rnd = new Random(7);
        for (int mr : FloatGemm.TILE_ROWS) {
            for (Shape s : List.of(new Shape(2 * mr + 3, 2 * FloatGemm.NR + 5, 37), new Shape(mr, FloatGemm.NR, 1),
                    new Shape(mr - 1, 3, 70), new Shape(65, 65, 65))) {
                for (int t = 0; t < 4; t++) {
                    checkFloat(rnd, "packed mr=" + mr + " float", floatTile(mr), t >= 2, t % 2 == 1, s.m, s.n, s.k,
                            pick(rnd, 1f, -0.5f), pick(rnd, 0f, 1f, 0.25f), false);
                    checkDouble(rnd, "packed mr=" + mr + " double", doubleTile(mr), t >= 2, t % 2 == 1, s.m, s.n, s.k,
                            pick(rnd, 1d, -0.5d), pick(rnd, 0d, 1d, 0.25d), false);
                }
            }
        }
    }

    private static SKernel floatTileStreamed(int mr, boolean streamB) {
        return (ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc) ->
                FloatGemm.gemmOnThread(mr, streamB, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    private static DKernel doubleTileStreamed(int mr, boolean streamB) {
        return (ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc) ->
                DoubleGemm.gemmOnThread(mr, streamB, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /**
     * B read in place (few rows) against the reference, and bit for bit against the packed B: a
     * partial last sliver, a B narrower than one sliver, two k-slices (beta 1 on the second), offsets and strides.
     */
    @Test
    void streamedBMatchesReferenceAndPackedBitForBit() {
        Random rnd = new Random(31);
        for (int mr : FloatGemm.TILE_ROWS) {
            for (Shape s : List.of(new Shape(2 * mr + 3, 2 * FloatGemm.NR + 5, 37), new Shape(mr, FloatGemm.NR, 1),
                    new Shape(mr - 1, 3, 70), new Shape(FloatGemm.STREAM_B_ROWS, 3 * FloatGemm.NR + 1, FloatGemm.KC_MAX + 3),
                    new Shape(32, 196, 144))) {
                for (int t = 0; t < 2; t++) {
                    boolean ta = t == 1;
                    float alpha = pick(rnd, 1f, -0.5f);
                    float beta = pick(rnd, 0f, 1f, 0.25f);
                    checkFloat(rnd, "packed mr=" + mr + " streamed float", floatTileStreamed(mr, true), ta, false, s.m, s.n, s.k,
                            alpha, beta, false);
                    checkDouble(rnd, "packed mr=" + mr + " streamed double", doubleTileStreamed(mr, true), ta, false, s.m, s.n, s.k,
                            alpha, beta, false);
                    float[] a = randomFloats(rnd, s.m * s.k), b = randomFloats(rnd, s.k * s.n + 1), c = randomFloats(rnd, s.m * s.n);
                    float[] streamed = c.clone(), packed = c.clone();
                    int lda = ta ? s.m : s.k;
                    FloatGemm.gemmOnThread(mr, true, ta, false, s.m, s.n, s.k, alpha, a, 0, lda, b, 1, s.n, beta, streamed, 0, s.n);
                    FloatGemm.gemmOnThread(mr, false, ta, false, s.m, s.n, s.k, alpha, a, 0, lda, b, 1, s.n, beta, packed, 0, s.n);
                    assertTrue(Arrays.equals(streamed, packed), "mr=" + mr + " " + s + " ta=" + ta + ": streamed and packed B differ");
                }
            }
        }
        assertTrue(FloatGemm.streamsB(false, FloatGemm.STREAM_B_ROWS) && !FloatGemm.streamsB(false, FloatGemm.STREAM_B_ROWS + 1));
        assertTrue(!FloatGemm.streamsB(true, 1), "a transposed B is always packed");
        assertThrows(IllegalArgumentException.class, () -> FloatGemm.gemmOnThread(8, true, false, true, 8, 8, 8, 1f,
                new float[64], 0, 8, new float[64], 0, 8, 0f, new float[64], 0, 8));
    }

    /**
     * A transposed whose last full sliver ends at the end of its array (stored [k, m], lda = m, no
     * padding): a sliver's rows copied a vector at a time must stop before reading past the array.
     */
    @Test
    void transposedAEndingAtTheArraysEndMatchesReference() {
        Random rnd = new Random(37);
        for (int mr : FloatGemm.TILE_ROWS) {
            for (int m : new int[] {mr, 2 * mr, 3 * mr + 1}) {
                for (int k : new int[] {1, 2, 3, 41}) {
                    int n = FloatGemm.NR + 3;
                    float[] a = randomFloats(rnd, k * m), b = randomFloats(rnd, k * n);
                    float[] got = new float[m * n], expected = new float[m * n];
                    FloatGemm.gemmOnThread(mr, false, true, false, m, n, k, 1f, a, 0, m, b, 0, n, 0f, got, 0, n);
                    Gemm.reference(true, false, m, n, k, 1f, a, 0, m, b, 0, n, 0f, expected, 0, n);
                    double[] ad = toDoubles(a), bd = toDoubles(b), gotD = new double[m * n], expectedD = new double[m * n];
                    DoubleGemm.gemmOnThread(mr, false, true, false, m, n, k, 1d, ad, 0, m, bd, 0, n, 0d, gotD, 0, n);
                    Gemm.reference(true, false, m, n, k, 1d, ad, 0, m, bd, 0, n, 0d, expectedD, 0, n);
                    for (int i = 0; i < m * n; i++) {
                        String where = "mr=" + mr + " m=" + m + " k=" + k + " at " + i;
                        assertEquals(expected[i], got[i], 4 * k * Math.ulp(1f), "float " + where);
                        assertEquals(expectedD[i], gotD[i], 4 * k * Math.ulp(1d), "double " + where);
                    }
                }
            }
        }
    }

    /**
     * A of at most STREAM_A_SLIVERS slivers of B read where it lies (rows of stride lda): against
     * the reference, and bit for bit against the same columns of a product just past that width,
     * whose A is packed. One sliver and several, a partial last one, full and partial slivers of
     * A, A transposed (its mr values of each column read lda apart) or not, two k-slices (beta 1 on
     * the second), offsets, B packed and read in place.
     */
    @Test
    void streamedAMatchesReferenceAndPackedBitForBit() {
        Random rnd = new Random(43);
        int nr = FloatGemm.NR;
        for (int mr : FloatGemm.TILE_ROWS) {
            for (Shape s : List.of(new Shape(2 * mr + 3, nr, 37), new Shape(mr, nr - 5, 1), new Shape(18 * mr, nr, 196),
                    new Shape(3 * mr, nr, FloatGemm.KC_MAX + 3), new Shape(mr + 2, 3 * nr + 7, 9),
                    new Shape(2 * mr + 1, FloatGemm.STREAM_A_SLIVERS * nr, 23))) {
                for (int t = 0; t < 6; t++) {
                    boolean tb = t % 3 == 1, streamB = t % 3 == 2, ta = t >= 3;
                    float alpha = pick(rnd, 1f, -0.5f);
                    float beta = pick(rnd, 0f, 1f, 0.25f);
                    checkFloat(rnd, "packed mr=" + mr + " float", floatTile(mr), ta, tb, s.m, s.n, s.k, alpha, beta, false);
                    checkDouble(rnd, "packed mr=" + mr + " double", doubleTile(mr), ta, tb, s.m, s.n, s.k, alpha, beta, false);
                    // B, C and their copies one column past the in-place width, equal in the first s.n columns
                    int wide = FloatGemm.STREAM_A_SLIVERS * nr + 1, aOff = 3, lda = (ta ? s.m : s.k) + 2;
                    float[] a = randomFloats(rnd, aOff + (ta ? s.k : s.m) * lda);
                    float[] bw = randomFloats(rnd, s.k * wide), cw = randomFloats(rnd, s.m * wide);
                    float[] b = new float[s.k * s.n], c = new float[s.m * s.n];
                    for (int p = 0; p < s.k; p++) {
                        for (int j = 0; j < s.n; j++) {
                            b[tb ? j * s.k + p : p * s.n + j] = bw[tb ? j * s.k + p : p * wide + j];
                        }
                    }
                    for (int i = 0; i < s.m; i++) {
                        System.arraycopy(cw, i * wide, c, i * s.n, s.n);
                    }
                    assertTrue(FloatGemm.streamsA(s.n) && !FloatGemm.streamsA(wide));
                    FloatGemm.gemmOnThread(mr, streamB, ta, tb, s.m, s.n, s.k, alpha, a, aOff, lda, b, 0, tb ? s.k : s.n,
                            beta, c, 0, s.n);
                    FloatGemm.gemmOnThread(mr, streamB, ta, tb, s.m, wide, s.k, alpha, a, aOff, lda, bw, 0, tb ? s.k : wide,
                            beta, cw, 0, wide);
                    for (int i = 0; i < s.m; i++) {
                        for (int j = 0; j < s.n; j++) {
                            if (Float.floatToRawIntBits(c[i * s.n + j]) != Float.floatToRawIntBits(cw[i * wide + j])) {
                                fail("mr=" + mr + " " + s + " ta=" + ta + " tb=" + tb + " streamB=" + streamB + ": C[" + i + "][" + j
                                        + "] is " + c[i * s.n + j] + " with A in place, " + cw[i * wide + j] + " with A packed");
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void frontEndMatchesReferenceOnRandomShapes() {
        Random rnd = new Random(11);
        for (int trial = 0; trial < 60; trial++) {
            int m = 1 + rnd.nextInt(trial < 40 ? 40 : 150);
            int n = 1 + rnd.nextInt(trial < 40 ? 40 : 150);
            int k = 1 + rnd.nextInt(trial < 40 ? 40 : 300);
            boolean ta = rnd.nextBoolean();
            boolean tb = rnd.nextBoolean();
            checkFloat(rnd, "sgemm", Gemm::sgemm, ta, tb, m, n, k, pick(rnd, 1f, -1.5f), pick(rnd, 0f, 1f, -2f), false);
            checkDouble(rnd, "dgemm", Gemm::dgemm, ta, tb, m, n, k, pick(rnd, 1d, -1.5d), pick(rnd, 0d, 1d, -2d), false);
        }
    }

    @Test
    void betaZeroOverwritesNaN() {
        Random rnd = new Random(13);
        for (Gemm.Path path : runnablePaths()) {
            for (Shape s : List.of(new Shape(3, 5, 4), new Shape(33, 65, 257), new Shape(1, 257, 3))) {
                for (int t = 0; t < 4; t++) {
                    checkFloat(rnd, path + " float", floatPath(path), t >= 2, t % 2 == 1, s.m, s.n, s.k, 1.5f, 0f, true);
                }
            }
            for (int t = 0; t < 4; t++) {
                checkDouble(rnd, path + " double", doublePath(path), t >= 2, t % 2 == 1, 33, 65, 257, 1.5, 0, true);
            }
        }
        float[] c = {Float.NaN, Float.NaN};
        Gemm.sgemm(false, false, 1, 2, 0, 1f, new float[0], 0, 1, new float[0], 0, 2, 0f, c, 0, 2);
        assertEquals(0f, c[0]);
        assertEquals(0f, c[1]);
    }

    /** The cache-blocking sizes keep their promises, whatever the vector width and cache sizes are. */
    @Test
    void blockSizesFitTheirBudgets() {
        for (int k : new int[] {1, 7, 600, FloatGemm.KC_MAX, FloatGemm.KC_MAX + 1, 4000, 4100, 3 * FloatGemm.KC_MAX + 5}) {
            int kc = FloatGemm.sliceDepth(k);
            int slices = (k + kc - 1) / kc;
            assertTrue(kc <= FloatGemm.KC_MAX && slices == (k + FloatGemm.KC_MAX - 1) / FloatGemm.KC_MAX,
                    "k=" + k + ": slices of " + kc);
            assertTrue((long) (kc - 1) * slices < k, "k=" + k + ": slices of " + kc + " are not as even as they can be");
        }
        for (int kc : new int[] {1, 37, 600, 1367, 2000, FloatGemm.KC_MAX}) {
            for (int mr : FloatGemm.TILE_ROWS) {
                checkBudget("blockRows", FloatGemm.blockRows(kc, mr), mr, kc, Float.BYTES, FloatGemm.A_BLOCK_BYTES);
                checkBudget("blockRows", DoubleGemm.blockRows(kc, mr), mr, kc, Double.BYTES, DoubleGemm.A_BLOCK_BYTES);
            }
            checkBudget("panelCols", FloatGemm.panelCols(kc), FloatGemm.NR, kc, Float.BYTES, FloatGemm.B_PANEL_BYTES);
            checkBudget("panelCols", DoubleGemm.panelCols(kc), DoubleGemm.NR, kc, Double.BYTES, DoubleGemm.B_PANEL_BYTES);
        }
    }

    /** size is a multiple of unit, fits the budget at depth kc (or is one unit), and one unit more would not fit. */
    private static void checkBudget(String what, int size, int unit, int kc, int bytes, int budget) {
        String at = what + "(kc=" + kc + ") = " + size + " with unit " + unit + " and budget " + budget;
        assertEquals(0, size % unit, at);
        assertTrue(size == unit || (long) size * kc * bytes <= budget, at + ": over budget");
        assertTrue((long) (size + unit) * kc * bytes > budget, at + ": one more unit would fit");
    }

    /** Edges of the blocking: k across several slices, m across blocks of A, n across panels of B, for every micro-kernel. */
    @Test
    void packedKernelCrossesEveryBlockBoundary() {
        Random rnd = new Random(17);
        int twoSlices = 2 * FloatGemm.KC_MAX - 96;
        int threeSlices = 2 * FloatGemm.KC_MAX + 4;
        for (int mr : FloatGemm.TILE_ROWS) {
            // n past one panel of B at the depth of the slices (plus a partial sliver).
            int nf = FloatGemm.panelCols(FloatGemm.sliceDepth(twoSlices)) + FloatGemm.NR + 3;
            int nd = DoubleGemm.panelCols(DoubleGemm.sliceDepth(twoSlices)) + DoubleGemm.NR + 3;
            checkFloat(rnd, "packed mr=" + mr + " float", floatTile(mr), false, false, 3, nf, twoSlices, 1f, 0.5f, false);
            checkFloat(rnd, "packed mr=" + mr + " float", floatTile(mr), true, true, 5, nf, threeSlices, 1f, 0f, false);
            checkDouble(rnd, "packed mr=" + mr + " double", doubleTile(mr), false, true, 3, nd, twoSlices, 1d, 0.5d, false);
            // m past one block of A (plus a partial sliver), at a depth of one slice and of three.
            int mf = FloatGemm.blockRows(600, mr) + mr + 1;
            int md = DoubleGemm.blockRows(600, mr) + mr + 1;
            checkFloat(rnd, "packed mr=" + mr + " float", floatTile(mr), false, false, mf, 40, 600, -1f, 1f, false);
            checkDouble(rnd, "packed mr=" + mr + " double", doubleTile(mr), true, false, md, 40, 600, -1d, 1d, false);
            int m3 = FloatGemm.blockRows(FloatGemm.sliceDepth(threeSlices), mr) + 1;
            checkFloat(rnd, "packed mr=" + mr + " float", floatTile(mr), true, false, m3, 40, threeSlices, 1f, 0f, false);
        }
    }

    /**
     * The matrix-vector kernel on odd shapes: m = 1..5 (a partial group, one group, a group and
     * one row), k and n from 1 to 255 (no whole vector, whole blocks plus every kind of tail at
     * any width), all four transposes, float and double.
     */
    @Test
    void gemvMatchesReferenceOnOddShapes() {
        Random rnd = new Random(23);
        int[] sizes = {1, 7, 17, 33, 255};
        for (int m = 1; m <= 5; m++) {
            for (int n : sizes) {
                for (int k : sizes) {
                    for (int t = 0; t < 4; t++) {
                        checkFloat(rnd, "GEMV float", floatPath(Gemm.Path.GEMV), t >= 2, t % 2 == 1, m, n, k,
                                pick(rnd, 1f, -0.5f, 2f), pick(rnd, 0f, 1f, 0.25f), false);
                        checkDouble(rnd, "GEMV double", doublePath(Gemm.Path.GEMV), t >= 2, t % 2 == 1, m, n, k,
                                pick(rnd, 1d, -0.5d, 2d), pick(rnd, 0d, 1d, 0.25d), false);
                        // Both kinds of column tail, whichever this machine's architecture uses.
                        for (boolean masked : new boolean[] {false, true}) {
                            String tail = "gemv " + (masked ? "masked" : "scalar") + " tail";
                            checkFloat(rnd, tail + " float", (ta, tb, m1, n1, k1, al, a, ao, lda, b, bo, ldb, be, c, co, ldc) ->
                                    FloatGemv.gemv(masked, ta, tb, m1, n1, k1, al, a, ao, lda, b, bo, ldb, be, c, co, ldc),
                                    t >= 2, t % 2 == 1, m, n, k, pick(rnd, 1f, -0.5f), pick(rnd, 0f, 1f, 0.25f), false);
                            checkDouble(rnd, tail + " double", (ta, tb, m1, n1, k1, al, a, ao, lda, b, bo, ldb, be, c, co, ldc) ->
                                    DoubleGemv.gemv(masked, ta, tb, m1, n1, k1, al, a, ao, lda, b, bo, ldb, be, c, co, ldc),
                                    t >= 2, t % 2 == 1, m, n, k, pick(rnd, 1d, -0.5d), pick(rnd, 0d, 1d, 0.25d), false);
                        }
                    }
                }
            }
        }
    }

    /**
     * Batch invariance: with B not transposed and k within one slice, each row that the
     * matrix-vector kernel computes is bit for bit the row that the packed kernel gives within a
     * larger batch (the same fused chain over p), so a sample predicts the same alone as in a
     * batch.
     */
    @Test
    void gemvRowsEqualThePackedKernelsBitForBit() {
        Random rnd = new Random(29);
        for (int mr : FloatGemm.TILE_ROWS) {
            for (boolean ta : new boolean[] {false, true}) {
                int m = 9, n = 517, k = 301;
                float[] a = randomFloats(rnd, m * k);
                float[] b = randomFloats(rnd, k * n);
                float[] c0 = randomFloats(rnd, m * n);
                float[] packed = c0.clone();
                FloatGemm.gemm(mr, ta, false, m, n, k, 1f, a, 0, ta ? m : k, b, 0, n, 1f, packed, 0, n);
                double[] ad = toDoubles(a), bd = toDoubles(b), cd0 = toDoubles(c0);
                double[] packedD = cd0.clone();
                DoubleGemm.gemm(mr, ta, false, m, n, k, -0.5, ad, 0, ta ? m : k, bd, 0, n, 0.25, packedD, 0, n);
                // Rows 0..3 as one group, row 4 alone, rows 5..8 as a group of 4 starting mid-batch.
                for (int[] rows : new int[][] {{0, 4}, {4, 1}, {5, 4}, {7, 2}}) {
                    int i0 = rows[0], h = rows[1];
                    float[] got = c0.clone();
                    double[] gotD = cd0.clone();
                    // Row i0 of op(A): offset i0 * k stored m x k, or column i0 of the stored k x m.
                    int aOff = ta ? i0 : i0 * k;
                    Gemm.run(Gemm.Path.GEMV, ta, false, h, n, k, 1f, a, aOff, ta ? m : k, b, 0, n, 1f, got, i0 * n, n);
                    Gemm.run(Gemm.Path.GEMV, ta, false, h, n, k, -0.5, ad, aOff, ta ? m : k, bd, 0, n, 0.25, gotD, i0 * n, n);
                    for (int idx = i0 * n; idx < (i0 + h) * n; idx++) {
                        if (Float.compare(got[idx], packed[idx]) != 0 || Double.compare(gotD[idx], packedD[idx]) != 0) {
                            fail("mr=" + mr + (ta ? " A^T" : " A") + " rows " + i0 + ".." + (i0 + h - 1) + ": C at " + idx + " is "
                                    + got[idx] + " / " + gotD[idx] + ", the packed kernel gives " + packed[idx] + " / " + packedD[idx]);
                        }
                    }
                }
            }
        }
    }

    /**
     * The matrix-vector kernel's columns do not depend on how the columns are split (so neither on
     * the number of threads): the product computed whole (split over the threads when there are
     * several) equals, bit for bit, the same product computed in column pieces of odd widths.
     */
    @Test
    void gemvDoesNotDependOnTheColumnSplit() {
        Random rnd = new Random(31);
        for (int t = 0; t < 4; t++) {
            boolean ta = t >= 2, tb = t % 2 == 1;
            for (int m : new int[] {1, 3}) {
                // Large enough that even one row is split over the threads, when there are several.
                int n = 600, k = (int) (FloatGemv.PARALLEL_WORK / n) + 3;
                int lda = ta ? m : k, ldb = tb ? k : n;
                float[] a = randomFloats(rnd, m * k);
                float[] b = randomFloats(rnd, k * n);
                float[] whole = randomFloats(rnd, m * n);
                float[] pieces = whole.clone();
                Gemm.run(Gemm.Path.GEMV, ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 1f, whole, 0, n);
                for (int j0 = 0, w = 1; j0 < n; j0 += w, w = w * 3 + 2) {
                    int nw = Math.min(w, n - j0);
                    // Columns j0.. of op(B) start at row j0 of a stored B^T, at column j0 of a stored B.
                    Gemm.run(Gemm.Path.GEMV, ta, tb, m, nw, k, 1f, a, 0, lda, b, tb ? j0 * ldb : j0, ldb, 1f, pieces, j0, n);
                }
                for (int idx = 0; idx < m * n; idx++) {
                    if (Float.compare(whole[idx], pieces[idx]) != 0) {
                        fail((ta ? "A^T" : "A") + (tb ? " B^T" : " B") + " m=" + m + ": C at " + idx + " is " + whole[idx]
                                + " whole and " + pieces[idx] + " in pieces");
                    }
                }
            }
        }
    }

    /**
     * A row split over the pool (a small B: two chunks a thread, FloatGemm.SMALL_B) gives the bits
     * of the same product on the calling thread alone: transposed or not, alpha and beta, a height
     * that leaves a short last tile, float32 and float64.
     */
    @Test
    void rowSplitWithASmallBIsTheProductOnOneThread() {
        Random rnd = new Random(23);
        int[][] shapes = {{1024, 192, 64}, {517, 100, 37}, {1031, 64, 256}};
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2];
            for (int t = 0; t < 4; t++) {
                boolean ta = t >= 2, tb = t % 2 == 1;
                float alpha = t == 0 ? 1f : 0.5f, beta = t == 0 ? 0f : 0.25f;
                float[] a = randomFloats(rnd, m * k), b = randomFloats(rnd, k * n), c = randomFloats(rnd, m * n);
                float[] pooled = c.clone(), alone = c.clone();
                Gemm.sgemm(ta, tb, m, n, k, alpha, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, pooled, 0, n);
                try (var ignored = Parallel.onCallingThread()) {
                    Gemm.sgemm(ta, tb, m, n, k, alpha, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, alone, 0, n);
                }
                for (int i = 0; i < m * n; i++) {
                    if (Float.floatToRawIntBits(pooled[i]) != Float.floatToRawIntBits(alone[i])) {
                        fail(describe("row split", ta, tb, m, n, k, alpha, beta) + ": C at " + i + " is " + pooled[i] + " on the pool, "
                                + alone[i] + " on one thread");
                    }
                }
                double[] ad = new double[m * k], bd = new double[k * n], cd = new double[m * n];
                for (int i = 0; i < ad.length; i++) ad[i] = a[i];
                for (int i = 0; i < bd.length; i++) bd[i] = b[i];
                for (int i = 0; i < cd.length; i++) cd[i] = c[i];
                double[] pooledD = cd.clone(), aloneD = cd.clone();
                Gemm.dgemm(ta, tb, m, n, k, alpha, ad, 0, ta ? m : k, bd, 0, tb ? k : n, beta, pooledD, 0, n);
                try (var ignored = Parallel.onCallingThread()) {
                    Gemm.dgemm(ta, tb, m, n, k, alpha, ad, 0, ta ? m : k, bd, 0, tb ? k : n, beta, aloneD, 0, n);
                }
                assertArrayEquals(aloneD, pooledD, 0, describe("row split float64", ta, tb, m, n, k, alpha, beta));
            }
        }
    }

    /** Products large enough that a row split shares one packed B between the threads (m >= 512, n*k >= 2^20). */
    @Test
    void packedKernelWithSharedPanelOfB() {
        Random rnd = new Random(19);
        checkFloat(rnd, "packed", FloatGemm::gemm, false, false, 517, 1031, 1019, 1f, 0f, false);
        checkFloat(rnd, "packed", FloatGemm::gemm, true, true, 523, 1025, 1030, -0.5f, 1f, false);
        checkDouble(rnd, "packed", DoubleGemm::gemm, false, true, 515, 1027, 1021, 1d, 0.25d, false);
    }

    /**
     * Gemm.packB + the PackedB sgemm against the ordinary sgemm, bit for bit: rows from one (the
     * matrix-vector kernel's) to past the thread split, n and k off the sliver width and across two
     * k-slices, all four transposes, alpha/beta variants, offsets and padded strides; on one thread
     * and on the pool. The packed B is a snapshot: changing the source array afterwards changes nothing.
     */
    @Test
    void packedBMatchesSgemmBitForBit() {
        Random rnd = new Random(53);
        int nr = Simd.AVAILABLE ? FloatGemm.NR : 16;
        int mr = Simd.AVAILABLE ? FloatGemm.MR : 8;
        int twoSlices = (Simd.AVAILABLE ? FloatGemm.KC_MAX : 2048) + 3;
        List<Shape> shapes = List.of(new Shape(1, 2 * nr + 5, 37), new Shape(3, 3, 70), new Shape(4, 257, 784),
                new Shape(5, nr, 1), new Shape(2 * mr + 3, 2 * nr + 5, 37), new Shape(65, 7, 33), new Shape(2, 3, 4),
                new Shape(130, 300, 100), new Shape(256, 40, 130), new Shape(3, 2 * nr + 1, twoSlices),
                new Shape(mr + 1, nr + 3, twoSlices));
        int products = 0;
        for (Shape s : shapes) {
            for (int t = 0; t < 4; t++) {
                boolean ta = t >= 2, tb = t % 2 == 1;
                int aRows = ta ? s.k : s.m, aCols = ta ? s.m : s.k, bRows = tb ? s.n : s.k, bCols = tb ? s.k : s.n;
                int lda = aCols + rnd.nextInt(3), ldb = bCols + rnd.nextInt(3), ldc = s.n + rnd.nextInt(3);
                int aOff = rnd.nextInt(4), bOff = rnd.nextInt(4), cOff = rnd.nextInt(4);
                float[] a = randomFloats(rnd, aOff + aRows * lda);
                float[] b = randomFloats(rnd, bOff + bRows * ldb);
                float[] c = randomFloats(rnd, cOff + s.m * ldc + 1);
                Gemm.PackedB packed = Gemm.packB(tb, s.k, s.n, b, bOff, ldb);
                assertEquals(List.of(s.k, s.n, tb), List.of(packed.k(), packed.n(), packed.transB()));
                float[] original = b.clone();
                Arrays.fill(b, Float.NaN);
                for (int v = 0; v < 3; v++) {
                    float alpha = v == 0 ? 1f : pick(rnd, -0.5f, 2f);
                    float beta = v == 0 ? 0f : v == 1 ? 1f : 0.25f;
                    float[] expected = c.clone();
                    Gemm.sgemm(ta, tb, s.m, s.n, s.k, alpha, a, aOff, lda, original, bOff, ldb, beta, expected, cOff, ldc);
                    for (boolean oneThread : new boolean[] {false, true}) {
                        float[] got = c.clone();
                        if (oneThread) {
                            try (var ignored = Parallel.onCallingThread()) {
                                Gemm.sgemm(ta, s.m, alpha, a, aOff, lda, packed, beta, got, cOff, ldc);
                            }
                        } else {
                            Gemm.sgemm(ta, s.m, alpha, a, aOff, lda, packed, beta, got, cOff, ldc);
                        }
                        for (int idx = 0; idx < c.length; idx++) {
                            if (Float.floatToRawIntBits(got[idx]) != Float.floatToRawIntBits(expected[idx])) {
                                fail(describe("PackedB" + (oneThread ? " one thread" : ""), ta, tb, s.m, s.n, s.k, alpha, beta)
                                        + ": C at index " + idx + " is " + got[idx] + ", sgemm gives " + expected[idx]);
                            }
                        }
                        products++;
                    }
                }
            }
        }
        assertEquals(shapes.size() * 4 * 3 * 2, products);
    }

    /** The packed kernel of every tile height on a B packed whole, against its own product on the unpacked B, bit for bit. */
    @Test
    void packedWholeBMatchesPackedKernelForEveryTile() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Simd.AVAILABLE);
        Random rnd = new Random(59);
        for (int mr : FloatGemm.TILE_ROWS) {
            for (Shape s : List.of(new Shape(2 * mr + 3, 2 * FloatGemm.NR + 5, 37), new Shape(130, 300, 100),
                    new Shape(mr + 1, FloatGemm.NR + 3, FloatGemm.KC_MAX + 3))) {
                for (int t = 0; t < 4; t++) {
                    boolean ta = t >= 2, tb = t % 2 == 1;
                    float[] a = randomFloats(rnd, s.m * s.k), b = randomFloats(rnd, s.k * s.n), c = randomFloats(rnd, s.m * s.n);
                    float[] expected = c.clone(), got = c.clone();
                    int lda = ta ? s.m : s.k, ldb = tb ? s.k : s.n;
                    FloatGemm.gemm(mr, ta, tb, s.m, s.n, s.k, -0.5f, a, 0, lda, b, 0, ldb, 0.25f, expected, 0, s.n);
                    FloatGemm.gemmPacked(mr, ta, s.m, s.n, s.k, -0.5f, a, 0, lda, FloatGemm.packWhole(tb, s.k, s.n, b, 0, ldb),
                            0.25f, got, 0, s.n);
                    assertTrue(Arrays.equals(expected, got), "mr=" + mr + " " + s + " ta=" + ta + " tb=" + tb);
                }
            }
        }
    }

    @Test
    void packedBRefusesBadArgumentsWithTheirSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gemm.packB(true, 5, 3, new float[15], 0, 4));
        assertTrue(e.getMessage().contains("ldb=4") && e.getMessage().contains("[3, 5]"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> Gemm.packB(false, 5, 3, new float[15], 1, 3));
        assertThrows(IllegalArgumentException.class, () -> Gemm.packB(false, -1, 3, new float[15], 0, 3));
        Gemm.PackedB b = Gemm.packB(false, 5, 3, new float[15], 0, 3);
        IndexOutOfBoundsException o = assertThrows(IndexOutOfBoundsException.class,
                () -> Gemm.sgemm(false, 2, 1f, new float[9], 0, 5, b, 0f, new float[6], 0, 3));
        assertTrue(o.getMessage().contains("stored A [2, 5]"), o.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> Gemm.sgemm(true, 2, 1f, new float[10], 0, 2, b, 0f, new float[5], 0, 3));
        // k = 0: C = beta C, A unread.
        float[] c = {1f, 2f};
        Gemm.sgemm(false, 1, 1f, new float[0], 0, 1, Gemm.packB(false, 0, 2, new float[0], 0, 2), 3f, c, 0, 2);
        assertEquals(List.of(3f, 6f), List.of(c[0], c[1]));
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
        assertThrows(IllegalArgumentException.class,
                () -> FloatGemm.gemm(6, false, false, 8, 8, 8, 1f, new float[64], 0, 8, new float[64], 0, 8, 0f, new float[64], 0, 8));
    }

    /** Runs last; when run alone, it runs the kernel tests itself first. */
    @Test
    @Order(Integer.MAX_VALUE)
    void everyKernelIsCovered() {
        if (COVERED.isEmpty()) {
            everyPathMatchesReference();
            everyMicroKernelMatchesReference();
            streamedBMatchesReferenceAndPackedBitForBit();
            gemvMatchesReferenceOnOddShapes();
        }
        Set<String> expected = new TreeSet<>();
        for (Gemm.Path path : runnablePaths()) {
            expected.add(path + " float");
            expected.add(path + " double");
        }
        // The micro-kernels are the methods named kernel<R>; each height must be listed in TILE_ROWS and run.
        assertEquals(microKernels(FloatGemm.class), microKernels(DoubleGemm.class));
        assertEquals(microKernels(FloatGemm.class), Arrays.stream(FloatGemm.TILE_ROWS).boxed().collect(java.util.stream.Collectors.toCollection(TreeSet::new)),
                "micro-kernel methods of FloatGemm against FloatGemm.TILE_ROWS");
        for (int mr : FloatGemm.TILE_ROWS) {
            expected.add("packed mr=" + mr + " float");
            expected.add("packed mr=" + mr + " double");
            expected.add("packed mr=" + mr + " streamed float");
            expected.add("packed mr=" + mr + " streamed double");
        }
        for (String tail : List.of("masked", "scalar")) {
            expected.add("gemv " + tail + " tail float");
            expected.add("gemv " + tail + " tail double");
        }
        Set<String> covered = new TreeSet<>(COVERED);
        covered.retainAll(expected);
        assertEquals(expected, covered, "kernels run against the reference; native: " + NativeBlas.status());
        // The front end picks the tiny loops and this machine's bulk kernel for some size.
        Gemm.Path bulk = Simd.AVAILABLE ? Gemm.Path.PACKED : Gemm.Path.SCALAR;
        Set<Gemm.Path> chosen = EnumSet.noneOf(Gemm.Path.class);
        for (Shape s : SHAPES) {
            chosen.add(Gemm.path(s.m, s.n, s.k, Float.BYTES));
        }
        assertTrue(chosen.containsAll(EnumSet.of(Gemm.Path.TINY, bulk)), chosen.toString());
        assertEquals(Gemm.Path.TINY, Gemm.path(4, 3, 2, Float.BYTES));
        // A dense layer at batch 1 (the fmnist MLP's first) streams its weights unpacked, unless OpenBLAS is forced.
        if (!NativeBlas.wins(1, 512, 784, false)) {
            assertEquals(Simd.AVAILABLE ? Gemm.Path.GEMV : Gemm.Path.TINY, Gemm.path(1, 512, 784, Float.BYTES));
            assertEquals(Simd.AVAILABLE ? Gemm.Path.GEMV : Gemm.Path.TINY, Gemm.path(Gemm.GEMV_ROWS, 512, 784, Double.BYTES));
        }
        if (!NativeBlas.wins(Gemm.GEMV_ROWS + 1, 64, 64, false)) {
            assertEquals(bulk, Gemm.path(Gemm.GEMV_ROWS + 1, 64, 64, Float.BYTES));
        }
        assertEquals(Gemm.GEMV_ROWS, FloatGemv.ROWS);
        assertTrue(Arrays.stream(FloatGemm.TILE_ROWS).anyMatch(r -> r == FloatGemm.MR), "MR " + FloatGemm.MR);
    }

    /** The heights R of the methods named kernelR of a GEMM class. */
    private static Set<Integer> microKernels(Class<?> gemm) {
        Set<Integer> rows = new TreeSet<>();
        for (Method m : gemm.getDeclaredMethods()) {
            if (m.getName().matches("kernel\\d+")) {
                rows.add(Integer.parseInt(m.getName().substring("kernel".length())));
            }
        }
        return rows;
    }

    // ---- helpers ----

    @SafeVarargs
    private static <T> T pick(Random rnd, T... values) {
        return values[rnd.nextInt(values.length)];
    }

    /**
     * Runs one product on matrices placed at random offsets with padded strides, compares the
     * window of C with the reference (tolerance from a bound on the rounding error of a k-term
     * sum), and checks that nothing outside the window changed.
     */
    private static void checkFloat(Random rnd, String name, SKernel kernel, boolean ta, boolean tb, int m, int n, int k,
                                   float alpha, float beta, boolean nanInC) {
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        int lda = aCols + rnd.nextInt(3), ldb = bCols + rnd.nextInt(3), ldc = n + rnd.nextInt(3);
        int aOff = rnd.nextInt(4), bOff = rnd.nextInt(4), cOff = rnd.nextInt(4);
        float[] a = randomFloats(rnd, aOff + aRows * lda + 2);
        float[] b = randomFloats(rnd, bOff + bRows * ldb + 2);
        float[] c = randomFloats(rnd, cOff + m * ldc + 2);
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
        COVERED.add(name);
    }

    private static void checkDouble(Random rnd, String name, DKernel kernel, boolean ta, boolean tb, int m, int n, int k,
                                    double alpha, double beta, boolean nanInC) {
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        int lda = aCols + rnd.nextInt(3), ldb = bCols + rnd.nextInt(3), ldc = n + rnd.nextInt(3);
        int aOff = rnd.nextInt(4), bOff = rnd.nextInt(4), cOff = rnd.nextInt(4);
        double[] a = randomDoubles(rnd, aOff + aRows * lda + 2);
        double[] b = randomDoubles(rnd, bOff + bRows * ldb + 2);
        double[] c = randomDoubles(rnd, cOff + m * ldc + 2);
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
        COVERED.add(name);
    }

    private static boolean inWindow(int idx, int off, int ld, int m, int n) {
        int rel = idx - off;
        return rel >= 0 && rel / ld < m && rel % ld < n;
    }

    private static String describe(String name, boolean ta, boolean tb, int m, int n, int k, double alpha, double beta) {
        return name + (ta ? " A^T" : " A") + (tb ? " B^T" : " B") + " m=" + m + " n=" + n + " k=" + k
                + " alpha=" + alpha + " beta=" + beta;
    }

    private static float[] randomFloats(Random rnd, int length) {
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = rnd.nextFloat() * 2 - 1;
        }
        return x;
    }

    private static double[] randomDoubles(Random rnd, int length) {
        double[] x = new double[length];
        for (int i = 0; i < length; i++) {
            x[i] = rnd.nextDouble() * 2 - 1;
        }
        return x;
    }

    private static double[] toDoubles(float[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i];
        }
        return y;
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
