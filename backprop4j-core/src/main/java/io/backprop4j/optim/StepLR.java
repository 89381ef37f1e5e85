package io.backprop4j.optim;

import io.backprop4j.BackpropException;

/**
 * Multiplies the learning rate by γ every {@code stepSize} epochs, as PyTorch's StepLR: during
 * epoch e (from 0) the rate is η₀ γ^⌊e / stepSize⌋, η₀ being the optimiser's rate when the
 * schedule was built. State: "last_epoch", "base_lr".
 */
public final class StepLR extends EpochSchedule {
    private final int stepSize;
    private final double gamma;

    /** @throws BackpropException for stepSize ≤ 0 or a negative or non-finite gamma */
    public StepLR(Optimizer optimizer, int stepSize, double gamma) {
        if (optimizer == null) throw new BackpropException("StepLR: optimizer is null");
        if (stepSize <= 0) throw new BackpropException("StepLR: invalid step size: " + stepSize + " (must be >= 1)");
        if (!(gamma >= 0) || Double.isInfinite(gamma)) throw new BackpropException("StepLR: invalid gamma: " + gamma + " (must be >= 0)");
        super("StepLR", optimizer);
        this.stepSize = stepSize;
        this.gamma = gamma;
    }

    @Override
    public double learningRateAt(int e) {
        return baseLr * Math.pow(gamma, e / stepSize);
    }

    @Override
    public String toString() { return "StepLR(step_size=" + stepSize + ", gamma=" + gamma + ")"; }
}
