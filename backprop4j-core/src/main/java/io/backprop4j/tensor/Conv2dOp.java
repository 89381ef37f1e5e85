package io.backprop4j.tensor;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.internal.kernel.ConvGeometry;
import io.backprop4j.internal.kernel.Convolution;

/**
 * 2-D convolution as PyTorch's conv2d (a cross-correlation): x [N, C, H, W], w [O, C/G, kH, kW],
 * b [O] or null, y [N, O, OH, OW] with
 * <pre>
 *   y[n, o, i, j] = b[o] + Σ_{c, u, v} w[o, c, u, v] · x[n, g·C/G + c, i·sH − pH + u·dH, j·sW − pW + v·dW]
 * </pre>
 * (g = o / (O/G) the group of filter o; taps in the zero padding count 0) and {@code OH = (H + 2pH
 * − dH(kH − 1) − 1) / sH + 1}, OW alike. Backward: dx = the transposed convolution of g with w,
 * dw[o, c, u, v] = Σ_{n, i, j} g[n, o, i, j] · x[n, .., i·sH − pH + u·dH, ..], db = Σ_{n, i, j} g.
 * The kernels are {@link Convolution}'s matrix products over unfolded tiles.
 */
record Conv2dOp(Tensor x, Tensor w, Tensor b, ConvGeometry geometry) implements Primitive {

    /** conv2d on contiguous copies of x and w (views are copied once); the shapes are checked first. */
    static Tensor apply(Tensor x, Tensor w, Tensor b, int[] stride, int[] padding, int[] dilation, int groups) {
        ConvGeometry g = geometry("conv2d", x, w, b, stride, padding, dilation, groups);
        Tensor xc = x.contiguousData(), wc = w.contiguousData();
        // The kernels write every element of y: a kept array (a gradient of this shape that the last backward freed) serves.
        Tensor y = Recycler.uninitialized(x.dtype(), g.batch(), g.outChannels(), g.outHeight(), g.outWidth());
        if (x.dtype() == DType.FLOAT32) {
            Tensor bc = b == null ? null : b.contiguousData();
            Convolution.forward(g, xc.floatArray(), xc.offset(), wc.floatArray(), wc.offset(),
                    bc == null ? null : bc.floatArray(), bc == null ? 0 : bc.offset(), y.floatArray());
        } else {
            Tensor bc = b == null ? null : b.contiguousData();
            Convolution.forward(g, xc.doubleArray(), xc.offset(), wc.doubleArray(), wc.offset(),
                    bc == null ? null : bc.doubleArray(), bc == null ? 0 : bc.offset(), y.doubleArray());
        }
        return Autograd.record(y, new Conv2dOp(x, w, b, g));
    }

    /**
     * Checks a convolution's arguments and returns its geometry. {@code x} is [N, C, *spatial] and
     * {@code w} [O, C/G, *kernel] with one or two spatial dims ({@code op} "conv1d" or "conv2d");
     * the 2-D geometry of a 1-D convolution has height 1. Messages name the op and both shapes.
     */
    static ConvGeometry geometry(String op, Tensor x, Tensor w, Tensor b, int[] stride, int[] padding, int[] dilation, int groups) {
        int dims = op.equals("conv1d") ? 1 : 2;
        String layout = dims == 1 ? "[batch, channels, length]" : "[batch, channels, height, width]";
        if (x.rank() != dims + 2) {
            throw new ShapeException(op + ": input must be " + (dims + 2) + "-D " + layout + ", got " + Shapes.str(x.shape()));
        }
        if (w.rank() != dims + 2) {
            throw new ShapeException(op + ": weight must be " + (dims + 2) + "-D [out_channels, in_channels / groups"
                    + (dims == 1 ? ", kernel]" : ", kernel_h, kernel_w]") + ", got " + Shapes.str(w.shape()));
        }
        if (!x.dtype().isFloatingPoint()) {
            throw new BackpropException(op + ": input is " + x.dtype() + "; convert it with .to(DType." + w.dtype().name() + ")");
        }
        Loops.sameDType(op, x, w);
        String shapes = op + ": input " + Shapes.str(x.shape()) + " x weight " + Shapes.str(w.shape());
        checkSizes(op, "stride", stride, dims, 1);
        checkSizes(op, "padding", padding, dims, 0);
        checkSizes(op, "dilation", dilation, dims, 1);
        int n = x.size(0), c = x.size(1), o = w.size(0);
        if (groups < 1) throw new ShapeException(op + ": groups must be positive, got " + groups);
        if (c % groups != 0 || o % groups != 0) {
            throw new ShapeException(shapes + ": groups " + groups + " must divide both the " + c + " input channels and the "
                    + o + " output channels");
        }
        if (w.size(1) * groups != c) {
            throw new ShapeException(shapes + ": the weight expects " + w.size(1) * groups + " input channels"
                    + (groups > 1 ? " (" + w.size(1) + " per group, " + groups + " groups)" : "") + ", the input has " + c);
        }
        if (b != null) {
            Loops.sameDType(op, x, b);
            if (b.rank() != 1 || b.size(0) != o) {
                throw new ShapeException(op + ": bias " + Shapes.str(b.shape()) + " does not fit weight " + Shapes.str(w.shape())
                        + ": expected [" + o + "]");
            }
        }
        int[] in = new int[dims], k = new int[dims];
        for (int i = 0; i < dims; i++) {
            in[i] = x.size(2 + i);
            k[i] = w.size(2 + i);
        }
        String fit = kernelFit(in, k, padding, dilation);
        if (fit != null) throw new ShapeException(shapes + ": " + fit);
        if (dims == 1) {
            return new ConvGeometry(n, c, 1, in[0], o, 1, k[0], 1, stride[0], 0, padding[0], 1, dilation[0], groups);
        }
        return new ConvGeometry(n, c, in[0], in[1], o, k[0], k[1], stride[0], stride[1], padding[0], padding[1],
                dilation[0], dilation[1], groups);
    }

    /**
     * Null when a kernel of size k (dilation d) fits the input padded by p on both sides along
     * every dim, else why not, in words: "the kernel 3x3 (dilation 1) does not fit the padded input 2x2 (padding 0)".
     */
    static String kernelFit(int[] in, int[] k, int[] padding, int[] dilation) {
        for (int i = 0; i < in.length; i++) {
            if ((long) dilation[i] * (k[i] - 1) + 1 > in[i] + 2L * padding[i]) {
                int[] span = new int[in.length], padded = new int[in.length];
                for (int j = 0; j < in.length; j++) {
                    span[j] = dilation[j] * (k[j] - 1) + 1;
                    padded[j] = in[j] + 2 * padding[j];
                }
                boolean dilated = false;
                for (int d : dilation) dilated |= d != 1;
                return "the kernel " + times(k) + (dilated ? " (dilation " + times(dilation) + ", spanning " + times(span) + ")" : "")
                        + " is larger than the padded input " + times(padded) + " (input " + times(in) + ", padding " + times(padding) + ")";
            }
        }
        return null;
    }

    /** 3x3, or 5 for one dim. */
    static String times(int[] v) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < v.length; i++) s.append(i > 0 ? "x" : "").append(v[i]);
        return s.toString();
    }

    /** Refuses a stride/padding/dilation array of the wrong length or with a value below {@code min}. */
    static void checkSizes(String op, String what, int[] v, int dims, int min) {
        if (v == null) throw new BackpropException(op + ": " + what + " is null");
        if (v.length != dims) {
            throw new ShapeException(op + ": " + what + " needs " + dims + " value" + (dims > 1 ? "s" : "") + ", got " + Shapes.str(v));
        }
        for (int s : v) {
            if (s < min) throw new ShapeException(op + ": " + what + " must be " + (min == 0 ? "non-negative" : "positive") + ", got " + Shapes.str(v));
        }
    }

    public Tensor[] inputs() { return new Tensor[] {x, w, b}; }

    @Override
    public Tensor[] saved() { return new Tensor[] {x, w}; }

    public Tensor[] backward(Tensor gy) {
        return Recycler.readOnce(gy, false, gc -> gradients(gy, gc));
    }

    /** The engine's own gy is dead once read: its array is kept for a forward pass (none of dx, dw, db shares it). */
    @Override
    public Tensor[] backwardOwned(Tensor gy) {
        return Recycler.readOnce(gy, true, gc -> gradients(gy, gc));
    }

    /** dx, dw and db (each new, or null when not wanted) from gy and its contiguous form gc. */
    private Tensor[] gradients(Tensor gy, Tensor gc) {
        ConvGeometry g = geometry;
        Tensor dx = null, dw = null, db = null;
        boolean f32 = x.dtype() == DType.FLOAT32;
        if (x.requiresGrad()) {
            Tensor wc = w.contiguousData();
            dx = Tensor.zeros(x.dtype(), x.shape());
            if (f32) Convolution.backwardInput(g, gc.floatArray(), gc.offset(), wc.floatArray(), wc.offset(), dx.floatArray());
            else Convolution.backwardInput(g, gc.doubleArray(), gc.offset(), wc.doubleArray(), wc.offset(), dx.doubleArray());
        }
        boolean biasGrad = b != null && b.requiresGrad();
        if (biasGrad) db = Tensor.zeros(b.dtype(), b.shape());
        if (w.requiresGrad()) {
            // The bias gradient comes with the weight's, summed while the gradient is read anyway.
            Tensor xc = x.contiguousData();
            dw = Tensor.zeros(w.dtype(), w.shape());
            if (f32) Convolution.backwardWeight(g, xc.floatArray(), xc.offset(), gc.floatArray(), gc.offset(), dw.floatArray(), biasGrad ? db.floatArray() : null);
            else Convolution.backwardWeight(g, xc.doubleArray(), xc.offset(), gc.doubleArray(), gc.offset(), dw.doubleArray(), biasGrad ? db.doubleArray() : null);
        } else if (biasGrad) {
            if (f32) Convolution.biasGrad(g.batch(), g.outChannels(), g.outPlane(), gc.floatArray(), gc.offset(), db.floatArray());
            else Convolution.biasGrad(g.batch(), g.outChannels(), g.outPlane(), gc.doubleArray(), gc.offset(), db.doubleArray());
        }
        return new Tensor[] {dx, dw, db};
    }
}
