package io.backprop4j.tensor;


/**
 * Binary cross-entropy on logits, mean over all N elements, computed stably:
 * L = (1/N) Σ [(1 - y) x + m + ln(e^(-m) + e^(-x-m))], m = max(-x, 0) (= BCE of σ(x) without
 * overflow). Backward: dL/dx = (σ(x) - y) / N; dL/dy = -x / N.
 */
record BinaryCrossEntropyWithLogitsOp(Tensor x, Tensor y) implements Primitive {
    static Tensor apply(Tensor x, Tensor y) {
        BinaryCrossEntropyOp.check("binary_cross_entropy_with_logits", x, y);
        double[] xv = x.toDoubleArray(), yv = y.toDoubleArray();
        double s = 0;
        for (int i = 0; i < xv.length; i++) {
            double m = Math.max(-xv[i], 0);
            s += (1 - yv[i]) * xv[i] + m + Math.log(Math.exp(-m) + Math.exp(-xv[i] - m));
        }
        return Autograd.record(Tensor.full(s / xv.length, x.dtype()), new BinaryCrossEntropyWithLogitsOp(x, y));
    }

    public Tensor[] inputs() { return new Tensor[] {x, y}; }

    public Tensor[] backward(Tensor g) {
        double scale = g.item() / x.numel();
        return new Tensor[] {
            x.requiresGrad() ? Loops.zip(x, y, (xv, yv) -> scale * (SigmoidOp.sigma(xv) - yv)) : null,
            y.requiresGrad() ? Loops.map(x, xv -> -scale * xv) : null};
    }
}
