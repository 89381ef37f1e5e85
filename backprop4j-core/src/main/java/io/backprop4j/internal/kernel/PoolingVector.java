package io.backprop4j.internal.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API loop of the commonest pooling window, 2x2 at stride 2 inside the input: a row of
 * outputs at a time, L outputs per step, the last step of a row masked. Loaded only when the
 * Vector API module is present ({@link Pooling#VECTOR}). Same results as the scalar scan of
 * {@link Pooling#maxForward}, bit for bit: the winner of four taps in scan order (a, b on the top
 * row, c, d below) is the winner of (a, b) against the winner of (c, d), where the later of two
 * wins when it is larger or NaN.
 */
final class PoolingVector {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(F.vectorBitSize()));
    private static final int L = F.length();
    /** Even and odd lanes of two consecutive vectors: negative indices pick from the second (Vector API convention). */
    private static final VectorShuffle<Float> EVEN = shuffle(0), ODD = shuffle(1);
    /** 0, 2, 4, ...: the top-left tap of each output of a step, relative to the step's first. */
    private static final IntVector TWICE_IOTA = IntVector.zero(I).addIndex(2);
    /** A step's lanes on their way to a plane's last few outputs: a masked store costs more than this copy. */
    private static final ThreadLocal<Tail> TAIL = ThreadLocal.withInitial(Tail::new);

    private static final class Tail {
        final float[] values = new float[L];
        final int[] winners = new int[L];
    }

    private PoolingVector() {
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
     * One plane of 2x2, stride-2 max pooling of float32: outH x outW outputs from the rows of x at
     * xc (width w), and their winners' positions unless argmax is null. A step past the end of a row reads on into the next rows and writes lanes that
     * a later step (of the same plane) overwrites; where that would leave the plane, the lanes go
     * through a small array, and where a load would leave the array, it is masked (masked loads and
     * stores check every lane's index and cost several times more).
     */
    static void max2x2(float[] x, int xc, int w, int outH, int outW, float[] y, int[] argmax, int yc) {
        int planeEnd = yc + outH * outW;
        for (int oh = 0; oh < outH; oh++) {
            int r0 = 2 * oh * w, r1 = r0 + w, out = yc + oh * outW;
            for (int ow = 0; ow < outW; ow += L) {
                int n = Math.min(L, outW - ow);
                int t = xc + r0 + 2 * ow, u = xc + r1 + 2 * ow;
                FloatVector t0, t1, u0, u1;
                if (u + 2 * L <= x.length) {
                    t0 = FloatVector.fromArray(F, x, t);
                    t1 = FloatVector.fromArray(F, x, t + L);
                    u0 = FloatVector.fromArray(F, x, u);
                    u1 = FloatVector.fromArray(F, x, u + L);
                } else {
                    VectorMask<Float> lo = F.indexInRange(0, 2 * n), hi = F.indexInRange(L, 2 * n);
                    t0 = FloatVector.fromArray(F, x, t, lo);
                    t1 = FloatVector.fromArray(F, x, t + L, hi);
                    u0 = FloatVector.fromArray(F, x, u, lo);
                    u1 = FloatVector.fromArray(F, x, u + L, hi);
                }
                FloatVector a = t0.rearrange(EVEN, t1), b = t0.rearrange(ODD, t1);
                FloatVector c = u0.rearrange(EVEN, u1), d = u0.rearrange(ODD, u1);
                VectorMask<Float> bWins = b.compare(VectorOperators.GT, a).or(b.test(VectorOperators.IS_NAN));
                VectorMask<Float> dWins = d.compare(VectorOperators.GT, c).or(d.test(VectorOperators.IS_NAN));
                FloatVector top = a.blend(b, bWins), bottom = c.blend(d, dWins);
                VectorMask<Float> bottomWins = bottom.compare(VectorOperators.GT, top).or(bottom.test(VectorOperators.IS_NAN));
                FloatVector m = top.blend(bottom, bottomWins);
                boolean whole = out + ow + L <= planeEnd;
                Tail tail = whole ? null : TAIL.get();
                if (whole) {
                    m.intoArray(y, out + ow);
                } else {
                    m.intoArray(tail.values, 0);
                    System.arraycopy(tail.values, 0, y, out + ow, n);
                }
                if (argmax == null) {
                    continue;
                }
                IntVector ia = TWICE_IOTA.add(r0 + 2 * ow), ic = TWICE_IOTA.add(r1 + 2 * ow);
                IntVector itop = ia.add(1, bWins.cast(I)), ibottom = ic.add(1, dWins.cast(I));
                IntVector im = itop.blend(ibottom, bottomWins.cast(I));
                if (whole) {
                    im.intoArray(argmax, out + ow);
                } else {
                    im.intoArray(tail.winners, 0);
                    System.arraycopy(tail.winners, 0, argmax, out + ow, n);
                }
            }
        }
    }
}
