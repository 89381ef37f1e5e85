package io.backprop4j.autograd;

import io.backprop4j.tensor.Tensor;

/**
 * softmax(x)_i = e^(x_i - m) / Σ_j e^(x_j - m) along {@code dim}, m the row maximum (for
 * stability). Backward: s ⊙ (g - Σ_j g_j s_j), the Jacobian diag(s) - s sᵀ applied to g.
 */
public record Softmax(Tensor x, Tensor out, int dim) implements Op {
    public static Tensor apply(Tensor x, int dim) {
        DimRows rows = new DimRows("softmax", x, dim);
        double[] v = rows.data;
        int n = rows.n;
        for (int r = 0; r < rows.rows; r++) {
            int b = r * n;
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) m = Math.max(m, v[b + j]);
            double s = 0;
            for (int j = 0; j < n; j++) { v[b + j] = Math.exp(v[b + j] - m); s += v[b + j]; }
            for (int j = 0; j < n; j++) v[b + j] /= s;
        }
        Tensor out = rows.restore(v, x.dtype());
        return Autograd.record(out, new Softmax(x, out, rows.dim));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {out.mul(g.sub(g.mul(out).sum(dim, true)))};
    }
}
