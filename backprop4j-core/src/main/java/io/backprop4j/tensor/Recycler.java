package io.backprop4j.tensor;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.function.Function;

/**
 * Arrays that a backward pass proved dead, kept for the next forward pass of the same shapes, so
 * that a training step reuses its largest activations' storage instead of leaving it to the
 * collector (a CNN at batch 128 frees and reallocates some 14 MB a step this way). The ops that
 * take and give arrays: convolution and pooling, and the dense ones (linear, its gradient
 * products, layer norm, GELU, self-attention, elementwise arithmetic): words-transformer's young
 * collections over 800 steps fell from 299 to 215-226 with them.
 *
 * <p>Only two kinds of array come here: an output gradient that the engine handed to {@link
 * Primitive#backwardOwned} (nothing else shares its storage and nothing reads it afterwards, the
 * same promise that lets ReLU write over it), once the op has read it and returned gradients
 * that do not share it; and an op's own private scratch (max pooling's winners, GELU's Φ,
 * attention's weights) once its backward ran, which the engine does once per recorded op
 * ({@link Tensor#releaseGraph}). A forward op takes an array of exactly the length it needs, or
 * gets a new one, and overwrites every element before anyone reads it; so results are the same
 * bits as with fresh arrays.
 *
 * <p>Per thread (forward and backward run on the caller's thread; the kernels' workers never
 * come here), at most {@link #MAX_ARRAYS} arrays and {@link #MAX_BYTES} bytes a thread: the
 * oldest goes first when a new one does not fit.
 */
final class Recycler {
    /** At most this many arrays a thread (a transformer step's gradients come in about a dozen lengths). */
    static final int MAX_ARRAYS = 32;
    /** At most this many bytes of arrays a thread: 64 MiB. */
    static final long MAX_BYTES = 64L << 20;

    private static final ThreadLocal<Recycler> LOCAL = ThreadLocal.withInitial(Recycler::new);

    private final ArrayDeque<Object> arrays = new ArrayDeque<>();
    private long bytes;

    private Recycler() {
    }

    /**
     * A contiguous tensor of this dtype (float32 or float64) and shape whose contents are
     * arbitrary: a kept array of that length when there is one, else zeros. The caller must write
     * every element before the tensor escapes.
     */
    static Tensor uninitialized(DType dtype, int... shape) {
        int n = Shapes.numel(shape);
        if (dtype == DType.FLOAT32) {
            float[] a = (float[]) LOCAL.get().take(float[].class, n);
            return a != null ? Tensor.of(a, shape) : Tensor.zeros(dtype, shape);
        }
        if (dtype == DType.FLOAT64) {
            double[] a = (double[]) LOCAL.get().take(double[].class, n);
            return a != null ? Tensor.wrap(a, DType.FLOAT64, shape.clone()) : Tensor.zeros(dtype, shape);
        }
        return Tensor.zeros(dtype, shape);
    }

    /** An int array of length n with arbitrary contents: a kept one, or a new one. */
    static int[] ints(int n) {
        int[] a = (int[]) LOCAL.get().take(int[].class, n);
        return a != null ? a : new int[n];
    }

    /**
     * An op's gradients from {@code g} read once: {@code gradient} of g's contiguous data, which is
     * kept afterwards when it is the op's alone (a copy made here, or g itself when the engine owns
     * it: {@link Primitive#backwardOwned}). None of the returned gradients may share it.
     */
    static Tensor[] readOnce(Tensor g, boolean owned, Function<Tensor, Tensor[]> gradient) {
        Tensor gc = g.contiguousData();
        Tensor[] grads = gradient.apply(gc);
        if (owned || gc != g) giveOwned(gc);
        return grads;
    }

    /**
     * Keeps the storage of {@code g}, a gradient the engine handed to {@link
     * Primitive#backwardOwned} or a tensor private to the op (self-attention's weights), after the
     * op has read it for the last time; the caller guarantees that none of the op's returned
     * gradients shares it. Only a whole float32 or float64 array (offset 0, as long as the
     * tensor) is kept.
     */
    static void giveOwned(Tensor g) {
        if (g.offset() != 0) {
            return;
        }
        if (g.dtype() == DType.FLOAT32 && g.floatArray().length == g.numel()) {
            LOCAL.get().keep(g.floatArray(), 4L * g.numel());
        } else if (g.dtype() == DType.FLOAT64 && g.doubleArray().length == g.numel()) {
            LOCAL.get().keep(g.doubleArray(), 8L * g.numel());
        }
    }

    /** Keeps an op's private int array that nothing reads again. */
    static void give(int[] a) {
        LOCAL.get().keep(a, 4L * a.length);
    }

    /** A float array of length n with arbitrary contents: a kept one, or a new one. */
    static float[] floats(int n) {
        float[] a = (float[]) LOCAL.get().take(float[].class, n);
        return a != null ? a : new float[n];
    }

    /** Keeps an op's private float array that nothing reads again (GELU's Φ once its backward ran). */
    static void give(float[] a) {
        LOCAL.get().keep(a, 4L * a.length);
    }

    /** Drops this thread's arrays (for tests: the next ops take new ones). */
    static void clear() {
        Recycler r = LOCAL.get();
        r.arrays.clear();
        r.bytes = 0;
    }

    /** How many arrays of this class and length this thread keeps (for tests). */
    static int kept(Class<?> type, int n) {
        int count = 0;
        for (Object a : LOCAL.get().arrays) {
            if (a.getClass() == type && length(a) == n) count++;
        }
        return count;
    }

    private Object take(Class<?> type, int n) {
        for (Iterator<Object> it = arrays.iterator(); it.hasNext(); ) {
            Object a = it.next();
            if (a.getClass() == type && length(a) == n) {
                it.remove();
                bytes -= sizeOf(a);
                return a;
            }
        }
        return null;
    }

    private void keep(Object a, long size) {
        if (size == 0 || size > MAX_BYTES) {
            return;
        }
        for (Object kept : arrays) {
            if (kept == a) {
                return; // already here: keeping it twice would hand it out twice
            }
        }
        while (arrays.size() >= MAX_ARRAYS || bytes + size > MAX_BYTES) {
            bytes -= sizeOf(arrays.removeFirst());
        }
        arrays.addLast(a);
        bytes += size;
    }

    private static int length(Object a) {
        return switch (a) {
            case float[] f -> f.length;
            case double[] d -> d.length;
            case int[] i -> i.length;
            default -> throw new IllegalStateException("recycler: " + a.getClass());
        };
    }

    private static long sizeOf(Object a) {
        return (a instanceof double[] ? 8L : 4L) * length(a);
    }
}
