package io.backprop4j.tensor;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import java.util.Arrays;

/** Static helpers for shapes: element counts, contiguous strides, broadcasting, axis checks. */
public final class Shapes {
    private Shapes() {}

    /** Number of elements of a shape; the empty shape (a scalar) has one. */
    public static int numel(int[] shape) {
        if (shape == null) throw new BackpropException("shape is null");
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new ShapeException("negative size in shape " + str(shape));
            n *= d;
            if (n > Integer.MAX_VALUE - 8) throw new ShapeException("shape " + str(shape) + " has more than 2^31 elements");
        }
        return (int) n;
    }

    /** Row-major strides of a contiguous tensor of this shape. */
    public static int[] contiguousStrides(int[] shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= Math.max(shape[i], 1);
        }
        return strides;
    }

    /** Shape as "[2, 3]". */
    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }

    /**
     * The broadcast shape of a and b by NumPy's rules (align right; sizes equal, or one is 1).
     *
     * @throws ShapeException naming the op and both shapes when they do not broadcast
     */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i < n - a.length ? 1 : a[i - (n - a.length)];
            int db = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new ShapeException(op + ": shapes " + str(a) + " and " + str(b)
                        + " do not broadcast (size " + da + " vs " + db + " at dim " + i + " of the result)");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Normalises a possibly negative axis for a tensor of the given rank. */
    public static int axis(String op, int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= Math.max(rank, 1)) {
            throw new ShapeException(op + ": dim " + axis + " is out of range for a tensor of rank " + rank);
        }
        return a;
    }

    /** Resolves one -1 in a requested reshape and checks the element count. */
    public static int[] resolveReshape(int[] from, int[] to) {
        int[] out = to.clone();
        int free = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == -1) {
                if (free >= 0) throw new ShapeException("reshape: only one dimension can be -1, got " + str(to));
                free = i;
            } else if (out[i] < 0) {
                throw new ShapeException("reshape: invalid size " + out[i] + " in " + str(to));
            } else {
                known *= out[i];
            }
        }
        int n = numel(from);
        if (free >= 0) {
            if (known == 0 || n % known != 0) {
                throw new ShapeException("reshape: " + str(from) + " (" + n + " elements) cannot be viewed as " + str(to));
            }
            out[free] = (int) (n / known);
        }
        if (numel(out) != n) {
            throw new ShapeException("reshape: " + str(from) + " (" + n + " elements) cannot be viewed as "
                    + str(to) + " (" + numel(out) + " elements)");
        }
        return out;
    }

    static void checkData(int length, int[] shape) {
        int n = numel(shape);
        if (length != n) {
            throw new ShapeException("data has " + length + " elements but shape " + str(shape) + " needs " + n);
        }
    }

    /** "[1, 2]": the multi-index of row-major position {@code flat} in {@code shape} ("[]" for a scalar). */
    public static String position(int[] shape, int flat) {
        int[] index = new int[shape.length];
        for (int k = shape.length - 1; k >= 0; k--) {
            if (shape[k] == 0) break;
            index[k] = flat % shape[k];
            flat /= shape[k];
        }
        return java.util.Arrays.toString(index);
    }
}
