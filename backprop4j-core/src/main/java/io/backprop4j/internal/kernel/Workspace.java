package io.backprop4j.internal.kernel;

/**
 * Per-thread scratch arrays that the convolution and pooling kernels reuse from call to call, so
 * that a training step allocates nothing but its outputs. A slot holds one array per thread and
 * element type; it grows when a call needs more and is never shrunk. Contents are left over from
 * the last use: callers overwrite what they read.
 */
final class Workspace {
    /** The unfolded input (or its gradient) of one tile. */
    static final int COLS = 0;
    /** Weight-gradient partial sums, one block per batch slice; taken by the calling thread only. */
    static final int PARTIALS = 1;
    /** A transposed tile of the output gradient. */
    static final int GRAD_T = 2;
    /** Bias-gradient partial sums (float64 in both precisions), one row per batch slice; the calling thread's. */
    static final int BIAS = 3;

    private static final int SLOTS = 4;
    private static final ThreadLocal<Object[]> FLOATS = ThreadLocal.withInitial(() -> new Object[SLOTS]);
    private static final ThreadLocal<Object[]> DOUBLES = ThreadLocal.withInitial(() -> new Object[SLOTS]);

    private Workspace() {
    }

    /**
     * This thread's array of {@code type} ({@code float.class} or {@code double.class}) in
     * {@code slot}, at least {@code n} long; the result is a {@code float[]} or a {@code double[]}.
     */
    static Object get(Class<?> type, int slot, int n) {
        if (type == float.class) {
            Object[] slots = FLOATS.get();
            float[] a = (float[]) slots[slot];
            if (a == null || a.length < n) {
                a = new float[n];
                slots[slot] = a;
            }
            return a;
        }
        if (type == double.class) {
            Object[] slots = DOUBLES.get();
            double[] a = (double[]) slots[slot];
            if (a == null || a.length < n) {
                a = new double[n];
                slots[slot] = a;
            }
            return a;
        }
        throw new IllegalArgumentException("workspace: no arrays of " + type);
    }
}
