package io.backprop4j.internal.kernel;

/**
 * The sizes of a 2-D convolution (or pooling window) over NCHW data, as PyTorch's Conv2d takes
 * them: {@code batch} images of {@code channels} x {@code height} x {@code width}, {@code
 * outChannels} filters of {@code channels / groups} x {@code kernelH} x {@code kernelW}, and per
 * axis a stride, a zero padding on both sides and a dilation (the step between kernel taps).
 *
 * <p>Output size per axis: {@code out = (in + 2·pad − dilation·(kernel − 1) − 1) / stride + 1},
 * rounded down. The caller checks that the sizes are positive and that the kernel fits the padded
 * input; the kernels here trust them.
 */
public record ConvGeometry(int batch, int channels, int height, int width, int outChannels,
                           int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
                           int dilationH, int dilationW, int groups) {

    /** Output rows. */
    public int outHeight() {
        return outSize(height, kernelH, strideH, padH, dilationH);
    }

    /** Output columns. */
    public int outWidth() {
        return outSize(width, kernelW, strideW, padW, dilationW);
    }

    /** Output positions per image and channel: outHeight · outWidth. */
    public int outPlane() {
        return outHeight() * outWidth();
    }

    /** Input positions per image and channel: height · width. */
    public int plane() {
        return height * width;
    }

    /** Input channels per group. */
    public int groupChannels() {
        return channels / groups;
    }

    /** Output channels per group. */
    public int groupOutChannels() {
        return outChannels / groups;
    }

    /** Rows of the unfolded input of one group: (channels / groups) · kernelH · kernelW, the GEMM's inner size. */
    public int patch() {
        return groupChannels() * kernelH * kernelW;
    }

    /** Whether the convolution is a plain per-pixel product (1x1 kernel, stride 1, no padding): no unfolding needed. */
    public boolean pointwise() {
        return kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0;
    }

    /** floor((in + 2·pad − dilation·(kernel − 1) − 1) / stride) + 1; negative numerators give 0 or less. */
    public static int outSize(int in, int kernel, int stride, int pad, int dilation) {
        int span = in + 2 * pad - dilation * (kernel - 1) - 1;
        return span < 0 ? 0 : span / stride + 1;
    }
}
