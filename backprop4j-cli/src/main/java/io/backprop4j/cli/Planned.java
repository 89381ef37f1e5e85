package io.backprop4j.cli;

import io.backprop4j.infer.InferencePlan;
import io.backprop4j.nn.Module;
import io.backprop4j.nn.Sequential;
import io.backprop4j.tensor.Tensor;

/**
 * A network run through its {@link InferencePlan} ({@link InferencePlan#predictRows}), for code
 * that takes a Module ({@code Evaluation}): the floats of the network's forward in evaluation
 * mode without a graph, its dense layers and convolutions in the plan's buffers and threads.
 * Inference only: no parameters of its own, no gradient.
 */
final class Planned extends Module {
    private final InferencePlan plan;

    Planned(Sequential network) {
        this.plan = InferencePlan.of(network);
    }

    @Override
    public Tensor forward(Tensor x) {
        return plan.predictRows(x);
    }
}
