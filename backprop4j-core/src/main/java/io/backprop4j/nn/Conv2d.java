package io.backprop4j.nn;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Functional;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;
import java.util.random.RandomGenerator;

/**
 * A 2-D convolution layer, as PyTorch's {@code nn.Conv2d}: input [N, C, H, W] (or [C, H, W]),
 * weight [out, in/groups, kH, kW], bias [out], output [N, out, OH, OW] with
 * <pre>
 *   y[n, o, i, j] = b[o] + Σ_{c, u, v} w[o, c, u, v] · x[n, g·in/groups + c, i·sH − pH + u·dH, j·sW − pW + v·dW]
 *   OH = ⌊(H + 2pH − dH·(kH − 1) − 1) / sH⌋ + 1      (OW alike)
 * </pre>
 * (g the group of filter o; zero padding), computed by {@link Functional#conv2d}. Default
 * initialisation is PyTorch's (kaiming_uniform with a = √5): w and b from U(±1/√fan_in), fan_in =
 * in/groups · kH · kW.
 *
 * <pre>{@code
 * var conv = new Conv2d(1, 16, 3, 1, 1, rng);       // Conv2d(in=1, out=16, kernel=3, stride=1, padding=1)
 * var wide = Conv2d.builder(16, 32, 3, 5).stride(2).padding(1, 2).groups(2).bias(false).build(rng);
 * }</pre>
 */
public final class Conv2d extends Module {
    private final int in, out, groups;
    private final int[] kernel, stride, padding, dilation;
    private final Parameter weight, bias;

    /** A square kernel, stride 1, no padding, with bias, float32. */
    public Conv2d(int in, int out, int kernel, RandomGenerator rng) {
        this(builder(in, out, kernel), rng);
    }

    /** A square kernel with the same stride and padding along both axes, with bias, float32. */
    public Conv2d(int in, int out, int kernel, int stride, int padding, RandomGenerator rng) {
        this(builder(in, out, kernel).stride(stride).padding(padding), rng);
    }

    /**
     * A layer over the given weight [out, in/groups, kH, kW] and bias [out] (null for none); the
     * tensors are adopted, not copied. Stride and padding apply to both axes.
     */
    public Conv2d(Tensor weight, Tensor bias, int stride, int padding) {
        this(weight, bias, new int[] {stride, stride}, new int[] {padding, padding}, new int[] {1, 1}, 1);
    }

    /** A layer over the given weight [out, in/groups, kH, kW] and bias (null for none), adopted; {H, W} settings. */
    public Conv2d(Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        if (weight == null) throw new BackpropException("Conv2d: weight is null");
        if (weight.rank() != 4) {
            throw new ShapeException("Conv2d: weight must be [out_channels, in_channels / groups, kernel_h, kernel_w], got " + Shapes.str(weight.shape()));
        }
        this.groups = groups;
        this.in = weight.size(1) * groups;
        this.out = weight.size(0);
        this.kernel = new int[] {weight.size(2), weight.size(3)};
        this.stride = pair("stride", stride, 1);
        this.padding = pair("padding", padding, 0);
        this.dilation = pair("dilation", dilation, 1);
        checkGroups();
        if (bias != null && (bias.rank() != 1 || bias.size(0) != out)) {
            throw new ShapeException("Conv2d: bias " + Shapes.str(bias.shape()) + " does not fit weight " + Shapes.str(weight.shape())
                    + ": expected [" + out + "]");
        }
        this.weight = param("weight", weight);
        this.bias = bias == null ? null : param("bias", bias);
    }

    private Conv2d(Builder b, RandomGenerator rng) {
        if (rng == null) throw new BackpropException("Conv2d: rng is null");
        if (b.in <= 0 || b.out <= 0 || b.kernel[0] <= 0 || b.kernel[1] <= 0) {
            throw new ShapeException("Conv2d: sizes must be positive, got in=" + b.in + ", out=" + b.out + ", kernel=" + Shapes.str(b.kernel));
        }
        this.in = b.in;
        this.out = b.out;
        this.groups = b.groups;
        this.kernel = b.kernel.clone();
        this.stride = pair("stride", b.stride, 1);
        this.padding = pair("padding", b.padding, 0);
        this.dilation = pair("dilation", b.dilation, 1);
        checkGroups();
        this.weight = param("weight", Tensor.zeros(b.dtype, out, in / groups, kernel[0], kernel[1]));
        this.bias = b.bias ? param("bias", Tensor.zeros(b.dtype, out)) : null;
        resetParameters(rng);
    }

    private void checkGroups() {
        if (groups < 1) throw new ShapeException("Conv2d: groups must be positive, got " + groups);
        if (in % groups != 0 || out % groups != 0) {
            throw new ShapeException("Conv2d: groups " + groups + " must divide both in=" + in + " and out=" + out);
        }
    }

    static int[] pair(String what, int[] v, int min) {
        if (v == null || v.length != 2) throw new ShapeException("Conv2d: " + what + " needs 2 values {h, w}, got " + (v == null ? "null" : Shapes.str(v)));
        if (v[0] < min || v[1] < min) {
            throw new ShapeException("Conv2d: " + what + " must be " + (min == 0 ? "non-negative" : "positive") + ", got " + Shapes.str(v));
        }
        return v.clone();
    }

    /** A builder for the less common settings; stride 1, padding 0, dilation 1, groups 1, bias, float32 unless set. */
    public static Builder builder(int in, int out, int kernel) {
        return new Builder(in, out, kernel, kernel);
    }

    /** A builder for a kH x kW kernel. */
    public static Builder builder(int in, int out, int kernelH, int kernelW) {
        return new Builder(in, out, kernelH, kernelW);
    }

    /** Settings of a {@link Conv2d} beyond its sizes; each setter returns this. */
    public static final class Builder {
        private final int in, out;
        private final int[] kernel;
        private int[] stride = {1, 1}, padding = {0, 0}, dilation = {1, 1};
        private int groups = 1;
        private boolean bias = true;
        private DType dtype = DType.FLOAT32;

        private Builder(int in, int out, int kh, int kw) {
            this.in = in;
            this.out = out;
            this.kernel = new int[] {kh, kw};
        }

        public Builder stride(int s) { return stride(s, s); }

        public Builder stride(int sh, int sw) { stride = new int[] {sh, sw}; return this; }

        /** Zero padding on both sides of each axis. */
        public Builder padding(int p) { return padding(p, p); }

        public Builder padding(int ph, int pw) { padding = new int[] {ph, pw}; return this; }

        public Builder dilation(int d) { return dilation(d, d); }

        public Builder dilation(int dh, int dw) { dilation = new int[] {dh, dw}; return this; }

        /** Groups: input and output channels are split into this many groups, each convolved alone. */
        public Builder groups(int g) { groups = g; return this; }

        public Builder bias(boolean b) { bias = b; return this; }

        public Builder dtype(DType d) {
            if (d == null || !d.isFloatingPoint()) throw new BackpropException("Conv2d: dtype must be FLOAT32 or FLOAT64, got " + d);
            dtype = d;
            return this;
        }

        /** The layer, initialised from {@code rng}. */
        public Conv2d build(RandomGenerator rng) {
            return new Conv2d(this, rng);
        }
    }

    /** PyTorch's default: w and b from U(±1/√fan_in), fan_in = in/groups · kH · kW (kaiming_uniform, a = √5). */
    @Override
    public void resetParameters(RandomGenerator rng) {
        double bound = 1 / Math.sqrt((double) (in / groups) * kernel[0] * kernel[1]);
        Init.uniform(weight, -bound, bound, rng);
        if (bias != null) Init.uniform(bias, -bound, bound, rng);
    }

    public Parameter weight() { return weight; }

    /** The bias, or null. */
    public Parameter bias() { return bias; }

    public int inChannels() { return in; }

    public int outChannels() { return out; }

    /** {kH, kW} (a copy). */
    public int[] kernelSize() { return kernel.clone(); }

    /** {sH, sW} (a copy). */
    public int[] stride() { return stride.clone(); }

    /** {pH, pW} (a copy). */
    public int[] padding() { return padding.clone(); }

    /** {dH, dW} (a copy). */
    public int[] dilation() { return dilation.clone(); }

    public int groups() { return groups; }

    /** The output shape for an input of {@code shape} ([N, C, H, W] or [C, H, W]), checked as {@link #forward} checks it. */
    public int[] outputShape(int... shape) {
        checkInput(shape);
        int r = shape.length;
        int[] s = shape.clone();
        s[r - 3] = out;
        for (int a = 0; a < 2; a++) {
            s[r - 2 + a] = (shape[r - 2 + a] + 2 * padding[a] - dilation[a] * (kernel[a] - 1) - 1) / stride[a] + 1;
        }
        return s;
    }

    private void checkInput(int[] shape) {
        int r = shape.length;
        if (r != 3 && r != 4) {
            throw new ShapeException(this + ": input " + Shapes.str(shape) + " must be [batch, channels, height, width] (or one image, [channels, height, width])");
        }
        if (shape[r - 3] != in) {
            throw new ShapeException(this + ": input " + Shapes.str(shape) + " has " + shape[r - 3] + " channels, but the weight "
                    + Shapes.str(weight.shape()) + " expects " + in);
        }
        for (int a = 0; a < 2; a++) {
            int span = dilation[a] * (kernel[a] - 1) + 1, padded = shape[r - 2 + a] + 2 * padding[a];
            if (span > padded) {
                throw new ShapeException(this + ": input " + Shapes.str(shape) + " is smaller than the kernel: the padded input is "
                        + (shape[r - 2] + 2 * padding[0]) + "x" + (shape[r - 1] + 2 * padding[1]) + ", the kernel spans "
                        + (dilation[0] * (kernel[0] - 1) + 1) + "x" + (dilation[1] * (kernel[1] - 1) + 1));
            }
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        Layers.sameDType(this, x, weight);
        checkInput(x.shape());
        return Functional.conv2d(x, weight, bias, stride, padding, dilation, groups);
    }

    /** {@code Conv2d(in=1, out=16, kernel=3, stride=1, padding=1)}, with dilation, groups and bias=false when they are not the defaults. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Conv2d(in=").append(in).append(", out=").append(out)
                .append(", kernel=").append(Layers.size(kernel)).append(", stride=").append(Layers.size(stride))
                .append(", padding=").append(Layers.size(padding));
        if (dilation[0] != 1 || dilation[1] != 1) s.append(", dilation=").append(Layers.size(dilation));
        if (groups != 1) s.append(", groups=").append(groups);
        if (bias == null) s.append(", bias=false");
        return s.append(")").toString();
    }
}
