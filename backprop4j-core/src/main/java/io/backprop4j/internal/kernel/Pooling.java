package io.backprop4j.internal.kernel;

/**
 * 2-D max and average pooling over planes of NCHW arrays, forward and backward, with PyTorch's
 * window rules. The {@code planes = N·C} planes of {@code H x W} lie one after another in the input
 * (contiguous from its offset), and the {@code outH x outW} output planes likewise from index 0;
 * planes are spread over {@link Parallel}.
 *
 * <p>Windows: output (oh, ow) looks at input rows {@code oh·sH − pH + i·dH} for {@code i <
 * kH} (columns alike); taps in the padding are skipped by max pooling and count as zeros for
 * average pooling. The output size is the caller's (PyTorch's floor or ceil mode).
 */
public final class Pooling {
    /** Whether {@link PoolingVector} may be used (the Vector API module is present). */
    static final boolean VECTOR = VectorModule.AVAILABLE;

    /** Planes per chunk handed to a thread: at least ~32K input elements of work. */
    private static int grain(int plane) {
        return Math.max(1, (1 << 15) / Math.max(1, plane));
    }

    private Pooling() {
    }

    /**
     * The divisor of average window (oh, ow) by PyTorch's rule: {@code divisor} when positive,
     * else the window's size clipped to the padded input (countIncludePad) or to the input.
     */
    static int avgDivisor(int oh, int ow, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw,
                          boolean countIncludePad, int divisor) {
        if (divisor > 0) {
            return divisor;
        }
        int h0 = oh * sh - ph, w0 = ow * sw - pw;
        int h1 = Math.min(h0 + kh, h + ph), w1 = Math.min(w0 + kw, w + pw);
        if (countIncludePad) {
            return (h1 - h0) * (w1 - w0);
        }
        return (Math.min(h1, h) - Math.max(h0, 0)) * (Math.min(w1, w) - Math.max(w0, 0));
    }

    /** Input rows [start, end) of adaptive window o of {@code out} over {@code in}: floor(o·in/out) to ceil((o+1)·in/out). */
    static int adaptiveStart(int o, int in, int out) {
        return (int) ((long) o * in / out);
    }

    static int adaptiveEnd(int o, int in, int out) {
        return (int) Math.ceilDiv((long) (o + 1) * in, out);
    }

    /** Whether max pooling takes the 2x2 kernels: 2x2 windows at stride 2, no padding or dilation, every window inside the input. */
    public static boolean isTwoByTwo(int h, int w, int outH, int outW, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        boolean inside = ph == 0 && pw == 0 && (outH - 1) * sh + (kh - 1) * dh < h && (outW - 1) * sw + (kw - 1) * dw < w;
        return inside && kh == 2 && kw == 2 && sh == 2 && sw == 2 && dh == 1 && dw == 1;
    }

    // twin: float32 source
    /**
     * Max pooling in float32: y[plane, oh, ow] = the largest tap of its window, and {@code
     * argmax} its index {@code ih·W + iw} within the input plane (the first of equal values; a NaN
     * wins, as in PyTorch). A window with no tap inside the input gives −∞ and the index of its
     * first row and column clipped to the input. Writes y and argmax [planes·outH·outW] from 0;
     * argmax may be null (no gradient wanted: evaluation).
     */
    public static void maxForward(int planes, int h, int w, int outH, int outW, int kh, int kw, int sh, int sw,
                                  int ph, int pw, int dh, int dw, float[] x, int xo, float[] y, int[] argmax) {
        int plane = h * w, outPlane = outH * outW;
        boolean twoByTwo = isTwoByTwo(h, w, outH, outW, kh, kw, sh, sw, ph, pw, dh, dw);
        Parallel.forRange(planes, grain(plane), (from, to) -> {
            for (int c = from; c < to; c++) {
                int xc = xo + c * plane, yc = c * outPlane;
                if (twoByTwo) {
                    max2x2(x, xc, w, outH, outW, y, argmax, yc);
                } else {
                    maxPlane(x, xc, h, w, outH, outW, kh, kw, sh, sw, ph, pw, dh, dw, y, argmax, yc);
                }
            }
        });
    }

    /** One plane of {@link #maxForward} for 2x2 windows at stride 2 inside the input: the four taps in scan order. */
    static void maxPlane2x2(float[] x, int xc, int w, int outH, int outW, float[] y, int[] argmax, int yc) {
        for (int oh = 0; oh < outH; oh++) {
            int r0 = 2 * oh * w, r1 = r0 + w, out = yc + oh * outW;
            for (int ow = 0; ow < outW; ow++) {
                int i0 = r0 + 2 * ow, i1 = r1 + 2 * ow;
                float m = x[xc + i0];
                int best = i0;
                float v = x[xc + i0 + 1];
                if (v > m || v != v) { m = v; best = i0 + 1; }
                v = x[xc + i1];
                if (v > m || v != v) { m = v; best = i1; }
                v = x[xc + i1 + 1];
                if (v > m || v != v) { m = v; best = i1 + 1; }
                y[out + ow] = m;
                if (argmax != null) {
                    argmax[out + ow] = best;
                }
            }
        }
    }

    /** One plane of {@link #maxForward}, any window. */
    private static void maxPlane(float[] x, int xc, int h, int w, int outH, int outW, int kh, int kw, int sh, int sw,
                                 int ph, int pw, int dh, int dw, float[] y, int[] argmax, int yc) {
        for (int oh = 0; oh < outH; oh++) {
            int h0 = oh * sh - ph, h1 = Math.min(h0 + (kh - 1) * dh + 1, h);
            while (h0 < 0) {
                h0 += dh;
            }
            for (int ow = 0; ow < outW; ow++) {
                int w0 = ow * sw - pw, w1 = Math.min(w0 + (kw - 1) * dw + 1, w);
                while (w0 < 0) {
                    w0 += dw;
                }
                int best = h0 * w + w0;
                float max = Float.NEGATIVE_INFINITY;
                for (int ih = h0; ih < h1; ih += dh) {
                    int row = ih * w;
                    for (int iw = w0; iw < w1; iw += dw) {
                        float v = x[xc + row + iw];
                        if (v > max || v != v) {
                            max = v;
                            best = row + iw;
                        }
                    }
                }
                y[yc + oh * outW + ow] = max;
                if (argmax != null) {
                    argmax[yc + oh * outW + ow] = best;
                }
            }
        }
    }

    /**
     * {@link #maxBackward} for 2x2 windows at stride 2 inside the input ({@link #isTwoByTwo}), in
     * float32, writing every element of dx [planes·H·W] from 0, so that dx need not hold zeros:
     * the windows do not overlap, so each window's winner gets 0 + dy (the bits of the sum into
     * zeros, −0 included), its other three taps and any last row or column no window covers 0.
     * One pass over dx in order, where zeroing and scattering took two.
     */
    public static void maxBackward2x2(int planes, int h, int w, int outH, int outW, float[] dy, int dyo, int[] argmax, float[] dx) {
        int plane = h * w, outPlane = outH * outW;
        Parallel.forRange(planes, grain(plane), (from, to) -> {
            for (int c = from; c < to; c++) {
                int xc = c * plane, yc = c * outPlane;
                for (int oh = 0; oh < outH; oh++) {
                    int r0 = xc + 2 * oh * w, r1 = r0 + w, out = yc + oh * outW;
                    for (int ow = 0; ow < outW; ow++) {
                        int i = 2 * ow;
                        dx[r0 + i] = 0f;
                        dx[r0 + i + 1] = 0f;
                        dx[r1 + i] = 0f;
                        dx[r1 + i + 1] = 0f;
                        dx[xc + argmax[out + ow]] = 0f + dy[dyo + out + ow];
                    }
                    for (int j = 2 * outW; j < w; j++) {
                        dx[r0 + j] = 0f;
                        dx[r1 + j] = 0f;
                    }
                }
                for (int j = xc + 2 * outH * w; j < xc + plane; j++) {
                    dx[j] = 0f;
                }
            }
        });
    }

    /** dx[plane, argmax] += dy for every output element, in float32: dx [planes·H·W] from 0 must hold zeros on entry. */
    public static void maxBackward(int planes, int plane, int outPlane, float[] dy, int dyo, int[] argmax, float[] dx) {
        Parallel.forRange(planes, grain(plane), (from, to) -> {
            for (int c = from; c < to; c++) {
                int xc = c * plane, yc = c * outPlane;
                for (int j = 0; j < outPlane; j++) {
                    dx[xc + argmax[yc + j]] += dy[dyo + yc + j];
                }
            }
        });
    }

    /**
     * Average pooling in float32: y = (Σ of the window's taps inside the input) / divisor, the
     * divisor by {@link #avgDivisor}. Writes y [planes·outH·outW] from 0.
     */
    public static void avgForward(int planes, int h, int w, int outH, int outW, int kh, int kw, int sh, int sw,
                                  int ph, int pw, boolean countIncludePad, int divisor, float[] x, int xo, float[] y) {
        int plane = h * w, outPlane = outH * outW;
        Parallel.forRange(planes, grain(plane), (from, to) -> {
            for (int c = from; c < to; c++) {
                int xc = xo + c * plane, yc = c * outPlane;
                for (int oh = 0; oh < outH; oh++) {
                    int h0 = oh * sh - ph, h1 = Math.min(h0 + kh, h);
                    for (int ow = 0; ow < outW; ow++) {
                        int w0 = ow * sw - pw, w1 = Math.min(w0 + kw, w);
                        float sum = 0f;
                        for (int ih = Math.max(h0, 0); ih < h1; ih++) {
                            for (int iw = Math.max(w0, 0); iw < w1; iw++) {
                                sum += x[xc + ih * w + iw];
                            }
                        }
                        int d = avgDivisor(oh, ow, h, w, kh, kw, sh, sw, ph, pw, countIncludePad, divisor);
                        y[yc + oh * outW + ow] = sum / d;
                    }
                }
            }
        });
    }

    /** The adjoint of {@link #avgForward} in float32: each tap of a window gets dy / divisor, added into dx [planes·H·W] from 0, which must hold zeros on entry. */
    public static void avgBackward(int planes, int h, int w, int outH, int outW, int kh, int kw, int sh, int sw,
                                   int ph, int pw, boolean countIncludePad, int divisor, float[] dy, int dyo, float[] dx) {
        int plane = h * w, outPlane = outH * outW;
        Parallel.forRange(planes, grain(plane), (from, to) -> {
            for (int c = from; c < to; c++) {
                int xc = c * plane, yc = dyo + c * outPlane;
                for (int oh = 0; oh < outH; oh++) {
                    int h0 = oh * sh - ph, h1 = Math.min(h0 + kh, h);
                    for (int ow = 0; ow < outW; ow++) {
                        int w0 = ow * sw - pw, w1 = Math.min(w0 + kw, w);
                        float share = dy[yc + oh * outW + ow] / avgDivisor(oh, ow, h, w, kh, kw, sh, sw, ph, pw, countIncludePad, divisor);
                        for (int ih = Math.max(h0, 0); ih < h1; ih++) {
                            for (int iw = Math.max(w0, 0); iw < w1; iw++) {
                                dx[xc + ih * w + iw] += share;
                            }
                        }
                    }
                }
            }
        });
    }

    /**
     * Adaptive average pooling in float32: output (oh, ow) is the mean of input rows
     * [floor(oh·H/outH), ceil((oh+1)·H/outH)) and the columns alike. Writes y [planes·outH·outW].
     */
    public static void adaptiveAvgForward(int planes, int h, int w, int outH, int outW, float[] x, int xo, float[] y) {
        int plane = h * w, outPlane = outH * outW;
        Parallel.forRange(planes, grain(plane), (from, to) -> {
            for (int c = from; c < to; c++) {
                int xc = xo + c * plane, yc = c * outPlane;
                for (int oh = 0; oh < outH; oh++) {
                    int h0 = adaptiveStart(oh, h, outH), h1 = adaptiveEnd(oh, h, outH);
                    for (int ow = 0; ow < outW; ow++) {
                        int w0 = adaptiveStart(ow, w, outW), w1 = adaptiveEnd(ow, w, outW);
                        float sum = 0f;
                        for (int ih = h0; ih < h1; ih++) {
                            for (int iw = w0; iw < w1; iw++) {
                                sum += x[xc + ih * w + iw];
                            }
                        }
                        y[yc + oh * outW + ow] = sum / ((h1 - h0) * (w1 - w0));
                    }
                }
            }
        });
    }

    /** The adjoint of {@link #adaptiveAvgForward} in float32, added into dx [planes·H·W] from 0, which must hold zeros on entry. */
    public static void adaptiveAvgBackward(int planes, int h, int w, int outH, int outW, float[] dy, int dyo, float[] dx) {
        int plane = h * w, outPlane = outH * outW;
        Parallel.forRange(planes, grain(plane), (from, to) -> {
            for (int c = from; c < to; c++) {
                int xc = c * plane, yc = dyo + c * outPlane;
                for (int oh = 0; oh < outH; oh++) {
                    int h0 = adaptiveStart(oh, h, outH), h1 = adaptiveEnd(oh, h, outH);
                    for (int ow = 0; ow < outW; ow++) {
                        int w0 = adaptiveStart(ow, w, outW), w1 = adaptiveEnd(ow, w, outW);
                        float share = dy[yc + oh * outW + ow] / ((h1 - h0) * (w1 - w0));
                        for (int ih = h0; ih < h1; ih++) {
                            for (int iw = w0; iw < w1; iw++) {
                                dx[xc + ih * w + iw] += share;
                            }
                        }
                    }
                }
            }
        });
    }
    // twin: end
    // twin: float64, generated from the float32 source above by tools/codegen/GenerateTwins.java; do not edit
    /**
     * Max pooling in float64: y[plane, oh, ow] = the largest tap of its window, and {@code
     * argmax} its index {@code ih·W + iw} within the input plane (the first of equal values; a NaN
     * wins, as in PyTorch). A window with no tap inside the input gives −∞ and the index of its
     * first row and column clipped to the input. Writes y and argmax [planes·outH·outW] from 0;
     * argmax may be null (no gradient wanted: evaluation).
     */
    public static void maxForward(int planes, int h, int w, int outH, int outW, int kh, int kw, int sh, int sw,
                                  int ph, int pw, int dh, int dw, double[] x, int xo, double[] y, int[] argmax) {
        int plane = h * w, outPlane = outH * outW;
        boolean twoByTwo = isTwoByTwo(h, w, outH, outW, kh, kw, sh, sw, ph, pw, dh, dw);
        Parallel.forRange(planes, grain(plane), (from, to) -> {
            for (int c = from; c < to; c++) {
                int xc = xo + c * plane, yc = c * outPlane;
                if (twoByTwo) {
                    max2x2(x, xc, w, outH, outW, y, argmax, yc);
                } else {
                    maxPlane(x, xc, h, w, outH, outW, kh, kw, sh, sw, ph, pw, dh, dw, y, argmax, yc);
                }
            }
        });
    }

    /** One plane of {@link #maxForward} for 2x2 windows at stride 2 inside the input: the four taps in scan order. */
    static void maxPlane2x2(double[] x, int xc, int w, int outH, int outW, double[] y, int[] argmax, int yc) {
        for (int oh = 0; oh < outH; oh++) {
            int r0 = 2 * oh * w, r1 = r0 + w, out = yc + oh * outW;
            for (int ow = 0; ow < outW; ow++) {
                int i0 = r0 + 2 * ow, i1 = r1 + 2 * ow;
                double m = x[xc + i0];
                int best = i0;
                double v = x[xc + i0 + 1];
                if (v > m || v != v) { m = v; best = i0 + 1; }
                v = x[xc + i1];
                if (v > m || v != v) { m = v; best = i1; }
                v = x[xc + i1 + 1];
                if (v > m || v != v) { m = v; best = i1 + 1; }
                y[out + ow] = m;
                if (argmax != null) {
                    argmax[out + ow] = best;
                }
            }
        }
    }

    /** One plane of {@link #maxForward}, any window. */
    private static void maxPlane(double[] x, int xc, int h, int w, int outH, int outW, int kh, int kw, int sh, int sw,
                                 int ph, int pw, int dh, int dw, double[] y, int[] argmax, int yc) {
        for (int oh = 0; oh < outH; oh++) {
            int h0 = oh * sh - ph, h1 = Math.min(h0 + (kh - 1) * dh + 1, h);
            while (h0 < 0) {
                h0 += dh;
            }
            for (int ow = 0; ow < outW; ow++) {
                int w0 = ow * sw - pw, w1 = Math.min(w0 + (kw - 1) * dw + 1, w);
                while (w0 < 0) {
                    w0 += dw;
                }
                int best = h0 * w + w0;
                double max = Double.NEGATIVE_INFINITY;
                for (int ih = h0; ih < h1; ih += dh) {
                    int row = ih * w;
                    for (int iw = w0; iw < w1; iw += dw) {
                        double v = x[xc + row + iw];
                        if (v > max || v != v) {
                            max = v;
                            best = row + iw;
                        }
                    }
                }
                y[yc + oh * outW + ow] = max;
                if (argmax != null) {
                    argmax[yc + oh * outW + ow] = best;
                }
            }
        }
    }

    /**
     * {@link #maxBackward} for 2x2 windows at stride 2 inside the input ({@link #isTwoByTwo}), in
     * float64, writing every element of dx [planes·H·W] from 0, so that dx need not hold zeros:
     * the windows do not overlap, so each window's winner gets 0 + dy (the bits of the sum into
     * zeros, −0 included), its other three taps and any last row or column no window covers 0.
     * One pass over dx in order, where zeroing and scattering took two.
     */
    public static void maxBackward2x2(int planes, int h, int w, int outH, int outW, double[] dy, int dyo, int[] argmax, double[] dx) {
        int plane = h * w, outPlane = outH * outW;
        Parallel.forRange(planes, grain(plane), (from, to) -> {
            for (int c = from; c < to; c++) {
                int xc = c * plane, yc = c * outPlane;
                for (int oh = 0; oh < outH; oh++) {
                    int r0 = xc + 2 * oh * w, r1 = r0 + w, out = yc + oh * outW;
                    for (int ow = 0; ow < outW; ow++) {
                        int i = 2 * ow;
                        dx[r0 + i] = 0d;
                        dx[r0 + i + 1] = 0d;
                        dx[r1 + i] = 0d;
                        dx[r1 + i + 1] = 0d;
                        dx[xc + argmax[out + ow]] = 0d + dy[dyo + out + ow];
                    }
                    for (int j = 2 * outW; j < w; j++) {
                        dx[r0 + j] = 0d;
                        dx[r1 + j] = 0d;
                    }
                }
                for (int j = xc + 2 * outH * w; j < xc + plane; j++) {
                    dx[j] = 0d;
                }
            }
        });
    }

    /** dx[plane, argmax] += dy for every output element, in float64: dx [planes·H·W] from 0 must hold zeros on entry. */
    public static void maxBackward(int planes, int plane, int outPlane, double[] dy, int dyo, int[] argmax, double[] dx) {
        Parallel.forRange(planes, grain(plane), (from, to) -> {
            for (int c = from; c < to; c++) {
                int xc = c * plane, yc = c * outPlane;
                for (int j = 0; j < outPlane; j++) {
                    dx[xc + argmax[yc + j]] += dy[dyo + yc + j];
                }
            }
        });
    }

    /**
     * Average pooling in float64: y = (Σ of the window's taps inside the input) / divisor, the
     * divisor by {@link #avgDivisor}. Writes y [planes·outH·outW] from 0.
     */
    public static void avgForward(int planes, int h, int w, int outH, int outW, int kh, int kw, int sh, int sw,
                                  int ph, int pw, boolean countIncludePad, int divisor, double[] x, int xo, double[] y) {
        int plane = h * w, outPlane = outH * outW;
        Parallel.forRange(planes, grain(plane), (from, to) -> {
            for (int c = from; c < to; c++) {
                int xc = xo + c * plane, yc = c * outPlane;
                for (int oh = 0; oh < outH; oh++) {
                    int h0 = oh * sh - ph, h1 = Math.min(h0 + kh, h);
                    for (int ow = 0; ow < outW; ow++) {
                        int w0 = ow * sw - pw, w1 = Math.min(w0 + kw, w);
                        double sum = 0d;
                        for (int ih = Math.max(h0, 0); ih < h1; ih++) {
                            for (int iw = Math.max(w0, 0); iw < w1; iw++) {
                                sum += x[xc + ih * w + iw];
                            }
                        }
                        int d = avgDivisor(oh, ow, h, w, kh, kw, sh, sw, ph, pw, countIncludePad, divisor);
                        y[yc + oh * outW + ow] = sum / d;
                    }
                }
            }
        });
    }

    /** The adjoint of {@link #avgForward} in float64: each tap of a window gets dy / divisor, added into dx [planes·H·W] from 0, which must hold zeros on entry. */
    public static void avgBackward(int planes, int h, int w, int outH, int outW, int kh, int kw, int sh, int sw,
                                   int ph, int pw, boolean countIncludePad, int divisor, double[] dy, int dyo, double[] dx) {
        int plane = h * w, outPlane = outH * outW;
        Parallel.forRange(planes, grain(plane), (from, to) -> {
            for (int c = from; c < to; c++) {
                int xc = c * plane, yc = dyo + c * outPlane;
                for (int oh = 0; oh < outH; oh++) {
                    int h0 = oh * sh - ph, h1 = Math.min(h0 + kh, h);
                    for (int ow = 0; ow < outW; ow++) {
                        int w0 = ow * sw - pw, w1 = Math.min(w0 + kw, w);
                        double share = dy[yc + oh * outW + ow] / avgDivisor(oh, ow, h, w, kh, kw, sh, sw, ph, pw, countIncludePad, divisor);
                        for (int ih = Math.max(h0, 0); ih < h1; ih++) {
                            for (int iw = Math.max(w0, 0); iw < w1; iw++) {
                                dx[xc + ih * w + iw] += share;
                            }
                        }
                    }
                }
            }
        });
    }

    /**
     * Adaptive average pooling in float64: output (oh, ow) is the mean of input rows
     * [floor(oh·H/outH), ceil((oh+1)·H/outH)) and the columns alike. Writes y [planes·outH·outW].
     */
    public static void adaptiveAvgForward(int planes, int h, int w, int outH, int outW, double[] x, int xo, double[] y) {
        int plane = h * w, outPlane = outH * outW;
        Parallel.forRange(planes, grain(plane), (from, to) -> {
            for (int c = from; c < to; c++) {
                int xc = xo + c * plane, yc = c * outPlane;
                for (int oh = 0; oh < outH; oh++) {
                    int h0 = adaptiveStart(oh, h, outH), h1 = adaptiveEnd(oh, h, outH);
                    for (int ow = 0; ow < outW; ow++) {
                        int w0 = adaptiveStart(ow, w, outW), w1 = adaptiveEnd(ow, w, outW);
                        double sum = 0d;
                        for (int ih = h0; ih < h1; ih++) {
                            for (int iw = w0; iw < w1; iw++) {
                                sum += x[xc + ih * w + iw];
                            }
                        }
                        y[yc + oh * outW + ow] = sum / ((h1 - h0) * (w1 - w0));
                    }
                }
            }
        });
    }

    /** The adjoint of {@link #adaptiveAvgForward} in float64, added into dx [planes·H·W] from 0, which must hold zeros on entry. */
    public static void adaptiveAvgBackward(int planes, int h, int w, int outH, int outW, double[] dy, int dyo, double[] dx) {
        int plane = h * w, outPlane = outH * outW;
        Parallel.forRange(planes, grain(plane), (from, to) -> {
            for (int c = from; c < to; c++) {
                int xc = c * plane, yc = dyo + c * outPlane;
                for (int oh = 0; oh < outH; oh++) {
                    int h0 = adaptiveStart(oh, h, outH), h1 = adaptiveEnd(oh, h, outH);
                    for (int ow = 0; ow < outW; ow++) {
                        int w0 = adaptiveStart(ow, w, outW), w1 = adaptiveEnd(ow, w, outW);
                        double share = dy[yc + oh * outW + ow] / ((h1 - h0) * (w1 - w0));
                        for (int ih = h0; ih < h1; ih++) {
                            for (int iw = w0; iw < w1; iw++) {
                                dx[xc + ih * w + iw] += share;
                            }
                        }
                    }
                }
            }
        });
    }
    // twin: end

    /** Planes pooled by the scalar scan while the Vector API loop warms up ({@link Warmup}): about ten fmnist-cnn batches. */
    private static final Warmup MAX2X2_WARMUP = new Warmup(1 << 16);

    /**
     * 2x2 stride-2 max pooling of one float32 plane: the Vector API loop when present (after its
     * warm-up), else the scalar scan; both give the same bits.
     */
    private static void max2x2(float[] x, int xc, int w, int outH, int outW, float[] y, int[] argmax, int yc) {
        if (VECTOR && MAX2X2_WARMUP.vector()) {
            PoolingVector.max2x2(x, xc, w, outH, outW, y, argmax, yc);
        } else {
            maxPlane2x2(x, xc, w, outH, outW, y, argmax, yc);
        }
    }

    /** The float64 planes take the scalar scan. */
    private static void max2x2(double[] x, int xc, int w, int outH, int outW, double[] y, int[] argmax, int yc) {
        maxPlane2x2(x, xc, w, outH, outW, y, argmax, yc);
    }
}
