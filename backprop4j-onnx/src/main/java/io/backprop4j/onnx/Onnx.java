package io.backprop4j.onnx;

import io.backprop4j.BackpropException;
import io.backprop4j.FormatException;
import io.backprop4j.io.AtomicFiles;
import io.backprop4j.io.FileKind;
import io.backprop4j.nn.Sequential;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * <a href="https://onnx.ai">ONNX</a> files in and out: a {@link Sequential} saved as an ONNX
 * graph that ONNX Runtime, PyTorch and the others run, and an ONNX graph (such as
 * {@code torch.onnx.export} writes for an {@code nn.Sequential}) loaded as a Sequential that runs
 * and can be trained further.
 *
 * <h2>Saving</h2>
 * {@link #save} writes opset {@value Exporter#OPSET} (IR version {@value Exporter#IR_VERSION}):
 * the graph's input is {@value #INPUT} of shape [batch, inputShape...] (batch a named size, so
 * any batch runs), its output {@value #OUTPUT}; the weights are initializers named as in
 * {@code model.stateDict()}. Each layer becomes, in evaluation mode:
 * <pre>
 * Linear            Gemm(x, W [in, out], b)        BatchNorm1d/2d   BatchNormalization (ONNX momentum = 1 − m)
 * ReLU, LeakyReLU   Relu, LeakyRelu(alpha)         Conv1d/2d        Conv(kernel_shape, strides, pads, dilations, group)
 * Sigmoid, Tanh     Sigmoid, Tanh                  MaxPool2d        MaxPool(..., ceil_mode)
 * ELU, Softplus     Elu(alpha), Softplus           AvgPool2d        AveragePool(..., count_include_pad)
 * Softmax           Softmax(axis=-1)               AdaptiveAvgPool2d GlobalAveragePool for 1x1, else AveragePool
 * LogSoftmax        LogSoftmax(axis=-1)            Flatten          Flatten(axis=1), or Reshape
 * GELU              x · ½ (1 + erf(x / √2)) as Div, Erf, Add, Mul, Mul
 * SamePadded        its Conv, MaxPool or AveragePool with auto_pad SAME_UPPER or SAME_LOWER (no pads)
 * Reshape           Reshape of its constant shape (as it was imported)
 * Dropout, Dropout2d, Identity, RandomShift2d: left out (they do nothing in evaluation mode)
 * </pre>
 * With a standardisation ({@link #save(Sequential, int[], double[], double[], Path)}) the graph
 * takes raw features: Sub(mean) and Div(std) come first.
 *
 * <h2>Loading</h2>
 * {@link #load} reads opsets {@value Importer#MIN_OPSET} to {@value Importer#MAX_OPSET}: a graph
 * that is a chain of these operators, from one input to one output: {@value Importer#OPERATORS}.
 * MatMul followed by Add of a bias becomes one Linear; Gemm's transB (PyTorch's [out, in]) and
 * alpha and beta are folded into the Linear's weight and bias; Add, Sub, Mul and Div of a
 * constant become {@link Elementwise} layers, Reshape a {@link Reshape} (or a Flatten, for the
 * shape {@code [x.size(0), -1]} that PyTorch computes with Shape, Gather, Unsqueeze and Concat
 * when the batch is dynamic); a Pad of zeros (with opset 18's axes too) goes into the Conv or
 * AveragePool after it; auto_pad SAME_UPPER and SAME_LOWER make a {@link SamePadded} layer (the
 * padding worked out from each input's size). Anything else is refused
 * in one line naming the operator and the node; a corrupt or truncated file in one line naming
 * the file and the byte.
 *
 * <pre>{@code
 * Onnx.save(model, new int[] {1, 28, 28}, Path.of("cnn.onnx"));   // input [batch, 1, 28, 28]
 * Sequential back = Onnx.load(Path.of("cnn.onnx"));
 * // in Python: onnxruntime.InferenceSession("cnn.onnx").run(None, {"input": x})
 * }</pre>
 */
public final class Onnx {
    /** The name of the graph input that {@link #save} writes. */
    public static final String INPUT = "input";
    /** The name of the graph output that {@link #save} writes. */
    public static final String OUTPUT = "output";
    /** The largest file read: protobuf's own limit, 2 GiB. */
    public static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    private Onnx() {}

    /**
     * Writes {@code model} to {@code file} atomically as an ONNX model (see the class comment).
     *
     * @param inputShape the shape of one input sample, without the batch: {784} for an MLP on
     *     flattened 28x28 images, {1, 28, 28} for a CNN
     * @throws BackpropException for a layer that has no ONNX form (named), a model that does
     *     not run on that shape, or a file that cannot be written
     */
    public static void save(Sequential model, int[] inputShape, Path file) {
        if (file == null) throw new BackpropException("Onnx.save: file is null");
        AtomicFiles.write(file, toBytes(model, inputShape));
    }

    /** The bytes {@link #save} writes. */
    public static byte[] toBytes(Sequential model, int[] inputShape) {
        return OnnxFile.encode(Exporter.export(model, inputShape));
    }

    /**
     * {@link #save}, with the standardisation that the model was trained behind as the graph's
     * first two nodes: the graph takes raw features {@code x} and computes
     * {@code model((x − mean) / std)}; {@code mean} and {@code std} hold one value per input
     * value, in the input's row-major order ({@code io.backprop4j.data.Standardizer}'s statistics).
     * {@link #load} reads them back as two {@link Elementwise} layers in front.
     */
    public static void save(Sequential model, int[] inputShape, double[] mean, double[] std, Path file) {
        if (file == null) throw new BackpropException("Onnx.save: file is null");
        AtomicFiles.write(file, toBytes(model, inputShape, mean, std));
    }

    /** The bytes {@link #save(Sequential, int[], double[], double[], Path)} writes. */
    public static byte[] toBytes(Sequential model, int[] inputShape, double[] mean, double[] std) {
        if (mean == null || std == null) throw new BackpropException("Onnx.save: the standardisation's mean or std is null");
        return OnnxFile.encode(Exporter.export(model, inputShape, mean, std));
    }

    /** {@link #load(Path, RandomGenerator)} with the generator {@code new SplittableRandom(0)} for dropout layers. */
    public static Sequential load(Path file) {
        return load(file, new SplittableRandom(0));
    }

    /**
     * Reads an ONNX model as a Sequential in training mode (call {@code evalScope()} to predict);
     * {@code rng} drives its dropout layers, if it has any.
     *
     * @throws FormatException for a file that is not an ONNX model, is truncated or corrupt, or
     *     holds an operator or a graph that backprop4j does not read (named)
     * @throws BackpropException when the file cannot be read
     */
    public static Sequential load(Path file, RandomGenerator rng) {
        if (file == null) throw new BackpropException("Onnx.load: file is null");
        return fromBytes(readBytes(file), file.toString(), rng);
    }

    /** Reads an ONNX model held in memory; {@code source} names it in messages. */
    public static Sequential fromBytes(byte[] bytes, String source, RandomGenerator rng) {
        return importBytes(bytes, source, rng).model();
    }

    /**
     * An ONNX model as {@link #read} gives it: the network, and the shape of one sample of the
     * graph's input as the file declares it (the sizes after the first, batch axis).
     *
     * @param model the network, in training mode (as {@link #load} returns it)
     * @param sampleShape the input's sizes after the batch axis, −1 where the file names a size
     *     rather than giving it ({@code "height"}); null when the file declares no shape
     */
    public record Imported(Sequential model, int[] sampleShape) {
        /** The number of values in one sample, or −1 when the shape is not wholly known. */
        public long sampleSize() {
            if (sampleShape == null) return -1;
            long n = 1;
            for (int d : sampleShape) {
                if (d < 0) return -1;
                n *= d;
            }
            return n;
        }
    }

    /**
     * {@link #load}, with the shape of the graph's input: what a caller feeding rows of flat
     * values (a CSV file) needs to shape them.
     */
    public static Imported read(Path file) {
        if (file == null) throw new BackpropException("Onnx.read: file is null");
        return importBytes(readBytes(file), file.toString(), new SplittableRandom(0));
    }

    private static byte[] readBytes(Path file) {
        String source = file.toString();
        FileKind.requireRegular(file, "an ONNX model");
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) throw new FormatException(source, null, size + " bytes is more than the 2 GiB an ONNX file holds");
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new BackpropException(source + ": no such file", e);
        } catch (IOException e) {
            throw new BackpropException(source + ": cannot read: " + AtomicFiles.reason(e), e);
        }
    }

    private static Imported importBytes(byte[] bytes, String source, RandomGenerator rng) {
        if (bytes == null || rng == null) throw new BackpropException("Onnx.fromBytes: bytes or rng is null");
        OnnxFile.Model model;
        try {
            model = OnnxFile.decode(bytes);
        } catch (Proto.Malformed e) {
            throw new FormatException(source, "byte " + e.offset, "not a valid ONNX file (corrupt or truncated): " + e.getMessage());
        }
        try {
            Sequential network = Importer.build(model, source, rng);
            return new Imported(network, sampleShape(model.graph()));
        } catch (FormatException e) {
            throw e;
        } catch (BackpropException e) {   // a layer refused what the graph gives it (a shape, a size)
            throw new FormatException(source, null, e.getMessage(), e);
        }
    }

    /** The declared sizes after the batch axis of the one input that is not a weight (the Importer checked there is one). */
    private static int[] sampleShape(OnnxFile.Graph g) {
        for (OnnxFile.ValueInfo v : g.inputs()) {
            if (g.initializers().containsKey(v.name())) continue;
            if (v.dims() == null || v.dims().isEmpty()) return null;
            int[] shape = new int[v.dims().size() - 1];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = v.dims().get(i + 1) instanceof Long d && d > 0 && d <= Integer.MAX_VALUE ? (int) (long) d : -1;
            }
            return shape;
        }
        return null;
    }
}
