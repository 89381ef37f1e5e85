package io.backprop4j.optim;

import io.backprop4j.BackpropException;

/**
 * Cosine annealing without restarts, as PyTorch's CosineAnnealingLR: during epoch e (from 0)
 * <pre>
 *   η_e = η_min + (η₀ - η_min) (1 + cos(π e / T_max)) / 2
 * </pre>
 * reaching η_min at e = T_max and, past it, following the cosine up again (period 2 T_max), as
 * PyTorch does. η₀ is the optimiser's rate when the schedule was built. State: "last_epoch",
 * "base_lr".
 */
public final class CosineAnnealingLR extends EpochSchedule {
    private final int tMax;
    private final double etaMin;

    /** @throws BackpropException for tMax ≤ 0 or a negative or non-finite etaMin */
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin) {
        if (optimizer == null) throw new BackpropException("CosineAnnealingLR: optimizer is null");
        if (tMax <= 0) throw new BackpropException("CosineAnnealingLR: invalid T_max: " + tMax + " (must be >= 1)");
        if (!(etaMin >= 0) || Double.isInfinite(etaMin)) {
            throw new BackpropException("CosineAnnealingLR: invalid eta_min: " + etaMin + " (must be >= 0)");
        }
        super("CosineAnnealingLR", optimizer);
        this.tMax = tMax;
        this.etaMin = etaMin;
    }

    @Override
    public double learningRateAt(int e) {
        return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * e / tMax)) / 2;
    }

    /** As the base class, but never below 0 (the optimiser refuses a negative rate). */
    @Override
    void applyRate() {
        optimizer.setLearningRate(Math.max(0, learningRateAt(epoch())));
    }

    @Override
    public String toString() { return "CosineAnnealingLR(T_max=" + tMax + ", eta_min=" + etaMin + ")"; }
}
