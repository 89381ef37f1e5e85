package io.backprop4j.nn;

import io.backprop4j.tensor.Tensor;

/** f(x) = x for x > 0, alpha x otherwise (alpha defaults to 0.01). */
public final class LeakyReLU extends Activation {
    private final double alpha;

    public LeakyReLU() {
        this(0.01);
    }

    public LeakyReLU(double alpha) {
        this.alpha = alpha;
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.leakyRelu(alpha);
    }

    @Override
    public String formula() {
        return "f(x) = \\cases{x}{x > 0}{α*x}";
    }

    @Override
    public String derivativeFormula() {
        return "f'(x) = \\cases{1}{x > 0}{α}";
    }

    @Override
    public String specName() {
        return "leaky_relu";
    }

    @Override
    public String toString() {
        return "LeakyReLU(alpha=" + alpha + ")";
    }
}
