package io.backprop4j.infer;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 2x2, stride-2 max pool after a ReLU in vectors: {@code ConvChain.maxPool}'s integer maximum
 * of each window's magnitudes (floats of +0 and up order as their bits do, a NaN above +∞), L
 * outputs at a time: two rows' vectors of 2L columns, their maximum lane by lane, then the even
 * and odd lanes of the pair taken apart (a two-vector rearrange) and their maximum. The same ints as the scalar loop, so the same
 * floats. Loaded only when the Vector API is present.
 */
final class VectorPool {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Even and odd lanes of two consecutive vectors: negative indices pick from the second (Vector API convention). */
    private static final VectorShuffle<Float> EVEN = shuffle(0), ODD = shuffle(1);
    private static final int MAGNITUDE = 0x7fffffff;

    private VectorPool() {
    }

    private static VectorShuffle<Float> shuffle(int parity) {
        int[] idx = new int[L];
        for (int j = 0; j < L; j++) {
            int src = 2 * j + parity;
            idx[j] = src < L ? src : src - 2 * L;
        }
        return VectorShuffle.fromValues(F, idx);
    }

    /**
     * y[yo + c·outH·outW + oh·outW + ow] = max of x's window (2oh..2oh+1, 2ow..2ow+1) in plane c
     * (planes h·ld apart, rows ld apart, from xo), as magnitudes; 2·outH ≤ h and 2·outW ≤ the row's width.
     *
     * <p>Every step is the same loop body: a row's last step (fewer than L outputs) reads whole
     * vectors where x has them (masked only at x's end), and writes a whole vector where its extra
     * lanes land in outputs of this call that a later step writes (the next row or plane); only the
     * call's very last step stores masked. A separate masked step at each row's end, as before,
     * made the pool 1.7x slower on AMD Zen 3 (AVX2), slower than the scalar loop.
     */
    static void max2x2AfterReLU(int planes, int h, int ld, int outH, int outW, float[] x, int xo, float[] y, int yo) {
        int plane = h * ld, outPlane = outH * outW, end = yo + planes * outPlane;
        for (int c = 0; c < planes; c++) {
            int xc = xo + c * plane, yc = yo + c * outPlane;
            for (int oh = 0; oh < outH; oh++) {
                int r0 = xc + 2 * oh * ld, r1 = r0 + ld, o = yc + oh * outW;
                for (int ow = 0; ow < outW; ow += L) {
                    int i0 = r0 + 2 * ow, i1 = r1 + 2 * ow;
                    FloatVector m;
                    if (i1 + 2 * L <= x.length) {
                        m = window(FloatVector.fromArray(F, x, i0), FloatVector.fromArray(F, x, i0 + L), FloatVector.fromArray(F, x, i1),
                                FloatVector.fromArray(F, x, i1 + L));
                    } else {
                        int taps = 2 * Math.min(L, outW - ow);
                        VectorMask<Float> in0 = F.indexInRange(0, taps), in1 = F.indexInRange(L, taps);
                        m = window(FloatVector.fromArray(F, x, i0, in0), FloatVector.fromArray(F, x, i0 + L, in1), FloatVector.fromArray(F, x, i1, in0),
                                FloatVector.fromArray(F, x, i1 + L, in1));
                    }
                    if (o + ow + L <= end) m.intoArray(y, o + ow);
                    else m.intoArray(y, o + ow, F.indexInRange(0, outW - ow));
                }
            }
        }
    }

    /**
     * The L windows of 2L columns of two rows (top t0, t1; bottom u0, u1): the largest magnitude of
     * each window's 4 taps, as a float. The rows' larger magnitudes lane by lane first, then the
     * pair's even and odd lanes taken apart (as floats, as the training pool does; moves keep
     * every bit) and the larger of the two.
     */
    private static FloatVector window(FloatVector t0, FloatVector t1, FloatVector u0, FloatVector u1) {
        FloatVector a = magnitude(t0).max(magnitude(u0)).reinterpretAsFloats(), b = magnitude(t1).max(magnitude(u1)).reinterpretAsFloats();
        return ((IntVector) a.rearrange(EVEN, b).reinterpretAsInts()).max((IntVector) a.rearrange(ODD, b).reinterpretAsInts()).reinterpretAsFloats();
    }

    private static IntVector magnitude(FloatVector v) {
        return ((IntVector) v.reinterpretAsInts()).and(MAGNITUDE);
    }
}
