package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.data.Datasets;
import io.backprop4j.nn.Activation;
import io.backprop4j.nn.Linear;
import io.backprop4j.optim.Optimizers;
import io.backprop4j.train.Task;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Issue 10 item 8: every named choice of the command line is read by one converter whose list of
 * valid names is the core's where the core has one; an unknown name is refused with one line
 * naming it and the valid ones, exit status 2.
 */
class ChoicesTest {
    private static List<String> names(Iterable<String> choice) {
        return StreamSupport.stream(choice.spliterator(), false).toList();
    }

    @Test
    void theCoresListsAreUsedNotRepeated() {
        assertEquals(Optimizers.NAMES, names(new Choices.OptimizerName()));
        assertEquals(Arrays.stream(Task.values()).map(Task::cliName).toList(), names(new Choices.TaskName()));
        assertEquals(Datasets.names(), names(new Choices.DataSetName()));
        List<String> hidden = new ArrayList<>(Activation.NAMES);
        hidden.removeAll(List.of("softmax", "log_softmax"));
        assertEquals(hidden, names(new Choices.HiddenActivation()));
    }

    @Test
    void everyNameOfferedWorks() {
        SplittableRandom rng = new SplittableRandom(1);
        var params = new Linear(2, 2, rng).parameters();
        for (String name : new Choices.OptimizerName()) assertNotNull(Optimizers.create(name, params, 0.1), name);
        for (String name : new Choices.HiddenActivation()) assertNotNull(Activation.byName(name, null), name);
        for (String name : new Choices.TaskName()) assertEquals(name, new Choices.TaskName().convert(name).cliName());
        for (Schedule s : Schedule.values()) assertEquals(s, new Schedule.Names().convert(s.cliName().toUpperCase()));
    }

    @Test
    void anUnknownNameIsOneLineNamingItAndTheValidOnes() {
        var e = assertThrows(Choices.Unknown.class, () -> new Choices.OptimizerName().convert("adamax"));
        assertEquals("unknown optimizer 'adamax'; valid: " + String.join(", ", Optimizers.NAMES), e.getMessage());
        var f = assertThrows(Choices.Unknown.class, () -> new PredictCommand.Format.Names().convert("x\nml"));
        assertEquals("unknown --format 'x\\nml'; valid: csv, json, raw", f.getMessage());
        assertThrows(Choices.Unknown.class, () -> new Choices.HiddenActivation().convert("softmax"));
        assertEquals(Task.REGRESS, new Choices.TaskName().convert(" Regression "));
        assertEquals("fmnist-mlp", BenchCommand.Workload.FMNIST_MLP.cliName());
        assertFalse(names(new BenchCommand.Workload.Compared()).contains("sweep"));
    }

    /** Every option or parameter taking an enum, or offering names, reads them through a {@link Choices} converter. */
    @Test
    void everyNamedChoiceHasAChoicesConverter() {
        int named = 0;
        List<String> missing = new ArrayList<>();
        for (CommandSpec command : commands(Main.commandLine().getCommandSpec(), new ArrayList<>())) {
            List<ArgSpec> args = new ArrayList<>(command.options());
            args.addAll(command.positionalParameters());
            for (ArgSpec a : args) {
                boolean choice = a.type().isEnum() || (a.completionCandidates() != null && a.type() == String.class
                        && !(a.completionCandidates() instanceof Choices.DataSetName));
                if (!choice) continue;
                named++;
                CommandLine.ITypeConverter<?>[] converters = a.converters();
                if (converters.length != 1 || !(converters[0] instanceof Choices.Names<?> || converters[0] instanceof Choices.TaskName)) {
                    missing.add(command.qualifiedName() + " " + a.paramLabel());
                } else {
                    assertInstanceOf(converters[0].getClass(), a.completionCandidates(), command.qualifiedName() + " " + a.paramLabel()
                            + ": the help and completion list the converter's names");
                }
            }
        }
        assertTrue(named >= 10, "named choices found: " + named);
        assertTrue(missing.isEmpty(), "named choices without a Choices converter: " + missing);
    }

    private static List<CommandSpec> commands(CommandSpec root, List<CommandSpec> into) {
        into.add(root);
        for (CommandLine sub : root.subcommands().values()) commands(sub.getCommandSpec(), into);
        return into;
    }

    @Test
    void theCommandLineRefusesUnknownNamesWithOneLine() {
        for (String[] args : List.of(
                new String[] {"train", "--optimizer", "adamax"},
                new String[] {"train", "--activation", "log_softmax"},
                new String[] {"train", "--schedule", "linear"},
                new String[] {"train", "--task", "cluster"},
                new String[] {"explain", "--format", "pdf"},
                new String[] {"check", "a.yaml", "b.yaml", "--format", "markdown"},
                new String[] {"evaluate", "--model", "m", "--split", "dev"},
                new String[] {"predict", "--model", "m", "--input", "x.csv", "--format", "xml"},
                new String[] {"bench", "frob"},
                new String[] {"bench", "compare", "sweep"})) {
            CliRun r = CliRun.of(args);
            String what = String.join(" ", args);
            assertEquals(2, r.status(), what + ": " + r.err());
            assertEquals(1, r.err().lines().count(), what + ": " + r.err());
            assertTrue(r.err().matches("backprop4j: unknown \\S+ '" + args[args.length - 1] + "'; valid: [a-z_-]+(, [a-z_-]+)+\\n"),
                    what + ": " + r.err());
            assertTrue(r.noStackTrace(), r.err());
        }
    }

    @Test
    void namesAreCaseInsensitive() {
        assertEquals(0, CliRun.of("train", "--optimizer", "SGD", "--activation", "Tanh", "--schedule", "Step", "--task", "CLASSIFY",
                "--layers", "4", "--epochs", "1").status());
        CliRun explain = CliRun.of("explain", "--format", "JSON");
        assertEquals(0, explain.status(), explain.err());
        assertTrue(explain.out().startsWith("{"), explain.out());
    }
}
