package io.backprop4j.tensor;

import io.backprop4j.ShapeException;

/** Negative log-likelihood of log-probabilities x [n, k] at class indices: L = -(1/n) Σ_i x[i, c_i]. Backward: -1/n at each c_i. */
record NllLossOp(Tensor x, int[] classes) implements Primitive {
    static Tensor apply(Tensor x, int[] classes) {
        if (x.rank() != 2 || x.size(0) != classes.length) {
            throw new ShapeException("nll_loss: log-probabilities " + Shapes.str(x.shape()) + " and " + classes.length
                    + " class indices: expected [" + classes.length + ", classes]");
        }
        Loops.checkRange("nll_loss", x, Double.NEGATIVE_INFINITY, 0, "the log-probability", "a log-probability above 0 is a"
                + " probability above 1 (pass log_softmax outputs, or use crossEntropy on raw scores)");
        int k = x.size(1);
        double s = 0;
        for (int i = 0; i < classes.length; i++) {
            if (classes[i] < 0 || classes[i] >= k) throw new ShapeException("nll_loss: class index " + classes[i] + " is out of range for " + k + " classes");
            s -= x.get(i, classes[i]);
        }
        return Autograd.record(Tensor.full(classes.length == 0 ? 0 : s / classes.length, x.dtype()), new NllLossOp(x, classes.clone()));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] saved() { return Primitive.NOTHING; }

    public Tensor[] backward(Tensor g) {
        Tensor gx = Tensor.zerosLike(x);
        double v = -g.item() / classes.length;
        for (int i = 0; i < classes.length; i++) gx.set(gx.get(i, classes[i]) + v, i, classes[i]);
        return new Tensor[] {gx};
    }
}
