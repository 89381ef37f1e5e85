package io.backprop4j.cli;

import io.backprop4j.BackpropException;
import io.backprop4j.explain.Answers;
import io.backprop4j.explain.Field;
import io.backprop4j.explain.Grader;
import io.backprop4j.explain.HtmlRenderer;
import io.backprop4j.explain.JsonRenderer;
import io.backprop4j.explain.SpecException;
import io.backprop4j.explain.StepSolution;
import io.backprop4j.explain.TextRenderer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code backprop4j check SPEC ANSWERS}: grades a hand-worked training step. The help text is
 * {@link #describe}d with the answer fields as the core lists them ({@link Field}).
 */
@Command(name = "check", mixinStandardHelpOptions = true)
final class CheckCommand implements Callable<Integer> {
    enum Format implements Choices.Choice {
        text, json, html;

        static final class Names extends Choices.Of<Format> {
            Names() {
                super("--format", Format.class);
            }
        }
    }

    /** The quantities an answers file may give per layer: "net, output, ..., bias_updated". */
    static String fields() {
        return String.join(", ", Arrays.stream(Field.values()).filter(f -> !f.stepwise()).map(Field::key).toList())
                + " (an rnn layer also its steps: each step's weights_grad, weights_hh_grad, bias_grad)";
    }

    /** Sets the command's description. */
    static void describe(CommandSpec spec) {
        spec.usageMessage().description(
            "Grades a hand-worked training step: every number in ANSWERS is compared with the true value to the precision "
                    + "it was written with; each wrong number is named with the mistake it looks like (sign flipped, transposed, "
                    + "a factor off, gradient added, another activation's derivative, a missing chain-rule term such as the "
                    + "softmax coupling, carried over from an earlier wrong number), and the first mistake is pointed out.",
            "A number with fewer significant digits than the tolerance needs (3 at 1e-3; an update counts the digits of the step "
                    + "old − new) is only correct within the tolerance; one that agrees with the true value just to its few digits "
                    + "(0 for 0.117741) is marked 'not enough digits'.",
            "ANSWERS is YAML in the shape of 'explain --format json': loss, and per layer any of " + fields() + ".",
            "Exit status: 0 all correct, 1 some wrong, 2 unusable input.");
    }

    @Parameters(index = "0", paramLabel = "SPEC", description = "The network spec (YAML).")
    Path specFile;

    @Parameters(index = "1", paramLabel = "ANSWERS", description = "The hand-worked values (YAML).")
    Path answersFile;

    @Option(names = "--format", defaultValue = "text", paramLabel = "FORMAT", converter = Format.Names.class,
            completionCandidates = Format.Names.class, description = "text (the default), json, or html (the worked solution as a self-contained page with "
            + "each of your numbers in place, marked, and the mistakes grouped by root cause).")
    Format format;

    @Option(names = "--tolerance", paramLabel = "R", defaultValue = "1e-3",
            description = "Relative tolerance (default 1e-3; absolute floor 1e-6).")
    double tolerance;

    @Option(names = "--out", paramLabel = "FILE", description = "Write to FILE instead of standard output.")
    Path out;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() {
        if (!(tolerance >= 0 && Double.isFinite(tolerance))) {
            throw new BackpropException("--tolerance: found " + tolerance + ", expected a finite number >= 0 (such as 1e-3)");
        }
        Main.checkOutput("--out", out, false);
        StepSolution solution = ExplainCommand.solve(specFile);
        SpecYaml.Read<Answers> answers = SpecYaml.readAnswers(answersFile);
        Grader.Report report;
        try {
            report = Grader.grade(solution, answers.value(), tolerance);
        } catch (SpecException e) {
            throw answers.locate(e);
        }
        if (report.entries().isEmpty()) {
            throw new BackpropException(answersFile + ": no numbers to check; expected loss and, per layer, any of " + fields());
        }
        String text = switch (format) {
            case text -> TextRenderer.render(report);
            case json -> JsonRenderer.render(report);
            case html -> HtmlRenderer.render(report);
        };
        ExplainCommand.write(text, out, command.commandLine().getOut());
        return report.allCorrect() ? 0 : Main.EXIT_FAILED;
    }
}
