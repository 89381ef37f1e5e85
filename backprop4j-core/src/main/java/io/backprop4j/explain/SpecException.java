package io.backprop4j.explain;

import io.backprop4j.BackpropException;

/**
 * A network spec or an answers file that cannot be used: wrong shapes, an unknown activation,
 * a learning rate that is not positive... {@link #field()} names the offending field as a path
 * such as {@code layers[1].weights}, so that a reader can point at its line and column.
 */
public class SpecException extends BackpropException {
    private final String field;

    public SpecException(String field, String message) {
        super(field == null ? message : field + ": " + message);
        this.field = field;
    }

    /** The field the message is about, such as {@code layers[1].weights}; null when none. */
    public String field() {
        return field;
    }

    /** The message without the field prefix. */
    public String detail() {
        String m = getMessage();
        return field != null && m.startsWith(field + ": ") ? m.substring(field.length() + 2) : m;
    }
}
