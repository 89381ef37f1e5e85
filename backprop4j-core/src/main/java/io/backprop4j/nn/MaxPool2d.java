package io.backprop4j.nn;

import io.backprop4j.tensor.Functional;
import io.backprop4j.tensor.Tensor;

/**
 * 2-D max pooling, as PyTorch's {@code nn.MaxPool2d}: over [N, C, H, W] (or [C, H, W]), each
 * output is the largest input of its kH x kW window (stride defaults to the kernel, padding to 0,
 * dilation to 1; taps in the padding never win). The gradient flows to each window's winner
 * alone. See {@link Functional#maxPool2d(Tensor, int[], int[], int[], int[], boolean)}.
 *
 * <pre>{@code
 * new MaxPool2d(2)   // MaxPool2d(kernel=2, stride=2, padding=0): [N, C, 28, 28] -> [N, C, 14, 14]
 * }</pre>
 */
public final class MaxPool2d extends Module {
    private final int[] kernel, stride, padding, dilation;
    private final boolean ceilMode;

    /** A k x k window, stride k, no padding. */
    public MaxPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    /** A k x k window with the given stride, no padding. */
    public MaxPool2d(int kernel, int stride) {
        this(kernel, stride, 0);
    }

    public MaxPool2d(int kernel, int stride, int padding) {
        this(new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding}, new int[] {1, 1}, false);
    }

    /** Every setting, {H, W} each; {@code ceilMode} rounds the output size up (PyTorch's ceil_mode). */
    public MaxPool2d(int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        this.kernel = Pool.pair("MaxPool2d", "kernel", kernel, 1);
        this.stride = Pool.pair("MaxPool2d", "stride", stride, 1);
        this.padding = Pool.pair("MaxPool2d", "padding", padding, 0);
        this.dilation = Pool.pair("MaxPool2d", "dilation", dilation, 1);
        this.ceilMode = ceilMode;
        Pool.checkPadding(this, this.kernel, this.padding);
    }

    public int[] kernelSize() { return kernel.clone(); }

    public int[] stride() { return stride.clone(); }

    public int[] padding() { return padding.clone(); }

    public int[] dilation() { return dilation.clone(); }

    public boolean ceilMode() { return ceilMode; }

    /** The output shape for an input of {@code shape} ([N, C, H, W] or [C, H, W]), checked as {@link #forward} checks it. */
    public int[] outputShape(int... shape) {
        return Pool.outputShape(this, shape, kernel, stride, padding, dilation, ceilMode);
    }

    @Override
    public Tensor forward(Tensor x) {
        Pool.checkInput(this, x, kernel, padding, dilation);
        return Functional.maxPool2d(x, kernel, stride, padding, dilation, ceilMode);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("MaxPool2d(kernel=").append(Layers.size(kernel)).append(", stride=").append(Layers.size(stride))
                .append(", padding=").append(Layers.size(padding));
        if (dilation[0] != 1 || dilation[1] != 1) s.append(", dilation=").append(Layers.size(dilation));
        if (ceilMode) s.append(", ceil_mode=true");
        return s.append(")").toString();
    }
}
