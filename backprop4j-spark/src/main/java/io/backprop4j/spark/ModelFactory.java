package io.backprop4j.spark;

import io.backprop4j.nn.Module;
import java.io.Serializable;
import java.util.random.RandomGenerator;

/**
 * Builds a replica of the model on an executor: the same architecture as the driver's model (the
 * same parameter and buffer names and shapes); its initial weights do not matter, they are
 * replaced by the driver's before every step. Layers that draw during training (dropout) must
 * draw from {@code training}, which the executor restarts for every (epoch, step, partition).
 * Sent to the executors with Java serialization, so a lambda must capture only serializable
 * values:
 *
 * <pre>{@code
 * int[] sizes = {64, 128, 10};
 * ModelFactory f = rng -> Mlp.build(sizes, "relu", 0.0, false, rng, DType.FLOAT32);
 * }</pre>
 */
@FunctionalInterface
public interface ModelFactory extends Serializable {
    Module create(RandomGenerator training);
}
