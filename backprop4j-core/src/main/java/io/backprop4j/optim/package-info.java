/**
 * Optimisers and learning-rate schedules, as {@code torch.optim}: {@link io.backprop4j.optim.SGD}
 * (momentum, Nesterov, weight decay), {@link io.backprop4j.optim.Adam},
 * {@link io.backprop4j.optim.AdamW}, {@link io.backprop4j.optim.RMSprop},
 * {@link io.backprop4j.optim.Adagrad}; schedules {@link io.backprop4j.optim.StepLR},
 * {@link io.backprop4j.optim.CosineAnnealingLR}, {@link io.backprop4j.optim.LinearWarmup},
 * {@link io.backprop4j.optim.ReduceLROnPlateau}; gradient clipping in
 * {@link io.backprop4j.optim.GradClip}. An optimiser keeps its state per parameter and steps
 * under no-grad; a parameter listed twice is refused.
 *
 * <pre>{@code
 * import io.backprop4j.nn.Parameter;
 * import io.backprop4j.optim.SGD;
 * import io.backprop4j.tensor.Tensor;
 * import java.util.List;
 *
 * var w = new Parameter(Tensor.vector(3.0));
 * var opt = new SGD(List.of(w), 0.1);
 * for (int i = 0; i < 50; i++) {            // minimise (w - 1)²
 *     opt.zeroGrad();
 *     w.sub(1).pow(2).sum().backward();
 *     opt.step();
 * }
 * System.out.println(w);                     // close to 1
 * }</pre>
 */
package io.backprop4j.optim;
