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
 * would cost more than the product), a matrix-vector kernel that streams B unpacked for products
 * of up to {@link #GEMV_ROWS} rows (batch-1 inference), OpenBLAS through {@link NativeBlas} for large products where
 * it is available and measured faster, else the packed, cache-blocked Vector API kernel, spread
 * over {@link Parallel} (or, without the Vector API module, plain row loops on the pool). For
 * example {@code sgemm(false, true, 2, 3, 4, 1f, x, 0, 4, w, 0, 4, 0f, y, 0, 3)} computes
 * {@code y = x w^T} for a 2x4 batch {@code x} and 3x4 weights {@code w}.
 *
 * <p>The float64 methods are generated from the float32 ones by tools/codegen/GenerateTwins.java
 * (the regions marked {@code // twin:}); edit the float32 code and run it again.
 */
public final class Gemm {

    /**
     * The kernels the front end chooses between; tests check that each one is covered. SCALAR
     * stands in for PACKED when the Vector API module is missing ({@link Simd#AVAILABLE}), and
     * TINY for GEMV (a few rows: its row loops stream B once and C2 vectorises them).
     */
    enum Path { TINY, GEMV, SCALAR, PACKED, NATIVE }

    /**
     * Up to this many rows (one pass of {@link FloatGemv}), a product streams B as it is stored instead of
     * packing it: packing copies all of B on every call, which for a dense layer at batch 1 cost
     * more than the product itself (784x512 weights: 437 us per sample for the fmnist MLP).
     */
    static final int GEMV_ROWS = 4;

    /** Below this m*n*k, plain loops beat packing (measured crossover near 8x8x8; the 4-3-2 seed network takes ~50 ns). */
    static final long TINY_WORK = 512;

    /** m*n*k per band of rows of the scalar kernel that is worth a hand-off to another thread. */
    private static final long SCALAR_GRAIN = 1L << 20;

    /** m*n*k from which one product of a batch is worth all the threads by itself (the packed kernel's own threshold). */
    private static final long BATCH_ALONE_WORK = 1L << 20;

    /** m*n*k of a batch's products per thread hand-off. */
    private static final long BATCH_GRAIN = 1L << 16;

    private Gemm() {
    }

    /**
     * Which GEMM float32 products run on, in words: OpenBLAS (with its own description) when
     * products go to it, else the Vector API kernel and its tile, else the scalar loops.
     */
    public static String describe() {
        if (NativeBlas.used()) {
            return NativeBlas.status();
        }
        if (Simd.AVAILABLE) {
            return "none: pure-Java Vector API kernels (float32 tile " + FloatGemm.MR + "x" + FloatGemm.NR + ")";
        }
        return "none: pure-Java scalar loops (no Vector API)";
    }

    /** The kernel {@link #sgemm} ({@code elementBytes} 4) or {@link #dgemm} (8) uses for a product of this size. */
    static Path path(int m, int n, int k, int elementBytes) {
        long work = (long) m * n * k;
        if (work < TINY_WORK) {
            return Path.TINY;
        }
        if (NativeBlas.wins(m, n, k, elementBytes == Double.BYTES)) {
            return Path.NATIVE;
        }
        if (m <= GEMV_ROWS) {
            return Simd.AVAILABLE ? Path.GEMV : Path.TINY;
        }
        return Simd.AVAILABLE ? Path.PACKED : Path.SCALAR;
    }

    // twin: float32 source
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
        run(path(m, n, k, Float.BYTES), transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /**
     * A batch of products of one shape, {@code C_t = alpha * op(A_t) * op(B_t) + beta * C_t} for
     * t < {@code cOff.length}, matrix t of each array at its offset {@code aOff[t]},
     * {@code bOff[t]}, {@code cOff[t]} (the strides shared): attention's heads and sequences.
     * Products large enough to be spread over the threads on their own run one after another;
     * smaller ones (most of attention's) are spread over the threads a batch at a time, each
     * product on one thread. Only the C matrices are modified; they must not overlap.
     */
    public static void sgemmBatched(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                    float[] a, int[] aOff, int lda, float[] b, int[] bOff, int ldb,
                                    float beta, float[] c, int[] cOff, int ldc) {
        int batches = cOff.length;
        if (aOff.length != batches || bOff.length != batches) {
            throw new IllegalArgumentException("sgemmBatched: " + aOff.length + ", " + bOff.length + " and " + batches + " offsets");
        }
        for (int t = 0; t < batches; t++) {
            check("sgemm", transA, transB, m, n, k, a.length, aOff[t], lda, b.length, bOff[t], ldb, c.length, cOff[t], ldc);
        }
        long work = Math.max(1L, (long) m * n * k);
        if (batches == 1 || work >= BATCH_ALONE_WORK) {
            for (int t = 0; t < batches; t++) {
                sgemm(transA, transB, m, n, k, alpha, a, aOff[t], lda, b, bOff[t], ldb, beta, c, cOff[t], ldc);
            }
            return;
        }
        Parallel.forRange(batches, (int) Math.max(1, BATCH_GRAIN / work), (from, to) -> {
            for (int t = from; t < to; t++) {
                sgemm(transA, transB, m, n, k, alpha, a, aOff[t], lda, b, bOff[t], ldb, beta, c, cOff[t], ldc);
            }
        });
    }

    /** The product by the kernel {@code path}, arguments already checked (tests call each kernel through this). */
    static void run(Path path, boolean transA, boolean transB, int m, int n, int k, float alpha,
                    float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        switch (path) {
            case TINY -> tiny(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            case GEMV -> FloatGemv.gemv(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            case SCALAR -> scalar(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            case PACKED -> FloatGemm.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            case NATIVE -> NativeBlas.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /**
     * The definition that the fast kernels are tested against: each element of C a plain sum over
     * p in double, {@code C[i][j] = alpha * sum_p op(A)[i][p] op(B)[p][j] + beta * C[i][j]}.
     */
    public static void reference(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                 float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                 float beta, float[] c, int cOff, int ldc) {
        check("sgemm", transA, transB, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length, cOff, ldc);
        // Element (i, p) of op(A) is a[aOff + i * ai + p * ap], element (p, j) of op(B) b[bOff + p * bp + j * bj].
        int ai = transA ? 1 : lda, ap = transA ? lda : 1, bp = transB ? 1 : ldb, bj = transB ? ldb : 1;
        double[] sum = new double[n];
        for (int i = 0; i < m; i++) {
            java.util.Arrays.fill(sum, 0);
            // p outer, j inner: the sum of each element still runs over p in order, and op(B) is read along its rows.
            for (int p = 0; p < k && alpha != 0f; p++) {
                double x = a[aOff + i * ai + p * ap];
                for (int j = 0, y = bOff + p * bp; j < n; j++, y += bj) {
                    sum[j] += x * b[y];
                }
            }
            for (int j = 0; j < n; j++) {
                int ci = cOff + i * ldc + j;
                c[ci] = (float) (alpha * sum[j] + (beta == 0f ? 0 : (double) beta * c[ci]));
            }
        }
    }

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

    /**
     * The product without the Vector API, on the pool when large enough: op(A) and op(B) are
     * first copied to plain row-major matrices when transposed, then each band of rows is computed
     * 8 columns at a time with 8 scalar accumulators, the 8-column block of B (k x 8) staying in
     * cache for all the rows of the band.
     */
    static void scalar(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                       float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        float[] a0 = a;
        int a0Off = aOff;
        int lda0 = lda;
        if (transA) {
            a0 = new float[m * k];
            for (int p = 0; p < k; p++) {
                for (int i = 0; i < m; i++) {
                    a0[i * k + p] = a[aOff + p * lda + i];
                }
            }
            a0Off = 0;
            lda0 = k;
        }
        float[] b0 = b;
        int b0Off = bOff;
        int ldb0 = ldb;
        if (transB) {
            b0 = new float[k * n];
            for (int j = 0; j < n; j++) {
                for (int p = 0; p < k; p++) {
                    b0[p * n + j] = b[bOff + j * ldb + p];
                }
            }
            b0Off = 0;
            ldb0 = n;
        }
        float[] ar = a0, br = b0;
        int arOff = a0Off, lda1 = lda0, brOff = b0Off, ldb1 = ldb0;
        int grain = (int) Math.max(1, SCALAR_GRAIN / ((long) n * k));
        Parallel.forRange(m, grain, (from, to) -> scalarRows(from, to, n, k, alpha, ar, arOff, lda1, br, brOff, ldb1, beta, c, cOff, ldc));
    }

    /** Rows [from, to) of C = alpha * A B + beta * C, A and B row-major; see {@link #scalar}. */
    private static void scalarRows(int from, int to, int n, int k, float alpha, float[] a, int aOff, int lda,
                                   float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        float[] acc = new float[8];
        // The 8-column block of B, copied to k rows of 8 contiguous values (zero past the last column).
        float[] bk = new float[k * 8];
        for (int j0 = 0; j0 < n; j0 += 8) {
            int w = Math.min(8, n - j0);
            for (int p = 0; p < k; p++) {
                for (int j = 0; j < 8; j++) {
                    bk[p * 8 + j] = j < w ? b[bOff + p * ldb + j0 + j] : 0f;
                }
            }
            for (int i = from; i < to; i++) {
                int ai = aOff + i * lda;
                float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
                for (int p = 0, bi = 0; p < k; p++, bi += 8) {
                    float x = a[ai + p];
                    s0 += x * bk[bi];
                    s1 += x * bk[bi + 1];
                    s2 += x * bk[bi + 2];
                    s3 += x * bk[bi + 3];
                    s4 += x * bk[bi + 4];
                    s5 += x * bk[bi + 5];
                    s6 += x * bk[bi + 6];
                    s7 += x * bk[bi + 7];
                }
                acc[0] = s0; acc[1] = s1; acc[2] = s2; acc[3] = s3; acc[4] = s4; acc[5] = s5; acc[6] = s6; acc[7] = s7;
                int ci = cOff + i * ldc + j0;
                for (int j = 0; j < w; j++) {
                    c[ci + j] = beta == 0f ? alpha * acc[j] : alpha * acc[j] + beta * c[ci + j];
                }
            }
        }
    }

    private static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
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
    // twin: end
    // twin: float64, generated from the float32 source above by tools/codegen/GenerateTwins.java; do not edit
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
        run(path(m, n, k, Double.BYTES), transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /**
     * A batch of products of one shape, {@code C_t = alpha * op(A_t) * op(B_t) + beta * C_t} for
     * t < {@code cOff.length}, matrix t of each array at its offset {@code aOff[t]},
     * {@code bOff[t]}, {@code cOff[t]} (the strides shared): attention's heads and sequences.
     * Products large enough to be spread over the threads on their own run one after another;
     * smaller ones (most of attention's) are spread over the threads a batch at a time, each
     * product on one thread. Only the C matrices are modified; they must not overlap.
     */
    public static void dgemmBatched(boolean transA, boolean transB, int m, int n, int k, double alpha,
                                    double[] a, int[] aOff, int lda, double[] b, int[] bOff, int ldb,
                                    double beta, double[] c, int[] cOff, int ldc) {
        int batches = cOff.length;
        if (aOff.length != batches || bOff.length != batches) {
            throw new IllegalArgumentException("dgemmBatched: " + aOff.length + ", " + bOff.length + " and " + batches + " offsets");
        }
        for (int t = 0; t < batches; t++) {
            check("dgemm", transA, transB, m, n, k, a.length, aOff[t], lda, b.length, bOff[t], ldb, c.length, cOff[t], ldc);
        }
        long work = Math.max(1L, (long) m * n * k);
        if (batches == 1 || work >= BATCH_ALONE_WORK) {
            for (int t = 0; t < batches; t++) {
                dgemm(transA, transB, m, n, k, alpha, a, aOff[t], lda, b, bOff[t], ldb, beta, c, cOff[t], ldc);
            }
            return;
        }
        Parallel.forRange(batches, (int) Math.max(1, BATCH_GRAIN / work), (from, to) -> {
            for (int t = from; t < to; t++) {
                dgemm(transA, transB, m, n, k, alpha, a, aOff[t], lda, b, bOff[t], ldb, beta, c, cOff[t], ldc);
            }
        });
    }

    /** The product by the kernel {@code path}, arguments already checked (tests call each kernel through this). */
    static void run(Path path, boolean transA, boolean transB, int m, int n, int k, double alpha,
                    double[] a, int aOff, int lda, double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
        switch (path) {
            case TINY -> tiny(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            case GEMV -> DoubleGemv.gemv(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            case SCALAR -> scalar(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            case PACKED -> DoubleGemm.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            case NATIVE -> NativeBlas.dgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /**
     * The definition that the fast kernels are tested against: each element of C a plain sum over
     * p in double, {@code C[i][j] = alpha * sum_p op(A)[i][p] op(B)[p][j] + beta * C[i][j]}.
     */
    public static void reference(boolean transA, boolean transB, int m, int n, int k, double alpha,
                                 double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                                 double beta, double[] c, int cOff, int ldc) {
        check("dgemm", transA, transB, m, n, k, a.length, aOff, lda, b.length, bOff, ldb, c.length, cOff, ldc);
        // Element (i, p) of op(A) is a[aOff + i * ai + p * ap], element (p, j) of op(B) b[bOff + p * bp + j * bj].
        int ai = transA ? 1 : lda, ap = transA ? lda : 1, bp = transB ? 1 : ldb, bj = transB ? ldb : 1;
        double[] sum = new double[n];
        for (int i = 0; i < m; i++) {
            java.util.Arrays.fill(sum, 0);
            // p outer, j inner: the sum of each element still runs over p in order, and op(B) is read along its rows.
            for (int p = 0; p < k && alpha != 0d; p++) {
                double x = a[aOff + i * ai + p * ap];
                for (int j = 0, y = bOff + p * bp; j < n; j++, y += bj) {
                    sum[j] += x * b[y];
                }
            }
            for (int j = 0; j < n; j++) {
                int ci = cOff + i * ldc + j;
                c[ci] = (double) (alpha * sum[j] + (beta == 0d ? 0 : (double) beta * c[ci]));
            }
        }
    }

    /** Row by row: C row = beta * C row, then add alpha * A[i][p] * B row p (contiguous, so C2 vectorizes it). */
    static void tiny(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, int aOff, int lda,
                     double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            if (transB) {
                // op(B) columns are stored rows: a dot product per element reads both contiguously when !transA.
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

    /**
     * The product without the Vector API, on the pool when large enough: op(A) and op(B) are
     * first copied to plain row-major matrices when transposed, then each band of rows is computed
     * 8 columns at a time with 8 scalar accumulators, the 8-column block of B (k x 8) staying in
     * cache for all the rows of the band.
     */
    static void scalar(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, int aOff, int lda,
                       double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
        double[] a0 = a;
        int a0Off = aOff;
        int lda0 = lda;
        if (transA) {
            a0 = new double[m * k];
            for (int p = 0; p < k; p++) {
                for (int i = 0; i < m; i++) {
                    a0[i * k + p] = a[aOff + p * lda + i];
                }
            }
            a0Off = 0;
            lda0 = k;
        }
        double[] b0 = b;
        int b0Off = bOff;
        int ldb0 = ldb;
        if (transB) {
            b0 = new double[k * n];
            for (int j = 0; j < n; j++) {
                for (int p = 0; p < k; p++) {
                    b0[p * n + j] = b[bOff + j * ldb + p];
                }
            }
            b0Off = 0;
            ldb0 = n;
        }
        double[] ar = a0, br = b0;
        int arOff = a0Off, lda1 = lda0, brOff = b0Off, ldb1 = ldb0;
        int grain = (int) Math.max(1, SCALAR_GRAIN / ((long) n * k));
        Parallel.forRange(m, grain, (from, to) -> scalarRows(from, to, n, k, alpha, ar, arOff, lda1, br, brOff, ldb1, beta, c, cOff, ldc));
    }

    /** Rows [from, to) of C = alpha * A B + beta * C, A and B row-major; see {@link #scalar}. */
    private static void scalarRows(int from, int to, int n, int k, double alpha, double[] a, int aOff, int lda,
                                   double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
        double[] acc = new double[8];
        // The 8-column block of B, copied to k rows of 8 contiguous values (zero past the last column).
        double[] bk = new double[k * 8];
        for (int j0 = 0; j0 < n; j0 += 8) {
            int w = Math.min(8, n - j0);
            for (int p = 0; p < k; p++) {
                for (int j = 0; j < 8; j++) {
                    bk[p * 8 + j] = j < w ? b[bOff + p * ldb + j0 + j] : 0d;
                }
            }
            for (int i = from; i < to; i++) {
                int ai = aOff + i * lda;
                double s0 = 0d, s1 = 0d, s2 = 0d, s3 = 0d, s4 = 0d, s5 = 0d, s6 = 0d, s7 = 0d;
                for (int p = 0, bi = 0; p < k; p++, bi += 8) {
                    double x = a[ai + p];
                    s0 += x * bk[bi];
                    s1 += x * bk[bi + 1];
                    s2 += x * bk[bi + 2];
                    s3 += x * bk[bi + 3];
                    s4 += x * bk[bi + 4];
                    s5 += x * bk[bi + 5];
                    s6 += x * bk[bi + 6];
                    s7 += x * bk[bi + 7];
                }
                acc[0] = s0; acc[1] = s1; acc[2] = s2; acc[3] = s3; acc[4] = s4; acc[5] = s5; acc[6] = s6; acc[7] = s7;
                int ci = cOff + i * ldc + j0;
                for (int j = 0; j < w; j++) {
                    c[ci + j] = beta == 0d ? alpha * acc[j] : alpha * acc[j] + beta * c[ci + j];
                }
            }
        }
    }

    private static void scale(int m, int n, double beta, double[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            scaleRow(n, beta, c, cOff + i * ldc);
        }
    }

    /** C row = beta * C row; beta == 0 writes zeros so that NaN or Inf already in C is dropped. */
    private static void scaleRow(int n, double beta, double[] c, int ci) {
        if (beta == 0d) {
            java.util.Arrays.fill(c, ci, ci + n, 0d);
        } else if (beta != 1d) {
            for (int j = 0; j < n; j++) {
                c[ci + j] *= beta;
            }
        }
    }
    // twin: end

    /**
     * op(B) [k, n] packed once for {@link #sgemm(boolean, int, float, float[], int, int, PackedB, float, float[], int, int)},
     * float32 only: the weights of a layer or of a recurrent step, used by many products. A
     * snapshot: later changes to the array it was packed from do not reach it. It holds the
     * slivers the packed kernel reads, and, where the ordinary {@link #sgemm} would send some
     * product with this B to another kernel (few rows with B transposed or k past one slice, tiny
     * products, OpenBLAS, no Vector API), a compact copy of B as stored, so that every product
     * comes out bit for bit as {@link #sgemm} gives it on the unpacked B.
     */
    public static final class PackedB {
        private final boolean transB;
        private final int k;
        private final int n;
        /** The packed kernel's slivers ({@link FloatGemm#packWhole}); null without the Vector API. */
        private final float[] slivers;
        /** B as stored ([n, k] when transB, else [k, n], row stride its width), or null where no product needs it. */
        private final float[] stored;

        private PackedB(boolean transB, int k, int n, float[] slivers, float[] stored) {
            this.transB = transB;
            this.k = k;
            this.n = n;
            this.slivers = slivers;
            this.stored = stored;
        }

        /** Rows of op(B): the inner size of the product. */
        public int k() {
            return k;
        }

        /** Columns of op(B) and of C. */
        public int n() {
            return n;
        }

        /** Whether B was stored transposed ([n, k]). */
        public boolean transB() {
            return transB;
        }

        @Override
        public String toString() {
            return "PackedB(k=" + k + ", n=" + n + (transB ? ", transposed" : "") + ")";
        }
    }

    /**
     * Packs op(B) [k, n] once, for many products by
     * {@link #sgemm(boolean, int, float, float[], int, int, PackedB, float, float[], int, int)}:
     * B stored at {@code bOff} with row stride {@code ldb}, [k, n] (or [n, k] when {@code transB}).
     * Only reads {@code b}. Float32 only.
     *
     * @throws IllegalArgumentException  if a size is negative or the row stride is below the stored width
     * @throws IndexOutOfBoundsException if B does not fit its array at the given offset and stride
     */
    public static PackedB packB(boolean transB, int k, int n, float[] b, int bOff, int ldb) {
        if (k < 0 || n < 0) {
            throw new IllegalArgumentException("packB: sizes must be >= 0, got k=" + k + ", n=" + n);
        }
        int rows = transB ? n : k, cols = transB ? k : n;
        checkMatrix("packB", "B", rows, cols, b.length, bOff, ldb);
        if (k == 0 || n == 0) {
            return new PackedB(transB, k, n, null, null);
        }
        float[] slivers = Simd.AVAILABLE ? FloatGemm.packWhole(transB, k, n, b, bOff, ldb) : null;
        float[] stored = null;
        if (!Simd.AVAILABLE || needsStored(transB, k, n)) {
            stored = new float[rows * cols];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(b, bOff + r * ldb, stored, r * cols, cols);
            }
        }
        return new PackedB(transB, k, n, slivers, stored);
    }

    /**
     * Whether some product with this B takes a kernel other than the packed one whose floats
     * differ: the tiny loops (n*k below TINY_WORK for one row), OpenBLAS, or the matrix-vector
     * kernel, which gives the packed kernel's floats only with B untransposed and one k-slice.
     */
    private static boolean needsStored(boolean transB, int k, int n) {
        return (long) n * k < TINY_WORK || NativeBlas.wins(Integer.MAX_VALUE, n, k, false)
                || transB || k > FloatGemm.KC_MAX;
    }

    /**
     * {@code C = alpha * op(A) * B + beta * C} in float32 with B {@link #packB packed}: A stored
     * [m, B.k()] (or [B.k(), m] when {@code transA}) at {@code aOff}, row stride {@code lda}; C
     * [m, B.n()] at {@code cOff}, row stride {@code ldc}. Bit for bit what {@link #sgemm} gives on
     * the B that was packed, at any number of threads. Only {@code c} is modified.
     *
     * @throws IllegalArgumentException  if m is negative or a row stride is below the stored width
     * @throws IndexOutOfBoundsException if A or C does not fit its array at the given offset and stride
     */
    public static void sgemm(boolean transA, int m, float alpha, float[] a, int aOff, int lda, PackedB b,
                             float beta, float[] c, int cOff, int ldc) {
        int n = b.n, k = b.k;
        if (m < 0) {
            throw new IllegalArgumentException("sgemm: sizes must be >= 0, got m=" + m + ", n=" + n + ", k=" + k);
        }
        checkMatrix("sgemm", "A", transA ? k : m, transA ? m : k, a.length, aOff, lda);
        checkMatrix("sgemm", "C", m, n, c.length, cOff, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        Path path = path(m, n, k, Float.BYTES);
        if (path == Path.PACKED || (path == Path.GEMV && b.stored == null)) {
            FloatGemm.gemmPacked(transA, m, n, k, alpha, a, aOff, lda, b.slivers, beta, c, cOff, ldc);
        } else {
            run(path, transA, b.transB, m, n, k, alpha, a, aOff, lda, b.stored, 0, b.transB ? k : n, beta, c, cOff, ldc);
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
