package io.backprop4j.explain;

/**
 * The recorded quantities of one layer, by the keys that {@code explain --format json} and answers
 * files use. Per-sample fields are [batch][units]; weight fields are [inputs][units]; bias
 * fields are one value per unit.
 */
public enum Field {
    NET("net"),
    OUTPUT("output"),
    OUTPUT_GRAD("output_grad"),
    NET_GRAD("net_grad"),
    WEIGHTS_GRAD("weights_grad"),
    BIAS_GRAD("bias_grad"),
    WEIGHTS_UPDATED("weights_updated"),
    BIAS_UPDATED("bias_updated");

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

    /** bias_grad, bias_updated: one value per unit. */
    public boolean bias() {
        return this == BIAS_GRAD || this == BIAS_UPDATED;
    }

    /** weights_updated, bias_updated. */
    public boolean update() {
        return this == WEIGHTS_UPDATED || this == BIAS_UPDATED;
    }

    /** The field with this key, or null. */
    public static Field byKey(String key) {
        for (Field f : values()) if (f.key.equals(key)) return f;
        return null;
    }
}
