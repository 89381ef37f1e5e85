package io.backprop4j.optim;

import io.backprop4j.BackpropException;
import io.backprop4j.nn.Parameter;
import java.util.List;

/** Builds an optimiser by its CLI name with PyTorch's default hyper-parameters. */
public final class Optimizers {
    /** The names {@link #create} accepts. */
    public static final List<String> NAMES = List.of("sgd", "adam", "adamw", "rmsprop", "adagrad");

    private Optimizers() {}

    /**
     * The optimiser called {@code name} (case-insensitive) over {@code params} with learning rate
     * {@code lr} and otherwise default settings: sgd (no momentum), adam, adamw (weight decay
     * 0.01), rmsprop, adagrad.
     *
     * @throws BackpropException for an unknown name, listing the valid ones, or a bad lr
     */
    public static Optimizer create(String name, List<Parameter> params, double lr) {
        String key = name == null ? "" : name.trim().toLowerCase(java.util.Locale.ROOT);
        return switch (key) {
            case "sgd" -> new SGD(params, lr);
            case "adam" -> new Adam(params, lr);
            case "adamw" -> new AdamW(params, lr);
            case "rmsprop" -> new RMSprop(params, lr);
            case "adagrad" -> new Adagrad(params, lr);
            default -> throw new BackpropException("unknown optimizer '" + name + "'; valid: " + String.join(", ", NAMES));
        };
    }
}
