package io.backprop4j.nn;

import io.backprop4j.BackpropException;
import java.util.List;

/**
 * An elementwise (or, for softmax, row-wise) nonlinearity with no parameters. Each has the name
 * the spec files and the CLI use ({@link #specName()}); {@link #byName} builds one from it.
 *
 * <p>Each also states its formula and its derivative ({@link #formula()},
 * {@link #derivativeFormula()}), written beside the one implementation so that the worked
 * solutions of {@code backprop4j explain} show what {@link #forward} computes. The text uses a
 * small math markup that explain renders as Unicode (text) or LaTeX (markdown): {@code _{j}}
 * subscripts, {@code ^{x}} superscripts, {@code *} products and {@code \cases{a}{c}{b}} for
 * "a when c, b otherwise"; Greek letters, Σ, ∂, √ and − are plain Unicode. For example
 * {@code new ReLU().derivativeFormula()} is {@code f'(x) = \cases{1}{x > 0}{0}}.
 */
public abstract sealed class Activation extends Module
        permits Identity, ReLU, LeakyReLU, Sigmoid, Tanh, ELU, Softplus, GELU, Softmax, LogSoftmax {

    /** The names accepted by {@link #byName}. */
    public static final List<String> NAMES = List.of(
            "identity", "relu", "leaky_relu", "sigmoid", "tanh", "elu", "softplus", "gelu", "softmax", "log_softmax");

    /** The spec/CLI name: "relu", "leaky_relu"... */
    public abstract String specName();

    /**
     * The formula, in the markup above: {@code f(x) = max(0, x)} for relu; for softmax, over a
     * row z of net inputs, {@code s_{j} = e^{z_j} / Σ_{k} e^{z_k}}.
     */
    public abstract String formula();

    /**
     * The derivative, in the markup above: {@code f'(x) = ...} for the elementwise ones, the
     * Jacobian {@code ∂s_{i}/∂z_{j} = ...} for softmax and log-softmax.
     */
    public abstract String derivativeFormula();

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
