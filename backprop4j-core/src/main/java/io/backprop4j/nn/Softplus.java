package io.backprop4j.nn;

import io.backprop4j.tensor.Tensor;

/** f(x) = ln(1 + e^x) (x itself above 20). */
public final class Softplus extends Activation {
    @Override
    public Tensor forward(Tensor x) {
        return x.softplus();
    }

    @Override
    public String formula() {
        return "f(x) = ln(1 + e^{x})";
    }

    @Override
    public String derivativeFormula() {
        return "f'(x) = σ(x)";
    }

    @Override
    public String specName() {
        return "softplus";
    }

    @Override
    public String toString() {
        return "Softplus()";
    }
}
