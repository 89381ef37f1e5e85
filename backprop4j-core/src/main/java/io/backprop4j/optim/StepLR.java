package io.backprop4j.optim;

import io.backprop4j.BackpropException;
import io.backprop4j.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Multiplies the learning rate by γ every {@code stepSize} epochs, as PyTorch's StepLR: during
 * epoch e (from 0) the rate is η₀ γ^⌊e / stepSize⌋, η₀ being the optimiser's rate when the
 * schedule was built. State: "last_epoch", "base_lr".
 */
public final class StepLR implements LrSchedule {
    private final Optimizer optimizer;
    private final int stepSize;
    private final double gamma;
    private double baseLr;
    private int epoch;

    /** @throws BackpropException for stepSize ≤ 0 or a negative or non-finite gamma */
    public StepLR(Optimizer optimizer, int stepSize, double gamma) {
        if (optimizer == null) throw new BackpropException("StepLR: optimizer is null");
        if (stepSize <= 0) throw new BackpropException("StepLR: invalid step size: " + stepSize + " (must be >= 1)");
        if (!(gamma >= 0) || Double.isInfinite(gamma)) throw new BackpropException("StepLR: invalid gamma: " + gamma + " (must be >= 0)");
        this.optimizer = optimizer;
        this.stepSize = stepSize;
        this.gamma = gamma;
        this.baseLr = optimizer.learningRate();
    }

    /** The rate for epoch e. */
    public double learningRateAt(int e) {
        return baseLr * Math.pow(gamma, e / stepSize);
    }

    @Override
    public void step() {
        epoch++;
        optimizer.setLearningRate(learningRateAt(epoch));
    }

    @Override
    public double learningRate() { return optimizer.learningRate(); }

    /** Epochs completed (calls to {@link #step()}). */
    public int epoch() { return epoch; }

    @Override
    public Map<String, Tensor> state() { return ScheduleState.of("last_epoch", epoch, "base_lr", baseLr); }

    @Override
    public void loadState(Map<String, Tensor> state) {
        double[] v = ScheduleState.read("StepLR", state, List.of("last_epoch", "base_lr"));
        int e = ScheduleState.counter("StepLR", "last_epoch", v[0]);
        ScheduleState.checkBaseLr("StepLR", v[1]);
        epoch = e;
        baseLr = v[1];
        optimizer.setLearningRate(learningRateAt(epoch));
    }

    @Override
    public String toString() { return "StepLR(step_size=" + stepSize + ", gamma=" + gamma + ")"; }
}
