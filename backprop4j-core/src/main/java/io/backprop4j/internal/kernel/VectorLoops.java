package io.backprop4j.internal.kernel;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API bodies of {@link VectorMath}'s loops, at the preferred width; loaded only when
 * {@link Simd#AVAILABLE}. Each handles every element, tails included, and gives exactly what the
 * scalar loop in VectorMath gives (the same operations in the same order, lane by lane).
 */
final class VectorLoops {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /**
     * Bytes for the widening of {@link #unsignedBytesOver}: as many lanes as F has floats, but at
     * least 64 bits (the narrowest shape there is); with 128-bit vectors that is 8 bytes, two parts
     * of F's 4 floats each.
     */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(Math.max(64, F.length() * Byte.SIZE)));
    private static final int PARTS = B.length() / F.length();
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());

    private VectorLoops() {
    }

    /** The bits of the preferred vector shape, e.g. 256 with AVX2. */
    static int vectorBits() {
        return F.vectorBitSize();
    }

    static void unsignedBytesOver(byte[] x, int xo, float[] y, int yo, int n, float divisor) {
        int i = 0;
        int bound = B.loopBound(n);
        for (; i < bound; i += B.length()) {
            ByteVector bytes = ByteVector.fromArray(B, x, xo + i);
            for (int part = 0; part < PARTS; part++) {
                FloatVector v = (FloatVector) bytes.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part)
                        .convert(VectorOperators.I2F, 0);
                v.div(divisor).intoArray(y, yo + i + part * F.length());
            }
        }
        for (; i < n; i++) {
            y[yo + i] = (x[xo + i] & 0xff) / divisor;
        }
    }

    static void leakyRelu(float[] x, int xo, float[] y, int yo, int n, float alpha) {
        int i = 0;
        int bound = F.loopBound(n);
        FloatVector a = FloatVector.broadcast(F, alpha);
        for (; i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, xo + i);
            VectorMask<Float> pos = v.compare(VectorOperators.GT, 0f);
            v.mul(a).add(0f).blend(v, pos).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            float v = x[xo + i];
            y[yo + i] = v > 0 ? v : alpha * v + 0f;
        }
    }

    static void leakyReluBackward(float[] g, int go, float[] x, int xo, float[] dx, int dxo, int n, float alpha) {
        int i = 0;
        int bound = F.loopBound(n);
        FloatVector a = FloatVector.broadcast(F, alpha);
        for (; i < bound; i += F.length()) {
            FloatVector gv = FloatVector.fromArray(F, g, go + i);
            VectorMask<Float> pos = FloatVector.fromArray(F, x, xo + i).compare(VectorOperators.GT, 0f);
            gv.mul(a).add(0f).blend(gv, pos).intoArray(dx, dxo + i);
        }
        for (; i < n; i++) {
            dx[dxo + i] = x[xo + i] > 0 ? g[go + i] : alpha * g[go + i] + 0f;
        }
    }

    static void columnSums(float[] x, int xo, int rows, int cols, float[] out) {
        java.util.Arrays.fill(out, 0, cols, 0f);
        int bound = F.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int base = xo + r * cols;
            int j = 0;
            for (; j < bound; j += F.length()) {
                FloatVector.fromArray(F, out, j).add(FloatVector.fromArray(F, x, base + j)).intoArray(out, j);
            }
            for (; j < cols; j++) {
                out[j] += x[base + j];
            }
        }
    }

    // twin: float32 source
    /** {@link VectorMath#adam}'s whole vectors: elements [from, returned index) of the update. */
    static int adam(float[] p, int po, float[] g, int go, float[] m, float[] v, int from, int to, float decay, float l2,
                    float b1, float b2, float c1, float c2, float bc2Sqrt, float e, float negStep, boolean decoupledDecay) {
        VectorSpecies<Float> s = FloatVector.SPECIES_PREFERRED;
        int k = from;
        int bound = from + s.loopBound(to - from);
        for (; k < bound; k += s.length()) {
            FloatVector pv = FloatVector.fromArray(s, p, po + k), gv = FloatVector.fromArray(s, g, go + k);
            if (decoupledDecay) pv = pv.mul(decay);
            if (l2 != 0) gv = gv.add(pv.mul(l2));
            FloatVector mv = FloatVector.fromArray(s, m, k).mul(b1).add(gv.mul(c1));
            FloatVector vv = FloatVector.fromArray(s, v, k).mul(b2).add(gv.mul(c2).mul(gv));
            mv.intoArray(m, k);
            vv.intoArray(v, k);
            FloatVector denom = vv.sqrt().div(bc2Sqrt).add(e);
            pv.add(mv.mul(negStep).div(denom)).intoArray(p, po + k);
        }
        return k;
    }
    // twin: end
    // twin: float64, generated from the float32 source above by tools/codegen/GenerateTwins.java; do not edit
    /** {@link VectorMath#adam}'s whole vectors: elements [from, returned index) of the update. */
    static int adam(double[] p, int po, double[] g, int go, double[] m, double[] v, int from, int to, double decay, double l2,
                    double b1, double b2, double c1, double c2, double bc2Sqrt, double e, double negStep, boolean decoupledDecay) {
        VectorSpecies<Double> s = DoubleVector.SPECIES_PREFERRED;
        int k = from;
        int bound = from + s.loopBound(to - from);
        for (; k < bound; k += s.length()) {
            DoubleVector pv = DoubleVector.fromArray(s, p, po + k), gv = DoubleVector.fromArray(s, g, go + k);
            if (decoupledDecay) pv = pv.mul(decay);
            if (l2 != 0) gv = gv.add(pv.mul(l2));
            DoubleVector mv = DoubleVector.fromArray(s, m, k).mul(b1).add(gv.mul(c1));
            DoubleVector vv = DoubleVector.fromArray(s, v, k).mul(b2).add(gv.mul(c2).mul(gv));
            mv.intoArray(m, k);
            vv.intoArray(v, k);
            DoubleVector denom = vv.sqrt().div(bc2Sqrt).add(e);
            pv.add(mv.mul(negStep).div(denom)).intoArray(p, po + k);
        }
        return k;
    }
    // twin: end
}
