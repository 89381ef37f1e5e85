package io.backprop4j.infer;

import io.backprop4j.internal.kernel.ConvGeometry;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A stride-1, undilated convolution of one image without unfolding it: the image is copied once
 * into a zero-padded plane per channel ({@code Hp = H + 2·padH} rows of {@code Wp = W + 2·padW}),
 * and output position (a, b) is computed at {@code q = a·Wp + b} of a grid as wide as the padded
 * rows, where tap (c, ki, kj) of every position is the padded input at {@code c·Hp·Wp + q + ki·Wp
 * + kj}: a vector of consecutive positions is one load per tap. The columns b ≥ OW of the grid
 * are computed and ignored. Four filters by two vectors of positions share each load (eight
 * independent sums). Loaded only when the Vector API is present.
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

    /**
     * grid[o·gridLength + a·Wp + b] = output (o, a, b) of the image x [C, H, W] at xo, for every
     * filter o, {@code offsets} from {@link #offsets}; {@code padded} is scratch of {@link #paddedLength}. Only grid and padded are modified.
     */
    static void forward(ConvGeometry g, int[] offsets, float[] x, int xo, float[] w, int wo, float[] bias, int bo, float[] padded, float[] grid) {
        pad(g, x, xo, padded);
        filters(g, offsets, padded, w, wo, bias, bo, grid, 0, g.outChannels());
    }

    /** The zero-padded planes of the image x [C, H, W] at xo, into padded (of {@link #paddedLength}). */
    static void pad(ConvGeometry g, float[] x, int xo, float[] padded) {
        int h = g.height(), wd = g.width(), ph = g.padH(), pw = g.padW(), hp = h + 2 * ph, wp = wd + 2 * pw, plane = hp * wp;
        java.util.Arrays.fill(padded, 0, paddedLength(g), 0f);
        for (int c = 0; c < g.channels(); c++) {
            for (int i = 0; i < h; i++) {
                System.arraycopy(x, xo + (c * h + i) * wd, padded, c * plane + (i + ph) * wp + pw, wd);
            }
        }
    }

    /**
     * The grids of filters [o0, o1) from an image {@link #pad padded} already (what {@link
     * #forward} writes there; the other filters' grids are left alone, so two threads may each
     * take a range of filters). Only grid is modified.
     */
    static void filters(ConvGeometry g, int[] offsets, float[] padded, float[] w, int wo, float[] bias, int bo, float[] grid, int o0, int o1) {
        int k = g.patch(), oc = o1;
        int len = gridLength(g);
        int o4 = o0 + (o1 - o0) / 4 * 4;
        for (int q = 0; q < len; q += 2 * L) {
            for (int o = o0; o < o4; o += 4) {
                int w0 = wo + o * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
                FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
                for (int r = 0; r < k; r++) {
                    int at = q + offsets[r];
                    FloatVector u = FloatVector.fromArray(S, padded, at), v = FloatVector.fromArray(S, padded, at + L);
                    FloatVector a = FloatVector.broadcast(S, w[w0 + r]);
                    s0 = a.fma(u, s0);
                    t0 = a.fma(v, t0);
                    a = FloatVector.broadcast(S, w[w1 + r]);
                    s1 = a.fma(u, s1);
                    t1 = a.fma(v, t1);
                    a = FloatVector.broadcast(S, w[w2 + r]);
                    s2 = a.fma(u, s2);
                    t2 = a.fma(v, t2);
                    a = FloatVector.broadcast(S, w[w3 + r]);
                    s3 = a.fma(u, s3);
                    t3 = a.fma(v, t3);
                }
                store(s0, t0, bias, bo, o, grid, o * len + q);
                store(s1, t1, bias, bo, o + 1, grid, (o + 1) * len + q);
                store(s2, t2, bias, bo, o + 2, grid, (o + 2) * len + q);
                store(s3, t3, bias, bo, o + 3, grid, (o + 3) * len + q);
            }
            for (int o = o4; o < oc; o++) {
                int w0 = wo + o * k;
                FloatVector s0 = FloatVector.zero(S), t0 = s0;
                for (int r = 0; r < k; r++) {
                    int at = q + offsets[r];
                    FloatVector a = FloatVector.broadcast(S, w[w0 + r]);
                    s0 = a.fma(FloatVector.fromArray(S, padded, at), s0);
                    t0 = a.fma(FloatVector.fromArray(S, padded, at + L), t0);
                }
                store(s0, t0, bias, bo, o, grid, o * len + q);
            }
        }
    }

    /** Two vectors of sums, the bias added last (as the GEMM adds its product to C holding the bias). */
    private static void store(FloatVector s, FloatVector t, float[] bias, int bo, int o, float[] grid, int at) {
        if (bias != null) {
            FloatVector b = FloatVector.broadcast(S, bias[bo + o]);
            s = s.add(b);
            t = t.add(b);
        }
        s.intoArray(grid, at);
        t.intoArray(grid, at + L);
    }
}
