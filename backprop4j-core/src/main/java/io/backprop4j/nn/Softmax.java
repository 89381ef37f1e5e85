package io.backprop4j.nn;

import io.backprop4j.tensor.Tensor;

/** softmax along the last dim: e^(x_i) / Σ_j e^(x_j). */
public final class Softmax extends Activation {
    @Override
    public Tensor forward(Tensor x) {
        return x.softmax(-1);
    }

    @Override
    public String formula() {
        return "s_{j} = e^{z_j} / Σ_{k} e^{z_k}";
    }

    @Override
    public String derivativeFormula() {
        return "∂s_{i}/∂z_{j} = s_{i}*(δ_{ij} − s_{j})";
    }

    @Override
    public String specName() {
        return "softmax";
    }

    @Override
    public String toString() {
        return "Softmax()";
    }
}
