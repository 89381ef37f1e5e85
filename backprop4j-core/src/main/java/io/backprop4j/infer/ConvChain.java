package io.backprop4j.infer;

import io.backprop4j.internal.Storage;
import io.backprop4j.internal.kernel.ConvGeometry;
import io.backprop4j.internal.kernel.Convolution;
import io.backprop4j.internal.kernel.Gemm;
import io.backprop4j.internal.kernel.Parallel;
import io.backprop4j.internal.kernel.Simd;
import io.backprop4j.internal.kernel.VectorMath;
import io.backprop4j.nn.Conv2d;
import io.backprop4j.nn.MaxPool2d;
import io.backprop4j.nn.Module;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.util.List;

/**
 * Consecutive float32 {@link Conv2d} stages (each with the ReLU and the {@link MaxPool2d} after it,
 * when there are), run a group of images at a time: the group passes through every stage while
 * its planes are in cache, in scratch arrays of the thread that runs it, and only the last stage
 * writes into the plan's output buffer (reused between calls of one shape). Groups are spread
 * over {@link Parallel} (the calling thread alone inside {@code Parallel.onCallingThread}).
 *
 * <p>Every stage computes what the layers compute. A convolution of more than 32 taps in one
 * group of channels ({@link #oneProduct}) is the product of its filters with the group's
 * unfolded images side by side, {@code C [O, m·OH·OW] = b + W [O, patch] · cols [patch,
 * m·OH·OW]}, one {@link Gemm#sgemm} with C filled with the bias: each element is the chain of
 * multiply-adds over the patch that {@link Convolution#forward} computes image by image (the
 * GEMM's order does not depend on the number of columns), and 8 images of 196 positions fill
 * whole tiles. Other convolutions are {@link Convolution#forward} on the group. The ReLU is
 * {@code Tensor.relu}'s loop over the convolution's output in place, and the pool takes the
 * largest tap of each window as {@code Pooling.maxForward} does (the first of equal values, a
 * NaN wins, −∞ for a window without taps), written at the image's place in its output.
 */
final class ConvChain implements PlanStep {
    /** One convolution, whether a ReLU follows, and the max pool after that (or null). */
    record Stage(Conv2d conv, boolean relu, MaxPool2d pool) {}

    private final List<Stage> stages;
    /** The modules as the Sequential runs them, for inputs the chain does not take. */
    private final List<Module> modules;
    private Tensor out;
    /** The planes of a split convolution (one caller at a time holds the helper, so one object serves). */
    private final Planes split = new Planes();
    /** Per-thread scratch: two arrays that the stages of one image alternate between. */
    private final ThreadLocal<float[][]> scratch = ThreadLocal.withInitial(() -> new float[6][0]);
    /** Per stage: the filters packed for {@link DirectConv} (or null), and the weight's array and version they were packed from. */
    private final float[][] packedFilters;
    private final float[][] packedFrom;
    private final int[] packedVersion;

    ConvChain(List<Stage> stages, List<Module> modules) {
        this.stages = List.copyOf(stages);
        this.modules = List.copyOf(modules);
        this.packedFilters = new float[stages.size()][];
        this.packedFrom = new float[stages.size()][];
        this.packedVersion = new int[stages.size()];
    }

    int stages() {
        return stages.size();
    }

    @Override
    public boolean owns(float[] data) {
        return out != null && Storage.floats(out) == data;
    }

    /** The chain's output for x [N, C, H, W]; other inputs run the layers' own forward (and their messages). */
    @Override
    public Tensor run(Tensor x, Handoff given) {
        if (x.dtype() != DType.FLOAT32 || x.rank() != 4 || x.size(0) == 0 || !allFloat32()) return asLayers(x);
        // The shapes, checked as the layers check them (the same messages), and each stage's geometry for one image.
        int n = x.size(0);
        int[] shape = x.shape();
        int count = stages.size();
        ConvGeometry[] geometry = new ConvGeometry[count];
        int[][] pooledShape = new int[count][], windows = new int[count][], offsets = new int[count][];
        long image = 0, unfolded = 0, product = 0, padded = 0, grid = 0;
        for (int s = 0; s < count; s++) {
            Stage st = stages.get(s);
            int[] y = st.conv().outputShape(shape);
            int[] k = st.conv().kernelSize(), stride = st.conv().stride(), pad = st.conv().padding(), dil = st.conv().dilation();
            ConvGeometry g = new ConvGeometry(1, shape[1], shape[2], shape[3], y[1], k[0], k[1], stride[0], stride[1], pad[0], pad[1],
                    dil[0], dil[1], st.conv().groups());
            geometry[s] = g;
            image = Math.max(image, (long) y[1] * y[2] * y[3]);
            if (direct(g)) {
                offsets[s] = DirectConv.offsets(g);
                padded = Math.max(padded, DirectConv.paddedLength(g));
                grid = Math.max(grid, DirectConv.gridsLength(g));
            } else if (oneProduct(g)) {
                unfolded = Math.max(unfolded, (long) g.patch() * g.outPlane());
                product = Math.max(product, (long) g.outChannels() * g.outPlane());
            }
            if (st.pool() != null) {
                y = st.pool().outputShape(y);
                pooledShape[s] = y;
                windows[s] = window(st.pool());
            }
            shape = y;
        }
        if (out == null || !java.util.Arrays.equals(out.shape(), shape)) out = Tensor.zeros(DType.FLOAT32, shape);
        Tensor xc = x.contiguous();
        float[] xs = Storage.floats(xc), ys = Storage.floats(out);
        int xo = xc.offset(), imageIn = x.size(1) * x.size(2) * x.size(3), imageOut = shape[1] * shape[2] * shape[3];
        int group = (int) Math.clamp(unfolded == 0 ? 1 : GROUP_UNFOLDED / unfolded, 1, Math.min(MAX_GROUP, n));
        int[] sizes = {(int) (group * image), (int) (group * unfolded), (int) (group * product), (int) padded, (int) grid};
        float[][] w = new float[count][], b = new float[count][];
        int[] wo = new int[count], bo = new int[count];
        for (int s = 0; s < count; s++) {
            Tensor wc = stages.get(s).conv().weight().contiguous(), bias = stages.get(s).conv().bias();
            w[s] = Storage.floats(wc);
            wo[s] = wc.offset();
            if (offsets[s] != null) {
                int version = stages.get(s).conv().weight().version();
                if (packedFilters[s] == null || packedFrom[s] != w[s] || packedVersion[s] != version) {
                    packedFilters[s] = DirectConv.packFilters(geometry[s], w[s], wo[s]);
                    packedFrom[s] = w[s];
                    packedVersion[s] = version;
                }
                w[s] = packedFilters[s];
                wo[s] = 0;
            }
            if (bias != null) {
                Tensor bc = bias.contiguous();
                b[s] = Storage.floats(bc);
                bo[s] = bc.offset();
            }
        }
        int groups = (n + group - 1) / group;
        // up to 4 images (on the calling thread, Parallel.onCallingThread): a large convolution's filters split with the helper, when given
        Handoff helper = n <= InferencePlan.ONE_THREAD_BATCH && Simd.AVAILABLE ? given : null;
        run(helper, n, group, groups, sizes, geometry, pooledShape, windows, offsets, w, wo, b, bo, xs, xo, imageIn, ys, imageOut);
        return out;
    }

    private void run(Handoff helper, int n, int group, int groups, int[] sizes, ConvGeometry[] geometry, int[][] pooledShape, int[][] windows,
                     int[][] offsets, float[][] w, int[] wo, float[][] b, int[] bo, float[] xs, int xo, int imageIn, float[] ys, int imageOut) {
        Parallel.forRange(groups, 1, (from, to) -> {
            float[][] t = scratch.get();
            for (int j = 0; j < t.length; j++) {
                int need = sizes[j == 0 ? 0 : j - 1];
                if (t[j].length < need) t[j] = new float[need];
            }
            for (int q = from; q < to; q++) {
                int first = q * group, m = Math.min(group, n - first);
                images(helper, m, geometry, pooledShape, windows, offsets, w, wo, b, bo, xs, xo + first * imageIn, t, ys, first * imageOut);
            }
        });
    }

    /** Unfolded floats of a group of images at most (256K floats, 1 MiB: a share of L2 beside the filters and the product). */
    static final long GROUP_UNFOLDED = 1 << 18;
    /** Images per group at most: 8 x 196 positions fill whole 16-lane tiles of the GEMM. */
    static final int MAX_GROUP = 8;

    /**
     * Whether the chain multiplies the filters with a group's unfolded images as one product:
     * where {@link Convolution#forward} takes the GEMM (a patch of more than 32 taps, where its
     * multiply-add kernel stops) and there is one group of channels. Each element of the product
     * is the same chain of multiply-adds over the patch, whatever the number of columns.
     */
    static boolean oneProduct(ConvGeometry g) {
        return g.groups() == 1 && g.patch() > 32;
    }

    /**
     * Whether a convolution runs as {@link DirectConv}: with the Vector API, stride 1, no dilation,
     * one group, and a product whose every output {@link Convolution#forward} computes as the same
     * chain of multiply-adds over the patch from zero, the bias added last: up to 32 taps (its
     * multiply-add kernel, {@code ConvVector}), or more (the GEMM) when the GEMM front end gives
     * the product to its packed kernel in one slice of k (more than 4 filters, at least 512
     * multiply-adds, at most 2048 taps).
     */
    static boolean direct(ConvGeometry g) {
        if (!Simd.AVAILABLE || g.groups() != 1 || g.strideH() != 1 || g.strideW() != 1 || g.dilationH() != 1 || g.dilationW() != 1) return false;
        return g.patch() <= 32 || g.outChannels() > 4 && g.patch() <= 2048 && (long) g.outChannels() * g.outPlane() * g.patch() >= 512;
    }

    /**
     * m images through every stage: from x at xo ([m, C, H, W]) to y at yo, by way of the
     * thread's scratch: t[0] and t[1] the activations (they alternate), t[2] the unfolded
     * images, t[3] the product [O, m·OH·OW], t[4] and t[5] DirectConv's padded image and grid.
     */
    private void images(Handoff helper, int m, ConvGeometry[] geometry, int[][] pooledShape, int[][] windows, int[][] offsets, float[][] w, int[] wo, float[][] b, int[] bo,
                        float[] x, int xo, float[][] t, float[] y, int yo) {
        float[] in = x;
        int inOff = xo;
        for (int s = 0; s < geometry.length; s++) {
            Stage st = stages.get(s);
            ConvGeometry g = geometry[s];
            boolean last = s == geometry.length - 1;
            int oc = g.outChannels(), plane = g.outPlane();
            float[] next = in == t[0] ? t[1] : t[0];
            float[] dst = last ? y : next;
            int dstOff = last ? yo : 0;
            int pooled = st.pool() == null ? plane : pooledShape[s][2] * pooledShape[s][3];
            if (offsets[s] != null) {
                // Image by image without unfolding (DirectConv); plane (i, o) lies at grid[o·len] with rows Wp apart.
                int imageIn = g.channels() * g.height() * g.width();
                Planes p = helper != null ? split : new Planes();
                p.g = g;
                p.stage = st;
                p.offsets = offsets[s];
                p.window = windows[s];
                p.pooledShape = pooledShape[s];
                p.padded = t[4];
                p.grid = t[5];
                p.packed = w[s];
                p.bias = b[s];
                p.bo = bo[s];
                p.dst = dst;
                p.half = helper != null && (long) oc * g.patch() * g.outPlane() >= SPLIT_WORK ? Math.min(oc, (oc / 2 + 3) / 4 * 4) : oc;
                for (int i = 0; i < m; i++) {
                    DirectConv.pad(g, in, inOff + i * imageIn, t[4]);
                    p.to = dstOff + i * oc * pooled;
                    if (p.half < oc) helper.split(p);
                    else p.planes(0, oc);
                }
                p.release();
                in = dst;
            } else if (oneProduct(g)) {
                // C [O, m·P] = bias + W [O, patch] · cols [patch, m·P]; plane (i, o) lies at C[o·m·P + i·P].
                int cols = m * plane, k = g.patch();
                float[] c = t[3];
                unfold(g, m, in, inOff, t[2]);
                if (b[s] != null) {
                    for (int o = 0; o < oc; o++) java.util.Arrays.fill(c, o * cols, (o + 1) * cols, b[s][bo[s] + o]);
                }
                Gemm.sgemm(false, false, oc, cols, k, 1f, w[s], wo[s], k, t[2], 0, cols, b[s] != null ? 1f : 0f, c, 0, cols);
                if (st.relu()) VectorMath.leakyRelu(c, 0, c, 0, oc * cols, 0f);   // what Tensor.relu does, in place
                for (int i = 0; i < m; i++) {
                    for (int o = 0; o < oc; o++) {
                        int from = o * cols + i * plane, to = dstOff + (i * oc + o) * pooled;
                        if (st.pool() != null) {
                            maxPool(windows[s], st.relu(), 1, g.outHeight(), g.outWidth(), g.outWidth(), pooledShape[s][2], pooledShape[s][3], c, from, dst, to);
                        } else {
                            System.arraycopy(c, from, dst, to, plane);
                        }
                    }
                }
                in = dst;
            } else {
                ConvGeometry gm = new ConvGeometry(m, g.channels(), g.height(), g.width(), oc, g.kernelH(), g.kernelW(), g.strideH(),
                        g.strideW(), g.padH(), g.padW(), g.dilationH(), g.dilationW(), g.groups());
                Convolution.forward(gm, in, inOff, w[s], wo[s], b[s], bo[s], next);
                if (st.relu()) VectorMath.leakyRelu(next, 0, next, 0, m * oc * plane, 0f);
                if (st.pool() != null) {
                    float[] pd = last ? y : (next == t[0] ? t[1] : t[0]);
                    maxPool(windows[s], st.relu(), m * oc, g.outHeight(), g.outWidth(), g.outWidth(), pooledShape[s][2], pooledShape[s][3], next, 0, pd,
                            last ? yo : 0);
                    in = pd;
                } else if (last) {
                    System.arraycopy(next, 0, y, yo, m * oc * plane);
                    in = y;
                } else {
                    in = next;
                }
            }
            inOff = 0;
        }
    }

    /** Multiply-adds of one image's convolution from which its filters are split between two threads at batch 1 to 4. */
    static final long SPLIT_WORK = 1L << 16;

    /**
     * One image's DirectConv planes: filters [o0, o1) from its padded copy, their ReLU in place,
     * their pool (or copy) at the image's place; a range of filters is one part of a {@link
     * Handoff} split (part 0 the filters below {@link #half}, part 1 the rest), each part writing
     * only its own planes.
     */
    private static final class Planes implements Handoff.Task {
        ConvGeometry g;
        Stage stage;
        int[] offsets, window, pooledShape;
        float[] padded, grid, packed, bias, dst;
        int bo, to, half;

        @Override
        public void run(int part) {
            if (part == 0) planes(0, half);
            else planes(half, g.outChannels());
        }

        void planes(int o0, int o1) {
            int len = DirectConv.gridLength(g), wp = g.width() + 2 * g.padW(), oh = g.outHeight(), ow = g.outWidth();
            DirectConv.filters(g, offsets, padded, packed, bias, bo, grid, o0, o1);
            if (stage.relu()) VectorMath.leakyRelu(grid, o0 * len, grid, o0 * len, (o1 - o0) * len, 0f);
            int pooled = stage.pool() == null ? g.outPlane() : pooledShape[2] * pooledShape[3];
            for (int o = o0; o < o1; o++) {
                int at = to + o * pooled;
                if (stage.pool() != null) {
                    maxPool(window, stage.relu(), 1, oh, ow, wp, pooledShape[2], pooledShape[3], grid, o * len, dst, at);
                } else {
                    for (int a = 0; a < oh; a++) System.arraycopy(grid, o * len + a * wp, dst, at + a * ow, ow);
                }
            }
        }

        /** Drops the references to the call's arrays (the plan's scratch and buffers stay reachable elsewhere). */
        void release() {
            padded = grid = packed = bias = dst = null;
        }
    }

    /**
     * cols[r, i·P + p] = image i's input under tap r at output position p (0 in the padding), r =
     * (c·kH + ki)·kW + kj, for m images [m, C, H, W] at xo: the unfolding of {@code Im2col}, the
     * images side by side.
     */
    static void unfold(ConvGeometry g, int m, float[] x, int xo, float[] cols) {
        int h = g.height(), w = g.width(), oh = g.outHeight(), ow = g.outWidth(), plane = oh * ow, width = m * plane;
        int sh = g.strideH(), sw = g.strideW(), image = g.channels() * h * w;
        int r = 0;
        for (int c = 0; c < g.channels(); c++) {
            for (int ki = 0; ki < g.kernelH(); ki++) {
                int offH = ki * g.dilationH() - g.padH();
                for (int kj = 0; kj < g.kernelW(); kj++, r++) {
                    int offW = kj * g.dilationW() - g.padW();
                    // output columns whose input column lies inside the image: [lo, hi)
                    int lo = Math.clamp(Math.ceilDiv(-offW, sw), 0, ow), hi = Math.clamp(Math.ceilDiv(w - offW, sw), lo, ow);
                    for (int i = 0; i < m; i++) {
                        int xc = xo + i * image + c * h * w;
                        for (int a = 0; a < oh; a++) {
                            int dst = r * width + i * plane + a * ow, ih = a * sh + offH;
                            if (ih < 0 || ih >= h) {
                                java.util.Arrays.fill(cols, dst, dst + ow, 0f);
                                continue;
                            }
                            for (int q = 0; q < lo; q++) cols[dst + q] = 0f;
                            int src = xc + ih * w + lo * sw + offW;
                            if (sw == 1) {
                                System.arraycopy(x, src, cols, dst + lo, hi - lo);
                            } else {
                                for (int q = lo; q < hi; q++, src += sw) cols[dst + q] = x[src];
                            }
                            for (int q = hi; q < ow; q++) cols[dst + q] = 0f;
                        }
                    }
                }
            }
        }
    }

    private boolean allFloat32() {
        for (Stage s : stages) {
            if (s.conv().weight().dtype() != DType.FLOAT32) return false;
        }
        return true;
    }

    private Tensor asLayers(Tensor x) {
        Tensor h = x;
        for (Module m : modules) h = m.call(h);
        return h;
    }

    /** A pool's window as {@link #maxPool} takes it: kernel, stride, padding and dilation, each height then width. */
    static int[] window(MaxPool2d pool) {
        int[] k = pool.kernelSize(), s = pool.stride(), p = pool.padding(), d = pool.dilation();
        return new int[] {k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]};
    }

    /**
     * y[yo + c·outH·outW + oh·outW + ow] = the largest tap of its window in plane c of x (from 0),
     * in {@code Pooling.maxForward}'s order: taps in scan order, a tap replaces the maximum when it
     * is larger or NaN, −∞ for a window without taps. {@code afterReLU}: x holds +0 and up or NaN
     * (a ReLU writes +0, never −0), and 2x2 windows are taken as integers, without a branch per tap
     * (a compare that goes either way half the time on fresh data cost more than the convolution
     * before it): the same floats, except that a window's NaN comes out with its sign cleared.
     */
    static void maxPool(int[] window, boolean afterReLU, int planes, int h, int w, int ld, int outH, int outW, float[] x, int xo, float[] y, int yo) {
        int kh = window[0], kw = window[1], sh = window[2], sw = window[3], ph = window[4], pw = window[5], dh = window[6], dw = window[7];
        int plane = h * ld, outPlane = outH * outW;
        boolean twoByTwo = ph == 0 && pw == 0 && kh == 2 && kw == 2 && sh == 2 && sw == 2 && dh == 1 && dw == 1
                && 2 * outH <= h && 2 * outW <= w;
        if (twoByTwo && afterReLU) {
            if (Simd.AVAILABLE) VectorPool.max2x2AfterReLU(planes, h, ld, outH, outW, x, xo, y, yo);
            else max2x2AfterReLU(planes, h, ld, outH, outW, x, xo, y, yo);
            return;
        }
        for (int c = 0; c < planes; c++) {
            int xc = xo + c * plane, yc = yo + c * outPlane;
            if (twoByTwo) {
                for (int oh = 0; oh < outH; oh++) {
                    int r0 = xc + 2 * oh * ld, r1 = r0 + ld, o = yc + oh * outW;
                    for (int ow = 0; ow < outW; ow++) {
                        int i0 = r0 + 2 * ow, i1 = r1 + 2 * ow;
                        float m = x[i0], v = x[i0 + 1];
                        if (v > m || v != v) m = v;
                        v = x[i1];
                        if (v > m || v != v) m = v;
                        v = x[i1 + 1];
                        if (v > m || v != v) m = v;
                        y[o + ow] = m;
                    }
                }
                continue;
            }
            for (int oh = 0; oh < outH; oh++) {
                int h0 = oh * sh - ph, h1 = Math.min(h0 + (kh - 1) * dh + 1, h);
                while (h0 < 0) h0 += dh;
                for (int ow = 0; ow < outW; ow++) {
                    int w0 = ow * sw - pw, w1 = Math.min(w0 + (kw - 1) * dw + 1, w);
                    while (w0 < 0) w0 += dw;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int ih = h0; ih < h1; ih += dh) {
                        for (int iw = w0; iw < w1; iw += dw) {
                            float v = x[xc + ih * ld + iw];
                            if (v > max || v != v) max = v;
                        }
                    }
                    y[yc + oh * outW + ow] = max;
                }
            }
        }
    }

    /**
     * The 2x2, stride-2 max pool of a ReLU's output without vectors (what {@link VectorPool}
     * computes): floats of +0 and up order as their bits do, and a NaN's bits without the sign lie
     * above +∞, so each window's largest is an integer max (a conditional move, no branch).
     */
    static void max2x2AfterReLU(int planes, int h, int ld, int outH, int outW, float[] x, int xo, float[] y, int yo) {
        int plane = h * ld, outPlane = outH * outW;
        for (int c = 0; c < planes; c++) {
            int xc = xo + c * plane, yc = yo + c * outPlane;
            for (int oh = 0; oh < outH; oh++) {
                int r0 = xc + 2 * oh * ld, r1 = r0 + ld, o = yc + oh * outW;
                for (int ow = 0; ow < outW; ow++) {
                    int i0 = r0 + 2 * ow, i1 = r1 + 2 * ow;
                    int m = Math.max(Math.max(magnitude(x[i0]), magnitude(x[i0 + 1])), Math.max(magnitude(x[i1]), magnitude(x[i1 + 1])));
                    y[o + ow] = Float.intBitsToFloat(m);
                }
            }
        }
    }

    /** The bits of v without its sign: for +0 and up the order of the floats, a NaN above +∞. */
    private static int magnitude(float v) {
        return Float.floatToRawIntBits(v) & 0x7fffffff;
    }
}
