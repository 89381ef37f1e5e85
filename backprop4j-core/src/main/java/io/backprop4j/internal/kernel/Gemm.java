package io.backprop4j.internal.kernel;

/**
 * General matrix multiply on row-major arrays, float32 and float64:
 * {@code C = alpha * op(A) * op(B) + beta * C}, where {@code op(X)} is {@code X} or {@code X^T}.
 *
 * <p>Shapes: {@code op(A)} is {@code m x k}, {@code op(B)} is {@code k x n}, {@code C} is
 * {@code m x n}. Each matrix is stored row-major at an offset with a row stride ({@code ld}) of
 * at least its stored width: A is stored {@code m x k} ({@code k x m} when {@code transA}),
 * B {@code k x n} ({@code n x k} when {@code transB}). Only the {@code m x n} window of C is
 * modified; A and B are only read. As in BLAS, {@code beta == 0} overwrites C without reading it
 * (NaN in C does not propagate), and {@code alpha == 0} or {@code k == 0} leaves A and B unread.
 *
 * <p>The front end picks a kernel by size: plain loops for tiny products (a hand-off to packing
 * would cost more than the product), OpenBLAS through {@link NativeBlas} for large products where
 * it is available and measured faster, else the packed, cache-blocked Vector API kernel, spread
 * over {@link Parallel}. For example {@code sgemm(false, true, 2, 3, 4, 1f, x, 0, 4, w, 0, 4, 0f,
 * y, 0, 3)} computes {@code y = x w^T} for a 2x4 batch {@code x} and 3x4 weights {@code w}.
 */
public final class Gemm {

    /** The kernels the front end chooses between; tests check that each one is covered. */
    enum Path { TINY, PACKED, NATIVE }

    /** Below this m*n*k, plain loops beat packing (measured crossover near 8x8x8; the 4-3-2 seed network takes ~50 ns). */
    static final long TINY_WORK = 512;

    private Gemm() {
    }

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C} in float32; see the class comment for shapes.
     * Only {@code c} is modified.
     *
     * @throws IllegalArgumentException  if a size is negative or a row stride is below the stored width
     * @throws IndexOutOfBoundsException if a matrix does not fit its array at the given offset and stride
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        check("sgemm", transA, transB, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length, cOff, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        switch (path(m, n, k, false)) {
            case TINY -> tiny(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            case PACKED -> FloatGemm.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            case NATIVE -> NativeBlas.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C} in float64; see the class comment for shapes.
     * Only {@code c} is modified.
     *
     * @throws IllegalArgumentException  if a size is negative or a row stride is below the stored width
     * @throws IndexOutOfBoundsException if a matrix does not fit its array at the given offset and stride
     */
    public static void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                             double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                             double beta, double[] c, int cOff, int ldc) {
        check("dgemm", transA, transB, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length, cOff, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0d) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        switch (path(m, n, k, true)) {
            case TINY -> tiny(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            case PACKED -> DoubleGemm.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            case NATIVE -> NativeBlas.dgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /** The kernel {@link #sgemm} ({@code !isDouble}) or {@link #dgemm} uses for a product of this size. */
    static Path path(int m, int n, int k, boolean isDouble) {
        long work = (long) m * n * k;
        if (work < TINY_WORK) {
            return Path.TINY;
        }
        if (NativeBlas.wins(m, n, k, isDouble)) {
            return Path.NATIVE;
        }
        return Path.PACKED;
    }

    // ---- reference: the definition, for tests ----

    /** Plain triple loop, summed in double: the definition that the fast kernels are tested against. */
    public static void reference(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                 float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                 float beta, float[] c, int cOff, int ldc) {
        check("sgemm", transA, transB, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length, cOff, ldc);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k && alpha != 0f; p++) {
                    double x = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    double y = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    sum += x * y;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = (float) (alpha * sum + (beta == 0f ? 0 : (double) beta * c[ci]));
            }
        }
    }

    /** Plain triple loop: the definition that the fast kernels are tested against. */
    public static void reference(boolean transA, boolean transB, int m, int n, int k, double alpha,
                                 double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                                 double beta, double[] c, int cOff, int ldc) {
        check("dgemm", transA, transB, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length, cOff, ldc);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k && alpha != 0d; p++) {
                    double x = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    double y = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    sum += x * y;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = alpha * sum + (beta == 0d ? 0 : beta * c[ci]);
            }
        }
    }

    // ---- tiny path: no packing, no threads ----

    /** Row by row: C row = beta * C row, then add alpha * A[i][p] * B row p (contiguous, so C2 vectorizes it). */
    static void tiny(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            if (transB) {
                // op(B) columns are stored rows: a dot product per element reads both contiguously when !transA.
                for (int j = 0; j < n; j++) {
                    int bj = bOff + j * ldb;
                    float sum = 0f;
                    for (int p = 0; p < k; p++) {
                        sum += (transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p]) * b[bj + p];
                    }
                    c[ci + j] = beta == 0f ? alpha * sum : alpha * sum + beta * c[ci + j];
                }
                continue;
            }
            scaleRow(n, beta, c, ci);
            for (int p = 0; p < k; p++) {
                float aip = alpha * (transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p]);
                int bp = bOff + p * ldb;
                for (int j = 0; j < n; j++) {
                    c[ci + j] += aip * b[bp + j];
                }
            }
        }
    }

    /** The double twin of {@link #tiny(boolean, boolean, int, int, int, float, float[], int, int, float[], int, int, float, float[], int, int)}. */
    static void tiny(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, int aOff, int lda,
                     double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            if (transB) {
                for (int j = 0; j < n; j++) {
                    int bj = bOff + j * ldb;
                    double sum = 0d;
                    for (int p = 0; p < k; p++) {
                        sum += (transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p]) * b[bj + p];
                    }
                    c[ci + j] = beta == 0d ? alpha * sum : alpha * sum + beta * c[ci + j];
                }
                continue;
            }
            scaleRow(n, beta, c, ci);
            for (int p = 0; p < k; p++) {
                double aip = alpha * (transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p]);
                int bp = bOff + p * ldb;
                for (int j = 0; j < n; j++) {
                    c[ci + j] += aip * b[bp + j];
                }
            }
        }
    }

    // ---- helpers ----

    private static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            scaleRow(n, beta, c, cOff + i * ldc);
        }
    }

    private static void scale(int m, int n, double beta, double[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            scaleRow(n, beta, c, cOff + i * ldc);
        }
    }

    /** C row = beta * C row; beta == 0 writes zeros so that NaN or Inf already in C is dropped. */
    private static void scaleRow(int n, float beta, float[] c, int ci) {
        if (beta == 0f) {
            java.util.Arrays.fill(c, ci, ci + n, 0f);
        } else if (beta != 1f) {
            for (int j = 0; j < n; j++) {
                c[ci + j] *= beta;
            }
        }
    }

    private static void scaleRow(int n, double beta, double[] c, int ci) {
        if (beta == 0d) {
            java.util.Arrays.fill(c, ci, ci + n, 0d);
        } else if (beta != 1d) {
            for (int j = 0; j < n; j++) {
                c[ci + j] *= beta;
            }
        }
    }

    /** Checks sizes, strides and array bounds once, so the kernels can index without further checks. */
    private static void check(String op, boolean transA, boolean transB, int m, int n, int k,
                              int aLen, int aOff, int lda, int bLen, int bOff, int ldb, int cLen, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException(op + ": sizes must be >= 0, got m=" + m + ", n=" + n + ", k=" + k);
        }
        checkMatrix(op, "A", transA ? k : m, transA ? m : k, aLen, aOff, lda);
        checkMatrix(op, "B", transB ? n : k, transB ? k : n, bLen, bOff, ldb);
        checkMatrix(op, "C", m, n, cLen, cOff, ldc);
    }

    private static void checkMatrix(String op, String name, int rows, int cols, int length, int offset, int ld) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(op + ": ld" + name.toLowerCase() + "=" + ld + " is below the "
                    + cols + " columns of stored " + name + " [" + rows + ", " + cols + "]");
        }
        if (offset < 0) {
            throw new IndexOutOfBoundsException(op + ": negative offset " + offset + " of " + name);
        }
        if (rows > 0 && cols > 0) {
            long end = offset + (long) (rows - 1) * ld + cols;
            if (end > length) {
                throw new IndexOutOfBoundsException(op + ": stored " + name + " [" + rows + ", " + cols + "] at offset "
                        + offset + " with ld=" + ld + " needs " + end + " elements, array has " + length);
            }
        }
    }
}
