package io.backprop4j.tensor;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.internal.kernel.Sequences;

/**
 * Multi-head self-attention of packed projections qkv [N, T, 3E] (q, k, v side by side, each
 * split into h heads of d = E/h columns): for every sample and head, ctx = softmax(α·q kᵀ + M) v,
 * M = −∞ at keys after the query when causal; the heads side by side give ctx [N, T, E], as
 * {@code permute} of a batched {@link Functional#scaledDotProductAttention} would, without the
 * copies. Backward: with P the weights, dP = g vᵀ, dS = α·P ⊙ (dP − rowsum(dP ⊙ P)), dq = dS k,
 * dk = dSᵀ q, dv = Pᵀ g, in the columns of qkv they came from. The kernels are {@link Sequences}'.
 */
record SelfAttentionOp(Tensor qkv, int heads, boolean causal, double alpha, Tensor weights) implements Primitive {
    static Tensor apply(Tensor qkv, int heads, boolean causal) {
        if (qkv.rank() != 3) {
            throw new ShapeException("self_attention: the packed projections must be [batch, steps, 3·embed], got " + Shapes.str(qkv.shape()));
        }
        if (!qkv.dtype().isFloatingPoint()) throw new BackpropException("self_attention: the projections are " + qkv.dtype());
        int n = qkv.size(0), t = qkv.size(1), w = qkv.size(2);
        if (heads <= 0 || w % (3 * heads) != 0) {
            throw new ShapeException("self_attention: " + Shapes.str(qkv.shape()) + " does not split into q, k and v of " + heads + " heads each");
        }
        int e = w / 3, d = e / heads;
        double alpha = d == 0 ? 1 : 1 / Math.sqrt(d);
        Tensor c = qkv.contiguousData();
        // The kernel writes every element of both (0 at masked keys), so kept arrays serve.
        Tensor weights = Recycler.uninitialized(qkv.dtype(), n, heads, t, t);
        Tensor ctx = Recycler.uninitialized(qkv.dtype(), n, t, e);
        if (qkv.dtype() == DType.FLOAT32) {
            Sequences.attention(n, t, heads, d, c.floatArray(), c.offset(), alpha, causal, weights.floatArray(), ctx.floatArray());
        } else {
            Sequences.attention(n, t, heads, d, c.doubleArray(), c.offset(), alpha, causal, weights.doubleArray(), ctx.doubleArray());
        }
        return Autograd.record(ctx, new SelfAttentionOp(qkv, heads, causal, alpha, weights));
    }

    public Tensor[] inputs() { return new Tensor[] {qkv}; }

    public Tensor[] backward(Tensor g) {
        return Recycler.readOnce(g, false, this::gradient);
    }

    /** The engine's own g: its storage goes to the {@link Recycler} once read (dqkv never shares it). */
    @Override
    public Tensor[] backwardOwned(Tensor g) {
        return Recycler.readOnce(g, true, this::gradient);
    }

    /**
     * dqkv from the contiguous gc. The engine runs an op's backward once and then lets the op go
     * ({@link Tensor#releaseGraph}), so the weights, the op's own, are read for the last time here
     * and kept for the next forward pass.
     */
    private Tensor[] gradient(Tensor gc) {
        int n = qkv.size(0), t = qkv.size(1), e = qkv.size(2) / 3, d = e / heads;
        Tensor c = qkv.contiguousData();
        Tensor dqkv = Recycler.uninitialized(qkv.dtype(), qkv.shape());   // every element written by the kernel
        if (qkv.dtype() == DType.FLOAT32) {
            Sequences.attentionBackward(n, t, heads, d, c.floatArray(), c.offset(), alpha, causal, weights.floatArray(),
                    gc.floatArray(), gc.offset(), dqkv.floatArray());
        } else {
            Sequences.attentionBackward(n, t, heads, d, c.doubleArray(), c.offset(), alpha, causal, weights.doubleArray(),
                    gc.doubleArray(), gc.offset(), dqkv.doubleArray());
        }
        Recycler.giveOwned(weights);
        return new Tensor[] {dqkv};
    }
}
