package io.backprop4j.cli;

import io.backprop4j.BackpropException;
import io.backprop4j.data.Datasets;
import io.backprop4j.nn.Activation;
import io.backprop4j.nn.LogSoftmax;
import io.backprop4j.nn.Softmax;
import io.backprop4j.optim.Optimizers;
import io.backprop4j.train.Task;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Every named choice of the command line, each list of valid names kept once: the core's lists
 * where the core has one ({@link Activation#NAMES}, {@link Optimizers#NAMES}, {@link Task}), the
 * command line's own enums ({@link Choice}) otherwise. Each converter class reads a name
 * (case-insensitive) for picocli and lists the valid names for the help text
 * ({@code ${COMPLETION-CANDIDATES}}) and shell completion; an unknown name is refused with one line,
 * {@code unknown optimizer 'adamax'; valid: sgd, adam, adamw, rmsprop, adagrad} (exit status 2).
 */
final class Choices {
    private Choices() {}

    /** One of the command line's own choices: an enum whose constants are known by {@link #cliName()}. */
    interface Choice {
        /** The name on the command line: the constant's name in lower case, '_' as '-' ({@code FMNIST_MLP}: fmnist-mlp). */
        default String cliName() {
            return ((Enum<?>) this).name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** A name that is not one of the valid ones; {@link Main} prints its message alone, as one line. */
    static final class Unknown extends TypeConversionException {
        Unknown(String what, String value, List<String> valid) {
            super("unknown " + what + " '" + Main.oneLine(value) + "'; valid: " + String.join(", ", valid));
        }
    }

    /** A converter from the names in {@code names} to values, which also lists those names. */
    abstract static class Names<T> implements ITypeConverter<T>, Iterable<String> {
        private final String what;
        private final List<String> names;
        private final Function<String, T> value;

        /**
         * @param what what the name names, for the message ("optimizer", "--format")
         * @param value the value of a valid name (given in lower case)
         */
        Names(String what, List<String> names, Function<String, T> value) {
            this.what = what;
            this.names = List.copyOf(names);
            this.value = value;
        }

        @Override
        public T convert(String text) {
            String key = text.strip().toLowerCase(Locale.ROOT);
            if (!names.contains(key)) throw new Unknown(what, text, names);
            return value.apply(key);
        }

        @Override
        public Iterator<String> iterator() {
            return names.iterator();
        }

        List<String> names() {
            return names;
        }
    }

    /** A converter for one of the command line's enums. */
    abstract static class Of<E extends Enum<E> & Choice> extends Names<E> {
        Of(String what, Class<E> type) {
            this(what, List.of(type.getEnumConstants()));
        }

        Of(String what, List<E> valid) {
            super(what, valid.stream().map(Choice::cliName).toList(),
                    name -> valid.stream().filter(c -> c.cliName().equals(name)).findFirst().orElseThrow());
        }
    }

    // ------------------------------------------------------------------------------ the core's lists

    /**
     * The activations a hidden layer may have: the core's, less those that normalise a whole row
     * (softmax, log-softmax), which would make each hidden unit depend on all the others.
     */
    static final class HiddenActivation extends Names<String> {
        HiddenActivation() {
            super("activation", Activation.NAMES.stream().filter(HiddenActivation::elementwise).toList(), name -> name);
        }

        private static boolean elementwise(String name) {
            Activation a = Activation.byName(name, null);
            return !(a instanceof Softmax) && !(a instanceof LogSoftmax);
        }
    }

    /** The optimisers, by {@link Optimizers#NAMES}. */
    static final class OptimizerName extends Names<String> {
        OptimizerName() {
            super("optimizer", Optimizers.NAMES, name -> name);
        }
    }

    /** The tasks, by {@link Task#cliName()}; {@link Task#byName}'s other spellings are taken too. */
    static final class TaskName implements ITypeConverter<Task>, Iterable<String> {
        static final List<String> NAMES = Arrays.stream(Task.values()).map(Task::cliName).toList();

        @Override
        public Task convert(String text) {
            try {
                return Task.byName(text.strip());
            } catch (BackpropException e) {
                throw new Unknown("task", text, NAMES);
            }
        }

        @Override
        public Iterator<String> iterator() {
            return NAMES.iterator();
        }
    }

    /** The data sets known by name ({@link Datasets#names()}), for the help text and completion; a file is valid too. */
    static final class DataSetName implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Datasets.names().iterator();
        }
    }
}
