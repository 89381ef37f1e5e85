package io.backprop4j.optim;

import io.backprop4j.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * The plumbing of a closed-form schedule, whose rate depends only on the epoch and the base rate
 * η₀ (the optimiser's rate when the schedule was built): the epoch counter, {@link #step()},
 * and the state "last_epoch", "base_lr". Each subclass keeps its formula ({@link
 * #learningRateAt}), arguments and toString. Package-private.
 */
abstract class EpochSchedule implements LrSchedule {
    private final String name;
    final Optimizer optimizer;
    double baseLr;
    private int epoch;

    /** Reads the base rate from {@code optimizer}; the subclass has already checked its arguments. */
    EpochSchedule(String name, Optimizer optimizer) {
        this.name = name;
        this.optimizer = optimizer;
        this.baseLr = optimizer.learningRate();
    }

    /** The rate for epoch e. */
    public abstract double learningRateAt(int e);

    /** Sets the optimiser's rate to the one for the current epoch. */
    void applyRate() {
        optimizer.setLearningRate(learningRateAt(epoch));
    }

    @Override
    public void step() {
        epoch++;
        applyRate();
    }

    @Override
    public double learningRate() { return optimizer.learningRate(); }

    /** Epochs completed (calls to {@link #step()}). */
    public int epoch() { return epoch; }

    @Override
    public Map<String, Tensor> state() { return ScheduleState.of("last_epoch", epoch, "base_lr", baseLr); }

    @Override
    public void loadState(Map<String, Tensor> state) {
        double[] v = ScheduleState.read(name, state, List.of("last_epoch", "base_lr"));
        int e = ScheduleState.counter(name, "last_epoch", v[0]);
        ScheduleState.checkBaseLr(name, v[1]);
        epoch = e;
        baseLr = v[1];
        applyRate();
    }
}
