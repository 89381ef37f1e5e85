package io.backprop4j.autograd;

import io.backprop4j.internal.Loops;
import io.backprop4j.tensor.Tensor;

/** log(1 + e^x); x itself above 20, as PyTorch (beta 1, threshold 20). Backward: g σ(x) (g above 20). */
public record Softplus(Tensor x, Tensor out) implements Op {
    public static Tensor apply(Tensor x) {
        Tensor out = Loops.map(x, v -> v > 20 ? v : Math.log1p(Math.exp(v)));
        return Autograd.record(out, new Softplus(x, out));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {Loops.zip(g, x, (gv, v) -> v > 20 ? gv : gv * Sigmoid.sigma(v))};
    }
}
