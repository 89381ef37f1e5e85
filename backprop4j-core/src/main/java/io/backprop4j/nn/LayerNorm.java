package io.backprop4j.nn;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Functional;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;
import java.util.random.RandomGenerator;

/**
 * Layer normalisation over the last dim, PyTorch's {@code nn.LayerNorm(dim)}: for x [..., D],
 * y = (x − μ)/√(σ² + ε)·γ + β per position, μ and σ² (biased) the mean and variance of its D
 * values; γ (weight, ones) and β (bias, zeros) [D] when {@code affine}. Unlike batch norm it
 * keeps no running statistics and acts the same in training and evaluation.
 */
public final class LayerNorm extends Module {
    private final int dim;
    private final double eps;
    private final Parameter weight;
    private final Parameter bias;

    /** ε = 1e-5, with weight and bias, float32. */
    public LayerNorm(int dim) {
        this(dim, 1e-5, true, DType.FLOAT32);
    }

    public LayerNorm(int dim, double eps, boolean affine, DType dtype) {
        if (dim <= 0) throw new ShapeException("LayerNorm: dim must be positive, got " + dim);
        if (!(eps > 0)) throw new BackpropException("LayerNorm: eps must be > 0, got " + eps);
        this.dim = dim;
        this.eps = eps;
        weight = affine ? param("weight", Tensor.ones(dtype, dim)) : null;
        bias = affine ? param("bias", Tensor.zeros(dtype, dim)) : null;
    }

    @Override
    public void resetParameters(RandomGenerator rng) {
        if (weight != null) {
            Init.constant(weight, 1);
            Init.constant(bias, 0);
        }
    }

    /** γ, or null without affine parameters. */
    public Parameter weight() { return weight; }

    /** β, or null without affine parameters. */
    public Parameter bias() { return bias; }

    public int dim() { return dim; }

    /** ε, added to the variance. */
    public double eps() { return eps; }

    @Override
    public Tensor forward(Tensor x) {
        if (weight != null) Layers.sameDType(this, x, weight);
        if (x.rank() == 0 || x.size(-1) != dim) {
            throw new ShapeException(this + ": input " + Shapes.str(x.shape()) + " does not end in " + dim + " features: expected [..., " + dim + "]");
        }
        return Functional.layerNorm(x, weight, bias, eps);
    }

    @Override
    public String toString() {
        return "LayerNorm(dim=" + dim + ", eps=" + eps + (weight == null ? ", affine=false" : "") + ")";
    }
}
