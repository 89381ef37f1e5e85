package io.backprop4j.nn;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Functional;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;
import java.util.random.RandomGenerator;

/**
 * A 1-D convolution layer, as PyTorch's {@code nn.Conv1d}: input [N, C, L] (or [C, L]), weight
 * [out, in/groups, k], bias [out], output [N, out, (L + 2p − d(k − 1) − 1) / s + 1] with
 * <pre>
 *   y[n, o, i] = b[o] + Σ_{c, u} w[o, c, u] · x[n, g·in/groups + c, i·s − p + u·d]
 * </pre>
 * computed by {@link Functional#conv1d}. Default initialisation is PyTorch's: w and b from
 * U(±1/√fan_in), fan_in = in/groups · k.
 *
 * <pre>{@code
 * var conv = new Conv1d(4, 8, 5, 1, 2, rng);    // Conv1d(in=4, out=8, kernel=5, stride=1, padding=2)
 * }</pre>
 */
public final class Conv1d extends Module {
    private final int in, out, kernel, stride, padding, dilation, groups;
    private final Parameter weight, bias;

    /** Stride 1, no padding, with bias, float32. */
    public Conv1d(int in, int out, int kernel, RandomGenerator rng) {
        this(in, out, kernel, 1, 0, 1, 1, true, DType.FLOAT32, rng);
    }

    /** With bias, float32. */
    public Conv1d(int in, int out, int kernel, int stride, int padding, RandomGenerator rng) {
        this(in, out, kernel, stride, padding, 1, 1, true, DType.FLOAT32, rng);
    }

    /** Every setting, initialised from {@code rng}. */
    public Conv1d(int in, int out, int kernel, int stride, int padding, int dilation, int groups, boolean bias, DType dtype,
                  RandomGenerator rng) {
        if (rng == null) throw new BackpropException("Conv1d: rng is null");
        if (in <= 0 || out <= 0 || kernel <= 0) {
            throw new ShapeException("Conv1d: sizes must be positive, got in=" + in + ", out=" + out + ", kernel=" + kernel);
        }
        if (dtype == null || !dtype.isFloatingPoint()) throw new BackpropException("Conv1d: dtype must be FLOAT32 or FLOAT64, got " + dtype);
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        check();
        this.weight = param("weight", Tensor.zeros(dtype, out, in / groups, kernel));
        this.bias = bias ? param("bias", Tensor.zeros(dtype, out)) : null;
        resetParameters(rng);
    }

    /** A layer over the given weight [out, in/groups, k] and bias [out] (null for none); adopted, not copied. */
    public Conv1d(Tensor weight, Tensor bias, int stride, int padding, int dilation, int groups) {
        if (weight == null) throw new BackpropException("Conv1d: weight is null");
        if (weight.rank() != 3) throw new ShapeException("Conv1d: weight must be [out_channels, in_channels / groups, kernel], got " + Shapes.str(weight.shape()));
        this.in = weight.size(1) * groups;
        this.out = weight.size(0);
        this.kernel = weight.size(2);
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        check();
        if (bias != null && (bias.rank() != 1 || bias.size(0) != out)) {
            throw new ShapeException("Conv1d: bias " + Shapes.str(bias.shape()) + " does not fit weight " + Shapes.str(weight.shape())
                    + ": expected [" + out + "]");
        }
        this.weight = param("weight", weight);
        this.bias = bias == null ? null : param("bias", bias);
    }

    private void check() {
        if (stride < 1 || dilation < 1 || padding < 0) {
            throw new ShapeException("Conv1d: stride and dilation must be positive and padding non-negative, got stride=" + stride
                    + ", padding=" + padding + ", dilation=" + dilation);
        }
        if (groups < 1 || in % groups != 0 || out % groups != 0) {
            throw new ShapeException("Conv1d: groups " + groups + " must be positive and divide both in=" + in + " and out=" + out);
        }
    }

    /** PyTorch's default: w and b from U(±1/√fan_in), fan_in = in/groups · k. */
    @Override
    public void resetParameters(RandomGenerator rng) {
        double bound = 1 / Math.sqrt((double) (in / groups) * kernel);
        Init.uniform(weight, -bound, bound, rng);
        if (bias != null) Init.uniform(bias, -bound, bound, rng);
    }

    public Parameter weight() { return weight; }

    /** The bias, or null. */
    public Parameter bias() { return bias; }

    public int inChannels() { return in; }

    public int outChannels() { return out; }

    public int kernelSize() { return kernel; }

    public int stride() { return stride; }

    public int padding() { return padding; }

    public int dilation() { return dilation; }

    public int groups() { return groups; }

    /** The output shape for an input of {@code shape} ([N, C, L] or [C, L]), checked as {@link #forward} checks it. */
    public int[] outputShape(int... shape) {
        checkInput(shape);
        int[] s = shape.clone();
        int r = s.length;
        s[r - 2] = out;
        s[r - 1] = (shape[r - 1] + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;
        return s;
    }

    private void checkInput(int[] shape) {
        int r = shape.length;
        if (r != 2 && r != 3) {
            throw new ShapeException(this + ": input " + Shapes.str(shape) + " must be [batch, channels, length] (or one sample, [channels, length])");
        }
        if (shape[r - 2] != in) {
            throw new ShapeException(this + ": input " + Shapes.str(shape) + " has " + shape[r - 2] + " channels, but the weight "
                    + Shapes.str(weight.shape()) + " expects " + in);
        }
        int span = dilation * (kernel - 1) + 1;
        if (span > shape[r - 1] + 2 * padding) {
            throw new ShapeException(this + ": input " + Shapes.str(shape) + " is shorter than the kernel: the padded length is "
                    + (shape[r - 1] + 2 * padding) + ", the kernel spans " + span);
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        Layers.sameDType(this, x, weight);
        checkInput(x.shape());
        return Functional.conv1d(x, weight, bias, stride, padding, dilation, groups);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Conv1d(in=").append(in).append(", out=").append(out).append(", kernel=").append(kernel)
                .append(", stride=").append(stride).append(", padding=").append(padding);
        if (dilation != 1) s.append(", dilation=").append(dilation);
        if (groups != 1) s.append(", groups=").append(groups);
        if (bias == null) s.append(", bias=false");
        return s.append(")").toString();
    }
}
