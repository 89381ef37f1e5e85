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
        return dtype == DType.FLOAT32 ? of(new float[n], shape) : of(new double[n], shape);
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

    /** 1-D float32 tensor [0, 1, ..., n-1]. */
    public static Tensor arange(int n) {
        return arange(0, n, 1, DType.FLOAT32);
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
        if (f != null) f[off] = (float) value; else d[off] = value;
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
        if (f != null) f[off] = (float) value; else d[off] = value;
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
                : of(Loops.gather(d, shape, strides, offset), shape);
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
        if (gradFn != null && !value) {
            throw new BackpropException("requiresGrad(false): this tensor was computed by " + gradFn.name()
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
    public boolean isLeaf() { return gradFn == null; }

    /** Keeps the gradient of this intermediate (non-leaf) tensor after backward. Returns this. */
    public Tensor retainGrad() {
        this.retainsGrad = true;
        return this;
    }

    /** Whether {@link #grad()} is kept for this tensor after backward. */
    public boolean retainsGrad() { return retainsGrad || gradFn == null; }

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

    public Tensor add(Tensor other) { return AddOp.apply(this, need(other, "add", "other")); }
    public Tensor add(double value) { return AddOp.apply(this, scalarLike(value)); }
    public Tensor sub(Tensor other) { return SubOp.apply(this, need(other, "sub", "other")); }
    public Tensor sub(double value) { return SubOp.apply(this, scalarLike(value)); }
    public Tensor mul(Tensor other) { return MulOp.apply(this, need(other, "mul", "other")); }
    public Tensor mul(double value) { return MulOp.apply(this, scalarLike(value)); }
    public Tensor div(Tensor other) { return DivOp.apply(this, need(other, "div", "other")); }
    public Tensor div(double value) { return DivOp.apply(this, scalarLike(value)); }
    public Tensor neg() { return NegOp.apply(this); }
    public Tensor exp() { return ExpOp.apply(this); }
    public Tensor log() { return LogOp.apply(this); }
    public Tensor sqrt() { return SqrtOp.apply(this); }
    public Tensor abs() { return AbsOp.apply(this); }
    public Tensor square() { return PowScalarOp.apply(this, 2); }
    /** Elementwise this^exponent. */
    public Tensor pow(double exponent) { return PowScalarOp.apply(this, exponent); }
    public Tensor tanh() { return TanhOp.apply(this); }
    public Tensor sigmoid() { return SigmoidOp.apply(this); }
    public Tensor relu() { return ReLUOp.apply(this); }
    /** x for x > 0, alpha x otherwise. */
    public Tensor leakyRelu(double alpha) { return LeakyReLUOp.apply(this, alpha); }
    /** x for x > 0, alpha (e^x - 1) otherwise. */
    public Tensor elu(double alpha) { return ELUOp.apply(this, alpha); }
    /** log(1 + e^x), linear above 20 as in PyTorch. */
    public Tensor softplus() { return SoftplusOp.apply(this); }
    /** x Φ(x), Φ the standard normal CDF (exact erf form). */
    public Tensor gelu() { return GELUOp.apply(this); }

    /** SumOp of all elements, a 0-dimensional tensor. */
    public Tensor sum() { return SumOp.apply(this, null, false); }
    /** SumOp along {@code dim}. */
    public Tensor sum(int dim, boolean keepdim) { return SumOp.apply(this, new int[] {dim}, keepdim); }
    /** SumOp along several dims. */
    public Tensor sum(int[] dims, boolean keepdim) { return SumOp.apply(this, dims, keepdim); }
    /** Mean of all elements. */
    public Tensor mean() { return sum().div(numel()); }
    /** Mean along {@code dim}. */
    public Tensor mean(int dim, boolean keepdim) { return sum(dim, keepdim).div(size(dim)); }
    /** Mean along several dims. */
    public Tensor mean(int[] dims, boolean keepdim) {
        int count = 1;
        for (int dim : dims) count *= size(dim);
        return sum(dims, keepdim).div(count);
    }
    /** Largest value along {@code dim}; the gradient goes to the first maximum. */
    public Tensor max(int dim, boolean keepdim) { return MaxOp.apply(this, dim, keepdim); }
    /** log(sum(exp(x))) along {@code dim}, computed stably. */
    public Tensor logsumexp(int dim, boolean keepdim) { return LogSumExpOp.apply(this, dim, keepdim); }
    /** Index of the first largest value along {@code dim}, as values of this dtype (not recorded). */
    public Tensor argmax(int dim, boolean keepdim) { return MaxOp.argmax(this, dim, keepdim); }

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
    /** Rows {@code indices} of the first dim. */
    public Tensor rows(int... indices) { return IndexSelectOp.apply(this, 0, need(indices, "rows", "indices")); }
    /** A contiguous copy when not contiguous (recorded). */
    public Tensor contiguous() { return isContiguous() ? this : CopyOp.apply(this); }
    /** The same values in another dtype (recorded; the gradient is cast back). */
    public Tensor to(DType target) { return need(target, "to", "dtype") == dtype ? this : CastOp.apply(this, target); }
    /** Joins tensors along {@code dim}; all other sizes must agree. */
    public static Tensor concat(int dim, Tensor... parts) {
        need(parts, "concat", "parts");
        for (int i = 0; i < parts.length; i++) need(parts[i], "concat", "part " + i);
        return ConcatOp.apply(dim, parts);
    }
    /** e^x / sum(e^x) along {@code dim}. */
    public Tensor softmax(int dim) { return SoftmaxOp.apply(this, dim); }
    /** x - logsumexp(x) along {@code dim}. */
    public Tensor logSoftmax(int dim) { return LogSoftmaxOp.apply(this, dim); }

    /** A null argument is a caller's mistake: refused with a message naming the op and the argument. */
    private static <T> T need(T value, String op, String what) {
        if (value == null) throw new BackpropException(op + ": " + what + " is null");
        return value;
    }

    private Tensor scalarLike(double value) {
        return full(value, dtype);
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
