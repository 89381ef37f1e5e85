package io.backprop4j.optim;

import io.backprop4j.BackpropException;
import io.backprop4j.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Cosine annealing without restarts, as PyTorch's CosineAnnealingLR: during epoch e (from 0)
 * <pre>
 *   η_e = η_min + (η₀ - η_min) (1 + cos(π e / T_max)) / 2
 * </pre>
 * reaching η_min at e = T_max and, past it, following the cosine up again (period 2 T_max), as
 * PyTorch does. η₀ is the optimiser's rate when the schedule was built. State: "last_epoch",
 * "base_lr".
 */
public final class CosineAnnealingLR implements LrSchedule {
    private final Optimizer optimizer;
    private final int tMax;
    private final double etaMin;
    private double baseLr;
    private int epoch;

    /** @throws BackpropException for tMax ≤ 0 or a negative or non-finite etaMin */
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin) {
        if (optimizer == null) throw new BackpropException("CosineAnnealingLR: optimizer is null");
        if (tMax <= 0) throw new BackpropException("CosineAnnealingLR: invalid T_max: " + tMax + " (must be >= 1)");
        if (!(etaMin >= 0) || Double.isInfinite(etaMin)) {
            throw new BackpropException("CosineAnnealingLR: invalid eta_min: " + etaMin + " (must be >= 0)");
        }
        this.optimizer = optimizer;
        this.tMax = tMax;
        this.etaMin = etaMin;
        this.baseLr = optimizer.learningRate();
    }

    /** The rate for epoch e. */
    public double learningRateAt(int e) {
        return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * e / tMax)) / 2;
    }

    @Override
    public void step() {
        epoch++;
        optimizer.setLearningRate(Math.max(0, learningRateAt(epoch)));
    }

    @Override
    public double learningRate() { return optimizer.learningRate(); }

    /** Epochs completed (calls to {@link #step()}). */
    public int epoch() { return epoch; }

    @Override
    public Map<String, Tensor> state() { return ScheduleState.of("last_epoch", epoch, "base_lr", baseLr); }

    @Override
    public void loadState(Map<String, Tensor> state) {
        double[] v = ScheduleState.read("CosineAnnealingLR", state, List.of("last_epoch", "base_lr"));
        int e = ScheduleState.counter("CosineAnnealingLR", "last_epoch", v[0]);
        ScheduleState.checkBaseLr("CosineAnnealingLR", v[1]);
        epoch = e;
        baseLr = v[1];
        optimizer.setLearningRate(Math.max(0, learningRateAt(epoch)));
    }

    @Override
    public String toString() { return "CosineAnnealingLR(T_max=" + tMax + ", eta_min=" + etaMin + ")"; }
}
