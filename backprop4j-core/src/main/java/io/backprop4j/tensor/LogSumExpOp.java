package io.backprop4j.tensor;


/** log Σ_j e^(x_j) along {@code dim}, as m + log Σ e^(x_j - m). Backward: g · softmax(x). */
record LogSumExpOp(Tensor x, int dim, boolean keepdim) implements Primitive {
    static Tensor apply(Tensor x, int dim, boolean keepdim) {
        DimRows rows = new DimRows("logsumexp", x, dim);
        double[] out = new double[rows.rows];
        for (int r = 0; r < rows.rows; r++) out[r] = row(rows.data, r * rows.n, rows.n);
        return Autograd.record(rows.restoreReduced(out, x.dtype(), keepdim), new LogSumExpOp(x, rows.dim, keepdim));
    }

    /** log Σ e^(v[b..b+n)) computed stably. */
    static double row(double[] v, int b, int n) {
        double m = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) m = Math.max(m, v[b + j]);
        if (m == Double.NEGATIVE_INFINITY) return m;
        double s = 0;
        for (int j = 0; j < n; j++) s += Math.exp(v[b + j] - m);
        return m + Math.log(s);
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        Tensor gk = keepdim || x.rank() == 0 ? g : g.unsqueeze(dim);
        return new Tensor[] {SoftmaxOp.apply(x, dim).mul(gk)};
    }
}
