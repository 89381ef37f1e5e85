package io.backprop4j.tensor;

import io.backprop4j.ShapeException;

/**
 * Binary cross-entropy on probabilities, mean over all N elements, as PyTorch's BCELoss:
 * L = -(1/N) Σ [y max(ln p, -100) + (1 - y) max(ln(1 - p), -100)].
 * Backward: dL/dp = (p - y) / max(p (1 - p), ε) / N with ε = 1e-12 in float32 (as PyTorch);
 * dL/dy = (max(ln(1 - p), -100) - max(ln p, -100)) / N.
 */
record BinaryCrossEntropyOp(Tensor p, Tensor y) implements Primitive {
    /** PyTorch's EPSILON for this backward: the float32 nearest 1e-12. */
    static final double EPS = (double) 1e-12f;

    static Tensor apply(Tensor p, Tensor y) {
        check("binary_cross_entropy", p, y);
        // PyTorch refuses these too: ln of a negative number, or of 1 − p < 0, has no meaning here.
        Loops.checkRange("binary_cross_entropy", p, 0, 1, "the probability", "probabilities must lie in [0, 1] (apply sigmoid first,"
                + " or use binaryCrossEntropyWithLogits on raw scores)");
        double[] pv = p.toDoubleArray(), yv = y.toDoubleArray();
        double s = 0;
        for (int i = 0; i < pv.length; i++) {
            double logP = Math.max(Math.log(pv[i]), -100), log1mP = Math.max(Math.log(1 - pv[i]), -100);
            s += (yv[i] - 1) * log1mP - yv[i] * logP;
        }
        return Autograd.record(Tensor.full(s / pv.length, p.dtype()), new BinaryCrossEntropyOp(p, y));
    }

    static void check(String op, Tensor p, Tensor y) {
        Loops.sameDType(op, p, y);
        if (!java.util.Arrays.equals(p.shape(), y.shape())) {
            throw new ShapeException(op + ": prediction " + Shapes.str(p.shape()) + " and target " + Shapes.str(y.shape())
                    + " differ in shape");
        }
    }

    public Tensor[] inputs() { return new Tensor[] {p, y}; }

    public Tensor[] backward(Tensor g) {
        double scale = g.item() / p.numel();
        Tensor gp = p.requiresGrad()
                ? Loops.zip(p, y, (pv, yv) -> scale * (pv - yv) / Math.max(pv * (1 - pv), EPS)) : null;
        Tensor gy = y.requiresGrad()
                ? Loops.zip(p, y, (pv, yv) -> scale * (Math.max(Math.log(1 - pv), -100) - Math.max(Math.log(pv), -100))) : null;
        return new Tensor[] {gp, gy};
    }
}
