/**
 * N-dimensional tensors (float32, float64, int64, bool) and reverse-mode automatic
 * differentiation. A {@link io.backprop4j.tensor.Tensor} made with {@code requiresGrad(true)}
 * records every op applied to it; {@code backward()} on a scalar result fills each such tensor's
 * {@code grad()} with the gradient of that result. Names and broadcasting follow PyTorch
 * ({@code sum}, {@code matmul}, {@code where}, {@code gather}, {@code cat}, ...);
 * {@link io.backprop4j.tensor.Functional} holds the fused operations that layers and losses use.
 * {@link io.backprop4j.tensor.NoGrad} turns recording off for a scope, as {@code torch.no_grad()}.
 *
 * <p>Each primitive op is one small class (package-private) with its forward and backward side
 * by side; changing a tensor in place after an op saved it makes {@code backward()} refuse, as
 * PyTorch does.
 *
 * <pre>{@code
 * import io.backprop4j.tensor.Tensor;
 *
 * Tensor x = Tensor.of(new double[][] {{1, 2}, {3, 4}}).requiresGrad(true);
 * Tensor y = x.pow(2).sum();            // y = Σ x²
 * y.backward();
 * System.out.println(x.grad());         // 2x: [[2, 4], [6, 8]]
 * }</pre>
 */
package io.backprop4j.tensor;
