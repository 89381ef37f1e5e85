package io.backprop4j.optim;

import io.backprop4j.tensor.Tensor;
import java.util.Map;

/**
 * Changes an optimiser's learning rate between epochs. A schedule reads the optimiser's learning
 * rate when built (the base rate) and sets it through {@link Optimizer#setLearningRate}.
 *
 * <pre>{@code
 * var opt = new SGD(model.parameters(), 0.1);
 * var schedule = new StepLR(opt, 30, 0.1);
 * for (int epoch = 0; epoch < 90; epoch++) {
 *     trainOneEpoch(model, opt);    // uses opt.learningRate(): 0.1, then 0.01 from epoch 30...
 *     schedule.step();              // at the end of the epoch
 * }
 * }</pre>
 * {@link ReduceLROnPlateau} is driven by a metric instead: {@code schedule.step(validationLoss)}.
 */
public interface LrSchedule {
    /** Ends an epoch: sets the learning rate for the next one. */
    void step();

    /**
     * Ends an epoch with the monitored metric (validation loss). Schedules that do not watch a
     * metric ignore it and do {@link #step()}.
     */
    default void step(double metric) {
        step();
    }

    /** The learning rate the optimiser holds now (the one for the coming epoch). */
    double learningRate();

    /** The schedule's counters as named float64 scalars (copies), for checkpoints. */
    Map<String, Tensor> state();

    /**
     * Restores counters exported by {@link #state()}; closed-form schedules also set the
     * optimiser's learning rate to the one for the restored epoch.
     *
     * @throws io.backprop4j.BackpropException naming a missing or unknown entry
     */
    void loadState(Map<String, Tensor> state);
}
