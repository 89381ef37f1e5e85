package io.backprop4j.train;

import java.util.Map;

/**
 * The batches of every epoch, run by something other than the {@link Trainer}'s own loop: a
 * cluster that computes each batch's gradient on many machines, or one that trains replicas and
 * averages them. The {@link Trainer} keeps everything else ({@link Trainer#fit(io.backprop4j.nn.Module,
 * io.backprop4j.optim.Optimizer, EpochSteps, io.backprop4j.data.Dataset)}): resuming, the numeric
 * checks, the gradient hook and the optimiser step, validation, the schedule, checkpoints, early
 * stopping and the listeners.
 *
 * <p>For each batch of epoch {@code e}, {@link #run} calls {@link StepContext#begin()}, puts the
 * batch's gradient into the parameters ({@link io.backprop4j.tensor.Tensor#setGrad}) and calls
 * {@link StepContext#step()}, which checks it, runs the gradient hook and steps the optimiser;
 * then {@link StepContext#end} with the batch's size, summed loss and right answers. A runner
 * that updates the weights itself (parameter averaging) calls {@code begin} and {@code end} only.
 * The Trainer's own loop is such a runner too: forward, loss and backward on this machine.
 */
public interface EpochSteps {
    /** Batches per epoch (steps), the same every epoch. */
    int batches();

    /** Training examples per epoch. */
    long examples();

    /**
     * Settings of this runner that change what training computes (beyond the Trainer's own), by
     * name: recorded with every checkpoint, and a run resumed with other values is refused. Values
     * are strings, longs, doubles or booleans. Default: none, for a runner that computes what the
     * Trainer's own loop computes (up to the order of float sums).
     */
    default Map<String, Object> settings() {
        return Map.of();
    }

    /**
     * Trains epoch {@code epoch} (from 1), all {@link #batches()} of it in order, the model in
     * training mode; the batch order is a function of the Trainer's seed and the epoch
     * ({@link io.backprop4j.data.DataLoader#shuffledOrder}).
     */
    void run(int epoch, StepContext steps);
}
