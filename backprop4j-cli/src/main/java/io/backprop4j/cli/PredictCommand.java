package io.backprop4j.cli;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import io.backprop4j.data.Csv;
import io.backprop4j.data.Table;
import io.backprop4j.infer.InferencePlan;
import io.backprop4j.io.AtomicFiles;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.train.Metrics;
import io.backprop4j.train.ModelFile;
import io.backprop4j.train.ModelSpec;
import io.backprop4j.train.Task;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code backprop4j predict}: the predicted class and the class probabilities (or the predicted
 * values, for regression) for every row of a CSV file of raw features.
 */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Predict with a saved model: for each row of a CSV file, the predicted class and its probabilities.",
            "The file holds the model's features, one row per example; an extra last column (a label) is ignored."},
        footer = {"", "CSV output: row,predicted,p_<class>...  JSON output: [{\"row\":1,\"predicted\":\"3\",\"probabilities\":{...}}, ...]",
            "Raw output: per row the model's outputs (a classifier's class probabilities), comma-separated, no header.",
            "Numbers are the shortest decimals that read back as the model's float32 values.",
            "An ONNX model (FILE.onnx, as 'export' writes) does all the work in its graph:",
            "it takes the raw features, and its outputs are written as they are. It has no",
            "class names or task: more than one output per row is read as a classifier",
            "(classes 0, 1, ..., the predicted one the largest output), one as a regression.",
            "Exit status: 0 done; 2 bad options, a missing, corrupt or altered model, an",
            "ONNX operator that is not read, or a malformed CSV file."})
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "A model saved by 'train --save', or an ONNX model (FILE.onnx).")
    Path modelFile;

    @Option(names = "--input", required = true, paramLabel = "FILE.csv", description = "Raw features, one row per example (a header is optional).")
    Path input;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "csv", converter = Format.Names.class,
            completionCandidates = Format.Names.class, description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    Format format;

    /** What predict writes. */
    enum Format implements Choices.Choice {
        /** A header, then per row its number, the predicted class and the probabilities (or the values). */
        CSV,
        /** An array with an object per row. */
        JSON,
        /**
         * Per row the model's outputs alone, comma-separated, no header: what an exported model
         * returns for the row (softmax included for a classifier).
         */
        RAW;

        static final class Names extends Choices.Of<Format> {
            Names() {
                super("--format", Format.class);
            }
        }
    }

    @Option(names = "--output", paramLabel = "FILE", description = "Write to FILE instead of standard output.")
    Path output;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() {
        Main.checkOutput("--output", output, true);
        StringWriter text = new StringWriter();
        PrintWriter w = new PrintWriter(text);
        if (OnnxGraph.isOnnx(modelFile)) {
            predictOnnx(w);
        } else {
            ModelFile model = ModelFile.load(modelFile);
            refuseCharacterModel(modelFile, model, "predict");
            ModelSpec spec = model.spec();
            Tensor outputs = outputs(model, readFeatures(input, spec.inputs()));
            float[][] values = Numbers.floatRows(outputs);
            switch (format) {
                case RAW -> writeRaw(w, values);
                case CSV, JSON -> {
                    if (spec.task() == Task.CLASSIFY) {
                        String[] names = new String[spec.outputs()];
                        for (int k = 0; k < names.length; k++) names[k] = model.className(k);
                        writeClasses(w, format, names, Metrics.argmax(outputs), values);
                    } else {
                        writeValues(w, format, values);
                    }
                }
            }
        }
        w.flush();
        if (output != null) {
            AtomicFiles.write(output, text.toString().getBytes(StandardCharsets.UTF_8));
        } else {
            PrintWriter out = command.commandLine().getOut();
            out.print(text);
            out.flush();
        }
        return 0;
    }

    /**
     * An ONNX model: its outputs as they are. More than one per row: a classifier, classes named
     * 0, 1, ..., the predicted one the largest output; one: a regression (see {@link OnnxGraph}).
     */
    private void predictOnnx(PrintWriter w) {
        OnnxGraph graph = OnnxGraph.load(modelFile);
        Tensor outputs = graph.run(readFeatures(input, graph.features()));
        float[][] values = Numbers.floatRows(outputs);
        int k = outputs.size(1);
        if (format == Format.RAW) {
            writeRaw(w, values);
        } else if (k == 1) {
            writeValues(w, format, values);
        } else {
            String[] names = new String[k];
            for (int c = 0; c < k; c++) names[c] = Integer.toString(c);
            writeClasses(w, format, names, Metrics.argmax(outputs), values);
            String why = OnnxGraph.notProbabilities(values);
            if (why != null) {
                PrintWriter err = command.commandLine().getErr();
                err.println("backprop4j: note: " + modelFile + " gives outputs that are not probabilities (" + why
                        + "): they are written as they are, and the predicted class is the largest");
                err.flush();
            }
        }
    }

    /**
     * What {@link ModelFile#predictProbabilities} (a classifier) or {@link ModelFile#predictRaw}
     * gives for the raw features, the network run through an {@link InferencePlan} in chunks of
     * rows (its buffers reused from chunk to chunk).
     */
    static Tensor outputs(ModelFile model, Tensor rawFeatures) {
        Tensor logits = InferencePlan.of(model.model()).predictRows(model.preprocess(rawFeatures));
        if (model.spec().task() != Task.CLASSIFY) return logits;
        try (var g = NoGrad.enter()) {
            return logits.softmax(1);
        }
    }

    /** predict and evaluate take models of features: a character model (it has a vocabulary) is refused by name. */
    static void refuseCharacterModel(Path file, ModelFile model, String command) {
        if (model.vocabulary() != null) {
            throw new BackpropException(file + ": a character model (trained on text): " + command + " takes models of features;"
                    + " sample from it with generate --model " + file);
        }
    }

    /**
     * The features of a CSV file as [rows, inputs], a row being one sample flattened in the
     * model input's row-major order; a file with one more column has it dropped (a label, numbers
     * or class names).
     */
    static Tensor readFeatures(Path file, int inputs) {
        Table t;
        try {
            t = Csv.read(file, Csv.Options.defaults().noLabel());
        } catch (FormatException numbersOnly) {
            // Perhaps a label column of class names ("setosa"), which the help says is ignored: read the
            // last column as labels. Any other problem is reported as the numbers-only reading found it.
            Table labelled;
            try {
                labelled = Csv.read(file, Csv.Options.defaults());
            } catch (BackpropException e) {
                throw numbersOnly;
            }
            if (labelled.cols() != inputs) throw numbersOnly;
            return Tensor.of(labelled.features(), labelled.rows(), labelled.cols());
        }
        if (t.cols() == inputs) return Tensor.of(t.features(), t.rows(), t.cols());
        if (t.cols() == inputs + 1) {
            float[] f = new float[t.rows() * inputs];
            for (int r = 0; r < t.rows(); r++) System.arraycopy(t.features(), r * t.cols(), f, r * inputs, inputs);
            return Tensor.of(f, t.rows(), inputs);
        }
        throw new BackpropException(file + ": rows have " + t.cols() + " columns; the model takes " + inputs + " features"
                + " (optionally followed by a label column)");
    }

    private static void writeClasses(PrintWriter w, Format format, String[] names, int[] predicted, float[][] probs) {
        int k = names.length;
        if (format == Format.CSV) {
            StringBuilder head = new StringBuilder("row,predicted");
            for (int c = 0; c < k; c++) head.append(",p_").append(csvField(names[c]));
            w.println(head);
            for (int i = 0; i < predicted.length; i++) {
                StringBuilder sb = new StringBuilder().append(i + 1).append(',').append(csvField(names[predicted[i]]));
                for (int c = 0; c < k; c++) sb.append(',').append(Numbers.of(probs[i][c]));
                w.println(sb);
            }
        } else {
            List<Object> rows = new ArrayList<>();
            for (int i = 0; i < predicted.length; i++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("row", i + 1);
                row.put("predicted", names[predicted[i]]);
                Map<String, Object> p = new LinkedHashMap<>();
                for (int c = 0; c < k; c++) p.put(names[c], probs[i][c]);
                row.put("probabilities", p);
                rows.add(row);
            }
            w.println(Json.writePretty(rows));
        }
    }

    private static void writeValues(PrintWriter w, Format format, float[][] values) {
        int k = values.length == 0 ? 1 : values[0].length;
        if (format == Format.CSV) {
            StringBuilder head = new StringBuilder("row");
            if (k == 1) head.append(",predicted");
            else for (int c = 0; c < k; c++) head.append(",predicted_").append(c);
            w.println(head);
            for (int i = 0; i < values.length; i++) {
                StringBuilder sb = new StringBuilder().append(i + 1);
                for (float v : values[i]) sb.append(',').append(Numbers.of(v));
                w.println(sb);
            }
        } else {
            List<Object> rows = new ArrayList<>();
            for (int i = 0; i < values.length; i++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("row", i + 1);
                row.put("predicted", k == 1 ? (Object) values[i][0] : values[i]);
                rows.add(row);
            }
            w.println(Json.writePretty(rows));
        }
    }

    /** One line per row: the outputs, comma-separated. */
    private static void writeRaw(PrintWriter w, float[][] values) {
        for (float[] row : values) {
            StringBuilder sb = new StringBuilder();
            for (int c = 0; c < row.length; c++) sb.append(c == 0 ? "" : ",").append(Numbers.of(row[c]));
            w.println(sb);
        }
    }

    private static String csvField(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) return s;
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
