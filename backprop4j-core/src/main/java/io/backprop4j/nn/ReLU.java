package io.backprop4j.nn;

import io.backprop4j.tensor.Tensor;

/** f(x) = max(x, 0). */
public final class ReLU extends Activation {
    @Override
    public Tensor forward(Tensor x) {
        return x.relu();
    }

    @Override
    public String formula() {
        return "f(x) = max(0, x)";
    }

    @Override
    public String derivativeFormula() {
        return "f'(x) = \\cases{1}{x > 0}{0}";
    }

    @Override
    public String specName() {
        return "relu";
    }

    @Override
    public String toString() {
        return "ReLU()";
    }
}
