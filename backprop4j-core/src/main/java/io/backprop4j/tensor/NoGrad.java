package io.backprop4j.tensor;

/**
 * A scope in which operations are not recorded for autograd (inference, optimiser updates,
 * evaluation). Scopes nest and belong to the current thread:
 *
 * <pre>{@code
 * try (var g = NoGrad.enter()) {
 *     Tensor prediction = model.forward(x);   // no graph is built
 * }
 * }</pre>
 */
public final class NoGrad implements AutoCloseable {
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);
    private final int[] depth;
    private boolean closed;

    private NoGrad(int[] depth) {
        this.depth = depth;
    }

    /** Enters a no-grad scope; close it (try-with-resources) to leave. */
    public static NoGrad enter() {
        int[] d = DEPTH.get();
        d[0]++;
        return new NoGrad(d);
    }

    /** Whether operations on this thread are being recorded now. */
    public static boolean isGradEnabled() {
        return DEPTH.get()[0] == 0;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            depth[0]--;
        }
    }
}
