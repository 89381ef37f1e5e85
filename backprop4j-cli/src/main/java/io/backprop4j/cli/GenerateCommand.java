package io.backprop4j.cli;

import io.backprop4j.BackpropException;
import io.backprop4j.data.Vocabulary;
import io.backprop4j.nn.Sequential;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Tensor;
import io.backprop4j.train.ModelFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code backprop4j generate}: samples lines (words) from a character model saved by
 * {@code train --data words|text:FILE --save FILE}. Each line starts from the end token and the
 * prompt's characters; at every step the model reads the last {@code context} tokens (the end
 * token padding the left), and the next character is drawn from softmax(logits / T) with a
 * {@link SplittableRandom} of the seed, until the end token or {@link #MAX_LENGTH} characters.
 * The same model, seed and options give the same lines.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Sample words (lines) from a character model saved by 'train --data words --save FILE'."},
        footer = {"", "Exit status: 0 sampled; 2 bad options, model file or prompt."})
final class GenerateCommand implements Callable<Integer> {
    /** The longest line sampled (characters after the prompt). */
    static final int MAX_LENGTH = 200;

    @Option(names = "--model", paramLabel = "FILE", required = true, description = "A model file written by train --save for text data.")
    Path modelFile;

    @Option(names = "--count", paramLabel = "N", defaultValue = "10", description = "How many lines to sample (default 10).")
    int count;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "1.0",
            description = "Divides the logits before the softmax: below 1 more likely characters, above 1 more varied (default 1).")
    double temperature;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of the sampling (default 0).")
    long seed;

    @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = "", description = "The start of every line (default none).")
    String prompt;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() {
        PrintWriter out = command.commandLine().getOut();
        if (count < 1) throw new BackpropException("invalid --count " + count + " (must be at least 1)");
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new BackpropException("invalid --temperature " + temperature + " (must be a positive number)");
        }
        ModelFile file = ModelFile.load(modelFile);
        Vocabulary vocabulary = file.vocabulary();
        if (vocabulary == null) {
            throw new BackpropException(modelFile + ": not a character model (no vocabulary): generate takes models of 'train --data words"
                    + " or text:FILE'");
        }
        int[] start = encodePrompt(vocabulary, prompt, modelFile);
        for (String line : sample(file.model(), vocabulary, file.spec().inputs(), start, count, temperature, seed)) {
            out.println(line);
        }
        out.flush();
        return 0;
    }

    /** The prompt's tokens, or a one-line error naming the first character the model does not know. */
    static int[] encodePrompt(Vocabulary v, String prompt, Path model) {
        int[] cps = prompt.codePoints().toArray();
        int[] tokens = new int[cps.length];
        for (int i = 0; i < cps.length; i++) {
            tokens[i] = v.token(cps[i]);
            if (tokens[i] < 0) {
                int cp = cps[i];
                String ch = Character.isISOControl(cp) || Character.isWhitespace(cp) || !Character.isDefined(cp)
                        ? String.format("U+%04X", cp) : "'" + new String(Character.toChars(cp)) + "'";
                throw new BackpropException("--prompt: the character " + ch + " (character " + (i + 1) + " of the prompt) is not in the"
                        + " vocabulary of " + model + " (" + (v.size() - 1) + " characters: " + shown(v) + ")");
            }
        }
        return tokens;
    }

    private static String shown(Vocabulary v) {
        StringBuilder sb = new StringBuilder();
        for (int cp : v.codePoints()) {
            if (sb.length() > 60) return sb.append("...").toString();
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    /**
     * {@code count} lines sampled from {@code model} (windows of {@code context} tokens), each
     * starting with {@code prompt}'s tokens; one generator of {@code seed} for all, line after line.
     */
    static java.util.List<String> sample(Sequential model, Vocabulary v, int context, int[] prompt, int count, double temperature,
                                         long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        java.util.List<String> lines = new java.util.ArrayList<>();
        try (var g = NoGrad.enter(); var mode = model.evalScope()) {
            for (int k = 0; k < count; k++) {
                int[] seq = new int[prompt.length + MAX_LENGTH];
                System.arraycopy(prompt, 0, seq, 0, prompt.length);
                int len = prompt.length;
                while (len < seq.length) {
                    int[] window = new int[context];   // the end token (0) before the line's start
                    for (int j = 0; j < context; j++) {
                        int q = len - context + j;
                        window[j] = q >= 0 ? seq[q] : Vocabulary.END;
                    }
                    Tensor logits = model.call(Tensor.of(window, 1, context));
                    float[] z = (logits.rank() == 3 ? logits.select(1, context - 1) : logits).toFloatArray();
                    int next = draw(z, temperature, rng);
                    if (next == Vocabulary.END) break;
                    seq[len++] = next;
                }
                lines.add(v.decode(java.util.Arrays.copyOf(seq, len)));
            }
        }
        return lines;
    }

    /** A token drawn from softmax(z / temperature), in double precision. */
    static int draw(float[] z, double temperature, SplittableRandom rng) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : z) max = Math.max(max, x / temperature);
        double[] p = new double[z.length];
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            p[i] = Math.exp(z[i] / temperature - max);
            sum += p[i];
        }
        double u = rng.nextDouble() * sum;
        for (int i = 0; i < p.length; i++) {
            u -= p[i];
            if (u < 0) return i;
        }
        return p.length - 1;
    }
}
