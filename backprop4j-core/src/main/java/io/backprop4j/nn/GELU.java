package io.backprop4j.nn;

import io.backprop4j.tensor.Tensor;

/** f(x) = x Φ(x), the exact (erf) form. */
public final class GELU extends Activation {
    @Override
    public Tensor forward(Tensor x) {
        return x.gelu();
    }

    @Override
    public String formula() {
        return "f(x) = x*Φ(x) = x*(1 + erf(x/√2))/2";
    }

    @Override
    public String derivativeFormula() {
        return "f'(x) = Φ(x) + x*φ(x)";
    }

    @Override
    public String specName() {
        return "gelu";
    }

    @Override
    public String toString() {
        return "GELU()";
    }
}
