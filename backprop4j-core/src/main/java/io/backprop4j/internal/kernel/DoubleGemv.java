// Generated from FloatGemv.java by tools/codegen/GenerateTwins.java; do not edit: edit FloatGemv.java and run it again.
package io.backprop4j.internal.kernel;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The kernel behind {@link Gemm#dgemm} for products of a few rows, such as a dense layer at
 * batch 1: {@code C = alpha * op(A) * op(B) + beta * C} with B read where it is stored, once per
 * group of up to {@link #ROWS} rows of A, never packed (the packed kernel copies all of B on every
 * call, which for one row costs more than the product). Arguments are checked in Gemm. Loaded
 * only when the Vector API module is present ({@link Simd#AVAILABLE}).
 *
 * <p>B not transposed (a Linear layer's forward {@code y = x W}, W [in, out]): a vector of
 * accumulators holds L adjacent columns of C, and each step of the loop over p reads a stretch of
 * row p of B, so B streams along its rows. Each element of C is
 * {@code alpha * s + beta * C[i][j]} with {@code s} the chain of fused multiply-adds over
 * p = 0 .. k-1 from zero, which is what the packed kernel computes in one k-slice: for
 * {@code k <= DoubleGemm.KC_MAX} a row comes out bit for bit as the packed kernel gives it within a
 * larger batch, at any vector width (the columns past the last whole vector use {@link Math#fma}).
 *
 * <p>B transposed ({@code y = x W^T}, W [out, in]: an RNN's products, a layer's dX at batch 1):
 * each element of C is a dot product of a row of op(A) with a stored row of B, accumulated in L
 * lanes along p and then summed lane by lane in a fixed order, so the result depends on the vector
 * width but never on the run or the threads.
 *
 * <p>Large products are split over {@link Parallel} by columns only: each element is computed by
 * one thread in the same order, so the result does not depend on the number of threads.
 *
 * <p>The float64 twin, DoubleGemv, is generated from this file by tools/codegen/GenerateTwins.java.
 */
final class DoubleGemv {

    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    /** Lanes per vector. */
    static final int L = S.length();
    /**
     * Rows of A per pass over B: 4 rows of 2-vector accumulators are 8 registers, plus 2 vectors of
     * B and the broadcasts of A, within the 16 vector registers of AVX2 and NEON.
     */
    static final int ROWS = 4;
    /** Columns per unit of the split over threads: four vectors (a 128-wide layer still splits in two with 16 lanes). */
    static final int BLOCK = 4 * L;
    /**
     * m*n*k from which the columns are split over the threads: 2^22, a 2048x2048 layer at batch 1
     * (16 MB of weights, about half a millisecond on one thread). On the shared 2-core Xeon (load average 12-20) the
     * fmnist MLP at batch 1 with 2 threads took 165 us per sample with its 784x512 layer split and
     * 69 us unsplit (at load average 6: 195 us and 53 us): the hand-off to a worker that the
     * machine keeps descheduled costs more than the product. An idle machine may gain from a lower threshold (each core would stream its
     * half of B from its own L2); not measured.
     */
    static final long PARALLEL_WORK = 1L << 22;
    /** m*n*k per thread hand-off at least. */
    private static final long GRAIN_WORK = 1L << 15;

    /**
     * Whether the columns past the last whole vector run as one masked vector: on x86, where a
     * masked load or store is one instruction (AVX-512 and AVX2). A 256x10 layer (all tail with
     * 16 lanes) measured 5.9 us with the scalar loop. Elsewhere (NEON) the Vector API may emulate
     * the masked access lane by lane, slower than the scalar loop.
     */
    private static final boolean MASKED_TAIL = System.getProperty("os.arch", "").matches("amd64|x86_64");

    /** Per-thread scratch: the lanes of a dot product, the columns past the last vector, a contiguous copy of op(A). */
    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private static final class Buffers {
        final double[] lanes = new double[L];
        final double[] tail = new double[ROWS * L];
        double[] a = new double[0];
    }

    private DoubleGemv() {
    }

    /** C = alpha * op(A) * op(B) + beta * C with k > 0 and alpha != 0, any m (groups of ROWS rows), on the pool when large enough. */
    static void gemv(boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, int aOff, int lda,
                     double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
        gemv(MASKED_TAIL, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** As {@link #gemv(boolean, boolean, int, int, int, double, double[], int, int, double[], int, int, double, double[], int, int)}, the column tail masked or scalar (so tests run both on any machine). */
    static void gemv(boolean masked, boolean transA, boolean transB, int m, int n, int k, double alpha, double[] a, int aOff, int lda,
                     double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
        // op(A)[i][p] is a[aOff + i * ai + p * ap].
        int ai = transA ? 1 : lda;
        int ap = transA ? lda : 1;
        if (transB && transA && m > 1) {
            // The dot products read rows of op(A) as vectors: copy them contiguous (m * k, small next to B).
            Buffers buf = BUFFERS.get();
            if (buf.a.length < m * k) {
                buf.a = new double[m * k];
            }
            for (int i = 0; i < m; i++) {
                for (int p = 0; p < k; p++) {
                    buf.a[i * k + p] = a[aOff + p * lda + i];
                }
            }
            a = buf.a;
            aOff = 0;
            ai = k;
            ap = 1;
        } else if (transB && transA) {
            ai = 1;
            ap = 1;
            // One row of op(A) stored as a column of stride lda: only contiguous when lda == 1.
            if (lda != 1) {
                Buffers buf = BUFFERS.get();
                if (buf.a.length < k) {
                    buf.a = new double[k];
                }
                for (int p = 0; p < k; p++) {
                    buf.a[p] = a[aOff + p * lda];
                }
                a = buf.a;
                aOff = 0;
            }
        }
        int blocks = (n + BLOCK - 1) / BLOCK;
        long work = (long) m * n * k;
        if (work < PARALLEL_WORK || Parallel.threads() == 1) {
            columns(masked, transB, 0, n, m, k, alpha, a, aOff, ai, ap, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        int grain = (int) Math.max(1, GRAIN_WORK / ((long) m * k * BLOCK));
        double[] a1 = a;
        int aOff1 = aOff, ai1 = ai, ap1 = ap;
        Parallel.forRange(blocks, grain, (from, to) -> columns(masked, transB, from * BLOCK, Math.min(n, to * BLOCK), m, k,
                alpha, a1, aOff1, ai1, ap1, b, bOff, ldb, beta, c, cOff, ldc));
    }

    /** Columns [j0, j1) of C, every row, one group of up to ROWS rows after another. */
    private static void columns(boolean masked, boolean transB, int j0, int j1, int m, int k, double alpha, double[] a, int aOff, int ai, int ap,
                                double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
        for (int i0 = 0; i0 < m; i0 += ROWS) {
            int h = Math.min(ROWS, m - i0);
            if (transB) {
                dots(i0, h, j0, j1, k, alpha, a, aOff, ai, b, bOff, ldb, beta, c, cOff, ldc);
            } else if (h == 1) {
                oneRow(masked, j0, j1, k, alpha, a, aOff + i0 * ai, ap, b, bOff, ldb, beta, c, cOff + i0 * ldc);
            } else {
                fourRows(masked, i0, h, j0, j1, k, alpha, a, aOff, ai, ap, b, bOff, ldb, beta, c, cOff, ldc);
            }
        }
    }

    /**
     * One row of C, columns [j0, j1): x = op(A) row at a[x0 + p * ap], B stored k x n, C row at
     * ci. Each width of block is its own method, small enough for C2 to compile with every vector
     * kept in registers (one method holding all of them outgrew C2's inlining budget and, in some
     * runs, boxed the vectors of the tail: 20 KB allocated per call).
     */
    private static void oneRow(boolean masked, int j0, int j1, int k, double alpha, double[] a, int x0, int ap,
                               double[] b, int bOff, int ldb, double beta, double[] c, int ci) {
        int j8 = j0 + (j1 - j0) / (8 * L) * (8 * L);
        if (j8 > j0) {
            eightVectors(j0, j8, k, alpha, a, x0, ap, b, bOff, ldb, beta, c, ci);
        }
        int j = j8 + (j1 - j8) / L * L;
        if (j > j8) {
            oneVector(j8, j, k, alpha, a, x0, ap, b, bOff, ldb, beta, c, ci);
        }
        if (j < j1 && masked) {
            maskedTail(1, j, j1, k, alpha, a, x0, x0, x0, x0, ap, b, bOff, ldb, beta, c, ci, ci, ci, ci);
        } else if (j < j1) {
            tail(1, j, j1, k, alpha, a, x0, x0, x0, x0, ap, b, bOff, ldb, beta, c, ci, ci, ci, ci);
        }
    }

    /**
     * Columns [j0, j1) of one row, a multiple of 8 vectors, eight vectors at a time: eight
     * independent FMA chains hide the FMA latency and read a longer stretch of each row of B
     * (a 784x512 layer: 27 us against 32 us with four, AVX-512).
     */
    private static void eightVectors(int j0, int j1, int k, double alpha, double[] a, int x0, int ap,
                                     double[] b, int bOff, int ldb, double beta, double[] c, int ci) {
        for (int j = j0; j < j1; j += 8 * L) {
            DoubleVector s0 = DoubleVector.zero(S), s1 = DoubleVector.zero(S), s2 = DoubleVector.zero(S), s3 = DoubleVector.zero(S);
            DoubleVector s4 = DoubleVector.zero(S), s5 = DoubleVector.zero(S), s6 = DoubleVector.zero(S), s7 = DoubleVector.zero(S);
            for (int p = 0, bo = bOff + j, xo = x0; p < k; p++, bo += ldb, xo += ap) {
                DoubleVector x = DoubleVector.broadcast(S, a[xo]);
                s0 = x.fma(DoubleVector.fromArray(S, b, bo), s0);
                s1 = x.fma(DoubleVector.fromArray(S, b, bo + L), s1);
                s2 = x.fma(DoubleVector.fromArray(S, b, bo + 2 * L), s2);
                s3 = x.fma(DoubleVector.fromArray(S, b, bo + 3 * L), s3);
                s4 = x.fma(DoubleVector.fromArray(S, b, bo + 4 * L), s4);
                s5 = x.fma(DoubleVector.fromArray(S, b, bo + 5 * L), s5);
                s6 = x.fma(DoubleVector.fromArray(S, b, bo + 6 * L), s6);
                s7 = x.fma(DoubleVector.fromArray(S, b, bo + 7 * L), s7);
            }
            store(s0, c, ci + j, alpha, beta);
            store(s1, c, ci + j + L, alpha, beta);
            store(s2, c, ci + j + 2 * L, alpha, beta);
            store(s3, c, ci + j + 3 * L, alpha, beta);
            store(s4, c, ci + j + 4 * L, alpha, beta);
            store(s5, c, ci + j + 5 * L, alpha, beta);
            store(s6, c, ci + j + 6 * L, alpha, beta);
            store(s7, c, ci + j + 7 * L, alpha, beta);
        }
    }

    /** Columns [j0, j1) of one row, a multiple of L, one vector at a time. */
    private static void oneVector(int j0, int j1, int k, double alpha, double[] a, int x0, int ap,
                                  double[] b, int bOff, int ldb, double beta, double[] c, int ci) {
        for (int j = j0; j < j1; j += L) {
            DoubleVector s0 = DoubleVector.zero(S);
            for (int p = 0, bo = bOff + j, xo = x0; p < k; p++, bo += ldb, xo += ap) {
                s0 = DoubleVector.broadcast(S, a[xo]).fma(DoubleVector.fromArray(S, b, bo), s0);
            }
            store(s0, c, ci + j, alpha, beta);
        }
    }

    /**
     * Rows [i0, i0+h) of C, 2 <= h <= ROWS, columns [j0, j1), B stored k x n. Rows past h repeat
     * the first row (the loads are shared, the extra FMAs cost less than a second pass over B)
     * and are not stored.
     */
    private static void fourRows(boolean masked, int i0, int h, int j0, int j1, int k, double alpha, double[] a, int aOff, int ai, int ap,
                                 double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
        int x0 = aOff + i0 * ai;
        int x1 = x0 + ai;
        int x2 = h > 2 ? x0 + 2 * ai : x0;
        int x3 = h > 3 ? x0 + 3 * ai : x0;
        int c0 = cOff + i0 * ldc;
        int c1 = c0 + ldc;
        int c2 = c0 + 2 * ldc;
        int c3 = c0 + 3 * ldc;
        int j = j0;
        for (; j + 2 * L <= j1; j += 2 * L) {
            DoubleVector s00 = DoubleVector.zero(S), s01 = DoubleVector.zero(S);
            DoubleVector s10 = DoubleVector.zero(S), s11 = DoubleVector.zero(S);
            DoubleVector s20 = DoubleVector.zero(S), s21 = DoubleVector.zero(S);
            DoubleVector s30 = DoubleVector.zero(S), s31 = DoubleVector.zero(S);
            for (int p = 0, bo = bOff + j, xo = 0; p < k; p++, bo += ldb, xo += ap) {
                DoubleVector b0 = DoubleVector.fromArray(S, b, bo);
                DoubleVector b1 = DoubleVector.fromArray(S, b, bo + L);
                DoubleVector x = DoubleVector.broadcast(S, a[x0 + xo]);
                s00 = x.fma(b0, s00); s01 = x.fma(b1, s01);
                x = DoubleVector.broadcast(S, a[x1 + xo]);
                s10 = x.fma(b0, s10); s11 = x.fma(b1, s11);
                x = DoubleVector.broadcast(S, a[x2 + xo]);
                s20 = x.fma(b0, s20); s21 = x.fma(b1, s21);
                x = DoubleVector.broadcast(S, a[x3 + xo]);
                s30 = x.fma(b0, s30); s31 = x.fma(b1, s31);
            }
            store(s00, c, c0 + j, alpha, beta);
            store(s01, c, c0 + j + L, alpha, beta);
            store(s10, c, c1 + j, alpha, beta);
            store(s11, c, c1 + j + L, alpha, beta);
            if (h > 2) {
                store(s20, c, c2 + j, alpha, beta);
                store(s21, c, c2 + j + L, alpha, beta);
            }
            if (h > 3) {
                store(s30, c, c3 + j, alpha, beta);
                store(s31, c, c3 + j + L, alpha, beta);
            }
        }
        if (j + L <= j1) {
            DoubleVector s0 = DoubleVector.zero(S), s1 = DoubleVector.zero(S), s2 = DoubleVector.zero(S), s3 = DoubleVector.zero(S);
            for (int p = 0, bo = bOff + j, xo = 0; p < k; p++, bo += ldb, xo += ap) {
                DoubleVector b0 = DoubleVector.fromArray(S, b, bo);
                s0 = DoubleVector.broadcast(S, a[x0 + xo]).fma(b0, s0);
                s1 = DoubleVector.broadcast(S, a[x1 + xo]).fma(b0, s1);
                s2 = DoubleVector.broadcast(S, a[x2 + xo]).fma(b0, s2);
                s3 = DoubleVector.broadcast(S, a[x3 + xo]).fma(b0, s3);
            }
            store(s0, c, c0 + j, alpha, beta);
            store(s1, c, c1 + j, alpha, beta);
            if (h > 2) {
                store(s2, c, c2 + j, alpha, beta);
            }
            if (h > 3) {
                store(s3, c, c3 + j, alpha, beta);
            }
            j += L;
        }
        if (j < j1 && masked) {
            maskedTail(h, j, j1, k, alpha, a, x0, x1, x2, x3, ap, b, bOff, ldb, beta, c, c0, c1, c2, c3);
        } else if (j < j1) {
            tail(h, j, j1, k, alpha, a, x0, x1, x2, x3, ap, b, bOff, ldb, beta, c, c0, c1, c2, c3);
        }
    }

    /**
     * Columns [j0, j1), fewer than L, of h rows (op(A) rows at x0..x3, C rows at c0..c3; rows past
     * h repeat an earlier one and are not stored) as one masked vector per row: lanes past j1 are
     * neither read nor written, and each lane is the fused chain over p of the whole vectors.
     */
    private static void maskedTail(int h, int j0, int j1, int k, double alpha, double[] a, int x0, int x1, int x2, int x3,
                                   int ap, double[] b, int bOff, int ldb, double beta, double[] c, int c0, int c1, int c2, int c3) {
        VectorMask<Double> in = S.indexInRange(j0, j1);
        DoubleVector s0 = DoubleVector.zero(S), s1 = DoubleVector.zero(S), s2 = DoubleVector.zero(S), s3 = DoubleVector.zero(S);
        for (int p = 0, bo = bOff + j0, xo = 0; p < k; p++, bo += ldb, xo += ap) {
            DoubleVector w = DoubleVector.fromArray(S, b, bo, in);
            s0 = DoubleVector.broadcast(S, a[x0 + xo]).fma(w, s0);
            if (h > 1) {
                s1 = DoubleVector.broadcast(S, a[x1 + xo]).fma(w, s1);
                s2 = DoubleVector.broadcast(S, a[x2 + xo]).fma(w, s2);
                s3 = DoubleVector.broadcast(S, a[x3 + xo]).fma(w, s3);
            }
        }
        storeMasked(s0, c, c0 + j0, alpha, beta, in);
        if (h > 1) {
            storeMasked(s1, c, c1 + j0, alpha, beta, in);
        }
        if (h > 2) {
            storeMasked(s2, c, c2 + j0, alpha, beta, in);
        }
        if (h > 3) {
            storeMasked(s3, c, c3 + j0, alpha, beta, in);
        }
    }

    /** As {@link #store} for the lanes of {@code in} only. */
    private static void storeMasked(DoubleVector acc, double[] c, int idx, double alpha, double beta, VectorMask<Double> in) {
        DoubleVector v = alpha == 1d ? acc : acc.mul(alpha);
        if (beta != 0d) {
            DoubleVector old = DoubleVector.fromArray(S, c, idx, in);
            v = beta == 1d ? v.add(old) : old.mul(beta).add(v);
        }
        v.intoArray(c, idx, in);
    }

    /**
     * Columns [j0, j1), fewer than L, of h rows (op(A) rows at x0..x3, C rows at c0..c3): the
     * same fused chain over p per element as a vector lane, with {@link Math#fma}, reading each
     * row of B once along its stretch.
     */
    private static void tail(int h, int j0, int j1, int k, double alpha, double[] a, int x0, int x1, int x2, int x3, int ap,
                             double[] b, int bOff, int ldb, double beta, double[] c, int c0, int c1, int c2, int c3) {
        int w = j1 - j0;
        double[] s = BUFFERS.get().tail;
        java.util.Arrays.fill(s, 0, h * L, 0d);
        int[] xs = {x0, x1, x2, x3};
        int[] cs = {c0, c1, c2, c3};
        for (int p = 0, bo = bOff + j0, xo = 0; p < k; p++, bo += ldb, xo += ap) {
            for (int r = 0; r < h; r++) {
                double x = a[xs[r] + xo];
                for (int j = 0, t = r * L; j < w; j++, t++) {
                    s[t] = Math.fma(x, b[bo + j], s[t]);
                }
            }
        }
        for (int r = 0; r < h; r++) {
            for (int j = 0; j < w; j++) {
                int ci = cs[r] + j0 + j;
                double v = alpha * s[r * L + j];
                c[ci] = beta == 0d ? v : v + beta * c[ci];
            }
        }
    }

    /**
     * Rows [i0, i0+h) of C, h <= ROWS, columns [j0, j1), with B stored n x k (transposed): element
     * (i, j) is the dot product of op(A) row i (contiguous, at a[aOff + i * ai]) with stored row j
     * of B. Rows past h repeat the first row and are not stored.
     */
    private static void dots(int i0, int h, int j0, int j1, int k, double alpha, double[] a, int aOff, int ai,
                             double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
        double[] lanes = BUFFERS.get().lanes;
        int x0 = aOff + i0 * ai;
        int x1 = h > 1 ? x0 + ai : x0;
        int x2 = h > 2 ? x0 + 2 * ai : x0;
        int x3 = h > 3 ? x0 + 3 * ai : x0;
        int bound = S.loopBound(k);
        for (int j = j0; j < j1; j++) {
            int bo = bOff + j * ldb;
            DoubleVector s0 = DoubleVector.zero(S), s1 = DoubleVector.zero(S), s2 = DoubleVector.zero(S), s3 = DoubleVector.zero(S);
            for (int p = 0; p < bound; p += L) {
                DoubleVector w = DoubleVector.fromArray(S, b, bo + p);
                s0 = DoubleVector.fromArray(S, a, x0 + p).fma(w, s0);
                if (h > 1) {
                    s1 = DoubleVector.fromArray(S, a, x1 + p).fma(w, s1);
                    s2 = DoubleVector.fromArray(S, a, x2 + p).fma(w, s2);
                    s3 = DoubleVector.fromArray(S, a, x3 + p).fma(w, s3);
                }
            }
            int ci = cOff + i0 * ldc + j;
            s0.intoArray(lanes, 0);
            finishDot(lanes, a, x0, b, bo, bound, k, alpha, beta, c, ci);
            if (h > 1) {
                s1.intoArray(lanes, 0);
                finishDot(lanes, a, x1, b, bo, bound, k, alpha, beta, c, ci + ldc);
            }
            if (h > 2) {
                s2.intoArray(lanes, 0);
                finishDot(lanes, a, x2, b, bo, bound, k, alpha, beta, c, ci + 2 * ldc);
            }
            if (h > 3) {
                s3.intoArray(lanes, 0);
                finishDot(lanes, a, x3, b, bo, bound, k, alpha, beta, c, ci + 3 * ldc);
            }
        }
    }

    /** The lanes summed in order, then the products past the last whole vector fused on; C[ci] = alpha * that + beta * C[ci]. */
    private static void finishDot(double[] lanes, double[] a, int xo, double[] b, int bo, int from, int k,
                                  double alpha, double beta, double[] c, int ci) {
        double t = 0d;
        for (int l = 0; l < L; l++) {
            t += lanes[l];
        }
        for (int p = from; p < k; p++) {
            t = Math.fma(a[xo + p], b[bo + p], t);
        }
        double v = alpha * t;
        c[ci] = beta == 0d ? v : v + beta * c[ci];
    }

    /** C[idx .. idx+L) = alpha * acc + beta * C (C not read when beta == 0), as the packed kernel stores a tile. */
    private static void store(DoubleVector acc, double[] c, int idx, double alpha, double beta) {
        DoubleVector v = alpha == 1d ? acc : acc.mul(alpha);
        if (beta != 0d) {
            DoubleVector old = DoubleVector.fromArray(S, c, idx);
            v = beta == 1d ? v.add(old) : old.mul(beta).add(v);
        }
        v.intoArray(c, idx);
    }
}
