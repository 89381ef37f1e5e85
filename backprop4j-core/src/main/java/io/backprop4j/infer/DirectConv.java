package io.backprop4j.infer;

import io.backprop4j.internal.kernel.ConvGeometry;
import io.backprop4j.internal.kernel.Simd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * A stride-1, undilated convolution of one image without unfolding it: the image is copied once
 * into a zero-padded plane per channel ({@code Hp = H + 2·padH} rows of {@code Wp = W + 2·padW}),
 * and output position (a, b) is computed at {@code q = a·Wp + b} of a grid as wide as the padded
 * rows, where tap (c, ki, kj) of every position is the padded input at {@code c·Hp·Wp + q + ki·Wp
 * + kj}: a vector of consecutive positions is one load per tap. The columns b ≥ OW of the grid
 * are computed and ignored. Eight filters (four where there are 16 vector registers) by two
 * vectors of positions share each load, their weights {@link #packFilters packed} tap by tap.
 * Loaded only when the Vector API is present.
 *
 * <p>Each output is {@code (Σ_r w[o, r]·x_r) + b[o]}: a chain of multiply-adds over the patch r =
 * (c·kH + ki)·kW + kj from zero, the bias added last, which is the order of the GEMM behind {@code
 * Convolution.forward} (one slice of k, C filled with the bias and added to the product), so the
 * same floats.
 */
final class DirectConv {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();

    private DirectConv() {
    }

    /** Floats of the grids of all filters: {@link #gridLength} per filter, the filters rounded up to whole {@link #BLOCK blocks}. */
    static long gridsLength(ConvGeometry g) {
        return (long) (g.outChannels() + BLOCK - 1) / BLOCK * BLOCK * gridLength(g);
    }

    /** Positions of the grid that are computed per filter: whole pairs of vectors over OH·Wp. */
    static int gridLength(ConvGeometry g) {
        int wp = g.width() + 2 * g.padW();
        return (g.outHeight() * wp + 2 * L - 1) / (2 * L) * (2 * L);
    }

    /** Floats of the padded copy of one image, with the margin that the last grid positions read past the planes. */
    static int paddedLength(ConvGeometry g) {
        int hp = g.height() + 2 * g.padH(), wp = g.width() + 2 * g.padW();
        return g.channels() * hp * wp + gridLength(g) + g.kernelH() * wp + g.kernelW();
    }

    /** Where tap r = (c·kH + ki)·kW + kj of grid position 0 lies in the padded image: c·Hp·Wp + ki·Wp + kj. */
    static int[] offsets(ConvGeometry g) {
        int hp = g.height() + 2 * g.padH(), wp = g.width() + 2 * g.padW();
        int[] offsets = new int[g.patch()];
        for (int c = 0, r = 0; c < g.channels(); c++) {
            for (int ki = 0; ki < g.kernelH(); ki++) {
                for (int kj = 0; kj < g.kernelW(); kj++, r++) offsets[r] = c * hp * wp + ki * wp + kj;
            }
        }
        return offsets;
    }

    /** Filters per block of {@link #packFilters}: a block's weights for one tap are 4 consecutive floats. */
    static final int BLOCK = 4;

    /**
     * Whether {@link #filters} runs 8 filters (two blocks) by two vectors of positions at a time:
     * 16 sums, two vectors of input and a broadcast weight need 19 of the 32 vector registers of
     * AVX-512 and AArch64; with 16 (AVX2) one block at a time, 8 sums, as before.
     */
    static final boolean TWO_BLOCKS = Simd.vectorRegisters(S.vectorBitSize()) >= 32;

    /**
     * The filters w [O, patch] at wo in blocks of {@link #BLOCK}, each block tap by tap:
     * {@code packed[(o / 4)·patch·4 + r·4 + o % 4] = w[o, r]}, zero for the filters past O that
     * fill the last block. The kernel's weight reads are then consecutive, so the JIT checks their
     * bounds once per loop instead of once per tap and filter.
     */
    static float[] packFilters(ConvGeometry g, float[] w, int wo) {
        int oc = g.outChannels(), k = g.patch(), blocks = (oc + BLOCK - 1) / BLOCK;
        float[] packed = new float[blocks * k * BLOCK];
        for (int o = 0; o < oc; o++) {
            int at = (o / BLOCK) * k * BLOCK + o % BLOCK;
            for (int r = 0; r < k; r++) packed[at + r * BLOCK] = w[wo + o * k + r];
        }
        return packed;
    }

    /**
     * grid[o·gridLength + a·Wp + b] = output (o, a, b) of the image x [C, H, W] at xo, for every
     * filter o, {@code offsets} from {@link #offsets}, the filters {@link #packFilters packed};
     * {@code padded} is scratch of {@link #paddedLength}. Only grid and padded are modified.
     */
    static void forward(ConvGeometry g, int[] offsets, float[] x, int xo, float[] packed, float[] bias, int bo, float[] padded, float[] grid) {
        pad(g, x, xo, padded);
        filters(g, offsets, padded, packed, bias, bo, grid, 0, g.outChannels());
    }

    /**
     * The zero-padded planes of the image x [C, H, W] at xo, into padded (of {@link #paddedLength}):
     * each input row copied by vectors (the last one masked), zeros written once around it.
     */
    static void pad(ConvGeometry g, float[] x, int xo, float[] padded) {
        int h = g.height(), wd = g.width(), ph = g.padH(), pw = g.padW(), hp = h + 2 * ph, wp = wd + 2 * pw, plane = hp * wp;
        int whole = wd / L * L;
        VectorMask<Float> rest = S.indexInRange(whole, wd);
        for (int c = 0; c < g.channels(); c++) {
            int top = c * plane;
            java.util.Arrays.fill(padded, top, top + ph * wp + pw, 0f);
            for (int i = 0; i < h; i++) {
                int src = xo + (c * h + i) * wd, dst = top + (i + ph) * wp + pw;
                for (int j = 0; j < whole; j += L) FloatVector.fromArray(S, x, src + j).intoArray(padded, dst + j);
                if (whole < wd) FloatVector.fromArray(S, x, src + whole, rest).intoArray(padded, dst + whole, rest);
                // the right margin of this row and the left margin of the next (or the bottom rows)
                for (int j = dst + wd, end = j + 2 * pw; j < end; j++) padded[j] = 0f;
            }
            // the bottom rows (without them the last row's margin above reached pw past the plane, into zeros too)
            java.util.Arrays.fill(padded, Math.min(top + (h + ph) * wp + pw, top + plane), top + plane, 0f);
        }
        java.util.Arrays.fill(padded, g.channels() * plane, paddedLength(g), 0f);
    }

    /**
     * The grids of filters [o0, o1) from an image {@link #pad padded} already (what {@link
     * #forward} writes there; the other filters' grids are left alone, so two threads may each
     * take a range of filters); o0 a multiple of {@link #BLOCK}, the filters {@link #packFilters
     * packed}. Only grid ({@link #gridsLength}) is modified: the grids of [o0, o1), and those of
     * the filters that fill the last block when o1 is the last filter.
     */
    static void filters(ConvGeometry g, int[] offsets, float[] padded, float[] packed, float[] bias, int bo, float[] grid, int o0, int o1) {
        filters(TWO_BLOCKS, g, offsets, padded, packed, bias, bo, grid, o0, o1);
    }

    /** {@link #filters} by blocks of 8 filters where {@code twoBlocks} (this machine's choice is {@link #TWO_BLOCKS}; tests run both). */
    static void filters(boolean twoBlocks, ConvGeometry g, int[] offsets, float[] padded, float[] packed, float[] bias, int bo, float[] grid,
                        int o0, int o1) {
        int k = g.patch(), len = gridLength(g), b0 = o0 / BLOCK, b1 = (o1 + BLOCK - 1) / BLOCK;
        for (int q = 0; q < len; q += 2 * L) {
            int b = b0;
            if (twoBlocks) {
                for (; b + 2 <= b1; b += 2) twoBlocks(k, offsets, padded, q, packed, b * k * BLOCK, b * BLOCK, grid, len);
            }
            for (; b < b1; b++) oneBlock(k, offsets, padded, q, packed, b * k * BLOCK, b * BLOCK, grid, len);
        }
        if (bias != null) addBias(bias, bo, o0, o1, grid, len);
    }

    /** The sums of filters [o, o + 4) at grid positions [q, q + 2L), without the bias: 8 vectors. */
    private static void oneBlock(int k, int[] offsets, float[] padded, int q, float[] packed, int wi, int o, float[] grid, int len) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
        for (int r = 0; r < k; r++, wi += BLOCK) {
            int at = q + offsets[r];
            FloatVector u = FloatVector.fromArray(S, padded, at), v = FloatVector.fromArray(S, padded, at + L);
            FloatVector a = FloatVector.broadcast(S, packed[wi]);
            s0 = a.fma(u, s0);
            t0 = a.fma(v, t0);
            a = FloatVector.broadcast(S, packed[wi + 1]);
            s1 = a.fma(u, s1);
            t1 = a.fma(v, t1);
            a = FloatVector.broadcast(S, packed[wi + 2]);
            s2 = a.fma(u, s2);
            t2 = a.fma(v, t2);
            a = FloatVector.broadcast(S, packed[wi + 3]);
            s3 = a.fma(u, s3);
            t3 = a.fma(v, t3);
        }
        s0.intoArray(grid, o * len + q);
        t0.intoArray(grid, o * len + q + L);
        s1.intoArray(grid, (o + 1) * len + q);
        t1.intoArray(grid, (o + 1) * len + q + L);
        s2.intoArray(grid, (o + 2) * len + q);
        t2.intoArray(grid, (o + 2) * len + q + L);
        s3.intoArray(grid, (o + 3) * len + q);
        t3.intoArray(grid, (o + 3) * len + q + L);
    }

    /** The sums of filters [o, o + 8) at grid positions [q, q + 2L), without the bias: 16 vectors, each load of the input shared by 8 filters. */
    private static void twoBlocks(int k, int[] offsets, float[] padded, int q, float[] packed, int wi, int o, float[] grid, int len) {
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        FloatVector t0 = s0, t1 = s0, t2 = s0, t3 = s0, t4 = s0, t5 = s0, t6 = s0, t7 = s0;
        int step = k * BLOCK;
        for (int r = 0; r < k; r++, wi += BLOCK) {
            int at = q + offsets[r];
            FloatVector u = FloatVector.fromArray(S, padded, at), v = FloatVector.fromArray(S, padded, at + L);
            FloatVector a = FloatVector.broadcast(S, packed[wi]);
            s0 = a.fma(u, s0);
            t0 = a.fma(v, t0);
            a = FloatVector.broadcast(S, packed[wi + 1]);
            s1 = a.fma(u, s1);
            t1 = a.fma(v, t1);
            a = FloatVector.broadcast(S, packed[wi + 2]);
            s2 = a.fma(u, s2);
            t2 = a.fma(v, t2);
            a = FloatVector.broadcast(S, packed[wi + 3]);
            s3 = a.fma(u, s3);
            t3 = a.fma(v, t3);
            a = FloatVector.broadcast(S, packed[wi + step]);
            s4 = a.fma(u, s4);
            t4 = a.fma(v, t4);
            a = FloatVector.broadcast(S, packed[wi + step + 1]);
            s5 = a.fma(u, s5);
            t5 = a.fma(v, t5);
            a = FloatVector.broadcast(S, packed[wi + step + 2]);
            s6 = a.fma(u, s6);
            t6 = a.fma(v, t6);
            a = FloatVector.broadcast(S, packed[wi + step + 3]);
            s7 = a.fma(u, s7);
            t7 = a.fma(v, t7);
        }
        s0.intoArray(grid, o * len + q);
        t0.intoArray(grid, o * len + q + L);
        s1.intoArray(grid, (o + 1) * len + q);
        t1.intoArray(grid, (o + 1) * len + q + L);
        s2.intoArray(grid, (o + 2) * len + q);
        t2.intoArray(grid, (o + 2) * len + q + L);
        s3.intoArray(grid, (o + 3) * len + q);
        t3.intoArray(grid, (o + 3) * len + q + L);
        s4.intoArray(grid, (o + 4) * len + q);
        t4.intoArray(grid, (o + 4) * len + q + L);
        s5.intoArray(grid, (o + 5) * len + q);
        t5.intoArray(grid, (o + 5) * len + q + L);
        s6.intoArray(grid, (o + 6) * len + q);
        t6.intoArray(grid, (o + 6) * len + q + L);
        s7.intoArray(grid, (o + 7) * len + q);
        t7.intoArray(grid, (o + 7) * len + q + L);
    }

    /** grid[o·len + p] += bias[bo + o] for filters [o0, o1): the bias added last, as the GEMM adds its product to C holding the bias. */
    private static void addBias(float[] bias, int bo, int o0, int o1, float[] grid, int len) {
        for (int o = o0; o < o1; o++) {
            FloatVector b = FloatVector.broadcast(S, bias[bo + o]);
            for (int p = o * len, end = p + len; p < end; p += L) FloatVector.fromArray(S, grid, p).add(b).intoArray(grid, p);
        }
    }
}
