package io.backprop4j.cli;

import io.backprop4j.BackpropException;
import io.backprop4j.infer.InferencePlan;
import io.backprop4j.nn.Sequential;
import io.backprop4j.nn.Unflatten;
import io.backprop4j.onnx.Onnx;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * An ONNX model in place of a model saved by {@code train --save}, for {@code predict} and
 * {@code evaluate}. The graph does all the work: it takes the raw features (any standardisation
 * is in it, as {@code export} writes it) and nothing is added to its outputs. A graph carries no
 * class names and no task, so these are assumed: more than one output per row is a classifier
 * whose classes are named 0, 1, ... and whose predicted class is the largest output; one output
 * is a regression. A CSV row is one sample flattened in the graph input's row-major order.
 */
final class OnnxGraph {
    private final Path file;
    private final int[] sampleShape;
    private final Sequential network;   // takes [n, features]: the graph, behind an Unflatten to its sample shape
    /** The network prepared for prediction: its floats, in buffers kept between calls, its convolutions and dense layers planned. */
    private final InferencePlan plan;

    private OnnxGraph(Path file, int[] sampleShape, Sequential network) {
        this.file = file;
        this.sampleShape = sampleShape;
        this.network = network;
        this.plan = InferencePlan.of(network);
    }

    /**
     * Whether {@code file} is to be read as ONNX: its name ends in {@code .onnx}, or it starts as an
     * ONNX model does (field 1, the IR version, as a varint: byte 0x08) and not as a safetensors
     * file (8 bytes of header length, then '{').
     */
    static boolean isOnnx(Path file) {
        if (file.getFileName() != null && file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) return true;
        if (!Files.isRegularFile(file)) return false;   // a FIFO is never opened; a missing file is the model reader's to report
        byte[] head = new byte[9];
        int n = 0;
        try (InputStream in = Files.newInputStream(file)) {
            for (int r; n < head.length && (r = in.read(head, n, head.length - n)) > 0; ) n += r;
        } catch (IOException e) {
            return false;
        }
        return n == head.length && head[0] == 0x08 && head[8] != '{';   // a shorter file is no ONNX model
    }

    /**
     * Reads an ONNX model (in evaluation mode).
     *
     * @throws BackpropException for a file that cannot be read, is not a model backprop4j reads
     *     (the onnx module's one-line messages), or whose input's sample shape is not given
     */
    static OnnxGraph load(Path file) {
        Onnx.Imported g = Onnx.read(file);
        int[] shape = g.sampleShape();
        if (shape == null || shape.length == 0 || g.sampleSize() < 0 || g.sampleSize() > Integer.MAX_VALUE) {
            throw new BackpropException(file + ": the graph's input " + (shape == null ? "has no declared shape"
                    : "is [batch" + (shape.length == 0 ? "" : ", " + sizes(shape)) + "]")
                    + "; predict and evaluate need the size of one sample as numbers, to shape the rows of features");
        }
        Sequential net = g.model();
        Sequential network = shape.length == 1 ? net : new Sequential(new Unflatten(1, shape), net);
        network.setTraining(false);
        return new OnnxGraph(file, shape, network);
    }

    private static String sizes(int[] shape) {
        return String.join(", ", Arrays.stream(shape).mapToObj(d -> d < 0 ? "?" : Integer.toString(d)).toList());
    }

    /** The number of values in one sample: a CSV row's features. */
    int features() {
        return Shapes.numel(sampleShape);
    }

    /** The network that takes the features as rows [n, features()], in evaluation mode. */
    Sequential network() {
        return network;
    }

    Path file() {
        return file;
    }

    /** {@code ONNX graph, input [batch, 1, 8, 8]}. */
    String describe() {
        return "ONNX graph, input [batch, " + sizes(sampleShape) + "]";
    }

    /**
     * The graph's outputs for rows of raw features [n, features()]: eval mode, no autograd graph,
     * through an {@link InferencePlan} in chunks of {@link InferencePlan#CHUNK_ROWS} rows (the floats of the network's forward).
     */
    Tensor run(Tensor features) {
        if (features.rank() != 2 || features.size(1) != features()) {
            throw new BackpropException(file + ": the graph takes " + features() + " values per row, got " + Shapes.str(features.shape()));
        }
        try (var g = NoGrad.enter(); var mode = network.evalScope()) {
            Tensor out = plan.predictRows(features);
            if (out.rank() == 1) out = out.reshape(out.size(0), 1);
            if (out.rank() != 2 || out.size(0) != features.size(0)) {
                throw new BackpropException(file + ": the graph gives " + Shapes.str(out.shape()) + " for " + features.size(0)
                        + " rows; predict and evaluate read one row of outputs per row of features");
            }
            return out;
        } catch (BackpropException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(file.toString())) throw e;
            throw new BackpropException(file + ": the graph does not run on " + Shapes.str(features.shape()) + " (rows shaped as [batch, "
                    + sizes(sampleShape) + "]): " + e.getMessage(), e);
        }
    }

    /**
     * The first row of {@code outputs} that is not a probability distribution (a value outside
     * [0, 1], or a sum more than 1e-3 from 1), as {@code "row 3 sums to 2.5"}; null when every row is one.
     */
    static String notProbabilities(float[][] outputs) {
        for (int r = 0; r < outputs.length; r++) {
            double sum = 0;
            for (float v : outputs[r]) {
                if (!(v >= 0 && v <= 1)) return "row " + (r + 1) + " has " + Numbers.of(v);
                sum += v;
            }
            if (Math.abs(sum - 1) > 1e-3) return "row " + (r + 1) + " sums to " + String.format(Locale.ROOT, "%.4g", sum);
        }
        return null;
    }
}
