package io.backprop4j.tensor;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * An n-dimensional array of float32 or float64 numbers that records the operations made on it,
 * so that {@link #backward()} can compute gradients by reverse-mode differentiation.
 *
 * <p>Storage is row-major; {@link #shape()}, {@link #strides()} and {@link #offset()} say where
 * each element lies, so {@link #transpose}, {@link #permute}, {@link #narrow}, {@link #expand} and
 * (when possible) {@link #reshape} are views that share the data. Binary operations broadcast by
 * NumPy's rules. Operations never change their inputs; the few in-place methods say so in their
 * names ({@code fill_}, {@code addInPlace}...), are not recorded for autograd, and are meant for
 * optimisers and initialisers.
 *
 * <pre>{@code
 * var x = Tensor.of(new double[] {3, 1, -1, 2}, 1, 4);
 * var w = Tensor.randn(rng, DType.FLOAT64, 4, 3).requiresGrad(true);
 * var loss = x.matmul(w).leakyRelu(0.01).sum();
 * loss.backward();
 * w.grad();   // dloss/dw, shape [4, 3]
 * }</pre>
 */
public class Tensor {
    private final DType dtype;
    private final int[] shape;
    private final int[] strides;
    private final int offset;
    private final float[] f;
    private final double[] d;
    private final boolean contiguous;
    /** How many times the storage was changed in place; one counter shared by every view of it. */
    private final int[] version;

    private boolean requiresGrad;
    private Tensor grad;
    private Primitive gradFn;
    /** The versions of the tensors gradFn saved for its backward, when it recorded this tensor. */
    private int[] savedVersions;
    private boolean retainsGrad;
    /** The class of the op that computed this tensor, once backward has run it and let its graph go (its name only when asked). */
    private Class<? extends Primitive> releasedOp;

    // ---------------------------------------------------------------- construction

    private Tensor(DType dtype, float[] f, double[] d, int[] shape, int[] strides, int offset, int[] version) {
        this.version = version;
        this.dtype = dtype;
        this.f = f;
        this.d = d;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.contiguous = computeContiguous(shape, strides);
    }

    /**
     * Adopts another tensor's storage, shape and strides; for subclasses such as
     * {@code io.backprop4j.nn.Parameter}. The new tensor is a leaf.
     */
    protected Tensor(Tensor data) {
        this(data.dtype, data.f, data.d, data.shape, data.strides, data.offset, data.version);
    }

    /** A float32 tensor over {@code data} (not copied) with the given shape. */
    public static Tensor of(float[] data, int... shape) {
        need(data, "Tensor.of", "data");
        Shapes.checkData(data.length, shape);
        return new Tensor(DType.FLOAT32, data, null, shape.clone(), Shapes.contiguousStrides(shape), 0, new int[1]);
    }

    /** A float64 tensor over {@code data} (not copied) with the given shape. */
    public static Tensor of(double[] data, int... shape) {
        need(data, "Tensor.of", "data");
        Shapes.checkData(data.length, shape);
        return new Tensor(DType.FLOAT64, null, data, shape.clone(), Shapes.contiguousStrides(shape), 0, new int[1]);
    }

    /** An int64 tensor holding {@code values} (copied) with the given shape; |value| ≤ 2⁵³ (see {@link DType#INT64}). */
    public static Tensor of(long[] values, int... shape) {
        need(values, "Tensor.of", "values");
        Shapes.checkData(values.length, shape);
        double[] data = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            if (Math.abs(values[i]) > DType.MAX_EXACT_INTEGER) {
                throw new BackpropException("Tensor.of: value " + values[i] + " at " + i + " is beyond the ±2^53 that an int64 tensor holds exactly");
            }
            data[i] = values[i];
        }
        return wrap(data, DType.INT64, shape.clone());
    }

    /** An int64 tensor holding {@code values} (copied) with the given shape. */
    public static Tensor of(int[] values, int... shape) {
        need(values, "Tensor.of", "values");
        Shapes.checkData(values.length, shape);
        double[] data = new double[values.length];
        for (int i = 0; i < values.length; i++) data[i] = values[i];
        return wrap(data, DType.INT64, shape.clone());
    }

    /** A bool tensor holding {@code values} (copied) with the given shape. */
    public static Tensor of(boolean[] values, int... shape) {
        need(values, "Tensor.of", "values");
        Shapes.checkData(values.length, shape);
        double[] data = new double[values.length];
        for (int i = 0; i < values.length; i++) data[i] = values[i] ? 1 : 0;
        return wrap(data, DType.BOOL, shape.clone());
    }

    /** A 1-D int64 tensor of these indices or labels. */
    public static Tensor indices(int... values) {
        need(values, "Tensor.indices", "values");
        return of(values, values.length);
    }

    /** float64 storage tagged with a dtype that keeps its values there (FLOAT64, INT64, BOOL); not copied. */
    static Tensor wrap(double[] data, DType dtype, int[] shape) {
        return new Tensor(dtype, null, data, shape, Shapes.contiguousStrides(shape), 0, new int[1]);
    }

    /** A float64 1-D tensor holding these values. */
    public static Tensor vector(double... values) {
        need(values, "Tensor.vector", "values");
        return of(values.clone(), values.length);
    }

    /** A float64 matrix from rows of equal length. */
    public static Tensor of(double[][] rows) {
        need(rows, "Tensor.of", "rows");
        for (int i = 0; i < rows.length; i++) need(rows[i], "Tensor.of", "row " + i);
        int cols = rows.length == 0 ? 0 : rows[0].length;
        double[] data = new double[rows.length * cols];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != cols) {
                throw new ShapeException("Tensor.of: row " + i + " has " + rows[i].length + " values, row 0 has " + cols);
            }
            System.arraycopy(rows[i], 0, data, i * cols, cols);
        }
        return of(data, rows.length, cols);
    }

    /** A float32 matrix from rows of equal length. */
    public static Tensor of(float[][] rows) {
        need(rows, "Tensor.of", "rows");
        for (int i = 0; i < rows.length; i++) need(rows[i], "Tensor.of", "row " + i);
        int cols = rows.length == 0 ? 0 : rows[0].length;
        float[] data = new float[rows.length * cols];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != cols) {
                throw new ShapeException("Tensor.of: row " + i + " has " + rows[i].length + " values, row 0 has " + cols);
            }
            System.arraycopy(rows[i], 0, data, i * cols, cols);
        }
        return of(data, rows.length, cols);
    }

    /** A 0-dimensional tensor holding one value. */
    public static Tensor scalar(double value, DType dtype) {
        return full(value, dtype);
    }

    /** A new contiguous tensor of zeros. */
    public static Tensor zeros(DType dtype, int... shape) {
        need(dtype, "Tensor.zeros", "dtype");
        int n = Shapes.numel(shape);
        Shapes.checkData(n, shape);
        return dtype == DType.FLOAT32 ? of(new float[n], shape) : wrap(new double[n], dtype, shape.clone());
    }

    /** A new float32 tensor of zeros. */
    public static Tensor zeros(int... shape) {
        return zeros(DType.FLOAT32, shape);
    }

    /** A new tensor of ones. */
    public static Tensor ones(DType dtype, int... shape) {
        return full(1.0, dtype, shape);
    }

    /** A new float32 tensor of ones. */
    public static Tensor ones(int... shape) {
        return ones(DType.FLOAT32, shape);
    }

    /** A new tensor with every element equal to {@code value}. */
    public static Tensor full(double value, DType dtype, int... shape) {
        return zeros(dtype, shape).fill_(value);
    }

    /** A tensor of zeros with the shape and dtype of {@code t}. */
    public static Tensor zerosLike(Tensor t) {
        return zeros(t.dtype, t.shape);
    }

    /** A tensor of ones with the shape and dtype of {@code t}. */
    public static Tensor onesLike(Tensor t) {
        return ones(t.dtype, t.shape);
    }

    /** 1-D tensor [start, start + step, ...] up to but excluding {@code end}. */
    public static Tensor arange(double start, double end, double step, DType dtype) {
        if (step == 0 || !Double.isFinite(step)) throw new BackpropException("arange: step must be finite and non-zero, got " + step);
        int n = (int) Math.max(0, Math.ceil((end - start) / step));
        Tensor t = zeros(dtype, n);
        for (int i = 0; i < n; i++) t.putFlat(i, start + i * step);
        return t;
    }

    /** 1-D int64 tensor [0, 1, ..., n-1], as PyTorch's {@code arange(n)}. */
    public static Tensor arange(int n) {
        return arange(0, n, 1, DType.INT64);
    }

    /** {@code steps} evenly spaced values from start to end, both included (PyTorch's linspace). */
    public static Tensor linspace(double start, double end, int steps, DType dtype) {
        if (steps < 0) throw new BackpropException("linspace: steps must not be negative, got " + steps);
        if (!Double.isFinite(start) || !Double.isFinite(end)) throw new BackpropException("linspace: start and end must be finite, got " + start + " and " + end);
        Tensor t = zeros(dtype, steps);
        double step = steps > 1 ? (end - start) / (steps - 1) : 0;
        // From both ends, as PyTorch computes it, so that the last value is exactly end.
        for (int i = 0; i < steps; i++) t.putFlat(i, i < steps / 2 ? start + i * step : end - (steps - 1 - i) * step);
        return t;
    }

    /** A new float32 tensor with every element equal to {@code value}. */
    public static Tensor full(double value, int... shape) {
        return full(value, DType.FLOAT32, shape);
    }

    /** A tensor with the shape and dtype of {@code t} and every element {@code value}. */
    public static Tensor fullLike(Tensor t, double value) {
        return full(value, t.dtype, t.shape);
    }

    /**
     * One-hot rows of int64 class labels: [n] labels give an int64 [n, classes] tensor with a 1 at
     * each label (PyTorch's one_hot).
     */
    public static Tensor oneHot(Tensor labels, int classes) {
        int[] c = indexArray("oneHot", labels);
        if (classes <= 0) throw new BackpropException("oneHot: the number of classes must be positive, got " + classes);
        double[] out = new double[c.length * classes];
        for (int i = 0; i < c.length; i++) {
            if (c[i] < 0 || c[i] >= classes) throw new ShapeException("oneHot: label " + c[i] + " at " + i + " is not below " + classes);
            out[i * classes + c[i]] = 1;
        }
        return wrap(out, DType.INT64, new int[] {c.length, classes});
    }

    /** Uniform random numbers in [0, 1) drawn from {@code rng}. */
    public static Tensor rand(RandomGenerator rng, DType dtype, int... shape) {
        return uniform(rng, 0, 1, dtype, shape);
    }

    /** Uniform random numbers in [low, high) drawn from {@code rng}. */
    public static Tensor uniform(RandomGenerator rng, double low, double high, DType dtype, int... shape) {
        need(rng, "Tensor.uniform", "rng");
        Tensor t = zeros(dtype, shape);
        for (int i = 0, n = t.numel(); i < n; i++) t.putFlat(i, low + (high - low) * rng.nextDouble());
        return t;
    }

    /** Normal random numbers with mean 0 and standard deviation 1 drawn from {@code rng}. */
    public static Tensor randn(RandomGenerator rng, DType dtype, int... shape) {
        return normal(rng, 0, 1, dtype, shape);
    }

    /** Normal random numbers with the given mean and standard deviation drawn from {@code rng}. */
    public static Tensor normal(RandomGenerator rng, double mean, double std, DType dtype, int... shape) {
        need(rng, "Tensor.normal", "rng");
        Tensor t = zeros(dtype, shape);
        for (int i = 0, n = t.numel(); i < n; i++) t.putFlat(i, mean + std * rng.nextGaussian());
        return t;
    }

    /** A view with another shape and strides over the same storage (no autograd record, no checks: for the ops). */
    Tensor view(int[] newShape, int[] newStrides, int newOffset) {
        return new Tensor(dtype, f, d, newShape, newStrides, newOffset, version);
    }

    /**
     * A view of this tensor's storage with the given shape, strides and storage offset (PyTorch's
     * {@code as_strided}): element [i₀, i₁, ...] is storage[offset + Σ iₖ·strideₖ]. Checked: sizes
     * and strides are non-negative and every element the view can reach lies inside the storage.
     * Not recorded for autograd; for differentiable views use {@link #narrow}, {@link #permute},
     * {@link #expand} or {@link #reshape}.
     */
    public Tensor asStrided(int[] newShape, int[] newStrides, int newOffset) {
        need(newShape, "asStrided", "shape");
        need(newStrides, "asStrided", "strides");
        String what = "asStrided: shape " + Shapes.str(newShape) + ", strides " + Shapes.str(newStrides) + ", offset " + newOffset;
        if (newShape.length != newStrides.length) throw new ShapeException(what + ": " + newShape.length + " sizes but " + newStrides.length + " strides");
        if (requiresGrad && NoGrad.isGradEnabled()) {
            throw new BackpropException(what + ": the view would not be recorded for autograd; use narrow, permute, expand or reshape, or detach() first");
        }
        long last = newOffset;
        boolean empty = false;
        for (int i = 0; i < newShape.length; i++) {
            if (newShape[i] < 0 || newStrides[i] < 0) throw new ShapeException(what + ": sizes and strides must not be negative");
            if (newShape[i] == 0) empty = true;
            last += (long) (newShape[i] - 1) * newStrides[i];
        }
        long length = f != null ? f.length : d.length;
        if (newOffset < 0 || (!empty && last >= length)) {
            throw new ShapeException(what + ": reaches storage element " + last + ", but the storage holds " + length);
        }
        return view(newShape.clone(), newStrides.clone(), newOffset);
    }

    /** A new contiguous tensor of this dtype wrapping a fresh array of {@code shape}. */
    public Tensor newZeros(int... newShape) {
        return zeros(dtype, newShape);
    }

    // ---------------------------------------------------------------- metadata and raw access

    public DType dtype() { return dtype; }

    /** The shape (a copy). */
    public int[] shape() { return shape.clone(); }

    /** Whether this tensor has the same shape as {@code other}. */
    public boolean sameShape(Tensor other) {
        return Arrays.equals(shape, other.shape);
    }

    /** The element stride of dimension {@code dim}; negative counts from the end. */
    public int stride(int dim) { return strides[Shapes.axis("stride", dim, shape.length)]; }

    /** Size of dimension {@code dim}; negative counts from the end. */
    public int size(int dim) { return shape[Shapes.axis("size", dim, shape.length)]; }

    public int rank() { return shape.length; }

    public int numel() { return Shapes.numel(shape); }

    /** Element strides (a copy). */
    public int[] strides() { return strides.clone(); }

    /** Index of the first element in the backing array. */
    public int offset() { return offset; }

    /** The backing float array (float32 only) for kernels; elements lie by offset and strides. */
    float[] floatArray() {
        if (f == null) throw new BackpropException("floatArray: tensor is " + dtype);
        return f;
    }

    /** The backing double array (float64 only) for kernels; elements lie by offset and strides. */
    double[] doubleArray() {
        if (d == null) throw new BackpropException("doubleArray: tensor is " + dtype);
        return d;
    }

    /** Whether the elements lie in row-major order without gaps (offset may be non-zero). */
    public boolean isContiguous() {
        return contiguous;
    }

    private static boolean computeContiguous(int[] shape, int[] strides) {
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != s) return false;
            s *= shape[i];
        }
        return true;
    }

    /** Whether storage is shared with {@code other}. */
    public boolean sharesStorage(Tensor other) {
        return f != null ? f == other.f : d == other.d;
    }

    // ---------------------------------------------------------------- element access

    private int flatToOffset(int flat) {
        int rest = flat;
        int off = offset;
        for (int i = shape.length - 1; i >= 0; i--) {
            int n = shape[i];
            if (n == 0) {
                rest = -1; // no elements at all
                break;
            }
            off += (rest % n) * strides[i];
            rest /= n;
        }
        if (rest != 0 || flat < 0) { // before the first element, or past the last (rest counts the overflow)
            throw new ShapeException("getFlat: position " + flat + " is out of range for shape " + Shapes.str(shape)
                    + " of " + numel() + " elements");
        }
        return off;
    }

    private int indexToOffset(int[] index) {
        need(index, "get", "index");
        if (index.length != shape.length) {
            throw new ShapeException("get: " + index.length + " indices for a tensor of shape " + Shapes.str(shape));
        }
        int off = offset;
        for (int i = 0; i < index.length; i++) {
            int k = index[i] < 0 ? index[i] + shape[i] : index[i];
            if (k < 0 || k >= shape[i]) {
                throw new ShapeException("get: index " + index[i] + " is out of range for dim " + i + " of size " + shape[i]);
            }
            off += k * strides[i];
        }
        return off;
    }

    /** The element at a multi-index (negative indices count from the end). */
    public double get(int... index) {
        int off = indexToOffset(index);
        return f != null ? f[off] : d[off];
    }

    /** Sets one element (in place, not recorded). */
    public Tensor set(double value, int... index) {
        changing("set");
        int off = indexToOffset(index);
        if (f != null) f[off] = (float) value; else d[off] = fit(value);
        return this;
    }

    /** The element at a row-major position among the logical elements. */
    public double getFlat(int i) {
        int off = flatToOffset(i);
        return f != null ? f[off] : d[off];
    }

    /** Sets the element at a row-major position (in place, not recorded). */
    public void setFlat(int i, double value) {
        changing("setFlat");
        putFlat(i, value);
    }

    /** setFlat for the loops of this class, which count the change once. */
    private void putFlat(int i, double value) {
        int off = flatToOffset(i);
        if (f != null) f[off] = (float) value; else d[off] = fit(value);
    }

    /**
     * A value as this dtype stores it: int64 truncates toward zero (as a cast in Java or PyTorch
     * does) and refuses what it cannot hold; bool is 1 for anything but 0.
     */
    private double fit(double value) {
        return switch (dtype) {
            case FLOAT32, FLOAT64 -> value;
            case BOOL -> value != 0 ? 1 : 0;
            case INT64 -> {
                if (!(Math.abs(value) <= DType.MAX_EXACT_INTEGER)) {
                    throw new BackpropException("int64: cannot hold " + value + " (integers up to ±2^53 only)");
                }
                yield value < 0 ? Math.ceil(value) : Math.floor(value);
            }
        };
    }

    /** The single value of a one-element tensor. */
    public double item() {
        if (numel() != 1) throw new ShapeException("item: tensor of shape " + Shapes.str(shape) + " has " + numel() + " elements, not 1");
        return getFlat(0);
    }

    /** The elements in row-major order, as a new double array. */
    public double[] toDoubleArray() {
        Tensor c = contiguousData();
        double[] out = new double[c.numel()];
        if (c.f != null) for (int i = 0; i < out.length; i++) out[i] = c.f[c.offset + i];
        else System.arraycopy(c.d, c.offset, out, 0, out.length);
        return out;
    }

    /** The elements in row-major order, as a new float array. */
    public float[] toFloatArray() {
        Tensor c = contiguousData();
        float[] out = new float[c.numel()];
        if (c.f != null) System.arraycopy(c.f, c.offset, out, 0, out.length);
        else for (int i = 0; i < out.length; i++) out[i] = (float) c.d[c.offset + i];
        return out;
    }

    /** The elements in row-major order as ints (int64 labels and indices; floats truncated toward zero). */
    public int[] toIntArray() {
        double[] v = toDoubleArray();
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (!(Math.abs(v[i]) < 2147483648.0)) throw new BackpropException("toIntArray: element " + i + " is " + v[i] + ", not an int");
            out[i] = (int) v[i];
        }
        return out;
    }

    /** The elements in row-major order as longs (floats truncated toward zero). */
    public long[] toLongArray() {
        double[] v = toDoubleArray();
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            if (Double.isNaN(v[i])) throw new BackpropException("toLongArray: element " + i + " is NaN");
            out[i] = (long) v[i];
        }
        return out;
    }

    /** The elements in row-major order as booleans (anything but 0 is true). */
    public boolean[] toBooleanArray() {
        double[] v = toDoubleArray();
        boolean[] out = new boolean[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i] != 0;
        return out;
    }

    /** A 2-D tensor as rows of doubles. */
    public double[][] toDoubleMatrix() {
        if (rank() != 2) throw new ShapeException("toDoubleMatrix: needs a 2-D tensor, got " + Shapes.str(shape));
        double[] flat = toDoubleArray();
        double[][] rows = new double[shape[0]][];
        for (int i = 0; i < shape[0]; i++) rows[i] = Arrays.copyOfRange(flat, i * shape[1], (i + 1) * shape[1]);
        return rows;
    }

    /** A contiguous tensor with the same elements (this one when already contiguous); not recorded. */
    public Tensor contiguousData() {
        if (isContiguous()) return this;
        return f != null
                ? of(Loops.gather(f, shape, strides, offset), shape)
                : wrap(Loops.gather(d, shape, strides, offset), dtype, shape.clone());
    }

    // ---------------------------------------------------------------- in-place (not recorded)

    /**
     * Every in-place change goes through here: refused on a tensor that takes part in autograd
     * while grad mode is on (the change would not be recorded, so gradients would silently be
     * wrong; PyTorch refuses it on a leaf too), and counted, so that backward can tell when a
     * tensor an op saved was changed after the op used it.
     */
    private void changing(String op) {
        if (requiresGrad && NoGrad.isGradEnabled()) {
            throw new BackpropException(op + ": " + (isLeaf() ? "a leaf tensor that requires grad" : "a tensor computed by " + gradFn.name())
                    + " cannot be changed in place while gradients are recorded; do it inside NoGrad.enter() (as optimisers and"
                    + " initialisers do), or change a copy");
        }
        version[0]++;
    }

    /** How many times this tensor's storage (shared by its views) has been changed in place. */
    public int version() {
        return version[0];
    }

    /** Counts a change made to the storage by a kernel outside this class (optimiser updates). */
    void bumpVersion() {
        version[0]++;
    }

    /** Sets every element to {@code value}. In place; returns this. */
    public Tensor fill_(double value) {
        changing("fill_");
        value = fit(value);
        if (isContiguous()) {
            int n = numel();
            if (f != null) Arrays.fill(f, offset, offset + n, (float) value);
            else Arrays.fill(d, offset, offset + n, value);
        } else {
            for (int i = 0, n = numel(); i < n; i++) putFlat(i, value);
        }
        return this;
    }

    /** Copies the elements of {@code src} (same shape; any dtype) into this tensor. In place. */
    public Tensor copy_(Tensor src) {
        changing("copy_");
        need(src, "copy_", "source");
        if (!Arrays.equals(shape, src.shape)) {
            throw new ShapeException("copy_: source shape " + Shapes.str(src.shape) + " differs from " + Shapes.str(shape));
        }
        if (isContiguous() && src.isContiguous() && dtype == src.dtype) {
            if (f != null) System.arraycopy(src.f, src.offset, f, offset, numel());
            else System.arraycopy(src.d, src.offset, d, offset, numel());
        } else if (isContiguous() && dtype == src.dtype) {
            // a strided source (contiguous() of a transpose): gathered row by row, not element by element through
            // flat indices (10 ns an element)
            if (f != null) Loops.gatherInto(src.f, src.shape, src.strides, src.offset, f, offset);
            else System.arraycopy(Loops.gather(src.d, src.shape, src.strides, src.offset), 0, d, offset, numel());
        } else {
            for (int i = 0, n = numel(); i < n; i++) putFlat(i, src.getFlat(i));
        }
        return this;
    }

    /** this += alpha * other (same shape). In place; returns this. */
    public Tensor addInPlace(Tensor other, double alpha) {
        changing("addInPlace");
        if (!Arrays.equals(shape, other.shape)) {
            throw new ShapeException("addInPlace: shapes " + Shapes.str(shape) + " and " + Shapes.str(other.shape) + " differ");
        }
        if (isContiguous() && other.isContiguous() && dtype == other.dtype) {
            Loops.axpy(this, other, alpha);
        } else {
            for (int i = 0, n = numel(); i < n; i++) putFlat(i, getFlat(i) + alpha * other.getFlat(i));
        }
        return this;
    }

    /** this *= factor. In place; returns this. */
    public Tensor mulInPlace(double factor) {
        changing("mulInPlace");
        for (int i = 0, n = numel(); i < n; i++) putFlat(i, getFlat(i) * factor);
        return this;
    }

    // ---------------------------------------------------------------- autograd

    /** Whether gradients flow to (or through) this tensor. */
    public boolean requiresGrad() { return requiresGrad; }

    /**
     * Marks a leaf tensor as needing a gradient; {@link #backward()} then fills {@link #grad()}.
     * Returns this.
     */
    public Tensor requiresGrad(boolean value) {
        if (value && !dtype.isFloatingPoint()) {
            throw new BackpropException("requiresGrad: only float32 and float64 tensors can require gradients, this one is " + dtype);
        }
        if (!isLeaf() && !value) {
            throw new BackpropException("requiresGrad(false): this tensor was computed by " + (gradFn == null ? releasedOp() : gradFn.name())
                    + "; use detach() to cut it from the graph");
        }
        this.requiresGrad = value;
        return this;
    }

    /** The accumulated gradient, or null before any backward pass reached this tensor. */
    public Tensor grad() { return grad; }

    /** Replaces the gradient (null clears it). */
    public void setGrad(Tensor g) {
        if (g != null && !Arrays.equals(g.shape, shape)) {
            throw new ShapeException("setGrad: gradient shape " + Shapes.str(g.shape) + " differs from tensor shape " + Shapes.str(shape));
        }
        this.grad = g;
    }

    /** Clears the gradient. */
    public void zeroGrad() { this.grad = null; }

    /** The op that computed this tensor, or null for a leaf. */
    public Op gradFn() { return gradFn; }

    /** The same, for the engine, which runs it backwards. */
    Primitive primitive() { return gradFn; }

    /** True for tensors not computed by a recorded op. */
    public boolean isLeaf() { return gradFn == null && releasedOp == null; }

    /** Keeps the gradient of this intermediate (non-leaf) tensor after backward. Returns this. */
    public Tensor retainGrad() {
        this.retainsGrad = true;
        return this;
    }

    /** Whether {@link #grad()} is kept for this tensor after backward. */
    public boolean retainsGrad() { return retainsGrad || isLeaf(); }

    /**
     * Lets go of the op that computed this tensor (and through it the op's inputs and saved
     * tensors) once backward has run it, so that the activations of a step become garbage as
     * backward passes them, as PyTorch frees a graph's buffers. The tensor stays a non-leaf.
     */
    void releaseGraph() {
        releasedOp = gradFn.getClass();
        gradFn = null;
        savedVersions = null;
    }

    /** The name of the op whose graph backward already ran and let go, or null. */
    String releasedOp() { return releasedOp == null ? null : OpNames.of(releasedOp); }

    /** Records that {@code op} produced this tensor; used by the ops, not by users. */
    void attach(Primitive op) {
        this.gradFn = op;
        this.requiresGrad = true;
        Tensor[] saved = op.saved();
        if (saved.length > 0) {
            savedVersions = new int[saved.length];
            for (int i = 0; i < saved.length; i++) savedVersions[i] = saved[i] == null ? 0 : saved[i].version[0];
        }
    }

    /**
     * Before backward runs {@link #gradFn}: refuses when a tensor it saved for its backward was
     * changed in place since it was used (PyTorch's "modified by an inplace operation").
     */
    void checkSaved() {
        if (savedVersions == null) return;
        Tensor[] saved = gradFn.saved();
        for (int i = 0; i < saved.length; i++) {
            if (saved[i] != null && saved[i].version[0] != savedVersions[i]) {
                throw new BackpropException("backward: a tensor of shape " + Shapes.str(saved[i].shape) + " that " + gradFn.name()
                        + " saved for its gradient was changed in place after " + gradFn.name() + " used it (its version is "
                        + saved[i].version[0] + ", " + gradFn.name() + " saw version " + savedVersions[i]
                        + "); change it after backward, or change a copy");
            }
        }
    }

    /** The same data cut from the graph: a leaf that does not require grad. */
    public Tensor detach() {
        return new Tensor(dtype, f, d, shape, strides, offset, version);
    }

    /** Back-propagates from this one-element tensor (d this / d this = 1). */
    public void backward() {
        Autograd.backward(this, null);
    }

    /** Back-propagates from this tensor with {@code gradient} as d(loss)/d(this). */
    public void backward(Tensor gradient) {
        Autograd.backward(this, gradient);
    }

    // ---------------------------------------------------------------- operations (recorded)

    /** this + other, broadcasting (see {@link DType} for how dtypes combine). */
    public Tensor add(Tensor other) { Tensor[] ab = promote("add", this, need(other, "add", "other"), false); return AddOp.apply(ab[0], ab[1]); }
    public Tensor add(double value) { return add(scalarLike(value)); }
    /** this − other, broadcasting. */
    public Tensor sub(Tensor other) { Tensor[] ab = promote("sub", this, need(other, "sub", "other"), false); return SubOp.apply(ab[0], ab[1]); }
    public Tensor sub(double value) { return sub(scalarLike(value)); }
    /** this · other elementwise, broadcasting. */
    public Tensor mul(Tensor other) { Tensor[] ab = promote("mul", this, need(other, "mul", "other"), false); return MulOp.apply(ab[0], ab[1]); }
    public Tensor mul(double value) { return mul(scalarLike(value)); }
    /** this / other elementwise, broadcasting; true division (integers give float32). */
    public Tensor div(Tensor other) { Tensor[] ab = promote("div", this, need(other, "div", "other"), true); return DivOp.apply(ab[0], ab[1]); }
    public Tensor div(double value) { return div(scalarLike(value)); }
    public Tensor neg() { return NegOp.apply(this); }
    public Tensor exp() { return ExpOp.apply(floating()); }
    public Tensor log() { return LogOp.apply(floating()); }
    public Tensor sqrt() { return SqrtOp.apply(floating()); }
    public Tensor abs() { return AbsOp.apply(this); }
    public Tensor square() { return PowScalarOp.apply(this, 2); }
    /** Elementwise this^exponent. */
    public Tensor pow(double exponent) { return PowScalarOp.apply(exponent == Math.rint(exponent) && exponent >= 0 ? this : floating(), exponent); }
    /** Elementwise this^exponent with a tensor of exponents, broadcasting (differentiable in both). */
    public Tensor pow(Tensor exponent) { Tensor[] ab = promote("pow", floating(), need(exponent, "pow", "exponent"), false); return PowOp.apply(ab[0], ab[1]); }
    public Tensor tanh() { return TanhOp.apply(floating()); }
    public Tensor sigmoid() { return SigmoidOp.apply(floating()); }
    public Tensor relu() { return ReLUOp.apply(this); }
    /** x for x > 0, alpha x otherwise. */
    public Tensor leakyRelu(double alpha) { return LeakyReLUOp.apply(floating(), alpha); }
    /** x for x > 0, alpha (e^x - 1) otherwise. */
    public Tensor elu(double alpha) { return ELUOp.apply(floating(), alpha); }
    /** log(1 + e^x), linear above 20 as in PyTorch. */
    public Tensor softplus() { return SoftplusOp.apply(floating()); }
    /** x Φ(x), Φ the standard normal CDF (exact erf form). */
    public Tensor gelu() { return GELUOp.apply(floating()); }
    /** sin x elementwise. */
    public Tensor sin() { return SinOp.apply(floating()); }
    /** cos x elementwise. */
    public Tensor cos() { return CosOp.apply(floating()); }
    /**
     * min(max(x, min), max) elementwise; pass ±infinity for no bound. The gradient passes where
     * min ≤ x ≤ max. Integer tensors stay integer when both bounds are whole numbers.
     */
    public Tensor clamp(double min, double max) {
        boolean whole = (min == Math.rint(min) || Double.isInfinite(min)) && (max == Math.rint(max) || Double.isInfinite(max));
        return ClampOp.apply(whole && dtype != DType.BOOL ? this : floating(), min, max);
    }
    /** The larger of this and other elementwise, broadcasting (NaN wins; a tie splits the gradient). */
    public Tensor maximum(Tensor other) { Tensor[] ab = promote("maximum", this, need(other, "maximum", "other"), false); return MaximumOp.apply(ab[0], ab[1]); }
    /** The smaller of this and other elementwise, broadcasting (NaN wins; a tie splits the gradient). */
    public Tensor minimum(Tensor other) { Tensor[] ab = promote("minimum", this, need(other, "minimum", "other"), false); return MinimumOp.apply(ab[0], ab[1]); }

    /** this == other elementwise, broadcasting: a bool tensor (not recorded). */
    public Tensor eq(Tensor other) { return Loops.compare("eq", this, need(other, "eq", "other"), (a, b) -> a == b); }
    public Tensor eq(double value) { return eq(scalarLike(value)); }
    /** this != other elementwise (NaN differs from everything). */
    public Tensor ne(Tensor other) { return Loops.compare("ne", this, need(other, "ne", "other"), (a, b) -> a != b); }
    public Tensor ne(double value) { return ne(scalarLike(value)); }
    /** this &lt; other elementwise. */
    public Tensor lt(Tensor other) { return Loops.compare("lt", this, need(other, "lt", "other"), (a, b) -> a < b); }
    public Tensor lt(double value) { return lt(scalarLike(value)); }
    /** this ≤ other elementwise. */
    public Tensor le(Tensor other) { return Loops.compare("le", this, need(other, "le", "other"), (a, b) -> a <= b); }
    public Tensor le(double value) { return le(scalarLike(value)); }
    /** this &gt; other elementwise. */
    public Tensor gt(Tensor other) { return Loops.compare("gt", this, need(other, "gt", "other"), (a, b) -> a > b); }
    public Tensor gt(double value) { return gt(scalarLike(value)); }
    /** this ≥ other elementwise. */
    public Tensor ge(Tensor other) { return Loops.compare("ge", this, need(other, "ge", "other"), (a, b) -> a >= b); }
    public Tensor ge(double value) { return ge(scalarLike(value)); }
    /** Logical not of a bool tensor (any tensor: zero is false). */
    public Tensor logicalNot() { return Loops.compare("logical_not", this, scalarLike(0), (a, b) -> a == 0); }
    /** Logical and, broadcasting (zero is false). */
    public Tensor logicalAnd(Tensor other) { return Loops.compare("logical_and", this, need(other, "logicalAnd", "other"), (a, b) -> a != 0 && b != 0); }
    /** Logical or, broadcasting (zero is false). */
    public Tensor logicalOr(Tensor other) { return Loops.compare("logical_or", this, need(other, "logicalOr", "other"), (a, b) -> a != 0 || b != 0); }

    /**
     * condition ? a : b elementwise, all three broadcast together; differentiable in a and b.
     * condition is a bool tensor (from a comparison), or any tensor with zero meaning false.
     */
    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        need(condition, "where", "condition");
        Tensor[] ab = promote("where", need(a, "where", "a"), need(b, "where", "b"), false);
        return WhereOp.apply(condition, ab[0], ab[1]);
    }

    /** Sum of all elements, a 0-dimensional tensor. */
    public Tensor sum() { return SumOp.apply(countable(), null, false); }
    /** Sum along {@code dim}. */
    public Tensor sum(int dim, boolean keepdim) { return SumOp.apply(countable(), new int[] {dim}, keepdim); }
    /** Sum along several dims. */
    public Tensor sum(int[] dims, boolean keepdim) { return SumOp.apply(countable(), dims, keepdim); }
    /** Mean of all elements. */
    public Tensor mean() { return needFloat("mean").sum().div(numel()); }
    /** Mean along {@code dim}. */
    public Tensor mean(int dim, boolean keepdim) { return needFloat("mean").sum(dim, keepdim).div(size(dim)); }
    /** Mean along several dims. */
    public Tensor mean(int[] dims, boolean keepdim) {
        int count = 1;
        for (int dim : dims) count *= size(dim);
        return needFloat("mean").sum(dims, keepdim).div(count);
    }
    /** Largest value along {@code dim}; the gradient goes to the first maximum. */
    public Tensor max(int dim, boolean keepdim) { return MaxOp.apply(this, dim, keepdim); }
    /** Smallest value along {@code dim}; the gradient goes to the first minimum. */
    public Tensor min(int dim, boolean keepdim) { return neg().max(dim, keepdim).neg(); }
    /** The largest element, a 0-dimensional tensor. */
    public Tensor max() { return reshape(-1).max(0, false); }
    /** The smallest element, a 0-dimensional tensor. */
    public Tensor min() { return reshape(-1).min(0, false); }
    /** log(sum(exp(x))) along {@code dim}, computed stably. */
    public Tensor logsumexp(int dim, boolean keepdim) { return LogSumExpOp.apply(floating(), dim, keepdim); }
    /** Index of the first largest value along {@code dim}, an int64 tensor (not recorded). */
    public Tensor argmax(int dim, boolean keepdim) { return MaxOp.argmax(this, dim, keepdim); }
    /** Index of the first smallest value along {@code dim}, an int64 tensor (not recorded). */
    public Tensor argmin(int dim, boolean keepdim) {
        try (var g = NoGrad.enter()) {
            return MaxOp.argmax(neg(), dim, keepdim);
        }
    }

    /** Matrix product with NumPy/PyTorch matmul rules (1-D, 2-D, batched with broadcasting). */
    public Tensor matmul(Tensor other) { return MatMulOp.apply(this, need(other, "matmul", "other")); }

    /** Swaps two dims (a view). */
    public Tensor transpose(int dim0, int dim1) {
        int r = rank();
        int[] perm = new int[r];
        for (int i = 0; i < r; i++) perm[i] = i;
        int a = Shapes.axis("transpose", dim0, r), b = Shapes.axis("transpose", dim1, r);
        perm[a] = b;
        perm[b] = a;
        return PermuteOp.apply(this, perm);
    }
    /** Transpose of a 2-D tensor (a view). */
    public Tensor t() {
        if (rank() != 2) throw new ShapeException("t: needs a 2-D tensor, got " + Shapes.str(shape));
        return transpose(0, 1);
    }
    /** Reorders dims (a view). */
    public Tensor permute(int... dims) { return PermuteOp.apply(this, need(dims, "permute", "dims")); }
    /** The same elements in another shape (one size may be -1); a view when contiguous. */
    public Tensor reshape(int... newShape) { return ReshapeOp.apply(this, need(newShape, "reshape", "shape")); }
    /** Flattens all dims from 1 on: [n, ...] to [n, rest]. */
    public Tensor flatten() { return rank() <= 1 ? reshape(-1) : reshape(shape[0], -1); }
    /** Inserts a dim of size 1. */
    public Tensor unsqueeze(int dim) {
        int r = rank() + 1;
        int a = Shapes.axis("unsqueeze", dim, r);
        int[] s = new int[r];
        for (int i = 0, j = 0; i < r; i++) s[i] = i == a ? 1 : shape[j++];
        return reshape(s);
    }
    /** Removes a dim of size 1. */
    public Tensor squeeze(int dim) {
        int a = Shapes.axis("squeeze", dim, rank());
        if (shape[a] != 1) throw new ShapeException("squeeze: dim " + dim + " of " + Shapes.str(shape) + " has size " + shape[a] + ", not 1");
        int[] s = new int[rank() - 1];
        for (int i = 0, j = 0; i < rank(); i++) if (i != a) s[j++] = shape[i];
        return reshape(s);
    }
    /** Elements start..start+length-1 along {@code dim} (a view). */
    public Tensor narrow(int dim, int start, int length) { return NarrowOp.apply(this, dim, start, length); }
    /** Broadcasts to a larger shape without copying (a view with zero strides). */
    public Tensor expand(int... newShape) { return ExpandOp.apply(this, need(newShape, "expand", "shape")); }
    /** The entries at {@code indices} along {@code dim} (a copy; repeats allowed). */
    public Tensor indexSelect(int dim, int... indices) { return IndexSelectOp.apply(this, dim, need(indices, "indexSelect", "indices")); }
    /** The entries at the int64 {@code indices} (1-D) along {@code dim} (a copy; repeats allowed). */
    public Tensor indexSelect(int dim, Tensor indices) { return IndexSelectOp.apply(this, dim, indexArray("indexSelect", indices)); }
    /** Rows at the int64 {@code indices} of the first dim: PyTorch's {@code x[indices]}. */
    public Tensor index(Tensor indices) { return indexSelect(0, indices); }
    /** PyTorch's gather along {@code dim} with an int64 index of this tensor's rank (see the op for the rule). */
    public Tensor gather(int dim, Tensor index) { return GatherOp.apply(this, dim, need(index, "gather", "index")); }
    /** The slice at {@code index} of {@code dim}, that dim removed (a view): PyTorch's {@code select}. */
    public Tensor select(int dim, int index) {
        int a = Shapes.axis("select", dim, rank());
        int i = index < 0 ? index + shape[a] : index;
        if (i < 0 || i >= shape[a]) {
            throw new ShapeException("select: index " + index + " is out of range for dim " + dim + " of size " + shape[a] + " (shape " + Shapes.str(shape) + ")");
        }
        return narrow(a, i, 1).squeeze(a);
    }
    /** Pieces of {@code size} along {@code dim} (the last may be shorter), as views. */
    public java.util.List<Tensor> split(int size, int dim) {
        int a = Shapes.axis("split", dim, rank());
        if (size <= 0) throw new BackpropException("split: the piece size must be positive, got " + size);
        java.util.List<Tensor> out = new java.util.ArrayList<>();
        for (int at = 0; at < shape[a]; at += size) out.add(narrow(a, at, Math.min(size, shape[a] - at)));
        return out;
    }
    /** {@code chunks} pieces of (nearly) equal size along {@code dim}, as views: PyTorch's chunk (the last may be smaller, and fewer may come back). */
    public java.util.List<Tensor> chunk(int chunks, int dim) {
        if (chunks <= 0) throw new BackpropException("chunk: the number of chunks must be positive, got " + chunks);
        int a = Shapes.axis("chunk", dim, rank());
        return split(Math.max(1, (shape[a] + chunks - 1) / chunks), a);
    }

    /** Rows {@code indices} of the first dim. */
    public Tensor rows(int... indices) { return IndexSelectOp.apply(this, 0, need(indices, "rows", "indices")); }
    /** A contiguous copy when not contiguous (recorded). */
    public Tensor contiguous() { return isContiguous() ? this : CopyOp.apply(this); }
    /** The same values in another dtype (recorded; the gradient is cast back). */
    public Tensor to(DType target) {
        if (need(target, "to", "dtype") == dtype) return this;
        if (target.isFloatingPoint() && dtype.isFloatingPoint()) return CastOp.apply(this, target);
        // To or from integers and booleans: no gradient, as in PyTorch.
        try (var g = NoGrad.enter()) {
            return zeros(target, shape).copy_(this);
        }
    }
    /** Joins tensors along {@code dim}; all other sizes must agree. */
    public static Tensor concat(int dim, Tensor... parts) {
        need(parts, "concat", "parts");
        for (int i = 0; i < parts.length; i++) need(parts[i], "concat", "part " + i);
        return ConcatOp.apply(dim, parts);
    }
    /** PyTorch's name for {@link #concat}. */
    public static Tensor cat(int dim, Tensor... parts) {
        return concat(dim, parts);
    }
    /** Joins tensors of one shape along a new dim {@code dim}. */
    public static Tensor stack(int dim, Tensor... parts) {
        need(parts, "stack", "parts");
        if (parts.length == 0) throw new BackpropException("stack: no tensors to stack");
        Tensor[] lifted = new Tensor[parts.length];
        for (int i = 0; i < parts.length; i++) {
            need(parts[i], "stack", "part " + i);
            if (!parts[i].sameShape(parts[0])) {
                throw new ShapeException("stack: part " + i + " has shape " + Shapes.str(parts[i].shape) + ", part 0 has " + Shapes.str(parts[0].shape));
            }
            lifted[i] = parts[i].unsqueeze(dim);
        }
        return concat(dim, lifted);
    }
    /** e^x / sum(e^x) along {@code dim}. */
    public Tensor softmax(int dim) { return SoftmaxOp.apply(floating(), dim); }
    /** x - logsumexp(x) along {@code dim}. */
    public Tensor logSoftmax(int dim) { return LogSoftmaxOp.apply(floating(), dim); }

    // ---------------------------------------------------------------- in-place arithmetic (PyTorch's trailing underscore)

    /** this += other (broadcast to this shape). In place, not recorded; returns this. */
    public Tensor add_(Tensor other) { return assign("add_", () -> add(other)); }
    /** this += value. */
    public Tensor add_(double value) { return assign("add_", () -> add(value)); }
    /** this −= other. */
    public Tensor sub_(Tensor other) { return assign("sub_", () -> sub(other)); }
    /** this ·= other elementwise. */
    public Tensor mul_(Tensor other) { return assign("mul_", () -> mul(other)); }
    /** this ·= value. */
    public Tensor mul_(double value) { return assign("mul_", () -> mul(value)); }
    /** this /= value. */
    public Tensor div_(double value) { return assign("div_", () -> div(value)); }
    /** this = clamp(this, min, max). */
    public Tensor clamp_(double min, double max) { return assign("clamp_", () -> clamp(min, max)); }
    /** Every element 0. */
    public Tensor zero_() { return fill_(0); }

    private Tensor assign(String op, java.util.function.Supplier<Tensor> value) {
        Tensor r;
        try (var g = NoGrad.enter()) {
            r = value.get();
        }
        if (!Arrays.equals(r.shape, shape)) {
            throw new ShapeException(op + ": the result has shape " + Shapes.str(r.shape) + ", not this tensor's " + Shapes.str(shape));
        }
        return copy_(r);
    }

    /** A null argument is a caller's mistake: refused with a message naming the op and the argument. */
    private static <T> T need(T value, String op, String what) {
        if (value == null) throw new BackpropException(op + ": " + what + " is null");
        return value;
    }

    /** A scalar to combine with this tensor: of its dtype, or float32 when an integer tensor meets a fraction. */
    private Tensor scalarLike(double value) {
        if (dtype.isFloatingPoint()) return full(value, dtype);
        boolean whole = value == Math.rint(value) && Math.abs(value) <= DType.MAX_EXACT_INTEGER;
        return full(value, whole ? DType.INT64 : DType.FLOAT32);
    }

    /**
     * The operands of a binary op in one dtype, as PyTorch promotes: an integer or bool operand
     * takes the float dtype of the other; int64 with bool is int64; bool with bool counts as
     * int64 for arithmetic; true division of integers is float32. float32 with float64 is refused
     * (say which precision you want).
     */
    static Tensor[] promote(String op, Tensor a, Tensor b, boolean trueDivision) {
        DType x = a.dtype, y = b.dtype;
        DType to;
        if (x == y) {
            to = x == DType.BOOL ? DType.INT64 : x;
        } else if (x.isFloatingPoint() && y.isFloatingPoint()) {
            throw Loops.mixedDTypes(op, x, y);
        } else {
            to = x.isFloatingPoint() ? x : y.isFloatingPoint() ? y : DType.INT64;
        }
        if (trueDivision && !to.isFloatingPoint()) to = DType.FLOAT32;
        return new Tensor[] {a.to(to), b.to(to)};
    }

    /** This tensor when floating point, else its values as float32 (math on integers gives floats, as in PyTorch). */
    private Tensor floating() {
        return dtype.isFloatingPoint() ? this : to(DType.FLOAT32);
    }

    /** Sums of bools count: as int64. */
    private Tensor countable() {
        return dtype == DType.BOOL ? to(DType.INT64) : this;
    }

    private Tensor needFloat(String op) {
        if (!dtype.isFloatingPoint()) {
            throw new BackpropException(op + ": needs a float32 or float64 tensor, this one is " + dtype + "; convert it with .to(DType.FLOAT32)");
        }
        return this;
    }

    /** The values of a 1-D int64 index tensor. */
    private static int[] indexArray(String op, Tensor indices) {
        need(indices, op, "indices");
        if (indices.dtype != DType.INT64) {
            throw new BackpropException(op + ": indices must be an int64 tensor, got " + indices.dtype + "; convert them with .to(DType.INT64)");
        }
        if (indices.rank() != 1) throw new ShapeException(op + ": indices must be 1-D, got " + Shapes.str(indices.shape));
        return indices.toIntArray();
    }

    // ---------------------------------------------------------------- comparison and printing

    /** Whether shapes match and |a - b| <= atol + rtol |b| elementwise. */
    public boolean allClose(Tensor other, double rtol, double atol) {
        if (!Arrays.equals(shape, other.shape)) return false;
        for (int i = 0, n = numel(); i < n; i++) {
            double a = getFlat(i), b = other.getFlat(i);
            if (Double.isNaN(a) || Double.isNaN(b) || Math.abs(a - b) > atol + rtol * Math.abs(b)) return false;
        }
        return true;
    }

    /** Prints like PyTorch: {@code tensor([[1.0000, 2.0000], ...], dtype=float64)}. */
    @Override
    public String toString() {
        return TensorFormat.format(this);
    }
}
