package io.backprop4j.nn;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Functional;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;
import java.util.random.RandomGenerator;

/**
 * A lookup table of learnt vectors, PyTorch's {@code nn.Embedding}: indices (int64, any shape)
 * to rows of the weight [V, D], out [..., D] with out[..., :] = weight[indices[...], :]. Default
 * initialisation is PyTorch's: N(0, 1).
 *
 * <pre>{@code
 * var emb = new Embedding(27, 8, rng);
 * Tensor x = emb.forward(Tensor.of(new int[] {1, 5, 0, 26, 3, 3}, 2, 3));   // [2, 3, 8]
 * }</pre>
 */
public final class Embedding extends Module {
    private final Parameter weight;

    /** A float32 table of {@code vocabulary} rows of {@code dim} values. */
    public Embedding(int vocabulary, int dim, RandomGenerator rng) {
        this(vocabulary, dim, DType.FLOAT32, rng);
    }

    public Embedding(int vocabulary, int dim, DType dtype, RandomGenerator rng) {
        if (rng == null) throw new BackpropException("Embedding: rng is null");
        if (vocabulary <= 0 || dim <= 0) {
            throw new ShapeException("Embedding: sizes must be positive, got vocabulary=" + vocabulary + ", dim=" + dim);
        }
        weight = param("weight", Tensor.zeros(dtype, vocabulary, dim));
        resetParameters(rng);
    }

    @Override
    public void resetParameters(RandomGenerator rng) {
        Init.normal(weight, 0, 1, rng);
    }

    public Parameter weight() { return weight; }

    public int vocabulary() { return weight.size(0); }

    public int dim() { return weight.size(1); }

    /**
     * The rows at {@code indices} (int64, any shape): [..., dim].
     *
     * @throws ShapeException naming this layer, the index and the vocabulary size when an index
     *         is outside [0, vocabulary)
     */
    @Override
    public Tensor forward(Tensor indices) {
        if (indices.dtype() != DType.INT64) {
            throw new BackpropException(this + ": indices must be int64 (Tensor.of(int[], shape)), got " + indices.dtype());
        }
        long[] v = indices.toLongArray();
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] >= vocabulary()) {
                throw new ShapeException(this + ": index " + v[i] + " at " + Shapes.position(indices.shape(), i)
                        + " is past the vocabulary of size " + vocabulary());
            }
        }
        return Functional.embedding(indices, weight);
    }

    @Override
    public String toString() {
        return "Embedding(vocabulary=" + vocabulary() + ", dim=" + dim() + ")";
    }
}
