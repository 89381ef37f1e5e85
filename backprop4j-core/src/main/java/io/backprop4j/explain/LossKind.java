package io.backprop4j.explain;

import io.backprop4j.loss.Losses;
import io.backprop4j.tensor.Tensor;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The losses a {@link NetworkSpec} may use, by the names the spec file uses. */
public enum LossKind {
    /** Mean squared error, mean over all elements. */
    MSE("mse", "L = (1/N)·Σ (p − y)²"),
    /** Binary cross-entropy on probabilities, mean over all elements (PyTorch's BCELoss). */
    BINARY_CROSS_ENTROPY("binary_cross_entropy", "L = −(1/N)·Σ [y·ln p + (1 − y)·ln(1 − p)]"),
    /** Cross-entropy on probabilities: −Σ_k y_k ln p_k per sample, mean over samples. */
    CROSS_ENTROPY("cross_entropy", "L = −(1/B)·Σ_samples Σ_k y_k·ln p_k");

    private final String specName;
    private final String formula;

    LossKind(String specName, String formula) {
        this.specName = specName;
        this.formula = formula;
    }

    public String specName() {
        return specName;
    }

    /** The formula in Unicode math. */
    public String formula() {
        return formula;
    }

    /** Computes the loss with the engine; both tensors are [batch, units]. */
    public Tensor apply(Tensor output, Tensor target) {
        return switch (this) {
            case MSE -> Losses.mse(output, target);
            case BINARY_CROSS_ENTROPY -> Losses.binaryCrossEntropy(output, target);
            case CROSS_ENTROPY -> Losses.crossEntropyProbs(output, target);
        };
    }

    /** The loss with this spec name, or null. */
    public static LossKind byName(String name) {
        for (LossKind l : values()) if (l.specName.equals(name)) return l;
        return null;
    }

    /** The valid names, comma separated. */
    public static String names() {
        return Arrays.stream(values()).map(LossKind::specName).collect(Collectors.joining(", "));
    }
}
