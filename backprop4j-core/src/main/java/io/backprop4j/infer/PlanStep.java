package io.backprop4j.infer;

import io.backprop4j.tensor.Tensor;

/** One step of an {@link InferencePlan}: a run of layers that takes the previous step's output. */
sealed interface PlanStep permits ConvChain, DenseChain, InferencePlan.Layer, InferencePlan.ThenReLU {
    /**
     * This step's output for {@code x}; {@code helper}: the {@link Handoff} helper that a batch of
     * 1 to 4 may split its work with, held by the plan for this call, or null (the caller alone).
     */
    Tensor run(Tensor x, Handoff helper);

    /** Whether {@code data} is one of this step's buffers (an output that the next call overwrites). */
    default boolean owns(float[] data) {
        return false;
    }
}
