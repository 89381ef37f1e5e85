package io.backprop4j.infer;

import io.backprop4j.internal.Storage;
import io.backprop4j.internal.kernel.Gemm;
import io.backprop4j.internal.kernel.PackedGemv;
import io.backprop4j.internal.kernel.Parallel;
import io.backprop4j.internal.kernel.VectorMath;
import io.backprop4j.nn.Linear;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;

/**
 * A run of float32 {@link Linear} layers, each with or without the ReLU after it, in buffers kept
 * between calls: every layer writes the bias first and adds {@code x W} on top (what {@code
 * Linear.forward} does, so the same floats), then applies its ReLU in place while the rows are in
 * cache.
 *
 * <ul>
 *   <li>Batch 1 to 4 ({@link PackedGemv}'s products): each weight packed in panels once; a layer
 *       of at least {@link #SPLIT_WEIGHTS} weights has its output columns split in two, the
 *       second half on the {@link Handoff} helper (the first layer of the fmnist MLP is 1.6 MB of
 *       weights: each core streams half of it, from its own cache when the calls repeat).
 *   <li>Larger batches: the rows are split into one block per thread (boundaries on multiples of
 *       8 rows), and each thread takes its block through every layer of the run, one hand-off per
 *       call instead of one per layer. A block's product is {@code Gemm.sgemm} on its rows, which
 *       gives each row the floats of the whole batch's product as long as the block takes the
 *       same kernel: blocks of at least {@link #MIN_BLOCK_ROWS} rows and {@link #MIN_BLOCK_WORK}
 *       multiply-adds per layer, else the batch stays whole.
 * </ul>
 */
final class DenseChain implements PlanStep {
    /** Weights (in x out) from which a batch-1 layer is split between two threads. */
    static final long SPLIT_WEIGHTS = 1L << 16;
    /** Rows of a block at least: past Gemm's matrix-vector kernel (up to 4 rows), whose sums are chained as the packed kernel's are, but whose path we do not rely on. */
    static final int MIN_BLOCK_ROWS = 8;
    /** Multiply-adds of a block's product at least (Gemm's plain loops stop at 512; a smaller block is not worth a thread anyway). */
    static final long MIN_BLOCK_WORK = 1L << 16;

    private final Layer[] layers;
    /** The row blocks past batch 4 (the column split at batch 1-4 is the plan's call: it passes the helper); off for A/B timings only. */
    private final boolean split;

    DenseChain(Layer[] layers, boolean split) {
        this.layers = layers;
        this.split = split;
    }

    int size() {
        return layers.length;
    }

    @Override
    public boolean owns(float[] data) {
        for (Layer l : layers) if (l.owns(data)) return true;
        return false;
    }

    /** How many layers run through the packed matrix-vector kernel at batch {@code m}. */
    int packedLayers(int m) {
        int n = 0;
        for (Layer l : layers) if (l.packs(m)) n++;
        return n;
    }

    /** How many blocks of rows batch {@code m} is split into. */
    int rowBlocks(int m) {
        return split && m > InferencePlan.ONE_THREAD_BATCH ? blocks(m) : 1;
    }

    @Override
    public Tensor run(Tensor x, Handoff helper) {
        int m = x.rank() == 2 ? x.size(0) : -1;
        Layer first = layers[0];
        if (x.dtype() != DType.FLOAT32 || m < 1 || x.size(1) != first.in || !matrices()) {
            // the layers' own forward (and messages) for anything else
            Tensor h = x;
            for (Layer l : layers) h = l.generic(h);
            return h;
        }
        Tensor xc = x.contiguous();
        float[] a = Storage.floats(xc);
        int aOff = xc.offset();
        if (m <= InferencePlan.ONE_THREAD_BATCH) {
            Tensor h = null;
            for (Layer l : layers) {
                h = l.small(m, a, aOff, helper);
                a = Storage.floats(h);
                aOff = 0;
            }
            return h;
        }
        for (Layer l : layers) l.prepareLarge(m);
        int blocks = blocks(m);
        if (!split) {
            // the old path: Linear's own product, one layer after another
            for (Layer l : layers) {
                l.rows(a, aOff, m, Storage.floats(l.large), 0);
                a = Storage.floats(l.large);
                aOff = 0;
            }
        } else if (blocks == 1) {
            largeRows(a, aOff, 0, m);
        } else {
            int rows = (m + blocks - 1) / blocks;
            int per = (rows + MIN_BLOCK_ROWS - 1) / MIN_BLOCK_ROWS * MIN_BLOCK_ROWS;
            float[] a0 = a;
            int aOff0 = aOff;
            Parallel.forRange(blocks, 1, (from, to) -> {
                for (int b = from; b < to; b++) largeRows(a0, aOff0, b * per, Math.min(m, (b + 1) * per));
            });
        }
        return layers[layers.length - 1].large;
    }

    /** Whether every weight is a matrix (a layer's weight replaced by something else runs its own forward). */
    private boolean matrices() {
        for (Layer l : layers) if (l.linear.weight().rank() != 2) return false;
        return true;
    }

    /** One block per thread, when every block (multiples of 8 rows, the last one shorter) is large enough for each layer; else 1. */
    private int blocks(int m) {
        int threads = Parallel.threads();
        if (threads < 2) return 1;
        int rows = (m + threads - 1) / threads;
        int per = (rows + MIN_BLOCK_ROWS - 1) / MIN_BLOCK_ROWS * MIN_BLOCK_ROWS;
        int blocks = (m + per - 1) / per;
        int last = m - (blocks - 1) * per;
        if (blocks < 2 || last < MIN_BLOCK_ROWS) return 1;
        for (Layer l : layers) if ((long) last * l.in * l.out < MIN_BLOCK_WORK) return 1;
        return blocks;
    }

    /** Rows [r0, r1) through every layer, on this thread. */
    private void largeRows(float[] a, int aOff, int r0, int r1) {
        for (Layer l : layers) {
            l.largeRows(a, aOff, r0, r1);
            a = Storage.floats(l.large);
            aOff = 0;
        }
    }

    /** One Linear (float32) and the ReLU after it when {@code relu}. */
    static final class Layer implements Handoff.Task {
        private final Linear linear;
        private final boolean relu;
        final int in, out;
        private float[] packed;
        private int weightVersion = -1;
        /** The weight packed for Gemm's kernel (batches past 4), and the weight's version then. */
        private Gemm.PackedB gemmB;
        private int gemmVersion = -1;
        /** One buffer per batch size 1..4. */
        private final Tensor[] buffers = new Tensor[InferencePlan.ONE_THREAD_BATCH + 1];
        /** The output of the last larger batch, reused while the batch size stays. */
        private Tensor large;
        // the product being split: its rows, input, bias and output (set by small before the hand-off)
        private int taskRows, taskOff, biasOff;
        private float[] taskA, taskBias, taskY;
        private int half;

        Layer(Linear linear, boolean relu) {
            this.linear = linear;
            this.relu = relu;
            this.in = linear.inFeatures();
            this.out = linear.outFeatures();
        }

        boolean owns(float[] data) {
            for (Tensor t : buffers) if (t != null && Storage.floats(t) == data) return true;
            return large != null && Storage.floats(large) == data;
        }

        boolean packs(int m) {
            return m >= 1 && m <= InferencePlan.ONE_THREAD_BATCH && PackedGemv.applies(m, out, in);
        }

        /** The layer's own forward, then the ReLU. */
        Tensor generic(Tensor x) {
            Tensor y = linear.call(x);
            return relu ? y.relu() : y;
        }

        /** m <= 4 rows at a[aOff] into buffers[m]: the packed product (columns split with {@code helper} when it is large), or Linear's own. */
        Tensor small(int m, float[] a, int aOff, Handoff helper) {
            if (buffers[m] == null) buffers[m] = Tensor.zeros(DType.FLOAT32, m, out);
            float[] y = Storage.floats(buffers[m]);
            Tensor w = linear.weight(), b = linear.bias();
            if (!packs(m)) {
                rows(a, aOff, m, y, 0);
                return buffers[m];
            }
            if (packed == null || w.version() != weightVersion) {
                Tensor wc = w.contiguous();
                packed = PackedGemv.pack(Storage.floats(wc), wc.offset(), in, out);
                weightVersion = w.version();
            }
            Tensor bc = b == null ? null : b.contiguous();
            taskRows = m;
            taskA = a;
            taskOff = aOff;
            taskBias = bc == null ? null : Storage.floats(bc);
            biasOff = bc == null ? 0 : bc.offset();
            taskY = y;
            int lanes = PackedGemv.panelWidth() / 8;
            half = Math.min(out, (out / 2 + lanes - 1) / lanes * lanes);
            if (helper != null && (long) in * out >= SPLIT_WEIGHTS && half < out) {
                helper.split(this);
            } else {
                columns(0, out);
            }
            taskA = null;
            taskY = null;
            taskBias = null;
            return buffers[m];
        }

        /** Part 0: columns [0, half); part 1: [half, out). */
        @Override
        public void run(int part) {
            if (part == 0) columns(0, half);
            else columns(half, out);
        }

        /** Columns [j0, j1) of the product being run: the bias, the packed product on top, the ReLU. */
        private void columns(int j0, int j1) {
            int m = taskRows;
            float[] y = taskY;
            if (taskBias != null) {
                for (int i = 0; i < m; i++) System.arraycopy(taskBias, biasOff + j0, y, i * out + j0, j1 - j0);
            }
            PackedGemv.runColumns(m, out, in, taskA, taskOff, packed, taskBias != null ? 1f : 0f, y, 0, j0, j1);
            if (relu) {
                for (int i = 0; i < m; i++) VectorMath.leakyRelu(y, i * out + j0, y, i * out + j0, j1 - j0, 0f);
            }
        }

        /** The buffer for m > 4 rows, and the weight packed for Gemm's kernel (again when it changed). */
        void prepareLarge(int m) {
            if (large == null || large.size(0) != m) large = Tensor.zeros(DType.FLOAT32, m, out);
            Tensor w = linear.weight();
            if (gemmB == null || w.version() != gemmVersion) {
                Tensor wc = w.contiguous();
                gemmB = Gemm.packB(false, in, out, Storage.floats(wc), wc.offset(), out);
                gemmVersion = w.version();
            }
        }

        /**
         * Rows [r0, r1) of a larger batch, input rows at a[aOff + r * in], into the same rows of
         * {@link #large}: the bias, the product with the weight packed once ({@code Gemm.PackedB},
         * the floats of {@code Gemm.sgemm} on the weight as stored), the ReLU.
         */
        void largeRows(float[] a, int aOff, int r0, int r1) {
            int m = r1 - r0, yOff = r0 * out;
            float[] y = Storage.floats(large);
            float beta = biasRows(m, y, yOff);
            Gemm.sgemm(false, m, 1f, a, aOff + r0 * in, in, gemmB, beta, y, yOff, out);
            if (relu) VectorMath.leakyRelu(y, yOff, y, yOff, m * out, 0f);
        }

        /** Linear's own product for m rows (the bias first, {@code Gemm.sgemm} with beta 1 on top), then the ReLU, at y[yOff]. */
        private void rows(float[] a, int aOff, int m, float[] y, int yOff) {
            Tensor w = linear.weight().contiguous();
            float beta = biasRows(m, y, yOff);
            Gemm.sgemm(false, false, m, out, in, 1f, a, aOff, in, Storage.floats(w), w.offset(), out, beta, y, yOff, out);
            if (relu) VectorMath.leakyRelu(y, yOff, y, yOff, m * out, 0f);
        }

        /** Each of m rows of y from yOff starts as the bias; the beta for the product added on top (0 without a bias). */
        private float biasRows(int m, float[] y, int yOff) {
            Tensor b = linear.bias();
            if (b == null) return 0f;
            Tensor bc = b.contiguous();
            float[] bias = Storage.floats(bc);
            for (int i = 0; i < m; i++) System.arraycopy(bias, bc.offset(), y, yOff + i * out, out);
            return 1f;
        }
    }
}
