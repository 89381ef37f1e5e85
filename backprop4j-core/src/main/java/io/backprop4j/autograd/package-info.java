/**
 * Checks of gradients: {@link io.backprop4j.autograd.GradCheck} compares the gradients that
 * {@code backward()} computes with central finite differences in float64, as
 * {@code torch.autograd.gradcheck} does. Every differentiable op of the library is checked this
 * way; a custom function built from the library's ops can be checked the same way.
 *
 * <pre>{@code
 * import io.backprop4j.autograd.GradCheck;
 * import io.backprop4j.tensor.DType;
 * import io.backprop4j.tensor.Tensor;
 * import java.util.SplittableRandom;
 *
 * var rng = new SplittableRandom(1);
 * Tensor x = Tensor.randn(rng, DType.FLOAT64, 3, 4).requiresGrad(true);
 * var result = GradCheck.check(in -> in[0].tanh().mul(in[0]).sum(), rng, x);
 * System.out.println("largest error " + result.maxAbsError());
 * }</pre>
 */
package io.backprop4j.autograd;
