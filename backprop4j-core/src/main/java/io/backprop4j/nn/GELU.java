package io.backprop4j.nn;

import io.backprop4j.tensor.Tensor;

/** f(x) = x Φ(x), the exact (erf) form. */
public final class GELU extends Activation {
    @Override
    public Tensor forward(Tensor x) {
        return x.gelu();
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
