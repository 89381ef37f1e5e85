package io.backprop4j.autograd;

import io.backprop4j.tensor.Tensor;

/**
 * A primitive operation recorded in the autograd graph. Each implementation holds what its
 * backward needs, computes its forward in a static {@code apply} method beside {@link #backward},
 * and returns one gradient per input ({@code null} for inputs that need none).
 *
 * <p>Compound operations (mean, mse, cross-entropy on probabilities...) are compositions of these
 * and have no backward of their own. Every primitive listed here is gradient-checked in float64
 * by {@code GradCheckTest}; a registry test fails when a new one is not.
 */
public sealed interface Op permits Add, Sub, Mul, Div, Neg, Exp, Log, Sqrt, Abs, PowScalar,
        Tanh, Sigmoid, Relu, LeakyRelu, Elu, Softplus, Gelu,
        Sum, Max, LogSumExp, MatMul, Linear, Permute, Reshape, Expand, Narrow, IndexSelect, Concat, Copy, Cast,
        Softmax, LogSoftmax, BinaryCrossEntropy, BinaryCrossEntropyWithLogits, SoftmaxCrossEntropy, NllLoss {

    /** The tensors this op read, in order; the engine sends their gradients back in that order. */
    Tensor[] inputs();

    /** Gradients of the loss with respect to each input, given d(loss)/d(output). */
    Tensor[] backward(Tensor gradOutput);

    /** A short name for messages: "matmul", "leaky_relu"... */
    default String name() {
        String s = getClass().getSimpleName();
        return s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }
}
