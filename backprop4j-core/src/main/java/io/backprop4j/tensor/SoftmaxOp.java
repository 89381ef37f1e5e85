package io.backprop4j.tensor;


/**
 * softmax(x)_i = e^(x_i - m) / Σ_j e^(x_j - m) along {@code dim}, m the row maximum (for
 * stability). Backward: s ⊙ (g - Σ_j g_j s_j), the Jacobian diag(s) - s sᵀ applied to g.
 */
record SoftmaxOp(Tensor x, Tensor out, int dim) implements Primitive {
    static Tensor apply(Tensor x, int dim) {
        if (lastDimContiguous(x, dim)) {
            // The common case (rows of logits) straight on the arrays, without moving the data.
            int n = x.size(-1), rows = n == 0 ? 0 : x.numel() / n;
            double[] v = x.toDoubleArray();
            for (int r = 0; r < rows; r++) softmaxRow(v, r * n, n);
            Tensor out = Loops.fromDoubles(v, x.dtype(), x.shape());
            return Autograd.record(out, new SoftmaxOp(x, out, x.rank() - 1));
        }
        DimRows rows = new DimRows("softmax", x, dim);
        double[] v = rows.data;
        for (int r = 0; r < rows.rows; r++) softmaxRow(v, r * rows.n, rows.n);
        Tensor out = rows.restore(v, x.dtype());
        return Autograd.record(out, new SoftmaxOp(x, out, rows.dim));
    }

    private static boolean lastDimContiguous(Tensor x, int dim) {
        return x.rank() > 0 && x.isContiguous() && (dim == -1 || dim == x.rank() - 1);
    }

    private static void softmaxRow(double[] v, int b, int n) {
        double m = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) m = Math.max(m, v[b + j]);
        double s = 0;
        for (int j = 0; j < n; j++) { v[b + j] = Math.exp(v[b + j] - m); s += v[b + j]; }
        for (int j = 0; j < n; j++) v[b + j] /= s;
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] saved() { return new Tensor[] {out}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {backward(g, out, dim)};
    }

    /** s ⊙ (g − Σ_j g_j s_j) along dim: the softmax Jacobian diag(s) − s sᵀ applied to g, for any s. */
    static Tensor backward(Tensor g, Tensor s, int dim) {
        if (s.isContiguous() && dim == s.rank() - 1) {
            int n = s.size(-1), rows = n == 0 ? 0 : s.numel() / n;
            double[] gv = g.toDoubleArray(), sv = s.toDoubleArray();
            for (int r = 0; r < rows; r++) {
                int b = r * n;
                double dot = 0;
                for (int j = 0; j < n; j++) dot += gv[b + j] * sv[b + j];
                for (int j = 0; j < n; j++) gv[b + j] = sv[b + j] * (gv[b + j] - dot);
            }
            return Loops.fromDoubles(gv, s.dtype(), s.shape());
        }
        try (var none = NoGrad.enter()) {
            return s.mul(g.sub(g.mul(s).sum(dim, true)));
        }
    }
}
