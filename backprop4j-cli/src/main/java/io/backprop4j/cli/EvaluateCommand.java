package io.backprop4j.cli;

import io.backprop4j.BackpropException;
import io.backprop4j.data.Csv;
import io.backprop4j.data.DataSplits;
import io.backprop4j.data.Dataset;
import io.backprop4j.data.Datasets;
import io.backprop4j.data.Table;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.train.Evaluation;
import io.backprop4j.train.Metrics;
import io.backprop4j.train.ModelFile;
import io.backprop4j.train.ModelSpec;
import io.backprop4j.train.Task;
import io.backprop4j.train.TrainingLoss;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code backprop4j evaluate}: a saved model's loss and accuracy on a data set, per-class
 * precision, recall and F1, and the confusion matrix.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score a saved model: loss, accuracy, per-class precision, recall and F1, and the confusion matrix.",
            "Without --data: the test split of the data set the model was trained on."},
        footer = {"", "An ONNX model (FILE.onnx) takes the raw features and standardises them in its",
            "graph. It names no data set, so --data is needed, and no classes or task: more",
            "than one output is a classifier (labels that are whole numbers are its class",
            "indices, other labels are taken in the data's order), one output a regression.",
            "Exit status: 0 done; 2 bad options, a missing, corrupt or altered model file,",
            "an ONNX operator that is not read, or data that does not fit."})
final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "A model saved by 'train --save', or an ONNX model (FILE.onnx).")
    Path modelFile;

    @Option(names = "--data", paramLabel = "NAME|FILE.csv", description = "A named data set or a CSV file (default: the model's).")
    String data;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where Fashion-MNIST lies.")
    Path dataDir;

    @Option(names = "--split", paramLabel = "SPLIT", converter = Split.Names.class, completionCandidates = Split.Names.class,
            description = "${COMPLETION-CANDIDATES} (default: test for a named data set, all for a CSV file given with --data).")
    Split split;

    /** Which examples to score. */
    enum Split implements Choices.Choice {
        TEST, VALIDATION, TRAIN, ALL;

        static final class Names extends Choices.Of<Split> {
            Names() {
                super("--split", Split.class);
            }
        }
    }

    @Option(names = "--plot", paramLabel = "FILE.png", description = "Draw the confusion matrix as a heat map.")
    Path plot;

    @Spec
    CommandSpec command;

    /** The most classes whose confusion matrix is printed and drawn. */
    static final int MAX_CONFUSION_CLASSES = 100;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        if (plot != null && !plot.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
            throw new BackpropException("--plot " + plot + ": the chart is a PNG file; name it *.png");
        }
        Main.checkOutput("--plot", plot, true);
        // Either a model saved by train (its spec says the task, the classes, the data and the
        // standardisation) or an ONNX graph (it standardises itself; the rest is assumed, see OnnxGraph).
        boolean onnx = OnnxGraph.isOnnx(modelFile);
        ModelFile model = onnx ? null : ModelFile.load(modelFile);
        if (model != null) PredictCommand.refuseCharacterModel(modelFile, model, "evaluate");
        OnnxGraph graph = onnx ? OnnxGraph.load(modelFile) : null;
        ModelSpec spec = onnx ? null : model.spec();
        int inputs = onnx ? graph.features() : spec.inputs();
        int outputs = onnx ? graph.run(Tensor.zeros(1, inputs)).size(1) : spec.outputs();
        Task task = onnx ? (outputs == 1 ? Task.REGRESS : Task.CLASSIFY) : spec.task();
        String source = data != null ? data : onnx ? null : spec.data();
        if (source == null) {
            throw new BackpropException(modelFile + (onnx ? " is an ONNX model, which does not say what data it was trained on; pass --data"
                    : " does not say what data it was trained on; pass --data"));
        }
        String key = TrainCommand.dataKey(source);
        Split which = split != null ? split : key.equals("csv") && data != null ? Split.ALL : Split.TEST;
        Dataset raw = load(source, key, which, task, inputs);
        // The feature count first: with the wrong count the last column is not the label, and its values
        // made a misleading "class '10' is not one of the model's classes".
        if (raw.numFeatures() != inputs) {
            String what = key.equals("csv") ? source + ": rows have " + raw.numFeatures() + " features (and a label in the last column)"
                    : key.equals("fashion-mnist") ? "fashion-mnist in " + (dataDir != null ? dataDir : Datasets.FASHION_MNIST_DIR)
                            + ": images of " + raw.numFeatures() + " pixels"
                    : key + ": " + raw.numFeatures() + " features";
            throw new BackpropException(what + "; the model " + modelFile + " takes " + inputs);
        }
        String dataName = key.equals("csv") ? source : key;
        raw = onnx ? relabelByNumber(raw, task, outputs) : relabel(raw, spec, dataName);
        Dataset ready = onnx ? raw : raw.withFeatures(model.preprocess(raw.features()));
        if (ready.size() == 0) throw new BackpropException("the " + which.cliName() + " split of " + source + " is empty");
        TrainingLoss loss = null;
        String assumed = null;
        if (onnx && task == Task.CLASSIFY) {
            String why = OnnxGraph.notProbabilities(Numbers.floatRows(graph.run(ready.features().narrow(0, 0, Math.min(ready.size(), 256)))));
            if (why == null) loss = EvaluateCommand::probabilityLoss;
            assumed = (why == null ? "outputs taken as class probabilities (the loss is -log p of the true class)"
                    : "outputs taken as logits (they are not probabilities: " + why + ")")
                    + ", classes " + (ready.classNames() != null && !numbered(ready.classNames()) ? "in the order of the data's labels"
                    : "numbered 0 to " + (outputs - 1)) + ", features as they are (the graph standardises them)";
        } else if (onnx) {
            assumed = "one output: a regression; features as they are (the graph standardises them)";
        }
        // the network through its InferencePlan (the forward's floats)
        Evaluation e = Evaluation.of(new Planned(onnx ? graph.network() : model.model()), ready, loss);

        out.println("model: " + modelFile + " (" + (onnx ? graph.describe() : spec.describe()) + ", " + task.cliName() + ")");
        if (assumed != null) out.println("assumed: " + assumed);
        out.println("data: " + (key.equals("csv") ? source : key) + ", " + which.cliName() + (which == Split.ALL ? "" : " split")
                + " (" + ready.size() + " examples)");
        if (task == Task.REGRESS) {
            out.printf(Locale.ROOT, "mse: %.6g%n", e.loss());
            out.flush();
            return 0;
        }
        out.printf(Locale.ROOT, "loss: %.4f%n", e.loss());
        out.printf(Locale.ROOT, "accuracy: %.4f%n", e.accuracy());
        String[] names = new String[outputs];
        String[] dataNames = ready.classNames();
        for (int k = 0; k < names.length; k++) {
            names[k] = !onnx ? model.className(k) : dataNames != null && k < dataNames.length ? dataNames[k] : Integer.toString(k);
        }
        out.println();
        printReport(out, e.report(), names);
        out.println();
        if (names.length > MAX_CONFUSION_CLASSES) {
            // Its classes² cells would not be read (and 65,536 classes need 16 GiB for them).
            out.println("confusion matrix: not shown for " + names.length + " classes (at most " + MAX_CONFUSION_CLASSES + ")");
            if (plot != null) out.println("no plot: the confusion matrix of " + names.length + " classes is not drawn");
        } else {
            int[][] confusion = e.confusion();
            printConfusion(out, confusion, names);
            if (plot != null) {
                Plots.confusion(confusion, names, plot, "Confusion matrix (" + (key.equals("csv") ? Path.of(source).getFileName() : key) + ")");
                out.println("plotted the confusion matrix to " + plot);
            }
        }
        out.flush();
        return 0;
    }

    private Dataset load(String source, String key, Split which, Task task, int inputs) {
        if (key.equals("csv")) {
            Csv.Options opts = task == Task.REGRESS ? Csv.Options.defaults().asRegression() : Csv.Options.defaults();
            Table t;
            try {
                t = Csv.read(Path.of(source), opts);
            } catch (io.backprop4j.FormatException e) {
                throw unlabelled(Path.of(source), inputs, e);
            }
            Dataset all = t.toDataset();
            if (which == Split.ALL) return all;
            return pick(Datasets.defaultSplit(all), which, source);
        }
        if (task == Task.REGRESS) throw new BackpropException("a regression model needs a CSV file with numeric targets: --data FILE.csv");
        DataSplits s = Datasets.load(key, dataDir);
        if (which == Split.ALL) {
            List<String> splits = Arrays.stream(Split.values()).filter(x -> x != Split.ALL).map(Split::cliName).toList();
            throw new BackpropException("--split all is for CSV files; for " + key + " choose "
                    + String.join(", ", splits.subList(0, splits.size() - 1)) + " or " + splits.getLast());
        }
        return pick(s, which, key);
    }

    /** A file of features alone (no label column) gets a hint; anything else is left as it was. */
    private static RuntimeException unlabelled(Path file, int inputs, io.backprop4j.FormatException e) {
        try {
            if (Csv.read(file, Csv.Options.defaults().noLabel()).cols() == inputs) {
                return new BackpropException(file + ": rows have " + inputs + " columns, the model's features alone;"
                        + " evaluate needs a label in the last column (for unlabelled rows use predict)");
            }
        } catch (BackpropException ignored) {
            // not even features alone: report the first error
        }
        return e;
    }

    private static Dataset pick(DataSplits s, Split which, String source) {
        Dataset d = switch (which) {
            case TRAIN -> s.train();
            case VALIDATION -> s.validation();
            case TEST, ALL -> s.test();
        };
        if (d == null) throw new BackpropException(source + " has no " + which.cliName() + " split");
        return d;
    }

    /**
     * The data with its labels as the model's class indices: class names are matched by name;
     * names that are whole numbers below the model's class count are taken as indices.
     */
    static Dataset relabel(Dataset d, ModelSpec spec, String source) {
        if (spec.task() == Task.REGRESS || d.labels() == null) return d;
        String[] modelNames = spec.classNames();
        String[] dataNames = d.classNames();
        if (dataNames == null || modelNames == null || Arrays.equals(dataNames, modelNames)) return d;
        int[] map = new int[dataNames.length];
        List<String> known = Arrays.asList(modelNames);
        for (int c = 0; c < dataNames.length; c++) {
            int idx = known.indexOf(dataNames[c]);
            if (idx < 0) {
                try {
                    int n = Integer.parseInt(dataNames[c]);
                    if (n >= 0 && n < spec.outputs()) idx = n;
                } catch (NumberFormatException ignored) {
                    // not an index either
                }
            }
            if (idx < 0) {
                throw new BackpropException(source + ": class '" + dataNames[c] + "' is not one of the model's classes: "
                        + String.join(", ", modelNames));
            }
            map[c] = idx;
        }
        int[] labels = new int[d.size()];
        for (int i = 0; i < labels.length; i++) labels[i] = map[d.labels()[i]];
        Tensor f = d.features();
        return new Dataset(f, labels, null, modelNames.clone(), d.featureNames());
    }

    /**
     * For a model that names no classes (an ONNX graph): labels whose names are all whole numbers
     * below the model's output count are taken as those class indices ("3" is output 3); other
     * names keep the data's order of them.
     */
    static Dataset relabelByNumber(Dataset d, Task task, int outputs) {
        String[] names = d.classNames();
        if (task == Task.REGRESS || d.labels() == null || names == null || !numbered(names)) return d;
        int[] map = new int[names.length];
        for (int c = 0; c < names.length; c++) {
            map[c] = Integer.parseInt(names[c]);
            if (map[c] >= outputs) return d;
        }
        int[] labels = new int[d.size()];
        for (int i = 0; i < labels.length; i++) labels[i] = map[d.labels()[i]];
        String[] numbers = new String[Math.max(outputs, 1)];
        for (int c = 0; c < numbers.length; c++) numbers[c] = Integer.toString(c);
        return new Dataset(d.features(), labels, null, numbers, d.featureNames());
    }

    /** Whether every name is a whole number from 0 (written without a sign or leading zeros). */
    static boolean numbered(String[] names) {
        for (String n : names) if (!n.matches("0|[1-9][0-9]{0,8}")) return false;
        return true;
    }

    /** The mean of −log p[label] over rows of class probabilities [n, classes]: cross-entropy when the model gives probabilities. */
    static Tensor probabilityLoss(Tensor probabilities, int[] labels, Tensor targets) {
        float[][] p = Numbers.floatRows(probabilities);
        double sum = 0;
        for (int i = 0; i < p.length; i++) sum -= Math.log(Math.max(p[i][labels[i]], Float.MIN_NORMAL));
        return Tensor.scalar(p.length == 0 ? Double.NaN : sum / p.length, DType.FLOAT64);
    }

    static void printReport(PrintWriter out, Metrics.Report r, String[] names) {
        int w = Math.max(12, Arrays.stream(names).mapToInt(String::length).max().orElse(0) + 2);
        out.printf(Locale.ROOT, "%-" + w + "s %9s %9s %9s %8s%n", "class", "precision", "recall", "f1", "support");
        int total = 0;
        for (int k = 0; k < names.length; k++) {
            out.printf(Locale.ROOT, "%-" + w + "s %9.4f %9.4f %9.4f %8d%n", names[k], r.precision()[k], r.recall()[k], r.f1()[k],
                    r.support()[k]);
            total += r.support()[k];
        }
        out.printf(Locale.ROOT, "%-" + w + "s %9.4f %9.4f %9.4f %8d%n", "macro avg", r.macroPrecision(), r.macroRecall(),
                r.macroF1(), total);
    }

    /** The widest line of a confusion matrix with the class names over its columns; a wider one numbers them instead. */
    static final int MAX_CONFUSION_WIDTH = 100;

    /**
     * The confusion matrix as text: each column headed by its class name, as wide as the name
     * needs; when those columns would not fit in {@link #MAX_CONFUSION_WIDTH} characters, the
     * columns are numbered and each row's label starts with its number, so that the rows are the
     * legend.
     */
    static void printConfusion(PrintWriter out, int[][] c, String[] names) {
        int cell = 4;
        for (int[] row : c) for (int v : row) cell = Math.max(cell, Integer.toString(v).length() + 1);
        int w = Math.max(6, Arrays.stream(names).mapToInt(String::length).max().orElse(0) + 2);
        String[] heads = names.clone();
        String[] labels = names.clone();
        int[] width = new int[names.length];
        int line = w;
        for (int k = 0; k < names.length; k++) {
            width[k] = names[k].length() + 1 <= cell ? cell : names[k].length() + 2;
            line += width[k];
        }
        boolean numbered = line > MAX_CONFUSION_WIDTH;
        if (numbered) {
            int digits = Integer.toString(Math.max(0, names.length - 1)).length();
            for (int k = 0; k < names.length; k++) {
                heads[k] = Integer.toString(k);
                labels[k] = String.format(Locale.ROOT, "%-" + digits + "d %s", k, names[k]);
                width[k] = Math.max(cell, digits + 1);
            }
            w += digits + 1;
        }
        out.println("confusion matrix (rows: true class, columns: predicted class" + (numbered ? ", numbered as the rows)" : ")"));
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-" + w + "s", ""));
        for (int k = 0; k < heads.length; k++) sb.append(String.format(Locale.ROOT, "%" + width[k] + "s", heads[k]));
        out.println(sb);
        for (int a = 0; a < c.length; a++) {
            sb = new StringBuilder(String.format(Locale.ROOT, "%-" + w + "s", labels[a]));
            for (int k = 0; k < c[a].length; k++) sb.append(String.format(Locale.ROOT, "%" + width[k] + "d", c[a][k]));
            out.println(sb);
        }
    }
}
