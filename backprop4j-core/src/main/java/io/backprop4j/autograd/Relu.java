package io.backprop4j.autograd;

import io.backprop4j.tensor.Tensor;

/** max(x, 0). Backward: g where x > 0, else 0. */
public record Relu(Tensor x) implements Op {
    public static Tensor apply(Tensor x) {
        return Autograd.record(LeakyRelu.forward(x, 0), new Relu(x));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {LeakyRelu.backward(g, x, 0)};
    }
}
