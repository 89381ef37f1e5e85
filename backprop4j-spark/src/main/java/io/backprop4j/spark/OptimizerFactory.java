package io.backprop4j.spark;

import io.backprop4j.nn.Parameter;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.optim.Optimizers;
import java.io.Serializable;
import java.util.List;

/**
 * Builds, on an executor, an optimiser of the same kind and settings as the driver's, over a
 * replica's parameters: parameter averaging takes local steps with it. Its state and learning
 * rate are replaced by the driver's at the start of every round.
 */
@FunctionalInterface
public interface OptimizerFactory extends Serializable {
    Optimizer create(List<Parameter> parameters);

    /** {@link Optimizers#create} by name ("adam", "sgd"...) with learning rate {@code lr}. */
    static OptimizerFactory named(String name, double lr) {
        Optimizers.create(name, List.of(), lr); // refuses an unknown name or a bad rate here, on the driver
        return params -> Optimizers.create(name, params, lr);
    }
}
