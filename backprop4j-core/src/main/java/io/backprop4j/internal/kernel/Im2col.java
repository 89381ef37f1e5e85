package io.backprop4j.internal.kernel;

import java.util.Arrays;

/**
 * Unfolding of one image's input windows into the columns of a matrix (im2col), and its adjoint,
 * the scatter-add back (col2im), over a tile of output positions: the convolution then is one
 * matrix product per image, group and tile ({@link Convolution}).
 *
 * <p>For a group of {@code Cg = channels / groups} input channels, row {@code r = (c·kH + i)·kW
 * + j} of the unfolded matrix holds, at column {@code p − p0} (output position {@code p = oh·OW
 * + ow}), the input value {@code x[c, oh·sH − pH + i·dH, ow·sW − pW + j·dW]}, or 0 where that
 * lies in the padding. A tile covers output positions {@code [p0, p1)}; its matrix is {@code
 * [Cg·kH·kW, p1 − p0]}, row-major, from index 0.
 */
final class Im2col {
    private Im2col() {
    }

    /** The first output index {@code o} with {@code o·stride + offset ≥ bound}, clamped to [0, outSize]. */
    static int firstAtLeast(int bound, int offset, int stride, int outSize) {
        int o = Math.ceilDiv(bound - offset, stride);
        return Math.max(0, Math.min(outSize, o));
    }

    // twin: float32 source
    /**
     * cols[r, p − p0] = x[c, ih, iw] (0 in the padding) for the output positions [p0, p1) of one
     * image group whose channel 0 starts at {@code xo}; writes {@code patch · (p1 − p0)} elements
     * of {@code cols} from 0, reads x only.
     */
    static void unfold(ConvGeometry g, float[] x, int xo, int p0, int p1, float[] cols) {
        int h = g.height(), w = g.width(), ow = g.outWidth(), tp = p1 - p0;
        int sh = g.strideH(), sw = g.strideW();
        int r = 0;
        for (int c = 0; c < g.groupChannels(); c++) {
            int xc = xo + c * h * w;
            for (int ki = 0; ki < g.kernelH(); ki++) {
                int offH = ki * g.dilationH() - g.padH();
                for (int kj = 0; kj < g.kernelW(); kj++, r++) {
                    int offW = kj * g.dilationW() - g.padW();
                    // Output columns whose input column lies inside the image: [lo, hi).
                    int lo = firstAtLeast(0, offW, sw, ow), hi = firstAtLeast(w, offW, sw, ow);
                    int dst = r * tp;
                    int p = p0;
                    while (p < p1) {
                        int oh = p / ow, first = p - oh * ow, end = Math.min(ow, first + (p1 - p));
                        int ih = oh * sh + offH;
                        if (ih < 0 || ih >= h) {
                            Arrays.fill(cols, dst, dst + end - first, 0f);
                        } else {
                            int a = Math.max(first, Math.min(end, lo)), b = Math.max(a, Math.min(end, hi));
                            Arrays.fill(cols, dst, dst + a - first, 0f);
                            int src = xc + ih * w + a * sw + offW, at = dst + a - first;
                            if (sw == 1) {
                                System.arraycopy(x, src, cols, at, b - a);
                            } else {
                                for (int q = 0; q < b - a; q++) {
                                    cols[at + q] = x[src + q * sw];
                                }
                            }
                            Arrays.fill(cols, dst + b - first, dst + end - first, 0f);
                        }
                        dst += end - first;
                        p += end - first;
                    }
                }
            }
        }
    }

    /**
     * The adjoint of {@link #unfold}: dx[c, ih, iw] += cols[r, p − p0] for every entry that
     * unfold reads from the image (padding entries are dropped). Modifies dx only.
     */
    static void fold(ConvGeometry g, float[] cols, int p0, int p1, float[] dx, int xo) {
        int h = g.height(), w = g.width(), ow = g.outWidth(), tp = p1 - p0;
        int sh = g.strideH(), sw = g.strideW();
        int r = 0;
        for (int c = 0; c < g.groupChannels(); c++) {
            int xc = xo + c * h * w;
            for (int ki = 0; ki < g.kernelH(); ki++) {
                int offH = ki * g.dilationH() - g.padH();
                for (int kj = 0; kj < g.kernelW(); kj++, r++) {
                    int offW = kj * g.dilationW() - g.padW();
                    int lo = firstAtLeast(0, offW, sw, ow), hi = firstAtLeast(w, offW, sw, ow);
                    int src = r * tp;
                    int p = p0;
                    while (p < p1) {
                        int oh = p / ow, first = p - oh * ow, end = Math.min(ow, first + (p1 - p));
                        int ih = oh * sh + offH;
                        if (ih >= 0 && ih < h) {
                            int a = Math.max(first, Math.min(end, lo)), b = Math.max(a, Math.min(end, hi));
                            int at = xc + ih * w + a * sw + offW, from = src + a - first;
                            if (sw == 1) {
                                for (int q = 0; q < b - a; q++) {
                                    dx[at + q] += cols[from + q];
                                }
                            } else {
                                for (int q = 0; q < b - a; q++) {
                                    dx[at + q * sw] += cols[from + q];
                                }
                            }
                        }
                        src += end - first;
                        p += end - first;
                    }
                }
            }
        }
    }
    // twin: end
    // twin: float64, generated from the float32 source above by tools/codegen/GenerateTwins.java; do not edit
    /**
     * cols[r, p − p0] = x[c, ih, iw] (0 in the padding) for the output positions [p0, p1) of one
     * image group whose channel 0 starts at {@code xo}; writes {@code patch · (p1 − p0)} elements
     * of {@code cols} from 0, reads x only.
     */
    static void unfold(ConvGeometry g, double[] x, int xo, int p0, int p1, double[] cols) {
        int h = g.height(), w = g.width(), ow = g.outWidth(), tp = p1 - p0;
        int sh = g.strideH(), sw = g.strideW();
        int r = 0;
        for (int c = 0; c < g.groupChannels(); c++) {
            int xc = xo + c * h * w;
            for (int ki = 0; ki < g.kernelH(); ki++) {
                int offH = ki * g.dilationH() - g.padH();
                for (int kj = 0; kj < g.kernelW(); kj++, r++) {
                    int offW = kj * g.dilationW() - g.padW();
                    // Output columns whose input column lies inside the image: [lo, hi).
                    int lo = firstAtLeast(0, offW, sw, ow), hi = firstAtLeast(w, offW, sw, ow);
                    int dst = r * tp;
                    int p = p0;
                    while (p < p1) {
                        int oh = p / ow, first = p - oh * ow, end = Math.min(ow, first + (p1 - p));
                        int ih = oh * sh + offH;
                        if (ih < 0 || ih >= h) {
                            Arrays.fill(cols, dst, dst + end - first, 0d);
                        } else {
                            int a = Math.max(first, Math.min(end, lo)), b = Math.max(a, Math.min(end, hi));
                            Arrays.fill(cols, dst, dst + a - first, 0d);
                            int src = xc + ih * w + a * sw + offW, at = dst + a - first;
                            if (sw == 1) {
                                System.arraycopy(x, src, cols, at, b - a);
                            } else {
                                for (int q = 0; q < b - a; q++) {
                                    cols[at + q] = x[src + q * sw];
                                }
                            }
                            Arrays.fill(cols, dst + b - first, dst + end - first, 0d);
                        }
                        dst += end - first;
                        p += end - first;
                    }
                }
            }
        }
    }

    /**
     * The adjoint of {@link #unfold}: dx[c, ih, iw] += cols[r, p − p0] for every entry that
     * unfold reads from the image (padding entries are dropped). Modifies dx only.
     */
    static void fold(ConvGeometry g, double[] cols, int p0, int p1, double[] dx, int xo) {
        int h = g.height(), w = g.width(), ow = g.outWidth(), tp = p1 - p0;
        int sh = g.strideH(), sw = g.strideW();
        int r = 0;
        for (int c = 0; c < g.groupChannels(); c++) {
            int xc = xo + c * h * w;
            for (int ki = 0; ki < g.kernelH(); ki++) {
                int offH = ki * g.dilationH() - g.padH();
                for (int kj = 0; kj < g.kernelW(); kj++, r++) {
                    int offW = kj * g.dilationW() - g.padW();
                    int lo = firstAtLeast(0, offW, sw, ow), hi = firstAtLeast(w, offW, sw, ow);
                    int src = r * tp;
                    int p = p0;
                    while (p < p1) {
                        int oh = p / ow, first = p - oh * ow, end = Math.min(ow, first + (p1 - p));
                        int ih = oh * sh + offH;
                        if (ih >= 0 && ih < h) {
                            int a = Math.max(first, Math.min(end, lo)), b = Math.max(a, Math.min(end, hi));
                            int at = xc + ih * w + a * sw + offW, from = src + a - first;
                            if (sw == 1) {
                                for (int q = 0; q < b - a; q++) {
                                    dx[at + q] += cols[from + q];
                                }
                            } else {
                                for (int q = 0; q < b - a; q++) {
                                    dx[at + q * sw] += cols[from + q];
                                }
                            }
                        }
                        src += end - first;
                        p += end - first;
                    }
                }
            }
        }
    }
    // twin: end
}
