package io.backprop4j.nn;

import io.backprop4j.tensor.Tensor;

/** f(x) = 1 / (1 + e^-x). */
public final class Sigmoid extends Activation {
    @Override
    public Tensor forward(Tensor x) {
        return x.sigmoid();
    }

    @Override
    public String formula() {
        return "f(x) = σ(x) = 1 / (1 + e^{-x})";
    }

    @Override
    public String derivativeFormula() {
        return "f'(x) = σ(x)*(1 − σ(x))";
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
