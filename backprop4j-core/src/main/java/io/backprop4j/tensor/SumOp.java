package io.backprop4j.tensor;


/**
 * Sum over {@code dims} (all when null), keeping them as size 1 when {@code keepdim}.
 * Backward: g broadcast back over the summed dims.
 */
record SumOp(Tensor x, boolean[] reduced, boolean keepdim) implements Primitive {
    static Tensor apply(Tensor x, int[] dims, boolean keepdim) {
        int r = x.rank();
        boolean[] reduce = new boolean[r];
        if (dims == null) java.util.Arrays.fill(reduce, true);
        else for (int d : dims) reduce[Shapes.axis("sum", d, r)] = true;
        int[] shape = x.shape();
        int block = 1, kept = 0;
        for (int i = 0; i < r; i++) if (reduce[i]) block *= shape[i]; else kept++;
        int[] outShape = new int[keepdim ? r : kept];
        for (int i = 0, j = 0; i < r; i++) {
            if (keepdim) outShape[i] = reduce[i] ? 1 : shape[i];
            else if (!reduce[i]) outShape[j++] = shape[i];
        }
        Tensor out = leadingFloatSum(x, reduce, block, outShape);
        if (out == null) out = Loops.blockSums(Loops.reduceLayout(x, reduce), block, outShape);
        return Autograd.record(out, new SumOp(x, reduce, keepdim));
    }

    /**
     * Sums over leading dims of a contiguous float32 tensor (the bias gradient Σ_rows g) as
     * vectorised column sums, without moving the data; null when the case does not apply.
     */
    private static Tensor leadingFloatSum(Tensor x, boolean[] reduce, int rows, int[] outShape) {
        if (x.dtype() != io.backprop4j.tensor.DType.FLOAT32 || !x.isContiguous() || rows == 0) return null;
        int k = 0;
        while (k < reduce.length && reduce[k]) k++;
        for (int i = k; i < reduce.length; i++) if (reduce[i]) return null;
        if (k == 0) return null;
        int cols = x.numel() / rows;
        Tensor out = Tensor.zeros(x.dtype(), outShape);
        io.backprop4j.internal.kernel.VectorMath.columnSums(x.floatArray(), x.offset(), rows, cols, out.floatArray());
        return out;
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] saved() { return Primitive.NOTHING; }

    public Tensor[] backward(Tensor g) {
        int[] shape = x.shape();
        int[] keptShape = shape.clone();
        for (int i = 0; i < shape.length; i++) if (reduced[i]) keptShape[i] = 1;
        return new Tensor[] {g.reshape(keptShape).expand(shape).contiguousData()};
    }
}
