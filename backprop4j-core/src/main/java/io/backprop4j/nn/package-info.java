/**
 * Layers, as PyTorch's {@code torch.nn}: a {@link io.backprop4j.nn.Module} has parameters,
 * buffers and child modules by name ({@code stateDict()}), a training and an evaluation mode, and
 * forward hooks. Dense ({@link io.backprop4j.nn.Linear}, {@link io.backprop4j.nn.BatchNorm1d},
 * {@link io.backprop4j.nn.Dropout}), convolutional ({@link io.backprop4j.nn.Conv2d},
 * {@link io.backprop4j.nn.Conv1d}, {@link io.backprop4j.nn.MaxPool2d},
 * {@link io.backprop4j.nn.AvgPool2d}, {@link io.backprop4j.nn.AdaptiveAvgPool2d},
 * {@link io.backprop4j.nn.BatchNorm2d}, {@link io.backprop4j.nn.Flatten}) and the activations,
 * each of which carries its formula and derivative as text for {@code explain}. Layouts and
 * initialisation are PyTorch's (NCHW; Kaiming-uniform weights).
 *
 * <pre>{@code
 * import io.backprop4j.nn.*;
 * import io.backprop4j.tensor.DType;
 * import io.backprop4j.tensor.Tensor;
 * import java.util.SplittableRandom;
 *
 * var rng = new SplittableRandom(0);
 * var model = new Sequential(
 *         new Conv2d(1, 8, 3, 1, 1, rng), new ReLU(), new MaxPool2d(2),
 *         new Flatten(), new Linear(8 * 4 * 4, 10, rng));
 * Tensor logits = model.forward(Tensor.rand(rng, DType.FLOAT32, 5, 1, 8, 8));
 * System.out.println(model);
 * System.out.println(java.util.Arrays.toString(logits.shape()));   // [5, 10]
 * }</pre>
 */
package io.backprop4j.nn;
