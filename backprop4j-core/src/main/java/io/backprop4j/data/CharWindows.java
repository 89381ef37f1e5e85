package io.backprop4j.data;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.Tensor;
import java.util.List;

/**
 * Next-character examples of a list of lines: each line is the sequence s = [E, c_1, ..., c_L, E]
 * (E the end token), and each of its L + 1 characters after the first E is one example: the
 * {@code context} tokens before it (padded on the left with E before the line's start, as
 * makemore does) predict it. A line of L characters gives L + 1 examples, so the mean loss over
 * all examples is in nats per character, the end of each line counted as a character.
 *
 * <p>The tokens are kept once; {@link #batch} builds the int64 tensors of the examples asked for.
 *
 * <pre>{@code
 * CharWindows w = CharWindows.of(List.of("emma"), vocabulary, 3);
 * w.size();                         // 5: e, m, m, a and the end
 * w.batch(new int[] {0, 4});        // x [[E, E, E], [m, m, a]], y [e, E]
 * }</pre>
 */
public final class CharWindows {
    private final int context;
    private final int vocabularySize;
    /** Every line's sequence, concatenated. */
    private final int[] tokens;
    /** Example k predicts tokens[target[k]]; its line's leading E is at start[k]. */
    private final int[] target;
    private final int[] start;

    private CharWindows(int context, int vocabularySize, int[] tokens, int[] target, int[] start) {
        this.context = context;
        this.vocabularySize = vocabularySize;
        this.tokens = tokens;
        this.target = target;
        this.start = start;
    }

    /**
     * The examples of {@code lines}, with windows of {@code context} tokens.
     *
     * @throws BackpropException when a character is not in the vocabulary or context < 1
     */
    public static CharWindows of(List<String> lines, Vocabulary vocabulary, int context) {
        if (context < 1) throw new ShapeException("CharWindows: the context must be at least 1 token, got " + context);
        long total = 0;
        for (String line : lines) total += line.codePointCount(0, line.length()) + 2;
        if (total > Integer.MAX_VALUE - 8) throw new BackpropException("CharWindows: too much text (" + total + " tokens)");
        int[] tokens = new int[(int) total];
        int examples = (int) total - lines.size();
        int[] target = new int[examples], start = new int[examples];
        int at = 0, k = 0;
        for (String line : lines) {
            int s = at;
            tokens[at++] = Vocabulary.END;
            for (int t : vocabulary.encode(line)) {
                target[k] = at;
                start[k++] = s;
                tokens[at++] = t;
            }
            target[k] = at;
            start[k++] = s;
            tokens[at++] = Vocabulary.END;
        }
        return new CharWindows(context, vocabulary.size(), tokens, target, start);
    }

    /** The number of examples (characters to predict, line ends included). */
    public int size() {
        return target.length;
    }

    /** Tokens per window. */
    public int context() {
        return context;
    }

    /** The vocabulary size the tokens are below. */
    public int vocabularySize() {
        return vocabularySize;
    }

    /** The inputs of a batch, int64 [B, context], and the next characters, int64 [B]. */
    public record Batch(Tensor inputs, Tensor targets) {}

    /**
     * The examples at {@code rows}: window x[b] = the {@code context} tokens before example
     * rows[b]'s character (E before its line's start), y[b] that character.
     */
    public Batch batch(int[] rows) {
        int[] x = new int[rows.length * context], y = new int[rows.length];
        for (int b = 0; b < rows.length; b++) {
            int r = rows[b];
            if (r < 0 || r >= size()) throw new BackpropException("CharWindows: example " + r + " is outside [0, " + size() + ")");
            int p = target[r], s = start[r];
            for (int j = 0; j < context; j++) {
                int q = p - context + j;
                x[b * context + j] = q >= s ? tokens[q] : Vocabulary.END;
            }
            y[b] = tokens[p];
        }
        return new Batch(Tensor.of(x, rows.length, context), Tensor.of(y, rows.length));
    }

    /** The target of a position with nothing to predict (the left padding), left out by {@code Losses.crossEntropy(x, y, IGNORE)}. */
    public static final int IGNORE = -100;

    /**
     * The examples at {@code rows} with a target at every position, for models that predict
     * after each token (transformers, recurrent networks): x [B, context] as in {@link #batch},
     * y [B, context] with y[b, j] the token after x[b, j] in its line, or {@link #IGNORE} where
     * x[b, j] is padding before the line's leading end token. y[b, context − 1] is the example's
     * own character.
     */
    public Batch sequenceBatch(int[] rows) {
        Batch b = batch(rows);
        int[] y = new int[rows.length * context];
        for (int i = 0; i < rows.length; i++) {
            int p = target[rows[i]], s = start[rows[i]];
            for (int j = 0; j < context; j++) {
                int q = p - context + j;   // x[i, j] is tokens[q] when q >= s, else padding
                y[i * context + j] = q >= s ? tokens[q + 1] : IGNORE;
            }
        }
        return new Batch(b.inputs(), Tensor.of(y, rows.length, context));
    }

    @Override
    public String toString() {
        return "CharWindows(" + size() + " examples, context " + context + ")";
    }
}
