package io.backprop4j.train;

import io.backprop4j.BackpropException;
import java.util.Locale;

/**
 * What a model predicts: a class ({@link #CLASSIFY}: logits, softmax cross-entropy, accuracy) or
 * numbers ({@link #REGRESS}: mean squared error).
 */
public enum Task {
    CLASSIFY("classify"),
    REGRESS("regress");

    private final String cliName;

    Task(String cliName) {
        this.cliName = cliName;
    }

    /** "classify" or "regress". */
    public String cliName() {
        return cliName;
    }

    /** The task called {@code name} ("classify"/"classification", "regress"/"regression"). */
    public static Task byName(String name) {
        return switch (name == null ? "" : name.toLowerCase(Locale.ROOT)) {
            case "classify", "classification" -> CLASSIFY;
            case "regress", "regression" -> REGRESS;
            default -> throw new BackpropException("unknown task '" + name + "'; valid: "
                    + String.join(", ", java.util.Arrays.stream(values()).map(Task::cliName).toList()));
        };
    }
}
