package io.backprop4j.onnx;

import io.backprop4j.BackpropException;
import io.backprop4j.nn.Module;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;

/**
 * An ONNX Add, Sub, Mul or Div of the input and a constant, with NumPy broadcasting:
 * {@code y = x op c}, or {@code y = c op x} when the constant came first in the node (Sub, Div).
 * The constant is a buffer named "constant" (saved with the module, not trained).
 */
public final class Elementwise extends Module {
    /** The four operations. */
    public enum Op { ADD, SUB, MUL, DIV }

    private final Op op;
    private final boolean constantFirst;
    private final Tensor constant;

    public Elementwise(Op op, Tensor constant, boolean constantFirst) {
        if (op == null || constant == null) throw new BackpropException("Elementwise: op or constant is null");
        this.op = op;
        this.constantFirst = constantFirst;
        this.constant = buffer("constant", constant);
    }

    public Op op() { return op; }

    public boolean constantFirst() { return constantFirst; }

    /** The constant (live buffer). */
    public Tensor constant() { return constant; }

    @Override
    public Tensor forward(Tensor x) {
        Tensor a = constantFirst ? constant : x, b = constantFirst ? x : constant;
        return switch (op) {
            case ADD -> a.add(b);
            case SUB -> a.sub(b);
            case MUL -> a.mul(b);
            case DIV -> a.div(b);
        };
    }

    @Override
    public String toString() {
        String c = "constant " + Shapes.str(constant.shape());
        String name = op.name().charAt(0) + op.name().substring(1).toLowerCase(java.util.Locale.ROOT);
        return name + "(" + (constantFirst ? c + ", x" : "x, " + c) + ")";
    }
}
