package io.backprop4j.tensor;


/**
 * log softmax(x)_i = x_i - log Σ_j e^(x_j) along {@code dim}, computed stably.
 * Backward: g - softmax(x) Σ_j g_j.
 */
record LogSoftmaxOp(Tensor x, Tensor out, int dim) implements Primitive {
    static Tensor apply(Tensor x, int dim) {
        DimRows rows = new DimRows("log_softmax", x, dim);
        double[] v = rows.data;
        int n = rows.n;
        for (int r = 0; r < rows.rows; r++) {
            int b = r * n;
            double lse = LogSumExpOp.row(v, b, n);
            for (int j = 0; j < n; j++) v[b + j] -= lse;
        }
        Tensor out = rows.restore(v, x.dtype());
        return Autograd.record(out, new LogSoftmaxOp(x, out, rows.dim));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] saved() { return new Tensor[] {out}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {g.sub(out.exp().mul(g.sum(dim, true)))};
    }
}
