package io.backprop4j.tensor;

import io.backprop4j.ShapeException;

/**
 * A table lookup: out[..., :] = weight[indices[...], :], weight [V, D], indices int64 of any
 * shape, out [..., D] (PyTorch's F.embedding). Backward: each row of g added into the row of the
 * weight gradient that its index names (a row used twice gets both).
 */
record EmbeddingOp(Tensor weight, int[] indices, int[] outShape) implements Primitive {
    static Tensor apply(Tensor weight, Tensor indices) {
        if (weight.rank() != 2) throw new ShapeException("embedding: weight must be 2-D [vocabulary, dim], got " + Shapes.str(weight.shape()));
        if (indices.dtype() != DType.INT64) {
            throw new io.backprop4j.BackpropException("embedding: indices must be int64, got " + indices.dtype());
        }
        int v = weight.size(0), d = weight.size(1);
        int[] idx = indices.toIntArray();
        for (int k = 0; k < idx.length; k++) {
            if (idx[k] < 0 || idx[k] >= v) {
                throw new ShapeException("embedding: index " + idx[k] + " is past the vocabulary of size " + v);
            }
        }
        int[] shape = java.util.Arrays.copyOf(indices.shape(), indices.rank() + 1);
        shape[indices.rank()] = d;
        Tensor w = weight.contiguousData();
        Tensor out = Tensor.zeros(weight.dtype(), shape);
        if (weight.dtype() == DType.FLOAT32) {
            for (int k = 0; k < idx.length; k++) System.arraycopy(w.floatArray(), w.offset() + idx[k] * d, out.floatArray(), k * d, d);
        } else {
            for (int k = 0; k < idx.length; k++) System.arraycopy(w.doubleArray(), w.offset() + idx[k] * d, out.doubleArray(), k * d, d);
        }
        return Autograd.record(out, new EmbeddingOp(weight, idx, shape));
    }

    public Tensor[] inputs() { return new Tensor[] {weight}; }

    @Override
    public Tensor[] saved() { return Primitive.NOTHING; }

    public Tensor[] backward(Tensor g) {
        int d = weight.size(1);
        Tensor gc = g.contiguousData();
        Tensor dw = Tensor.zeros(weight.dtype(), weight.shape());
        if (weight.dtype() == DType.FLOAT32) {
            float[] a = gc.floatArray(), o = dw.floatArray();
            for (int k = 0, go = gc.offset(); k < indices.length; k++, go += d) {
                for (int j = 0, w = indices[k] * d; j < d; j++) o[w + j] += a[go + j];
            }
        } else {
            double[] a = gc.doubleArray(), o = dw.doubleArray();
            for (int k = 0, go = gc.offset(); k < indices.length; k++, go += d) {
                for (int j = 0, w = indices[k] * d; j < d; j++) o[w + j] += a[go + j];
            }
        }
        return new Tensor[] {dw};
    }
}
