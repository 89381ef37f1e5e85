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
 * and odd lanes of the pair taken apart (a two-vector rearrange) and their maximum. The same ints
 * as the scalar loop, so the same floats. Loaded only when the Vector API is present.
 */
final class VectorPool {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int L = F.length();
    /** Lane i: lane 2i of the pair of vectors (indices past L select from the second one). */
    private static final VectorShuffle<Integer> EVEN = VectorShuffle.fromOp(I, i -> 2 * i);
    private static final VectorShuffle<Integer> ODD = VectorShuffle.fromOp(I, i -> 2 * i + 1);
    private static final int MAGNITUDE = 0x7fffffff;

    private VectorPool() {
    }

    /**
     * y[yo + c·outH·outW + oh·outW + ow] = max of x's window (2oh..2oh+1, 2ow..2ow+1) in plane c
     * (planes h·ld apart, rows ld apart, from xo), as magnitudes; 2·outH ≤ h and 2·outW ≤ the row's width.
     */
    static void max2x2AfterReLU(int planes, int h, int ld, int outH, int outW, float[] x, int xo, float[] y, int yo) {
        int plane = h * ld, outPlane = outH * outW;
        int whole = outW / L * L;
        VectorMask<Float> in0 = null, in1 = null, out = null;
        if (whole < outW) {
            int rest = outW - whole;
            in0 = F.indexInRange(0, Math.min(L, 2 * rest));
            in1 = F.indexInRange(0, Math.max(0, 2 * rest - L));
            out = F.indexInRange(0, rest);
        }
        for (int c = 0; c < planes; c++) {
            int xc = xo + c * plane, yc = yo + c * outPlane;
            for (int oh = 0; oh < outH; oh++) {
                int r0 = xc + 2 * oh * ld, r1 = r0 + ld, o = yc + oh * outW;
                for (int ow = 0; ow < whole; ow += L) {
                    int i0 = r0 + 2 * ow, i1 = r1 + 2 * ow;
                    IntVector a = magnitude(FloatVector.fromArray(F, x, i0)).max(magnitude(FloatVector.fromArray(F, x, i1)));
                    IntVector b = magnitude(FloatVector.fromArray(F, x, i0 + L)).max(magnitude(FloatVector.fromArray(F, x, i1 + L)));
                    IntVector m = a.rearrange(EVEN, b).max(a.rearrange(ODD, b));
                    m.reinterpretAsFloats().intoArray(y, o + ow);
                }
                if (whole < outW) {
                    int i0 = r0 + 2 * whole, i1 = r1 + 2 * whole;
                    IntVector a = magnitude(FloatVector.fromArray(F, x, i0, in0)).max(magnitude(FloatVector.fromArray(F, x, i1, in0)));
                    IntVector b = magnitude(FloatVector.fromArray(F, x, i0 + L, in1)).max(magnitude(FloatVector.fromArray(F, x, i1 + L, in1)));
                    IntVector m = a.rearrange(EVEN, b).max(a.rearrange(ODD, b));
                    m.reinterpretAsFloats().intoArray(y, o + whole, out);
                }
            }
        }
    }

    private static IntVector magnitude(FloatVector v) {
        return ((IntVector) v.reinterpretAsInts()).and(MAGNITUDE);
    }
}
