package io.backprop4j.cli;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import io.backprop4j.data.Csv;
import io.backprop4j.data.DataSplits;
import io.backprop4j.data.Dataset;
import io.backprop4j.data.Datasets;
import io.backprop4j.data.Splits;
import io.backprop4j.data.Standardizer;
import io.backprop4j.io.FileKind;
import io.backprop4j.nn.Sequential;
import io.backprop4j.optim.GradClip;
import io.backprop4j.optim.LrSchedule;
import io.backprop4j.optim.Optimizer;
import io.backprop4j.optim.Optimizers;
import io.backprop4j.train.Architecture;
import io.backprop4j.train.Checkpoint;
import io.backprop4j.train.EpochRandom;
import io.backprop4j.train.EpochStats;
import io.backprop4j.train.Evaluation;
import io.backprop4j.train.History;
import io.backprop4j.train.ModelFile;
import io.backprop4j.train.ModelSpec;
import io.backprop4j.train.Task;
import io.backprop4j.train.Trainer;
import io.backprop4j.train.TrainingListener;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code backprop4j train}: trains a multi-layer perceptron, a small convolutional network
 * ({@code --model cnn}) or the layers of a YAML file ({@code --model FILE.yaml}) on a named data set
 * or a CSV file and ends with the test score. Options left out take the data set's recipe
 * ({@link Recipe}).
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a network (an MLP, a CNN, or the layers of a YAML file) and report its test score.",
            "With no options: the embedded digits set (64-128-10, Adam), in seconds.",
            "Options left out take the data set's recipe (see the README)."},
        footer = {"", "Exit status: 0 trained; 2 bad options or data, or training diverged (NaN or infinity)."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "NAME|FILE.csv", completionCandidates = Choices.DataSetName.class,
            description = "${COMPLETION-CANDIDATES} (default " + Datasets.DEFAULT_NAME + "), or a CSV file (label in the last column);"
                    + " for character models: words (/usr/share/dict/words) or text:FILE (the lines of a UTF-8 text file).")
    String data;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where Fashion-MNIST lies (default " + Datasets.FASHION_MNIST_DIR_TEXT + ").")
    Path dataDir;

    @Option(names = "--task", paramLabel = "TASK", defaultValue = "classify", converter = Choices.TaskName.class,
            completionCandidates = Choices.TaskName.class,
            description = "classify (default) or regress (a CSV file whose last column is a number to predict).")
    Task task;

    @Option(names = "--model", paramLabel = "mlp|cnn|FILE.yaml",
            description = "mlp (default): the layers of --layers; cnn: the data set's small convolutional network (digits,"
                    + " fashion-mnist); FILE.yaml: its list of layers (see the README). For text: bigram, mlp, lstm, gru,"
                    + " transformer (default), or a FILE.yaml that starts with an embedding.")
    String model;

    @Option(names = "--context", paramLabel = "N", description = "Text: characters of context per prediction (default from the model's recipe).")
    Integer context;

    @Option(names = "--steps-per-epoch", paramLabel = "N",
            description = "Text: batches per epoch, drawn from a seeded shuffle of the training examples (default from the recipe).")
    Integer stepsPerEpoch;

    @Option(names = "--augment", paramLabel = "SPEC",
            description = "Image augmentation while training: none, shift=N (random shifts of up to N pixels), flip"
                    + " (mirror images, fashion-mnist only), or shift=N,flip (default from the recipe).")
    String augment;

    @Option(names = "--layers", paramLabel = "N,N...", description = "Hidden layer sizes, e.g. 512,256; 'none' for a linear model.")
    String layers;

    @Option(names = "--activation", paramLabel = "NAME", converter = Choices.HiddenActivation.class,
            completionCandidates = Choices.HiddenActivation.class,
            description = "Hidden activation: ${COMPLETION-CANDIDATES} (default relu).")
    String activation;

    @Option(names = "--dropout", paramLabel = "P", description = "Dropout probability after each hidden layer (default from the recipe).")
    Double dropout;

    @Option(names = "--batch-norm", description = "Batch normalisation after each hidden Linear layer.")
    boolean batchNorm;

    @Option(names = "--optimizer", paramLabel = "NAME", converter = Choices.OptimizerName.class,
            completionCandidates = Choices.OptimizerName.class, description = "${COMPLETION-CANDIDATES} (default adam).")
    String optimizer;

    @Option(names = "--lr", paramLabel = "X", description = "Learning rate (default from the recipe).")
    Double lr;

    @Option(names = "--schedule", paramLabel = "NAME", converter = Schedule.Names.class, completionCandidates = Schedule.Names.class,
            description = "Learning-rate schedule: ${COMPLETION-CANDIDATES} (cosine: to 0 at the last epoch; step: x0.1 every third of the epochs).")
    Schedule schedule;

    @Option(names = "--grad-clip", paramLabel = "NORM",
            description = "Scale the gradients so that their joint L2 norm is at most NORM before each step (default: no clipping).")
    Double gradClip;

    @Option(names = "--epochs", paramLabel = "N", description = "Number of epochs (default from the recipe).")
    Integer epochs;

    @Option(names = "--batch", paramLabel = "N", description = "Batch size (default from the recipe).")
    Integer batch;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of initialisation, shuffling and dropout (default 0).")
    long seed;

    @Option(names = "--patience", paramLabel = "N", defaultValue = "0",
            description = "Stop early when the validation loss has not improved for N epochs, and restore the weights of the"
                    + " best epoch for the test score, --save and the report (default 0: never).")
    int patience;

    @Option(names = "--val-split", paramLabel = "F", defaultValue = "0",
            description = "For data sets without a validation split (fashion-mnist): hold out this fraction of the training set.")
    double valSplit;

    @Option(names = "--no-standardize", description = "Do not rescale features to mean 0, std 1 (fitted on the training split).")
    boolean noStandardize;

    @Option(names = "--save", paramLabel = "FILE", description = "Save the trained model (safetensors, with its preprocessing).")
    Path save;

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Draw loss and accuracy per epoch (train and validation).")
    Path plot;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", description = "Write a checkpoint after every epoch (atomically).")
    Path checkpointDir;

    @Option(names = "--resume", description = "Continue from the checkpoint in --checkpoint-dir.")
    boolean resume;

    @Mixin
    ClusterOptions cluster = new ClusterOptions();

    @Spec
    CommandSpec command;

    /**
     * The defaults for a data set: what {@code train --data NAME} does with no other options.
     * Fashion-MNIST's recipe is the measured one documented in the README.
     */
    record Recipe(int[] layers, String activation, double dropout, String optimizer, double lr, Schedule schedule,
                  int epochs, int batch, Augment augment) {
        Recipe(int[] layers, String activation, double dropout, String optimizer, double lr, Schedule schedule, int epochs, int batch) {
            this(layers, activation, dropout, optimizer, lr, schedule, epochs, batch, Augment.NONE);
        }

        /** The recipe of {@code --model cnn} or a YAML network on a data set (the layers are the network's). */
        static Recipe forNetwork(String key) {
            return switch (key) {
                case "digits" -> new Recipe(null, null, 0, "adam", 2e-3, Schedule.COSINE, 30, 32, new Augment(1, false));
                case "fashion-mnist" -> new Recipe(null, null, 0, "adam", 2e-3, Schedule.COSINE, 15, 128, new Augment(1, false));
                default -> new Recipe(null, null, 0, "adam", 1e-3, Schedule.NONE, 30, 32, Augment.NONE);
            };
        }

        static Recipe forData(String key) {
            return switch (key) {
                case "digits" -> new Recipe(new int[] {128}, "relu", 0, "adam", 1e-3, Schedule.NONE, 20, 32);
                case "iris" -> new Recipe(new int[] {16}, "relu", 0, "adam", 1e-2, Schedule.NONE, 60, 16);
                case "breast-cancer" -> new Recipe(new int[] {32}, "relu", 0, "adam", 1e-3, Schedule.NONE, 40, 32);
                case "fashion-mnist" -> new Recipe(new int[] {512, 256}, "relu", 0.2, "adam", 1e-3, Schedule.COSINE, 20, 128);
                default -> new Recipe(new int[] {64}, "relu", 0, "adam", 1e-3, Schedule.NONE, 30, 32);
            };
        }
    }

    /**
     * The options that change the trained weights: each is recorded with every checkpoint and must
     * be the same on {@code --resume} ({@code --epochs} may grow when there is no schedule).
     */
    static final List<String> RECORDED = List.of("--data", "--task", "--augment", "--model", "--layers", "--activation", "--dropout", "--batch-norm",
            "--optimizer", "--lr", "--schedule", "--grad-clip", "--epochs", "--batch", "--seed", "--patience", "--val-split",
            "--no-standardize", "--context", "--steps-per-epoch");
    /** The options that do not: where to read and write, and what to print; where training runs ({@link ClusterOptions}). */
    static final List<String> NOT_RECORDED = List.of("--data-dir", "--save", "--plot", "--checkpoint-dir", "--resume",
            "--help", "--version", "--debug", "--spark", "--average-every");
    /** Not an option: a checksum of the training and validation data as the network sees them. */
    static final String DATA_CHECKSUM = "data-checksum";

    /**
     * Every option must be in {@link #RECORDED} or {@link #NOT_RECORDED}: a new option that is in
     * neither stops every run (and every test) until someone decides whether a resume must check it.
     */
    static void checkOptionsAreSorted(CommandSpec spec) {
        for (var o : spec.options()) {
            String name = o.longestName();
            if (!RECORDED.contains(name) && !NOT_RECORDED.contains(name)) {
                throw new IllegalStateException("train option " + name + " is in neither TrainCommand.RECORDED nor"
                        + " TrainCommand.NOT_RECORDED: does a resumed run need the same value?");
            }
        }
    }

    /**
     * {@code --augment}: random shifts of up to {@code shift} pixels, and mirror images.
     */
    record Augment(int shift, boolean flip) {
        static final Augment NONE = new Augment(0, false);

        static Augment parse(String text) {
            String t = text.strip().toLowerCase(Locale.ROOT);
            if (t.equals("none")) return NONE;
            int shift = 0;
            boolean flip = false;
            for (String part : t.split(",", -1)) {
                String p = part.strip();
                if (p.equals("flip") && !flip) {
                    flip = true;
                } else if (p.startsWith("shift=") && shift == 0) {
                    try {
                        shift = Integer.parseInt(p.substring(6).strip());
                    } catch (NumberFormatException e) {
                        shift = -1;
                    }
                    if (shift < 1 || shift > 64) throw bad(text, "'" + p + "' needs a number of pixels from 1 to 64");
                } else {
                    throw bad(text, "'" + p + "' is not shift=N or flip");
                }
            }
            return new Augment(shift, flip);
        }

        private static BackpropException bad(String text, String why) {
            return new BackpropException("invalid --augment '" + text + "': " + why + "; expected none, shift=N, flip, or shift=N,flip");
        }

        boolean any() {
            return shift > 0 || flip;
        }

        String cliName() {
            return !any() ? "none" : (shift > 0 ? "shift=" + shift : "") + (shift > 0 && flip ? "," : "") + (flip ? "flip" : "");
        }
    }

    /** The shape of one image of a data set ([channels, height, width]), or null when its samples are no images. */
    static int[] imageShape(String key) {
        return switch (key) {
            case "digits" -> new int[] {1, 8, 8};
            case "fashion-mnist" -> new int[] {1, 28, 28};
            default -> null;
        };
    }

    @Override
    public Integer call() {
        checkOptionsAreSorted(command);
        if (TextTraining.isText(data)) return new TextTraining(this).run();
        if (context != null || stepsPerEpoch != null) {
            throw new BackpropException((context != null ? "--context" : "--steps-per-epoch") + " is for text data (--data words or text:FILE)");
        }
        PrintWriter out = command.commandLine().getOut();
        PrintWriter err = command.commandLine().getErr();
        Task theTask = task;
        String key = dataKey(data);
        String modelName = model == null || model.equals("mlp") ? "mlp" : model;
        boolean mlp = modelName.equals("mlp");
        Path modelYaml = mlp || modelName.equals("cnn") ? null : Path.of(modelName);
        if (modelYaml != null && !modelName.toLowerCase(Locale.ROOT).endsWith(".yaml") && !modelName.toLowerCase(Locale.ROOT).endsWith(".yml")
                && !java.nio.file.Files.exists(modelYaml)) {
            throw new BackpropException("unknown --model '" + modelName + "'; valid: mlp, cnn, or a FILE.yaml of layers");
        }
        if (!mlp) {
            for (String[] o : new String[][] {{"--layers", layers}, {"--activation", activation},
                    {"--dropout", dropout == null ? null : "x"}, {"--batch-norm", batchNorm ? "x" : null}}) {
                if (o[1] != null) {
                    throw new BackpropException(o[0] + " is for --model mlp; --model " + modelName + " has its own layers"
                            + (modelYaml == null ? " (write a FILE.yaml of layers for others)" : ""));
                }
            }
        }
        if (modelName.equals("cnn") && imageShape(key) == null) {
            throw new BackpropException("--model cnn needs a data set of images (digits, fashion-mnist); " + (key.equals("csv") ? data : key)
                    + " is not one: use --model FILE.yaml with an unflatten layer for the images of a CSV file");
        }
        Recipe recipe = mlp ? Recipe.forData(key) : Recipe.forNetwork(key);
        Augment aug = augment == null && mlp ? Augment.NONE : augment == null ? recipe.augment() : Augment.parse(augment);
        if (aug.any() && mlp) throw new BackpropException("--augment is for image networks: --model cnn or a FILE.yaml of layers");
        if (aug.flip() && !key.equals("fashion-mnist")) {
            throw new BackpropException("--augment " + augment + ": flips are for fashion-mnist only"
                    + (key.equals("digits") ? " (a mirrored digit is no digit: 2 and 5, 3 and E)" : " (is a mirror image of "
                    + (key.equals("csv") ? data : key) + " the same class?); put random_shift2d with flip: true in the YAML to insist"));
        }
        int[] hidden = layers == null ? recipe.layers() : parseLayers(layers);
        String act = activation == null ? recipe.activation() : activation;
        double p = dropout == null ? recipe.dropout() : dropout;
        if (!(p >= 0 && p < 1)) throw new BackpropException("invalid --dropout " + dropout + " (must be in [0, 1))");
        String opt = optimizer == null ? recipe.optimizer() : optimizer;
        double rate = lr == null ? recipe.lr() : lr;
        if (!(rate > 0) || Double.isInfinite(rate)) throw new BackpropException("invalid --lr " + lr + " (must be a positive number)");
        if (gradClip != null && (!(gradClip > 0) || Double.isInfinite(gradClip))) {
            throw new BackpropException("invalid --grad-clip " + fmt(gradClip) + " (must be a positive number)");
        }
        Schedule sched = schedule == null ? recipe.schedule() : schedule;
        int nEpochs = epochs == null ? recipe.epochs() : epochs;
        if (nEpochs < 1) throw new BackpropException("invalid --epochs " + epochs + " (must be at least 1)");
        int batchSize = batch == null ? recipe.batch() : batch;
        if (batchSize < 1) throw new BackpropException("invalid --batch " + batch + " (must be at least 1)");
        if (patience < 0) throw new BackpropException("invalid --patience " + patience + " (must be >= 0)");
        if (!(valSplit >= 0 && valSplit < 1)) throw new BackpropException("invalid --val-split " + valSplit + " (must be in [0, 1))");
        if (resume && checkpointDir == null) throw new BackpropException("--resume needs --checkpoint-dir DIR");
        if (plot != null && !plot.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
            throw new BackpropException("--plot " + plot + ": the chart is a PNG file; name it *.png");
        }
        cluster.check();
        Main.checkOutput("--save", save, true);
        Main.checkOutput("--plot", plot, true);
        FileKind checkpointKind = checkCheckpointPath();
        if (theTask == Task.REGRESS && !key.equals("csv")) {
            throw new BackpropException("--task regress needs a CSV file with a numeric last column; " + key + " is a classification set");
        }

        // Data: split, then standardized with statistics of the training split only.
        DataSplits splits = loadData(theTask);
        if (splits.validation() == null && valSplit > 0) {
            DataSplits s = Splits.split(splits.train(), 1 - valSplit, valSplit, theTask == Task.CLASSIFY,
                    new SplittableRandom(Datasets.SPLIT_SEED));
            splits = new DataSplits(s.train(), s.validation(), splits.test());
        }
        // Images are scaled by one mean and std over all pixels (see Standardizer.fitPooled); other data column by column.
        boolean images = !mlp && imageShape(key) != null;
        Standardizer standardizer = noStandardize ? null : images ? Standardizer.fitPooled(splits.train().features())
                : Standardizer.fit(splits.train());
        if (standardizer != null) splits = splits.standardized(standardizer);
        Dataset train = splits.train();
        if (train.numFeatures() == 0) {
            throw new BackpropException(data + ": only one column; expected feature columns followed by the label in the last column");
        }
        int outputs = theTask == Task.CLASSIFY ? train.numClasses()
                : train.targets().rank() == 1 ? 1 : train.targets().size(1);
        if (theTask == Task.CLASSIFY && outputs < 2) {
            throw new BackpropException("the training data has " + outputs + " class; classification needs at least 2");
        }
        if (theTask == Task.CLASSIFY && outputs > MAX_CLASSES) {
            // The output layer, each step's logits and the evaluation grow with the classes: 65,536 of them took
            // minutes per epoch and 6 GB. Such a label column is an id or a number far more often than classes.
            throw new BackpropException(String.format(Locale.ROOT, "%s: the label column holds %,d classes, more than train's"
                    + " limit of %,d; is it a class label? For a number to predict, use --task regress", data, outputs, MAX_CLASSES));
        }
        if (theTask == Task.CLASSIFY && outputs > MANY_CLASSES && train.size() < 5L * outputs) {
            // A label column of numbers (an id, a price) read as classes: say so before the long run.
            err.println(String.format(Locale.ROOT, "note: %,d classes for %,d training examples (%.1f per class): is the last"
                    + " column a class label? For a number to predict, use --task regress", outputs, train.size(),
                    (double) train.size() / outputs));
        }
        String[] classNames = theTask == Task.CLASSIFY ? classNames(train, outputs) : null;
        String source = key.equals("csv") ? Path.of(data).toAbsolutePath().normalize().toString() : key;
        ModelSpec spec;
        if (mlp) {
            spec = new ModelSpec(train.numFeatures(), hidden, outputs, act, p, batchNorm, theTask, classNames,
                    train.featureNames(), standardizer, source);
            checkModelFits(spec.sizes(), layers);
        } else {
            double fill = standardizer == null ? 0 : -standardizer.mean()[0] / (double) standardizer.std()[0];
            Network net = network(modelName, modelYaml, key, train.numFeatures(), outputs, aug, augment != null, fill);
            Architecture arch = net.architecture();
            aug = net.augment();
            spec = ModelSpec.sequential(arch, theTask, classNames, train.featureNames(), standardizer, source);
            checkParameters(arch.tensorElements(), "--model " + modelName);
        }

        // Model, optimiser, schedule: all drawn from the seed.
        EpochRandom random = new EpochRandom(seed);
        Sequential model = spec.build(random);
        Optimizer optim = Optimizers.create(opt, model.parameters(), rate);
        LrSchedule lrSchedule = sched.create(optim, nEpochs);
        Map<String, String> config = config(key, theTask, spec, aug, hidden, act, p, opt, rate, sched, nEpochs, batchSize,
                standardizer != null);
        if (checkpointDir != null) config.put(DATA_CHECKSUM, dataChecksum(train, splits.validation()));

        AtomicReference<EpochStats> restored = new AtomicReference<>();
        Trainer.Builder builder = Trainer.builder().epochs(nEpochs).batchSize(batchSize).seed(seed).task(theTask)
                .earlyStopping(patience, true).epochRandom(random).schedule(lrSchedule)
                .listener(new ProgressBar(out, ProgressBar.isTerminal()))
                .listener(new TrainingListener() {
                    @Override
                    public void onBestRestored(EpochStats best) {
                        restored.set(best);
                    }
                });
        if (gradClip != null) {
            double maxNorm = gradClip;
            builder.gradientHook(params -> GradClip.clipByNorm(params, maxNorm));
        }
        if (checkpointDir != null) {
            Map<String, String> meta = new LinkedHashMap<>(ModelFile.metadata(spec));
            meta.put(CONFIG_KEY, Json.write(config));
            builder.checkpointDir(checkpointDir).checkpointMetadata(meta);
            Path file = Checkpoint.fileIn(checkpointDir);
            if (resume && checkpointKind == FileKind.REGULAR) {
                Checkpoint cp = Checkpoint.load(file);
                checkSameConfig(cp, config, file);
                builder.resumeFrom(cp);
            } else if (resume) {
                err.println("note: no checkpoint in " + checkpointDir + " yet; starting from epoch 1");
            } else if (checkpointKind == FileKind.REGULAR) {
                err.println("note: replacing the checkpoint in " + checkpointDir + " (use --resume to continue it)");
            }
        }

        out.println(dataLine(key.equals("csv") ? data : key, splits, theTask));
        out.printf(Locale.ROOT, "model: %s (%,d parameters); %s lr %s%s%s, batch %d, %d epochs, seed %d%n", spec.describe(),
                model.parameterCount(), opt, fmt(rate), sched == Schedule.NONE ? "" : " " + sched.cliName(),
                gradClip == null ? "" : ", grad-clip " + fmt(gradClip), batchSize, nEpochs, seed);
        out.flush();
        long start = System.nanoTime();
        History history = cluster.fit(builder, spec, model, optim, opt, rate, gradClip, train, splits.validation(), out);
        double seconds = (System.nanoTime() - start) / 1e9;
        EpochStats best = restored.get();
        out.printf(Locale.ROOT, "trained %d epochs in %.1fs%s%n", history.size(), seconds, best == null ? ""
                : String.format(Locale.ROOT, "; stopped early at epoch %d; restored the weights of epoch %d (best validation loss %.4f)",
                        history.last().epoch(), best.epoch(), best.validationLoss()));

        if (save != null) {
            ModelFile.save(save, model, spec);
            out.println("saved model to " + save);
        }
        if (plot != null) {
            Plots.trainingCurves(history, plot, key.equals("csv") ? Path.of(data).getFileName().toString() : key);
            out.println("plotted curves to " + plot);
        }
        Dataset test = splits.test();
        if (test == null || test.size() == 0) {
            out.println("no test split: nothing more to report");
        } else {
            Evaluation e = Evaluation.of(model, test);
            if (theTask == Task.CLASSIFY) out.printf(Locale.ROOT, "test accuracy: %.4f%n", e.accuracy());
            else out.printf(Locale.ROOT, "test mse: %.6g%n", e.loss());
        }
        out.flush();
        return 0;
    }

    static final String CONFIG_KEY = "train.config";
    /** Above this many classes, fewer than five training examples per class earns a note. */
    static final int MANY_CLASSES = 100;
    /** The most classes train fits a classifier to. */
    static final int MAX_CLASSES = 10_000;

    /**
     * Refuses a --checkpoint-dir that is not a directory (or absent), or whose checkpoint path is
     * something a checkpoint cannot be read from or written to (a FIFO, a device, a link loop),
     * before any work; returns what the checkpoint path is (null without --checkpoint-dir).
     */
    FileKind checkCheckpointPath() {
        if (checkpointDir == null) return null;
        FileKind dir = FileKind.of(checkpointDir);
        if (dir != FileKind.MISSING && dir != FileKind.DIRECTORY) {
            throw new BackpropException("--checkpoint-dir " + checkpointDir + ": is " + dir.description() + "; expected a directory");
        }
        Path file = Checkpoint.fileIn(checkpointDir);
        FileKind kind = FileKind.of(file);
        if (kind != FileKind.MISSING && kind != FileKind.BROKEN_LINK && kind != FileKind.REGULAR) {
            throw new BackpropException("--checkpoint-dir " + checkpointDir + ": " + file + " is " + kind.description()
                    + ", not a regular file; remove it, or choose another --checkpoint-dir");
        }
        return kind;
    }

    /** "digits", "iris", "breast-cancer", "fashion-mnist", or "csv" for a file. */
    static String dataKey(String data) {
        if (data == null || data.isBlank()) return Datasets.DEFAULT_NAME;
        String name = Datasets.canonicalName(data);
        if (name != null) return name;
        FileKind kind = FileKind.of(Path.of(data));
        if (kind == FileKind.MISSING) {
            throw new BackpropException("unknown data set '" + data + "' and no such file; valid: "
                    + String.join(", ", Datasets.names()) + ", or the path of a CSV file; for character models: words, or text:FILE");
        }
        if (kind != FileKind.REGULAR) {
            throw new BackpropException(data + ": is " + kind.description() + (kind == FileKind.DIRECTORY ? "" : ", not a regular file")
                    + "; expected a CSV file or one of: " + String.join(", ", Datasets.names()));
        }
        return "csv";
    }

    private DataSplits loadData(Task theTask) {
        if (theTask == Task.REGRESS) {
            Dataset all = Csv.read(Path.of(data), Csv.Options.defaults().asRegression()).toDataset();
            return Datasets.defaultSplit(all);
        }
        DataSplits s = Datasets.load(data == null ? Datasets.DEFAULT_NAME : data, dataDir);
        if (!s.train().isClassification()) throw new BackpropException(data + ": no class labels; for numbers use --task regress");
        return s;
    }

    /** Parses "512,256" (or "none" for no hidden layer). */
    static int[] parseLayers(String text) {
        String t = text.strip();
        if (t.equalsIgnoreCase("none") || t.isEmpty()) return new int[0];
        String[] parts = t.split(",", -1);
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String s = parts[i].strip();
            try {
                out[i] = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                out[i] = -1;
            }
            if (out[i] < 1) {
                throw new BackpropException("invalid --layers '" + text + "': '" + s
                        + "' is not a layer size; expected positive whole numbers separated by commas, e.g. 512,256");
            }
        }
        return out;
    }

    /**
     * Refuses a network whose weights, gradients and optimiser state would not fit in the heap,
     * before anything is allocated.
     */
    static void checkModelFits(int[] sizes, String layersOption) {
        long params = 0;
        for (int i = 0; i + 1 < sizes.length; i++) {
            long w = (long) sizes[i] * sizes[i + 1];
            if (w > Integer.MAX_VALUE - 8) {
                throw new BackpropException(what(layersOption) + ": a layer of " + sizes[i] + " x " + sizes[i + 1]
                        + " weights has more than 2^31 elements; use smaller layers");
            }
            params += w + sizes[i + 1];
        }
        checkParameters(params, what(layersOption));
    }

    /** Refuses {@code params} parameters when they, their gradients and the optimiser state would not fit in the heap. */
    static void checkParameters(long params, String what) {
        long bytes = params * Float.BYTES * 4; // weights, gradients and up to two optimiser moments
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap * 0.9) {
            throw new BackpropException(String.format(Locale.ROOT,
                    "%s: the model has %,d parameters, about %.1f GiB with gradients and optimiser state, more than the heap's %.1f GiB;"
                            + " use smaller layers, or raise the heap with BACKPROP4J_JAVA_OPTS=-Xmx16g",
                    what, params, bytes / 1073741824.0, heap / 1073741824.0));
        }
    }

    private static String what(String layersOption) {
        return layersOption == null ? "the model" : "--layers " + layersOption;
    }

    /**
     * The network of {@code --model cnn} or {@code --model FILE.yaml} for rows of {@code inputs}
     * features and {@code outputs} outputs: for a data set of images, an unflatten to the image
     * shape first (unless the file starts with one, or with a layer that takes rows), then the
     * augmentation; a last linear layer without {@code out} gets the outputs.
     */
    static Network network(String modelName, Path yaml, String key, int inputs, int outputs, Augment aug, boolean asked, double fill) {
        int[] image = imageShape(key);
        ModelYaml file = yaml == null ? null : ModelYaml.read(yaml);
        List<Object> own = file != null ? file.layers() : defaultCnn(image);
        String first = own.getFirst() instanceof Map<?, ?> m && m.get("type") instanceof String t ? t : "";
        boolean unflatten = image != null && IMAGE_FIRST.contains(first);
        if (!asked && !unflatten && !first.equals("unflatten")) aug = Augment.NONE;   // the recipe's is for networks of images
        if (aug.any() && !unflatten && !first.equals("unflatten")) {
            throw new BackpropException("--augment " + aug.cliName() + " needs images: " + (image == null
                    ? (key.equals("csv") ? "the data" : key) + " has none; start " + yaml + " with an unflatten to the image shape"
                    : yaml + " starts with " + first + ", not with a layer of images"));
        }
        List<Object> added = new java.util.ArrayList<>();
        if (unflatten) added.add(layer("type", "unflatten", "dim", 1L, "sizes", java.util.Arrays.stream(image).mapToObj(i -> (Object) (long) i).toList()));
        if (aug.any()) added.add(layer("type", "random_shift2d", "max_shift", (long) aug.shift(), "flip", aug.flip(), "fill", fill));
        int before = unflatten ? added.size() : 0;
        java.util.function.UnaryOperator<List<Object>> edit = ls -> {
            List<Object> all = new java.util.ArrayList<>(ls);
            if (!unflatten && !added.isEmpty()) all.addAll(1, added);  // the augmentation after the file's own unflatten
            else all.addAll(0, added);
            if (all.getLast() instanceof Map<?, ?> last && "linear".equals(last.get("type")) && !last.containsKey("out")) {
                Map<Object, Object> copy = new java.util.LinkedHashMap<>(last);
                copy.put("out", (long) outputs);
                all.set(all.size() - 1, copy);
            }
            return all;
        };
        Architecture arch;
        if (file != null) {
            arch = file.architecture(inputs, edit, before);
        } else {
            arch = Architecture.read(new int[] {inputs}, edit.apply(own));
        }
        int[] out = arch.outputShape();
        if (out.length != 2 || out[1] != outputs) {
            String what = (key.equals("csv") ? "the data" : key) + " has " + outputs + (outputs == 1 ? " target" : " classes");
            String message = "the last layer gives " + java.util.Arrays.toString(out).replaceFirst("^\\[1", "[N") + ", but " + what
                    + ": end with {type: linear, out: " + outputs + "}";
            if (file != null) throw new FormatException(yaml.toString(), file.layerWhere(-1, "out"), message);
            throw new BackpropException("--model " + modelName + ": " + message);
        }
        return new Network(arch, aug);
    }

    /** The network train builds, and the augmentation in it. */
    record Network(Architecture architecture, Augment augment) {}

    /** The layers that take images: a data set of images gets an unflatten before them. */
    private static final List<String> IMAGE_FIRST = List.of("conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "batch_norm2d",
            "dropout2d", "random_shift2d");

    private static Map<String, Object> layer(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    /**
     * {@code --model cnn}: two 3x3 convolutions (16 and 32 channels, each with batch norm and ReLU),
     * max-pooled by 2 (after each for 28x28 images, after the second for 8x8 ones), then a hidden
     * linear layer of 128 with ReLU and dropout 0.2 before the output layer. (With dropout 0.3 on
     * both sides of the hidden layer and mirrored images, Fashion-MNIST under-fitted: 0.9142.)
     */
    static List<Object> defaultCnn(int[] image) {
        boolean small = image[1] < 16;
        List<Object> l = new java.util.ArrayList<>();
        l.add(layer("type", "conv2d", "out_channels", 16L, "kernel", 3L, "padding", 1L));
        l.add(layer("type", "batch_norm2d"));
        l.add(layer("type", "relu"));
        if (!small) l.add(layer("type", "max_pool2d", "kernel", 2L));
        l.add(layer("type", "conv2d", "out_channels", 32L, "kernel", 3L, "padding", 1L));
        l.add(layer("type", "batch_norm2d"));
        l.add(layer("type", "relu"));
        l.add(layer("type", "max_pool2d", "kernel", 2L));
        l.add(layer("type", "flatten"));
        l.add(layer("type", "linear", "out", 128L));
        l.add(layer("type", "relu"));
        l.add(layer("type", "dropout", "p", 0.2));
        l.add(layer("type", "linear"));
        return l;
    }

    private static String[] classNames(Dataset train, int outputs) {
        if (train.classNames() != null && train.classNames().length == outputs) return train.classNames().clone();
        String[] names = new String[outputs];
        for (int i = 0; i < outputs; i++) names[i] = Integer.toString(i);
        return names;
    }

    /** "data: NAME (train ...)", NAME the data set's or the file's as given. */
    private static String dataLine(String name, DataSplits s, Task task) {
        Dataset t = s.train();
        return String.format(Locale.ROOT, "data: %s (train %d, validation %s, test %s; %d features%s)", name, t.size(),
                s.validation() == null ? "none" : Integer.toString(s.validation().size()),
                s.test() == null ? "none" : Integer.toString(s.test().size()), t.numFeatures(),
                task == Task.CLASSIFY ? ", " + t.numClasses() + " classes" : "");
    }

    /** The value of every option in {@link #RECORDED}, as in effect (the recipe's where left out), by name without "--". */
    private Map<String, String> config(String key, Task theTask, ModelSpec spec, Augment aug, int[] hidden, String act, double p,
                                       String opt, double rate, Schedule sched, int nEpochs, int batchSize, boolean standardized) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("data", key.equals("csv") ? Path.of(data).toAbsolutePath().normalize().toString() : key);  // as in the spec
        c.put("task", theTask.cliName());
        // The architecture itself, every layer with every field: a YAML file edited between runs is a different model.
        c.put("augment", aug.cliName());   // before the model, whose layers include the augmentation: the plainer message
        c.put("model", spec.isMlp() ? "mlp" : Json.write(spec.architecture().toMaps()));
        c.put("layers", java.util.Arrays.toString(hidden));
        c.put("activation", act);
        c.put("dropout", Double.toString(p));
        c.put("batch-norm", Boolean.toString(batchNorm));
        c.put("optimizer", opt);
        c.put("lr", Double.toString(rate));
        c.put("schedule", sched.cliName());
        c.put("grad-clip", gradClip == null ? "none" : Double.toString(gradClip));
        c.put("epochs", Integer.toString(nEpochs));
        c.put("batch", Integer.toString(batchSize));
        c.put("seed", Long.toString(seed));
        c.put("patience", Integer.toString(patience));
        c.put("val-split", Double.toString(valSplit));
        c.put("no-standardize", Boolean.toString(!standardized));
        c.put("context", "none");
        c.put("steps-per-epoch", "none");
        List<String> names = c.keySet().stream().map(k -> "--" + k).toList();
        if (!names.equals(RECORDED)) {
            throw new IllegalStateException("TrainCommand.config records " + names + ", not TrainCommand.RECORDED " + RECORDED);
        }
        return c;
    }

    /** CRC32C of the training and validation sets as the network sees them: shapes, features, labels or targets. */
    static String dataChecksum(Dataset... sets) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (Dataset d : sets) {
            if (d == null) {
                crc.update(0);
                continue;
            }
            crc.update(1);
            for (io.backprop4j.tensor.Tensor t : new io.backprop4j.tensor.Tensor[] {d.features(), d.targets()}) {
                if (t == null) {
                    crc.update(0);
                    continue;
                }
                for (int size : t.shape()) update(crc, buf, size);
                int rows = t.rank() == 0 ? 1 : t.size(0);
                int per = Math.max(1, (1 << 14) / Math.max(1, t.numel() / Math.max(1, rows)));
                for (int r = 0; r < rows; r += per) {
                    float[] part = (t.rank() == 0 ? t : t.narrow(0, r, Math.min(per, rows - r))).to(io.backprop4j.tensor.DType.FLOAT32)
                            .toFloatArray();
                    for (float f : part) update(crc, buf, Float.floatToRawIntBits(f));
                }
            }
            if (d.labels() != null) for (int label : d.labels()) update(crc, buf, label);
            crc.update(buf.array(), 0, buf.position());
            buf.clear();
        }
        return "crc32c:" + java.util.HexFormat.of().toHexDigits((int) crc.getValue());
    }

    private static void update(java.util.zip.CRC32C crc, java.nio.ByteBuffer buf, int value) {
        if (buf.remaining() < 4) {
            crc.update(buf.array(), 0, buf.position());
            buf.clear();
        }
        buf.putInt(value);
    }

    /** Refuses to resume a checkpoint written with other options or data (the epoch count may grow). */
    static void checkSameConfig(Checkpoint cp, Map<String, String> now, Path file) {
        String json = cp.metadata().get(CONFIG_KEY);
        if (json == null) throw new BackpropException(file + ": not written by 'backprop4j train' (no training options stored)");
        if (!(Json.parse(json, file + " " + CONFIG_KEY) instanceof Map<?, ?> then)) {
            throw new BackpropException(file + ": malformed training options");
        }
        for (Map.Entry<String, String> e : now.entrySet()) {
            // More epochs may be asked for, unless a schedule's shape depends on the count.
            if (e.getKey().equals("epochs") && "none".equals(now.get("schedule"))) continue;
            Object was = then.get(e.getKey());
            // Checkpoints from before --model and --augment: an MLP, without augmentation.
            if (was == null && e.getKey().equals("model")) was = "mlp";
            if (was == null && e.getKey().equals("augment")) was = "none";
            // Checkpoints from before the text models: no --context, no --steps-per-epoch.
            if (was == null && (e.getKey().equals("context") || e.getKey().equals("steps-per-epoch"))) was = "none";
            if (e.getKey().equals(DATA_CHECKSUM) && !Objects.equals(was, e.getValue())) {
                throw new BackpropException("cannot resume: " + file + " was trained on other data (the training or validation"
                        + " examples differ from this run's: was " + now.get("data") + " changed?); pass the same data, or another --checkpoint-dir");
            }
            if (e.getKey().equals("model") && !Objects.equals(was, e.getValue())) {
                throw new BackpropException("cannot resume: " + file + " was written for another model architecture"
                        + ("mlp".equals(was) ? " (an mlp)" : "") + "; pass the same --model (and the same file), or another --checkpoint-dir");
            }
            if (!Objects.equals(was, e.getValue())) {
                throw new BackpropException("cannot resume: " + file + " was written with --" + e.getKey() + " " + was
                        + ", this run has " + e.getValue() + "; pass the same options, or another --checkpoint-dir");
            }
        }
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e6 ? Long.toString((long) v) : Double.toString(v);
    }
}
