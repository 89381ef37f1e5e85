package io.backprop4j.internal.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The packed, cache-blocked float32 GEMM behind {@link Gemm#sgemm}; arguments are checked there.
 * Loaded only when the Vector API module is present ({@link Simd#AVAILABLE}).
 *
 * <p>Loop nest (as in BLIS / Goto): for each NC-wide column panel of C, for each
 * kc-deep slice of k, pack that slice of B into {@code NR}-wide slivers; for each MC-tall
 * block of rows, pack A into {@code mr}-tall slivers; then a register-blocked
 * micro-kernel computes each {@code mr x NR} tile of C from one A sliver and one B sliver.
 * Packing makes both operands contiguous in the order the kernel reads them (which is also where
 * transposition happens) and pads partial slivers with zeros, so the kernel never branches.
 * The B sliver (kc x NR) and the block of A stay in L2. The slice depth kc, MC and NC follow
 * from k and the cache budgets below ({@link #sliceDepth}, {@link #blockRows}, {@link #panelCols}).
 * A product of few rows ({@link #STREAM_B_ROWS}) reads an untransposed B where it lies instead
 * of packing it, as packing would copy every value of B for a handful of uses; likewise a product
 * of a few slivers of B reads A where it lies ({@link #streamsA}), each value being used a few times.
 *
 * <p>The tile is {@code mr} rows by two vectors ({@code NR = 2 * L} columns, L the lanes of the
 * preferred species). Its height follows the vector register count ({@link Simd#vectorRegisters}):
 * a tile needs {@code 2 mr} accumulators and 2 vectors of B in registers, and C2 loads a few
 * broadcasts of A (each a {@code vbroadcastss} from memory) ahead of the FMAs that use them, up to
 * 3 in flight at once. With 16 registers (AVX2, SSE) a 6-row tile then needs 17: one accumulator
 * goes through the stack on every k-step, its FMA chain waiting on a store and a reload, which
 * halved the speed (51 against 107 GFLOP/s with the operands in cache, one thread, Zen 5 at
 * {@code -XX:UseAVX=2}). 5 rows need 15 and keep 10 independent FMA chains, 2 more than 4 rows, to
 * cover the FMA latency: 111 GFLOP/s in cache against 107, and 96 against 87 at n=1024 (median of 7,
 * the two alternated in one JVM, one thread's CPU time, load 3.6). With 32 registers (AVX-512,
 * NEON) 8 rows need 21 and run at the FMA peak in cache (231 GFLOP/s on Zen 5); a 12-row tile
 * measured 2% faster at n=1024 but 4-17% slower at the batch-128 and convolution shapes, whose
 * row counts (multiples of 8) leave it a partial last tile.
 * {@link #gemm(int, boolean, boolean, int, int, int, float, float[], int, int, float[], int, int, float, float[], int, int)}
 * takes the height, so tests can run every kernel on any machine.
 *
 * <p>The float64 twin, DoubleGemm, is generated from this file by tools/codegen/GenerateTwins.java.
 */
final class FloatGemm {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Lanes per vector. */
    static final int L = S.length();
    /** Columns of B per sliver and tile: two vectors. */
    static final int NR = 2 * L;
    /** The tile heights there is a micro-kernel for. */
    static final int[] TILE_ROWS = {5, 8};
    /** The tile height used on this machine: 8 rows with 32 vector registers, else 5 (see the class comment). */
    static final int MR = Simd.vectorRegisters(S.vectorBitSize()) >= 32 ? 8 : 5;
    private static final int MR_MAX = 8;
    /**
     * Deepest slice of k. Each slice reads and writes every tile of C once, so the whole of k in
     * one slice saves the most C traffic: a 2048-deep slice measured 6-8% faster than 512-deep ones
     * at n=1024 and 2048 on one thread. Its B sliver (256 KiB at most) and block of A share L2.
     */
    static final int KC_MAX = 2048;
    /**
     * Bytes of L2 for a packed block of A (MC rows by kc): half the core's L2, between 256 KiB and
     * 1 MiB (384 KiB when the size is unknown). On a 2 MiB L2 (Xeon), 1 MiB blocks measured 10-15%
     * faster than 384 KiB ones at n=2048; on the 1 MiB L2 of Zen 5, 384 KiB was best.
     */
    static final int A_BLOCK_BYTES = Machine.l2Bytes() <= 0 ? 384 << 10
            : Math.clamp(Machine.l2Bytes() / 2, 256 << 10, 1 << 20);
    /** Bytes of the shared L3 for a packed panel of B (kc by NC columns); each panel packs A again. */
    static final int B_PANEL_BYTES = 8 << 20;
    /** Below this m*n*k (about 100^3) the work stays on the calling thread: a second thread measured no faster. */
    private static final long PARALLEL_WORK = 1L << 20;

    /**
     * Up to this many rows of C, full slivers of B are read where they lie (row stride ldb) instead
     * of packed: each packed value would be read only m / mr times, so the copy costs more than the
     * contiguous reads save. Measured on one thread (Xeon, 512-bit, old and new interleaved in one
     * JVM, a loaded machine): conv2's forward product 32x196x144 ran 1.25-1.5x faster (58 -> 85
     * GFLOP/s at best), 64x196x144 1.1-1.5x; at 128 rows (128x512x784, 144x32x196) packing was
     * faster. Only a transposed B, whose rows are the wrong way round for the kernel, is always packed.
     */
    static final int STREAM_B_ROWS = 64;

    /**
     * Up to this k*n (a B of 256 KiB), a split over rows makes {@link #SMALL_B_CHUNKS} chunks per
     * thread, each packing its own copy of B (or reading it in place): with one chunk per thread,
     * the thread that starts late or runs slower (a worker whose operands sit in the other core's
     * cache) holds up the call, where with two the other takes up its second chunk. A
     * transformer's products (1024x64x192, 1024x256x64 ... on 2 threads) measured 9-16% less time
     * a call, alternated with one chunk per thread every 380 calls within one training run (Zen 5);
     * three or four chunks gained less (3-7%), as each packs B again.
     */
    static final long SMALL_B = 1 << 16;
    static final int SMALL_B_CHUNKS = 2;

    /** Row splits share one packed B (see {@link #sharedB}) from this n*k and this m on (1024^2 and 512 measured faster). */
    private static final long SHARED_B_MIN_NK = 1L << 20;
    private static final int SHARED_B_MIN_M = 512;

    /**
     * Whether the transposed B (dX = dY W^T) is packed with gathers: on x86, where a gather is one
     * instruction (vgatherdps). Against the scalar copy, a 16x784x512 product with B transposed
     * measured 2.7x faster with 512-bit vectors and 1.4-2x with 256-bit ones, one thread. Elsewhere
     * the Vector API would emulate the gather lane by lane, slower than the scalar copy.
     */
    private static final boolean GATHER = System.getProperty("os.arch", "").matches("amd64|x86_64");
    /** The gather's offsets, L of them: j * ldb for row j. */
    private static final ThreadLocal<int[]> GATHER_ROWS = ThreadLocal.withInitial(() -> new int[L]);

    /**
     * Whether A (untransposed) is packed with gathers: with 512-bit vectors on x86. One gather of L
     * lanes fetches L / mr consecutive columns p of a sliver's mr rows, which is L contiguous values
     * of the packed sliver. Packing 256x1024 and 128x2048 blocks of A for 8-row tiles measured
     * 2.2-3x faster than the scalar copy (0.27 -> 0.12 ms, 0.31 -> 0.10 ms, one thread, Xeon, with
     * one column per gather); with 256-bit vectors (-XX:UseAVX=2) it measured no faster, so the
     * scalar copy stays there.
     *
     * <p>Every gather here uses the one species S, so its index vectors have one shape: C2 compiles
     * the Vector API's own calls inside a gather (IntVector.add, the index check) from one profile
     * for the whole JVM, and when index vectors of two shapes have passed there, it dispatches on
     * both types and boxes the result on every gather. Gathers of 8-lane and 16-lane species in
     * one JVM allocated 51 MB per call of the CNN's weight gradient (144x32x25088, B transposed; tools/bench/GemmCheck.java).
     */
    private static final boolean GATHER_A = GATHER && S.vectorBitSize() >= 512 && L % MR_MAX == 0;
    /** The A gather's offsets: lane q * mr + r reads row r, column q of the sliver: r * lda + q. */
    private static final ThreadLocal<int[]> GATHER_A_ROWS = ThreadLocal.withInitial(() -> new int[L]);

    /** The transposed A gather's offsets: lane q * mr + r reads a[(p + q) * lda + r]. */
    private static final ThreadLocal<int[]> GATHER_AT_ROWS = ThreadLocal.withInitial(() -> new int[L]);

    /** Per-thread packing buffers, grown on demand and reused, so a call allocates nothing large. */
    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private static final class Buffers {
        float[] a = new float[0];
        float[] b = new float[0];
        final float[] tile = new float[MR_MAX * NR];
    }

    private FloatGemm() {
    }

    /** C = alpha * op(A) * op(B) + beta * C with k > 0 and alpha != 0, with this machine's tile. */
    static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        gemm(MR, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** As {@link #gemm(boolean, boolean, int, int, int, float, float[], int, int, float[], int, int, float, float[], int, int)} with tiles {@code mr} rows tall, one of {@link #TILE_ROWS}; on the pool when large enough. */
    static void gemm(int mr, boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                     float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        checkTile(mr);
        int threads = Parallel.threads();
        if (threads == 1 || (long) m * n * k < PARALLEL_WORK) {
            block(mr, streamsB(transB, m), transA, transB, 0, m, 0, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        // One chunk per thread over whole tiles; split the dimension that balances better. Split
        // over rows, large products share one packed B between the threads; smaller ones (the
        // training shapes, e.g. 128x512x784) measured faster with each chunk packing its own B,
        // which needs one hand-off instead of two per k-slice.
        int mb = (m + mr - 1) / mr;
        int nb = (n + NR - 1) / NR;
        double balanceM = (double) mb / (((mb + threads - 1) / threads) * threads);
        double balanceN = (double) nb / (((nb + threads - 1) / threads) * threads);
        if (balanceM >= balanceN && (long) n * k >= SHARED_B_MIN_NK && m >= SHARED_B_MIN_M) {
            sharedB(mr, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, threads);
        } else if (balanceM >= balanceN) {
            int chunks = threads * ((long) k * n <= SMALL_B ? SMALL_B_CHUNKS : 1);
            Parallel.forRange(mb, (mb + chunks - 1) / chunks, (from, to) ->
                    block(mr, streamsB(transB, Math.min(m, to * mr) - from * mr), transA, transB, from * mr, Math.min(m, to * mr), 0, n, k,
                            alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc));
        } else {
            Parallel.forRange(nb, (nb + threads - 1) / threads, (from, to) ->
                    block(mr, streamsB(transB, m), transA, transB, 0, m, from * NR, Math.min(n, to * NR), k,
                            alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc));
        }
    }

    private static void checkTile(int mr) {
        if (mr != 5 && mr != 8) {
            throw new IllegalArgumentException("no " + mr + "-row micro-kernel");
        }
    }

    /**
     * Whether a block of this many rows reads B where it lies ({@link #STREAM_B_ROWS}). Either way
     * the kernel sums the same products in the same order, so the choice never changes a bit.
     */
    static boolean streamsB(boolean transB, int rows) {
        return !transB && rows <= STREAM_B_ROWS;
    }

    /**
     * Whether a macro-block of this many columns reads full slivers of A where they lie (rows of
     * stride lda; transposed, each column's mr values together, lda apart) instead of packing
     * them: up to {@link #STREAM_A_SLIVERS} slivers of B. With one (the weight gradient of a layer
     * of at most NR outputs, e.g. 144x32x25088) each value of A is used once, and packing it would
     * copy all of A to read it once more; with a few, the copy still costs more than the
     * contiguous reads save. Either way the kernel sums the same products in the same order, so
     * the choice never changes a bit.
     */
    static boolean streamsA(int cols) {
        return cols <= STREAM_A_SLIVERS * NR;
    }

    /**
     * Slivers of B up to which A is read in place ({@link #streamsA}). One thread, Zen 5, GFLOP/s
     * packed -> in place: a transformer's 1024x64x256 product 126-129 -> 171-189, 1024x128x256
     * 130 -> 175-178, 1024x256x256 183-187 -> 192-193 with 512-bit vectors (2, 4 and 8 slivers);
     * with -XX:UseAVX=2, 82 -> 105 at 1024x64x256 and 94 -> 108 at 1024x128x256 (4 and 8
     * slivers); 1024^3 and the MLP's 128x512x784 (32 and 16 slivers) no faster in place. A
     * transposed (dW = dYᵀ X), 512-bit: 64x256x1024 141 -> 178, 256x64x1024 119 -> 180, 128x128x1024
     * 160 -> 217, the CNN's input gradient 25088x144x32 131 -> 156; 256-bit 83 -> 90 and 87 -> 90.
     */
    static final int STREAM_A_SLIVERS = 8;

    /**
     * On this thread, with B read in place ({@code streamB}, B not transposed) or packed, whatever
     * {@link #streamsB} would choose: tests compare the two bit for bit.
     */
    static void gemmOnThread(int mr, boolean streamB, boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        if (streamB && transB) {
            throw new IllegalArgumentException("a transposed B cannot be read in place");
        }
        block(mr, streamB, transA, transB, 0, m, 0, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /**
     * Split over rows with one packed B panel shared by all threads: for each (jc, pc) slice the
     * threads first pack disjoint slivers of B into the caller's buffer, then each computes its own
     * rows against the whole panel. B is packed once instead of once per thread, and the threads
     * read one copy of it from the shared cache.
     */
    private static void sharedB(int mr, boolean transA, boolean transB, int m, int n, int k, float alpha,
                                float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                float beta, float[] c, int cOff, int ldc, int threads) {
        int kcs = sliceDepth(k);
        int ncs = panelCols(kcs);
        float[] bp = panelBuffer(kcs, ncs, n);
        int mb = (m + mr - 1) / mr;
        int mGrain = (mb + threads - 1) / threads;
        for (int jc = 0; jc < n; jc += ncs) {
            int nc = Math.min(ncs, n - jc);
            int nb = (nc + NR - 1) / NR;
            for (int pc = 0; pc < k; pc += kcs) {
                int kc = Math.min(kcs, k - pc);
                float betaK = pc == 0 ? beta : 1f;
                int jc0 = jc;
                int pc0 = pc;
                Parallel.forRange(nb, (nb + threads - 1) / threads, (from, to) ->
                        packB(transB, b, bOff, ldb, pc0, kc, jc0 + from * NR, Math.min(nc, to * NR) - from * NR,
                                bp, from * NR * kc));
                Parallel.forRange(mb, mGrain, (from, to) ->
                        macro(mr, transA, from * mr, Math.min(m, to * mr), jc0, nc, pc0, kc, alpha, a, aOff, lda,
                                null, 0, 0, false, false, bp, 0, betaK, c, cOff, ldc));
            }
        }
    }

    /**
     * Rows [m0, m1) x columns [jc, jc+nc) of C against the slice pc of B, packing A on this thread.
     * B comes packed in bp from bpOff on, or, when {@code b} is not null, from b: read in place
     * ({@code bInPlace}, B not transposed), full slivers straight from b (row stride ldb), a partial
     * last one packed at the start of bp; else each sliver packed at the start of bp just before
     * the rows use it (worth it only when the rows are one block of A, so that no sliver is packed twice).
     */
    private static void macro(int mr, boolean transA, int m0, int m1, int jc, int nc, int pc, int kc, float alpha,
                              float[] a, int aOff, int lda, float[] b, int bOff, int ldb, boolean transB, boolean bInPlace,
                              float[] bp, int bpOff, float betaK,
                              float[] c, int cOff, int ldc) {
        Buffers buf = BUFFERS.get();
        float[] tile = buf.tile;
        // Blocks of equal height: a short last block would stream all of B again for a few rows.
        int mcFit = blockRows(kc, mr);
        int blocks = (m1 - m0 + mcFit - 1) / mcFit;
        int mcs = roundUp((m1 - m0 + blocks - 1) / blocks, mr);
        int mcMax = Math.min(mcs, roundUp(m1 - m0, mr));
        if (buf.a.length < kc * mcMax) {
            buf.a = new float[kc * mcMax];
        }
        float[] ap = buf.a;
        boolean rowsA = streamsA(nc);
        for (int ic = m0; ic < m1; ic += mcs) {
            int mc = Math.min(mcs, m1 - ic);
            int full = mc / mr * mr;
            if (!rowsA) {
                packA(mr, transA, a, aOff, lda, ic, mc, pc, kc, ap);
            } else if (full < mc) {
                // Only the partial last sliver, zero-padded, at the place the packed kernel reads it.
                packA(mr, transA, a, aOff, lda, ic + full, mc - full, pc, kc, ap, full * kc);
            }
            for (int jr = 0; jr < nc; jr += NR) {
                int nr = Math.min(NR, nc - jr);
                float[] bs = bp;
                int bi = bpOff + jr * kc;
                int ldbs = NR;
                if (b != null && bInPlace && nr == NR) {
                    bs = b;
                    bi = bOff + pc * ldb + jc + jr;
                    ldbs = ldb;
                } else if (b != null) {
                    // A partial last sliver read in place is packed too, zero-padded, so that the kernel never reads past B's columns.
                    packB(transB, b, bOff, ldb, pc, kc, jc + jr, nr, bp, 0);
                    bi = 0;
                }
                for (int ir = 0; ir < mc; ir += mr) {
                    int h = Math.min(mr, mc - ir);
                    int ci = cOff + (ic + ir) * ldc + jc + jr;
                    // A sliver in place (rows of stride lda; transposed, its mr values of each p consecutive,
                    // lda apart) or packed (mr values per p).
                    boolean inPlace = rowsA && h == mr;
                    float[] as = inPlace ? a : ap;
                    int ai = !inPlace ? ir * kc : transA ? aOff + pc * lda + ic + ir : aOff + (ic + ir) * lda + pc;
                    int ldas = inPlace && !transA ? lda : 0;
                    int astep = inPlace && transA ? lda : mr;
                    if (h == mr && nr == NR && alpha == 1f && betaK == 0f) {
                        kernel(mr, kc, as, ai, ldas, astep, bs, bi, ldbs, c, ci, ldc);
                    } else if (h == mr && nr == NR) {
                        // alpha * tile + beta * C through the buffer: a micro-kernel that scales and adds
                        // to C itself grows past C2's node budget for inlining (NodeCountInliningCutoff),
                        // and the stores it then calls box all 2 mr accumulators of every tile.
                        kernel(mr, kc, as, ai, ldas, astep, bs, bi, ldbs, tile, 0, NR);
                        mergeTile(tile, mr, c, ci, ldc, alpha, betaK);
                    } else {
                        kernel(mr, kc, as, ai, ldas, astep, bs, bi, ldbs, tile, 0, NR);
                        merge(tile, h, nr, c, ci, ldc, alpha, betaK);
                    }
                }
            }
        }
    }

    /**
     * The blocked product for rows [m0, m1) and columns [n0, n1) of C, on the calling thread, B
     * packed a panel at a time or (streamB) read in place, with only a partial last sliver packed.
     */
    private static void block(int mr, boolean streamB, boolean transA, boolean transB, int m0, int m1, int n0, int n1, int k,
                              float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float beta, float[] c, int cOff, int ldc) {
        int kcs = sliceDepth(k);
        int ncs = panelCols(kcs);
        boolean oneBlock = m1 - m0 <= blockRows(kcs, mr);
        float[] bp = panelBuffer(kcs, streamB || oneBlock ? NR : ncs, n1 - n0);
        for (int jc = n0; jc < n1; jc += ncs) {
            int nc = Math.min(ncs, n1 - jc);
            for (int pc = 0; pc < k; pc += kcs) {
                int kc = Math.min(kcs, k - pc);
                // Later k-slices add to what the first one wrote.
                float betaK = pc == 0 ? beta : 1f;
                if (streamB || m1 - m0 <= blockRows(kc, mr)) {
                    // B in place, or, with the rows one block of A, each sliver packed as it is used: it is
                    // then still in L1/L2 when the kernel reads it, where a whole panel (1.6 MB for a 784x512
                    // layer) would have pushed the block of A out of L2 by then.
                    macro(mr, transA, m0, m1, jc, nc, pc, kc, alpha, a, aOff, lda, b, bOff, ldb, transB, streamB, bp, 0, betaK, c, cOff, ldc);
                    continue;
                }
                packB(transB, b, bOff, ldb, pc, kc, jc, nc, bp, 0);
                macro(mr, transA, m0, m1, jc, nc, pc, kc, alpha, a, aOff, lda, null, 0, 0, false, false, bp, 0, betaK, c, cOff, ldc);
            }
        }
    }

    /**
     * All of op(B) [k, n] packed once for {@link #gemmPacked}: for each k-slice of depth
     * {@link #sliceDepth}(k), in order, the slivers of all n columns as {@link #packB} lays out a
     * panel, slice pc from {@code pc * roundUp(n, NR)} on (columns past n zero). The slices are the
     * ones {@link #block} packs, so a product on it sums what {@link #gemm} sums in the same order.
     */
    static float[] packWhole(boolean transB, int k, int n, float[] b, int bOff, int ldb) {
        int kcs = sliceDepth(k);
        int width = roundUp(n, NR);
        float[] bp = new float[k * width];
        for (int pc = 0; pc < k; pc += kcs) {
            packB(transB, b, bOff, ldb, pc, Math.min(kcs, k - pc), 0, n, bp, pc * width);
        }
        return bp;
    }

    /**
     * C = alpha * op(A) * B + beta * C with B packed by {@link #packWhole} (k > 0, alpha != 0), with
     * this machine's tile, split over the threads as {@link #gemm} splits (by rows or by columns,
     * whichever balances better; a row split needs no shared packing, B being packed already).
     * Bit for bit what {@link #gemm} gives on the unpacked B.
     */
    static void gemmPacked(boolean transA, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                           float[] bp, float beta, float[] c, int cOff, int ldc) {
        gemmPacked(MR, transA, m, n, k, alpha, a, aOff, lda, bp, beta, c, cOff, ldc);
    }

    /** As {@link #gemmPacked(boolean, int, int, int, float, float[], int, int, float[], float, float[], int, int)} with tiles mr rows tall. */
    static void gemmPacked(int mr, boolean transA, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
                           float[] bp, float beta, float[] c, int cOff, int ldc) {
        checkTile(mr);
        int threads = Parallel.threads();
        if (threads == 1 || (long) m * n * k < PARALLEL_WORK) {
            blockPacked(mr, transA, 0, m, 0, n, n, k, alpha, a, aOff, lda, bp, beta, c, cOff, ldc);
            return;
        }
        int mb = (m + mr - 1) / mr;
        int nb = (n + NR - 1) / NR;
        double balanceM = (double) mb / (((mb + threads - 1) / threads) * threads);
        double balanceN = (double) nb / (((nb + threads - 1) / threads) * threads);
        if (balanceM >= balanceN) {
            Parallel.forRange(mb, (mb + threads - 1) / threads, (from, to) ->
                    blockPacked(mr, transA, from * mr, Math.min(m, to * mr), 0, n, n, k, alpha, a, aOff, lda, bp, beta, c, cOff, ldc));
        } else {
            Parallel.forRange(nb, (nb + threads - 1) / threads, (from, to) ->
                    blockPacked(mr, transA, 0, m, from * NR, Math.min(n, to * NR), n, k, alpha, a, aOff, lda, bp, beta, c, cOff, ldc));
        }
    }

    /** {@link #block} for rows [m0, m1) and columns [n0, n1) (n0 a multiple of NR) of C against B packed whole, n columns wide. */
    private static void blockPacked(int mr, boolean transA, int m0, int m1, int n0, int n1, int n, int k, float alpha,
                                    float[] a, int aOff, int lda, float[] bp, float beta, float[] c, int cOff, int ldc) {
        int kcs = sliceDepth(k);
        int ncs = panelCols(kcs);
        int width = roundUp(n, NR);
        for (int jc = n0; jc < n1; jc += ncs) {
            int nc = Math.min(ncs, n1 - jc);
            for (int pc = 0; pc < k; pc += kcs) {
                int kc = Math.min(kcs, k - pc);
                float betaK = pc == 0 ? beta : 1f;
                macro(mr, transA, m0, m1, jc, nc, pc, kc, alpha, a, aOff, lda, null, 0, 0, false, false, bp, pc * width + jc * kc,
                        betaK, c, cOff, ldc);
            }
        }
    }

    private static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    /** This thread's buffer for a packed panel of B, kcs deep and ncs (or the width, if narrower) wide; grown on demand. */
    private static float[] panelBuffer(int kcs, int ncs, int width) {
        Buffers buf = BUFFERS.get();
        int size = kcs * Math.min(ncs, roundUp(width, NR));
        if (buf.b.length < size) {
            buf.b = new float[size];
        }
        return buf.b;
    }

    /** kc: all of k when k <= KC_MAX, else equal slices of at most KC_MAX (the last one shorter by less than their count). */
    static int sliceDepth(int k) {
        int slices = (k + KC_MAX - 1) / KC_MAX;
        return (k + slices - 1) / slices;
    }

    /** MC: rows of a packed block of A that fit A_BLOCK_BYTES at depth kc, a multiple of mr (at least mr). */
    static int blockRows(int kc, int mr) {
        return Math.max(mr, A_BLOCK_BYTES / (kc * Float.BYTES) / mr * mr);
    }

    /** NC: columns of a packed panel of B that fit B_PANEL_BYTES at depth kc, a multiple of NR (at least NR). */
    static int panelCols(int kc) {
        return Math.max(NR, B_PANEL_BYTES / (kc * Float.BYTES) / NR * NR);
    }

    /**
     * Packs op(B)[p0 .. p0+kc) x [j0 .. j0+nc) into NR-wide slivers: sliver s holds, for each p,
     * the NR values op(B)[p][j0 + s*NR + j] contiguously; columns past nc are zero.
     */
    private static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int nc, float[] bp, int bpOff) {
        for (int js = 0; js < nc; js += NR) {
            int w = Math.min(NR, nc - js);
            int base = bpOff + js * kc;
            if (!transB) {
                int src = bOff + p0 * ldb + j0 + js;
                if (w == NR) {
                    for (int p = 0, dst = base; p < kc; p++, src += ldb, dst += NR) {
                        for (int v = 0; v < NR; v += L) {
                            FloatVector.fromArray(S, b, src + v).intoArray(bp, dst + v);
                        }
                    }
                } else {
                    for (int p = 0, dst = base; p < kc; p++, src += ldb, dst += NR) {
                        for (int j = 0; j < w; j++) {
                            bp[dst + j] = b[src + j];
                        }
                        for (int j = w; j < NR; j++) {
                            bp[dst + j] = 0f;
                        }
                    }
                }
            } else if (GATHER && w == NR) {
                // op(B)[p][j] = b[j * ldb + p]: each vector of the sliver is one column p of L stored rows, gathered.
                int[] rows = GATHER_ROWS.get();
                for (int j = 0; j < L; j++) {
                    rows[j] = j * ldb;
                }
                int src = bOff + (j0 + js) * ldb + p0;
                int next = L * ldb;
                for (int p = 0, dst = base; p < kc; p++, dst += NR) {
                    FloatVector.fromArray(S, b, src + p, rows, 0).intoArray(bp, dst);
                    FloatVector.fromArray(S, b, src + next + p, rows, 0).intoArray(bp, dst + L);
                }
            } else {
                // op(B)[p][j] = b[j * ldb + p]: read each stored row once, contiguously.
                for (int j = 0; j < w; j++) {
                    int src = bOff + (j0 + js + j) * ldb + p0;
                    for (int p = 0, dst = base + j; p < kc; p++, dst += NR) {
                        bp[dst] = b[src + p];
                    }
                }
                for (int j = w; j < NR; j++) {
                    for (int p = 0, dst = base + j; p < kc; p++, dst += NR) {
                        bp[dst] = 0f;
                    }
                }
            }
        }
    }

    /**
     * Packs op(A)[i0 .. i0+mc) x [p0 .. p0+kc) into mr-tall slivers: sliver s holds, for each p,
     * the mr values op(A)[i0 + s*mr + r][p0 + p] contiguously (the order the kernel reads them);
     * rows past mc are zero. Transposed, that is a copy of mr consecutive values per stored row.
     */
    private static void packA(int mr, boolean transA, float[] a, int aOff, int lda, int i0, int mc, int p0, int kc, float[] ap) {
        packA(mr, transA, a, aOff, lda, i0, mc, p0, kc, ap, 0);
    }

    /** As {@link #packA(int, boolean, float[], int, int, int, int, int, int, float[])}, the slivers from ap[apOff] on. */
    private static void packA(int mr, boolean transA, float[] a, int aOff, int lda, int i0, int mc, int p0, int kc, float[] ap, int apOff) {
        for (int is = 0; is < mc; is += mr) {
            int h = Math.min(mr, mc - is);
            int base = apOff + is * kc;
            if (!transA && GATHER_A && h == mr && L % mr == 0) {
                // op(A)[i0 + is + r][p0 + p + q] = a[src + r * lda + p + q] goes to ap[base + (p + q) * mr + r].
                int[] rows = GATHER_A_ROWS.get();
                int step = L / mr;
                for (int q = 0; q < step; q++) {
                    for (int r = 0; r < mr; r++) {
                        rows[q * mr + r] = r * lda + q;
                    }
                }
                int src = aOff + (i0 + is) * lda + p0;
                int p = 0;
                for (int dst = base; p <= kc - step; p += step, dst += L) {
                    FloatVector.fromArray(S, a, src + p, rows, 0).intoArray(ap, dst);
                }
                for (; p < kc; p++) {
                    for (int r = 0; r < mr; r++) {
                        ap[base + p * mr + r] = a[src + r * lda + p];
                    }
                }
            } else if (!transA) {
                for (int r = 0; r < h; r++) {
                    int src = aOff + (i0 + is + r) * lda + p0;
                    for (int p = 0, dst = base + r; p < kc; p++, dst += mr) {
                        ap[dst] = a[src + p];
                    }
                }
            } else if (h == mr && L <= mr && mr % L == 0) {
                // op(A)[i][p] = a[p * lda + i]: the mr consecutive values of stored row p, mr / L vectors.
                int src = aOff + p0 * lda + i0 + is;
                for (int p = 0, dst = base; p < kc; p++, src += lda, dst += mr) {
                    for (int v = 0; v < mr; v += L) {
                        FloatVector.fromArray(S, a, src + v).intoArray(ap, dst + v);
                    }
                }
            } else if (h == mr && GATHER && L % mr == 0) {
                // Lane q * mr + r of a vector is op(A)[i0 + is + r][p + q] = a[src + (p + q) * lda + r]: L / mr
                // stored rows of mr consecutive values each, one gather (two cache lines with 16 lanes and 8 rows).
                int[] rows = GATHER_AT_ROWS.get();
                int step = L / mr;
                for (int q = 0; q < step; q++) {
                    for (int r = 0; r < mr; r++) {
                        rows[q * mr + r] = q * lda + r;
                    }
                }
                int src = aOff + p0 * lda + i0 + is;
                int p = 0;
                for (int dst = base; p <= kc - step; p += step, dst += L) {
                    FloatVector.fromArray(S, a, src + p * lda, rows, 0).intoArray(ap, dst);
                }
                for (; p < kc; p++) {
                    for (int r = 0; r < mr; r++) {
                        ap[base + p * mr + r] = a[src + p * lda + r];
                    }
                }
            } else if (h == mr && mr < L) {
                // op(A)[i][p] = a[p * lda + i]: the mr consecutive values of stored row p, copied as one vector
                // whose last L - mr lanes the next row's copy overwrites; the last rows, whose vector would pass
                // the end of the sliver, by scalars. A vector read stays inside a: at least (L - mr) / mr
                // stored rows of at least mr values follow it. 5-row slivers at 256 bits: igrad (25088x144x32,
                // A transposed) 67 -> 83 GFLOP/s, one thread, as fast as the 4-row slivers' gathers (83).
                int src = aOff + p0 * lda + i0 + is;
                int end = base + kc * mr;
                int p = 0;
                for (int dst = base; dst + L <= end; p++, src += lda, dst += mr) {
                    FloatVector.fromArray(S, a, src).intoArray(ap, dst);
                }
                for (int dst = base + p * mr; p < kc; p++, src += lda, dst += mr) {
                    for (int r = 0; r < mr; r++) {
                        ap[dst + r] = a[src + r];
                    }
                }
            } else {
                // op(A)[i][p] = a[p * lda + i]: mr consecutive values of stored row p.
                int src = aOff + p0 * lda + i0 + is;
                for (int p = 0, dst = base; p < kc; p++, src += lda, dst += mr) {
                    for (int r = 0; r < h; r++) {
                        ap[dst + r] = a[src + r];
                    }
                }
            }
            for (int r = h; r < mr; r++) {
                for (int p = 0, dst = base + r; p < kc; p++, dst += mr) {
                    ap[dst] = 0f;
                }
            }
        }
    }

    /**
     * C[0..mr) x [0..NR) = alpha * tile + beta * C in vectors (C not read when beta == 0), rounded
     * as {@link #merge} rounds: alpha * tile, then + C when beta is 1, else + beta * C. One loop per
     * case, each with one chain of vector operations: a vector that is either v or v * alpha, merged
     * where the branches join, is boxed.
     */
    private static void mergeTile(float[] tile, int mr, float[] c, int ci, int ldc, float alpha, float beta) {
        if (beta == 0f) {
            scaleTile(tile, mr, c, ci, ldc, alpha);
        } else if (beta == 1f && alpha == 1f) {
            addTile(tile, mr, c, ci, ldc);
        } else {
            axpbyTile(tile, mr, c, ci, ldc, alpha, beta);
        }
    }

    /** C = alpha * tile. */
    private static void scaleTile(float[] tile, int mr, float[] c, int ci, int ldc, float alpha) {
        for (int r = 0; r < mr; r++) {
            for (int j = 0; j < NR; j += L) {
                FloatVector.fromArray(S, tile, r * NR + j).mul(alpha).intoArray(c, ci + r * ldc + j);
            }
        }
    }

    /** C = tile + C. */
    private static void addTile(float[] tile, int mr, float[] c, int ci, int ldc) {
        for (int r = 0; r < mr; r++) {
            for (int j = 0, row = ci + r * ldc; j < NR; j += L) {
                FloatVector.fromArray(S, tile, r * NR + j).add(FloatVector.fromArray(S, c, row + j)).intoArray(c, row + j);
            }
        }
    }

    /** C = alpha * tile + beta * C, beta != 0; alpha * tile is exact when alpha is 1, and so is beta * C when beta is 1. */
    private static void axpbyTile(float[] tile, int mr, float[] c, int ci, int ldc, float alpha, float beta) {
        for (int r = 0; r < mr; r++) {
            for (int j = 0, row = ci + r * ldc; j < NR; j += L) {
                FloatVector.fromArray(S, tile, r * NR + j).mul(alpha)
                        .add(FloatVector.fromArray(S, c, row + j).mul(beta)).intoArray(c, row + j);
            }
        }
    }

    /** C[0..h) x [0..nr) = alpha * tile + beta * C (C not read when beta == 0). */
    private static void merge(float[] tile, int h, int nr, float[] c, int ci, int ldc, float alpha, float beta) {
        for (int r = 0; r < h; r++) {
            int row = ci + r * ldc;
            for (int j = 0; j < nr; j++) {
                float v = alpha * tile[r * NR + j];
                c[row + j] = beta == 0f ? v : v + beta * c[row + j];
            }
        }
    }

    /**
     * The micro-kernel of height mr: C[mr x NR] tile = (A sliver)(B sliver), C overwritten, row p
     * of the B sliver at {@code bp[bi + p * ldb ..]} (ldb = NR when packed). When lda is 0 the mr
     * values of A's column p lie together at {@code ap[ai + p * astep ..]} (packed: astep = mr; a
     * transposed A in place: its stored row stride), else A's row r lies at {@code ap[ai + r * lda ..]}.
     */
    private static void kernel(int mr, int kc, float[] ap, int ai, int lda, int astep, float[] bp, int bi, int ldb, float[] c, int ci, int ldc) {
        if (lda != 0 && mr == 5) {
            kernel5Rows(kc, ap, ai, lda, bp, bi, ldb, c, ci, ldc);
        } else if (lda != 0) {
            kernel8Rows(kc, ap, ai, lda, bp, bi, ldb, c, ci, ldc);
        } else if (mr == 5 && ldb == NR) {
            kernel5PackedB(kc, ap, ai, astep, bp, bi, c, ci, ldc);
        } else if (mr == 5) {
            kernel5(kc, ap, ai, astep, bp, bi, ldb, c, ci, ldc);
        } else {
            kernel8(kc, ap, ai, astep, bp, bi, ldb, c, ci, ldc);
        }
    }

    /** {@link #kernel5} with A's 5 rows where they lie, row r at ap[ai + r * lda ..]: the same FMAs in the same order. */
    private static void kernel5Rows(int kc, float[] ap, int ai, int lda, float[] bp, int bi, int ldb, float[] c, int ci, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        int a1 = ai + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda;
        for (int p = 0, bo = bi; p < kc; p++, bo += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector a = FloatVector.broadcast(S, ap[ai + p]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[a1 + p]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[a2 + p]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[a3 + p]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[a4 + p]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + L);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + L);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + L);
        c40.intoArray(c, ci + 4 * ldc);
        c41.intoArray(c, ci + 4 * ldc + L);
    }

    /** {@link #kernel8} with A's 8 rows where they lie, row r at ap[ai + r * lda ..]: the same FMAs in the same order. */
    private static void kernel8Rows(int kc, float[] ap, int ai, int lda, float[] bp, int bi, int ldb, float[] c, int ci, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        int a1 = ai + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda;
        for (int p = 0, bo = bi; p < kc; p++, bo += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector a = FloatVector.broadcast(S, ap[ai + p]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[a1 + p]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[a2 + p]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[a3 + p]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[a4 + p]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[a5 + p]);
            c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, ap[a6 + p]);
            c60 = a.fma(b0, c60); c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, ap[a7 + p]);
            c70 = a.fma(b0, c70); c71 = a.fma(b1, c71);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + L);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + L);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + L);
        c40.intoArray(c, ci + 4 * ldc);
        c41.intoArray(c, ci + 4 * ldc + L);
        c50.intoArray(c, ci + 5 * ldc);
        c51.intoArray(c, ci + 5 * ldc + L);
        c60.intoArray(c, ci + 6 * ldc);
        c61.intoArray(c, ci + 6 * ldc + L);
        c70.intoArray(c, ci + 7 * ldc);
        c71.intoArray(c, ci + 7 * ldc + L);
    }

    /** 5 x NR tile: 10 accumulators, 2 vectors of B and up to 3 broadcasts in flight, 15 registers (class comment); C overwritten. A's column p at ap[ai + p * astep ..]. */
    private static void kernel5(int kc, float[] ap, int ai, int astep, float[] bp, int bi, int ldb, float[] c, int ci, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        for (int p = 0, ao = ai, bo = bi; p < kc; p++, ao += astep, bo += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector a = FloatVector.broadcast(S, ap[ao]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ao + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ao + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ao + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[ao + 4]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + L);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + L);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + L);
        c40.intoArray(c, ci + 4 * ldc);
        c41.intoArray(c, ci + 4 * ldc + L);
    }

    /**
     * {@link #kernel5} on a packed B sliver (row stride NR): the same FMAs in the same order. With a
     * constant stride C2 drops B's range checks from the loop, 3 of its 31 instructions a k-step
     * (10 FMAs); the loop keeps A's checks, which hold the broadcasts back (with A's stride constant
     * too, C2 loads all 5 ahead, 17 registers, and an accumulator goes through the stack on every
     * k-step: 35 against 54 GFLOP/s). In cache, one thread, Zen 3, alternated with kernel5 in one JVM
     * over 1,000 rounds: 7.7% faster at the median; whole products (tools/bench/GemmCheck.java --time,
     * old and new in one JVM, medians) mostly 3-9% faster (n=1024 49.9 -> 52.9, the MLP's 128x512x784
     * 40.8 -> 44.0), its weight gradient 48 -> 70; a product that reads B in place never comes here.
     */
    private static void kernel5PackedB(int kc, float[] ap, int ai, int astep, float[] bp, int bi, float[] c, int ci, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        for (int p = 0, ao = ai, bo = bi; p < kc; p++, ao += astep, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector a = FloatVector.broadcast(S, ap[ao]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ao + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ao + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ao + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[ao + 4]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + L);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + L);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + L);
        c40.intoArray(c, ci + 4 * ldc);
        c41.intoArray(c, ci + 4 * ldc + L);
    }

    /** 8 x NR tile: 16 accumulators, 2 vectors of B and up to 3 broadcasts in flight, 21 registers (class comment); C overwritten. A's column p at ap[ai + p * astep ..]. */
    private static void kernel8(int kc, float[] ap, int ai, int astep, float[] bp, int bi, int ldb, float[] c, int ci, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S), c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S), c71 = FloatVector.zero(S);
        for (int p = 0, ao = ai, bo = bi; p < kc; p++, ao += astep, bo += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bo);
            FloatVector b1 = FloatVector.fromArray(S, bp, bo + L);
            FloatVector a = FloatVector.broadcast(S, ap[ao]);
            c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ao + 1]);
            c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ao + 2]);
            c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ao + 3]);
            c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[ao + 4]);
            c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[ao + 5]);
            c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, ap[ao + 6]);
            c60 = a.fma(b0, c60); c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, ap[ao + 7]);
            c70 = a.fma(b0, c70); c71 = a.fma(b1, c71);
        }
        c00.intoArray(c, ci);
        c01.intoArray(c, ci + L);
        c10.intoArray(c, ci + ldc);
        c11.intoArray(c, ci + ldc + L);
        c20.intoArray(c, ci + 2 * ldc);
        c21.intoArray(c, ci + 2 * ldc + L);
        c30.intoArray(c, ci + 3 * ldc);
        c31.intoArray(c, ci + 3 * ldc + L);
        c40.intoArray(c, ci + 4 * ldc);
        c41.intoArray(c, ci + 4 * ldc + L);
        c50.intoArray(c, ci + 5 * ldc);
        c51.intoArray(c, ci + 5 * ldc + L);
        c60.intoArray(c, ci + 6 * ldc);
        c61.intoArray(c, ci + 6 * ldc + L);
        c70.intoArray(c, ci + 7 * ldc);
        c71.intoArray(c, ci + 7 * ldc + L);
    }
}
