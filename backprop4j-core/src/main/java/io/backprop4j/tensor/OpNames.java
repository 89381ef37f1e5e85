package io.backprop4j.tensor;

import java.util.Locale;

/**
 * The short name of each op class ("matmul", "leaky_relu"...), worked out once per class: backward
 * records the name of every op it lets go, so the regular expressions must not run per op per step.
 */
final class OpNames {
    private OpNames() {}

    private static final ClassValue<String> NAMES = new ClassValue<>() {
        @Override
        protected String computeValue(Class<?> type) {
            String s = type.getSimpleName().replaceFirst("Op$", "")
                    .replace("ReLU", "Relu").replace("GELU", "Gelu").replace("ELU", "Elu");
            return s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
        }
    };

    /** The name of ops of class {@code type}. */
    static String of(Class<?> type) {
        return NAMES.get(type);
    }
}
