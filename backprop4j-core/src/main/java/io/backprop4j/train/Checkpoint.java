package io.backprop4j.train;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import io.backprop4j.io.AtomicFiles;
import io.backprop4j.io.FileKind;
import io.backprop4j.internal.Json;
import io.backprop4j.io.Safetensors;
import io.backprop4j.nn.Module;
import io.backprop4j.optim.LrSchedule;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The state of a training run after a whole epoch: enough to continue it bit for bit.
 *
 * <h2>File</h2>
 * One safetensors file, {@value #FILE_NAME} in the checkpoint directory, replaced atomically
 * after every epoch (see {@link AtomicFiles}): a run killed at any moment leaves either the
 * previous complete checkpoint or the new one. It holds
 * <ul>
 *   <li>tensors {@code model.NAME}: the model's parameters and buffers (batch-norm running
 *       statistics) by their {@link Module#namedParameters() names};</li>
 *   <li>tensors {@code optimizer.KEY}: the optimiser's {@link Optimizer#state() state} (learning
 *       rate, moment estimates, step counts...);</li>
 *   <li>tensors {@code schedule.KEY}: the learning-rate schedule's {@link LrSchedule#state() state};</li>
 *   <li>tensors {@code best.NAME}, with early stopping that restores the best weights
 *       ({@link Trainer.Builder#earlyStopping(int, boolean)}) when the best epoch so far is an
 *       earlier one: the parameters and buffers of that epoch, whose number is the metadata
 *       {@code checkpoint.best_epoch};</li>
 *   <li>metadata: {@code backprop4j.kind = checkpoint}, the number of completed epochs, the seed,
 *       the learning rate (for people), the training history (JSON), the trainer's settings that
 *       change the result ({@code checkpoint.trainer}: batch size, seed, task, patience,
 *       whether the best weights are restored; a resume with other settings is refused), the
 *       early-stopping state ({@code checkpoint.early_stopping}: the best epoch so far, the
 *       epochs since it, and whether training stopped early at this epoch, so that a run killed
 *       after that checkpoint and resumed stops too), and whatever the caller adds (the CLI
 *       stores the model's architecture and the training options).</li>
 * </ul>
 * The whole file is sealed (see {@link io.backprop4j.io.Safetensors}): a file without the seal,
 * or one whose metadata, tensor table or data were changed, is refused.
 * No generator state is stored: the batch order and dropout masks of epoch e are functions of
 * (seed, e) ({@link io.backprop4j.data.DataLoader#shuffled(long)}, {@link EpochRandom}).
 */
public final class Checkpoint {
    /** The checkpoint's file name inside the checkpoint directory. */
    public static final String FILE_NAME = "checkpoint.safetensors";
    /** Metadata key naming what a backprop4j safetensors file holds: "checkpoint" or "model". */
    public static final String KIND_KEY = "backprop4j.kind";

    static final String EPOCH_KEY = "checkpoint.epoch";
    static final String SEED_KEY = "checkpoint.seed";
    static final String LR_KEY = "checkpoint.learning_rate";
    static final String HISTORY_KEY = "checkpoint.history";
    static final String MODEL_PREFIX = "model.";
    static final String OPTIMIZER_PREFIX = "optimizer.";
    static final String SCHEDULE_PREFIX = "schedule.";
    static final String BEST_PREFIX = "best.";
    static final String BEST_EPOCH_KEY = "checkpoint.best_epoch";
    static final String TRAINER_KEY = "checkpoint.trainer";
    static final String EARLY_STOPPING_KEY = "checkpoint.early_stopping";

    /**
     * The early-stopping state after a checkpoint's epoch.
     *
     * @param bestEpoch the epoch with the lowest validation loss so far (0: none)
     * @param epochsSinceBest epochs since then (the patience counter)
     * @param stopped whether training stopped early after this epoch
     */
    public record EarlyStopping(int bestEpoch, int epochsSinceBest, boolean stopped) {
        static final EarlyStopping NONE = new EarlyStopping(0, 0, false);

        String toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("best_epoch", bestEpoch);
            m.put("epochs_since_best", epochsSinceBest);
            m.put("stopped", stopped);
            return Json.write(m);
        }

        static EarlyStopping fromJson(String json, String source) {
            if (!(Json.parse(json, source) instanceof Map<?, ?> m) || !(m.get("best_epoch") instanceof Long best)
                    || !(m.get("epochs_since_best") instanceof Long since) || !(m.get("stopped") instanceof Boolean stopped)
                    || best < 0 || best > Integer.MAX_VALUE || since < 0 || since > Integer.MAX_VALUE) {
                throw new FormatException(source, null, "malformed early-stopping state: " + json);
            }
            return new EarlyStopping((int) (long) best, (int) (long) since, stopped);
        }
    }

    private final Path source;
    private final int epoch;
    private final long seed;
    private final double learningRate;
    private final History history;
    private final Map<String, Tensor> scheduleState;
    private final Map<String, Tensor> modelTensors;
    private final Map<String, Tensor> optimizerState;
    private final Map<String, String> metadata;
    private final int bestEpoch;
    private final Map<String, Tensor> bestTensors;
    private final Map<String, Object> trainerSettings;
    private final EarlyStopping earlyStopping;

    private Checkpoint(Path source, int epoch, long seed, double learningRate, History history, Map<String, Tensor> scheduleState,
                       Map<String, Tensor> modelTensors, Map<String, Tensor> optimizerState, Map<String, String> metadata,
                       int bestEpoch, Map<String, Tensor> bestTensors, Map<String, Object> trainerSettings,
                       EarlyStopping earlyStopping) {
        this.source = source;
        this.epoch = epoch;
        this.seed = seed;
        this.learningRate = learningRate;
        this.history = history;
        this.scheduleState = scheduleState;
        this.modelTensors = modelTensors;
        this.optimizerState = optimizerState;
        this.metadata = metadata;
        this.bestEpoch = bestEpoch;
        this.bestTensors = bestTensors;
        this.trainerSettings = trainerSettings;
        this.earlyStopping = earlyStopping;
    }

    /** The checkpoint file in {@code dir}. */
    public static Path fileIn(Path dir) {
        return dir.resolve(FILE_NAME);
    }

    /**
     * Writes a checkpoint atomically.
     *
     * @param epoch completed epochs
     * @param schedule the learning-rate schedule, or null
     * @param extra more metadata to store (the CLI's architecture and options)
     */
    public static void save(Path file, int epoch, long seed, History history, Module model, Optimizer optimizer,
                            LrSchedule schedule, Map<String, String> extra) {
        save(file, epoch, seed, history, model, optimizer, schedule, extra, null, Map.of(), EarlyStopping.NONE);
    }

    /**
     * As above, with the kept weights of the best epoch when they are not the model's own (else
     * null), the trainer's settings and the early-stopping state.
     */
    static void save(Path file, int epoch, long seed, History history, Module model, Optimizer optimizer,
                     LrSchedule schedule, Map<String, String> extra, BestWeights best, Map<String, Object> trainerSettings,
                     EarlyStopping earlyStopping) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        ModelTensors.named(model).forEach((k, v) -> tensors.put(MODEL_PREFIX + k, v));
        optimizer.state().forEach((k, v) -> tensors.put(OPTIMIZER_PREFIX + k, v));
        if (schedule != null) schedule.state().forEach((k, v) -> tensors.put(SCHEDULE_PREFIX + k, v));
        if (best != null) best.tensors().forEach((k, v) -> tensors.put(BEST_PREFIX + k, v));
        Map<String, String> meta = new LinkedHashMap<>();
        if (extra != null) meta.putAll(extra);
        meta.put(KIND_KEY, "checkpoint");
        meta.put(EPOCH_KEY, Integer.toString(epoch));
        meta.put(SEED_KEY, Long.toString(seed));
        meta.put(LR_KEY, Double.toString(optimizer.learningRate()));
        meta.put(HISTORY_KEY, history.toJson());
        if (best != null) meta.put(BEST_EPOCH_KEY, Integer.toString(best.epoch()));
        meta.put(TRAINER_KEY, Json.write(trainerSettings));
        meta.put(EARLY_STOPPING_KEY, earlyStopping.toJson());
        byte[] bytes = Safetensors.toBytes(tensors, meta);
        long pauseMs = Long.getLong("backprop4j.test.checkpointPauseMs", 0);
        AtomicFiles.write(file, out -> {
            if (pauseMs <= 0) {
                out.write(bytes);
                return;
            }
            // Test hook: stop half-way through the write so that a test can kill the process there.
            out.write(bytes, 0, bytes.length / 2);
            out.flush();
            try {
                Thread.sleep(pauseMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.write(bytes, bytes.length / 2, bytes.length - bytes.length / 2);
        });
    }

    /**
     * Reads a checkpoint, checking its seal.
     *
     * @throws FormatException for a corrupt or altered file, or one that is not a checkpoint
     * @throws BackpropException when it cannot be read
     */
    public static Checkpoint load(Path file) {
        // Never open a FIFO or a device: a FIFO at the checkpoint path would block --resume forever.
        FileKind.requireRegular(file, "a checkpoint (as 'train --checkpoint-dir' writes)");
        return read(Safetensors.read(file), file);
    }

    /** Reads a checkpoint's bytes; {@code sourceName} names them in errors. */
    static Checkpoint fromBytes(byte[] bytes, String sourceName) {
        return read(Safetensors.fromBytes(bytes, sourceName), Path.of(sourceName));
    }

    private static Checkpoint read(Safetensors.Contents c, Path file) {
        String src = file.toString();
        Map<String, String> meta = c.metadata();
        if (c.sealed() && !"checkpoint".equals(meta.get(KIND_KEY))) {
            throw new FormatException(src, null, "not a backprop4j checkpoint (" + KIND_KEY + " is "
                    + (meta.get(KIND_KEY) == null ? "missing" : "\"" + meta.get(KIND_KEY) + "\"") + ")");
        }
        Seal.require(c, src, "checkpoints");
        int epoch;
        long seed;
        double lr;
        int bestEpoch;
        try {
            epoch = Integer.parseInt(require(meta, EPOCH_KEY, src));
            seed = Long.parseLong(require(meta, SEED_KEY, src));
            lr = Double.parseDouble(require(meta, LR_KEY, src));
            bestEpoch = meta.containsKey(BEST_EPOCH_KEY) ? Integer.parseInt(meta.get(BEST_EPOCH_KEY)) : 0;
        } catch (NumberFormatException e) {
            throw new FormatException(src, null, "checkpoint metadata holds a malformed number: " + e.getMessage());
        }
        History history = History.fromJson(require(meta, HISTORY_KEY, src), src + " " + HISTORY_KEY);
        if (!(Json.parse(require(meta, TRAINER_KEY, src), src + " " + TRAINER_KEY) instanceof Map<?, ?> settings)) {
            throw new FormatException(src, null, TRAINER_KEY + " is not a JSON object");
        }
        Map<String, Object> trainer = new LinkedHashMap<>();
        settings.forEach((k, v) -> trainer.put(String.valueOf(k), v));
        EarlyStopping stopping = EarlyStopping.fromJson(require(meta, EARLY_STOPPING_KEY, src), src + " " + EARLY_STOPPING_KEY);
        Map<String, Tensor> model = new LinkedHashMap<>();
        Map<String, Tensor> optim = new LinkedHashMap<>();
        Map<String, Tensor> sched = new LinkedHashMap<>();
        Map<String, Tensor> best = new LinkedHashMap<>();
        c.tensors().forEach((k, v) -> {
            if (k.startsWith(MODEL_PREFIX)) model.put(k.substring(MODEL_PREFIX.length()), v);
            else if (k.startsWith(OPTIMIZER_PREFIX)) optim.put(k.substring(OPTIMIZER_PREFIX.length()), v);
            else if (k.startsWith(SCHEDULE_PREFIX)) sched.put(k.substring(SCHEDULE_PREFIX.length()), v);
            else if (k.startsWith(BEST_PREFIX)) best.put(k.substring(BEST_PREFIX.length()), v);
            else throw new FormatException(src, "tensor \"" + k + "\"", "unexpected tensor in a checkpoint");
        });
        if ((bestEpoch > 0) != !best.isEmpty()) {
            throw new FormatException(src, null, best.isEmpty()
                    ? BEST_EPOCH_KEY + " is " + bestEpoch + " but the checkpoint holds no " + BEST_PREFIX + "* tensors"
                    : "the checkpoint holds " + BEST_PREFIX + "* tensors but no " + BEST_EPOCH_KEY);
        }
        return new Checkpoint(file, epoch, seed, lr, history, sched.isEmpty() ? null : sched, model, optim, meta,
                bestEpoch, best, Map.copyOf(trainer), stopping);
    }

    private static String require(Map<String, String> meta, String key, String src) {
        String v = meta.get(key);
        if (v == null) throw new FormatException(src, null, "checkpoint metadata lacks \"" + key + "\"");
        return v;
    }

    /**
     * Copies the saved weights into {@code model}, the saved state into {@code optimizer} and
     * {@code schedule} (may be null).
     *
     * @throws BackpropException when the model's tensors differ in name or shape from the saved
     *     ones, or the optimiser or schedule refuses the saved state (another kind or settings)
     */
    public void restore(Module model, Optimizer optimizer, LrSchedule schedule) {
        String src = source.toString();
        copyInto(ModelTensors.named(model), modelTensors, src);
        try {
            optimizer.loadState(optimizerState);
        } catch (BackpropException e) {
            throw new BackpropException(src + ": the optimizer state does not fit " + optimizer + ": " + e.getMessage(), e);
        }
        if (schedule != null && scheduleState != null) {
            try {
                schedule.loadState(scheduleState);
            } catch (BackpropException e) {
                throw new BackpropException(src + ": the schedule state does not fit " + schedule + ": " + e.getMessage(), e);
            }
        } else if (scheduleState != null || (schedule != null && !schedule.state().isEmpty())) {
            throw new BackpropException(src + ": the checkpoint was written " + (scheduleState == null ? "without" : "with")
                    + " a learning-rate schedule, and this run has " + (schedule == null ? "none" : schedule));
        }
    }

    /** Copies tensors by name; the names and shapes must agree exactly. */
    static void copyInto(Map<String, Tensor> target, Map<String, Tensor> saved, String src) {
        for (String name : saved.keySet()) {
            if (!target.containsKey(name)) {
                throw new BackpropException(src + ": holds tensor \"" + name + "\" that the model does not have;"
                        + " was it saved from another architecture?");
            }
        }
        for (Map.Entry<String, Tensor> e : target.entrySet()) {
            Tensor s = saved.get(e.getKey());
            if (s == null) throw new BackpropException(src + ": lacks tensor \"" + e.getKey() + "\" of the model");
            if (!Arrays.equals(s.shape(), e.getValue().shape())) {
                throw new BackpropException(src + ": tensor \"" + e.getKey() + "\" has shape " + Shapes.str(s.shape())
                        + ", the model's has " + Shapes.str(e.getValue().shape()));
            }
            try (var g = NoGrad.enter()) {
                e.getValue().copy_(s);
            }
        }
    }

    /** Completed epochs. */
    public int epoch() {
        return epoch;
    }

    public long seed() {
        return seed;
    }

    public double learningRate() {
        return learningRate;
    }

    /** The training history up to this checkpoint (a copy). */
    public History history() {
        return new History(history.epochs());
    }

    /** The schedule's saved state, or null. */
    public Map<String, Tensor> scheduleState() {
        return scheduleState;
    }

    /** All metadata, the caller's extra entries included. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The saved model tensors by name (without the "model." prefix). */
    public Map<String, Tensor> modelTensors() {
        return modelTensors;
    }

    /**
     * The epoch whose parameters and buffers {@link #bestModelTensors()} holds: with early stopping
     * that restores the best weights, the best epoch so far when it is not this checkpoint's own;
     * else 0.
     */
    public int bestEpoch() {
        return bestEpoch;
    }

    /** The saved tensors of {@link #bestEpoch()} by name, or an empty map when it is 0. */
    public Map<String, Tensor> bestModelTensors() {
        return bestTensors;
    }

    /**
     * The settings of the {@link Trainer} that wrote it (batch size, seed, task, patience, whether
     * the best weights are restored), by name; empty for a checkpoint saved by other code.
     */
    public Map<String, Object> trainerSettings() {
        return trainerSettings;
    }

    /** The early-stopping state after this checkpoint's epoch. */
    public EarlyStopping earlyStopping() {
        return earlyStopping;
    }

    /** The file it was read from. */
    public Path source() {
        return source;
    }

    @Override
    public String toString() {
        return "Checkpoint(epoch=" + epoch + ", seed=" + seed + ", file=" + source + ")";
    }
}
