package io.backprop4j.nn;

import io.backprop4j.tensor.Tensor;

/** log softmax along the last dim: x_i - log Σ_j e^(x_j). */
public final class LogSoftmax extends Activation {
    @Override
    public Tensor forward(Tensor x) {
        return x.logSoftmax(-1);
    }

    @Override
    public String formula() {
        return "f_{j} = z_{j} − ln(Σ_{k} e^{z_k})";
    }

    @Override
    public String derivativeFormula() {
        return "∂f_{i}/∂z_{j} = δ_{ij} − e^{f_j}";
    }

    @Override
    public String specName() {
        return "log_softmax";
    }

    @Override
    public String toString() {
        return "LogSoftmax()";
    }
}
