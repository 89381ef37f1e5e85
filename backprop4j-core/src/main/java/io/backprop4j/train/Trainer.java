package io.backprop4j.train;

import io.backprop4j.internal.Storage;
import io.backprop4j.BackpropException;
import io.backprop4j.NumericException;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.data.DataLoader;
import io.backprop4j.data.Dataset;
import io.backprop4j.nn.Module;
import io.backprop4j.nn.Parameter;
import io.backprop4j.optim.LrSchedule;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fits a model to a data set with mini-batch gradient descent: the fit loop.
 *
 * <h2>Life cycle</h2>
 * <pre>{@code
 * DataSplits data = Datasets.load("digits");
 * var rng = new SplittableRandom(42);
 * Module model = new Sequential(new Linear(64, 128, rng), new ReLU(), new Linear(128, 10, rng));
 * Optimizer opt = new SGD(model.parameters(), 0.1);
 * Trainer trainer = Trainer.builder().epochs(20).batchSize(32).seed(42).build();
 * History h = trainer.fit(model, opt, data.train(), data.validation());
 * Evaluation test = Evaluation.of(model, data.test());
 * System.out.println(h.last().summary(20));   // epoch 20/20  loss 0.0123  acc 0.9992  val_loss 0.0934 ...
 * System.out.println(test.accuracy());        // 0.97...
 * }</pre>
 *
 * <h2>Each epoch e (from 1)</h2>
 * <ol>
 *   <li>listeners hear {@code onEpochBegin}; the {@link EpochRandom} given to the builder restarts
 *       at (its seed, e);</li>
 *   <li>for each batch of {@link DataLoader#epoch(int)} (shuffled by (seed, e), in training mode):
 *       gradients cleared, forward ({@link Module#call}), the loss ({@link Builder#loss}; by
 *       default softmax cross-entropy on class indices for classification, mean squared error
 *       for regression), backward, gradient clipping if set, one optimiser step. The loss and
 *       every parameter's gradient are checked for NaN and infinity; the first one stops
 *       training with a {@link NumericException} naming the epoch, the step and the first layer
 *       whose output was not finite (seen by forward hooks during that very pass). The step is
 *       undone first: parameters and buffers are those after the last finite step;</li>
 *   <li>the validation set is evaluated (no graph, eval mode); the schedule, if any, steps;</li>
 *   <li>a checkpoint is written when a directory is set ({@link Checkpoint});</li>
 *   <li>listeners hear {@code onEpochEnd}; with patience p, training stops when the validation loss
 *       has not improved for p epochs, and the model gets back the parameters and buffers of the
 *       epoch with the lowest validation loss ({@link Builder#earlyStopping(int, boolean)}).</li>
 * </ol>
 * A run resumed from the checkpoint of epoch e ({@link Builder#resumeFrom}) computes exactly what
 * the uninterrupted run computed from epoch e + 1 on; when the run stopped early after epoch e,
 * the resumed one stops at once too, restoring the same best weights. A checkpoint written by a
 * trainer with another batch size, seed, task, patience or restore-best setting is refused.
 */
public final class Trainer {
    /** Clips or otherwise edits gradients after backward and before the optimiser step. */
    @FunctionalInterface
    public interface GradientHook {
        void apply(List<Parameter> parameters);
    }

    private final int epochs;
    private final int batchSize;
    private final long seed;
    private final Task task;
    private final TrainingLoss loss;
    private final int patience;
    private final boolean restoreBest;
    private final List<TrainingListener> listeners;
    private final Path checkpointDir;
    private final Map<String, String> checkpointMetadata;
    private final Checkpoint resumeFrom;
    private final EpochRandom epochRandom;
    private final LrSchedule schedule;
    private final GradientHook gradientHook;
    private final boolean checkNumerics;

    private Trainer(Builder b) {
        this.epochs = b.epochs;
        this.batchSize = b.batchSize;
        this.seed = b.seed;
        this.task = b.task;
        this.loss = b.loss != null ? b.loss : TrainingLoss.forTask(b.task);
        this.patience = b.patience;
        this.restoreBest = b.restoreBest;
        this.listeners = List.copyOf(b.listeners);
        this.checkpointDir = b.checkpointDir;
        this.checkpointMetadata = Map.copyOf(b.checkpointMetadata);
        this.resumeFrom = b.resumeFrom;
        this.epochRandom = b.epochRandom;
        this.schedule = b.schedule;
        this.gradientHook = b.gradientHook;
        this.checkNumerics = b.checkNumerics;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Settings of a {@link Trainer}; every one has a default. */
    public static final class Builder {
        private int epochs = 10;
        private int batchSize = 32;
        private long seed = 0;
        private Task task = Task.CLASSIFY;
        private TrainingLoss loss;
        private int patience = 0;
        private boolean restoreBest = true;
        private final List<TrainingListener> listeners = new ArrayList<>();
        private Path checkpointDir;
        private final Map<String, String> checkpointMetadata = new LinkedHashMap<>();
        private Checkpoint resumeFrom;
        private EpochRandom epochRandom;
        private LrSchedule schedule;
        private GradientHook gradientHook;
        private boolean checkNumerics = true;

        private Builder() {}

        /** The number of epochs to run in all (a resumed run counts those already done); default 10. */
        public Builder epochs(int epochs) {
            if (epochs < 1) throw new BackpropException("invalid number of epochs: " + epochs + " (must be at least 1)");
            this.epochs = epochs;
            return this;
        }

        /** Examples per batch; default 32. */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) throw new BackpropException("invalid batch size: " + batchSize + " (must be at least 1)");
            this.batchSize = batchSize;
            return this;
        }

        /** The seed of the batch order (and of the {@link EpochRandom}, which has its own); default 0. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Classification (default) or regression: what the data must hold, whether accuracy is
         * reported, and the default loss.
         */
        public Builder task(Task task) {
            if (task == null) throw new BackpropException("task is null");
            this.task = task;
            return this;
        }

        /**
         * The loss to minimise (and to report on the validation set); default
         * {@link TrainingLoss#forTask} of the task: softmax cross-entropy or mean squared error.
         */
        public Builder loss(TrainingLoss loss) {
            if (loss == null) throw new BackpropException("loss is null");
            this.loss = loss;
            return this;
        }

        /**
         * Stop when the validation loss has not improved for {@code patience} epochs, and restore
         * the weights of the best epoch; 0 (default) never stops early. Same as
         * {@code earlyStopping(patience, true)}.
         */
        public Builder earlyStopping(int patience) {
            return earlyStopping(patience, true);
        }

        /**
         * Stop when the validation loss has not improved for {@code patience} epochs (0, the
         * default, never stops early; without a validation set training never stops early).
         *
         * <p>With {@code restoreBest}, a run that stops early ends with the model's parameters and
         * buffers (batch-norm running statistics) copied back from the epoch with the lowest
         * validation loss (the first such epoch on a tie), bit for bit, and listeners hear
         * {@link TrainingListener#onBestRestored}. The optimiser and schedule keep their state of
         * the last epoch. The trainer keeps one copy of the model's tensors, refreshed in place
         * whenever the validation loss improves; checkpoints hold that copy too when the best
         * epoch is an earlier one, so a resumed run restores the same weights. A run that ends at
         * its last epoch, without stopping early, keeps the last epoch's weights.
         */
        public Builder earlyStopping(int patience, boolean restoreBest) {
            if (patience < 0) throw new BackpropException("invalid patience: " + patience + " (must be >= 0)");
            this.patience = patience;
            this.restoreBest = restoreBest;
            return this;
        }

        public Builder listener(TrainingListener listener) {
            listeners.add(listener);
            return this;
        }

        /** Write a checkpoint to {@code dir}/{@value Checkpoint#FILE_NAME} after every epoch. */
        public Builder checkpointDir(Path dir) {
            this.checkpointDir = dir;
            return this;
        }

        /** Extra metadata for every checkpoint (such as the architecture). */
        public Builder checkpointMetadata(Map<String, String> metadata) {
            checkpointMetadata.putAll(metadata);
            return this;
        }

        /** Continue from a checkpoint: its weights, optimiser state, schedule state, history and epoch. */
        public Builder resumeFrom(Checkpoint checkpoint) {
            this.resumeFrom = checkpoint;
            return this;
        }

        /** A generator restarted at (its seed, epoch) before every epoch: give the same one to dropout. */
        public Builder epochRandom(EpochRandom random) {
            this.epochRandom = random;
            return this;
        }

        /**
         * A learning-rate schedule stepped after every epoch (with the validation loss, else the
         * training loss, for schedules that watch a metric).
         */
        public Builder schedule(LrSchedule schedule) {
            this.schedule = schedule;
            return this;
        }

        /**
         * Runs on the gradients before each step, after the NaN and infinity check: gradient
         * clipping, as {@code gradientHook(p -> GradClip.clipByNorm(p, 1.0))}.
         */
        public Builder gradientHook(GradientHook hook) {
            this.gradientHook = hook;
            return this;
        }

        /** Whether to check the loss and gradients for NaN and infinity at every step (default true). */
        public Builder checkNumerics(boolean check) {
            this.checkNumerics = check;
            return this;
        }

        public Trainer build() {
            return new Trainer(this);
        }
    }

    public int epochs() {
        return epochs;
    }

    public int batchSize() {
        return batchSize;
    }

    /** The seed of the batch order. */
    public long seed() {
        return seed;
    }

    public Task task() {
        return task;
    }

    /** The loss it minimises (the task's default when none was given). */
    public TrainingLoss loss() {
        return loss;
    }

    /**
     * Trains {@code model} on {@code train}, evaluating on {@code validation} (may be null) after
     * every epoch. Modifies the model's parameters and the optimiser's state.
     *
     * @return the history of all epochs, those of a resumed checkpoint included
     * @throws NumericException when the loss or a gradient becomes NaN or infinite
     * @throws BackpropException when the data does not fit the task or the model
     */
    public History fit(Module model, Optimizer optimizer, Dataset train, Dataset validation) {
        checkData(train, "training");
        if (train.size() == 0) throw new BackpropException("the training set is empty");
        return fit(model, optimizer, new LocalSteps(train), validation);
    }

    /**
     * Trains {@code model} with the batches of each epoch run by {@code steps} (on a cluster, say),
     * evaluating on {@code validation} (may be null) after every epoch: everything else is as
     * {@link #fit(Module, Optimizer, Dataset, Dataset)} does it (resuming, the numeric checks, the
     * gradient hook, the schedule, checkpoints, early stopping, listeners). The runner's
     * {@link EpochSteps#settings()} are recorded with each checkpoint beside the Trainer's own.
     *
     * @throws BackpropException when the runner skips a batch of an epoch or ends one twice
     */
    public History fit(Module model, Optimizer optimizer, EpochSteps steps, Dataset validation) {
        if (validation != null) checkData(validation, "validation");
        if (steps.batches() < 1 || steps.examples() < 1) throw new BackpropException("the training set is empty");
        History history = new History();
        int first = 1;
        Map<String, Object> settings = settings(steps);
        if (resumeFrom != null) {
            checkSameSettings(resumeFrom, settings);
            resumeFrom.restore(model, optimizer, schedule);
            history = resumeFrom.history();
            first = resumeFrom.epoch() + 1;
        }
        // Only early stopping with a validation set can restore; without one nothing is kept.
        BestWeights best = restoreBest && patience > 0 && validation != null && validation.size() > 0
                ? new BestWeights(model) : null;
        if (best != null && resumeFrom != null) resumeBest(best, history, resumeFrom);
        int batches = steps.batches();
        long step = (long) (first - 1) * batches;
        for (TrainingListener l : listeners) l.onTrainBegin(first, epochs, batches, steps.examples());
        if (resumeFrom != null && resumeFrom.earlyStopping().stopped()) {
            // The checkpoint of the epoch where the run stopped early: it ends here, as it did then.
            stopEarly(history.last().epoch(), history, best);
            for (TrainingListener l : listeners) l.onTrainEnd(history);
            return history;
        }
        // Forward hooks remember each layer's output, to name the first non-finite one; the buffers' copy undoes a diverged step.
        try (OutputRecorder recorder = checkNumerics ? new OutputRecorder(model) : null) {
            BufferSnapshot buffers = checkNumerics ? new BufferSnapshot(model) : null;
            for (int epoch = first; epoch <= epochs; epoch++) {
                long start = System.nanoTime();
                for (TrainingListener l : listeners) l.onEpochBegin(epoch);
                if (epochRandom != null) epochRandom.startEpoch(epoch);

                StepContext ctx = new StepContext(this, model, optimizer, recorder, buffers, epoch, batches, step);
                try (var mode = model.trainScope()) {
                    steps.run(epoch, ctx);
                }
                ctx.checkComplete(steps);
                step = ctx.stepNumber();
                long seen = ctx.seen();
                double valLoss = Double.NaN;
                double valAcc = Double.NaN;
                if (validation != null && validation.size() > 0) {
                    Evaluation v = Evaluation.of(model, validation, loss);
                    valLoss = v.loss();
                    valAcc = v.accuracy();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                EpochStats stats = new EpochStats(epoch, ctx.lossSum() / seen, task == Task.CLASSIFY ? (double) ctx.right() / seen : Double.NaN,
                        valLoss, valAcc, optimizer.learningRate(), seconds, seen);
                history.add(stats);
                int bestEpoch = history.bestEpoch();
                if (best != null && bestEpoch == epoch) best.keep(epoch);
                if (schedule != null) schedule.step(stats.hasValidation() ? valLoss : stats.trainLoss());
                // Decided before the checkpoint is written, so that the checkpoint says whether the run stops here.
                boolean stop = patience > 0 && stats.hasValidation() && history.epochsSinceBest() >= patience;
                if (checkpointDir != null) {
                    // The model's own tensors are the best ones when this epoch is the best: no second copy.
                    BestWeights earlierBest = best != null && best.epoch() > 0 && best.epoch() != epoch ? best : null;
                    Checkpoint.save(Checkpoint.fileIn(checkpointDir), epoch, seed, history, model, optimizer,
                            schedule, checkpointMetadata, earlierBest, settings,
                            new Checkpoint.EarlyStopping(bestEpoch, history.epochsSinceBest(), stop));
                }
                for (TrainingListener l : listeners) l.onEpochEnd(stats, history);
                if (stop) {
                    stopEarly(epoch, history, best);
                    break;
                }
            }
        }
        for (TrainingListener l : listeners) l.onTrainEnd(history);
        return history;
    }

    /** The Trainer's own loop: each batch's forward, loss and backward on this machine. */
    private final class LocalSteps implements EpochSteps {
        private final Dataset train;
        private final DataLoader loader;

        LocalSteps(Dataset train) {
            this.train = train;
            this.loader = new DataLoader(train, batchSize).shuffled(seed);
        }

        @Override
        public int batches() {
            return loader.batchCount();
        }

        @Override
        public long examples() {
            return train.size();
        }

        @Override
        public void run(int epoch, StepContext ctx) {
            for (DataLoader.Batch b : loader.epoch(epoch - 1)) {
                ctx.begin();
                Tensor out = ctx.model().call(b.features());
                if (task == Task.CLASSIFY) Evaluation.checkLogits(out, b.size(), train);
                Tensor batchLoss = loss.compute(out, b.labels(), b.targets());
                double value = batchLoss.item();
                if (checkNumerics && !Double.isFinite(value)) throw ctx.lossNotFinite(value, ctx.firstNonFinite(b.features()));
                batchLoss.backward();
                ctx.step();
                ctx.end(b.size(), value * b.size(), task == Task.CLASSIFY ? Metrics.correct(Metrics.argmax(out), b.labels()) : 0);
            }
        }

        @Override
        public String toString() {
            return "Trainer's loop";
        }
    }

    /** Whether the loss and gradients are checked for NaN and infinity at every step. */
    public boolean checksNumerics() {
        return checkNumerics;
    }

    void applyHookAndStep(Optimizer optimizer) {
        if (gradientHook != null) gradientHook.apply(optimizer.parameters());
        optimizer.step();
    }

    void batchEnded(int epoch, int batch, int batches, long seen, double runningLoss) {
        for (TrainingListener l : listeners) l.onBatchEnd(epoch, batch, batches, seen, runningLoss);
    }

    /** Early stopping after {@code epoch}: listeners hear it, and the best epoch's tensors go back into the model. */
    private void stopEarly(int epoch, History history, BestWeights best) {
        int bestEpoch = history.bestEpoch();
        for (TrainingListener l : listeners) l.onEarlyStop(epoch, bestEpoch, patience);
        if (best != null && best.epoch() == bestEpoch) {
            best.restore();
            EpochStats restored = history.epochs().get(bestEpoch - 1);
            for (TrainingListener l : listeners) l.onBestRestored(restored);
        }
    }

    /**
     * Every setting of this trainer that changes what it computes, by name (the epoch count
     * aside, which a resumed run may raise): stored with each checkpoint and compared on resume.
     */
    private Map<String, Object> settings(EpochSteps steps) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("batch_size", (long) batchSize);
        s.put("seed", seed);
        s.put("task", task.cliName());
        s.put("patience", (long) patience);
        s.put("restore_best", restoreBest);
        steps.settings().forEach((k, v) -> {
            if (s.putIfAbsent(k, v) != null) throw new BackpropException(steps + ": setting " + k + " is one of the Trainer's own");
        });
        return s;
    }

    /** Refuses to resume a checkpoint written by a trainer with other settings, naming the first that differs. */
    private static void checkSameSettings(Checkpoint cp, Map<String, Object> now) {
        Map<String, Object> then = cp.trainerSettings();
        if (then.isEmpty()) return; // saved by other code, with Checkpoint.save: nothing to compare
        for (Map.Entry<String, Object> e : now.entrySet()) {
            Object was = then.get(e.getKey());
            if (!e.getValue().equals(was)) {
                throw new BackpropException("cannot resume from " + cp.source() + ": it was written with "
                        + (was == null ? "no " + e.getKey().replace('_', ' ') : e.getKey().replace('_', ' ') + " " + was)
                        + ", this trainer has " + e.getValue());
            }
        }
        for (Map.Entry<String, Object> e : then.entrySet()) {
            // A setting of another runner (parameter averaging on a cluster) that this one lacks.
            if (!now.containsKey(e.getKey())) {
                throw new BackpropException("cannot resume from " + cp.source() + ": it was written with "
                        + e.getKey().replace('_', ' ') + " " + e.getValue() + ", this trainer has none");
            }
        }
    }

    /**
     * Takes the best epoch's tensors from a checkpoint: the model's own when the checkpoint's
     * epoch is the best, else its saved copy. A checkpoint written without that copy leaves
     * nothing kept, and such a run cannot restore an epoch from before it.
     */
    private static void resumeBest(BestWeights best, History history, Checkpoint cp) {
        int bestEpoch = history.bestEpoch();
        if (bestEpoch == 0) return;
        if (bestEpoch == cp.epoch()) best.keep(bestEpoch);
        else if (cp.bestEpoch() == bestEpoch) best.load(cp.bestModelTensors(), bestEpoch, cp.source().toString());
    }

    private void checkData(Dataset data, String what) {
        if (task == Task.CLASSIFY && !data.isClassification()) {
            throw new BackpropException("the " + what + " set has no class labels; use the regression task for numeric targets");
        }
        if (task == Task.REGRESS && data.targets() == null) {
            throw new BackpropException("the " + what + " set has no numeric targets"
                    + (data.isClassification() ? " (it has class labels: use the classification task)" : ""));
        }
    }

    void checkGradients(List<Map.Entry<String, Parameter>> params, Module model, int epoch, int batch, int batches,
                                long step, Optimizer optimizer, BufferSnapshot buffers) {
        for (Map.Entry<String, Parameter> e : params) {
            Tensor g = e.getValue().grad();
            String bad = g == null ? null : nonFinite(g);
            if (bad != null) {
                buffers.restore();
                throw diverged(epoch, batch, batches, step, "the gradient of " + e.getKey()
                        + describeLayer(model, e.getKey()) + " holds " + bad, optimizer);
            }
        }
    }

    /** "NaN", "infinity" or "-infinity" for the first such value in t; null when all are finite. */
    static String nonFinite(Tensor t) {
        Tensor c = t.contiguousData();
        int n = c.numel();
        int off = c.offset();
        double bad = 0;
        if (c.dtype() == DType.FLOAT32) {
            float[] a = Storage.floats(c);
            for (int i = 0; i < n; i++) {
                if (!Float.isFinite(a[off + i])) {
                    bad = a[off + i];
                    break;
                }
            }
        } else {
            double[] a = Storage.doubles(c);
            for (int i = 0; i < n; i++) {
                if (!Double.isFinite(a[off + i])) {
                    bad = a[off + i];
                    break;
                }
            }
        }
        if (Double.isNaN(bad)) return "NaN";
        return bad == 0 ? null : bad > 0 ? "infinity" : "-infinity";
    }

    /** " (layer 0: Linear(in=64, out=128, bias=true))" for a parameter name "0.weight" of a Sequential. */
    private static String describeLayer(Module model, String param) {
        int dot = param.indexOf('.');
        if (dot < 0) return "";
        Module child = model.children().get(param.substring(0, dot));
        return child == null ? "" : " (layer " + param.substring(0, dot) + ": " + child + ")";
    }

    NumericException diverged(int epoch, int batch, int batches, long step, String what, Optimizer optimizer) {
        String kept = checkpointDir == null ? ""
                : epoch > 1 ? "; the checkpoint of epoch " + (epoch - 1) + " in " + checkpointDir + " is kept" : "";
        return new NumericException(String.format(Locale.ROOT,
                "training diverged at epoch %d, step %d (batch %d of %d): %s%s; try a lower learning rate (now %s)",
                epoch, step, batch, batches, what, kept, EpochStats.threeDigits(optimizer.learningRate())));
    }
}
