package io.backprop4j.tensor;

/**
 * A primitive operation: one record per op, holding what its backward needs. Its forward is a
 * static {@code apply} method beside {@link #backward}, which returns one gradient per input
 * ({@code null} for inputs that need none).
 *
 * <p>Compound operations (mean, mse, cross-entropy on probabilities...) are compositions of these
 * and have no backward of their own. Every primitive listed here is gradient-checked in float64
 * by {@code GradCheckTest}; a registry test fails when a new one is not.
 */
sealed interface Primitive extends Op permits AddOp, SubOp, MulOp, DivOp, NegOp, ExpOp, LogOp, SqrtOp, AbsOp,
        PowScalarOp, TanhOp, SigmoidOp, ReLUOp, LeakyReLUOp, ELUOp, SoftplusOp, GELUOp,
        SumOp, MaxOp, LogSumExpOp, MatMulOp, LinearOp, PermuteOp, ReshapeOp, ExpandOp, NarrowOp, IndexSelectOp,
        ConcatOp, CopyOp, CastOp, SoftmaxOp, LogSoftmaxOp,
        BinaryCrossEntropyOp, BinaryCrossEntropyWithLogitsOp, SoftmaxCrossEntropyOp, NllLossOp,
        SinOp, CosOp, ClampOp, MaximumOp, MinimumOp, PowOp, WhereOp, GatherOp,
        Conv2dOp, MaxPool2dOp, AvgPool2dOp, AdaptiveAvgPool2dOp, BatchNormOp,
        EmbeddingOp, LayerNormOp, RecurrentOp, AttentionSoftmaxOp, SelfAttentionOp {

    /** Gradients of the loss with respect to each input, given d(loss)/d(output). */
    Tensor[] backward(Tensor gradOutput);

    /**
     * As {@link #backward}, called by the engine when it alone holds {@code gradOutput}: no other
     * gradient, view or tensor shares its storage, and nothing reads it after this call. An op may
     * then write an input's gradient over it instead of allocating one (ReLU does: a CNN's largest
     * gradients go through it). By default {@link #backward}.
     */
    default Tensor[] backwardOwned(Tensor gradOutput) {
        return backward(gradOutput);
    }

    /** No saved tensors. */
    Tensor[] NOTHING = {};

    /**
     * The tensors whose values {@link #backward} reads (inputs or the output): backward refuses
     * to run when one of them was changed in place after this op used it. By default all inputs;
     * ops that read only shapes, or their output, say so.
     */
    default Tensor[] saved() {
        return inputs();
    }
}
