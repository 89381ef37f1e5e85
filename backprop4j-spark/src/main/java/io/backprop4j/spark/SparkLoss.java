package io.backprop4j.spark;

import io.backprop4j.tensor.Tensor;
import io.backprop4j.train.Task;
import io.backprop4j.train.TrainingLoss;
import java.io.Serializable;

/**
 * A {@link TrainingLoss} that can be sent to the executors (Java serialization): each computes
 * the loss of its share of a batch. The same function is the driver's validation loss.
 *
 * <pre>{@code
 * SparkLoss bce = (out, labels, targets) -> Losses.binaryCrossEntropyWithLogits(out, targets);
 * }</pre>
 */
@FunctionalInterface
public interface SparkLoss extends TrainingLoss, Serializable {
    /** {@link TrainingLoss#forTask}: cross-entropy for classification, mean squared error for regression. */
    static SparkLoss forTask(Task task) {
        return (output, labels, targets) -> TrainingLoss.forTask(task).compute(output, labels, targets);
    }
}
