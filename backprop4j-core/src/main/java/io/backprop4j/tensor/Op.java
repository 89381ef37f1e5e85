package io.backprop4j.tensor;

/**
 * The recorded operation that computed a tensor ({@link Tensor#gradFn()}), as PyTorch's
 * {@code grad_fn}: its name and the tensors it read. Users can walk the graph with it; only the
 * engine runs it backwards.
 */
public sealed interface Op permits Primitive {

    /** The tensors this op read, in order (a fresh array); the engine sends their gradients back in that order. */
    Tensor[] inputs();

    /** A short name for messages and printing: "matmul", "leaky_relu"... */
    default String name() {
        return OpNames.of(getClass());
    }
}
