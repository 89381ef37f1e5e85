/**
 * Loss functions as PyTorch defines them (mean over the batch): {@link io.backprop4j.loss.Losses}
 * has mean squared error, binary cross-entropy (on probabilities or on logits), cross-entropy on
 * logits (class indices as {@code int[]} or an int64 tensor), on probabilities, and the negative
 * log-likelihood. {@link io.backprop4j.loss.Loss} names each one with its formula and gradient as
 * text for {@code explain}. Probabilities outside [0, 1] are refused, naming the first bad index.
 *
 * <pre>{@code
 * import io.backprop4j.loss.Losses;
 * import io.backprop4j.tensor.Tensor;
 *
 * Tensor logits = Tensor.of(new double[][] {{2, 0, -1}, {0, 3, 1}}).requiresGrad(true);
 * Tensor loss = Losses.crossEntropy(logits, new int[] {0, 1});
 * loss.backward();
 * System.out.println(loss.item() + " " + logits.grad());   // softmax - one-hot, over the batch
 * }</pre>
 */
package io.backprop4j.loss;
