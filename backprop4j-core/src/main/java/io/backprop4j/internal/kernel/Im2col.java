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

    /**
     * Whether every row of the unfolded matrix is the input plane shifted (stride 1 both ways and
     * output rows as wide as the input's, as with "same" padding): then unfold and fold move whole
     * rows at once instead of one output row at a time.
     */
    static boolean shifted(ConvGeometry g) {
        return g.strideH() == 1 && g.strideW() == 1 && g.outWidth() == g.width();
    }

    // twin: float32 source
    /**
     * cols[r, p − p0] = x[c, ih, iw] (0 in the padding) for the output positions [p0, p1) of one
     * image group whose channel 0 starts at {@code xo}; writes {@code patch · (p1 − p0)} elements
     * of {@code cols} from 0, reads x only.
     */
    static void unfold(ConvGeometry g, float[] x, int xo, int p0, int p1, float[] cols) {
        int h = g.height(), w = g.width(), ow = g.outWidth(), outH = g.outHeight(), tp = p1 - p0;
        int sh = g.strideH(), sw = g.strideW();
        boolean shifted = shifted(g);
        int r = 0;
        for (int c = 0; c < g.groupChannels(); c++) {
            int xc = xo + c * h * w;
            for (int ki = 0; ki < g.kernelH(); ki++) {
                int offH = ki * g.dilationH() - g.padH();
                for (int kj = 0; kj < g.kernelW(); kj++, r++) {
                    int offW = kj * g.dilationW() - g.padW();
                    if (shifted) {
                        unfoldShifted(x, xc, h, w, outH, offH, offW, p0, p1, cols, r * tp);
                        continue;
                    }
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
                            // The padding at either end is a tap or two: a loop, not a call to Arrays.fill.
                            for (int q = dst; q < dst + a - first; q++) {
                                cols[q] = 0f;
                            }
                            int src = xc + ih * w + a * sw + offW, at = dst + a - first;
                            if (sw == 1) {
                                System.arraycopy(x, src, cols, at, b - a);
                            } else {
                                for (int q = 0; q < b - a; q++) {
                                    cols[at + q] = x[src + q * sw];
                                }
                            }
                            for (int q = dst + b - first; q < dst + end - first; q++) {
                                cols[q] = 0f;
                            }
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
     * unfold reads from the image (padding entries are dropped). Modifies dx, and may set the
     * padding entries of cols to zero.
     */
    static void fold(ConvGeometry g, float[] cols, int p0, int p1, float[] dx, int xo) {
        int h = g.height(), w = g.width(), ow = g.outWidth(), outH = g.outHeight(), tp = p1 - p0;
        int sh = g.strideH(), sw = g.strideW();
        boolean shifted = shifted(g);
        int r = 0;
        for (int c = 0; c < g.groupChannels(); c++) {
            int xc = xo + c * h * w;
            for (int ki = 0; ki < g.kernelH(); ki++) {
                int offH = ki * g.dilationH() - g.padH();
                for (int kj = 0; kj < g.kernelW(); kj++, r++) {
                    int offW = kj * g.dilationW() - g.padW();
                    if (shifted) {
                        foldShifted(cols, r * tp, p0, p1, dx, xc, h, w, outH, offH, offW);
                        continue;
                    }
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
                                addRow(dx, at, cols, from, b - a);
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

    /**
     * One row of {@link #unfold} when the output rows are as wide as the input's and the stride
     * is 1 ({@link #shifted}): the row is the input plane shifted by offH·w + offW, so one copy
     * does it, and the taps that fall in the padding (whole output rows above or below the
     * image, and the |offW| columns at one end of each row that wrap into the next row) are zeroed.
     */
    private static void unfoldShifted(float[] x, int xc, int h, int w, int oh, int offH, int offW, int p0, int p1,
                                      float[] cols, int dst) {
        int shift = offH * w + offW;
        // Output positions whose input row lies in the image, then those whose input lies in the plane.
        int v0 = Math.max(p0, Math.max(0, -offH) * w), v1 = Math.min(p1, Math.min(oh, h - offH) * w);
        int c0 = Math.max(v0, -shift), c1 = Math.max(c0, Math.min(v1, h * w - shift));
        for (int p = p0; p < c0; p++) {
            cols[dst + p - p0] = 0f;
        }
        if (c1 > c0) {
            System.arraycopy(x, xc + c0 + shift, cols, dst + c0 - p0, c1 - c0);
        }
        for (int p = Math.max(c0, c1); p < p1; p++) {
            cols[dst + p - p0] = 0f;
        }
        if (offW != 0 && c1 > c0) {
            // The wrapped columns: the first -offW (offW < 0) or last offW of each output row.
            int from = offW < 0 ? 0 : w - offW, to = offW < 0 ? -offW : w;
            for (int row = c0 / w * w; row < c1; row += w) {
                for (int p = Math.max(c0, row + from); p < Math.min(c1, row + to); p++) {
                    cols[dst + p - p0] = 0f;
                }
            }
        }
    }

    /** The adjoint of {@link #unfoldShifted}: the wrapped taps of cols are zeroed, then one shifted add ({@link #addRow}). */
    private static void foldShifted(float[] cols, int src, int p0, int p1, float[] dx, int xc, int h, int w, int oh, int offH,
                                    int offW) {
        int shift = offH * w + offW;
        int v0 = Math.max(p0, Math.max(0, -offH) * w), v1 = Math.min(p1, Math.min(oh, h - offH) * w);
        int c0 = Math.max(v0, -shift), c1 = Math.max(c0, Math.min(v1, h * w - shift));
        if (c1 <= c0) {
            return;
        }
        if (offW != 0) {
            int from = offW < 0 ? 0 : w - offW, to = offW < 0 ? -offW : w;
            for (int row = c0 / w * w; row < c1; row += w) {
                for (int p = Math.max(c0, row + from); p < Math.min(c1, row + to); p++) {
                    cols[src + p - p0] = 0f;
                }
            }
        }
        addRow(dx, xc + c0 + shift, cols, src + c0 - p0, c1 - c0);
    }

    // twin: end
    // twin: float64, generated from the float32 source above by tools/codegen/GenerateTwins.java; do not edit
    /**
     * cols[r, p − p0] = x[c, ih, iw] (0 in the padding) for the output positions [p0, p1) of one
     * image group whose channel 0 starts at {@code xo}; writes {@code patch · (p1 − p0)} elements
     * of {@code cols} from 0, reads x only.
     */
    static void unfold(ConvGeometry g, double[] x, int xo, int p0, int p1, double[] cols) {
        int h = g.height(), w = g.width(), ow = g.outWidth(), outH = g.outHeight(), tp = p1 - p0;
        int sh = g.strideH(), sw = g.strideW();
        boolean shifted = shifted(g);
        int r = 0;
        for (int c = 0; c < g.groupChannels(); c++) {
            int xc = xo + c * h * w;
            for (int ki = 0; ki < g.kernelH(); ki++) {
                int offH = ki * g.dilationH() - g.padH();
                for (int kj = 0; kj < g.kernelW(); kj++, r++) {
                    int offW = kj * g.dilationW() - g.padW();
                    if (shifted) {
                        unfoldShifted(x, xc, h, w, outH, offH, offW, p0, p1, cols, r * tp);
                        continue;
                    }
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
                            // The padding at either end is a tap or two: a loop, not a call to Arrays.fill.
                            for (int q = dst; q < dst + a - first; q++) {
                                cols[q] = 0d;
                            }
                            int src = xc + ih * w + a * sw + offW, at = dst + a - first;
                            if (sw == 1) {
                                System.arraycopy(x, src, cols, at, b - a);
                            } else {
                                for (int q = 0; q < b - a; q++) {
                                    cols[at + q] = x[src + q * sw];
                                }
                            }
                            for (int q = dst + b - first; q < dst + end - first; q++) {
                                cols[q] = 0d;
                            }
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
     * unfold reads from the image (padding entries are dropped). Modifies dx, and may set the
     * padding entries of cols to zero.
     */
    static void fold(ConvGeometry g, double[] cols, int p0, int p1, double[] dx, int xo) {
        int h = g.height(), w = g.width(), ow = g.outWidth(), outH = g.outHeight(), tp = p1 - p0;
        int sh = g.strideH(), sw = g.strideW();
        boolean shifted = shifted(g);
        int r = 0;
        for (int c = 0; c < g.groupChannels(); c++) {
            int xc = xo + c * h * w;
            for (int ki = 0; ki < g.kernelH(); ki++) {
                int offH = ki * g.dilationH() - g.padH();
                for (int kj = 0; kj < g.kernelW(); kj++, r++) {
                    int offW = kj * g.dilationW() - g.padW();
                    if (shifted) {
                        foldShifted(cols, r * tp, p0, p1, dx, xc, h, w, outH, offH, offW);
                        continue;
                    }
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
                                addRow(dx, at, cols, from, b - a);
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

    /**
     * One row of {@link #unfold} when the output rows are as wide as the input's and the stride
     * is 1 ({@link #shifted}): the row is the input plane shifted by offH·w + offW, so one copy
     * does it, and the taps that fall in the padding (whole output rows above or below the
     * image, and the |offW| columns at one end of each row that wrap into the next row) are zeroed.
     */
    private static void unfoldShifted(double[] x, int xc, int h, int w, int oh, int offH, int offW, int p0, int p1,
                                      double[] cols, int dst) {
        int shift = offH * w + offW;
        // Output positions whose input row lies in the image, then those whose input lies in the plane.
        int v0 = Math.max(p0, Math.max(0, -offH) * w), v1 = Math.min(p1, Math.min(oh, h - offH) * w);
        int c0 = Math.max(v0, -shift), c1 = Math.max(c0, Math.min(v1, h * w - shift));
        for (int p = p0; p < c0; p++) {
            cols[dst + p - p0] = 0d;
        }
        if (c1 > c0) {
            System.arraycopy(x, xc + c0 + shift, cols, dst + c0 - p0, c1 - c0);
        }
        for (int p = Math.max(c0, c1); p < p1; p++) {
            cols[dst + p - p0] = 0d;
        }
        if (offW != 0 && c1 > c0) {
            // The wrapped columns: the first -offW (offW < 0) or last offW of each output row.
            int from = offW < 0 ? 0 : w - offW, to = offW < 0 ? -offW : w;
            for (int row = c0 / w * w; row < c1; row += w) {
                for (int p = Math.max(c0, row + from); p < Math.min(c1, row + to); p++) {
                    cols[dst + p - p0] = 0d;
                }
            }
        }
    }

    /** The adjoint of {@link #unfoldShifted}: the wrapped taps of cols are zeroed, then one shifted add ({@link #addRow}). */
    private static void foldShifted(double[] cols, int src, int p0, int p1, double[] dx, int xc, int h, int w, int oh, int offH,
                                    int offW) {
        int shift = offH * w + offW;
        int v0 = Math.max(p0, Math.max(0, -offH) * w), v1 = Math.min(p1, Math.min(oh, h - offH) * w);
        int c0 = Math.max(v0, -shift), c1 = Math.max(c0, Math.min(v1, h * w - shift));
        if (c1 <= c0) {
            return;
        }
        if (offW != 0) {
            int from = offW < 0 ? 0 : w - offW, to = offW < 0 ? -offW : w;
            for (int row = c0 / w * w; row < c1; row += w) {
                for (int p = Math.max(c0, row + from); p < Math.min(c1, row + to); p++) {
                    cols[src + p - p0] = 0d;
                }
            }
        }
        addRow(dx, xc + c0 + shift, cols, src + c0 - p0, c1 - c0);
    }

    // twin: end

    /**
     * dx[at + q] += cols[from + q] for q < n in float32: {@link ConvVector#add}'s vectors when the
     * Vector API is present (C2 does not vectorise this loop itself: dx and cols are both float[],
     * and it cannot prove that the two ranges do not overlap), else a plain loop.
     */
    static void addRow(float[] dx, int at, float[] cols, int from, int n) {
        if (VectorModule.AVAILABLE) {
            ConvVector.add(dx, at, cols, from, n);
            return;
        }
        for (int q = 0; q < n; q++) {
            dx[at + q] += cols[from + q];
        }
    }

    /** The float64 counterpart: a plain loop. */
    private static void addRow(double[] dx, int at, double[] cols, int from, int n) {
        for (int q = 0; q < n; q++) {
            dx[at + q] += cols[from + q];
        }
    }
}
