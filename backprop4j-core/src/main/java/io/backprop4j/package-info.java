/**
 * backprop4j: a pure-Java deep-learning library. This package holds what every other one
 * shares: the exceptions. {@link io.backprop4j.BackpropException} is the one a user sees, its
 * message a line or two that names the op, layer or file and both shapes;
 * {@link io.backprop4j.ShapeException}, {@link io.backprop4j.FormatException} (a file that is
 * corrupt, or not ours) and {@link io.backprop4j.NumericException} (a value that went NaN or
 * infinite) say which kind it is.
 *
 * <p>Where to start: {@link io.backprop4j.tensor} (tensors and autograd), {@link io.backprop4j.nn}
 * (layers), {@link io.backprop4j.optim}, {@link io.backprop4j.train}, {@link io.backprop4j.explain}.
 *
 * <pre>{@code
 * import io.backprop4j.ShapeException;
 * import io.backprop4j.tensor.Tensor;
 *
 * try {
 *     Tensor.ones(2, 3).matmul(Tensor.ones(2, 3));
 * } catch (ShapeException e) {
 *     System.out.println(e.getMessage());   // names matmul and both shapes
 * }
 * }</pre>
 */
package io.backprop4j;
