package io.backprop4j.internal.kernel;

/**
 * Products of a few rows with a matrix packed once, for inference at batch 1 to 4: {@code C = A B
 * + beta C}, A [m, k] and C [m, n] row-major (row strides k and n), B [k, n] stored as panels of
 * {@link #panelWidth()} columns, each panel [k, width] contiguous ({@link #pack}). Each panel is
 * one call of {@link FloatGemv}'s kernel with B read at its own stride, so that the stream over
 * B is one run of memory per panel instead of a stretch of every row of B (a 784x512 weight read
 * as rows jumps 2 KB per step): the fmnist MLP's three layers at batch 1 took 80 us against 97 us
 * row by row, one thread, CPU time (shared 2-core Xeon, load average 12).
 *
 * <p>Every element of C is FloatGemv's chain of fused multiply-adds over p from zero, which does
 * not depend on the columns around it: C has the same floats as {@link Gemm#sgemm} on the
 * unpacked B, whenever {@link #applies} says that sgemm takes the GEMV kernel for the whole
 * product. Runs on the calling thread (one sample stays on it).
 */
public final class PackedGemv {
    private PackedGemv() {
    }

    /** Whether {@code Gemm.sgemm} runs an m x n x k product (nothing transposed) through the GEMV kernel, so that {@link #run} gives its floats. */
    public static boolean applies(int m, int n, int k) {
        return m > 0 && n > 0 && k > 0 && Simd.AVAILABLE && Gemm.path(m, n, k, Float.BYTES) == Gemm.Path.GEMV;
    }

    /** Columns per panel: eight vectors, the widest block of the one-row kernel. Only when {@link #applies}. */
    public static int panelWidth() {
        return 8 * FloatGemv.L;
    }

    /** B [k, n] (row stride n, from {@code bOff}) as panels of {@link #panelWidth()} columns, the last one narrower. */
    public static float[] pack(float[] b, int bOff, int k, int n) {
        int w = panelWidth();
        float[] p = new float[k * n];
        for (int j = 0; j < n; j += w) {
            int width = Math.min(w, n - j);
            for (int q = 0; q < k; q++) {
                System.arraycopy(b, bOff + q * n + j, p, j * k + q * width, width);
            }
        }
        return p;
    }

    /**
     * C = A · B + beta · C with B {@link #pack packed}: A [m, k] at {@code aOff} (row stride k), C
     * [m, n] at {@code cOff} (row stride n); beta 0 (C not read) or 1 (a bias already in C).
     * Only {@code c} is modified.
     */
    public static void run(int m, int n, int k, float[] a, int aOff, float[] packed, float beta, float[] c, int cOff) {
        if (!applies(m, n, k)) throw new IllegalArgumentException("PackedGemv: " + m + " x " + n + " x " + k + " is not a GEMV product");
        if (packed.length != k * n || aOff < 0 || aOff + (long) m * k > a.length || cOff < 0 || cOff + (long) m * n > c.length) {
            throw new IndexOutOfBoundsException("PackedGemv: A " + m + "x" + k + " at " + aOff + " of " + a.length + ", B " + packed.length
                    + " for " + k + "x" + n + ", C at " + cOff + " of " + c.length);
        }
        columns(m, n, k, a, aOff, packed, beta, c, cOff, 0, n);
    }

    /**
     * Columns [j0, j1) of {@link #run}'s product, the others left alone: the same floats there as
     * {@code run} gives (each element's chain does not depend on its neighbours), so that two
     * threads may each take a range of columns of one product.
     */
    public static void runColumns(int m, int n, int k, float[] a, int aOff, float[] packed, float beta, float[] c, int cOff, int j0, int j1) {
        if (!applies(m, n, k)) throw new IllegalArgumentException("PackedGemv: " + m + " x " + n + " x " + k + " is not a GEMV product");
        if (packed.length != k * n || aOff < 0 || aOff + (long) m * k > a.length || cOff < 0 || cOff + (long) m * n > c.length
                || j0 < 0 || j1 > n || j0 > j1) {
            throw new IndexOutOfBoundsException("PackedGemv: A " + m + "x" + k + " at " + aOff + " of " + a.length + ", B " + packed.length
                    + " for " + k + "x" + n + ", C at " + cOff + " of " + c.length + ", columns " + j0 + " to " + j1);
        }
        columns(m, n, k, a, aOff, packed, beta, c, cOff, j0, j1);
    }

    /** Columns [j0, j1): each panel that meets them, the part of it within them (B at the panel's stride, from the first column taken). */
    private static void columns(int m, int n, int k, float[] a, int aOff, float[] packed, float beta, float[] c, int cOff, int j0, int j1) {
        int w = panelWidth();
        for (int j = j0 / w * w; j < j1; j += w) {
            int width = Math.min(w, n - j);
            int from = Math.max(j, j0), to = Math.min(j + width, j1);
            FloatGemv.gemv(false, false, m, to - from, k, 1f, a, aOff, k, packed, j * k + from - j, width, beta, c, cOff + from, n);
        }
    }
}
