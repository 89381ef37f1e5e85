package io.backprop4j.train;

/**
 * Hears what a {@link Trainer} does; every method has an empty default. Progress bars, loggers
 * and plotters implement it. Epochs count from 1 here; batches from 1 of {@code batches}.
 *
 * <pre>{@code
 * Trainer.builder().listener(new TrainingListener() {
 *     public void onEpochEnd(EpochStats s, History h) { System.out.println(s.summary(20)); }
 * })...
 * }</pre>
 */
public interface TrainingListener {
    /**
     * Training starts (or resumes after {@code firstEpoch - 1} completed epochs).
     *
     * @param epochs the last epoch that will run (unless stopped early)
     * @param batches batches per epoch
     * @param samples training examples per epoch
     */
    default void onTrainBegin(int firstEpoch, int epochs, int batches, long samples) {}

    /** An epoch starts. */
    default void onEpochBegin(int epoch) {}

    /**
     * A batch was trained on.
     *
     * @param samplesDone examples seen so far in this epoch
     * @param runningLoss the mean training loss so far in this epoch
     */
    default void onBatchEnd(int epoch, int batch, int batches, long samplesDone, double runningLoss) {}

    /** An epoch ended (after validation and after its checkpoint was written). */
    default void onEpochEnd(EpochStats stats, History history) {}

    /** Early stopping ended training after {@code epoch}: no better validation loss for {@code patience} epochs. */
    default void onEarlyStop(int epoch, int bestEpoch, int patience) {}

    /**
     * After {@link #onEarlyStop}: the model's parameters and buffers were copied back from the end
     * of epoch {@code best.epoch()}, the one with the lowest validation loss; the model now scores
     * {@code best}'s validation figures. Not heard when restoring is off or impossible
     * ({@link Trainer.Builder#earlyStopping(int, boolean)}).
     */
    default void onBestRestored(EpochStats best) {}

    /** Training ended normally (not on an exception). */
    default void onTrainEnd(History history) {}
}
