package io.backprop4j.nn;

import io.backprop4j.tensor.Tensor;

/** f(x) = x for x > 0, alpha (e^x - 1) otherwise (alpha defaults to 1). */
public final class ELU extends Activation {
    private final double alpha;

    public ELU() {
        this(1.0);
    }

    public ELU(double alpha) {
        this.alpha = alpha;
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.elu(alpha);
    }

    @Override
    public String formula() {
        return "f(x) = \\cases{x}{x > 0}{α*(e^{x} − 1)}";
    }

    @Override
    public String derivativeFormula() {
        return "f'(x) = \\cases{1}{x > 0}{α*e^{x}}";
    }

    @Override
    public String specName() {
        return "elu";
    }

    @Override
    public String toString() {
        return "ELU(alpha=" + alpha + ")";
    }
}
