package io.backprop4j.cli;

import io.backprop4j.explain.Explainer;
import io.backprop4j.explain.HtmlRenderer;
import io.backprop4j.explain.JsonRenderer;
import io.backprop4j.explain.MarkdownRenderer;
import io.backprop4j.explain.NetworkSpec;
import io.backprop4j.explain.SpecException;
import io.backprop4j.explain.StepSolution;
import io.backprop4j.explain.TextRenderer;
import io.backprop4j.io.AtomicFiles;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code backprop4j explain [SPEC]}: the worked solution of one training step. The help text is
 * {@link #describe}d from the core's lists of activations and losses.
 */
@Command(name = "explain", mixinStandardHelpOptions = true)
final class ExplainCommand implements Callable<Integer> {
    /** The built-in exercise, embedded in the jar. */
    static final String SEED = "seed-6.1.yaml";

    enum Format implements Choices.Choice {
        text, markdown, json, html;

        static final class Names extends Choices.Of<Format> {
            Names() {
                super("--format", Format.class);
            }
        }
    }

    /** Sets the command's description, naming the activations and losses a spec may use as the core lists them. */
    static void describe(CommandSpec spec) {
        spec.usageMessage().description(
            "Works out one training step of a small network: the forward pass unit by unit, the loss, the backward pass "
                    + "layer by layer (every chain-rule factor with its value) and the SGD update.",
            "Without SPEC it explains the built-in exercise 6.1 (a 4-3-2 network, leaky_relu then softmax, binary cross-entropy).",
            "",
            "SPEC is YAML (or JSON): input (one sample or a list of samples), target, layers (each with weights as inputs x units, "
                    + "optional bias, activation: " + NetworkSpec.activationNames()
                    + "; optional alpha), loss (" + NetworkSpec.lossNames() + ") and optional learning_rate.",
            "Layers may also be type: conv2d, max_pool2d, avg_pool2d, flatten (on C x H x W images), or a first rnn layer (on a "
                    + "steps x features sequence: weights_ih, weights_hh, optional bias_ih, bias_hh, initial_state; backprop through time); "
                    + "a dense layer after it with every_step: true is applied to every state (a target of steps x units, the loss over every step).");
    }

    @Parameters(index = "0", arity = "0..1", paramLabel = "SPEC", description = "The network spec (YAML); default: the built-in exercise 6.1.")
    Path specFile;

    @Option(names = "--format", defaultValue = "text", paramLabel = "FORMAT", converter = Format.Names.class,
            completionCandidates = Format.Names.class,
            description = "text (Unicode math, the default), markdown (LaTeX math), json (every value in full precision) or html "
                    + "(one self-contained page: MathML formulas, the network drawn, each weight's chain rule; opens offline).")
    Format format;

    @Option(names = "--out", paramLabel = "FILE", description = "Write to FILE instead of standard output.")
    Path out;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() {
        Main.checkOutput("--out", out, false);
        StepSolution solution = solve(specFile);
        String text = switch (format) {
            case text -> TextRenderer.render(solution);
            case markdown -> MarkdownRenderer.render(solution);
            case json -> JsonRenderer.render(solution);
            case html -> HtmlRenderer.render(solution);
        };
        write(text, out, command.commandLine().getOut());
        return 0;
    }

    /** Reads a spec (or the built-in exercise when null) and solves it; errors name the file, line and column. */
    static StepSolution solve(Path specFile) {
        SpecYaml.Read<NetworkSpec> read = specFile == null
                ? SpecYaml.readSpec(SpecYaml.readResource(SEED), SEED_NAME)
                : SpecYaml.readSpec(specFile);
        return solve(read);
    }

    /** The name errors give the built-in exercise. */
    static final String SEED_NAME = "built-in " + SEED;

    /** Reads a spec from text and solves it; errors name {@code source} and the line and column. */
    static StepSolution solve(String text, String source) {
        return solve(SpecYaml.readSpec(text, source));
    }

    private static StepSolution solve(SpecYaml.Read<NetworkSpec> read) {
        try {
            return Explainer.solve(read.value());
        } catch (SpecException e) {
            throw read.locate(e);
        }
    }

    /**
     * Writes to standard output, or to {@code out}: atomically (a reader sees the old file or the
     * whole new one), except to something that is not a plain file, such as /dev/stdout.
     */
    static void write(String text, Path out, PrintWriter stdout) {
        if (out == null) {
            stdout.print(text);
            stdout.flush();
            return;
        }
        // Atomic, as model files are: on a full disk the earlier file stays whole.
        AtomicFiles.write(out, text.getBytes(StandardCharsets.UTF_8));
    }
}
