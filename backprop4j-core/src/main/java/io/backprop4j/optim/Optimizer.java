package io.backprop4j.optim;

import io.backprop4j.nn.Parameter;
import java.util.List;

/**
 * Updates parameters from their gradients. An optimiser owns all of its update state (momentum
 * buffers, moment estimates) per parameter; layers never see a learning rate. Parameters
 * without a gradient are skipped.
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

    /** Changes the learning rate (schedules call this). */
    void setLearningRate(double lr);
}
