package io.backprop4j.tensor;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.internal.kernel.Sequences;

/**
 * The fused softmax of scaled dot-product attention over scores x [..., T, S] (queries by keys):
 * y = softmax(α·x + M) along the last dim, M = −∞ at masked keys (key j > i + S − T when causal,
 * and wherever the boolean mask, broadcast to x's shape, is true), else 0. A row with every key
 * masked is NaN, as in PyTorch. Backward: dx = α·y ⊙ (g − Σ_j g_j y_j). The kernels are
 * {@link Sequences}'.
 */
record AttentionSoftmaxOp(Tensor x, Tensor out, double alpha) implements Primitive {
    static Tensor apply(Tensor x, double alpha, boolean causal, Tensor mask) {
        if (x.rank() < 2) throw new ShapeException("attention_softmax: scores must be [..., queries, keys], got " + Shapes.str(x.shape()));
        if (!x.dtype().isFloatingPoint()) throw new BackpropException("attention_softmax: scores are " + x.dtype());
        int t = x.size(-2), s = x.size(-1), blocks = t * s == 0 ? 0 : x.numel() / (t * s);
        boolean[] m = null;
        int maskBlock = 0;
        if (mask != null) {
            if (mask.dtype() != DType.BOOL) throw new BackpropException("attention_softmax: the mask must be bool (true = masked out), got " + mask.dtype());
            int[] b = Shapes.broadcast("attention_softmax (mask)", mask.shape(), x.shape());
            if (!java.util.Arrays.equals(b, x.shape())) {
                throw new ShapeException("attention_softmax: mask " + Shapes.str(mask.shape()) + " does not broadcast to the scores "
                        + Shapes.str(x.shape()));
            }
            boolean shared = true;
            for (int i = 0; i < mask.rank() - 2; i++) shared &= mask.size(i) == 1;
            if (shared && mask.rank() >= 2 && mask.size(-2) == t && mask.size(-1) == s) {
                m = mask.toBooleanArray();
            } else {
                m = mask.expand(x.shape()).contiguousData().toBooleanArray();
                maskBlock = t * s;
            }
        }
        Tensor xc = x.contiguousData();
        Tensor y = Tensor.zeros(x.dtype(), x.shape());
        if (x.dtype() == DType.FLOAT32) {
            Sequences.attentionSoftmax(blocks, t, s, offsetFree(xc).floatArray(), alpha, causal, m, maskBlock, y.floatArray());
        } else {
            Sequences.attentionSoftmax(blocks, t, s, offsetFree(xc).doubleArray(), alpha, causal, m, maskBlock, y.doubleArray());
        }
        return Autograd.record(y, new AttentionSoftmaxOp(x, y, alpha));
    }

    /** A contiguous tensor whose data starts at offset 0 of its array (the kernel reads from 0). */
    private static Tensor offsetFree(Tensor t) {
        if (t.offset() == 0) return t;
        return t.dtype() == DType.FLOAT32
                ? Tensor.of(java.util.Arrays.copyOfRange(t.floatArray(), t.offset(), t.offset() + t.numel()), t.shape())
                : Tensor.of(java.util.Arrays.copyOfRange(t.doubleArray(), t.offset(), t.offset() + t.numel()), t.shape());
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] saved() { return new Tensor[] {out}; }

    public Tensor[] backward(Tensor g) {
        int s = out.size(-1), rows = s == 0 ? 0 : out.numel() / s;
        Tensor gc = offsetFree(g.contiguousData());
        Tensor dx = Tensor.zeros(x.dtype(), x.shape());
        if (x.dtype() == DType.FLOAT32) Sequences.attentionSoftmaxBackward(rows, s, out.floatArray(), gc.floatArray(), alpha, dx.floatArray());
        else Sequences.attentionSoftmaxBackward(rows, s, out.doubleArray(), gc.doubleArray(), alpha, dx.doubleArray());
        return new Tensor[] {dx};
    }
}
