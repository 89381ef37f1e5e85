package io.backprop4j.internal.kernel;

import java.util.Arrays;

/**
 * 2-D convolution (PyTorch's cross-correlation) over NCHW arrays and its two backward products,
 * each as matrix products through {@link Gemm}: per image and group, the input windows of a tile
 * of output positions are unfolded ({@link Im2col}) into a {@code [Cg·kH·kW, tile]} matrix that
 * is multiplied with the group's filters. The tile is sized to stay in cache, and the unfolded
 * batch is never built whole; a 1x1 kernel with stride 1 and no padding multiplies the image
 * itself. Images are spread over {@link Parallel} (the matrix products inside then run on one
 * thread each); with a batch of one, the products use the pool instead.
 *
 * <p>Layouts (all row-major, the given arrays contiguous from their offsets): input x {@code
 * [N, C, H, W]}, weight w {@code [O, C/groups, kH, kW]}, bias {@code [O]}, output y {@code [N, O,
 * OH, OW]}. With {@code G = groups}, {@code Cg = C/G}, {@code Og = O/G}, group {@code q} of image
 * {@code n}:
 * <pre>
 *   y[n, q·Og + o, p] = b[q·Og + o] + Σ_r w[q·Og + o, r] · cols_{n,q}[r, p]        (forward)
 *   dx_{n,q} = fold(w_qᵀ · dy[n, q])                                               (input gradient)
 *   dw[q·Og + o, r] = Σ_n Σ_p dy[n, q·Og + o, p] · cols_{n,q}[r, p]                (weight gradient)
 *   db[o] = Σ_n Σ_p dy[n, o, p]
 * </pre>
 * Scratch arrays come from {@link Workspace}, so a call allocates nothing.
 */
public final class Convolution {
    /** Elements of unfolded input per tile: 64K floats (256 KiB) keeps the tile and the filters in L2. */
    static final int TILE_ELEMENTS = 1 << 16;
    /** At most this many weight-gradient partial sums in all (elements), whatever the batch. */
    static final int PARTIAL_ELEMENTS = 1 << 22;
    /** Batch slices of the weight gradient at most; a constant, so that the sums' order does not follow the thread count. */
    static final int WEIGHT_SLICES = 32;

    private Convolution() {
    }

    /** Output positions per tile: all of them when the unfolded image fits {@link #TILE_ELEMENTS}, else a multiple of 16. */
    static int tileWidth(ConvGeometry g) {
        int p = g.outPlane(), k = g.patch();
        if ((long) k * p <= TILE_ELEMENTS) {
            return p;
        }
        int t = Math.max(16, TILE_ELEMENTS / k / 16 * 16);
        return Math.min(p, t);
    }

    /**
     * Into how many batch slices the weight gradient is split, each summed into its own block and
     * the blocks added in order afterwards: {@link #WEIGHT_SLICES} (enough to keep 8 threads busy
     * with 4 chunks each), fewer for a small batch or a large block. It depends on the geometry
     * alone, never on the thread count, so that the gradient has the same bits with any number of threads.
     */
    static int weightSlices(ConvGeometry g) {
        int block = g.outChannels() * g.patch();
        int byMemory = Math.max(1, PARTIAL_ELEMENTS / Math.max(1, block));
        return Math.max(1, Math.min(g.batch(), Math.min(WEIGHT_SLICES, byMemory)));
    }

    // twin: float32 source
    /**
     * y = conv(x, w) + b in float32; {@code bias} may be null. Writes {@code y[0 .. N·O·OH·OW)}
     * only.
     */
    public static void forward(ConvGeometry g, float[] x, int xo, float[] w, int wo, float[] bias, int bo, float[] y) {
        int n = g.batch(), p = g.outPlane(), k = g.patch(), og = g.groupOutChannels(), oc = g.outChannels();
        int imageIn = g.channels() * g.plane(), groupIn = g.groupChannels() * g.plane();
        int tile = tileWidth(g);
        boolean direct = directForward(g, x);
        Parallel.forRange(n, 1, (from, to) -> {
            float[] cols = g.pointwise() ? null : (float[]) Workspace.get(float.class, Workspace.COLS, k * tile);
            for (int i = from; i < to; i++) {
                int yi = i * oc * p;
                if (bias != null && !direct) {
                    for (int o = 0; o < oc; o++) {
                        Arrays.fill(y, yi + o * p, yi + (o + 1) * p, bias[bo + o]);
                    }
                }
                float beta = bias != null ? 1f : 0f;
                for (int q = 0; q < g.groups(); q++) {
                    int xq = xo + i * imageIn + q * groupIn, wq = wo + q * og * k, yq = yi + q * og * p;
                    if (direct) {
                        // A short patch: broadcast multiply-adds, the bias added in the same pass.
                        for (int p0 = 0; p0 < p; p0 += tile) {
                            int tp = Math.min(tile, p - p0);
                            if (!g.pointwise()) {
                                Im2col.unfold(g, x, xq, p0, p0 + tp, cols);
                            }
                            dotForward(k, og, tp, w, wq, g.pointwise() ? x : cols, g.pointwise() ? xq + p0 : 0, g.pointwise() ? p : tp,
                                    bias, bo + q * og, y, yq + p0, p);
                        }
                        continue;
                    }
                    if (g.pointwise()) {
                        Gemm.sgemm(false, false, og, p, k, 1f, w, wq, k, x, xq, p, beta, y, yq, p);
                        continue;
                    }
                    for (int p0 = 0; p0 < p; p0 += tile) {
                        int tp = Math.min(tile, p - p0);
                        Im2col.unfold(g, x, xq, p0, p0 + tp, cols);
                        Gemm.sgemm(false, false, og, tp, k, 1f, w, wq, k, cols, 0, tp, beta, y, yq + p0, p);
                    }
                }
            }
        });
    }

    /**
     * dx = the gradient of Σ dy ⊙ conv(x, w) with respect to x, in float32: {@code dx[0 .. N·C·H·W)}
     * must hold zeros on entry (a fresh array): the windows' contributions are added into it.
     */
    public static void backwardInput(ConvGeometry g, float[] dy, int dyo, float[] w, int wo, float[] dx) {
        int n = g.batch(), p = g.outPlane(), k = g.patch(), og = g.groupOutChannels(), oc = g.outChannels();
        int imageIn = g.channels() * g.plane(), groupIn = g.groupChannels() * g.plane();
        int tile = tileWidth(g);
        Parallel.forRange(n, 1, (from, to) -> {
            float[] cols = g.pointwise() ? null : (float[]) Workspace.get(float.class, Workspace.COLS, k * tile);
            for (int i = from; i < to; i++) {
                for (int q = 0; q < g.groups(); q++) {
                    int xq = i * imageIn + q * groupIn, wq = wo + q * og * k, dq = dyo + i * oc * p + q * og * p;
                    if (g.pointwise()) {
                        // dx_q [Cg, HW] = w_qᵀ [Cg, Og] · dy_q [Og, HW]
                        Gemm.sgemm(true, false, k, p, og, 1f, w, wq, k, dy, dq, p, 0f, dx, xq, p);
                        continue;
                    }
                    for (int p0 = 0; p0 < p; p0 += tile) {
                        int tp = Math.min(tile, p - p0);
                        Gemm.sgemm(true, false, k, tp, og, 1f, w, wq, k, dy, dq + p0, p, 0f, cols, 0, tp);
                        Im2col.fold(g, cols, p0, p0 + tp, dx, xq);
                    }
                }
            }
        });
    }

    /**
     * dw = the gradient of Σ dy ⊙ conv(x, w) with respect to w, in float32: {@code [O, Cg·kH·kW]}
     * written to {@code dw[0 ..)}, previous contents overwritten. Each product is computed
     * transposed, {@code dwᵀ_q [Cg·kH·kW, Og] = cols_q · dy_qᵀ}, so that the large unfolded
     * matrix enters the GEMM as it lies and only the small gradient is read transposed. The batch
     * is cut into {@link #weightSlices} slices, each summed into its own block, and the blocks are
     * added in slice order: the result does not depend on which thread ran which slice. When
     * {@code db} is not null, the bias gradient Σ_n Σ_p dy[n, o, p] is written there too, summed
     * (in float64) as dy is transposed, so it costs no pass of its own.
     */
    public static void backwardWeight(ConvGeometry g, float[] x, int xo, float[] dy, int dyo, float[] dw, float[] db) {
        int n = g.batch(), p = g.outPlane(), k = g.patch(), og = g.groupOutChannels(), oc = g.outChannels(), groups = g.groups();
        int imageIn = g.channels() * g.plane(), groupIn = g.groupChannels() * g.plane(), plane = g.plane();
        int tile = tileWidth(g), block = oc * k, slices = weightSlices(g);
        boolean pointwise = g.pointwise(), direct = directWeightGrad(g, x);
        if (n == 0) {
            Arrays.fill(dw, 0, block, 0f);
            if (db != null) {
                Arrays.fill(db, 0, oc, 0f);
            }
            return;
        }
        // Slice s sums dwᵀ [k, oc] (group q in columns q·og ..) at s·block, and the bias gradient at s·oc.
        float[] partial = (float[]) Workspace.get(float.class, Workspace.PARTIALS, slices * block);
        double[] biasSums = db == null ? null : (double[]) Workspace.get(double.class, Workspace.BIAS, slices * oc);
        if (biasSums != null) {
            Arrays.fill(biasSums, 0, slices * oc, 0);
        }
        Parallel.forRange(slices, 1, (from, to) -> {
            float[] cols = pointwise ? null : (float[]) Workspace.get(float.class, Workspace.COLS, k * tile);
            float[] dyT = (float[]) Workspace.get(float.class, Workspace.GRAD_T, og * tile);
            for (int s = from; s < to; s++) {
                int first = (int) ((long) s * n / slices), last = (int) ((long) (s + 1) * n / slices);
                for (int i = first; i < last; i++) {
                    for (int q = 0; q < groups; q++) {
                        int xq = xo + i * imageIn + q * groupIn, dq = dyo + i * oc * p + q * og * p, aq = s * block + q * og;
                        for (int p0 = 0; p0 < p; p0 += tile) {
                            int tp = Math.min(tile, p - p0);
                            float beta = i == first && p0 == 0 ? 0f : 1f;
                            if (direct) {
                                // Few filters, a small patch: dot products, no GEMM.
                                if (biasSums != null) {
                                    rowSums(dy, dq + p0, p, og, tp, biasSums, s * oc + q * og);
                                }
                                if (!pointwise) {
                                    Im2col.unfold(g, x, xq, p0, p0 + tp, cols);
                                }
                                dotWeightGrad(k, og, tp, pointwise ? x : cols, pointwise ? xq + p0 : 0, pointwise ? plane : tp,
                                        dy, dq + p0, p, partial, aq, oc, beta != 0f);
                                continue;
                            }
                            // dyᵀ as a plain [tp, og] matrix: the GEMM packs a transposed operand element by element.
                            transpose(dy, dq + p0, p, og, tp, dyT, biasSums, s * oc + q * og);
                            if (pointwise) {
                                // dwᵀ_q [Cg, Og] (+)= x_q [Cg, HW] · dy_qᵀ [HW, Og]
                                Gemm.sgemm(false, false, k, og, tp, 1f, x, xq + p0, plane, dyT, 0, og, beta, partial, aq, oc);
                            } else {
                                Im2col.unfold(g, x, xq, p0, p0 + tp, cols);
                                Gemm.sgemm(false, false, k, og, tp, 1f, cols, 0, tp, dyT, 0, og, beta, partial, aq, oc);
                            }
                        }
                    }
                }
            }
        });
        // dw[o, r] = Σ_s partial[s][r, o], slices in order.
        for (int o = 0; o < oc; o++) {
            for (int r = 0; r < k; r++) {
                float sum = partial[r * oc + o];
                for (int s = 1; s < slices; s++) {
                    sum += partial[s * block + r * oc + o];
                }
                dw[o * k + r] = sum;
            }
        }
        if (db != null) {
            for (int o = 0; o < oc; o++) {
                double sum = 0;
                for (int s = 0; s < slices; s++) {
                    sum += biasSums[s * oc + o];
                }
                db[o] = (float) sum;
            }
        }
    }

    /**
     * t[j·rows + i] = a[ao + i·lda + j] for i < rows, j < cols: a rows x cols block, transposed
     * into t [cols, rows]; when {@code sums} is not null, each row's sum is added to sums[so + i].
     */
    static void transpose(float[] a, int ao, int lda, int rows, int cols, float[] t, double[] sums, int so) {
        // Writes in order; the reads walk the rows' cache lines, which stay in L1 for a few dozen rows.
        for (int j = 0, dst = 0; j < cols; j++) {
            for (int i = 0, src = ao + j; i < rows; i++, src += lda) {
                t[dst++] = a[src];
            }
        }
        if (sums != null) {
            rowSums(a, ao, lda, rows, cols, sums, so);
        }
    }

    /** sums[so + i] += Σ_j a[ao + i·lda + j] for i < rows, j < cols. */
    static void rowSums(float[] a, int ao, int lda, int rows, int cols, double[] sums, int so) {
        for (int i = 0; i < rows; i++) {
            sums[so + i] += rowSum(a, ao + i * lda, cols);
        }
    }

    /** db[o] = Σ_n Σ_p dy[n, o, p] over {@code channels} channels of {@code plane} positions each: writes db[0 .. channels). */
    public static void biasGrad(int batch, int channels, int plane, float[] dy, int dyo, float[] db) {
        for (int o = 0; o < channels; o++) {
            float total = 0f;
            for (int i = 0; i < batch; i++) {
                total += rowSum(dy, dyo + (i * channels + o) * plane, plane);
            }
            db[o] = total;
        }
    }

    /** Σ a[from .. from + n) with four running sums (independent additions pipeline; a single sum waits on each). */
    static float sum(float[] a, int from, int n) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        int j = 0;
        for (; j + 4 <= n; j += 4) {
            s0 += a[from + j];
            s1 += a[from + j + 1];
            s2 += a[from + j + 2];
            s3 += a[from + j + 3];
        }
        for (; j < n; j++) {
            s0 += a[from + j];
        }
        return (s0 + s1) + (s2 + s3);
    }
    // twin: end
    // twin: float64, generated from the float32 source above by tools/codegen/GenerateTwins.java; do not edit
    /**
     * y = conv(x, w) + b in float64; {@code bias} may be null. Writes {@code y[0 .. N·O·OH·OW)}
     * only.
     */
    public static void forward(ConvGeometry g, double[] x, int xo, double[] w, int wo, double[] bias, int bo, double[] y) {
        int n = g.batch(), p = g.outPlane(), k = g.patch(), og = g.groupOutChannels(), oc = g.outChannels();
        int imageIn = g.channels() * g.plane(), groupIn = g.groupChannels() * g.plane();
        int tile = tileWidth(g);
        boolean direct = directForward(g, x);
        Parallel.forRange(n, 1, (from, to) -> {
            double[] cols = g.pointwise() ? null : (double[]) Workspace.get(double.class, Workspace.COLS, k * tile);
            for (int i = from; i < to; i++) {
                int yi = i * oc * p;
                if (bias != null && !direct) {
                    for (int o = 0; o < oc; o++) {
                        Arrays.fill(y, yi + o * p, yi + (o + 1) * p, bias[bo + o]);
                    }
                }
                double beta = bias != null ? 1d : 0d;
                for (int q = 0; q < g.groups(); q++) {
                    int xq = xo + i * imageIn + q * groupIn, wq = wo + q * og * k, yq = yi + q * og * p;
                    if (direct) {
                        // A short patch: broadcast multiply-adds, the bias added in the same pass.
                        for (int p0 = 0; p0 < p; p0 += tile) {
                            int tp = Math.min(tile, p - p0);
                            if (!g.pointwise()) {
                                Im2col.unfold(g, x, xq, p0, p0 + tp, cols);
                            }
                            dotForward(k, og, tp, w, wq, g.pointwise() ? x : cols, g.pointwise() ? xq + p0 : 0, g.pointwise() ? p : tp,
                                    bias, bo + q * og, y, yq + p0, p);
                        }
                        continue;
                    }
                    if (g.pointwise()) {
                        Gemm.dgemm(false, false, og, p, k, 1d, w, wq, k, x, xq, p, beta, y, yq, p);
                        continue;
                    }
                    for (int p0 = 0; p0 < p; p0 += tile) {
                        int tp = Math.min(tile, p - p0);
                        Im2col.unfold(g, x, xq, p0, p0 + tp, cols);
                        Gemm.dgemm(false, false, og, tp, k, 1d, w, wq, k, cols, 0, tp, beta, y, yq + p0, p);
                    }
                }
            }
        });
    }

    /**
     * dx = the gradient of Σ dy ⊙ conv(x, w) with respect to x, in float64: {@code dx[0 .. N·C·H·W)}
     * must hold zeros on entry (a fresh array): the windows' contributions are added into it.
     */
    public static void backwardInput(ConvGeometry g, double[] dy, int dyo, double[] w, int wo, double[] dx) {
        int n = g.batch(), p = g.outPlane(), k = g.patch(), og = g.groupOutChannels(), oc = g.outChannels();
        int imageIn = g.channels() * g.plane(), groupIn = g.groupChannels() * g.plane();
        int tile = tileWidth(g);
        Parallel.forRange(n, 1, (from, to) -> {
            double[] cols = g.pointwise() ? null : (double[]) Workspace.get(double.class, Workspace.COLS, k * tile);
            for (int i = from; i < to; i++) {
                for (int q = 0; q < g.groups(); q++) {
                    int xq = i * imageIn + q * groupIn, wq = wo + q * og * k, dq = dyo + i * oc * p + q * og * p;
                    if (g.pointwise()) {
                        // dx_q [Cg, HW] = w_qᵀ [Cg, Og] · dy_q [Og, HW]
                        Gemm.dgemm(true, false, k, p, og, 1d, w, wq, k, dy, dq, p, 0d, dx, xq, p);
                        continue;
                    }
                    for (int p0 = 0; p0 < p; p0 += tile) {
                        int tp = Math.min(tile, p - p0);
                        Gemm.dgemm(true, false, k, tp, og, 1d, w, wq, k, dy, dq + p0, p, 0d, cols, 0, tp);
                        Im2col.fold(g, cols, p0, p0 + tp, dx, xq);
                    }
                }
            }
        });
    }

    /**
     * dw = the gradient of Σ dy ⊙ conv(x, w) with respect to w, in float64: {@code [O, Cg·kH·kW]}
     * written to {@code dw[0 ..)}, previous contents overwritten. Each product is computed
     * transposed, {@code dwᵀ_q [Cg·kH·kW, Og] = cols_q · dy_qᵀ}, so that the large unfolded
     * matrix enters the GEMM as it lies and only the small gradient is read transposed. The batch
     * is cut into {@link #weightSlices} slices, each summed into its own block, and the blocks are
     * added in slice order: the result does not depend on which thread ran which slice. When
     * {@code db} is not null, the bias gradient Σ_n Σ_p dy[n, o, p] is written there too, summed
     * (in float64) as dy is transposed, so it costs no pass of its own.
     */
    public static void backwardWeight(ConvGeometry g, double[] x, int xo, double[] dy, int dyo, double[] dw, double[] db) {
        int n = g.batch(), p = g.outPlane(), k = g.patch(), og = g.groupOutChannels(), oc = g.outChannels(), groups = g.groups();
        int imageIn = g.channels() * g.plane(), groupIn = g.groupChannels() * g.plane(), plane = g.plane();
        int tile = tileWidth(g), block = oc * k, slices = weightSlices(g);
        boolean pointwise = g.pointwise(), direct = directWeightGrad(g, x);
        if (n == 0) {
            Arrays.fill(dw, 0, block, 0d);
            if (db != null) {
                Arrays.fill(db, 0, oc, 0d);
            }
            return;
        }
        // Slice s sums dwᵀ [k, oc] (group q in columns q·og ..) at s·block, and the bias gradient at s·oc.
        double[] partial = (double[]) Workspace.get(double.class, Workspace.PARTIALS, slices * block);
        double[] biasSums = db == null ? null : (double[]) Workspace.get(double.class, Workspace.BIAS, slices * oc);
        if (biasSums != null) {
            Arrays.fill(biasSums, 0, slices * oc, 0);
        }
        Parallel.forRange(slices, 1, (from, to) -> {
            double[] cols = pointwise ? null : (double[]) Workspace.get(double.class, Workspace.COLS, k * tile);
            double[] dyT = (double[]) Workspace.get(double.class, Workspace.GRAD_T, og * tile);
            for (int s = from; s < to; s++) {
                int first = (int) ((long) s * n / slices), last = (int) ((long) (s + 1) * n / slices);
                for (int i = first; i < last; i++) {
                    for (int q = 0; q < groups; q++) {
                        int xq = xo + i * imageIn + q * groupIn, dq = dyo + i * oc * p + q * og * p, aq = s * block + q * og;
                        for (int p0 = 0; p0 < p; p0 += tile) {
                            int tp = Math.min(tile, p - p0);
                            double beta = i == first && p0 == 0 ? 0d : 1d;
                            if (direct) {
                                // Few filters, a small patch: dot products, no GEMM.
                                if (biasSums != null) {
                                    rowSums(dy, dq + p0, p, og, tp, biasSums, s * oc + q * og);
                                }
                                if (!pointwise) {
                                    Im2col.unfold(g, x, xq, p0, p0 + tp, cols);
                                }
                                dotWeightGrad(k, og, tp, pointwise ? x : cols, pointwise ? xq + p0 : 0, pointwise ? plane : tp,
                                        dy, dq + p0, p, partial, aq, oc, beta != 0d);
                                continue;
                            }
                            // dyᵀ as a plain [tp, og] matrix: the GEMM packs a transposed operand element by element.
                            transpose(dy, dq + p0, p, og, tp, dyT, biasSums, s * oc + q * og);
                            if (pointwise) {
                                // dwᵀ_q [Cg, Og] (+)= x_q [Cg, HW] · dy_qᵀ [HW, Og]
                                Gemm.dgemm(false, false, k, og, tp, 1d, x, xq + p0, plane, dyT, 0, og, beta, partial, aq, oc);
                            } else {
                                Im2col.unfold(g, x, xq, p0, p0 + tp, cols);
                                Gemm.dgemm(false, false, k, og, tp, 1d, cols, 0, tp, dyT, 0, og, beta, partial, aq, oc);
                            }
                        }
                    }
                }
            }
        });
        // dw[o, r] = Σ_s partial[s][r, o], slices in order.
        for (int o = 0; o < oc; o++) {
            for (int r = 0; r < k; r++) {
                double sum = partial[r * oc + o];
                for (int s = 1; s < slices; s++) {
                    sum += partial[s * block + r * oc + o];
                }
                dw[o * k + r] = sum;
            }
        }
        if (db != null) {
            for (int o = 0; o < oc; o++) {
                double sum = 0;
                for (int s = 0; s < slices; s++) {
                    sum += biasSums[s * oc + o];
                }
                db[o] = (double) sum;
            }
        }
    }

    /**
     * t[j·rows + i] = a[ao + i·lda + j] for i < rows, j < cols: a rows x cols block, transposed
     * into t [cols, rows]; when {@code sums} is not null, each row's sum is added to sums[so + i].
     */
    static void transpose(double[] a, int ao, int lda, int rows, int cols, double[] t, double[] sums, int so) {
        // Writes in order; the reads walk the rows' cache lines, which stay in L1 for a few dozen rows.
        for (int j = 0, dst = 0; j < cols; j++) {
            for (int i = 0, src = ao + j; i < rows; i++, src += lda) {
                t[dst++] = a[src];
            }
        }
        if (sums != null) {
            rowSums(a, ao, lda, rows, cols, sums, so);
        }
    }

    /** sums[so + i] += Σ_j a[ao + i·lda + j] for i < rows, j < cols. */
    static void rowSums(double[] a, int ao, int lda, int rows, int cols, double[] sums, int so) {
        for (int i = 0; i < rows; i++) {
            sums[so + i] += rowSum(a, ao + i * lda, cols);
        }
    }

    /** db[o] = Σ_n Σ_p dy[n, o, p] over {@code channels} channels of {@code plane} positions each: writes db[0 .. channels). */
    public static void biasGrad(int batch, int channels, int plane, double[] dy, int dyo, double[] db) {
        for (int o = 0; o < channels; o++) {
            double total = 0d;
            for (int i = 0; i < batch; i++) {
                total += rowSum(dy, dyo + (i * channels + o) * plane, plane);
            }
            db[o] = total;
        }
    }

    /** Σ a[from .. from + n) with four running sums (independent additions pipeline; a single sum waits on each). */
    static double sum(double[] a, int from, int n) {
        double s0 = 0d, s1 = 0d, s2 = 0d, s3 = 0d;
        int j = 0;
        for (; j + 4 <= n; j += 4) {
            s0 += a[from + j];
            s1 += a[from + j + 1];
            s2 += a[from + j + 2];
            s3 += a[from + j + 3];
        }
        for (; j < n; j++) {
            s0 += a[from + j];
        }
        return (s0 + s1) + (s2 + s3);
    }
    // twin: end

    /** Σ a[from .. from + n) in float32: {@link ConvVector#sum}'s vector lanes when the Vector API is present, else {@link #sum}'s four sums. */
    static float rowSum(float[] a, int from, int n) {
        return VectorModule.AVAILABLE ? ConvVector.sum(a, from, n) : sum(a, from, n);
    }

    /** float64: {@link #sum}'s four running sums. */
    private static double rowSum(double[] a, int from, int n) {
        return sum(a, from, n);
    }

    /** Whether the float32 forward product of g takes {@link ConvVector#forward}'s multiply-adds instead of the GEMM. */
    static boolean directForward(ConvGeometry g, float[] x) {
        return VectorModule.AVAILABLE && ConvVector.suitsForward(g.patch());
    }

    /** float64 always takes the GEMM. */
    private static boolean directForward(ConvGeometry g, double[] x) {
        return false;
    }

    private static void dotForward(int k, int og, int tp, float[] w, int wo, float[] a, int ao, int lda, float[] bias, int bo,
                                   float[] y, int yo, int ldy) {
        ConvVector.forward(k, og, tp, w, wo, a, ao, lda, bias, bo, y, yo, ldy);
    }

    /** The float64 counterpart, never chosen ({@link #directForward(ConvGeometry, double[])}); plain sums. */
    private static void dotForward(int k, int og, int tp, double[] w, int wo, double[] a, int ao, int lda, double[] bias, int bo,
                                   double[] y, int yo, int ldy) {
        for (int o = 0; o < og; o++) {
            for (int p = 0; p < tp; p++) {
                double s = 0;
                for (int r = 0; r < k; r++) {
                    s += w[wo + o * k + r] * a[ao + r * lda + p];
                }
                y[yo + o * ldy + p] = bias != null ? s + bias[bo + o] : s;
            }
        }
    }

    /** Whether the float32 weight gradient of g takes {@link ConvVector}'s dot products instead of the GEMM. */
    static boolean directWeightGrad(ConvGeometry g, float[] x) {
        return VectorModule.AVAILABLE && ConvVector.suitsWeightGrad(g.groupOutChannels(), g.patch());
    }

    /** float64 always takes the GEMM. */
    private static boolean directWeightGrad(ConvGeometry g, double[] x) {
        return false;
    }

    private static void dotWeightGrad(int k, int og, int tp, float[] a, int ao, int lda, float[] dy, int dyo, int ldy,
                                      float[] out, int oo, int ldo, boolean accumulate) {
        ConvVector.weightGrad(k, og, tp, a, ao, lda, dy, dyo, ldy, out, oo, ldo, accumulate);
    }

    /** The float64 counterpart, never chosen ({@link #directWeightGrad(ConvGeometry, double[])}); plain dot products. */
    private static void dotWeightGrad(int k, int og, int tp, double[] a, int ao, int lda, double[] dy, int dyo, int ldy,
                                      double[] out, int oo, int ldo, boolean accumulate) {
        for (int r = 0; r < k; r++) {
            for (int o = 0; o < og; o++) {
                double sum = 0;
                for (int p = 0; p < tp; p++) {
                    sum += a[ao + r * lda + p] * dy[dyo + o * ldy + p];
                }
                out[oo + r * ldo + o] = accumulate ? out[oo + r * ldo + o] + sum : sum;
            }
        }
    }
}
