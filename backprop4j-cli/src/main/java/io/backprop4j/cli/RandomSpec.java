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
 * give the same spec.
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
}
