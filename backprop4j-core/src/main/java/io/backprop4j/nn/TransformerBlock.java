package io.backprop4j.nn;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.util.random.RandomGenerator;

/**
 * A pre-norm transformer decoder block (GPT-2's): on x [N, T, D],
 * <pre>
 *   x = x + dropout(attn(ln_1(x)))        attn: causal {@link MultiheadAttention}, h heads
 *   x = x + dropout(mlp(ln_2(x)))         mlp: Linear(D, F), GELU, Linear(F, D)
 * </pre>
 * The children are {@code ln_1}, {@code attn}, {@code ln_2}, {@code mlp} (a {@link Sequential}:
 * {@code mlp.0}, {@code mlp.2} the linear layers) and the residual {@code dropout}; dropout p also
 * applies to the attention weights.
 */
public final class TransformerBlock extends Module {
    private final LayerNorm ln1;
    private final MultiheadAttention attn;
    private final LayerNorm ln2;
    private final Sequential mlp;
    private final Dropout dropout;

    /** Float32, with the feed-forward size F = 4D. */
    public TransformerBlock(int dim, int heads, double dropout, RandomGenerator rng) {
        this(dim, heads, 4 * dim, dropout, DType.FLOAT32, rng);
    }

    public TransformerBlock(int dim, int heads, int feedForward, double dropout, DType dtype, RandomGenerator rng) {
        if (rng == null) throw new BackpropException("TransformerBlock: rng is null");
        if (feedForward <= 0) throw new ShapeException("TransformerBlock: the feed-forward size must be positive, got " + feedForward);
        ln1 = child("ln_1", new LayerNorm(dim, 1e-5, true, dtype));
        attn = child("attn", new MultiheadAttention(dim, heads, true, dropout, true, true, dtype, rng));
        ln2 = child("ln_2", new LayerNorm(dim, 1e-5, true, dtype));
        mlp = child("mlp", new Sequential(new Linear(dim, feedForward, true, dtype, rng), new GELU(), new Linear(feedForward, dim, true, dtype, rng)));
        this.dropout = child("dropout", new Dropout(dropout, rng));
    }

    public MultiheadAttention attention() { return attn; }

    /** D, the model width. */
    public int dim() { return attn.embedDim(); }

    /** F, the feed-forward size. */
    public int feedForward() { return ((Linear) mlp.layers().get(0)).outFeatures(); }

    /** The dropout probability (residual and attention weights). */
    public double dropout() { return dropout.p(); }

    @Override
    public Tensor forward(Tensor x) {
        x = x.add(dropout.call(attn.call(ln1.call(x))));
        return x.add(dropout.call(mlp.call(ln2.call(x))));
    }

    @Override
    public String toString() {
        return "TransformerBlock(dim=" + attn.embedDim() + ", heads=" + attn.heads() + ", feed_forward="
                + ((Linear) mlp.layers().get(0)).outFeatures() + (dropout.p() > 0 ? ", dropout=" + dropout.p() : "") + ")";
    }
}
