package io.backprop4j.tensor;

import io.backprop4j.ShapeException;
import io.backprop4j.internal.kernel.Activations;
import io.backprop4j.internal.kernel.Parallel;

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

    /** Logits per hand-off to the pool in the float32 loss (about 16K exponentials). */
    private static final long ROW_GRAIN = 1 << 14;

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
        if (x.dtype() == DType.FLOAT32 && classes != null) return computeFloat(x, classes, n, k);
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

    /**
     * Float32 logits and class indices (a language model's [N·T, V]): per row the max m, the
     * float32 exponentials e_j = exp(x_j − m) ({@link Activations#exp}: no float64 copy of the
     * logits, no Math.exp), their sum s in float64; the loss takes m + ln s − x_c in float64, the
     * saved softmax e_j / s is float32.
     */
    private static Tensor computeFloat(Tensor x, int[] classes, int n, int k) {
        Tensor xc = x.contiguousData();
        float[] v = xc.floatArray();
        int xo = xc.offset();
        Tensor sm = Tensor.zeros(DType.FLOAT32, n, k);
        float[] e = sm.floatArray();
        // each row's term on the pool (a language model's 1024 rows of exponentials), then summed in row order: the serial loop's double
        double[] terms = new double[n];
        Parallel.forRange(n, (int) Math.max(1, ROW_GRAIN / Math.max(1, k)), (from, to) -> {
            for (int i = from; i < to; i++) {
                int b = xo + i * k, o = i * k;
                float m = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < k; j++) m = Math.max(m, v[b + j]);
                double sum = 0;
                for (int j = 0; j < k; j++) {
                    float ej = Activations.exp(v[b + j] - m);
                    e[o + j] = ej;
                    sum += ej;
                }
                float inv = (float) (1 / sum);
                for (int j = 0; j < k; j++) e[o + j] *= inv;
                if (classes[i] != IGNORED) terms[i] = m + Math.log(sum) - v[b + classes[i]];
            }
        });
        double loss = 0;
        for (int i = 0; i < n; i++) {
            if (classes[i] != IGNORED) loss += terms[i];
        }
        int counted = counted(n, classes);
        double mean = counted == 0 ? (n == 0 ? 0 : Double.NaN) : loss / counted;
        return Autograd.record(Tensor.full(mean, x.dtype()), new SoftmaxCrossEntropyOp(x, null, classes, sm));
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
        if (x.requiresGrad() && softmax.dtype() == DType.FLOAT32 && classes != null) {
            // Float32 with class indices: (softmax − one-hot)·scale straight from the saved float32 softmax.
            float[] s = softmax.contiguousData().floatArray().clone();
            float sc = (float) scale;
            for (int i = 0; i < n; i++) {
                int b = i * k;
                if (classes[i] == IGNORED) {
                    java.util.Arrays.fill(s, b, b + k, 0f);
                } else {
                    for (int j = 0; j < k; j++) s[b + j] *= sc;
                    s[b + classes[i]] -= sc;
                }
            }
            gx = Tensor.of(s, n, k);
        } else if (x.requiresGrad()) {
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
