package io.backprop4j.train;

import io.backprop4j.BackpropException;
import io.backprop4j.NumericException;
import io.backprop4j.nn.Module;
import io.backprop4j.nn.Parameter;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One epoch's batches as the {@link Trainer} sees them, for an {@link EpochSteps} runner: each
 * batch is {@link #begin()}, gradients set, {@link #step()}, {@link #end}. Made by the Trainer
 * only; not for use after its epoch.
 */
public final class StepContext {
    private final Trainer trainer;
    private final Module model;
    private final Optimizer optimizer;
    private final List<Map.Entry<String, Parameter>> named;
    private final OutputRecorder recorder;
    private final BufferSnapshot buffers;
    private final int batches;
    private final int epoch;
    private long step;
    private int batch;
    private boolean open;
    private double lossSum;
    private long seen;
    private long right;

    StepContext(Trainer trainer, Module model, Optimizer optimizer, OutputRecorder recorder, BufferSnapshot buffers,
                int epoch, int batches, long stepsBefore) {
        this.trainer = trainer;
        this.model = model;
        this.optimizer = optimizer;
        this.named = new ArrayList<>(model.namedParameters().entrySet());
        this.recorder = recorder;
        this.buffers = buffers;
        this.epoch = epoch;
        this.batches = batches;
        this.step = stepsBefore;
    }

    /** The model being trained (the driver's copy, for a cluster). */
    public Module model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    /** The epoch, from 1. */
    public int epoch() {
        return epoch;
    }

    /** The batch now running, from 1 (0 before the first {@link #begin()}). */
    public int batch() {
        return batch;
    }

    /** The number of the step now running in the whole run, from 1 (resumed epochs counted; after {@link #begin()}). */
    public long stepNumber() {
        return step;
    }

    /**
     * Starts the next batch: clears the gradients and notes the model's buffers (batch-norm
     * statistics), so that a batch that diverges can be undone.
     *
     * @throws BackpropException when all of the epoch's batches have already run, or the last one did not end
     */
    public void begin() {
        if (open) throw new BackpropException("StepContext.begin: batch " + batch + " of epoch " + epoch + " has not ended");
        if (batch >= batches) throw new BackpropException("StepContext.begin: epoch " + epoch + " has only " + batches + " batches");
        open = true;
        batch++;
        step++;
        optimizer.zeroGrad();
        if (recorder != null) recorder.clear();
        if (buffers != null) buffers.take();
    }

    /**
     * The exception to throw for a batch whose loss is NaN or infinite ({@code detail} says
     * where, or is empty), after restoring the buffers noted by {@link #begin()}: "training
     * diverged at epoch 3, step 81 (batch 5 of 40): the loss is NaN...".
     */
    public NumericException lossNotFinite(double loss, String detail) {
        if (buffers != null) buffers.restore();
        open = false;
        return trainer.diverged(epoch, batch, batches, step, "the loss is " + loss + (detail == null ? "" : detail), optimizer);
    }

    /**
     * Applies the batch's gradients, now in the parameters: checks them for NaN and infinity (the
     * first one stops training, naming the parameter and its layer, with the buffers restored),
     * runs the Trainer's gradient hook, and steps the optimiser.
     *
     * @throws NumericException when a gradient is not finite
     */
    public void step() {
        if (!open) throw new BackpropException("StepContext.step: no batch begun");
        if (trainer.checksNumerics()) {
            try {
                trainer.checkGradients(named, model, epoch, batch, batches, step, optimizer, buffers);
            } catch (NumericException e) {
                open = false;
                throw e;
            }
        }
        trainer.applyHookAndStep(optimizer);
    }

    /**
     * Ends the batch: counts its examples, its loss (the batch's mean loss times its size) and,
     * for classification, its right answers, and tells the listeners.
     */
    public void end(long size, double summedLoss, long correct) {
        if (!open) throw new BackpropException("StepContext.end: no batch begun");
        if (size < 1) throw new BackpropException("StepContext.end: a batch of " + size + " examples");
        open = false;
        lossSum += summedLoss;
        seen += size;
        right += correct;
        trainer.batchEnded(epoch, batch, batches, seen, lossSum / seen);
    }

    /** The first non-finite layer output of the last forward pass of the Trainer's own loop. */
    String firstNonFinite(Tensor input) {
        return recorder == null ? "" : recorder.firstNonFinite(input);
    }

    /** Checked by the Trainer after the runner returns: every batch ran and ended. */
    void checkComplete(EpochSteps runner) {
        if (open || batch != batches) {
            throw new BackpropException(runner + " ran " + batch + " of " + batches + " batches of epoch " + epoch
                    + (open ? ", the last one without end()" : ""));
        }
    }

    double lossSum() {
        return lossSum;
    }

    long seen() {
        return seen;
    }

    long right() {
        return right;
    }
}
