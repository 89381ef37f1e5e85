package io.backprop4j.cli;

import io.backprop4j.BackpropException;
import io.backprop4j.explain.NetworkSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A random network spec of a chosen shape, as YAML a person can edit: numbers a person can work
 * by hand (inputs whole numbers from −3 to 3, weights and biases one decimal from −1 to 1), the
 * loss that suits the output (cross-entropy after softmax, binary cross-entropy after sigmoid,
 * mean squared error otherwise) and a learning rate of 0.1. The same shape, activations and seed
 * give the same spec. A convolutional one ({@link #convYaml}): an image (whole numbers from −2 to 2),
 * a conv2d, an optional 2 x 2 pooling at stride 1, a flatten and a dense output layer (weights from
 * −0.5 to 0.5: it has many inputs).
 */
final class RandomSpec {
    /** The most layers (sizes after the input) and the most units per layer. */
    static final int MAX_LAYERS = 5;
    static final int MAX_UNITS = 12;

    private RandomSpec() {}

    /** Parses a shape such as {@code 4-3-2}: the input size, then each layer's units. */
    static int[] shape(String text) {
        String t = text == null ? "" : text.strip();
        String[] parts = t.split("[-x, ]+");
        String why = "shape '" + t + "': expected 2 to " + (MAX_LAYERS + 1) + " sizes from 1 to " + MAX_UNITS
                + " separated by '-', such as 4-3-2";
        if (parts.length < 2 || parts.length > MAX_LAYERS + 1) throw new BackpropException(why);
        int[] s = new int[parts.length];
        for (int k = 0; k < parts.length; k++) {
            if (!parts[k].matches("[0-9]{1,3}")) throw new BackpropException(why);
            s[k] = Integer.parseInt(parts[k]);
            if (s[k] < 1 || s[k] > MAX_UNITS) throw new BackpropException(why);
        }
        return s;
    }

    /**
     * The spec as YAML.
     *
     * @param hidden the activation of every layer but the last
     * @param output the last layer's activation
     */
    static String yaml(int[] shape, String hidden, String output, boolean bias, long seed) {
        for (String a : List.of(hidden, output)) {
            if (!NetworkSpec.ACTIVATIONS.contains(a)) {
                throw new BackpropException("unknown activation '" + a + "'; valid: " + String.join(", ", NetworkSpec.ACTIVATIONS));
            }
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int outputs = shape[shape.length - 1];
        StringBuilder sb = new StringBuilder();
        sb.append("# a random ").append(shapeText(shape)).append(" network (seed ").append(seed).append(")\n");
        List<String> input = new ArrayList<>();
        for (int i = 0; i < shape[0]; i++) input.add(String.valueOf(rng.nextInt(-3, 4)));
        sb.append("input: [").append(String.join(", ", input)).append("]\n");
        List<String> target = new ArrayList<>();
        int hot = rng.nextInt(outputs);
        for (int j = 0; j < outputs; j++) {
            target.add(switch (output) {
                case "softmax" -> j == hot ? "1" : "0";
                case "sigmoid" -> String.valueOf(rng.nextInt(2));
                default -> tenth(rng);
            });
        }
        sb.append("target: [").append(String.join(", ", target)).append("]\n");
        sb.append("layers:\n");
        for (int l = 1; l < shape.length; l++) {
            String act = l == shape.length - 1 ? output : hidden;
            sb.append("  - weights: [");
            for (int i = 0; i < shape[l - 1]; i++) {
                List<String> row = new ArrayList<>();
                for (int j = 0; j < shape[l]; j++) row.add(tenth(rng));
                sb.append(i == 0 ? "" : ",\n              ").append('[').append(String.join(", ", row)).append(']');
            }
            sb.append("]\n");
            if (bias) {
                List<String> b = new ArrayList<>();
                for (int j = 0; j < shape[l]; j++) b.add(tenth(rng));
                sb.append("    bias: [").append(String.join(", ", b)).append("]\n");
            }
            sb.append("    activation: ").append(act).append('\n');
        }
        String loss = switch (output) {
            case "softmax" -> "cross_entropy";
            case "sigmoid" -> "binary_cross_entropy";
            default -> "mse";
        };
        sb.append("loss: ").append(loss).append("\nlearning_rate: 0.1\n");
        return sb.toString();
    }

    static String shapeText(int[] shape) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < shape.length; k++) sb.append(k == 0 ? "" : "-").append(shape[k]);
        return sb.toString();
    }

    /** A number from −1 to 1 in steps of 0.1, never 0 (a zero weight teaches nothing). */
    private static String tenth(SplittableRandom rng) {
        int k = rng.nextInt(1, 11) * (rng.nextBoolean() ? 1 : -1);
        return String.format(Locale.ROOT, "%.1f", k / 10.0);
    }

    /** The largest image side and channel count, filter count and kernel side of a random convolutional network. */
    static final int MAX_SIDE = 8;
    static final int MAX_CHANNELS = 3;
    static final int MAX_FILTERS = 4;

    /** Parses an image shape such as {@code 1x4x4}: channels, height, width. */
    static int[] image(String text) {
        String t = text == null ? "" : text.strip();
        String why = "image '" + t + "': expected channels x height x width, such as 1x4x4 (1 to " + MAX_CHANNELS + " channels, sides 2 to "
                + MAX_SIDE + ")";
        String[] parts = t.split("[x, ]+");
        if (parts.length != 3) throw new BackpropException(why);
        int[] s = new int[3];
        for (int k = 0; k < 3; k++) {
            if (!parts[k].matches("[0-9]{1,2}")) throw new BackpropException(why);
            s[k] = Integer.parseInt(parts[k]);
        }
        if (s[0] < 1 || s[0] > MAX_CHANNELS || s[1] < 2 || s[1] > MAX_SIDE || s[2] < 2 || s[2] > MAX_SIDE) throw new BackpropException(why);
        return s;
    }

    /**
     * A convolutional network as YAML: a {@code image} input, a conv2d of {@code filters} filters of
     * {@code kernel} x {@code kernel} (stride 1, no padding, the hidden activation), then a 2 x 2 max or
     * average pool at stride 1 ({@code pool} "max", "avg" or "none"), a flatten and a dense layer of
     * {@code outputs} units (the output activation).
     */
    static String convYaml(int[] image, int filters, int kernel, String pool, int outputs, String hidden, String output, boolean bias, long seed) {
        for (String a : List.of(hidden, output)) {
            if (!NetworkSpec.ACTIVATIONS.contains(a)) {
                throw new BackpropException("unknown activation '" + a + "'; valid: " + String.join(", ", NetworkSpec.ACTIVATIONS));
            }
        }
        if (hidden.equals("softmax")) throw new BackpropException("a convolution's activation works element by element: not softmax");
        if (filters < 1 || filters > MAX_FILTERS) throw new BackpropException("filters " + filters + ": expected 1 to " + MAX_FILTERS);
        int side = Math.min(image[1], image[2]);
        if (kernel < 1 || kernel > side) throw new BackpropException("kernel " + kernel + ": expected 1 to " + side + " (the image's smaller side)");
        if (!List.of("max", "avg", "none").contains(pool)) throw new BackpropException("pool '" + pool + "': expected max, avg or none");
        int h = image[1] - kernel + 1;
        int w = image[2] - kernel + 1;
        if (!pool.equals("none") && (h < 2 || w < 2)) {
            throw new BackpropException("kernel " + kernel + " leaves a " + h + " x " + w + " map: too small for a 2 x 2 pool; a smaller kernel, or no pool");
        }
        if (outputs < 1 || outputs > MAX_UNITS) throw new BackpropException("outputs " + outputs + ": expected 1 to " + MAX_UNITS);
        SplittableRandom rng = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder();
        sb.append("# a random convolutional network (seed ").append(seed).append("): a ").append(image[0]).append(" x ").append(image[1]).append(" x ")
                .append(image[2]).append(" image, ").append(filters).append(filters == 1 ? " filter " : " filters ").append(kernel).append(" x ").append(kernel)
                .append(pool.equals("none") ? "" : ", a 2 x 2 " + pool + " pool").append(", flatten, ").append(outputs).append(" outputs\n");
        sb.append("input: [");
        for (int c = 0; c < image[0]; c++) {
            sb.append(c == 0 ? "" : ", ").append('[');
            for (int y = 0; y < image[1]; y++) {
                List<String> row = new ArrayList<>();
                for (int x = 0; x < image[2]; x++) row.add(String.valueOf(rng.nextInt(-2, 3)));
                sb.append(y == 0 ? "" : ", ").append('[').append(String.join(", ", row)).append(']');
            }
            sb.append(']');
        }
        sb.append("]   # channels x height x width\n");
        sb.append("target: [").append(String.join(", ", target(rng, output, outputs))).append("]\n");
        sb.append("layers:\n  - type: conv2d\n    weights: [");
        for (int o = 0; o < filters; o++) {
            sb.append(o == 0 ? "" : ",\n              ").append('[');
            for (int c = 0; c < image[0]; c++) {
                sb.append(c == 0 ? "" : ", ").append('[');
                for (int u = 0; u < kernel; u++) {
                    List<String> row = new ArrayList<>();
                    for (int v = 0; v < kernel; v++) row.add(tenth(rng));
                    sb.append(u == 0 ? "" : ", ").append('[').append(String.join(", ", row)).append(']');
                }
                sb.append(']');
            }
            sb.append(']');
        }
        sb.append("]   # filters x channels x kernel rows x kernel columns\n");
        if (bias) {
            List<String> b = new ArrayList<>();
            for (int o = 0; o < filters; o++) b.add(tenth(rng));
            sb.append("    bias: [").append(String.join(", ", b)).append("]\n");
        }
        sb.append("    activation: ").append(hidden).append('\n');
        if (!pool.equals("none")) {
            sb.append("  - type: ").append(pool).append("_pool2d\n    kernel: 2\n    stride: 1\n");
            h -= 1;
            w -= 1;
        }
        sb.append("  - type: flatten\n");
        int flat = filters * h * w;
        sb.append("  - weights: [");
        for (int i = 0; i < flat; i++) {
            List<String> row = new ArrayList<>();
            for (int j = 0; j < outputs; j++) row.add(half(rng));
            sb.append(i == 0 ? "" : ",\n              ").append('[').append(String.join(", ", row)).append(']');
        }
        sb.append("]\n");
        if (bias) {
            List<String> b = new ArrayList<>();
            for (int j = 0; j < outputs; j++) b.add(half(rng));
            sb.append("    bias: [").append(String.join(", ", b)).append("]\n");
        }
        sb.append("    activation: ").append(output).append('\n');
        sb.append("loss: ").append(lossFor(output)).append("\nlearning_rate: 0.1\n");
        return sb.toString();
    }

    /** A number from −0.5 to 0.5 in steps of 0.1, never 0: the flatten feeds many inputs to each output, so smaller weights keep it unsaturated. */
    private static String half(SplittableRandom rng) {
        int k = rng.nextInt(1, 6) * (rng.nextBoolean() ? 1 : -1);
        return String.format(Locale.ROOT, "%.1f", k / 10.0);
    }

    private static List<String> target(SplittableRandom rng, String output, int outputs) {
        List<String> target = new ArrayList<>();
        int hot = rng.nextInt(outputs);
        for (int j = 0; j < outputs; j++) {
            target.add(switch (output) {
                case "softmax" -> j == hot ? "1" : "0";
                case "sigmoid" -> String.valueOf(rng.nextInt(2));
                default -> tenth(rng);
            });
        }
        return target;
    }

    private static String lossFor(String output) {
        return switch (output) {
            case "softmax" -> "cross_entropy";
            case "sigmoid" -> "binary_cross_entropy";
            default -> "mse";
        };
    }
}
