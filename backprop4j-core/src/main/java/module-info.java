/**
 * backprop4j: tensors, reverse-mode autograd, layers, losses, optimisers, data sets, training and
 * worked solutions of backpropagation, in pure Java with no runtime dependencies.
 *
 * <p>Only the API packages are exported; {@code io.backprop4j.internal} and its kernels are not.
 * The Vector API is optional: without {@code --add-modules jdk.incubator.vector} the kernels fall
 * back to plain loops (much slower) and say so once.
 */
module io.backprop4j {
    requires static jdk.incubator.vector;

    exports io.backprop4j;
    exports io.backprop4j.tensor;
    exports io.backprop4j.autograd;
    exports io.backprop4j.nn;
    exports io.backprop4j.infer;
    exports io.backprop4j.loss;
    exports io.backprop4j.optim;
    exports io.backprop4j.data;
    exports io.backprop4j.io;
    exports io.backprop4j.train;
    exports io.backprop4j.explain;
    exports io.backprop4j.system;
}
