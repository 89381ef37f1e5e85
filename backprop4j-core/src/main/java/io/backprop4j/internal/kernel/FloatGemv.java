package io.backprop4j.internal.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The kernel behind {@link Gemm#sgemm} for products of a few rows, such as a dense layer at
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
 * {@code k <= FloatGemm.KC_MAX} a row comes out bit for bit as the packed kernel gives it within a
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
final class FloatGemv {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Lanes per vector. */
    static final int L = S.length();
    /**
     * Rows of A per pass over B: 4 rows of 2-vector accumulators are 8 registers, plus 2 vectors of
     * B and the broadcasts of A, within the 16 vector registers of AVX2 and NEON.
     */
    static final int ROWS = 4;
    /** Columns per unit of the split over threads: four vectors, the widest block of the one-row loop. */
    static final int BLOCK = 4 * L;
    /** m*n*k from which the columns are split over the threads (a 256x512 layer at batch 1 is 2^17). */
    static final long PARALLEL_WORK = 1L << 16;
    /** m*n*k per thread hand-off at least. */
    private static final long GRAIN_WORK = 1L << 15;

    /** Per-thread scratch: the lanes of a dot product, the columns past the last vector, a contiguous copy of op(A). */
    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private static final class Buffers {
        final float[] lanes = new float[L];
        final float[] tail = new float[ROWS * L];
        float[] a = new float[0];
    }

    private FloatGemv() {
    }

    /** C = alpha * op(A) * op(B) + beta * C with k > 0 and alpha != 0, any m (groups of ROWS rows), on the pool when large enough. */
    static void gemv(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        // op(A)[i][p] is a[aOff + i * ai + p * ap].
        int ai = transA ? 1 : lda;
        int ap = transA ? lda : 1;
        if (transB && transA && m > 1) {
            // The dot products read rows of op(A) as vectors: copy them contiguous (m * k, small next to B).
            Buffers buf = BUFFERS.get();
            if (buf.a.length < m * k) {
                buf.a = new float[m * k];
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
                    buf.a = new float[k];
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
            columns(transB, 0, n, m, k, alpha, a, aOff, ai, ap, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        int grain = (int) Math.max(1, GRAIN_WORK / ((long) m * k * BLOCK));
        float[] a1 = a;
        int aOff1 = aOff, ai1 = ai, ap1 = ap;
        Parallel.forRange(blocks, grain, (from, to) -> columns(transB, from * BLOCK, Math.min(n, to * BLOCK), m, k,
                alpha, a1, aOff1, ai1, ap1, b, bOff, ldb, beta, c, cOff, ldc));
    }

    /** Columns [j0, j1) of C, every row, one group of up to ROWS rows after another. */
    private static void columns(boolean transB, int j0, int j1, int m, int k, float alpha, float[] a, int aOff, int ai, int ap,
                                float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        for (int i0 = 0; i0 < m; i0 += ROWS) {
            int h = Math.min(ROWS, m - i0);
            if (transB) {
                dots(i0, h, j0, j1, k, alpha, a, aOff, ai, b, bOff, ldb, beta, c, cOff, ldc);
            } else if (h == 1) {
                oneRow(i0, j0, j1, k, alpha, a, aOff + i0 * ai, ap, b, bOff, ldb, beta, c, cOff + i0 * ldc);
            } else {
                fourRows(i0, h, j0, j1, k, alpha, a, aOff, ai, ap, b, bOff, ldb, beta, c, cOff, ldc);
            }
        }
    }

    /** One row of C, columns [j0, j1): x = op(A) row at a[x0 + p * ap], B stored k x n, C row at ci. */
    private static void oneRow(int i0, int j0, int j1, int k, float alpha, float[] a, int x0, int ap,
                               float[] b, int bOff, int ldb, float beta, float[] c, int ci) {
        int j = j0;
        for (; j + 4 * L <= j1; j += 4 * L) {
            FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S), s2 = FloatVector.zero(S), s3 = FloatVector.zero(S);
            for (int p = 0, bo = bOff + j, xo = x0; p < k; p++, bo += ldb, xo += ap) {
                FloatVector x = FloatVector.broadcast(S, a[xo]);
                s0 = x.fma(FloatVector.fromArray(S, b, bo), s0);
                s1 = x.fma(FloatVector.fromArray(S, b, bo + L), s1);
                s2 = x.fma(FloatVector.fromArray(S, b, bo + 2 * L), s2);
                s3 = x.fma(FloatVector.fromArray(S, b, bo + 3 * L), s3);
            }
            store(s0, c, ci + j, alpha, beta);
            store(s1, c, ci + j + L, alpha, beta);
            store(s2, c, ci + j + 2 * L, alpha, beta);
            store(s3, c, ci + j + 3 * L, alpha, beta);
        }
        for (; j + L <= j1; j += L) {
            FloatVector s0 = FloatVector.zero(S);
            for (int p = 0, bo = bOff + j, xo = x0; p < k; p++, bo += ldb, xo += ap) {
                s0 = FloatVector.broadcast(S, a[xo]).fma(FloatVector.fromArray(S, b, bo), s0);
            }
            store(s0, c, ci + j, alpha, beta);
        }
        if (j < j1) {
            tail(1, j, j1, k, alpha, a, x0, 0, 0, 0, ap, b, bOff, ldb, beta, c, ci, 0, 0, 0);
        }
    }

    /**
     * Rows [i0, i0+h) of C, 2 <= h <= ROWS, columns [j0, j1), B stored k x n. Rows past h repeat
     * the first row (the loads are shared, the extra FMAs cost less than a second pass over B)
     * and are not stored.
     */
    private static void fourRows(int i0, int h, int j0, int j1, int k, float alpha, float[] a, int aOff, int ai, int ap,
                                 float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
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
            FloatVector s00 = FloatVector.zero(S), s01 = FloatVector.zero(S);
            FloatVector s10 = FloatVector.zero(S), s11 = FloatVector.zero(S);
            FloatVector s20 = FloatVector.zero(S), s21 = FloatVector.zero(S);
            FloatVector s30 = FloatVector.zero(S), s31 = FloatVector.zero(S);
            for (int p = 0, bo = bOff + j, xo = 0; p < k; p++, bo += ldb, xo += ap) {
                FloatVector b0 = FloatVector.fromArray(S, b, bo);
                FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
                FloatVector x = FloatVector.broadcast(S, a[x0 + xo]);
                s00 = x.fma(b0, s00); s01 = x.fma(b1, s01);
                x = FloatVector.broadcast(S, a[x1 + xo]);
                s10 = x.fma(b0, s10); s11 = x.fma(b1, s11);
                x = FloatVector.broadcast(S, a[x2 + xo]);
                s20 = x.fma(b0, s20); s21 = x.fma(b1, s21);
                x = FloatVector.broadcast(S, a[x3 + xo]);
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
            FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S), s2 = FloatVector.zero(S), s3 = FloatVector.zero(S);
            for (int p = 0, bo = bOff + j, xo = 0; p < k; p++, bo += ldb, xo += ap) {
                FloatVector b0 = FloatVector.fromArray(S, b, bo);
                s0 = FloatVector.broadcast(S, a[x0 + xo]).fma(b0, s0);
                s1 = FloatVector.broadcast(S, a[x1 + xo]).fma(b0, s1);
                s2 = FloatVector.broadcast(S, a[x2 + xo]).fma(b0, s2);
                s3 = FloatVector.broadcast(S, a[x3 + xo]).fma(b0, s3);
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
        if (j < j1) {
            tail(h, j, j1, k, alpha, a, x0, x1, x2, x3, ap, b, bOff, ldb, beta, c, c0, c1, c2, c3);
        }
    }

    /**
     * Columns [j0, j1), fewer than L, of h rows (op(A) rows at x0..x3, C rows at c0..c3): the
     * same fused chain over p per element as a vector lane, with {@link Math#fma}, reading each
     * row of B once along its stretch.
     */
    private static void tail(int h, int j0, int j1, int k, float alpha, float[] a, int x0, int x1, int x2, int x3, int ap,
                             float[] b, int bOff, int ldb, float beta, float[] c, int c0, int c1, int c2, int c3) {
        int w = j1 - j0;
        float[] s = BUFFERS.get().tail;
        java.util.Arrays.fill(s, 0, h * L, 0f);
        int[] xs = {x0, x1, x2, x3};
        int[] cs = {c0, c1, c2, c3};
        for (int p = 0, bo = bOff + j0, xo = 0; p < k; p++, bo += ldb, xo += ap) {
            for (int r = 0; r < h; r++) {
                float x = a[xs[r] + xo];
                for (int j = 0, t = r * L; j < w; j++, t++) {
                    s[t] = Math.fma(x, b[bo + j], s[t]);
                }
            }
        }
        for (int r = 0; r < h; r++) {
            for (int j = 0; j < w; j++) {
                int ci = cs[r] + j0 + j;
                float v = alpha * s[r * L + j];
                c[ci] = beta == 0f ? v : v + beta * c[ci];
            }
        }
    }

    /**
     * Rows [i0, i0+h) of C, h <= ROWS, columns [j0, j1), with B stored n x k (transposed): element
     * (i, j) is the dot product of op(A) row i (contiguous, at a[aOff + i * ai]) with stored row j
     * of B. Rows past h repeat the first row and are not stored.
     */
    private static void dots(int i0, int h, int j0, int j1, int k, float alpha, float[] a, int aOff, int ai,
                             float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        float[] lanes = BUFFERS.get().lanes;
        int x0 = aOff + i0 * ai;
        int x1 = h > 1 ? x0 + ai : x0;
        int x2 = h > 2 ? x0 + 2 * ai : x0;
        int x3 = h > 3 ? x0 + 3 * ai : x0;
        int bound = S.loopBound(k);
        for (int j = j0; j < j1; j++) {
            int bo = bOff + j * ldb;
            FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S), s2 = FloatVector.zero(S), s3 = FloatVector.zero(S);
            for (int p = 0; p < bound; p += L) {
                FloatVector w = FloatVector.fromArray(S, b, bo + p);
                s0 = FloatVector.fromArray(S, a, x0 + p).fma(w, s0);
                if (h > 1) {
                    s1 = FloatVector.fromArray(S, a, x1 + p).fma(w, s1);
                    s2 = FloatVector.fromArray(S, a, x2 + p).fma(w, s2);
                    s3 = FloatVector.fromArray(S, a, x3 + p).fma(w, s3);
                }
            }
            int ci = cOff + i0 * ldc + j;
            finishDot(s0, lanes, a, x0, b, bo, bound, k, alpha, beta, c, ci);
            if (h > 1) {
                finishDot(s1, lanes, a, x1, b, bo, bound, k, alpha, beta, c, ci + ldc);
            }
            if (h > 2) {
                finishDot(s2, lanes, a, x2, b, bo, bound, k, alpha, beta, c, ci + 2 * ldc);
            }
            if (h > 3) {
                finishDot(s3, lanes, a, x3, b, bo, bound, k, alpha, beta, c, ci + 3 * ldc);
            }
        }
    }

    /** The lanes of s summed in order, then the products past the last whole vector fused on; C[ci] = alpha * that + beta * C[ci]. */
    private static void finishDot(FloatVector s, float[] lanes, float[] a, int xo, float[] b, int bo, int from, int k,
                                  float alpha, float beta, float[] c, int ci) {
        s.intoArray(lanes, 0);
        float t = 0f;
        for (int l = 0; l < L; l++) {
            t += lanes[l];
        }
        for (int p = from; p < k; p++) {
            t = Math.fma(a[xo + p], b[bo + p], t);
        }
        float v = alpha * t;
        c[ci] = beta == 0f ? v : v + beta * c[ci];
    }

    /** C[idx .. idx+L) = alpha * acc + beta * C (C not read when beta == 0), as the packed kernel stores a tile. */
    private static void store(FloatVector acc, float[] c, int idx, float alpha, float beta) {
        FloatVector v = alpha == 1f ? acc : acc.mul(alpha);
        if (beta != 0f) {
            FloatVector old = FloatVector.fromArray(S, c, idx);
            v = beta == 1f ? v.add(old) : old.mul(beta).add(v);
        }
        v.intoArray(c, idx);
    }
}
