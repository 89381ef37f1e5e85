package io.backprop4j.nn;

import io.backprop4j.tensor.Tensor;

/** f(x) = tanh x. */
public final class Tanh extends Activation {
    @Override
    public Tensor forward(Tensor x) {
        return x.tanh();
    }

    @Override
    public String formula() {
        return "f(x) = tanh(x)";
    }

    @Override
    public String derivativeFormula() {
        return "f'(x) = 1 − tanh(x)^{2}";
    }

    @Override
    public String specName() {
        return "tanh";
    }

    @Override
    public String toString() {
        return "Tanh()";
    }
}
