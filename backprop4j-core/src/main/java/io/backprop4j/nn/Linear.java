package io.backprop4j.nn;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Functional;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;
import java.util.random.RandomGenerator;

/**
 * A dense layer: y = x W + b, with x [n, in], W [in, out] (row i holds the weights leaving input
 * i, as in the textbook and the spec files), b [out], y [n, out]. A 1-D input is one sample; an input
 * [..., in] of higher rank (a sequence [N, T, in]) maps every position: y [..., out].
 * Default initialisation is PyTorch's: W and b from U(±1/√in).
 */
public final class Linear extends Module {
    private final Parameter weight;
    private final Parameter bias;

    /** A layer with bias, float32, initialised from {@code rng}. */
    public Linear(int in, int out, RandomGenerator rng) {
        this(in, out, true, DType.FLOAT32, rng);
    }

    /** A layer initialised from {@code rng}. */
    public Linear(int in, int out, boolean bias, DType dtype, RandomGenerator rng) {
        if (rng == null) throw new BackpropException("Linear: rng is null");
        if (in <= 0 || out <= 0) throw new ShapeException("Linear: sizes must be positive, got in=" + in + ", out=" + out);
        this.weight = param("weight", Tensor.zeros(dtype, in, out));
        this.bias = bias ? param("bias", Tensor.zeros(dtype, out)) : null;
        resetParameters(rng);
    }

    /** A layer with the given weight [in, out] and bias [out] (null for none); the tensors are adopted, not copied. */
    public Linear(Tensor weight, Tensor bias) {
        if (weight == null) throw new BackpropException("Linear: weight is null");
        if (weight.rank() != 2) throw new ShapeException("Linear: weight must be [in, out], got " + Shapes.str(weight.shape()));
        if (bias != null && (bias.rank() != 1 || bias.size(0) != weight.size(1))) {
            throw new ShapeException("Linear: bias " + Shapes.str(bias.shape()) + " does not fit weight " + Shapes.str(weight.shape()));
        }
        this.weight = param("weight", weight);
        this.bias = bias == null ? null : param("bias", bias);
    }

    @Override
    public void resetParameters(RandomGenerator rng) {
        double bound = 1 / Math.sqrt(weight.size(0));
        Init.uniform(weight, -bound, bound, rng);
        if (bias != null) Init.uniform(bias, -bound, bound, rng);
    }

    public Parameter weight() { return weight; }

    /** The bias, or null. */
    public Parameter bias() { return bias; }

    public int inFeatures() { return weight.size(0); }

    public int outFeatures() { return weight.size(1); }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dtype() != weight.dtype()) {
            throw new BackpropException(this + ": the input is " + x.dtype() + " but the layer's weights are " + weight.dtype()
                    + "; convert the input with x.to(DType." + weight.dtype().name() + ")"
                    + (x.dtype().isFloatingPoint() ? " (or build the layer in " + x.dtype() + ")" : ""));
        }
        if (x.rank() == 1) return forward(x.unsqueeze(0)).squeeze(0);
        if (x.rank() < 2 || x.size(-1) != inFeatures()) {
            throw new ShapeException("Linear(in=" + inFeatures() + ", out=" + outFeatures() + "): input "
                    + Shapes.str(x.shape()) + " does not fit weight " + Shapes.str(weight.shape())
                    + ": expected [batch, " + inFeatures() + "]" + (x.rank() > 2 ? " or [..., " + inFeatures() + "]" : ""));
        }
        if (x.rank() > 2) {
            // [N, T, in] (a sequence) as N·T rows: one product for every position.
            int[] shape = x.shape();
            shape[shape.length - 1] = outFeatures();
            return Functional.linear(x.reshape(-1, inFeatures()), weight, bias).reshape(shape);
        }
        return Functional.linear(x, weight, bias);
    }

    @Override
    public String toString() {
        return "Linear(in=" + inFeatures() + ", out=" + outFeatures() + ", bias=" + (bias != null) + ")";
    }
}
