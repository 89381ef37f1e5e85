package io.backprop4j.loss;

import io.backprop4j.tensor.Tensor;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The standard losses on a prediction and a target of one shape, each with the name that spec
 * files use and its formula beside the implementation ({@link Losses}). Every {@link #apply}
 * returns a 0-dimensional tensor ready for {@code backward()}.
 *
 * <pre>{@code
 * Tensor p = Tensor.of(new double[][] {{0.117741, 0.882259}});
 * Tensor y = Tensor.of(new double[][] {{0, 1}});
 * Loss.BINARY_CROSS_ENTROPY.apply(p, y).item();   // 0.125269...
 * Loss.byName("mse");                              // Loss.MSE
 * }</pre>
 *
 * <p>{@link #formula()} and {@link #gradient()} are written in the math markup of
 * {@code backprop4j explain} (rendered as Unicode or LaTeX): {@code _{j}} subscripts,
 * {@code ^{2}} superscripts, {@code *} products, {@code \text{words}} for words in math. N is the
 * number of elements, B the number of samples (rows); p is the prediction, y the target.
 * Class-index targets ({@link Losses#crossEntropy(Tensor, int[])}, {@link Losses#nll}) take an
 * {@code int[]} and are not listed here.
 */
public enum Loss {
    /** Mean squared error over all elements. */
    MSE("mse", "L = (1/N)*Σ (p − y)^{2}", "2*(p_{j} − y_{j})/N"),
    /**
     * Binary cross-entropy on probabilities in [0, 1], mean over all elements, each log clamped
     * at −100 (PyTorch's BCELoss).
     */
    BINARY_CROSS_ENTROPY("binary_cross_entropy", "L = −(1/N)*Σ [y*ln(p) + (1 − y)*ln(1 − p)]",
            "(p_{j} − y_{j}) / (N*p_{j}*(1 − p_{j}))"),
    /** Binary cross-entropy on logits x (σ fused in, computed stably), mean over all elements. */
    BINARY_CROSS_ENTROPY_WITH_LOGITS("binary_cross_entropy_with_logits",
            "L = −(1/N)*Σ [y*ln(σ(x)) + (1 − y)*ln(1 − σ(x))]", "(σ(x_{j}) − y_{j})/N"),
    /** Cross-entropy on probabilities: −Σ_k y_k ln p_k per sample (the last dim), mean over samples. */
    CROSS_ENTROPY("cross_entropy", "L = −(1/B)*Σ_{\\text{samples}} Σ_{k} y_{k}*ln(p_{k})", "−y_{j} / (B*p_{j})"),
    /**
     * Cross-entropy on logits x with probability rows as targets (log-softmax fused in), mean
     * over samples; s = softmax(x) per row.
     */
    CROSS_ENTROPY_WITH_LOGITS("cross_entropy_with_logits",
            "L = −(1/B)*Σ_{\\text{samples}} Σ_{k} y_{k}*ln(s_{k}), s = softmax(x)", "(s_{j}*Σ_{k} y_{k} − y_{j})/B");

    private final String specName;
    private final String formula;
    private final String gradient;

    Loss(String specName, String formula, String gradient) {
        this.specName = specName;
        this.formula = formula;
        this.gradient = gradient;
    }

    /** The name in spec files, such as {@code binary_cross_entropy}. */
    public String specName() {
        return specName;
    }

    /** The formula of L, such as {@code L = (1/N)*Σ (p − y)^{2}} for mse. */
    public String formula() {
        return formula;
    }

    /**
     * The gradient ∂L/∂p_j (∂L/∂x_j for the logit forms), the right-hand side only, such as
     * {@code 2*(p_{j} − y_{j})/N} for mse.
     */
    public String gradient() {
        return gradient;
    }

    /**
     * The loss of {@code output} against {@code target} (one shape), computed and recorded by the
     * engine.
     */
    public Tensor apply(Tensor output, Tensor target) {
        return switch (this) {
            case MSE -> Losses.mse(output, target);
            case BINARY_CROSS_ENTROPY -> Losses.binaryCrossEntropy(output, target);
            case BINARY_CROSS_ENTROPY_WITH_LOGITS -> Losses.binaryCrossEntropyWithLogits(output, target);
            case CROSS_ENTROPY -> Losses.crossEntropyProbs(output, target);
            case CROSS_ENTROPY_WITH_LOGITS -> Losses.crossEntropy(output, target);
        };
    }

    /** The loss with this spec name, or null. */
    public static Loss byName(String name) {
        for (Loss l : values()) if (l.specName.equals(name)) return l;
        return null;
    }

    /** The spec names, comma separated, for error messages. */
    public static String names() {
        return Arrays.stream(values()).map(Loss::specName).collect(Collectors.joining(", "));
    }
}
