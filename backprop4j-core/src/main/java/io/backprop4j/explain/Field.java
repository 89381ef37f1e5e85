package io.backprop4j.explain;

/**
 * The recorded quantities of one layer, by the keys that {@code explain --format json} and answers
 * files use. Per-sample fields are [batch][units]; weight fields are [inputs][units]; bias
 * fields are one value per unit.
 *
 * <p>A recurrent layer ({@link NetworkSpec.Kind#RNN}) keeps its per-sample fields over time
 * ([batch][steps·hidden]: net_t, h_t, ∂L/∂h_t with the recurrent path, ∂L/∂net_t); its
 * {@code weights_*} and {@code bias_*} fields are those of the input-to-hidden W_ih and b_ih,
 * and the {@code *_hh_*} fields those of the hidden-to-hidden W_hh and b_hh.
 */
public enum Field {
    NET("net"),
    OUTPUT("output"),
    OUTPUT_GRAD("output_grad"),
    NET_GRAD("net_grad"),
    WEIGHTS_GRAD("weights_grad"),
    BIAS_GRAD("bias_grad"),
    WEIGHTS_UPDATED("weights_updated"),
    BIAS_UPDATED("bias_updated"),
    /** A recurrent layer's ∂L/∂W_hh, [hidden][hidden], summed over the time steps and the batch. */
    WEIGHTS_HH_GRAD("weights_hh_grad"),
    /** A recurrent layer's ∂L/∂b_hh. */
    BIAS_HH_GRAD("bias_hh_grad"),
    /** A recurrent layer's W_hh − η·∂L/∂W_hh. */
    WEIGHTS_HH_UPDATED("weights_hh_updated"),
    /** A recurrent layer's b_hh − η·∂L/∂b_hh. */
    BIAS_HH_UPDATED("bias_hh_updated"),
    /**
     * A recurrent layer's per-step contributions to ∂L/∂W_ih (step t's ∂L/∂net_t·x_tᵀ summed over
     * the batch), one row per step [T][H·F]: {@code steps[t].weights_grad} in JSON and answers.
     */
    STEP_WEIGHTS_GRAD("steps.weights_grad"),
    /** The per-step contributions to ∂L/∂W_hh (∂L/∂net_t·h_{t−1}ᵀ), [T][H·H]: {@code steps[t].weights_hh_grad}. */
    STEP_WEIGHTS_HH_GRAD("steps.weights_hh_grad"),
    /** The per-step contributions to the biases' gradient (∂L/∂net_t summed over the batch), [T][H]: {@code steps[t].bias_grad}. */
    STEP_BIAS_GRAD("steps.bias_grad");

    private final String key;

    Field(String key) {
        this.key = key;
    }

    /** The key in JSON and YAML files, such as {@code weights_grad}. */
    public String key() {
        return key;
    }

    /** net, output, output_grad, net_grad: one row per sample. */
    public boolean perSample() {
        return ordinal() <= NET_GRAD.ordinal();
    }

    /** bias_grad, bias_updated (and bias_hh_*): one value per unit. */
    public boolean bias() {
        return this == BIAS_GRAD || this == BIAS_UPDATED || this == BIAS_HH_GRAD || this == BIAS_HH_UPDATED;
    }

    /** weights_updated, bias_updated (and their _hh twins). */
    public boolean update() {
        return this == WEIGHTS_UPDATED || this == BIAS_UPDATED || this == WEIGHTS_HH_UPDATED || this == BIAS_HH_UPDATED;
    }

    /** The hidden-to-hidden fields of a recurrent layer. */
    public boolean recurrent() {
        return ordinal() >= WEIGHTS_HH_GRAD.ordinal() && ordinal() <= BIAS_HH_UPDATED.ordinal();
    }

    /** A recurrent layer's per-step contributions (one row per time step), kept in its {@code steps} section. */
    public boolean stepwise() {
        return ordinal() >= STEP_WEIGHTS_GRAD.ordinal();
    }

    /** The key of a per-step contribution inside a step's entry ({@code weights_grad}), or null for the others. */
    public String stepKey() {
        return stepwise() ? key.substring("steps.".length()) : null;
    }

    /** The gradient a per-step contribution is one step's part of (steps.weights_grad: weights_grad), or null. */
    public Field whole() {
        return switch (this) {
            case STEP_WEIGHTS_GRAD -> WEIGHTS_GRAD;
            case STEP_WEIGHTS_HH_GRAD -> WEIGHTS_HH_GRAD;
            case STEP_BIAS_GRAD -> BIAS_GRAD;
            default -> null;
        };
    }

    /** The gradient an update field is the step of (weights_updated: weights_grad), or null. */
    public Field gradient() {
        return switch (this) {
            case WEIGHTS_UPDATED -> WEIGHTS_GRAD;
            case BIAS_UPDATED -> BIAS_GRAD;
            case WEIGHTS_HH_UPDATED -> WEIGHTS_HH_GRAD;
            case BIAS_HH_UPDATED -> BIAS_HH_GRAD;
            default -> null;
        };
    }

    /** The per-step contribution with this key inside a step's entry (weights_grad, weights_hh_grad, bias_grad), or null. */
    public static Field byStepKey(String key) {
        for (Field f : values()) if (f.stepwise() && f.stepKey().equals(key)) return f;
        return null;
    }

    /** The field with this key, or null. */
    public static Field byKey(String key) {
        for (Field f : values()) if (f.key.equals(key)) return f;
        return null;
    }
}
