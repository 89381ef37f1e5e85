package io.backprop4j.nn;

import io.backprop4j.BackpropException;
import java.util.List;

/**
 * An elementwise (or, for softmax, row-wise) nonlinearity with no parameters. Each has the name
 * the spec files and the CLI use ({@link #specName()}); {@link #byName} builds one from it.
 */
public abstract sealed class Activation extends Module
        permits Identity, ReLU, LeakyReLU, Sigmoid, Tanh, ELU, Softplus, GELU, Softmax, LogSoftmax {

    /** The names accepted by {@link #byName}. */
    public static final List<String> NAMES = List.of(
            "identity", "relu", "leaky_relu", "sigmoid", "tanh", "elu", "softplus", "gelu", "softmax", "log_softmax");

    /** The spec/CLI name: "relu", "leaky_relu"... */
    public abstract String specName();

    /**
     * The activation called {@code name}; {@code alpha} is leaky_relu's slope (default 0.01) or
     * elu's scale (default 1.0), null for the default.
     */
    public static Activation byName(String name, Double alpha) {
        return switch (name) {
            case "identity", "linear", "none" -> new Identity();
            case "relu" -> new ReLU();
            case "leaky_relu" -> new LeakyReLU(alpha == null ? 0.01 : alpha);
            case "sigmoid" -> new Sigmoid();
            case "tanh" -> new Tanh();
            case "elu" -> new ELU(alpha == null ? 1.0 : alpha);
            case "softplus" -> new Softplus();
            case "gelu" -> new GELU();
            case "softmax" -> new Softmax();
            case "log_softmax" -> new LogSoftmax();
            default -> throw new BackpropException("unknown activation '" + name + "'; valid: " + String.join(", ", NAMES));
        };
    }
}
