package io.backprop4j.train;

import io.backprop4j.BackpropException;
import io.backprop4j.loss.Losses;
import io.backprop4j.tensor.Tensor;

/**
 * What a {@link Trainer} minimises and {@link Evaluation} reports: the mean loss of a batch, a
 * 0-dimensional tensor, from the model's output and the batch's class labels (classification) or
 * numeric targets (regression); the other one is null. Any function of the two will do:
 *
 * <pre>{@code
 * Trainer.builder().loss((out, labels, targets) -> Losses.binaryCrossEntropyWithLogits(out, targets)) ...
 * }</pre>
 *
 * Without one the trainer takes {@link #forTask} of its task.
 */
@FunctionalInterface
public interface TrainingLoss {
    /** The mean loss over the batch; recorded for autograd when the output is. */
    Tensor compute(Tensor output, int[] labels, Tensor targets);

    /** Softmax cross-entropy of logits [n, classes] against class indices: classification's default. */
    static TrainingLoss crossEntropy() {
        return (output, labels, targets) -> {
            if (labels == null) throw new BackpropException("cross-entropy needs class labels; this data set has numeric targets");
            return Losses.crossEntropy(output, labels);
        };
    }

    /** Mean squared error against the numeric targets ([n] targets fit [n, 1] outputs): regression's default. */
    static TrainingLoss meanSquaredError() {
        return (output, labels, targets) -> {
            if (targets == null) throw new BackpropException("mean squared error needs numeric targets; this data set has class labels");
            return Losses.mse(output, Evaluation.regressionTarget(targets, output));
        };
    }

    /** The default loss of {@code task}: cross-entropy for classification, mean squared error for regression. */
    static TrainingLoss forTask(Task task) {
        return switch (task) {
            case CLASSIFY -> crossEntropy();
            case REGRESS -> meanSquaredError();
        };
    }
}
