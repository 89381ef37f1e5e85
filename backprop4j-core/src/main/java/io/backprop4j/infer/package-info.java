/**
 * Prediction made fast: {@link io.backprop4j.infer.InferencePlan} prepares a Sequential once
 * (dense weights packed for the matrix-vector kernel, buffers kept between calls, a ReLU done in
 * place, convolutions with their ReLU and max pool run a few images at a time in cache, one to
 * four samples kept off the pool, a large layer split with one helper thread) and then gives, call after call, the very floats that
 * {@code model.forward(x)} gives in evaluation mode under {@code NoGrad}.
 *
 * <pre>{@code
 * import io.backprop4j.infer.InferencePlan;
 * import io.backprop4j.nn.Linear;
 * import io.backprop4j.nn.ReLU;
 * import io.backprop4j.nn.Sequential;
 * import io.backprop4j.nn.Softmax;
 * import io.backprop4j.tensor.DType;
 * import io.backprop4j.tensor.Tensor;
 * import java.util.SplittableRandom;
 *
 * var rng = new SplittableRandom(7);
 * var model = new Sequential(new Linear(784, 128, rng), new ReLU(), new Linear(128, 10, rng), new Softmax());
 * InferencePlan plan = InferencePlan.of(model);
 * Tensor x = Tensor.rand(rng, DType.FLOAT32, 1, 784);
 * Tensor probabilities = plan.predict(x);                 // [1, 10], the same floats as model.forward(x)
 * System.out.println(probabilities.argmax(1, false));   // the predicted class
 * }</pre>
 */
package io.backprop4j.infer;
