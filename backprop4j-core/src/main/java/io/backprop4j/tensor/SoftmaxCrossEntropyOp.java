package io.backprop4j.tensor;

import io.backprop4j.ShapeException;

/**
 * Cross-entropy on logits with the log-softmax fused in, mean over the n rows of x [n, k]:
 * L = (1/n) Σ_i [logsumexp(x_i) - Σ_k y_ik x_ik] / ... with y one-hot rows (class indices) or
 * probability rows. Backward: dL/dx_i = (softmax(x_i) Σ_k y_ik - y_i) / n; dL/dy = -log softmax(x) / n.
 * With an ignore index, rows of that class index are left out, and n counts the others.
 */
record SoftmaxCrossEntropyOp(Tensor x, Tensor y, int[] classes, Tensor softmax) implements Primitive {
    /** Cross-entropy with class-index targets, one per row. */
    static Tensor apply(Tensor x, int[] classes) {
        return apply(x, classes, NO_IGNORE);
    }

    /** No class index is ignored. */
    static final int NO_IGNORE = Integer.MIN_VALUE;

    /**
     * Cross-entropy with class-index targets, rows whose index is {@code ignoreIndex} left out:
     * the mean is over the other rows (NaN when none is left, as in PyTorch).
     */
    static Tensor apply(Tensor x, int[] classes, int ignoreIndex) {
        if (x.rank() != 2 || x.size(0) != classes.length) {
            throw new ShapeException("cross_entropy: logits " + Shapes.str(x.shape()) + " and " + classes.length
                    + " class indices: expected logits [" + classes.length + ", classes]");
        }
        int k = x.size(1);
        for (int c : classes) {
            if ((c < 0 || c >= k) && c != ignoreIndex) {
                throw new ShapeException("cross_entropy: class index " + c + " is out of range for " + k + " classes");
            }
        }
        int[] cs = classes.clone();
        if (ignoreIndex != NO_IGNORE) {
            for (int i = 0; i < cs.length; i++) if (cs[i] == ignoreIndex) cs[i] = IGNORED;
        }
        return compute(x, null, cs);
    }

    /** A row left out of the loss (its class index was the ignore index). */
    private static final int IGNORED = -1;

    /** Cross-entropy with probability (soft) targets of x's shape. */
    static Tensor apply(Tensor x, Tensor y) {
        if (x.rank() != 2) throw new ShapeException("cross_entropy: logits must be 2-D [n, classes], got " + Shapes.str(x.shape()));
        BinaryCrossEntropyOp.check("cross_entropy", x, y);
        return compute(x, y, null);
    }

    private static Tensor compute(Tensor x, Tensor y, int[] classes) {
        int n = x.size(0), k = x.size(1);
        double[] v = x.toDoubleArray();
        double[] yv = y == null ? null : y.toDoubleArray();
        double loss = 0;
        for (int i = 0; i < n; i++) {
            int b = i * k;
            double lse = LogSumExpOp.row(v, b, k);
            if (classes != null) {
                if (classes[i] != IGNORED) loss += lse - v[b + classes[i]];
            } else {
                for (int j = 0; j < k; j++) loss += yv[b + j] * (lse - v[b + j]);
            }
            for (int j = 0; j < k; j++) v[b + j] = Math.exp(v[b + j] - lse);
        }
        Tensor sm = Loops.fromDoubles(v, x.dtype(), n, k);
        int counted = counted(n, classes);
        double mean = counted == 0 ? (n == 0 ? 0 : Double.NaN) : loss / counted;
        return Autograd.record(Tensor.full(mean, x.dtype()), new SoftmaxCrossEntropyOp(x, y, classes, sm));
    }

    /** The rows that count towards the mean: all but the ignored ones. */
    private static int counted(int n, int[] classes) {
        if (classes == null) return n;
        int c = 0;
        for (int k : classes) if (k != IGNORED) c++;
        return c;
    }


    public Tensor[] inputs() { return y == null ? new Tensor[] {x} : new Tensor[] {x, y}; }

    @Override
    public Tensor[] saved() { return y == null ? Primitive.NOTHING : new Tensor[] {y}; }

    public Tensor[] backward(Tensor g) {
        int n = x.size(0), k = x.size(1);
        double scale = g.item() / Math.max(1, counted(n, classes));
        Tensor gx = null;
        if (x.requiresGrad()) {
            double[] s = softmax.toDoubleArray();
            double[] yv = y == null ? null : y.toDoubleArray();
            for (int i = 0; i < n; i++) {
                int b = i * k;
                if (classes != null && classes[i] == IGNORED) {
                    java.util.Arrays.fill(s, b, b + k, 0);
                } else if (classes != null) {
                    for (int j = 0; j < k; j++) s[b + j] *= scale;
                    s[b + classes[i]] -= scale;
                } else {
                    double ysum = 0;
                    for (int j = 0; j < k; j++) ysum += yv[b + j];
                    for (int j = 0; j < k; j++) s[b + j] = scale * (s[b + j] * ysum - yv[b + j]);
                }
            }
            gx = Loops.fromDoubles(s, x.dtype(), n, k);
        }
        if (y == null) return new Tensor[] {gx};
        Tensor gy = y.requiresGrad() ? Loops.map(softmax, sv -> -scale * Math.log(sv)) : null;
        return new Tensor[] {gx, gy};
    }
}
