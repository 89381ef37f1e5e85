package io.backprop4j.explain;

import io.backprop4j.tensor.Tensor;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The activations a {@link NetworkSpec} layer may use, by the names the spec file uses. */
public enum Activation {
    IDENTITY("identity", "f(x) = x"),
    RELU("relu", "f(x) = max(0, x)"),
    LEAKY_RELU("leaky_relu", "f(x) = x for x > 0, α·x otherwise"),
    SIGMOID("sigmoid", "σ(x) = 1 / (1 + e^(−x))"),
    TANH("tanh", "f(x) = tanh(x)"),
    ELU("elu", "f(x) = x for x > 0, α·(eˣ − 1) otherwise"),
    SOFTPLUS("softplus", "f(x) = ln(1 + eˣ)"),
    GELU("gelu", "f(x) = x·Φ(x) = x·½·(1 + erf(x/√2))"),
    SOFTMAX("softmax", "s_j = e^(z_j) / Σ_k e^(z_k)");

    private final String specName;
    private final String formula;

    Activation(String specName, String formula) {
        this.specName = specName;
        this.formula = formula;
    }

    /** The name in spec files, such as {@code leaky_relu}. */
    public String specName() {
        return specName;
    }

    /** The formula in Unicode math, for explanations. */
    public String formula() {
        return formula;
    }

    /** Whether {@code alpha} means something for this activation. */
    public boolean hasAlpha() {
        return this == LEAKY_RELU || this == ELU;
    }

    /** The default alpha: 0.01 for leaky_relu, 1.0 for elu, NaN for the others. */
    public double defaultAlpha() {
        return switch (this) {
            case LEAKY_RELU -> 0.01;
            case ELU -> 1.0;
            default -> Double.NaN;
        };
    }

    /** Whether each output depends on its own input only (everything but softmax). */
    public boolean elementwise() {
        return this != SOFTMAX;
    }

    /** Applies the activation with the engine (recorded for autograd); {@code net} is [batch, units]. */
    public Tensor apply(Tensor net, double alpha) {
        return switch (this) {
            case IDENTITY -> net;
            case RELU -> net.relu();
            case LEAKY_RELU -> net.leakyRelu(alpha);
            case SIGMOID -> net.sigmoid();
            case TANH -> net.tanh();
            case ELU -> net.elu(alpha);
            case SOFTPLUS -> net.softplus();
            case GELU -> net.gelu();
            case SOFTMAX -> net.softmax(1);
        };
    }

    /** The activation with this spec name, or null. */
    public static Activation byName(String name) {
        for (Activation a : values()) if (a.specName.equals(name)) return a;
        return null;
    }

    /** The valid names, comma separated, for error messages. */
    public static String names() {
        return Arrays.stream(values()).map(Activation::specName).collect(Collectors.joining(", "));
    }
}
