package io.backprop4j.nn;

import io.backprop4j.tensor.Tensor;

/** f(x) = 1 / (1 + e^-x). */
public final class Sigmoid extends Activation {
    @Override
    public Tensor forward(Tensor x) {
        return x.sigmoid();
    }

    @Override
    public String specName() {
        return "sigmoid";
    }

    @Override
    public String toString() {
        return "Sigmoid()";
    }
}
