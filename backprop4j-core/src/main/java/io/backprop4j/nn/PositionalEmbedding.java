package io.backprop4j.nn;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;
import java.util.random.RandomGenerator;

/**
 * Learned positional embeddings (GPT's {@code wpe}): a table [L, D] of one vector per position,
 * added to a sequence x [N, T, D] (or [T, D]): y[n, t, :] = x[n, t, :] + weight[t, :], T ≤ L.
 * Initialised N(0, 1), as an {@link Embedding} of positions.
 */
public final class PositionalEmbedding extends Module {
    private final Parameter weight;

    public PositionalEmbedding(int maxLength, int dim, RandomGenerator rng) {
        this(maxLength, dim, DType.FLOAT32, rng);
    }

    public PositionalEmbedding(int maxLength, int dim, DType dtype, RandomGenerator rng) {
        if (rng == null) throw new BackpropException("PositionalEmbedding: rng is null");
        if (maxLength <= 0 || dim <= 0) {
            throw new ShapeException("PositionalEmbedding: sizes must be positive, got max_length=" + maxLength + ", dim=" + dim);
        }
        weight = param("weight", Tensor.zeros(dtype, maxLength, dim));
        resetParameters(rng);
    }

    @Override
    public void resetParameters(RandomGenerator rng) {
        Init.normal(weight, 0, 1, rng);
    }

    public Parameter weight() { return weight; }

    public int maxLength() { return weight.size(0); }

    public int dim() { return weight.size(1); }

    /**
     * x plus the first T rows of the table, T = x.size(-2).
     *
     * @throws ShapeException naming this layer when the sequence is longer than the table
     */
    @Override
    public Tensor forward(Tensor x) {
        Layers.sameDType(this, x, weight);
        if (x.rank() < 2 || x.size(-1) != dim()) {
            throw new ShapeException(this + ": input " + Shapes.str(x.shape()) + " is not a sequence of " + dim()
                    + "-vectors: expected [batch, steps, " + dim() + "] or [steps, " + dim() + "]");
        }
        int steps = x.size(-2);
        if (steps > maxLength()) {
            throw new ShapeException(this + ": a sequence of " + steps + " positions is longer than the table of " + maxLength());
        }
        return x.add(weight.narrow(0, 0, steps));
    }

    @Override
    public String toString() {
        return "PositionalEmbedding(max_length=" + maxLength() + ", dim=" + dim() + ")";
    }
}
