package io.backprop4j.cli;

import io.backprop4j.BackpropException;
import io.backprop4j.data.CharWindows;
import io.backprop4j.data.DataLoader;
import io.backprop4j.data.TextData;
import io.backprop4j.data.Vocabulary;
import io.backprop4j.io.FileKind;
import io.backprop4j.loss.Losses;
import io.backprop4j.nn.Sequential;
import io.backprop4j.optim.GradClip;
import io.backprop4j.optim.LrSchedule;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.optim.Optimizers;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.train.Architecture;
import io.backprop4j.train.Checkpoint;
import io.backprop4j.train.EpochRandom;
import io.backprop4j.train.EpochStats;
import io.backprop4j.train.EpochSteps;
import io.backprop4j.train.History;
import io.backprop4j.train.ModelFile;
import io.backprop4j.train.ModelSpec;
import io.backprop4j.train.StepContext;
import io.backprop4j.train.Task;
import io.backprop4j.train.Trainer;
import io.backprop4j.train.TrainingListener;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code train --data words} or {@code --data text:FILE}: a character-level model of the lines of
 * a text ({@link TextData}, split 80/10/10 by line with {@link #SPLIT_SEED}), trained to predict
 * each next character from the {@code --context} characters before it, and scored by the mean
 * cross-entropy on the test lines in nats per character (each character, and each line's end,
 * predicted once from its own window: the n-gram baselines' measure).
 *
 * <p>Models ({@link #layers}): {@code bigram} (a table of next-character logits), {@code mlp}
 * (makemore's: the window's embeddings, one tanh hidden layer), {@code lstm}, {@code gru} and
 * {@code transformer} (causal, pre-norm), or a FILE.yaml of layers that starts with an embedding.
 * Models that give logits after every position ([N, T, V]) are trained on every position of
 * each window ({@link CharWindows#sequenceBatch}); the training loss printed per epoch is that
 * mean. An epoch is {@code --steps-per-epoch} batches drawn from a shuffle of the training
 * examples (seeded by the seed and the epoch), so that checkpoints come every few minutes.
 */
final class TextTraining {
    /** The seed of the 80/10/10 split by line (the n-gram baselines' split). */
    static final long SPLIT_SEED = 0;
    /** Validation examples scored after each epoch (a seeded sample; the test score uses all). */
    static final int VALIDATION_SAMPLE = 4096;
    /** Windows per forward pass when scoring. */
    static final int EVAL_BATCH = 512;
    /** The model names {@code --model} takes for text. */
    static final List<String> MODELS = List.of("bigram", "mlp", "lstm", "gru", "transformer");

    /**
     * A model's recipe: window, batch, optimiser and length of training, and its sizes (the
     * embedding, the hidden or model width, the number of layers, attention heads).
     */
    record Recipe(int context, int batch, String optimizer, double lr, Schedule schedule, int epochs, int stepsPerEpoch,
                  int embed, int hidden, int depth, int heads) {
        static Recipe of(String model) {
            return switch (model) {
                case "bigram" -> new Recipe(1, 256, "adam", 0.05, Schedule.NONE, 4, 250, 0, 0, 0, 0);
                case "mlp" -> new Recipe(6, 128, "adamw", 2e-3, Schedule.COSINE, 10, 500, 24, 256, 1, 0);
                case "lstm" -> new Recipe(16, 64, "adamw", 3e-3, Schedule.COSINE, 10, 250, 48, 128, 1, 0);
                case "gru" -> new Recipe(16, 64, "adamw", 3e-3, Schedule.COSINE, 10, 250, 48, 128, 1, 0);
                case "transformer" -> new Recipe(16, 64, "adamw", 3e-3, Schedule.COSINE, 11, 1100, 64, 256, 3, 4);
                default -> new Recipe(16, 64, "adamw", 1e-3, Schedule.NONE, 10, 250, 0, 0, 0, 0);
            };
        }
    }

    /** Whether {@code --data} names a text data set: {@code words} or {@code text:FILE}. */
    static boolean isText(String data) {
        return data != null && (data.equals("words") || data.startsWith("text:"));
    }

    /** Reads {@code words} or {@code text:FILE}. */
    static TextData load(String data) {
        if (data.equals("words")) return TextData.words();
        String file = data.substring("text:".length());
        if (file.isEmpty()) throw new BackpropException("--data text:FILE needs a file name after 'text:'");
        Path p = Path.of(file);
        FileKind kind = FileKind.of(p);
        if (kind != FileKind.REGULAR && kind != FileKind.MISSING) {
            throw new BackpropException("--data " + data + ": " + file + " is " + kind.description() + ", not a text file");
        }
        return TextData.read(p);
    }

    /** The layers of a named model for a vocabulary of {@code v} tokens and windows of {@code context}. */
    static List<Object> layers(String model, Recipe r, int v) {
        List<Object> l = new ArrayList<>();
        switch (model) {
            case "bigram" -> l.add(layer("type", "embedding", "vocabulary", v, "dim", v));
            case "mlp" -> {
                l.add(layer("type", "embedding", "vocabulary", v, "dim", r.embed()));
                l.add(layer("type", "flatten"));
                l.add(layer("type", "linear", "out", r.hidden()));
                l.add(layer("type", "tanh"));
                l.add(layer("type", "linear", "out", v));
            }
            case "lstm", "gru" -> {
                l.add(layer("type", "embedding", "vocabulary", v, "dim", r.embed()));
                l.add(layer("type", model, "hidden", r.hidden(), "layers", r.depth()));
                l.add(layer("type", "linear", "out", v));
            }
            case "transformer" -> {
                l.add(layer("type", "embedding", "vocabulary", v, "dim", r.embed()));
                l.add(layer("type", "positional_embedding", "max_length", r.context()));
                for (int i = 0; i < r.depth(); i++) l.add(layer("type", "transformer_block", "heads", r.heads(), "feed_forward", r.hidden()));
                l.add(layer("type", "layer_norm"));
                l.add(layer("type", "linear", "out", v));
            }
            default -> throw new IllegalArgumentException(model);
        }
        return l;
    }

    private static Map<String, Object> layer(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1] instanceof Integer n ? (long) n : kv[i + 1]);
        return m;
    }

    private final TrainCommand o;

    TextTraining(TrainCommand options) {
        this.o = options;
    }

    int run() {
        PrintWriter out = o.command.commandLine().getOut();
        PrintWriter err = o.command.commandLine().getErr();
        String modelName = o.model == null ? "transformer" : o.model;
        Path yaml = null;
        if (!MODELS.contains(modelName)) {
            String lower = modelName.toLowerCase(Locale.ROOT);
            if (!lower.endsWith(".yaml") && !lower.endsWith(".yml")) {
                throw new BackpropException("unknown --model '" + modelName + "' for text; valid: " + String.join(", ", MODELS)
                        + ", or a FILE.yaml of layers that starts with an embedding");
            }
            yaml = Path.of(modelName);
        }
        for (String[] opt : new String[][] {{"--layers", o.layers}, {"--activation", o.activation},
                {"--dropout", o.dropout == null ? null : "x"}, {"--batch-norm", o.batchNorm ? "x" : null}, {"--augment", o.augment},
                {"--task", o.task == Task.CLASSIFY ? null : "x"}, {"--val-split", o.valSplit == 0 ? null : "x"},
                {"--no-standardize", o.noStandardize ? "x" : null}, {"--patience", o.patience == 0 ? null : "x"},
                {"--plot", o.plot == null ? null : "x"}, {"--spark", o.cluster.spark}}) {
            if (opt[1] != null) {
                throw new BackpropException(opt[0] + " is not for text data (" + o.data + "): the text models take --model, --context,"
                        + " --steps-per-epoch, --epochs, --batch, --optimizer, --lr, --schedule, --grad-clip and --seed");
            }
        }
        Recipe recipe = Recipe.of(yaml == null ? modelName : "file");
        int context = o.context == null ? recipe.context() : o.context;
        if (context < 1 || context > 4096) throw new BackpropException("invalid --context " + context + " (must be from 1 to 4096 characters)");
        int stepsPerEpoch = o.stepsPerEpoch == null ? recipe.stepsPerEpoch() : o.stepsPerEpoch;
        if (stepsPerEpoch < 1) throw new BackpropException("invalid --steps-per-epoch " + stepsPerEpoch + " (must be at least 1)");
        String opt = o.optimizer == null ? recipe.optimizer() : o.optimizer;
        double rate = o.lr == null ? recipe.lr() : o.lr;
        if (!(rate > 0) || Double.isInfinite(rate)) throw new BackpropException("invalid --lr " + o.lr + " (must be a positive number)");
        if (o.gradClip != null && (!(o.gradClip > 0) || Double.isInfinite(o.gradClip))) {
            throw new BackpropException("invalid --grad-clip " + o.gradClip + " (must be a positive number)");
        }
        Schedule sched = o.schedule == null ? recipe.schedule() : o.schedule;
        int nEpochs = o.epochs == null ? recipe.epochs() : o.epochs;
        if (nEpochs < 1) throw new BackpropException("invalid --epochs " + o.epochs + " (must be at least 1)");
        int batchSize = o.batch == null ? recipe.batch() : o.batch;
        if (batchSize < 1) throw new BackpropException("invalid --batch " + o.batch + " (must be at least 1)");
        if (o.resume && o.checkpointDir == null) throw new BackpropException("--resume needs --checkpoint-dir DIR");
        Main.checkOutput("--save", o.save, true);
        FileKind checkpointKind = o.checkCheckpointPath();

        TextData text = load(o.data);
        TextData.Splits splits = text.split(SPLIT_SEED, context);
        Vocabulary vocabulary = splits.vocabulary();
        int v = vocabulary.size();
        ModelYaml modelFile = yaml == null ? null : ModelYaml.read(yaml);
        List<Object> layerMaps = modelFile != null ? modelFile.layers() : layers(modelName, recipe, v);
        String where = modelFile != null ? yaml.toString() : "--model " + modelName;
        Architecture arch;
        try {
            arch = Architecture.read(new int[] {context}, layerMaps);
        } catch (Architecture.LayerException e) {
            String hint = e.getMessage().contains("positional_embedding") && e.getMessage().contains("longer than")
                    ? "; use a --context of at most its max_length" : "";
            // A file's layer is named by its line, as train's image and table networks are.
            if (modelFile != null) throw modelFile.locate(e, 0, hint);
            throw new BackpropException(where + ": " + e.getMessage() + hint);
        }
        if (!arch.isSequenceModel()) {
            throw refused(modelFile, 0, null, where, "a text model reads characters: start it with {type: embedding, vocabulary: " + v + ", dim: D}");
        }
        int[] outShape = arch.outputShape();
        boolean embeddingFits = ((io.backprop4j.train.LayerSpec.Embedding) arch.layers().getFirst()).vocabulary() == v;
        if (!embeddingFits || outShape[outShape.length - 1] != v) {
            throw refused(modelFile, embeddingFits ? -1 : 0, embeddingFits ? "out" : "vocabulary", where, "the text " + text.name() + " has " + v
                    + " tokens (its characters and the end token): the embedding needs vocabulary: " + v + " and the last layer out: " + v
                    + "; the network gives " + java.util.Arrays.toString(outShape).replaceFirst("^\\[1", "[N"));
        }
        boolean sequence = outShape.length == 3;
        if (sequence && outShape[1] != context) {
            throw refused(modelFile, -1, null, where, "the network gives " + java.util.Arrays.toString(outShape).replaceFirst("^\\[1", "[N")
                    + " for windows of " + context + ": a model of every position must keep the " + context + " steps");
        }
        ModelSpec spec = ModelSpec.sequential(arch, Task.CLASSIFY, null, null, null, o.data.equals("words") ? "words"
                : "text:" + Path.of(o.data.substring(5)).toAbsolutePath().normalize());
        TrainCommand.checkParameters(arch.tensorElements(), where);

        EpochRandom random = new EpochRandom(o.seed);
        Sequential model = spec.build(random);
        Optimizer optim = Optimizers.create(opt, model.parameters(), rate);
        LrSchedule lrSchedule = sched.create(optim, nEpochs);
        Map<String, String> config = new LinkedHashMap<>();
        config.put("data", spec.data());
        config.put("model", Json.write(arch.toMaps()));
        config.put("context", Integer.toString(context));
        config.put("steps-per-epoch", Integer.toString(stepsPerEpoch));
        config.put("optimizer", opt);
        config.put("lr", Double.toString(rate));
        config.put("schedule", sched.cliName());
        config.put("grad-clip", o.gradClip == null ? "none" : Double.toString(o.gradClip));
        config.put("epochs", Integer.toString(nEpochs));
        config.put("batch", Integer.toString(batchSize));
        config.put("seed", Long.toString(o.seed));
        config.put(TrainCommand.DATA_CHECKSUM, textChecksum(text));

        WindowSteps steps = new WindowSteps(splits.train(), batchSize, stepsPerEpoch, o.seed, sequence);
        int[] valRows = sample(splits.validation().size(), VALIDATION_SAMPLE);
        Trainer.Builder builder = Trainer.builder().epochs(nEpochs).batchSize(batchSize).seed(o.seed).epochRandom(random).task(Task.REGRESS)
                .schedule(lrSchedule).listener(new ProgressBar(out, ProgressBar.isTerminal()))
                .listener(new TrainingListener() {
                    @Override
                    public void onEpochEnd(EpochStats stats, History history) {
                        if (valRows.length == 0) return;
                        out.printf(Locale.ROOT, "  validation loss %.4f (%d examples)%n", meanLoss(model, splits.validation(), valRows), valRows.length);
                        out.flush();
                    }
                });
        if (o.gradClip != null) {
            double maxNorm = o.gradClip;
            builder.gradientHook(params -> GradClip.clipByNorm(params, maxNorm));
        }
        if (o.checkpointDir != null) {
            Map<String, String> meta = new LinkedHashMap<>(ModelFile.metadata(spec, vocabulary));
            meta.put(TrainCommand.CONFIG_KEY, Json.write(config));
            builder.checkpointDir(o.checkpointDir).checkpointMetadata(meta);
            Path file = Checkpoint.fileIn(o.checkpointDir);
            if (o.resume && checkpointKind == FileKind.REGULAR) {
                Checkpoint cp = Checkpoint.load(file);
                TrainCommand.checkSameConfig(cp, config, file);
                builder.resumeFrom(cp);
            } else if (o.resume) {
                err.println("note: no checkpoint in " + o.checkpointDir + " yet; starting from epoch 1");
            } else if (checkpointKind == FileKind.REGULAR) {
                err.println("note: replacing the checkpoint in " + o.checkpointDir + " (use --resume to continue it)");
            }
        }

        out.printf(Locale.ROOT, "data: %s (%,d lines; train %,d, validation %,d, test %,d characters; %d tokens)%n",
                o.data.equals("words") ? "words" : text.name(), text.lines().size(), splits.train().size(), splits.validation().size(),
                splits.test().size(), v);
        out.printf(Locale.ROOT, "model: %s %s (%,d parameters); context %d; %s lr %s%s%s, batch %d, %d epochs of %d steps, seed %d%n",
                yaml == null ? modelName : yaml, arch.describe(), model.parameterCount(), context, opt, fmt(rate),
                sched == Schedule.NONE ? "" : " " + sched.cliName(), o.gradClip == null ? "" : ", grad-clip " + fmt(o.gradClip),
                batchSize, nEpochs, stepsPerEpoch, o.seed);
        out.flush();
        long start = System.nanoTime();
        History history = builder.build().fit(model, optim, steps, null);
        double seconds = (System.nanoTime() - start) / 1e9;
        // Each epoch's own time: its steps, without the validation sample scored after it.
        double training = history.epochs().stream().mapToDouble(EpochStats::seconds).sum();
        out.printf(Locale.ROOT, "trained %d epochs in %.1fs (%.1f ms a training step)%n", history.size(), seconds,
                1000 * training / Math.max(1, (long) history.size() * stepsPerEpoch));
        if (o.save != null) {
            ModelFile.save(o.save, model, spec, vocabulary);
            out.println("saved model to " + o.save);
        }
        if (splits.test().size() == 0) out.println("no test split (too few lines): nothing more to report");
        else out.printf(Locale.ROOT, "test loss: %.4f%n", meanLoss(model, splits.test(), null));
        out.flush();
        return 0;
    }

    /** {@code n} rows at random (seeded, distinct), or all n when fewer. */
    static int[] sample(int n, int k) {
        int[] order = DataLoader.shuffledOrder(n, SPLIT_SEED, 0);
        return java.util.Arrays.copyOf(order, Math.min(n, k));
    }

    /**
     * The mean cross-entropy, in nats per character, of the examples at {@code rows} (null: all),
     * each predicted from its own window: the last position's logits of a model of every position.
     */
    static double meanLoss(Sequential model, CharWindows w, int[] rows) {
        int n = rows == null ? w.size() : rows.length;
        double sum = 0;
        try (var g = NoGrad.enter(); var mode = model.evalScope()) {
            for (int at = 0; at < n; at += EVAL_BATCH) {
                int len = Math.min(EVAL_BATCH, n - at);
                int[] r = new int[len];
                for (int i = 0; i < len; i++) r[i] = rows == null ? at + i : rows[at + i];
                CharWindows.Batch b = w.batch(r);
                Tensor logits = model.call(b.inputs());
                if (logits.rank() == 3) logits = logits.select(1, logits.size(1) - 1);
                sum += Losses.crossEntropy(logits, b.targets(), CharWindows.IGNORE).item() * len;
            }
        }
        return sum / n;
    }

    /** CRC32C of the lines and their order: a resumed run must read the same text. */
    static String textChecksum(TextData text) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        for (String line : text.lines()) {
            crc.update(line.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            crc.update('\n');
        }
        return "crc32c:" + java.util.HexFormat.of().toHexDigits((int) crc.getValue());
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e6 ? Long.toString((long) v) : Double.toString(v);
    }

    /**
     * The batches of an epoch: {@code steps} batches of {@code batch} examples, taken in turn from
     * the shuffles of the training examples by (seed, epoch), (seed, epoch + 1 000 000), ... as far
     * as needed. Each is one forward, cross-entropy (over every position for a model of every
     * position), backward and optimiser step.
     */
    static final class WindowSteps implements EpochSteps {
        private final CharWindows train;
        private final int batch;
        private final int steps;
        private final long seed;
        private final boolean sequence;

        WindowSteps(CharWindows train, int batch, int steps, long seed, boolean sequence) {
            this.train = train;
            this.batch = batch;
            this.steps = steps;
            this.seed = seed;
            this.sequence = sequence;
        }

        @Override
        public int batches() {
            return steps;
        }

        @Override
        public long examples() {
            return (long) steps * batch;
        }

        @Override
        public Map<String, Object> settings() {
            return Map.of("steps_per_epoch", (long) steps, "every_position", sequence);
        }

        /** The rows of an epoch's batches, in order: steps × batch of them. */
        int[] rows(int epoch) {
            int n = train.size();
            int[] rows = new int[steps * batch];
            for (int filled = 0, pass = 0; filled < rows.length; pass++) {
                int[] order = DataLoader.shuffledOrder(n, seed, epoch + pass * 1_000_000);
                int k = Math.min(n, rows.length - filled);
                System.arraycopy(order, 0, rows, filled, k);
                filled += k;
            }
            return rows;
        }

        @Override
        public void run(int epoch, StepContext ctx) {
            int[] all = rows(epoch);
            for (int s = 0; s < steps; s++) {
                int[] r = java.util.Arrays.copyOfRange(all, s * batch, (s + 1) * batch);
                ctx.begin();
                CharWindows.Batch b = sequence ? train.sequenceBatch(r) : train.batch(r);
                Tensor out = ctx.model().call(b.inputs());
                Tensor loss = Losses.crossEntropy(out, b.targets(), CharWindows.IGNORE);
                double value = loss.item();
                if (!Double.isFinite(value)) throw ctx.lossNotFinite(value, "");
                loss.backward();
                ctx.step();
                ctx.end(batch, value * batch, 0);
            }
        }

        @Override
        public String toString() {
            return "text windows";
        }
    }

    /** A network that does not fit the text: with a file, one line naming its layer's (or field's) line; else naming the --model. */
    private static BackpropException refused(ModelYaml file, int layer, String field, String where, String message) {
        if (file != null) return new io.backprop4j.FormatException(where, file.layerWhere(layer, field), message);
        return new BackpropException(where + ": " + message);
    }
}
