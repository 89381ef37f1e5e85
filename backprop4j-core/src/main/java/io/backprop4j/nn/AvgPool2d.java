package io.backprop4j.nn;

import io.backprop4j.ShapeException;
import io.backprop4j.tensor.Functional;
import io.backprop4j.tensor.Tensor;

/**
 * 2-D average pooling, as PyTorch's {@code nn.AvgPool2d}: over [N, C, H, W] (or [C, H, W]), each
 * output is the sum of its kH x kW window over a divisor: the window's size counting the zero
 * padding (count_include_pad, PyTorch's default), or only the taps inside the input, or a fixed
 * divisor_override. Stride defaults to the kernel, padding to 0. Each input of a window gets the
 * window's gradient / divisor. See {@link Functional#avgPool2d(Tensor, int[], int[], int[], boolean, boolean, int)}.
 *
 * <pre>{@code
 * new AvgPool2d(2)   // AvgPool2d(kernel=2, stride=2, padding=0): [N, C, 28, 28] -> [N, C, 14, 14]
 * }</pre>
 */
public final class AvgPool2d extends Module {
    private final int[] kernel, stride, padding;
    private final boolean ceilMode, countIncludePad;
    private final int divisorOverride;

    /** A k x k window, stride k, no padding. */
    public AvgPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    public AvgPool2d(int kernel, int stride) {
        this(kernel, stride, 0);
    }

    public AvgPool2d(int kernel, int stride, int padding) {
        this(new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding}, false, true, 0);
    }

    /**
     * Every setting ({H, W} each): {@code ceilMode} rounds the output size up; {@code
     * countIncludePad} counts the padding in the divisor; {@code divisorOverride} > 0 replaces the
     * divisor (0: none).
     */
    public AvgPool2d(int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad, int divisorOverride) {
        this.kernel = Pool.pair("AvgPool2d", "kernel", kernel, 1);
        this.stride = Pool.pair("AvgPool2d", "stride", stride, 1);
        this.padding = Pool.pair("AvgPool2d", "padding", padding, 0);
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
        if (divisorOverride < 0) throw new ShapeException("AvgPool2d: divisor_override must be positive (or 0 for none), got " + divisorOverride);
        this.divisorOverride = divisorOverride;
        Pool.checkPadding(this, this.kernel, this.padding);
    }

    public int[] kernelSize() { return kernel.clone(); }

    public int[] stride() { return stride.clone(); }

    public int[] padding() { return padding.clone(); }

    public boolean ceilMode() { return ceilMode; }

    public boolean countIncludePad() { return countIncludePad; }

    /** The fixed divisor, or 0 for none. */
    public int divisorOverride() { return divisorOverride; }

    /** The output shape for an input of {@code shape} ([N, C, H, W] or [C, H, W]), checked as {@link #forward} checks it. */
    public int[] outputShape(int... shape) {
        return Pool.outputShape(this, shape, kernel, stride, padding, new int[] {1, 1}, ceilMode);
    }

    @Override
    public Tensor forward(Tensor x) {
        Pool.checkInput(this, x, kernel, padding, new int[] {1, 1});
        return Functional.avgPool2d(x, kernel, stride, padding, ceilMode, countIncludePad, divisorOverride);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("AvgPool2d(kernel=").append(Layers.size(kernel)).append(", stride=").append(Layers.size(stride))
                .append(", padding=").append(Layers.size(padding));
        if (ceilMode) s.append(", ceil_mode=true");
        if (!countIncludePad) s.append(", count_include_pad=false");
        if (divisorOverride > 0) s.append(", divisor_override=").append(divisorOverride);
        return s.append(")").toString();
    }
}
