package io.backprop4j.tensor;

import io.backprop4j.BackpropException;
import io.backprop4j.internal.kernel.Parallel;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

/**
 * Plain loops over tensor storage shared by the ops: strided gathers, broadcast binary arithmetic,
 * elementwise maps and row reductions. Every result is a new contiguous tensor; inputs are never
 * modified (except by {@link #axpy}, which says so).
 */
final class Loops {
    private Loops() {}

    /** The four arithmetic operations with their own tight loops (they dominate training time). */
    enum Arith { ADD, SUB, MUL, DIV }

    /**
     * Copies the strided elements of {@code src} into a new row-major array; from {@link
     * #PARALLEL_ELEMENTS} elements on, blocks of rows over the pool (a transpose of a sequence
     * model's activations was a tenth of its step on the main thread).
     */
    static float[] gather(float[] src, int[] shape, int[] strides, int offset) {
        float[] out = new float[Shapes.numel(shape)];
        gatherInto(src, shape, strides, offset, out, 0);
        return out;
    }

    /** {@link #gather(float[], int[], int[], int)} into out from outOff on (the elements in row-major order). */
    static void gatherInto(float[] src, int[] shape, int[] strides, int offset, float[] out, int outOff) {
        int n = Shapes.numel(shape);
        if (n == 0) return;
        int r = shape.length;
        if (r == 0) { out[outOff] = src[offset]; return; }
        int inner = shape[r - 1], rows = n / inner;
        if (n < PARALLEL_ELEMENTS || rows < 2) {
            gatherRows(src, shape, strides, offset, out, outOff, 0, rows);
        } else {
            Parallel.forRange(rows, Math.max(1, CHUNK / inner), (from, to) -> gatherRows(src, shape, strides, offset, out, outOff, from, to));
        }
    }

    /** Rows [from, to) (of the last dimension) of {@link #gatherInto}. */
    private static void gatherRows(float[] src, int[] shape, int[] strides, int offset, float[] out, int outOff, int from, int to) {
        int r = shape.length, inner = shape[r - 1], si = strides[r - 1];
        // the odometer at row `from`
        int[] idx = new int[r];
        int off = offset;
        for (int k = r - 2, rest = from; k >= 0; k--) {
            idx[k] = rest % shape[k];
            rest /= shape[k];
            off += idx[k] * strides[k];
        }
        for (int row = from, o = outOff + from * inner; row < to; row++, o += inner) {
            // Rows whose elements lie together (a transpose of the outer dimensions) are one copy:
            // C2 does not vectorise the strided loop, whose stride it cannot know.
            if (si == 1) System.arraycopy(src, off, out, o, inner);
            else for (int j = 0; j < inner; j++) out[o + j] = src[off + j * si];
            off = advance(idx, shape, strides, off);
        }
    }

    /** Copies the strided elements of {@code src} into a new row-major array. */
    static double[] gather(double[] src, int[] shape, int[] strides, int offset) {
        double[] out = new double[Shapes.numel(shape)];
        if (out.length == 0) return out;
        int r = shape.length;
        if (r == 0) { out[0] = src[offset]; return out; }
        int inner = shape[r - 1], si = strides[r - 1];
        int[] idx = new int[r];
        int off = offset;
        for (int o = 0; o < out.length; o += inner) {
            if (si == 1) System.arraycopy(src, off, out, o, inner);
            else for (int j = 0; j < inner; j++) out[o + j] = src[off + j * si];
            off = advance(idx, shape, strides, off);
        }
        return out;
    }

    /** Odometer step over all dims but the last; returns the new offset. */
    private static int advance(int[] idx, int[] shape, int[] strides, int off) {
        for (int k = shape.length - 2; k >= 0; k--) {
            idx[k]++;
            off += strides[k];
            if (idx[k] < shape[k]) return off;
            off -= strides[k] * shape[k];
            idx[k] = 0;
        }
        return off;
    }

    /** Strides of {@code t} seen in the broadcast shape {@code out}: 0 where t is broadcast. */
    static int[] broadcastStrides(Tensor t, int[] out) {
        int[] shape = t.shape(), strides = t.strides();
        int[] bs = new int[out.length];
        int lead = out.length - shape.length;
        for (int i = 0; i < shape.length; i++) bs[lead + i] = shape[i] == 1 ? 0 : strides[i];
        return bs;
    }

    /** Checks both tensors have one dtype; mixing float32 and float64 needs an explicit to(). */
    static DType sameDType(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) throw mixedDTypes(op, a.dtype(), b.dtype());
        return a.dtype();
    }

    /** Elements of a float32 elementwise op from which it is split over the pool, in chunks of {@link #CHUNK}. */
    static final int PARALLEL_ELEMENTS = 1 << 16;
    static final int CHUNK = 1 << 14;

    /** a (op) b elementwise with broadcasting; a new contiguous tensor. */
    static Tensor arith(String op, Arith fn, Tensor a, Tensor b) {
        DType dt = sameDType(op, a, b);
        int[] outShape = Shapes.broadcast(op, a.shape(), b.shape());
        // every element written below (a kept array's old values never show)
        Tensor out = Recycler.uninitialized(dt, outShape);
        int n = out.numel();
        if (n == 0) return out;
        int r = outShape.length;
        int[] sa = broadcastStrides(a, outShape), sb = broadcastStrides(b, outShape);
        if (r == 0) {
            out.setFlat(0, apply(fn, a.getFlat(0), b.getFlat(0)));
            return out;
        }
        // Collapse to rows of the last dim; contiguous same-shape inputs become one long row.
        int inner = outShape[r - 1];
        boolean flat = a.isContiguous() && b.isContiguous() && java.util.Arrays.equals(a.shape(), b.shape());
        if (flat) inner = n;
        int ia = flat ? 1 : sa[r - 1], ib = flat ? 1 : sb[r - 1];
        int[] idx = new int[r];
        int offA = a.offset(), offB = b.offset();
        if (dt == DType.FLOAT32 && flat && n >= PARALLEL_ELEMENTS) {
            // one long row (a residual connection's [1024, 64]): in chunks over the pool, each element as the row loop computes it
            float[] x = a.floatArray(), y = b.floatArray(), o = out.floatArray();
            int xa = offA, yb = offB;
            Parallel.forRange((n + CHUNK - 1) / CHUNK, 1, (from, to) -> {
                for (int c = from; c < to; c++) {
                    int at = c * CHUNK;
                    rowF(fn, x, xa + at, 1, y, yb + at, 1, o, at, Math.min(CHUNK, n - at));
                }
            });
            return out;
        }
        if (dt == DType.FLOAT32) {
            float[] x = a.floatArray(), y = b.floatArray(), o = out.floatArray();
            for (int base = 0; base < n; base += inner) {
                rowF(fn, x, offA, ia, y, offB, ib, o, base, inner);
                if (!flat) {
                    for (int k = r - 2; k >= 0; k--) {
                        idx[k]++;
                        offA += sa[k];
                        offB += sb[k];
                        if (idx[k] < outShape[k]) break;
                        offA -= sa[k] * outShape[k];
                        offB -= sb[k] * outShape[k];
                        idx[k] = 0;
                    }
                }
            }
        } else {
            double[] x = a.doubleArray(), y = b.doubleArray(), o = out.doubleArray();
            for (int base = 0; base < n; base += inner) {
                rowD(fn, x, offA, ia, y, offB, ib, o, base, inner);
                if (!flat) {
                    for (int k = r - 2; k >= 0; k--) {
                        idx[k]++;
                        offA += sa[k];
                        offB += sb[k];
                        if (idx[k] < outShape[k]) break;
                        offA -= sa[k] * outShape[k];
                        offB -= sb[k] * outShape[k];
                        idx[k] = 0;
                    }
                }
            }
        }
        return out;
    }

    private static double apply(Arith fn, double x, double y) {
        return switch (fn) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y;
        };
    }

    private static void rowF(Arith fn, float[] x, int xo, int sx, float[] y, int yo, int sy, float[] o, int oo, int n) {
        if (sx == 1 && sy == 1) {
            switch (fn) {
                case ADD -> { for (int j = 0; j < n; j++) o[oo + j] = x[xo + j] + y[yo + j]; }
                case SUB -> { for (int j = 0; j < n; j++) o[oo + j] = x[xo + j] - y[yo + j]; }
                case MUL -> { for (int j = 0; j < n; j++) o[oo + j] = x[xo + j] * y[yo + j]; }
                case DIV -> { for (int j = 0; j < n; j++) o[oo + j] = x[xo + j] / y[yo + j]; }
            }
            return;
        }
        switch (fn) {
            case ADD -> { for (int j = 0; j < n; j++) o[oo + j] = x[xo + j * sx] + y[yo + j * sy]; }
            case SUB -> { for (int j = 0; j < n; j++) o[oo + j] = x[xo + j * sx] - y[yo + j * sy]; }
            case MUL -> { for (int j = 0; j < n; j++) o[oo + j] = x[xo + j * sx] * y[yo + j * sy]; }
            case DIV -> { for (int j = 0; j < n; j++) o[oo + j] = x[xo + j * sx] / y[yo + j * sy]; }
        }
    }

    private static void rowD(Arith fn, double[] x, int xo, int sx, double[] y, int yo, int sy, double[] o, int oo, int n) {
        if (sx == 1 && sy == 1) {
            switch (fn) {
                case ADD -> { for (int j = 0; j < n; j++) o[oo + j] = x[xo + j] + y[yo + j]; }
                case SUB -> { for (int j = 0; j < n; j++) o[oo + j] = x[xo + j] - y[yo + j]; }
                case MUL -> { for (int j = 0; j < n; j++) o[oo + j] = x[xo + j] * y[yo + j]; }
                case DIV -> { for (int j = 0; j < n; j++) o[oo + j] = x[xo + j] / y[yo + j]; }
            }
            return;
        }
        switch (fn) {
            case ADD -> { for (int j = 0; j < n; j++) o[oo + j] = x[xo + j * sx] + y[yo + j * sy]; }
            case SUB -> { for (int j = 0; j < n; j++) o[oo + j] = x[xo + j * sx] - y[yo + j * sy]; }
            case MUL -> { for (int j = 0; j < n; j++) o[oo + j] = x[xo + j * sx] * y[yo + j * sy]; }
            case DIV -> { for (int j = 0; j < n; j++) o[oo + j] = x[xo + j * sx] / y[yo + j * sy]; }
        }
    }

    /** A new contiguous tensor of {@code dtype} holding {@code values} (adopted for float64 storage, converted for float32). */
    static Tensor fromDoubles(double[] values, DType dtype, int... shape) {
        if (dtype != DType.FLOAT32) {
            Shapes.checkData(values.length, shape);
            return Tensor.wrap(values, dtype, shape.clone());
        }
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) values[i];
        return Tensor.of(f, shape);
    }

    /** f(x) elementwise; a new contiguous tensor. */
    static Tensor map(Tensor x, DoubleUnaryOperator fn) {
        Tensor c = x.contiguousData();
        Tensor out = Tensor.zeros(x.dtype(), x.shape());
        int n = out.numel(), off = c.offset();
        if (x.dtype() == DType.FLOAT32) {
            float[] s = c.floatArray(), o = out.floatArray();
            for (int i = 0; i < n; i++) o[i] = (float) fn.applyAsDouble(s[off + i]);
        } else {
            double[] s = c.doubleArray(), o = out.doubleArray();
            for (int i = 0; i < n; i++) o[i] = fn.applyAsDouble(s[off + i]);
        }
        return out;
    }

    /** f(x, y) elementwise for tensors of one shape; a new contiguous tensor. */
    static Tensor zip(Tensor x, Tensor y, DoubleBinaryOperator fn) {
        if (!java.util.Arrays.equals(x.shape(), y.shape())) {
            throw new io.backprop4j.ShapeException("zip: shapes " + Shapes.str(x.shape()) + " and " + Shapes.str(y.shape()) + " differ");
        }
        sameDType("zip", x, y);
        Tensor cx = x.contiguousData(), cy = y.contiguousData();
        Tensor out = Tensor.zeros(x.dtype(), x.shape());
        int n = out.numel(), ox = cx.offset(), oy = cy.offset();
        if (x.dtype() == DType.FLOAT32) {
            float[] a = cx.floatArray(), b = cy.floatArray(), o = out.floatArray();
            for (int i = 0; i < n; i++) o[i] = (float) fn.applyAsDouble(a[ox + i], b[oy + i]);
        } else {
            double[] a = cx.doubleArray(), b = cy.doubleArray(), o = out.doubleArray();
            for (int i = 0; i < n; i++) o[i] = fn.applyAsDouble(a[ox + i], b[oy + i]);
        }
        return out;
    }

    /** y += alpha * x for contiguous tensors of one shape and dtype. Modifies {@code y}. */
    static void axpy(Tensor y, Tensor x, double alpha) {
        int n = y.numel(), oy = y.offset(), ox = x.offset();
        if (y.dtype() == DType.FLOAT32) {
            float[] a = y.floatArray(), b = x.floatArray();
            float al = (float) alpha;
            for (int i = 0; i < n; i++) a[oy + i] += al * b[ox + i];
        } else {
            double[] a = y.doubleArray(), b = x.doubleArray();
            for (int i = 0; i < n; i++) a[oy + i] += alpha * b[ox + i];
        }
    }

    /**
     * Moves the dims in {@code reduce} to the end and returns the contiguous data, so that each
     * output element owns one contiguous block of {@code blockSize(...)} inputs.
     */
    static Tensor reduceLayout(Tensor x, boolean[] reduce) {
        int r = x.rank();
        int[] perm = new int[r];
        int k = 0;
        for (int i = 0; i < r; i++) if (!reduce[i]) perm[k++] = i;
        for (int i = 0; i < r; i++) if (reduce[i]) perm[k++] = i;
        int[] shape = x.shape(), strides = x.strides();
        int[] ps = new int[r], pt = new int[r];
        for (int i = 0; i < r; i++) { ps[i] = shape[perm[i]]; pt[i] = strides[perm[i]]; }
        return x.view(ps, pt, x.offset()).contiguousData();
    }

    /** Sum of each contiguous block of {@code block} elements, accumulated in double. */
    static Tensor blockSums(Tensor c, int block, int[] outShape) {
        Tensor out = Tensor.zeros(c.dtype(), outShape);
        int groups = out.numel(), off = c.offset();
        if (c.dtype() == DType.FLOAT32) {
            float[] s = c.floatArray(), o = out.floatArray();
            for (int g = 0; g < groups; g++) {
                double acc = 0;
                for (int j = 0, b = off + g * block; j < block; j++) acc += s[b + j];
                o[g] = (float) acc;
            }
        } else {
            double[] s = c.doubleArray(), o = out.doubleArray();
            for (int g = 0; g < groups; g++) {
                double acc = 0;
                for (int j = 0, b = off + g * block; j < block; j++) acc += s[b + j];
                o[g] = acc;
            }
        }
        return out;
    }

    /** The inputs' values in their broadcast shape, row-major, for ops on several tensors that are not hot paths. */
    record Broadcast(int[] shape, double[][] values) {
        int size() { return values[0].length; }
    }

    /** Broadcasts the inputs (NumPy's rules, the error naming op) and reads their values. */
    static Broadcast broadcast(String op, Tensor... inputs) {
        int[] shape = inputs[0].shape();
        for (int i = 1; i < inputs.length; i++) shape = Shapes.broadcast(op, shape, inputs[i].shape());
        double[][] values = new double[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = inputs[i];
            values[i] = t.view(shape, broadcastStrides(t, shape), t.offset()).toDoubleArray();
        }
        return new Broadcast(shape, values);
    }

    /** Two doubles to a truth value. */
    @FunctionalInterface
    interface Comparison {
        boolean test(double a, double b);
    }

    /** a (test) b elementwise with broadcasting: a bool tensor, never recorded. */
    static Tensor compare(String op, Tensor a, Tensor b, Comparison test) {
        Broadcast in = broadcast(op, a, b);
        double[] x = in.values()[0], y = in.values()[1], out = new double[in.size()];
        for (int i = 0; i < out.length; i++) out[i] = test.test(x[i], y[i]) ? 1 : 0;
        return Tensor.wrap(out, DType.BOOL, in.shape());
    }

    /**
     * Refuses values outside [lo, hi] (NaN passes: it is a diverged computation, which the
     * trainer reports as such), naming the op, what the values are, the first bad position and
     * the value.
     */
    static void checkRange(String op, Tensor t, double lo, double hi, String what, String hint) {
        double[] v = t.toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            if (v[i] < lo || v[i] > hi) {
                throw new BackpropException(op + ": " + what + " at " + Shapes.position(t.shape(), i) + " is " + v[i] + "; " + hint);
            }
        }
    }

    /** The error for two operands of different dtypes, naming both conversions that would fit. */
    static BackpropException mixedDTypes(String op, DType first, DType second) {
        return new BackpropException(op + ": a " + first + " and a " + second + " tensor; convert the second with .to(DType."
                + first.name() + "), or the first with .to(DType." + second.name() + ")");
    }
}
