package io.backprop4j.autograd;

import io.backprop4j.internal.Loops;
import io.backprop4j.tensor.Tensor;

/** GELU, exact form: x Φ(x), Φ the standard normal CDF. Backward: g (Φ(x) + x φ(x)). */
public record Gelu(Tensor x, Tensor out) implements Op {
    public static Tensor apply(Tensor x) {
        Tensor out = Loops.map(x, v -> v * SpecialFunctions.normalCdf(v));
        return Autograd.record(out, new Gelu(x, out));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {Loops.zip(g, x, (gv, v) -> gv * (SpecialFunctions.normalCdf(v) + v * SpecialFunctions.normalPdf(v)))};
    }
}
