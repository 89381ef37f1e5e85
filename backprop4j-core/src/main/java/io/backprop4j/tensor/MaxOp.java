package io.backprop4j.tensor;


/** The largest value along {@code dim}. Backward: g goes to the first position holding the maximum. */
record MaxOp(Tensor x, int dim, boolean keepdim, int[] argmax) implements Primitive {
    static Tensor apply(Tensor x, int dim, boolean keepdim) {
        DimRows rows = new DimRows("max", x, dim);
        if (rows.n == 0) throw new io.backprop4j.ShapeException("max: dim " + dim + " of " + java.util.Arrays.toString(x.shape()) + " is empty");
        double[] out = new double[rows.rows];
        int[] arg = new int[rows.rows];
        scan(rows, out, arg);
        return Autograd.record(rows.restoreReduced(out, x.dtype(), keepdim), new MaxOp(x, rows.dim, keepdim, arg));
    }

    /** Index of the first maximum along {@code dim}, an int64 tensor (not recorded). */
    static Tensor argmax(Tensor x, int dim, boolean keepdim) {
        DimRows rows = new DimRows("argmax", x, dim);
        double[] out = new double[rows.rows];
        int[] arg = new int[rows.rows];
        scan(rows, out, arg);
        for (int r = 0; r < arg.length; r++) out[r] = arg[r];
        return rows.restoreReduced(out, DType.INT64, keepdim);
    }

    private static void scan(DimRows rows, double[] out, int[] arg) {
        double[] v = rows.data;
        for (int r = 0; r < rows.rows; r++) {
            int b = r * rows.n, best = 0;
            for (int j = 1; j < rows.n; j++) {
                // NaN wins, as in PyTorch: a NaN anywhere makes the maximum NaN.
                if (v[b + j] > v[b + best] || (Double.isNaN(v[b + j]) && !Double.isNaN(v[b + best]))) best = j;
            }
            arg[r] = best;
            out[r] = v[b + best];
        }
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] saved() { return Primitive.NOTHING; }

    public Tensor[] backward(Tensor g) {
        DimRows rows = new DimRows("max", Tensor.zerosLike(x), dim);
        double[] gv = g.contiguousData().toDoubleArray();
        double[] out = rows.data;
        for (int r = 0; r < argmax.length; r++) out[r * rows.n + argmax[r]] = gv[r];
        return new Tensor[] {rows.restore(out, x.dtype())};
    }
}
