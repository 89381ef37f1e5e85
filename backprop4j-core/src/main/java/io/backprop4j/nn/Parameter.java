package io.backprop4j.nn;

import io.backprop4j.tensor.Tensor;

/** A tensor that a module learns: a leaf that requires grad, found by {@link Module#parameters()}. */
public final class Parameter extends Tensor {
    /** Wraps (without copying) the data of {@code data} as a trainable leaf. */
    public Parameter(Tensor data) {
        super(data);
        requiresGrad(true);
    }
}
