package io.backprop4j.optim;

import io.backprop4j.nn.Parameter;
import io.backprop4j.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Updates parameters from their gradients. An optimiser owns all of its update state (momentum
 * buffers, moment estimates) per parameter; layers never see a learning rate. Parameters
 * without a gradient are skipped.
 *
 * <p>Life cycle of one training step: {@link #zeroGrad()}, forward, {@code loss.backward()},
 * {@link #step()}. For checkpoints, {@link #state()} exports the learning rate and every state
 * tensor by name ("lr", "0.exp_avg", "0.step"...) and {@link #loadState} puts them back, so that
 * training continues bit for bit as if it had never stopped.
 */
public interface Optimizer {
    /** Applies one update to every parameter that has a gradient. */
    void step();

    /** The parameters it updates, in order. */
    List<Parameter> parameters();

    /** Clears the gradients of its parameters. */
    default void zeroGrad() {
        for (Parameter p : parameters()) p.zeroGrad();
    }

    /** The current learning rate. */
    double learningRate();

    /** Changes the learning rate (schedules call this); 0 is allowed, negative or non-finite values are not. */
    void setLearningRate(double lr);

    /**
     * A snapshot of the update state as named tensors (copies, in a fixed order): "lr" (a float64
     * scalar), and for each parameter index i that has state, "i.NAME" for each buffer (dtype and
     * shape of the parameter) and "i.step" (a float64 scalar holding the step count) where the
     * optimiser counts steps. Parameters that were never updated have no entries.
     */
    Map<String, Tensor> state();

    /**
     * Replaces the update state with one exported by {@link #state()} of an optimiser of the same
     * kind and settings over parameters of the same shapes. The values are copied. Nothing is
     * changed when the map is refused.
     *
     * @throws io.backprop4j.BackpropException naming the first unknown, misshapen or missing entry
     */
    void loadState(Map<String, Tensor> state);
}
