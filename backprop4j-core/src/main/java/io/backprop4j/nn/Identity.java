package io.backprop4j.nn;

import io.backprop4j.tensor.Tensor;

/** f(x) = x. */
public final class Identity extends Activation {
    @Override
    public Tensor forward(Tensor x) {
        return x;
    }

    @Override
    public String formula() {
        return "f(x) = x";
    }

    @Override
    public String derivativeFormula() {
        return "f'(x) = 1";
    }

    @Override
    public String specName() {
        return "identity";
    }

    @Override
    public String toString() {
        return "Identity()";
    }
}
