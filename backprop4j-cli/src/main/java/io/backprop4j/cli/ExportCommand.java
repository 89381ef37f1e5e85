package io.backprop4j.cli;

import io.backprop4j.BackpropException;
import io.backprop4j.data.Standardizer;
import io.backprop4j.io.AtomicFiles;
import io.backprop4j.nn.Module;
import io.backprop4j.nn.Sequential;
import io.backprop4j.nn.Softmax;
import io.backprop4j.nn.Unflatten;
import io.backprop4j.onnx.Onnx;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.train.ModelFile;
import io.backprop4j.train.ModelSpec;
import io.backprop4j.train.Task;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code backprop4j export}: a model saved by {@code train --save} as an ONNX file that ONNX
 * Runtime, PyTorch and the others run. The graph takes the raw features that {@code predict}
 * takes, {@code [batch, features]} (for a network that starts by unflattening them into images,
 * {@code [batch, 1, 28, 28]}: the same values, row-major), standardises them as at training time,
 * and returns what {@code predict --format raw} prints: a classifier's class probabilities
 * (softmax included), a regression's values.
 */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Export a saved model as an ONNX file (opset 17) for ONNX Runtime, PyTorch and other tools.",
            "The graph takes the raw features that 'predict' takes and returns what 'predict --format raw' prints."},
        footer = {"", "Input \"input\": [batch, features], or [batch, C, H, W] for a network that",
            "starts by unflattening rows into images (the same values, row-major). The",
            "standardisation of the training data is the graph's first two nodes (Sub, Div).",
            "Output \"output\": a classifier's class probabilities (softmax included), or a",
            "regression's values.",
            "Exit status: 0 done; 2 bad options, a missing, corrupt or altered model, a",
            "layer with no ONNX form, or an output file that cannot be written."})
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "A model saved by 'train --save'.")
    Path modelFile;

    @Option(names = "--out", required = true, paramLabel = "FILE.onnx", description = "The ONNX file to write (replaced atomically).")
    Path out;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() {
        Main.checkOutput("--out", out, true);
        if (!out.toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            // predict and evaluate read any file that starts as ONNX does; the name is for people and other tools
            command.commandLine().getErr().println("backprop4j: note: --out " + out + " does not end in .onnx");
        }
        ModelFile model = ModelFile.load(modelFile);
        Graph g = graph(model);
        byte[] bytes;
        try {
            bytes = g.standardizer() == null ? Onnx.toBytes(g.network(), g.sampleShape())
                    : Onnx.toBytes(g.network(), g.sampleShape(), doubles(g.standardizer().mean()), doubles(g.standardizer().std()));
        } catch (BackpropException e) {
            throw new BackpropException(modelFile + ": cannot export: " + stripPrefix(e.getMessage()), e);
        }
        AtomicFiles.write(out, bytes);
        ModelSpec spec = model.spec();
        PrintWriter w = command.commandLine().getOut();
        w.println("exported " + modelFile + " (" + spec.describe() + ", " + spec.task().cliName() + ") to " + out);
        w.println("input \"" + Onnx.INPUT + "\" [batch, " + join(g.sampleShape()) + "]: raw features"
                + (g.standardizer() != null ? ", standardised in the graph" : "")
                + "; output \"" + Onnx.OUTPUT + "\" [batch, " + spec.outputs() + "]: "
                + (spec.task() == Task.CLASSIFY ? "class probabilities" + classes(model) : "the predicted values"));
        w.flush();
        return 0;
    }

    /** What is exported: the network (with a softmax for a classifier), its sample shape, and the standardisation. */
    record Graph(Sequential network, int[] sampleShape, Standardizer standardizer) {}

    /**
     * The network as the graph runs it: a leading Unflatten of the rows into images is left out,
     * the graph's input then being the images (the same values, row-major); a classifier gets a
     * softmax at the end, as {@code predict} applies one.
     */
    static Graph graph(ModelFile model) {
        ModelSpec spec = model.spec();
        List<Module> layers = new ArrayList<>(model.model().layers());
        int[] shape = {spec.inputs()};
        if (!layers.isEmpty() && layers.getFirst() instanceof Unflatten u && u.dim() == 1 && Shapes.numel(u.sizes()) == spec.inputs()) {
            shape = u.sizes();
            layers.removeFirst();
        }
        if (spec.task() == Task.CLASSIFY) layers.add(new Softmax());
        return new Graph(new Sequential(layers.toArray(Module[]::new)), shape, spec.standardizer());
    }

    private static String classes(ModelFile model) {
        int k = model.spec().outputs();
        StringBuilder sb = new StringBuilder(" of ");
        for (int c = 0; c < k && c < 12; c++) sb.append(c == 0 ? "" : ", ").append(model.className(c));
        if (k > 12) sb.append(", ... (").append(k).append(" classes)");
        return sb.append(", in that order").toString();
    }

    private static String join(int[] shape) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < shape.length; i++) sb.append(i == 0 ? "" : ", ").append(shape[i]);
        return sb.toString();
    }

    private static double[] doubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    private static String stripPrefix(String m) {
        return m != null && m.startsWith("Onnx.save: ") ? m.substring("Onnx.save: ".length()) : String.valueOf(m);
    }
}
