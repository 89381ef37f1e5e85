package io.backprop4j.optim;

import io.backprop4j.BackpropException;

/**
 * A linear ramp of the learning-rate factor, as PyTorch's LinearLR: during epoch e (from 0)
 * <pre>
 *   η_e = η₀ (s + (f - s) min(e, T) / T)          (start factor s, end factor f, T total iterations)
 * </pre>
 * then constant at η₀ f. Building the schedule already sets the rate to η₀ s (η₀ being the
 * optimiser's rate at that moment). With s &lt; f it is a warm-up; s &gt; f decays.
 * State: "last_epoch", "base_lr".
 */
public final class LinearWarmup extends EpochSchedule {
    private final double startFactor, endFactor;
    private final int totalIters;

    /** The PyTorch defaults: from 1/3 of the rate to all of it over 5 epochs. */
    public LinearWarmup(Optimizer optimizer) {
        this(optimizer, 1.0 / 3, 1.0, 5);
    }

    /**
     * @throws BackpropException for startFactor outside (0, 1], endFactor outside [0, 1] or
     *     totalIters ≤ 0
     */
    public LinearWarmup(Optimizer optimizer, double startFactor, double endFactor, int totalIters) {
        if (optimizer == null) throw new BackpropException("LinearWarmup: optimizer is null");
        if (!(startFactor > 0 && startFactor <= 1)) {
            throw new BackpropException("LinearWarmup: invalid start factor: " + startFactor + " (must be in (0, 1])");
        }
        if (!(endFactor >= 0 && endFactor <= 1)) {
            throw new BackpropException("LinearWarmup: invalid end factor: " + endFactor + " (must be in [0, 1])");
        }
        if (totalIters <= 0) throw new BackpropException("LinearWarmup: invalid total iterations: " + totalIters + " (must be >= 1)");
        super("LinearWarmup", optimizer);
        this.startFactor = startFactor;
        this.endFactor = endFactor;
        this.totalIters = totalIters;
        applyRate();
    }

    @Override
    public double learningRateAt(int e) {
        return baseLr * (startFactor + (endFactor - startFactor) * Math.min(e, totalIters) / totalIters);
    }

    @Override
    public String toString() {
        return "LinearWarmup(start_factor=" + startFactor + ", end_factor=" + endFactor + ", total_iters=" + totalIters + ")";
    }
}
